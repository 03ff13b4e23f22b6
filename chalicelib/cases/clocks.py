"""A case's service-level clocks as one-time schedules (chalicelib/schedules.py)."""

from __future__ import annotations

from typing import Any


def case_clocks_changed(payload: dict[str, Any]) -> dict[str, int]:
    """A case's warning and breach schedules (chalicelib.cases.sla_steps): the moved
    ones cancelled, the new ones created; a repeat finds them done and changes nothing."""
    from chalicelib.schedules import Schedules
    from chalicelib.settings import get_settings

    schedules = Schedules(get_settings())
    cancelled = sum(schedules.cancel(name) for name in payload["cancel"])
    created = sum(schedules.at(planned.name, planned.at, planned.step) for planned in payload["create"])
    return {"cancelled": cancelled, "created": created}
