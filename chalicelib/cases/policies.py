"""Service policies of cases, kept as a declarative file (`policies.json`): for each
contact reason, the queue of tiers L1..L3, the service-level targets per priority in
business minutes of the queue's hours, and what a missed target does.

Read and checked once (`load()`); a mistake in the file is an error naming the field,
found by the tests before anything is deployed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.cases.business_time import BusinessHours, BusinessHoursError
from chalicelib.errors import InvalidInput

PATH = Path(__file__).resolve().parent / "policies.json"
TIERS = ("L1", "L2", "L3")
PRIORITIES = ("low", "normal", "high", "urgent")
TARGETS = ("firstResponse", "nextResponse", "resolution")
ON_BREACH = ("escalate", "alert")
DEFAULT = "default"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class PolicyError(ValueError):
    """The policies file cannot be used; the message names the field."""


class UnknownPriority(InvalidInput):
    def __init__(self, value: object) -> None:
        super().__init__(f"priority must be one of {', '.join(PRIORITIES)}", code="UNKNOWN_PRIORITY")
        self.value = value


@dataclass(frozen=True)
class Targets:
    first_response: timedelta
    next_response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class ReasonPolicy:
    reason_id: str
    queues: Mapping[str, str]  # tier -> routing key
    hours: Mapping[str, BusinessHours]  # tier -> the hours its queue counts in
    on_breach: str
    targets: Mapping[str, Targets]  # priority -> targets

    def queue(self, tier: str) -> str:
        return self.queues[tier]

    def next_tier(self, tier: str) -> str | None:
        position = TIERS.index(tier)
        return TIERS[position + 1] if position + 1 < len(TIERS) else None

    def targets_for(self, priority: object) -> Targets:
        if priority not in self.targets:
            raise UnknownPriority(priority)
        return self.targets[priority]  # type: ignore[index]


class Policies:
    def __init__(self, reasons: Mapping[str, ReasonPolicy]) -> None:
        self._reasons = dict(reasons)

    def for_reason(self, reason_id: str) -> ReasonPolicy:
        return self._reasons.get(reason_id) or self._reasons[DEFAULT]

    @property
    def reason_ids(self) -> frozenset[str]:
        return frozenset(self._reasons) - {DEFAULT}


def _fail(where: str, problem: str) -> PolicyError:
    return PolicyError(f"{where} {problem}")


def _object(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object")
    return raw


def _minutes(raw: Any, where: str) -> timedelta:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
        raise _fail(where, "must be a whole number of business minutes above zero")
    return timedelta(minutes=raw)


def parse(raw: Any, known_reasons: Iterable[str] | None = None) -> Policies:
    """Policies from the file's document. With `known_reasons` (the catalogue's ids), a
    reason the catalogue does not know is refused."""
    document = _object(raw, "policies")
    calendars: dict[str, BusinessHours] = {}
    for name, entry in _object(document.get("hours"), "hours").items():
        try:
            calendars[name] = BusinessHours.parse(entry, f"hours.{name}")
        except BusinessHoursError as e:
            raise PolicyError(e.message) from None
    queue_hours: dict[str, BusinessHours] = {}
    for name, entry in _object(document.get("queues"), "queues").items():
        if not _NAME.fullmatch(name):
            raise _fail(f"queues.{name}", "is not a routing key (a-z, 0-9, _)")
        calendar = _object(entry, f"queues.{name}").get("hours")
        if calendar not in calendars:
            raise _fail(f"queues.{name}.hours", f"must name one of hours: {sorted(calendars)}")
        queue_hours[name] = calendars[calendar]
    known = set(known_reasons) if known_reasons is not None else None
    reasons: dict[str, ReasonPolicy] = {}
    for reason_id, entry in _object(document.get("reasons"), "reasons").items():
        where = f"reasons.{reason_id}"
        if reason_id != DEFAULT and known is not None and reason_id not in known:
            raise _fail(where, "is not a reason of the catalogue")
        entry = _object(entry, where)
        tiers = _object(entry.get("tiers"), f"{where}.tiers")
        if sorted(tiers) != sorted(TIERS):
            raise _fail(f"{where}.tiers", f"must name a queue for each of {', '.join(TIERS)}")
        for tier, queue in tiers.items():
            if queue not in queue_hours:
                raise _fail(f"{where}.tiers.{tier}", f"must name one of queues: {sorted(queue_hours)}")
        on_breach = entry.get("onBreach")
        if on_breach not in ON_BREACH:
            raise _fail(f"{where}.onBreach", f"must be one of {', '.join(ON_BREACH)}")
        targets_document = _object(entry.get("targets"), f"{where}.targets")
        if sorted(targets_document) != sorted(PRIORITIES):
            raise _fail(f"{where}.targets", f"must have each priority: {', '.join(PRIORITIES)}")
        targets = {}
        for priority in PRIORITIES:
            found = _object(targets_document[priority], f"{where}.targets.{priority}")
            missing = [name for name in TARGETS if name not in found]
            if missing:
                raise _fail(f"{where}.targets.{priority}", f"lacks {', '.join(missing)}")
            first, following, resolution = (_minutes(found[name], f"{where}.targets.{priority}.{name}")
                                            for name in TARGETS)
            if resolution < first:
                raise _fail(f"{where}.targets.{priority}.resolution", "must not be shorter than firstResponse")
            targets[priority] = Targets(first, following, resolution)
        reasons[reason_id] = ReasonPolicy(
            reason_id=reason_id, queues=dict(tiers), hours={tier: queue_hours[q] for tier, q in tiers.items()},
            on_breach=on_breach, targets=targets)
    if DEFAULT not in reasons:
        raise _fail("reasons", f"must have a {DEFAULT!r} entry for reasons without their own")
    return Policies(reasons)


@cache
def load() -> Policies:
    from chalicelib.reasons.catalogue import load as catalogue

    return parse(json.loads(PATH.read_text(encoding="utf-8")), known_reasons=catalogue().ids)
