"""Counter contributions, their differences, and where counter items are stored."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

Contribution = dict[str, dict[str, int]]

DIMENSIONS = ("all", "queue", "agent", "channel", "reason")
# The group of contacts without a queue, an agent or a reason: groups then always add
# up to the total.
UNASSIGNED = "unassigned"
ALL = "all"
MAX_VALUE_LENGTH = 128


def key(day: str, dimension: str, value: str) -> str:
    return f"{day}#{dimension}#{value}"


def split(counter_key: str) -> tuple[str, str, str]:
    day, dimension, value = counter_key.split("#", 2)
    return day, dimension, value


# Dimensions with few values (the day's total, a handful of channels, queues and
# reasons) have items that nearly every change touches. No contact's transaction
# writes them (see journal.py); the aggregator does, a batch at a time, one
# invocation per stream shard at once, and DynamoDB refuses a transaction that
# touches an item another one holds. So their counters are spread over SHARDS items,
# one picked per aggregator transaction; the report adds the shards up, so reads stay
# O(days x values x SHARDS), whatever the number of contacts. Agents are many: their
# counters are not spread, but for the contacts no agent handled ("unassigned"),
# which many contacts share like a queue.
SHARDED = frozenset({"all", "channel", "queue", "reason"})
SHARDS = 16


def shards(dimension: str, value: str = "") -> int:
    """How many items a counter of `dimension` and `value` is spread over (1: not spread)."""
    return SHARDS if dimension in SHARDED or value == UNASSIGNED else 1


def shard(spread_key: str, count: int) -> int:
    """Which of `count` items everything keyed by `spread_key` is written to."""
    return zlib.crc32(spread_key.encode()) % count


def storage_key(counter_key: str, spread_key: str = "") -> tuple[str, str]:
    """(series, slot) of the counter item: a partition per dimension and month, and a
    slot per day, value and (for the values many contacts share) shard."""
    day, dimension, value = split(counter_key)
    count = shards(dimension, value)
    suffix = f"#{shard(spread_key, count):02d}" if count > 1 else ""
    return f"{dimension}#{day[:7]}", f"{day}#{value}{suffix}"


def clean_value(value: str | None) -> str:
    text = "".join(ch for ch in (value or "") if ch.isprintable()).strip()[:MAX_VALUE_LENGTH]
    return text or UNASSIGNED


def add(contribution: Contribution, day: str, groups: Mapping[str, str | None],
        fields: Mapping[str, int]) -> None:
    """Add `fields` to the counters of `day` in every dimension of `groups`
    ({"channel": "VOICE", "queue": "Billing", ...}) and in the total."""
    fields = {name: n for name, n in fields.items() if n}
    if not fields:
        return
    targets = [(ALL, ALL)] + [(dimension, clean_value(value)) for dimension, value in groups.items()]
    for dimension, value in targets:
        counters = contribution.setdefault(key(day, dimension, value), {})
        for name, n in fields.items():
            counters[name] = counters.get(name, 0) + n


# The compact form of a contribution, as the items that must remember theirs store
# it (an interaction, a customer's ledger entry): one [day, {dimension: value}, {counter:
# n}] per group of dimensions instead of the same counters repeated under every
# dimension and the total. A third of the size, and every write of those items is
# billed by the KB.
Parts = list[list[Any]]


def add_part(parts: Parts, day: str, groups: Mapping[str, str | None], fields: Mapping[str, int]) -> None:
    """add() in the compact form: `fields` added to `day` in every dimension of `groups`."""
    fields = {name: int(n) for name, n in sorted(fields.items()) if n}
    if not fields:
        return
    cleaned = {dimension: clean_value(value) for dimension, value in sorted(groups.items())}
    for part in parts:
        if part[0] == day and part[1] == cleaned:
            for name, n in fields.items():
                part[2][name] = part[2].get(name, 0) + n
            return
    parts.append([day, cleaned, fields])


def expand(stored: Parts | Mapping[str, Mapping[str, int]] | None) -> Contribution:
    """The counters a stored contribution adds to: from the compact form, or as it is
    when stored expanded (items written before the compact form)."""
    if not stored:
        return {}
    if isinstance(stored, Mapping):
        return {counter_key: dict(fields) for counter_key, fields in stored.items()}
    contribution: Contribution = {}
    for day, groups, fields in stored:
        add(contribution, day, groups, fields)
    return contribution


def combine(contributions: Iterable[Mapping[str, Mapping[str, int]]]) -> Contribution:
    total: Contribution = {}
    for contribution in contributions:
        for counter_key, fields in contribution.items():
            counters = total.setdefault(counter_key, {})
            for name, n in fields.items():
                counters[name] = counters.get(name, 0) + int(n)
    return {k: {f: n for f, n in v.items() if n} for k, v in total.items() if any(v.values())}


def delta(old: Mapping[str, Mapping[str, int]] | None, new: Mapping[str, Mapping[str, int]] | None) -> Contribution:
    """What to ADD to the counters so they hold `new` instead of `old`."""
    negated = {k: {f: -int(n) for f, n in fields.items()} for k, fields in (old or {}).items()}
    return combine([new or {}, negated])


def expires_at(day: str, retention_days: int) -> int:
    """Epoch second a counter of `day` may be deleted at (its TTL)."""
    from datetime import UTC, timedelta

    return int((datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=retention_days + 1)).timestamp())


@cache
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def local_day(moment: datetime, time_zone: str) -> str:
    """The reporting day of a moment: contact centers count days in their own zone."""
    return moment.astimezone(_zone(time_zone)).date().isoformat()
