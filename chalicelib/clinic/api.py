"""Routes the clinic's system calls."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, only_fields
from chalicelib.settings import get_settings


def book(body: Any) -> tuple[int, dict[str, Any]]:
    """POST /appointments: 201 with the appointment when booked now, 200 when the same
    request had booked it before."""
    from chalicelib.clinic.appointments import Appointments

    appointment, created = Appointments(get_settings()).book(body)
    return (201 if created else 200), appointment


def get(appointment_id: str) -> dict[str, Any]:
    from chalicelib.clinic.appointments import Appointments, document

    return document(Appointments(get_settings()).get(appointment_id))


def attendance(appointment_id: str, body: Any) -> dict[str, Any]:
    """POST /appointments/{id}/attendance {"attended": true|false}."""
    from chalicelib.clinic.appointments import Appointments

    if "attended" not in only_fields(body, {"attended"}):
        raise InvalidInput('the body must be {"attended": true} or {"attended": false}')
    return Appointments(get_settings()).record_attendance(appointment_id, body["attended"])
