"""The clinic's front desk: what a patient asks for that people must handle (a
reschedule, anything they write) becomes an Amazon Connect task through the
Connect client, started once per answer (its client token derives from the
message or contact id)."""

from __future__ import annotations

import hashlib
from typing import Any

from chalicelib.clinic.booking import iso


def digest(reference: str) -> str:
    """A short, safe stand-in for a message id in keys and tokens."""
    return hashlib.sha256(reference.encode()).hexdigest()[:24]


def _predicted(text: str, item: Any) -> dict[str, str]:
    """Why a patient wrote, from their words and an upcoming appointment: the task
    flow routes on the reason's queue; the words stay in the task's description."""
    from chalicelib.reasons.predict import UPCOMING_APPOINTMENT_WEIGHT, Evidence, predict, resolve_language

    history = [Evidence("appointment", UPCOMING_APPOINTMENT_WEIGHT, "upcoming appointment")] if item else []
    language = resolve_language("", "", text)
    prediction = predict(text, language, history=history)
    return {"predictedReason": prediction.reason, "reasonBecause": prediction.because,
            "predictedQueue": prediction.route().queue(language)}


_WROTE = {"WHATSAPP": "wrote on WhatsApp", "SMS": "wrote by SMS"}


def task(connect: Any, item: Any, reason: str, text: str | None, reference: str,
         customer_id: str | None = None, channel: str = "WHATSAPP") -> str:
    """A task about `item` (the appointment, or None) for `reason`: reschedule or a
    message the patient wrote on `channel` (WHATSAPP or SMS)."""
    customer_id = customer_id or item.customer_id
    what = {"reschedule": "asks to reschedule", "message": _WROTE[channel]}[reason]
    name = f"Patient {what}" + (f": appointment {item.appointment_id}" if item is not None else "")
    references = {"customerId": customer_id}
    attributes = {"customerId": customer_id, "reason": reason, "channel": channel}
    if item is not None:
        references.update(appointmentId=item.appointment_id, service=item.service,
                           startsAt=iso(item.starts_at) or "", location=item.location)
        attributes["appointmentId"] = item.appointment_id
    if text and reason == "message":
        attributes.update(_predicted(text, item))
    # The patient's own words are what the front desk needs to act on; Connect
    # shows them on the task (never in contact attributes).
    description = (text or "").strip() or f"The patient {what}; please call them back."
    return connect.start_task(name=name, description=description, attributes=attributes,
                              references=references, client_token=f"{reason}-{digest(reference)}")
