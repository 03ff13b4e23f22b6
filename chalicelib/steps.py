"""The steps schedules run (chalicelib/schedules.py), by name: what `scheduled_step`
does with a schedule's input `{"step": "<name>", ...ids}`.

Each capability registers its steps (chalicelib/wiring.py): a callable or a
"module:function" name loaded on first use, so this registry costs nothing at cold
start and grants nothing (the scheduler client is in schedules.py). An unknown or
malformed step raises InvalidInput (kept by the dead-letter queue after the retries:
someone must look at it); a dependency that failed raises DependencyFailure (it runs
again). A step whose subject is gone (an erased customer, a cancelled appointment)
does nothing and says so.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.observability import get_logger

Step = Callable[[Mapping[str, Any]], dict[str, Any]]
STEPS: dict[str, Step | str] = {}


def register(name: str, step: Step | str) -> None:
    """Name what a schedule's {"step": name} runs."""
    STEPS[name] = step


def text(step: Mapping[str, Any], name: str, longest: int = 64) -> str:
    """A step's required text field (an id), or InvalidInput naming it."""
    value = step.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        raise InvalidInput(f"{step.get('step')} needs {name}")
    return value


def _resolve(step: Step | str) -> Step:
    if isinstance(step, str):
        module, _, name = step.partition(":")
        return getattr(importlib.import_module(module), name)
    return step


def run(event: object) -> dict[str, Any]:
    """Run the step a schedule's input names."""
    if not isinstance(event, Mapping) or event.get("step") not in STEPS:
        name = event.get("step") if isinstance(event, Mapping) else None
        raise InvalidInput(f"unknown scheduled step {str(name)[:40]!r}; steps: {', '.join(STEPS)}")
    outcome = _resolve(STEPS[event["step"]])(event)
    get_logger().info("scheduled step done", extra={"step": event["step"], "outcome": outcome})
    return {"step": event["step"], **outcome}
