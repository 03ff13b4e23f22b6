"""`journey_step`: runs what a schedule (schedules.py) named, when its time comes.

The event is the schedule's input: {"step": "<name>", ...}. An unknown or malformed
step raises InvalidInput (kept by the dead-letter queue after the retries: someone
must look at it); a dependency that failed raises DependencyFailure (the retry
policy runs it again). A step whose subject is gone (an erased customer, a cancelled
appointment) does nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.observability import get_logger
from chalicelib.settings import get_settings


def _return_follow_up(step: Mapping[str, Any]) -> dict[str, Any]:
    from chalicelib.retail.returns import Returns

    return {"messages": Returns(get_settings()).follow_up(_text(step, "returnId"))}


def _appointment_reminder(step: Mapping[str, Any]) -> dict[str, Any]:
    from chalicelib.clinic.service import Appointments

    hours = step.get("hours")
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 720:
        raise InvalidInput("appointment_reminder needs hours (1-720)")
    return Appointments(get_settings()).remind(_text(step, "appointmentId"), hours)


def _no_show_check(step: Mapping[str, Any]) -> dict[str, Any]:
    from chalicelib.clinic.service import Appointments

    return Appointments(get_settings()).check_attendance(_text(step, "appointmentId"))


STEPS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "return_follow_up": _return_follow_up,
    "appointment_reminder": _appointment_reminder,
    "no_show_check": _no_show_check,
}


def _text(step: Mapping[str, Any], name: str) -> str:
    value = step.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise InvalidInput(f"{step.get('step')} needs {name}")
    return value


def run(event: object) -> dict[str, Any]:
    if not isinstance(event, Mapping) or event.get("step") not in STEPS:
        name = event.get("step") if isinstance(event, Mapping) else None
        raise InvalidInput(f"unknown journey step {str(name)[:40]!r}; steps: {', '.join(STEPS)}")
    outcome = STEPS[event["step"]](event)
    get_logger().info("journey step done", extra={"step": event["step"], "outcome": outcome})
    return {"step": event["step"], **outcome}
