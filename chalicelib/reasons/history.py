"""What the customer's history says about why they contact us now.

The capabilities above this layer (cases, retail returns, clinic appointments) know
what is in progress for a customer; they register a history source here, and the
predictor asks each one in turn while the flow's budget lasts:

    from chalicelib.reasons import history
    history.register("retail.returns", pending_return)   # (customer_id, now) -> [Evidence]

A source answers with `Evidence` (reason id, weight, a short `because`), reads only
what it needs (one indexed query), and may raise: a failing or slow source is left
out of this prediction, never the prediction itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from chalicelib.reasons.predict import Evidence

HistorySource = Callable[[str, datetime], list[Evidence]]
# Time kept for the answer itself after the last source (the classifier and the reply).
RESERVE_MS = 300

_sources: dict[str, HistorySource] = {}


def register(name: str, source: HistorySource) -> None:
    """Add (or replace) the source called `name`."""
    _sources[name] = source


def sources() -> tuple[str, ...]:
    return tuple(_sources)


def gather(customer_id: str, now: datetime, remaining_ms: Callable[[], int]) -> tuple[list[Evidence], list[str]]:
    """Evidence from every source that answered in time, and the names of those that
    failed or were skipped for lack of time."""
    found: list[Evidence] = []
    missed: list[str] = []
    for name, source in list(_sources.items()):
        if remaining_ms() < RESERVE_MS:
            missed.append(name)
            continue
        try:
            found.extend(e for e in source(customer_id, now) or () if isinstance(e, Evidence))
        except Exception:  # one source's failure costs its evidence only
            missed.append(name)
            with contextlib.suppress(Exception):
                from chalicelib.observability import get_logger

                get_logger().warning("history source failed", extra={"source": name})
    return found, missed
