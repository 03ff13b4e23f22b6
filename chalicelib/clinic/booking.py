"""A booking request from the clinic's system (`POST /appointments`), checked
completely before anything is read or written, and the appointment as the API
answers it."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.db import utcnow
from chalicelib.errors import InvalidInput, only_fields

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")
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
    body = only_fields(body, _FIELDS)
    now = now or utcnow()
    raw_start = body.get("startsAt")
    try:
        starts_at = datetime.fromisoformat(raw_start.replace("Z", "+00:00")) if isinstance(raw_start, str) else None
        # the calendar's edges (0001-01-01T00:00:00+01:00) have no UTC time
        starts_at = starts_at.astimezone(UTC) if starts_at is not None and starts_at.tzinfo is not None else None
    except (ValueError, OverflowError):
        starts_at = None
    if starts_at is None:
        raise InvalidInput("startsAt must be an ISO 8601 date-time with a time zone, like 2026-03-12T09:30:00+02:00")
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


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def document(item: Any) -> dict[str, Any]:
    """The appointment as the API answers it (and export shows it)."""
    return {
        "id": item.appointment_id, "customerId": item.customer_id, "startsAt": iso(item.starts_at),
        "durationMinutes": int(item.duration_minutes), "service": item.service, "practitioner": item.practitioner,
        "location": item.location, "address": item.address, "instructions": list(item.instructions or []) or None,
        "status": item.status, "steps": list(item.steps or []), "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }
