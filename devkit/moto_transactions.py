"""Item-level rollback for moto's DynamoDB TransactWriteItems (local run and tests only).

moto backs a transaction up by deep-copying every table it touches, once per item of
the transaction, and on a failed condition puts those copies back. Two consequences
for a contact center's local run:

- cost grows with the table, not the transaction: a contact record's transaction
  took 78 ms with 124 items in the tables and 4.7 s with 20,000, so the demo, the
  tests and the load test could not run at realistic sizes;
- the restore replaces whole tables, so a write another thread made to an unrelated
  item while the transaction ran is silently undone.

`install()` replaces that backup with one of the items the transaction names: each
is copied before it is first touched and, if any part fails, put back exactly as it
was (or removed if it did not exist), stream records the failed attempt produced
included. Everything else (validation, conditions, the order operations apply in,
the errors and cancellation reasons) is moto's own code path, unchanged; the replay
test runs on both and must give the same counters.

`install()` also serialises DynamoDB requests within the process, as DynamoDB
serialises the operations on an item: moto's backend has no locks, and the load test
drives it from several threads at once.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.RLock()
_ORIGINAL: dict[str, Any] = {}


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's DynamoDBBackend.transact_write_items with an item-level backup."""
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import get_filter_expression as filter_expression
    from moto.dynamodb.models.dynamo_type import DynamoType

    if len(transact_items) > 100:
        raise TooManyTransactionsException()

    # (table, hash, range) -> (the item before this transaction or None); stream lengths.
    backup: dict[tuple[str, Any, Any], Any] = {}
    streams: dict[str, int] = {}

    def remember(table_name: str, key: dict[str, Any]) -> None:
        table = self.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        slot = (table_name, hash_value, range_value)
        if slot not in backup:
            backup[slot] = copy.deepcopy(table.get_item(hash_value, range_value))
        if table.stream_shard is not None and table_name not in streams:
            streams[table_name] = len(table.stream_shard.items)

    def rollback() -> None:
        for (table_name, hash_value, range_value), item in backup.items():
            table = self.tables[table_name]
            if range_value is not None:
                if item is None:
                    table.items.get(hash_value, {}).pop(range_value, None)
                    if hash_value in table.items and not table.items[hash_value]:
                        del table.items[hash_value]
                else:
                    table.items[hash_value][range_value] = item
            elif item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        for table_name, length in streams.items():
            shard = self.tables[table_name].stream_shard
            if shard is not None:
                del shard.items[length:]

    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            expression_attribute_names = op.get("ExpressionAttributeNames")
            expression_attribute_values = op.get("ExpressionAttributeValues")
            return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = filter_expression(
                    condition_expression, expression_attribute_names, expression_attribute_values)
                if not condition_op.expr(current):
                    if return_values_on_condition_check_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                remember(table_name, key)
            if op_type == "Put":
                self.put_item(table_name, op["Item"], condition_expression=condition_expression,
                              expression_attribute_names=expression_attribute_names,
                              expression_attribute_values=expression_attribute_values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, condition_expression=condition_expression,
                                 expression_attribute_names=expression_attribute_names,
                                 expression_attribute_values=expression_attribute_values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 condition_expression=condition_expression,
                                 expression_attribute_names=expression_attribute_names,
                                 expression_attribute_values=expression_attribute_values)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            rollback()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        rollback()
        raise TransactionCanceledException(errors)


def _serialised(method: Any) -> Any:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(self, *args, **kwargs)

    call.__wrapped__ = method  # type: ignore[attr-defined]
    return call


def install() -> None:
    """Patch moto (idempotent): item-level transaction rollback, serialised requests."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if _ORIGINAL:
        return
    _ORIGINAL["transact"] = DynamoDBBackend.transact_write_items
    _ORIGINAL["call_action"] = DynamoHandler.call_action
    DynamoDBBackend.transact_write_items = _transact_write_items
    DynamoHandler.call_action = _serialised(DynamoHandler.call_action)


def uninstall() -> None:
    """Put moto's own code back."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if not _ORIGINAL:
        return
    DynamoDBBackend.transact_write_items = _ORIGINAL.pop("transact")
    DynamoHandler.call_action = _ORIGINAL.pop("call_action")


def installed() -> bool:
    return bool(_ORIGINAL)


@contextmanager
def unpatched() -> Iterator[None]:
    """moto exactly as released, for as long as the block runs."""
    was = installed()
    uninstall()
    try:
        yield
    finally:
        if was:
            install()
