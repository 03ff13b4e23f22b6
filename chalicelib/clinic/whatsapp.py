"""What a patient's WhatsApp message (or SMS) does at the clinic (subscribed to the
"whatsapp message" and "sms message" events that chalicelib.notify.whatsapp_inbound
and chalicelib.notify.sms_inbound announce):

- a reminder's button (Confirm / Reschedule / Cancel) answers the appointment, and
  the patient gets a short confirmation while their window is open;
- anything else they write reaches the front desk as an Amazon Connect task.

Both are idempotent by the message id (the appointment's answer is conditional, the
task's client token and the confirmation's outbox key derive from it).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

CHANNEL = "WHATSAPP"
_PAYLOAD = re.compile(r"^appointment:([A-Za-z0-9][A-Za-z0-9_-]{0,39}):(confirm|reschedule|cancel)\Z")


def answer(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """What was done with the message: (action, detail) for the timeline."""
    from chalicelib.clinic.appointments import Appointments

    inbound, customer = event["inbound"], event["customer"]
    appointments = Appointments(event["settings"])
    match = _PAYLOAD.match(inbound.payload)
    if match:
        appointment, action = match.groups()
        outcome = appointments.respond(appointment, customer.customer_id, action, channel=CHANNEL,
                                       reference=inbound.message_id)
        _reply(customer.customer_id, appointments, appointment, outcome["outcome"], inbound.message_id)
        return f"appointment_{action}", {"appointmentId": appointment, "outcome": outcome["outcome"]}
    # A "no" to an article the knowledge base sent carries the question it was about.
    written = event.get("asked") or inbound.text or f"[{inbound.type}]"
    outcome = appointments.note_message(customer.customer_id, written, inbound.message_id)
    return "front_desk_task", {"appointmentId": outcome["appointment"] or ""}


def answer_sms(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """An SMS the patient wrote (subscribed to the "sms message" event): SMS has no
    buttons, so whatever they wrote reaches the front desk, as on WhatsApp."""
    from chalicelib.clinic.appointments import Appointments

    inbound, customer = event["inbound"], event["customer"]
    outcome = Appointments(event["settings"]).note_message(customer.customer_id, inbound.text or "[empty SMS]",
                                                           inbound.message_id, channel="SMS")
    return "front_desk_task", {"appointmentId": outcome["appointment"] or ""}


def _reply(customer_id: str, appointments: Any, appointment: str, outcome: str, message_id: str) -> None:
    """A short free-form confirmation of what their tap did (they just wrote, so
    their 24-hour window is open)."""
    from chalicelib.clinic.statuses import CANCELLED, CONFIRMED, RESCHEDULE
    from chalicelib.notify.service import notifier

    if outcome not in (CONFIRMED, CANCELLED, RESCHEDULE):
        return
    item = appointments.find(appointment)
    reference = f"appointment:{appointment}:{outcome}:{hashlib.sha256(message_id.encode()).hexdigest()[:16]}"
    notifier().send_to_customer(customer_id, "appointment_update", {
        "reference": appointment, "appointment_at": item.starts_at.isoformat(), "service": item.service,
        "location": item.location, "update": outcome}, reference, channel="whatsapp")
