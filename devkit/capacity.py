"""What DynamoDB would bill for the requests the app's clients make, measured from the
actual requests on the embedded AWS (moto answers with no real consumed capacity).

On-demand billing rules applied, per item a request reads or writes:
- a write costs 1 write unit per KB (rounded up) of the larger of the item before and
  after; inside TransactWriteItems, 2 units per KB;
- every global secondary index the item is in before or after costs its own write:
  the projected item's KB (a key that changes costs a delete and a put);
- a strongly consistent read costs 1 read unit per 4 KB, an eventually consistent
  one half of that; a Query adds up the items it returns before rounding; a
  transactional read costs double.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# DynamoDB on-demand, us-east-1, from November 2024 (USD): per million request units.
PRICE_PER_MILLION_WRITE_UNITS = 0.625
PRICE_PER_MILLION_READ_UNITS = 0.125
ACCOUNT = "123456789012"  # moto's default account
_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


@dataclass
class Usage:
    requests: Counter = field(default_factory=Counter)
    items_written: int = 0
    write_units: float = 0.0
    index_write_units: float = 0.0
    read_units: float = 0.0
    written_bytes: Counter = field(default_factory=Counter)  # table -> largest item written
    write_units_by_table: Counter = field(default_factory=Counter)  # table (indexes included) -> units
    # "table Put|Update|Delete[ in a transaction]" -> units (indexes included), and how many
    write_units_by_write: Counter = field(default_factory=Counter)
    writes_by_write: Counter = field(default_factory=Counter)
    # writes that left the item as it was (nothing but their cost changed)
    unchanged_writes: int = 0
    unchanged_write_units: float = 0.0

    @property
    def all_write_units(self) -> float:
        return self.write_units + self.index_write_units

    def dollars(self) -> float:
        return (self.all_write_units * PRICE_PER_MILLION_WRITE_UNITS
                + self.read_units * PRICE_PER_MILLION_READ_UNITS) / 1e6


class _Tables:
    def __init__(self, region: str) -> None:
        from moto.dynamodb.models import dynamodb_backends

        self.backend = dynamodb_backends[ACCOUNT][region]

    def table(self, name: str) -> Any:
        return self.backend.get_table(name)

    def item(self, name: str, key: dict[str, Any]) -> Any:
        import copy

        from moto.dynamodb.models.dynamo_type import DynamoType

        table = self.table(name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        return copy.deepcopy(table.get_item(hash_value, range_value))


def _key(table: Any, item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in (table.hash_key_attr, table.range_key_attr) if k}


def _kb(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))




class CapacityMeter:
    """Counts requests, items written and billed units of the clients it is installed on."""

    def __init__(self, region: str) -> None:
        self.usage = Usage()
        self._tables = _Tables(region)
        self._pending = threading.local()
        self._lock = threading.Lock()
        self._clients: list[Any] = []

    # -- writes: the items named, before the call; their sizes after it -----------
    def _targets(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
        """(table, key, what: "Put", "Update in a transaction"...) of every item written."""
        if operation == "TransactWriteItems":
            found = []
            for entry in params.get("TransactItems", []):
                (kind, op), = entry.items()
                if kind == "ConditionCheck":
                    continue
                table = self._tables.table(op["TableName"])
                found.append((op["TableName"], _key(table, op["Item"]) if kind == "Put" else op["Key"],
                              f"{kind} in a transaction"))
            return found
        if operation == "BatchWriteItem":
            found = []
            for name, requests in params.get("RequestItems", {}).items():
                table = self._tables.table(name)
                for request in requests:
                    if "PutRequest" in request:
                        found.append((name, _key(table, request["PutRequest"]["Item"]), "Put"))
                    else:
                        found.append((name, request["DeleteRequest"]["Key"], "Delete"))
            return found
        if operation in _WRITES:
            table = self._tables.table(params["TableName"])
            key = _key(table, params["Item"]) if operation == "PutItem" else params["Key"]
            return [(params["TableName"], key, operation.removesuffix("Item"))]
        return []

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """(before-parameter-build: the API parameters as the caller gave them)"""
        targets = self._targets(model.name, params)
        self._pending.params = params
        self._pending.before = [(name, key, what, self._tables.item(name, key)) for name, key, what in targets]
        with self._lock:
            self.usage.requests[model.name] += 1

    def after_call(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        before = getattr(self._pending, "before", None) or []
        params = getattr(self._pending, "params", None) or {}
        self._pending.before = self._pending.params = None
        if parsed.get("Error"):
            return
        write_units = index_units = 0.0
        for name, key, what, old in before:
            transactional = what.endswith("transaction")
            table = self._tables.table(name)
            new = self._tables.item(name, key)
            size = max(old.size() if old else 0, new.size() if new else 0)
            units = _kb(size, 1024) * (2 if transactional else 1)
            for index in table.global_indexes:
                keys = [k["AttributeName"] for k in index.schema]
                was = old is not None and all(k in old.attrs for k in keys)
                now = new is not None and all(k in new.attrs for k in keys)
                moved = was and now and any(old.attrs[k] != new.attrs[k] for k in keys)
                if was and (moved or not now):
                    index_units += _kb(index.project(old).size(), 1024)
                    units += _kb(index.project(old).size(), 1024)
                if now:
                    index_units += _kb(index.project(new).size(), 1024)
                    units += _kb(index.project(new).size(), 1024)
            write_units += _kb(size, 1024) * (2 if transactional else 1)
            unchanged = (old.attrs if old else None) == (new.attrs if new else None)
            with self._lock:
                self.usage.write_units_by_table[name] += units
                label = f"{name.split('-')[-1]} {what}"
                self.usage.write_units_by_write[label] += units
                self.usage.writes_by_write[label] += 1
                if unchanged:
                    self.usage.unchanged_writes += 1
                    self.usage.unchanged_write_units += units
                self.usage.written_bytes[name] = max(self.usage.written_bytes[name], new.size() if new else 0)
        read_units = self._read_units(model.name, params, parsed)
        with self._lock:
            self.usage.items_written += len(before)
            self.usage.write_units += write_units
            self.usage.index_write_units += index_units
            self.usage.read_units += read_units

    def _read_units(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
        from moto.dynamodb.models.dynamo_type import Item

        def size(raw: dict[str, Any]) -> int:
            return Item(None, None, raw).size()

        strong = 1.0 if params.get("ConsistentRead") else 0.5
        if operation == "GetItem":
            return _kb(size(parsed["Item"]) if parsed.get("Item") else 0, 4096) * strong
        if operation in ("Query", "Scan"):
            total = sum(size(item) for item in parsed.get("Items", []))
            return _kb(total, 4096) * strong
        if operation == "BatchGetItem":
            units = 0.0
            for name, items in parsed.get("Responses", {}).items():
                consistent = 1.0 if params["RequestItems"][name].get("ConsistentRead") else 0.5
                units += sum(_kb(size(item), 4096) * consistent for item in items)
            return units
        if operation == "TransactGetItems":
            return sum(_kb(size(r["Item"]) if r.get("Item") else 0, 4096) * 2 for r in parsed.get("Responses", []))
        return 0.0

    def install(self, clients: Iterable[Any]) -> CapacityMeter:
        for client in clients:
            client.meta.events.register("before-parameter-build.dynamodb", self.before_call,
                                        unique_id="capacity-meter")
            client.meta.events.register("after-call.dynamodb", self.after_call, unique_id="capacity-meter-after")
            self._clients.append(client)
        return self

    def uninstall(self) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-parameter-build.dynamodb", unique_id="capacity-meter")
            client.meta.events.unregister("after-call.dynamodb", unique_id="capacity-meter-after")
        self._clients = []


@contextmanager
def metered(region: str, clients: Iterable[Any]) -> Iterator[Usage]:
    meter = CapacityMeter(region).install(clients)
    try:
        yield meter.usage
    finally:
        meter.uninstall()
