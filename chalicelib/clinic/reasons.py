"""An appointment in the coming days as the likely reason a patient contacts us, for
predict_reason (registered in chalicelib/wiring.py). One indexed query."""

from __future__ import annotations

from datetime import datetime

from chalicelib.reasons.predict import UPCOMING_APPOINTMENT_WEIGHT, Evidence

# An appointment this many days ahead or fewer is a likely reason for a call.
APPOINTMENT_HORIZON_DAYS = 3


def upcoming_appointment(customer_id: str, now: datetime) -> list[Evidence]:
    # The appointments table's own query, not the booking service: predict_reason's
    # role reads appointments and sends nothing (deploy/hardening.py follows imports).
    from chalicelib.clinic.models import next_appointment_of

    item = next_appointment_of(customer_id, now)
    if item is None:
        return []
    days = (item.starts_at.date() - now.date()).days
    if days > APPOINTMENT_HORIZON_DAYS:
        return []
    when = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
    # Nearer is likelier: tomorrow's appointment weighs more than one in three days.
    weight = UPCOMING_APPOINTMENT_WEIGHT * (1.0 if days <= 1 else 0.8)
    return [Evidence("appointment", weight, f"appointment {when}")]
