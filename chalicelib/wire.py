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


def counter_update(table: str, key: Mapping[str, Any], counted: Mapping[str, int],
                   also_set: Mapping[str, Any]) -> dict[str, Any]:
    """A TransactWriteItems `Update` of a counter item: ADD each of `counted` (name ->
    n, at least one) to the item at `key`, and SET `also_set` (name -> value: its
    expiry, the facts it is about). Names go through placeholders, so a counter may
    be called anything."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets, adds = [], []
    for i, (name, value) in enumerate(also_set.items()):
        names[f"#s{i}"], values[f":s{i}"] = name, to_wire(value)
        sets.append(f"#s{i} = :s{i}")
    for i, (name, n) in enumerate(sorted(counted.items())):
        names[f"#c{i}"], values[f":c{i}"] = name, to_wire(int(n))
        adds.append(f"#c{i} :c{i}")
    return {"Update": {
        "TableName": table,
        "Key": {name: to_wire(value) for name, value in key.items()},
        "UpdateExpression": ("SET " + ", ".join(sets) + " " if sets else "") + "ADD " + ", ".join(adds),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }}


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
