"""The clinic's KPIs, counted per (local) day next to the contact KPIs:
appointments due (not cancelled) and no-shows, and their rate in GET /metrics."""

from __future__ import annotations

from typing import Any

from chalicelib.clinic.statuses import CANCELLED, NO_SHOW
from chalicelib.settings import Settings


def contribution(item: Any, settings: Settings) -> dict[str, dict[str, int]]:
    """What the appointment adds to the KPI counters of its (local) day."""
    from chalicelib.metrics import counters

    found: dict[str, dict[str, int]] = {}
    day = counters.local_day(item.starts_at, settings.metrics_time_zone)
    counters.add(found, day, {}, {"appointments": int(item.status != CANCELLED),
                                  "no_shows": int(item.status == NO_SHOW)})
    return found


def register_rates() -> None:
    """The clinic's rate in GET /metrics: no-shows among the day's appointments not cancelled."""
    from chalicelib.metrics.report import derive

    derive("noShowPercent", "no_shows", "appointments", 100)
