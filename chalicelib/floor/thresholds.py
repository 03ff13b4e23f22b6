"""Each queue's warn and alert thresholds on its oldest wait, and its display name.

They come from the `FLOOR_THRESHOLDS` setting, a JSON object keyed by queue id (the
last part of the queue's ARN, as contact events name it); the key `"*"` holds the
defaults of queues not named. The queues named (not `"*"`) are the ones the floor
shows. Example:

    {"*": {"warnSeconds": 60, "alertSeconds": 180},
     "5f1c4c2e-9d4b-4a8e-b8d6-2b1e0c9a7f11": {"name": "Billing", "warnSeconds": 20, "alertSeconds": 60}}

Without `"*"`, a queue warns at 60 s and alerts at 180 s of oldest wait.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from chalicelib.settings import SettingsError

DEFAULTS = "*"
DEFAULT_WARN_SECONDS = 60
DEFAULT_ALERT_SECONDS = 180
_KEYS = {"name", "warnSeconds", "alertSeconds"}
OK, WARN, ALERT = "ok", "warn", "alert"


@dataclass(frozen=True)
class QueueThresholds:
    queue: str
    name: str
    warn_seconds: int
    alert_seconds: int

    def status(self, oldest_wait_seconds: int | None) -> str:
        if oldest_wait_seconds is None or oldest_wait_seconds < self.warn_seconds:
            return OK
        return ALERT if oldest_wait_seconds >= self.alert_seconds else WARN


def _seconds(where: str, key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 86_400:
        raise SettingsError(f"FLOOR_THRESHOLDS[{where!r}].{key} must be whole seconds from 1 to 86400")
    return value


def parse(raw: str) -> tuple[dict[str, int], list[QueueThresholds]]:
    """The defaults and the named queues, each checked; a mistake names where it is."""
    document = json.loads(raw or "{}")
    if not isinstance(document, dict):
        raise SettingsError("FLOOR_THRESHOLDS must be a JSON object")
    defaults = {"warnSeconds": DEFAULT_WARN_SECONDS, "alertSeconds": DEFAULT_ALERT_SECONDS}
    entries: list[tuple[str, dict]] = []
    for queue, entry in document.items():
        if not isinstance(entry, dict) or set(entry) - _KEYS:
            raise SettingsError(f"FLOOR_THRESHOLDS[{queue!r}] must be an object of {', '.join(sorted(_KEYS))}")
        if queue == DEFAULTS:
            defaults |= {k: _seconds(queue, k, v) for k, v in entry.items() if k != "name"}
        else:
            entries.append((queue, entry))
    queues = []
    for queue, entry in [(DEFAULTS, {}), *entries]:
        warn = _seconds(queue, "warnSeconds", entry.get("warnSeconds", defaults["warnSeconds"]))
        alert = _seconds(queue, "alertSeconds", entry.get("alertSeconds", defaults["alertSeconds"]))
        if alert < warn:
            raise SettingsError(f"FLOOR_THRESHOLDS[{queue!r}]: alertSeconds must not be below warnSeconds")
        name = entry.get("name", queue)
        if not isinstance(name, str) or not 0 < len(name) <= 80:
            raise SettingsError(f"FLOOR_THRESHOLDS[{queue!r}].name must be text of 1 to 80 characters")
        if queue != DEFAULTS:
            queues.append(QueueThresholds(queue, name, warn, alert))
    return defaults, queues


@cache
def _configured(raw: str) -> list[QueueThresholds]:
    return parse(raw)[1]


def configured() -> list[QueueThresholds]:
    """The queues the floor shows, in the order the setting names them."""
    from chalicelib.settings import get_settings

    return _configured(get_settings().floor_thresholds)
