"""What a change of a case adds to the KPI counters read by `GET /metrics`.

Counted in the same transaction as the case's event item, which is written only
once, so a retried or redelivered change never counts twice. Per reason and queue
(the queue the case was in when it changed) and in total, on the contact center's
day; the tier is in the counter's name:

- `cases_opened`; `cases_escalated` and `cases_escalated_to_l2` / `_l3`;
- when a clock is met or missed (it stops): `case_first_responses`,
  `case_next_responses`, `cases_resolved`, each with its `..._met` or `..._breached`
  and the business minutes it took (`..._minutes`: pauses while waiting on the
  customer left out);
- when a breach schedule fires: `case_sla_breaches` and `case_sla_breaches_l1`...
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chalicelib.cases import business_time as bt
from chalicelib.cases.business_time import BusinessHours
from chalicelib.cases.sla import Clock

# Clock -> the counters it feeds.
STOPPED = {"firstResponse": "case_first_response", "nextResponse": "case_next_response",
           "resolution": "case_resolution"}
COUNTED = {"firstResponse": "case_first_responses", "nextResponse": "case_next_responses",
           "resolution": "cases_resolved"}


def fields(action: str, facts: Mapping[str, Any], tier: str | None, hours: BusinessHours,
           before: Mapping[str, Clock], after: Mapping[str, Clock]) -> dict[str, int]:
    """The counter fields one change adds (empty when it counts nothing)."""
    found: dict[str, int] = {}
    if action == "opened":
        found["cases_opened"] = 1
    if action == "escalated":
        found["cases_escalated"] = 1
        found[f"cases_escalated_to_{str(facts.get('toTier', '')).lower()}"] = 1
    sla = facts.get("sla")
    if isinstance(sla, Mapping) and sla.get("kind") == "breach":
        found["case_sla_breaches"] = 1
        found[f"case_sla_breaches_{str(tier or '').lower()}"] = 1
    for name, clock in after.items():
        earlier = before.get(name)
        if clock.stopped is None or (earlier is not None and earlier.stopped is not None) or name not in STOPPED:
            continue
        used = bt.elapsed(clock.started, clock.stopped, hours, clock.pauses)
        prefix = STOPPED[name]
        found[COUNTED[name]] = 1
        found[f"{prefix}_minutes"] = int(used / timedelta(minutes=1))
        found[f"{prefix}_{'breached' if used > clock.allowed else 'met'}"] = 1
    return found


def contribution(case: Any, action: str, facts: Mapping[str, Any], hours: BusinessHours,
                 before: Mapping[str, Clock], after: Mapping[str, Clock], now: datetime,
                 time_zone: str) -> dict[str, dict[str, int]]:
    from chalicelib.metrics import counters

    added = fields(action, facts, case.tier, hours, before, after)
    found: counters.Contribution = {}
    counters.add(found, counters.local_day(now, time_zone), {"queue": case.queue, "reason": case.reason_id}, added)
    return found


def register_rates() -> None:
    """The cases' rates in GET /metrics."""
    from chalicelib.metrics.report import derive

    derive("caseFirstResponseMetPercent", "case_first_response_met", "case_first_responses", 100)
    derive("caseNextResponseMetPercent", "case_next_response_met", "case_next_responses", 100)
    derive("caseResolutionMetPercent", "case_resolution_met", "cases_resolved", 100)
    derive("averageCaseFirstResponseMinutes", "case_first_response_minutes", "case_first_responses")
    derive("averageCaseResolutionMinutes", "case_resolution_minutes", "cases_resolved")
    derive("caseEscalationPercent", "cases_escalated", "cases_opened", 100)
