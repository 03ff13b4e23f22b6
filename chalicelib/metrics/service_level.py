"""Each queue's service-level threshold: a contact answered within it counts as
answered in service level (`answered_in_threshold`).

The threshold is the queue's `serviceLevel.seconds` in the `WFM_QUEUES` setting (the
same goal the staffing plan is computed for; `"*"` holds the default of queues not
named), and 20 s where neither names one. Queues are named as contact records name
them (the queue's name). Only the seconds are read here; the rest of each entry is the
workforce planner's.
"""

from __future__ import annotations

import json
from functools import cache

from chalicelib.settings import SettingsError

DEFAULT_SECONDS = 20
DEFAULTS = "*"


def _seconds(where: str, entry: object) -> int | None:
    if not isinstance(entry, dict) or "serviceLevel" not in entry:
        return None
    goal = entry["serviceLevel"]
    seconds = goal.get("seconds") if isinstance(goal, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 86_400:
        raise SettingsError(f"WFM_QUEUES[{where!r}].serviceLevel.seconds must be a number of seconds from 1 to 86400")
    return int(seconds)


@cache
def thresholds(raw: str) -> tuple[int, dict[str, int]]:
    """(the default, {queue name: seconds}) from the WFM_QUEUES JSON."""
    document = json.loads(raw or "{}")
    if not isinstance(document, dict):
        raise SettingsError("WFM_QUEUES must be a JSON object keyed by queue name")
    default = _seconds(DEFAULTS, document.get(DEFAULTS)) or DEFAULT_SECONDS
    named = {}
    for queue, entry in document.items():
        seconds = _seconds(queue, entry)
        if queue != DEFAULTS and seconds is not None:
            named[queue] = seconds
    return default, named


def threshold_seconds(queue: str | None, wfm_queues: str) -> int:
    """The seconds within which a contact of `queue` counts as answered in service level."""
    default, named = thresholds(wfm_queues)
    return named.get(queue or "", default)
