"""Appointments: booking, the patient's answers, attendance and no-shows.

Every change of status is one DynamoDB transaction holding the appointment
(conditional on its `version`) and the difference it makes to the KPI counters
(`kpis`), so counters equal what the appointments say however often a step is
retried. Around it: the request (`booking`), its statuses (`statuses`), what is
scheduled and sent (`reminders`), and the front desk's tasks (`frontdesk`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.clinic import frontdesk, kpis, reminders
from chalicelib.clinic.booking import Booking, appointment_id, document, iso, parse_booking
from chalicelib.clinic.statuses import (
    ACTIONS,
    ATTENDED,
    BOOKED,
    CANCELLED,
    CONFIRMED,
    NO_SHOW,
    RESCHEDULE,
    UPCOMING,
)
from chalicelib.db import dynamo_errors, expiry, is_live, utcnow, write_counted
from chalicelib.errors import Conflict, DependencyFailure, InvalidInput, NotFound
from chalicelib.observability import get_logger
from chalicelib.settings import Settings

MAX_STEPS = 50


class Appointments:
    def __init__(self, settings: Settings, schedules: Any = None, connect: Any = None) -> None:
        self.settings = settings
        self._schedules = schedules
        self._connect = connect

    @property
    def schedules(self) -> Any:
        if self._schedules is None:
            from chalicelib.schedules import Schedules

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
        from chalicelib.clinic.models import next_appointment_of

        return next_appointment_of(customer_id, now)

    # ---- booking ---------------------------------------------------------------

    def book(self, body: object) -> tuple[dict[str, Any], bool]:
        """Book from the clinic's system; (appointment, created). The same request
        again answers the same appointment (and makes sure its reminders and
        confirmation exist); a different one under a taken id is a Conflict."""
        from chalicelib.profiles.service import Profiles

        booking = parse_booking(body)
        patient = self._patient_request(booking)
        profiles = Profiles(self.settings)
        existing = self.find(booking.appointment_id)
        if existing is not None:
            # The same visit for another patient is not the same request.
            if existing.fingerprint != booking.fingerprint or self._known_patient(profiles, booking, patient) \
                    != existing.customer_id:
                raise Conflict(f"appointment {booking.appointment_id} exists with other details")
            self._after_booking(existing)
            return document(existing), False
        customer_id = self._known_patient(profiles, booking, patient)
        created = None
        if customer_id is None:
            created, customer_id = self._new_patient(profiles, patient)
        try:
            item = self._create(booking, customer_id)
        except Exception:
            # A request that ends in an error leaves nothing behind: not even the
            # profile it started for a new patient.
            if created is not None:
                profiles.withdraw_new(created)
            raise
        self._after_booking(item)
        return document(item), True

    def _patient_request(self, booking: Booking) -> Any:
        """The patient's details, checked before anything is read or written."""
        from chalicelib.profiles import schema

        if booking.customer_id:
            return None
        try:
            return schema.parse(booking.patient, default_region=self.settings.default_phone_region, partial=False)
        except InvalidInput as e:
            raise InvalidInput(f"patient: {e.message}") from None

    @staticmethod
    def _known_patient(profiles: Any, booking: Booking, patient: Any) -> str | None:
        """The customer the booking names (404 for an unknown id), or the one a new
        patient's addresses already belong to (None: nobody yet)."""
        if booking.customer_id:
            return profiles.get(booking.customer_id).customer_id
        known = profiles.identify([i for i in patient.identities.values() if i is not None], create=False)
        return known.customer_id if known is not None else None

    @staticmethod
    def _new_patient(profiles: Any, patient: Any) -> tuple[Any, str]:
        """(the profile this request created or None, the patient's customer id)."""
        try:
            created = profiles.create(patient)
            return created, created.customer_id
        except Conflict:  # created meanwhile for one of these addresses
            known = profiles.identify([i for i in patient.identities.values() if i is not None], create=False)
            if known is None:
                raise
            return None, known.customer_id

    def _create(self, booking: Booking, customer_id: str) -> Any:
        from chalicelib.clinic.models import AppointmentModel
        from chalicelib.metrics import journal
        from chalicelib.wire import to_wire

        now = utcnow()
        item = AppointmentModel(
            booking.appointment_id, customer_id=customer_id, starts_at=booking.starts_at,
            duration_minutes=booking.duration_minutes, service=booking.service, practitioner=booking.practitioner,
            location=booking.location, address=booking.address, instructions=booking.instructions,
            arrive_minutes_early=booking.arrive_minutes_early, status=BOOKED, fingerprint=booking.fingerprint,
            steps=[_step("booked", at=now)], created_at=now, updated_at=now, version=1,
            expires_at=expiry(self.settings.appointment_retention_days, booking.starts_at))
        applied = kpis.contribution(item, self.settings)
        item.applied = applied
        serialized = item.serialize()
        transaction = [{"Put": {"TableName": self.settings.appointments_table, "Item": serialized,
                                "ConditionExpression": "attribute_not_exists(appointment_id) OR expires_at < :now",
                                "ExpressionAttributeValues": {":now": to_wire(int(now.timestamp()))}}}]
        transaction += journal.put(self.settings, kpi=applied)
        _write("booking an appointment", transaction,
               f"appointment {booking.appointment_id} was booked meanwhile; send the request again")
        return item

    def _after_booking(self, item: Any) -> None:
        """Reminders, the attendance check and the confirmation e-mail: each safe
        to repeat (named schedules, outbox keys)."""
        if item.status not in UPCOMING:
            return
        reminders.plan(item, self.schedules, self.settings)
        reminders.confirm_booking(item, self.settings)

    # ---- changes -----------------------------------------------------------------

    def _change(self, item: Any, status: str, step: str, note: str | None = None) -> Any:
        """Move the appointment to `status` and its counters with it, in one
        transaction conditional on the version read."""
        from chalicelib.clinic.models import AppointmentModel
        from chalicelib.metrics import counters, journal
        from chalicelib.wire import to_wire

        now = utcnow()
        before = item.applied or {}
        item.status = status
        after = kpis.contribution(item, self.settings)
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
        transaction += journal.put(self.settings, kpi=counters.delta(before, after))
        _write("changing an appointment", transaction,
               f"appointment {item.appointment_id} changed meanwhile; try again")
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
            reminders.cancel(item, self.schedules, self.settings)
            outcome["outcome"] = CANCELLED
        else:
            if item.status != RESCHEDULE:
                self._change(item, RESCHEDULE, "reschedule_requested", channel)
            outcome["task"] = frontdesk.task(self.connect, item, "reschedule", text, reference)
            outcome["outcome"] = RESCHEDULE
        activity.note_quietly(customer_id, channel=channel, kind=f"appointment_{outcome['outcome']}",
                              reference=f"{item.appointment_id}@{frontdesk.digest(reference)}",
                              detail={"appointmentId": item.appointment_id})
        return outcome

    def note_message(self, customer_id: str, text: str, reference: str, channel: str = "WHATSAPP") -> dict[str, Any]:
        """A message the patient wrote (not a button) on WhatsApp or by SMS: the front
        desk gets a task, about their next appointment if they have one."""
        item = self.next_for(customer_id)
        return {"appointment": item.appointment_id if item else None,
                "task": frontdesk.task(self.connect, item, "message", text, reference, customer_id=customer_id,
                                       channel=channel)}

    # ---- scheduled steps -----------------------------------------------------------

    def remind(self, appointment: str, hours: int) -> dict[str, Any]:
        """The reminder `hours` before: WhatsApp with buttons (SMS, if set, then
        e-mail when WhatsApp cannot reach the patient); with the first reminder the appointment gets (the
        only one, for a visit booked for tomorrow), the pre-visit instructions by
        e-mail. Nothing for an appointment that is no longer on, nor a later reminder
        for one already confirmed."""
        item = self.find(appointment)
        if item is None or item.status not in UPCOMING or item.starts_at <= utcnow():
            return {"reminder": "skipped", "status": item.status if item else "gone"}
        first = hours == max(reminders.planned_reminders(item, self.settings), default=hours)
        if item.status == CONFIRMED and not first:
            return {"reminder": "skipped", "status": CONFIRMED}
        return reminders.send_reminder(item, hours, first=first, settings=self.settings)

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
                    self.schedules.cancel(reminders.no_show_schedule(item.appointment_id))
                except DependencyFailure:
                    get_logger().warning("attendance check not cancelled; it will find the visit attended")
        return document(item)


def _write(action: str, transaction: list[dict[str, Any]], conflict: str) -> None:
    """The appointment and its counters in one transaction; Conflict(`conflict`) when
    the appointment's condition failed."""
    if not write_counted(transaction, action):
        raise Conflict(conflict)


def _step(name: str, note: str | None = None, at: datetime | None = None) -> dict[str, str]:
    found = {"at": iso(at or utcnow()) or "", "step": name}
    if note:
        found["note"] = note[:200]
    return found
