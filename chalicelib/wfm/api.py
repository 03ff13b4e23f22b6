"""Workforce-management routes: staffing one interval, and the staffing plan of a queue."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chalicelib.errors import InvalidInput
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
    unknown = sorted(set(body) - _ERLANG_KEYS)
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not a known field")
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
