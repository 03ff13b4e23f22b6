"""What the customer's history says about why they contact us now.

The capabilities above this layer (cases, clinic appointments) know what is in
progress for a customer; `chalicelib/wiring.py` registers their history sources here
by name, and the predictor asks each one in turn while the flow's budget lasts:

    history.register("cases", "chalicelib.cases.reasons:open_cases")   # (customer_id, now) -> [Evidence]

A source named "module:function" is imported the first time it is asked, so only the
predict_reason Lambda pays for it.
A source answers with `Evidence` (reason id, weight, a short `because`), reads only
what it needs (one indexed query), and may raise: a failing or slow source is left
out of this prediction, never the prediction itself.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from datetime import datetime

from chalicelib.reasons.predict import Evidence

HistorySource = Callable[[str, datetime], list[Evidence]]
# Time kept for the answer itself after the last source (the classifier and the reply).
RESERVE_MS = 300

_sources: dict[str, HistorySource | str] = {}


def register(name: str, source: HistorySource | str) -> None:
    """Add (or replace) the source called `name`: a callable or "module:function"."""
    _sources[name] = source


def _resolve(source: HistorySource | str) -> HistorySource:
    if not isinstance(source, str):
        return source
    module, _, function = source.partition(":")
    return getattr(importlib.import_module(module), function)


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
            found.extend(e for e in _resolve(source)(customer_id, now) or () if isinstance(e, Evidence))
        except Exception:  # one source's failure costs its evidence only
            missed.append(name)
            with contextlib.suppress(Exception):
                from chalicelib.observability import get_logger

                get_logger().warning("history source failed", extra={"source": name})
    return found, missed
