"""Workforce-management routes: staffing one interval, and the staffing plan of a queue."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.errors import InvalidInput, only_fields, only_params
from chalicelib.wfm import erlang

_ERLANG_KEYS = {"contacts", "intervalMinutes", "averageHandleSeconds", "serviceLevel", "shrinkage", "maxOccupancy",
                "patienceSeconds", "concurrency"}
# Beyond an hour of patience Erlang A and Erlang C agree to the agent: use Erlang C.
MAX_PATIENCE_SECONDS = 3600


def number(body: Mapping[str, Any], name: str, *, low: float, high: float, low_open: bool = False,
           high_open: bool = False, default: float | None = None, integer: bool = False,
           field: str | None = None) -> float:
    """A JSON number within bounds; the 400 names the field (`field`, or `name`) and the range."""
    field = field or name
    if name not in body or body[name] is None:
        if default is None:
            raise InvalidInput(f"{field} is required")
        return default
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{field} must be a number")
    if integer and value != int(value):
        raise InvalidInput(f"{field} must be a whole number")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise InvalidInput(f"{field} must be in {left}{_show(low)}, {_show(high)}{right}")
    return float(value)


def _show(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def service_level(body: Mapping[str, Any], name: str = "serviceLevel") -> tuple[float, float]:
    """`{"target": 0.8, "seconds": 20}`: the share to answer within the time."""
    goal = body.get(name)
    if not isinstance(goal, dict):
        raise InvalidInput(f'{name} must be an object like {{"target": 0.8, "seconds": 20}}')
    unknown = sorted(set(goal) - {"target", "seconds"})
    if unknown:
        raise InvalidInput(f"{name}.{unknown[0]} is not a known field")
    target = number(goal, "target", low=0, high=1, low_open=True, high_open=True, field=f"{name}.target")
    seconds = number(goal, "seconds", low=0, high=3600, field=f"{name}.seconds")
    return target, seconds


def erlang_request(body: Mapping[str, Any]) -> erlang.Demand:
    only_fields(body, _ERLANG_KEYS)
    contacts = number(body, "contacts", low=0, high=1_000_000)
    minutes = number(body, "intervalMinutes", low=0, high=1440, low_open=True)
    handle = number(body, "averageHandleSeconds", low=0, high=86_400, low_open=True)
    target, seconds = service_level(body)
    shrinkage = number(body, "shrinkage", low=0, high=1, high_open=True, default=0.0)
    occupancy = number(body, "maxOccupancy", low=0, high=1, low_open=True, default=1.0)
    patience = (number(body, "patienceSeconds", low=0, high=MAX_PATIENCE_SECONDS, low_open=True)
                if body.get("patienceSeconds") is not None else None)
    concurrency = int(number(body, "concurrency", low=1, high=20, default=1, integer=True))
    return erlang.Demand(contacts=contacts, interval_seconds=minutes * 60, average_handle_seconds=handle,
                         target_service_level=target, target_seconds=seconds, shrinkage=shrinkage,
                         max_occupancy=occupancy, patience_seconds=patience, concurrency=concurrency)


def staffing_document(plan: erlang.Staffing) -> dict[str, Any]:
    return {
        "agents": plan.agents,
        "agentsFractional": round(plan.agents_fractional, 3),
        "serviceLevel": round(plan.service_level, 4),
        "averageSpeedOfAnswerSeconds": round(plan.average_speed_of_answer_seconds, 2),
        "occupancy": round(plan.occupancy, 4),
        "staff": plan.staff,
    }


def staff_interval(body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /wfm/erlang: the agents and staff one interval's load needs."""
    demand = erlang_request(body)
    try:
        plan = erlang.staff(demand)
    except ValueError as e:
        raise InvalidInput(f"contacts: {e}") from e
    return staffing_document(plan)


_PLAN_KEYS = {"queue", "from", "days", "channel"}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def plan_query(query: Mapping[str, str] | None) -> tuple[str, str, date, int]:
    """(queue, channel, first day, days) of GET /wfm/plan, validated."""
    from chalicelib.wfm.queues import CHANNELS

    query = only_params(query, _PLAN_KEYS)
    queue = (query.get("queue") or "").strip()
    if not queue or len(queue) > 128 or not queue.isprintable():
        raise InvalidInput("queue is required: the queue's name")
    channel = (query.get("channel") or "VOICE").upper()
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
    raw = query.get("from") or ""
    try:
        if not _DAY.fullmatch(raw):
            raise ValueError
        first = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("from must be a date, YYYY-MM-DD") from None
    raw_days = query.get("days") or "1"
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= 28:
        raise InvalidInput("days must be a whole number from 1 to 28")
    return queue, channel, first, int(raw_days)


def staffing_plan(query: Mapping[str, str] | None) -> dict[str, Any]:
    """GET /wfm/plan: the stored plan per interval and, for intervals past, what came."""
    import json

    from chalicelib.db import utcnow
    from chalicelib.wfm import forecast
    from chalicelib.wfm.intervals import counters_store
    from chalicelib.wfm.plan import plans_store
    from chalicelib.wfm.queues import planning

    queue, channel, first, days = plan_query(query)
    settings = planning(queue)
    last = first + timedelta(days=days - 1)
    now = utcnow()
    today = now.astimezone(forecast.zone(settings.time_zone)).date()
    stored = plans_store().read(queue, channel, first, last)
    actual = (counters_store().read(queue, channel, first, min(last, today), settings.time_zone)
              if first <= today else {})
    intervals = []
    for planned_day in stored:
        for interval in json.loads(planned_day["intervals"]):
            start = datetime.fromisoformat(interval["start"])
            if start + timedelta(minutes=15) <= now:
                came = actual.get(start.astimezone(UTC))
                interval["actual"] = _actual_document(came)
            intervals.append(interval)
    planned_days = {d["slot"] for d in stored}
    newest = stored[-1] if stored else None
    return {
        "queue": queue, "channel": channel, "timeZone": settings.time_zone, "from": first.isoformat(), "days": days,
        "serviceLevel": {"target": settings.target_service_level, "seconds": settings.target_seconds},
        "intervals": intervals,
        "holidays": {d["slot"]: d["holiday"] for d in stored if d.get("holiday")},
        "history": newest["history"] if newest else None,
        "missingDays": [(first + timedelta(days=i)).isoformat() for i in range(days)
                        if (first + timedelta(days=i)).isoformat() not in planned_days],
    }


def _actual_document(counts: Any) -> dict[str, Any]:
    if counts is None:
        return {"offered": 0, "handled": 0, "abandoned": 0, "averageHandleSeconds": None, "serviceLevel": None}
    return {
        "offered": counts.offered,
        "handled": counts.handled,
        "abandoned": counts.abandoned,
        "averageHandleSeconds": round(counts.handle_seconds / counts.handled, 1) if counts.handled else None,
        "serviceLevel": round(counts.answered_in_service_level / counts.offered, 4) if counts.offered else None,
    }
