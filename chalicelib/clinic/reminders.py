"""What is scheduled around an appointment (journey steps on EventBridge
Scheduler: reminders `APPOINTMENT_REMINDER_HOURS` before, the attendance check
after) and the messages it sends: the confirmation when booked, the reminders
(WhatsApp with buttons; when WhatsApp cannot reach the patient, SMS if
SMS_FALLBACK_MESSAGES names appointment_reminder, then e-mail) and the
pre-visit instructions. Schedules are named, messages keyed in the outbox, so each
is safe to repeat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.clinic.booking import iso
from chalicelib.db import utcnow
from chalicelib.settings import Settings


def reminder_schedule(appointment: str, hours: int) -> str:
    return f"apt-{appointment}-r{hours}h"


def no_show_schedule(appointment: str) -> str:
    return f"apt-{appointment}-attendance"


def variables(item: Any) -> dict[str, Any]:
    return {"reference": item.appointment_id, "appointment_at": iso(item.starts_at), "service": item.service,
            "practitioner": item.practitioner, "location": item.location, "address": item.address}


def planned_reminders(item: Any, settings: Settings) -> list[int]:
    """The reminders this appointment gets, furthest first: those of
    APPOINTMENT_REMINDER_HOURS still ahead when it was booked (a visit booked for
    tomorrow gets the 24 h one only)."""
    booked = item.created_at or utcnow()
    return [hours for hours in settings.reminder_hours
            if item.starts_at - timedelta(hours=hours) > booked + timedelta(minutes=1)]


def plan(item: Any, schedules: Any, settings: Settings) -> None:
    """The reminders still ahead and the attendance check after the visit."""
    now = utcnow()
    for hours in planned_reminders(item, settings):
        when = item.starts_at - timedelta(hours=hours)
        if when > now + timedelta(minutes=1):
            schedules.at(reminder_schedule(item.appointment_id, hours), when,
                         {"step": "appointment_reminder", "appointmentId": item.appointment_id, "hours": hours})
    ends = item.starts_at + timedelta(minutes=int(item.duration_minutes) + settings.no_show_grace_minutes)
    schedules.at(no_show_schedule(item.appointment_id), ends,
                 {"step": "no_show_check", "appointmentId": item.appointment_id})


def cancel(item: Any, schedules: Any, settings: Settings) -> None:
    for hours in settings.reminder_hours:
        schedules.cancel(reminder_schedule(item.appointment_id, hours))
    schedules.cancel(no_show_schedule(item.appointment_id))


def confirm_booking(item: Any, settings: Settings) -> None:
    """The confirmation e-mail, and the booking in the patient's timeline."""
    from chalicelib.interactions import activity
    from chalicelib.notify.service import notifier

    notifier(settings).send_to_customer(
        item.customer_id, "appointment_confirmation",
        {**variables(item), "instructions": list(item.instructions or []) or None},
        f"appointment:{item.appointment_id}:confirmation")
    if not planned_reminders(item, settings):  # booked too late for any reminder: the instructions go now
        send_previsit(item, settings)
    activity.note_quietly(item.customer_id, channel="API", kind="appointment_booked",
                          reference=item.appointment_id, at=item.created_at,
                          detail={"startsAt": iso(item.starts_at), "service": item.service})


def send_reminder(item: Any, hours: int, *, first: bool, settings: Settings) -> dict[str, str | None]:
    """The reminder `hours` before; with the first one the appointment gets, the
    pre-visit instructions."""
    from chalicelib.notify.service import notifier

    send = notifier(settings)
    values = variables(item)
    key = f"appointment:{item.appointment_id}:reminder-{hours}h"
    outcome = send.send_to_customer(item.customer_id, "appointment_reminder", values, key, channel="whatsapp")
    sent = {"whatsapp": outcome.status}
    if not outcome.sent and "appointment_reminder" in settings.sms_fallback:
        outcome = send.send_to_customer(item.customer_id, "appointment_reminder", values, key, channel="sms")
        sent["sms"] = outcome.status
    if not outcome.sent:
        sent["email"] = send.send_to_customer(item.customer_id, "appointment_reminder", values, key).status
    if first and item.instructions:
        sent["previsit"] = send_previsit(item, settings)
    return sent


def send_previsit(item: Any, settings: Settings) -> str | None:
    """The pre-visit instructions by e-mail, once (outbox key), if there are any."""
    from chalicelib.notify.service import notifier

    if not item.instructions:
        return None
    return notifier(settings).send_to_customer(
        item.customer_id, "previsit_instructions",
        {**variables(item), "instructions": list(item.instructions),
         "arrive_minutes_early": int(item.arrive_minutes_early) if item.arrive_minutes_early else None},
        f"appointment:{item.appointment_id}:previsit").status
