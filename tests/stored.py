"""What is stored, read the blunt way: every item of every table the models define,
through a plain boto3 Scan (fine in a test; never in the product)."""

from __future__ import annotations

import json
from typing import Any


def every_item() -> dict[str, list[dict[str, Any]]]:
    """{table setting: [items in DynamoDB JSON]} for every table in tables.all_models()."""
    import boto3

    from chalicelib import tables
    from chalicelib.settings import get_settings

    dynamodb = boto3.client("dynamodb", region_name=get_settings().region)
    found: dict[str, list[dict[str, Any]]] = {}
    for model in tables.all_models():
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=model.Meta.table_name):
            items.extend(page["Items"])
        found[model.Meta.setting] = items
    return found


def stored_text() -> str:
    """Everything stored, as one text to search."""
    return json.dumps(every_item(), ensure_ascii=False, sort_keys=True)
