"""`GET /metrics`: KPIs over a range of days, in total and per queue, agent,
channel or contact reason.

It reads counters only (one query per dimension and month in the range), so its cost
does not grow with the number of contacts. Every counter found is returned, in camel
case, and rates are derived from a registry: a capability that adds counters adds its
rates with `derive(...)` at import of its own module, and they appear here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.db import dynamo_errors, utcnow
from chalicelib.errors import InvalidInput, only_params
from chalicelib.metrics import cost, counters, rate_providers
from chalicelib.settings import get_settings
from chalicelib.wire import from_wire, to_wire

MAX_DAYS = 366
# Reports are API calls (API Gateway waits up to 29 s), never on a contact flow's path:
# a year of sharded counters is thousands of items, more than the contact flow's 2 s
# read timeout is meant for.
REPORT_READ_TIMEOUT_S = 10.0
GROUPINGS = ("queue", "agent", "channel", "reason")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class Derived:
    """A rate: numerator / denominator x scale, None when nothing was counted."""

    numerator: str
    denominator: str
    scale: float = 1.0
    digits: int = 1

    def __call__(self, values: Mapping[str, int]) -> float | None:
        below = values.get(self.denominator, 0)
        if not below:
            return None
        return round(values.get(self.numerator, 0) * self.scale / below, self.digits)


DERIVED: dict[str, Callable[[Mapping[str, int]], float | None]] = {}


def derive(name: str, numerator: str, denominator: str, scale: float = 1.0, digits: int = 1) -> None:
    """Register a rate shown with every total and group (counter names as stored)."""
    DERIVED[name] = Derived(numerator, denominator, scale, digits)


derive("fcrPercent", "fcr_resolved", "fcr_eligible", 100)
derive("averageHandleSeconds", "handle_seconds", "handled")
derive("abandonmentPercent", "abandoned", "queued", 100)
derive("averageQueueWaitSeconds", "queue_wait_seconds", "queued")
# Of the contacts offered to a queue, those an agent answered within the queue's
# threshold (chalicelib/metrics/service_level.py); abandoned ones count as missed.
derive("serviceLevelPercent", "answered_in_threshold", "queued", 100)
derive("averageSpeedOfAnswerSeconds", "answer_wait_seconds", "answered")
derive("transferPercent", "transfers", "contacts", 100)
derive("repeatContactPercent", "repeat_contacts", "contacts", 100)
# The flow's predicted reason against the agent's wrap-up, of contacts that have both.
derive("predictionAccuracyPercent", "predictions_right", "predictions_checked", 100)

# Capabilities that count things of their own derive their rates here too: the
# providers chalicelib/wiring.py registers (chalicelib.metrics.rate_providers) are
# asked once, when the first report is read.


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def _day(name: str, raw: str | None) -> date:
    if raw is None or not _DATE.match(raw):
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} is not a calendar date: {raw}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        # also keeps the month arithmetic below from running off the calendar
        raise InvalidInput(f"{name} must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def parse_day(name: str, raw: str | None) -> date:
    """A query parameter as a calendar day (YYYY-MM-DD); InvalidInput naming it otherwise."""
    return _day(name, raw)


def _months(start: date, end: date) -> list[str]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def reader() -> Any:
    """The DynamoDB client reports read counters with."""
    from chalicelib import aws

    return aws.client("dynamodb", read_timeout=REPORT_READ_TIMEOUT_S)


def _items(dimension: str, start: date, end: date) -> Iterator[tuple[str, str, dict[str, int]]]:
    """(day, value, counters) of every counter item of one dimension in [start, end]:
    one Query per month (and per 1 MB page), never one per contact."""
    table, client = get_settings().metrics_table, reader()
    now = utcnow().timestamp()
    for month in _months(start, end):
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "series = :series AND slot BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":series": to_wire(f"{dimension}#{month}"),
                                          ":low": to_wire(f"{start.isoformat()}#"),
                                          ":high": to_wire(f"{end.isoformat()}#\uffff")},
        }
        while True:
            with dynamo_errors("reading KPI counters"):
                page = client.query(**request)
            for item in page.get("Items", []):
                if "expires_at" in item and from_wire(item["expires_at"]) < now:
                    continue  # past retention; DynamoDB deletes it lazily
                slot = item["slot"]["S"]
                value = from_wire(item["value"]) if "value" in item else slot[11:]
                yield slot[:10], value, {name: from_wire(raw) for name, raw in item.items() if "N" in raw}
            if not page.get("LastEvaluatedKey"):
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _add(group: dict[str, int], found: Mapping[str, int]) -> None:
    for name, n in found.items():
        group[name] = group.get(name, 0) + n


def read(dimension: str, start: date, end: date) -> dict[str, dict[str, int]]:
    """Counters of one dimension summed per value over [start, end]."""
    totals: dict[str, dict[str, int]] = {}
    for _, value, found in _items(dimension, start, end):
        # Shards of one value (see counters.SHARDED) add up here.
        _add(totals.setdefault(value, {}), found)
    return totals


def read_days(dimension: str, start: date, end: date) -> dict[str, dict[str, dict[str, int]]]:
    """Counters of one dimension per day and value over [start, end]: {day: {value: counters}}."""
    days: dict[str, dict[str, dict[str, int]]] = {}
    for day, value, found in _items(dimension, start, end):
        _add(days.setdefault(day, {}).setdefault(value, {}), found)
    return days


def document(values: Mapping[str, int]) -> dict[str, Any]:
    rate_providers.load()
    shown: dict[str, Any] = {_camel(name): n for name, n in sorted(values.items())}
    for name in ("contacts", "handled", "queued", "abandoned"):
        shown.setdefault(name, 0)
    shown.update({name: rate(values) for name, rate in DERIVED.items()})
    model = cost.configured()
    if model is not None:
        shown["cost"] = cost.cost(values, model)
    return shown


def kpis(query: Mapping[str, str] | None) -> dict[str, Any]:
    query = only_params(query, ("from", "to", "by"))
    start = _day("from", query.get("from"))
    end = _day("to", query.get("to", query.get("from")))
    if end < start:
        raise InvalidInput("to must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_DAYS} days")
    by = query.get("by")
    if by is not None and by not in GROUPINGS:
        raise InvalidInput(f"by must be one of {', '.join(GROUPINGS)}")
    total = read(counters.ALL, start, end).get(counters.ALL, {})
    answer: dict[str, Any] = {
        "from": start.isoformat(), "to": end.isoformat(), "timeZone": get_settings().metrics_time_zone,
        "totals": document(total),
    }
    if by:
        groups = read(by, start, end)
        answer["by"] = by
        answer["groups"] = [
            {"value": value, **document(values)}
            for value, values in sorted(groups.items(), key=lambda g: (-g[1].get("contacts", 0), g[0]))
        ]
    return answer
