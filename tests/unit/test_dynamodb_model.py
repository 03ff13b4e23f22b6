"""The DynamoDB behaviours the local run adds to moto: transaction conflicts and
throttling, met by real botocore clients."""

from __future__ import annotations

import threading

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devkit import localenv
from devkit.dynamodb_model import Throttling, TransactionConflicts


def _counter_update(table: str, slot: str) -> dict:
    return {"Update": {"TableName": table, "Key": {"series": {"S": "all#2025-05"}, "slot": {"S": slot}},
                       "UpdateExpression": "ADD contacts :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}


def _code(call) -> str:
    try:
        call()
    except ClientError as e:
        reasons = [r["Code"] for r in e.response.get("CancellationReasons", [])]
        return e.response["Error"]["Code"] + (f" {reasons}" if reasons else "")
    return "OK"


def test_an_item_held_by_a_transaction_in_flight_refuses_other_writers(aws):
    from chalicelib.settings import get_settings

    table = get_settings().metrics_table
    first, second = (boto3.client("dynamodb", region_name=localenv.REGION) for _ in range(2))
    # Given a transaction that holds the day's total for 200 ms
    model = TransactionConflicts(hold_ms=(200, 200), seed=1).install([first, second])
    holder = threading.Thread(target=first.transact_write_items,
                              kwargs={"TransactItems": [_counter_update(table, "2025-05-01#all")]})
    holder.start()
    while model.transactions == 0:
        threading.Event().wait(0.005)
    # When another transaction and a single write touch it meanwhile, and a transaction
    # touches only other items
    both = [_counter_update(table, "2025-05-01#other"), _counter_update(table, "2025-05-01#all")]
    conflicted = _code(lambda: second.transact_write_items(TransactItems=both))
    single = _code(lambda: second.update_item(**{k: v for k, v in _counter_update(table, "2025-05-01#all")[
        "Update"].items()}))
    model.hold_ms = (0, 0)
    elsewhere = _code(lambda: second.transact_write_items(TransactItems=[_counter_update(table, "2025-05-01#x")]))
    holder.join()
    # Then the first two are refused, naming the item in conflict, and the third commits
    assert conflicted == "TransactionCanceledException ['None', 'TransactionConflict']"
    assert single == "TransactionConflictException"
    assert elsewhere == "OK"
    assert (model.transactions, model.conflicts, model.single_write_conflicts) == (3, 1, 1)
    # and only the holder's and the unrelated transaction's additions are counted
    total = second.get_item(TableName=table, Key={"series": {"S": "all#2025-05"}, "slot": {"S": "2025-05-01#all"}})
    assert total["Item"]["contacts"] == {"N": "1"}
    assert "Item" not in second.get_item(TableName=table, Key={"series": {"S": "all#2025-05"},
                                                                "slot": {"S": "2025-05-01#other"}})
    model.uninstall()


@pytest.mark.parametrize(("rate", "expected"), [(1.0, "ProvisionedThroughputExceededException"), (0.0, "OK")])
def test_throttling_is_retried_by_botocore_and_surfaces_when_it_persists(aws, rate, expected):
    from chalicelib.settings import get_settings

    client = boto3.client("dynamodb", region_name=localenv.REGION,
                          config=Config(retries={"total_max_attempts": 3, "mode": "standard"}))
    throttling = Throttling(rate=rate, seed=1).install([client])
    outcome = _code(lambda: client.transact_write_items(
        TransactItems=[_counter_update(get_settings().metrics_table, "2025-05-01#all")]))
    assert outcome == expected
    assert (throttling.requests, throttling.throttled) == ((3, 3) if rate else (1, 0))
    throttling.uninstall()


def test_what_each_model_did_is_counted_by_who_sent_the_request(aws):
    from chalicelib.settings import get_settings

    table = get_settings().metrics_table
    client = boto3.client("dynamodb", region_name=localenv.REGION,
                          config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))

    def label(operation: str, body: dict) -> str:
        return "pair" if len(body.get("TransactItems", [])) == 2 else "single"

    # Given a model that counts by sender: a one-item and a two-item transaction commit
    conflicts = TransactionConflicts(hold_ms=(0, 0), seed=1, label=label).install([client])
    client.transact_write_items(TransactItems=[_counter_update(table, "2025-05-01#a")])
    client.transact_write_items(TransactItems=[_counter_update(table, "2025-05-01#a"),
                                               _counter_update(table, "2025-05-01#b")])
    conflicts.uninstall()
    assert conflicts.transactions_by == {"single": 1, "pair": 1} and conflicts.conflicts_by == {}
    # and a throttled request is counted against its sender
    throttling = Throttling(rate=1.0, seed=1, label=label).install([client])
    assert _code(lambda: client.transact_write_items(TransactItems=[
        _counter_update(table, "2025-05-01#a"), _counter_update(table, "2025-05-01#b")])) \
        == "ProvisionedThroughputExceededException"
    throttling.uninstall()
    assert throttling.throttled_by == {"pair": 1}
