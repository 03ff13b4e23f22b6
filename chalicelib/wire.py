"""Plain Python values in DynamoDB's wire format (and back), for the few writes that
go through the low-level client: transactions that mix items of several tables with
counters whose attribute names are not declared on a model."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def to_wire(value: Any) -> dict[str, Any]:
    """str, int, float, bool, None, lists and string-keyed mappings as an AttributeValue."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, float):
        return {"N": repr(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {str(k): to_wire(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_wire(v) for v in value]}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def from_wire(value: Mapping[str, Any]) -> Any:
    """An AttributeValue as a plain value; numbers come back as int when whole."""
    kind, raw = next(iter(value.items()))
    if kind == "NULL":
        return None
    if kind in ("S", "BOOL"):
        return raw
    if kind == "N":
        number = Decimal(raw)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "M":
        return {k: from_wire(v) for k, v in raw.items()}
    if kind == "L":
        return [from_wire(v) for v in raw]
    if kind == "SS":
        return set(raw)
    raise TypeError(f"unexpected DynamoDB type {kind}")


def item_from_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: from_wire(v) for k, v in item.items()}
