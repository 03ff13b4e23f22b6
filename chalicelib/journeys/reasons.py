"""What the journeys know about why a customer contacts us now, for `predict_reason`:
an open return (awaiting pickup or on its way) or any other open case, and an
appointment in the coming days. Both are registered as history sources of
chalicelib.reasons when this module is imported; the predict_reason Lambda's entry is
this module, so a cold start loads them once.

Each source is one indexed query; `because` and `reference` name ids and ages only.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.reasons import history
from chalicelib.reasons.catalogue import load as catalogue
from chalicelib.reasons.flow import predict_reason
from chalicelib.reasons.predict import (
    OPEN_CASE_WEIGHT,
    PENDING_RETURN_WEIGHT,
    UPCOMING_APPOINTMENT_WEIGHT,
    Evidence,
)

__all__ = ["predict_reason"]

# An appointment this many days ahead or fewer is a likely reason for a call.
APPOINTMENT_HORIZON_DAYS = 3


def _ago(moment: datetime, now: datetime) -> str:
    days = (now - moment).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def open_cases(customer_id: str, now: datetime) -> list[Evidence]:
    """The customer's open cases: a return weighs most (its pickup or refund is what
    people call about), any other case by its kind's reason, `complaint` otherwise."""
    from chalicelib.cases.service import Cases
    from chalicelib.settings import get_settings

    evidence = []
    for case in Cases(get_settings()).open_cases(customer_id)[:3]:
        reason = catalogue().normalise(case.kind) or "complaint"
        weight = PENDING_RETURN_WEIGHT if reason == "return" else OPEN_CASE_WEIGHT
        evidence.append(Evidence(reason, weight, f"open {case.kind} {case.case_id}, {_ago(case.opened_at, now)}",
                                 case.case_id))
    return evidence


def upcoming_appointment(customer_id: str, now: datetime) -> list[Evidence]:
    from chalicelib.clinic.service import Appointments
    from chalicelib.settings import get_settings

    item = Appointments(get_settings()).next_for(customer_id, now)
    if item is None:
        return []
    days = (item.starts_at.date() - now.date()).days
    if days > APPOINTMENT_HORIZON_DAYS:
        return []
    when = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
    # Nearer is likelier: tomorrow's appointment weighs more than one in three days.
    weight = UPCOMING_APPOINTMENT_WEIGHT * (1.0 if days <= 1 else 0.8)
    return [Evidence("appointment", weight, f"appointment {when}")]


history.register("cases", open_cases)
history.register("clinic.appointments", upcoming_appointment)
