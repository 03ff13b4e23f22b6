"""Appointments: booking, reminders, the patient's answers, attendance, no-shows.

Every change of status is one DynamoDB transaction holding the appointment
(conditional on its `version`) and the difference it makes to the KPI counters
(appointments due per day, no-shows), so counters equal what the appointments say
however often a step is retried. Messages go through the outbox (sent once per
key); Connect tasks carry a client token (started once per reason).

Statuses:
    booked --confirm--> confirmed
    booked/confirmed --reschedule--> reschedule_requested (a task for the front desk)
    booked/confirmed/reschedule_requested --cancel--> cancelled (reminders deleted)
    after the visit: attended or no_show (the clinic says so), or no_show when nobody
    confirmed it and nobody reported attendance by its end + NO_SHOW_GRACE_MINUTES.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.db import cancellation_reasons, connection, dynamo_errors, expiry, is_live, utcnow
from chalicelib.errors import Conflict, DependencyFailure, InvalidInput, NotFound
from chalicelib.observability import get_logger
from chalicelib.settings import Settings

BOOKED, CONFIRMED, RESCHEDULE, CANCELLED, ATTENDED, NO_SHOW = (
    "booked", "confirmed", "reschedule_requested", "cancelled", "attended", "no_show")
UPCOMING = (BOOKED, CONFIRMED, RESCHEDULE)
ACTIONS = ("confirm", "reschedule", "cancel")
MAX_STEPS = 50
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FIELDS = {"appointmentId", "customerId", "patient", "startsAt", "durationMinutes", "service", "practitioner",
           "location", "address", "instructions", "arriveMinutesEarly"}
# How far ahead the clinic may book.
MAX_AHEAD = timedelta(days=400)


@dataclass(frozen=True)
class Booking:
    """A validated booking request."""

    appointment_id: str
    starts_at: datetime
    duration_minutes: int
    service: str
    location: str
    address: str
    practitioner: str | None
    instructions: list[str] | None
    arrive_minutes_early: int | None
    customer_id: str | None
    patient: dict[str, Any] | None

    @property
    def fingerprint(self) -> str:
        facts = [self.starts_at.isoformat(), self.duration_minutes, self.service, self.location, self.address,
                 self.practitioner, self.instructions, self.arrive_minutes_early]
        return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()[:32]


# ---- validation -------------------------------------------------------------------

def appointment_id(raw: object) -> str:
    if not isinstance(raw, str) or not _ID.match(raw):
        raise InvalidInput("appointmentId must be 1-40 letters, digits, '-' or '_', starting with a letter or digit")
    return raw


def _text(body: dict[str, Any], name: str, required: bool = True, limit: int = 200) -> str | None:
    raw = body.get(name)
    if raw is None and not required:
        return None
    if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > limit or _CONTROL.search(raw):
        raise InvalidInput(f"{name} must be one line of 1-{limit} characters")
    return raw.strip()


def _int(body: dict[str, Any], name: str, low: int, high: int, default: int | None) -> int | None:
    raw = body.get(name, default)
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}")
    return raw


def parse_booking(body: object, now: datetime | None = None) -> Booking:
    """Check a booking request completely, before anything is read or written."""
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object")
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    now = now or utcnow()
    raw_start = body.get("startsAt")
    try:
        starts_at = datetime.fromisoformat(raw_start.replace("Z", "+00:00")) if isinstance(raw_start, str) else None
    except ValueError:
        starts_at = None
    if starts_at is None or starts_at.tzinfo is None:
        raise InvalidInput("startsAt must be an ISO 8601 date-time with a time zone, like 2026-03-12T09:30:00+02:00")
    starts_at = starts_at.astimezone(UTC)
    if starts_at <= now:
        raise InvalidInput("startsAt must be in the future")
    if starts_at > now + MAX_AHEAD:
        raise InvalidInput(f"startsAt must be within {MAX_AHEAD.days} days")
    has_customer, has_patient = "customerId" in body, "patient" in body
    if has_customer == has_patient:
        raise InvalidInput("give either customerId (a known customer) or patient (phone, email or whatsapp, "
                           "and optionally firstName, lastName, preferredLanguage, timeZone)")
    customer_id = None
    if has_customer:
        from chalicelib.profiles import schema

        customer_id = schema.customer_id(body["customerId"])
    patient = body.get("patient")
    if has_patient and not isinstance(patient, dict):
        raise InvalidInput("patient must be an object")
    instructions = body.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, list) or not 1 <= len(instructions) <= 20:
            raise InvalidInput("instructions must be a list of 1 to 20 lines")
        instructions = [_text({"instructions": line}, "instructions", limit=300) for line in instructions]
    return Booking(
        appointment_id=appointment_id(body.get("appointmentId")), starts_at=starts_at.replace(microsecond=0),
        duration_minutes=_int(body, "durationMinutes", 5, 480, 30), service=_text(body, "service"),
        location=_text(body, "location"), address=_text(body, "address", limit=300),
        practitioner=_text(body, "practitioner", required=False), instructions=instructions,
        arrive_minutes_early=_int(body, "arriveMinutesEarly", 0, 120, None), customer_id=customer_id,
        patient=patient)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def document(item: Any) -> dict[str, Any]:
    return {
        "id": item.appointment_id, "customerId": item.customer_id, "startsAt": _iso(item.starts_at),
        "durationMinutes": int(item.duration_minutes), "service": item.service, "practitioner": item.practitioner,
        "location": item.location, "address": item.address, "instructions": list(item.instructions or []) or None,
        "status": item.status, "steps": list(item.steps or []), "createdAt": _iso(item.created_at),
        "updatedAt": _iso(item.updated_at),
    }


def _predicted(text: str, item: Any) -> dict[str, str]:
    """Why a patient wrote, from their words and an upcoming appointment: the task
    flow routes on the reason's queue; the words stay in the task's description."""
    from chalicelib.reasons.predict import UPCOMING_APPOINTMENT_WEIGHT, Evidence, predict, resolve_language

    history = [Evidence("appointment", UPCOMING_APPOINTMENT_WEIGHT, "upcoming appointment")] if item else []
    language = resolve_language("", "", text)
    prediction = predict(text, language, history=history)
    return {"predictedReason": prediction.reason, "reasonBecause": prediction.because,
            "predictedQueue": prediction.route().queue(language)}


def reminder_schedule(appointment: str, hours: int) -> str:
    return f"apt-{appointment}-r{hours}h"


def no_show_schedule(appointment: str) -> str:
    return f"apt-{appointment}-attendance"


class Appointments:
    def __init__(self, settings: Settings, schedules: Any = None, connect: Any = None) -> None:
        self.settings = settings
        self._schedules = schedules
        self._connect = connect

    @property
    def schedules(self) -> Any:
        if self._schedules is None:
            from chalicelib.journeys.schedules import Schedules

            self._schedules = Schedules(self.settings)
        return self._schedules

    @property
    def connect(self) -> Any:
        if self._connect is None:
            from chalicelib.connect.client import ConnectClient

            self._connect = ConnectClient(self.settings)
        return self._connect

    # ---- reading ---------------------------------------------------------------

    def find(self, appointment: str) -> Any:
        from chalicelib.clinic.models import AppointmentModel

        with dynamo_errors("reading an appointment"):
            try:
                item = AppointmentModel.get(appointment, consistent_read=True)
            except AppointmentModel.DoesNotExist:
                return None
        return item if is_live(item) else None

    def get(self, appointment: str) -> Any:
        item = self.find(appointment_id(appointment))
        if item is None:
            raise NotFound(f"no appointment {appointment}")
        return item

    def next_for(self, customer_id: str, now: datetime | None = None) -> Any:
        """The customer's next appointment that is still on."""
        from chalicelib.clinic.models import AppointmentModel

        now = now or utcnow()
        with dynamo_errors("reading appointments"):
            found = AppointmentModel.by_customer.query(customer_id, AppointmentModel.starts_at >= now, limit=20)
            for item in found:
                if is_live(item) and item.status in UPCOMING:
                    return item
        return None

    # ---- booking ---------------------------------------------------------------

    def book(self, body: object) -> tuple[dict[str, Any], bool]:
        """Book from the clinic's system; (appointment, created). The same request
        again answers the same appointment (and makes sure its reminders and
        confirmation exist); a different one under a taken id is a Conflict."""
        booking = parse_booking(body)
        existing = self.find(booking.appointment_id)
        if existing is not None:
            if existing.fingerprint != booking.fingerprint:
                raise Conflict(f"appointment {booking.appointment_id} exists with other details")
            self._after_booking(existing)
            return document(existing), False
        customer_id = self._patient(booking)
        item = self._create(booking, customer_id)
        self._after_booking(item)
        return document(item), True

    def _patient(self, booking: Booking) -> str:
        from chalicelib.profiles import schema
        from chalicelib.profiles.service import Profiles

        profiles = Profiles(self.settings)
        if booking.customer_id:
            return profiles.get(booking.customer_id).customer_id
        try:
            request = schema.parse(booking.patient, default_region=self.settings.default_phone_region, partial=False)
        except InvalidInput as e:
            raise InvalidInput(f"patient: {e.message}") from None
        identities = [i for i in request.identities.values() if i is not None]
        known = profiles.resolve(identities)
        if known is not None:
            return known.customer_id
        try:
            return profiles.create(request).customer_id
        except Conflict:  # created meanwhile for one of these addresses
            known = profiles.resolve(identities)
            if known is None:
                raise
            return known.customer_id

    def _create(self, booking: Booking, customer_id: str) -> Any:
        from botocore.exceptions import ClientError

        from chalicelib.clinic.models import AppointmentModel
        from chalicelib.metrics import counters
        from chalicelib.wire import to_wire

        now = utcnow()
        item = AppointmentModel(
            booking.appointment_id, customer_id=customer_id, starts_at=booking.starts_at,
            duration_minutes=booking.duration_minutes, service=booking.service, practitioner=booking.practitioner,
            location=booking.location, address=booking.address, instructions=booking.instructions,
            arrive_minutes_early=booking.arrive_minutes_early, status=BOOKED, fingerprint=booking.fingerprint,
            steps=[_step("booked", at=now)], created_at=now, updated_at=now, version=1,
            expires_at=expiry(self.settings.appointment_retention_days, booking.starts_at))
        applied = self._contribution(item)
        item.applied = applied
        serialized = item.serialize()
        transaction = [{"Put": {"TableName": self.settings.appointments_table, "Item": serialized,
                                "ConditionExpression": "attribute_not_exists(appointment_id) OR expires_at < :now",
                                "ExpressionAttributeValues": {":now": to_wire(int(now.timestamp()))}}}]
        transaction += counters.updates(self.settings.metrics_table, applied, self.settings.metrics_retention_days)
        with dynamo_errors("booking an appointment"):
            try:
                connection().client.transact_write_items(TransactItems=transaction)
            except ClientError as e:
                reasons = cancellation_reasons(e)
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    raise Conflict(f"appointment {booking.appointment_id} was booked meanwhile; "
                                   "send the request again") from e
                raise
        return item

    def _after_booking(self, item: Any) -> None:
        """Reminders, the attendance check and the confirmation e-mail: each safe
        to repeat (named schedules, outbox keys)."""
        from chalicelib.interactions import activity
        from chalicelib.notify.service import notifier

        if item.status not in UPCOMING:
            return
        now = utcnow()
        for hours in self.settings.reminder_hours:
            when = item.starts_at - timedelta(hours=hours)
            if when > now + timedelta(minutes=1):
                self.schedules.at(reminder_schedule(item.appointment_id, hours), when,
                                  {"step": "appointment_reminder", "appointmentId": item.appointment_id,
                                   "hours": hours})
        ends = item.starts_at + timedelta(minutes=int(item.duration_minutes) + self.settings.no_show_grace_minutes)
        self.schedules.at(no_show_schedule(item.appointment_id), ends,
                          {"step": "no_show_check", "appointmentId": item.appointment_id})
        variables = {**self._variables(item), "instructions": list(item.instructions or []) or None}
        notifier(self.settings).send_to_customer(item.customer_id, "appointment_confirmation", variables,
                                                 f"appointment:{item.appointment_id}:confirmation")
        activity.note_quietly(item.customer_id, channel="API", kind="appointment_booked",
                              reference=item.appointment_id, at=item.created_at,
                              detail={"startsAt": _iso(item.starts_at), "service": item.service})

    @staticmethod
    def _variables(item: Any) -> dict[str, Any]:
        return {"reference": item.appointment_id, "appointment_at": _iso(item.starts_at), "service": item.service,
                "practitioner": item.practitioner, "location": item.location, "address": item.address}

    # ---- changes -----------------------------------------------------------------

    def _contribution(self, item: Any) -> dict[str, dict[str, int]]:
        """What the appointment adds to the KPI counters of its (local) day."""
        from chalicelib.metrics import counters

        contribution: dict[str, dict[str, int]] = {}
        day = counters.local_day(item.starts_at, self.settings.metrics_time_zone)
        counters.add(contribution, day, {}, {"appointments": int(item.status != CANCELLED),
                                             "no_shows": int(item.status == NO_SHOW)})
        return contribution

    def _change(self, item: Any, status: str, step: str, note: str | None = None) -> Any:
        """Move the appointment to `status` and its counters with it, in one
        transaction conditional on the version read."""
        from botocore.exceptions import ClientError

        from chalicelib.clinic.models import AppointmentModel
        from chalicelib.metrics import counters
        from chalicelib.wire import to_wire

        now = utcnow()
        before = item.applied or {}
        item.status = status
        after = self._contribution(item)
        steps = [*(item.steps or []), _step(step, note, now)][-MAX_STEPS:]
        version = int(item.version)
        transaction = [{"Update": {
            "TableName": self.settings.appointments_table,
            "Key": {"appointment_id": to_wire(item.appointment_id)},
            "UpdateExpression": "SET #status = :status, steps = :steps, applied = :applied, updated_at = :now, "
                                "version = :next",
            "ConditionExpression": "version = :version",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":status": to_wire(status), ":steps": to_wire(json.dumps(steps)),
                ":applied": to_wire(json.dumps(after, sort_keys=True)),
                ":now": to_wire(AppointmentModel.updated_at.serialize(now)), ":next": to_wire(version + 1),
                ":version": to_wire(version)},
        }}]
        transaction += counters.updates(self.settings.metrics_table, counters.delta(before, after),
                                        self.settings.metrics_retention_days)
        with dynamo_errors("changing an appointment"):
            try:
                connection().client.transact_write_items(TransactItems=transaction)
            except ClientError as e:
                reasons = cancellation_reasons(e)
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    raise Conflict(f"appointment {item.appointment_id} changed meanwhile; try again") from e
                raise
        item.applied, item.steps, item.version, item.updated_at = after, steps, version + 1, now
        return item

    def respond(self, appointment: str, customer_id: str, action: str, *, channel: str, reference: str,
                text: str | None = None) -> dict[str, Any]:
        """The patient's answer (a WhatsApp button, a key press): confirm, reschedule
        or cancel. `reference` names the answer (its message or contact id): the
        same answer twice changes nothing. Someone else's appointment, or one that is
        no longer upcoming, is left alone."""
        from chalicelib.interactions import activity

        if action not in ACTIONS:
            raise InvalidInput(f"action must be one of {', '.join(ACTIONS)}")
        item = self.find(appointment_id(appointment))
        if item is None or item.customer_id != customer_id:
            return {"appointment": appointment, "outcome": "unknown_appointment"}
        if item.status not in UPCOMING:
            return {"appointment": appointment, "outcome": f"already_{item.status}"}
        outcome: dict[str, Any] = {"appointment": item.appointment_id}
        if action == "confirm":
            if item.status != CONFIRMED:
                self._change(item, CONFIRMED, "confirmed", channel)
            outcome["outcome"] = CONFIRMED
        elif action == "cancel":
            self._change(item, CANCELLED, "cancelled", channel)
            self._cancel_schedules(item)
            outcome["outcome"] = CANCELLED
        else:
            if item.status != RESCHEDULE:
                self._change(item, RESCHEDULE, "reschedule_requested", channel)
            outcome["task"] = self._task(item, "reschedule", text, reference)
            outcome["outcome"] = RESCHEDULE
        activity.note_quietly(customer_id, channel=channel, kind=f"appointment_{outcome['outcome']}",
                              reference=f"{item.appointment_id}@{_digest(reference)}",
                              detail={"appointmentId": item.appointment_id})
        return outcome

    def note_message(self, customer_id: str, text: str, reference: str) -> dict[str, Any]:
        """A message the patient wrote (not a button): the front desk gets a task,
        about their next appointment if they have one."""
        item = self.next_for(customer_id)
        return {"appointment": item.appointment_id if item else None,
                "task": self._task(item, "message", text, reference, customer_id=customer_id)}

    def _task(self, item: Any, reason: str, text: str | None, reference: str,
              customer_id: str | None = None) -> str:
        customer_id = customer_id or item.customer_id
        what = {"reschedule": "asks to reschedule", "message": "wrote on WhatsApp"}[reason]
        name = f"Patient {what}" + (f": appointment {item.appointment_id}" if item is not None else "")
        references = {"customerId": customer_id}
        attributes = {"customerId": customer_id, "reason": reason, "channel": "WHATSAPP"}
        if item is not None:
            references.update(appointmentId=item.appointment_id, service=item.service,
                              startsAt=_iso(item.starts_at) or "", location=item.location)
            attributes["appointmentId"] = item.appointment_id
        if text and reason == "message":
            attributes.update(_predicted(text, item))
        # The patient's own words are what the front desk needs to act on; Connect
        # shows them on the task (never in contact attributes).
        description = (text or "").strip() or f"The patient {what}; please call them back."
        return self.connect.start_task(name=name, description=description, attributes=attributes,
                                       references=references, client_token=f"{reason}-{_digest(reference)}")

    def _cancel_schedules(self, item: Any) -> None:
        for hours in self.settings.reminder_hours:
            self.schedules.cancel(reminder_schedule(item.appointment_id, hours))
        self.schedules.cancel(no_show_schedule(item.appointment_id))

    # ---- scheduled steps -----------------------------------------------------------

    def remind(self, appointment: str, hours: int) -> dict[str, Any]:
        """The reminder `hours` before: WhatsApp with buttons (e-mail when WhatsApp
        cannot reach the patient); with the first reminder, the pre-visit
        instructions by e-mail. Nothing for an appointment that is no longer on,
        nor a later reminder for one already confirmed."""
        from chalicelib.notify.service import notifier

        item = self.find(appointment)
        if item is None or item.status not in UPCOMING or item.starts_at <= utcnow():
            return {"reminder": "skipped", "status": item.status if item else "gone"}
        first = hours == max(self.settings.reminder_hours, default=hours)
        if item.status == CONFIRMED and not first:
            return {"reminder": "skipped", "status": CONFIRMED}
        send = notifier(self.settings)
        variables = self._variables(item)
        key = f"appointment:{item.appointment_id}:reminder-{hours}h"
        outcome = send.send_to_customer(item.customer_id, "appointment_reminder", variables, key,
                                        channel="whatsapp")
        sent = {"whatsapp": outcome.status}
        if not outcome.sent:
            sent["email"] = send.send_to_customer(item.customer_id, "appointment_reminder", variables, key).status
        if first and item.instructions:
            sent["previsit"] = send.send_to_customer(
                item.customer_id, "previsit_instructions",
                {**variables, "instructions": list(item.instructions),
                 "arrive_minutes_early": int(item.arrive_minutes_early) if item.arrive_minutes_early else None},
                f"appointment:{item.appointment_id}:previsit").status
        return sent

    def check_attendance(self, appointment: str) -> dict[str, Any]:
        """After the visit: an appointment nobody confirmed and nobody reported as
        attended is a no-show. A confirmed one waits for the clinic's word."""
        item = self.find(appointment)
        if item is None:
            return {"attendance": "gone"}
        if item.status in (BOOKED, RESCHEDULE):
            self._change(item, NO_SHOW, "no_show", "not confirmed, no attendance reported")
            return {"attendance": NO_SHOW}
        return {"attendance": item.status}

    def record_attendance(self, appointment: str, attended: object) -> dict[str, Any]:
        """The clinic's system says whether the patient came."""
        if not isinstance(attended, bool):
            raise InvalidInput("attended must be true or false")
        item = self.get(appointment)
        if item.status == CANCELLED:
            raise Conflict(f"appointment {item.appointment_id} was cancelled")
        if item.starts_at > utcnow():
            raise Conflict(f"appointment {item.appointment_id} has not started yet")
        wanted = ATTENDED if attended else NO_SHOW
        if item.status != wanted:
            self._change(item, wanted, wanted, "reported by the clinic")
            if wanted == ATTENDED:
                try:
                    self.schedules.cancel(no_show_schedule(item.appointment_id))
                except DependencyFailure:
                    get_logger().warning("attendance check not cancelled; it will find the visit attended")
        return document(item)


def register_rates() -> None:
    """The clinic's rate in GET /metrics: no-shows among the day's appointments not cancelled."""
    from chalicelib.metrics.report import derive

    derive("noShowPercent", "no_shows", "appointments", 100)


def _step(name: str, note: str | None = None, at: datetime | None = None) -> dict[str, str]:
    found = {"at": _iso(at or utcnow()) or "", "step": name}
    if note:
        found["note"] = note[:200]
    return found


def _digest(reference: str) -> str:
    """A short, safe stand-in for a message id in keys and tokens."""
    return hashlib.sha256(reference.encode()).hexdigest()[:24]
