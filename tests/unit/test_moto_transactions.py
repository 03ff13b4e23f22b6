"""The local run's item-level transaction rollback leaves DynamoDB exactly as moto as
released does, for transactions that succeed and for those that are cancelled."""

from __future__ import annotations

import random

import boto3
import pytest
from botocore.exceptions import ClientError

from devkit import localenv, moto_transactions


def _transactions(rng: random.Random, metrics: str, customers: str) -> list[list[dict]]:
    """Random transactions over a few counters and customers, many of them cancelled
    by a condition (a version that does not match, an item that must not exist)."""
    batches = []
    for _ in range(60):
        items: list[dict] = []
        for slot in rng.sample(["a", "b", "c", "d"], rng.randint(1, 3)):
            items.append({"Update": {
                "TableName": metrics, "Key": {"series": {"S": "all#2025-05"}, "slot": {"S": slot}},
                "UpdateExpression": "ADD contacts :n",
                "ExpressionAttributeValues": {":n": {"N": str(rng.randint(-2, 5))}},
            }})
        customer = f"cust-{rng.randint(1, 4)}"
        if rng.random() < 0.5:
            items.append({"Put": {
                "TableName": customers, "Item": {"customer_id": {"S": customer}, "v": {"N": str(rng.randint(0, 3))}},
                "ConditionExpression": "attribute_not_exists(customer_id) OR v = :v",
                "ExpressionAttributeValues": {":v": {"N": str(rng.randint(0, 3))}},
            }})
        else:
            items.append({"Delete": {
                "TableName": customers, "Key": {"customer_id": {"S": customer}},
                "ConditionExpression": "attribute_exists(customer_id)",
            }})
        batches.append(items)
    return batches


def _replay(batches: list[list[dict]], metrics: str, customers: str) -> tuple[list[str], dict[str, list]]:
    client = boto3.client("dynamodb", region_name=localenv.REGION)
    outcomes = []
    for items in batches:
        try:
            client.transact_write_items(TransactItems=items)
            outcomes.append("committed")
        except ClientError as e:
            reasons = [r.get("Code", "") for r in e.response.get("CancellationReasons", [])]
            outcomes.append("cancelled:" + ",".join(reasons))
    state = {}
    for table in (metrics, customers):
        items = client.scan(TableName=table)["Items"]
        state[table] = sorted(items, key=repr)
        for item in items:
            key = {k: item[k] for k in item if k in ("series", "slot", "customer_id")}
            client.delete_item(TableName=table, Key=key)
    return outcomes, state


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_item_level_rollback_leaves_the_tables_as_moto_as_released_does(aws, seed):
    from chalicelib.settings import get_settings

    settings = get_settings()
    # Given the same random transactions, many cancelled halfway through
    batches = _transactions(random.Random(seed), settings.metrics_table, settings.customers_table)
    # When they run on moto as released and on the item-level rollback
    with moto_transactions.unpatched():
        released = _replay(batches, settings.metrics_table, settings.customers_table)
    assert moto_transactions.installed()
    patched = _replay(batches, settings.metrics_table, settings.customers_table)
    # Then each transaction has the same outcome and the tables end the same
    assert "committed" in released[0] and any(o.startswith("cancelled") for o in released[0])
    assert patched == released
