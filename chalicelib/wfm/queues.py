"""Each queue's planning settings: its service-level goal, the contact center's time
zone and country (for intervals and public holidays), shrinkage, maximum occupancy
and chat concurrency.

They come from the `WFM_QUEUES` setting, a JSON object keyed by queue name; the key
`"*"` holds the defaults of queues not named. Example:

    {"*": {"timeZone": "Europe/Bucharest", "country": "RO"},
     "Billing": {"channels": ["VOICE", "CHAT"], "serviceLevel": {"target": 0.8, "seconds": 20},
                 "shrinkage": 0.3, "maxOccupancy": 0.85, "chatConcurrency": 3}}

The queues named (not `"*"`) are the ones the daily job plans.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from chalicelib.errors import InvalidInput

CHANNELS = ("VOICE", "CHAT", "TASK", "EMAIL")
DEFAULTS = "*"
_KEYS = {"channels", "serviceLevel", "shrinkage", "maxOccupancy", "timeZone", "country", "subdivision",
         "chatConcurrency"}


@dataclass(frozen=True)
class QueuePlanning:
    name: str
    time_zone: str
    country: str | None = None
    subdivision: str | None = None
    channels: tuple[str, ...] = ("VOICE",)
    target_service_level: float = 0.8
    target_seconds: float = 20.0
    shrinkage: float = 0.3
    max_occupancy: float = 0.85
    chat_concurrency: int = 2

    def concurrency(self, channel: str) -> int:
        return self.chat_concurrency if channel == "CHAT" else 1


class QueueSettingsError(ValueError):
    """WFM_QUEUES does not describe usable queues; the message names the place."""


def parse(raw: str, default_time_zone: str) -> tuple[QueuePlanning, dict[str, QueuePlanning]]:
    """(the defaults, the named queues) from the JSON setting, validated."""
    from chalicelib.wfm.api import number

    try:
        document = json.loads(raw or "{}")
    except json.JSONDecodeError as e:
        raise QueueSettingsError(f"WFM_QUEUES is not JSON: {e.msg}") from None
    if not isinstance(document, dict):
        raise QueueSettingsError("WFM_QUEUES must be a JSON object keyed by queue name")

    def read(name: str, entry: Any, base: QueuePlanning) -> QueuePlanning:
        where = f"WFM_QUEUES[{name!r}]"
        if not isinstance(entry, dict):
            raise QueueSettingsError(f"{where} must be an object")
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise QueueSettingsError(f"{where}.{unknown[0]} is not a known setting")
        try:
            changes: dict[str, Any] = {"name": name}
            if "serviceLevel" in entry:
                from chalicelib.wfm.api import service_level

                changes["target_service_level"], changes["target_seconds"] = service_level(entry)
            if "shrinkage" in entry:
                changes["shrinkage"] = number(entry, "shrinkage", low=0, high=1, high_open=True)
            if "maxOccupancy" in entry:
                changes["max_occupancy"] = number(entry, "maxOccupancy", low=0, high=1, low_open=True)
            if "chatConcurrency" in entry:
                changes["chat_concurrency"] = int(number(entry, "chatConcurrency", low=1, high=20, integer=True))
        except InvalidInput as e:
            raise QueueSettingsError(f"{where}.{e.message}") from None
        if "timeZone" in entry:
            changes["time_zone"] = _time_zone(entry["timeZone"], f"{where}.timeZone")
        if "country" in entry:
            changes["country"] = _country(entry["country"], f"{where}.country")
        if "subdivision" in entry:
            if not isinstance(entry["subdivision"], str):
                raise QueueSettingsError(f"{where}.subdivision must be a string")
            changes["subdivision"] = entry["subdivision"]
        if "channels" in entry:
            channels = entry["channels"]
            if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
                raise QueueSettingsError(f"{where}.channels must be a list of {', '.join(CHANNELS)}")
            changes["channels"] = tuple(dict.fromkeys(channels))
        return replace(base, **changes)

    defaults = QueuePlanning(name=DEFAULTS, time_zone=default_time_zone)
    if DEFAULTS in document:
        defaults = read(DEFAULTS, document[DEFAULTS], defaults)
    queues = {name: read(name, entry, defaults) for name, entry in document.items() if name != DEFAULTS}
    return defaults, queues


def _time_zone(value: Any, where: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or not value:
        raise QueueSettingsError(f"{where} must be an IANA time zone name")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise QueueSettingsError(f"{where} {value!r} is not an IANA time zone") from None
    return value


def _country(value: Any, where: str) -> str:
    from chalicelib.wfm.forecast import known_country

    if not isinstance(value, str) or not known_country(value):
        raise QueueSettingsError(f"{where} must be an ISO 3166 country code with public holidays (RO, IT, HU, GB...)")
    return value


@cache
def _configured(raw: str, default_time_zone: str) -> tuple[QueuePlanning, dict[str, QueuePlanning]]:
    return parse(raw, default_time_zone)


def _current() -> tuple[QueuePlanning, dict[str, QueuePlanning]]:
    from chalicelib.settings import get_settings

    settings = get_settings()
    return _configured(settings.wfm_queues, settings.metrics_time_zone)


def planning(queue: str) -> QueuePlanning:
    """The settings of `queue` (the defaults when it is not named)."""
    defaults, queues = _current()
    return queues.get(queue) or replace(defaults, name=queue)


def planned() -> list[QueuePlanning]:
    """The queues the daily job plans."""
    return list(_current()[1].values())
