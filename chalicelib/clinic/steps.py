"""The clinic's scheduled steps (registered in chalicelib/wiring.py, run by scheduled_step)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.settings import get_settings
from chalicelib.steps import text


def appointment_reminder(step: Mapping[str, Any]) -> dict[str, Any]:
    from chalicelib.clinic.appointments import Appointments

    hours = step.get("hours")
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 720:
        raise InvalidInput("appointment_reminder needs hours (1-720)")
    return Appointments(get_settings()).remind(text(step, "appointmentId"), hours)


def no_show_check(step: Mapping[str, Any]) -> dict[str, Any]:
    from chalicelib.clinic.appointments import Appointments

    return Appointments(get_settings()).check_attendance(text(step, "appointmentId"))
