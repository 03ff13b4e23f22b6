"""Business time: the clock a service level counts in.

A queue's hours are a time zone, the opening hours of each weekday (local wall
clock, any number of ranges a day, "24:00" for midnight at the end of a day) and
the country whose public holidays close it (the `holidays` package). Arithmetic is
done on real elapsed time between opening and closing instants, so a day that
gains or loses an hour to daylight saving counts what the clock on the wall shows
people working: 09:00-18:00 is nine hours on any day of the year.

A service-level clock is started at an instant, stopped for pauses (the case waits
on the customer) and its due time is the start plus the target in business time
plus the business time spent paused. Pure: no I/O, no AWS.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Beyond this many days without an open minute the hours are taken as never open
# (a queue closed for more than a year is a configuration mistake, not a due time).
_SEARCH_DAYS = 400


class BusinessHoursError(InvalidInput):
    """Opening hours that cannot be used; the message names the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="INVALID_BUSINESS_HOURS")


@dataclass(frozen=True)
class BusinessHours:
    """When a queue works. `weekly[0]` is Monday: ranges of minutes after local
    midnight, [open, close), sorted and not overlapping."""

    time_zone: str
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    country: str | None = None
    subdivision: str | None = None

    @classmethod
    def parse(cls, document: Mapping[str, Any], where: str = "hours") -> BusinessHours:
        """From a declarative document: `{"time_zone": "Europe/Bucharest", "country": "RO",
        "weekly": {"mon": "09:00-18:00", "sat": ["09:00-13:00"], ...}}`; a day left out
        is closed."""
        if not isinstance(document, Mapping):
            raise BusinessHoursError(f"{where} must be an object")
        time_zone = document.get("time_zone")
        if not isinstance(time_zone, str) or not time_zone:
            raise BusinessHoursError(f"{where}.time_zone must be an IANA time zone name")
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise BusinessHoursError(f"{where}.time_zone {time_zone!r} is not an IANA time zone") from None
        country = document.get("country")
        subdivision = document.get("subdivision")
        if country is not None and (not isinstance(country, str) or not _known_country(country)):
            raise BusinessHoursError(f"{where}.country must be an ISO 3166 code with public holidays (RO, IT, HU, GB)")
        if subdivision is not None and (country is None or not isinstance(subdivision, str)):
            raise BusinessHoursError(f"{where}.subdivision needs a country and must be text")
        weekly_document = document.get("weekly")
        if not isinstance(weekly_document, Mapping):
            raise BusinessHoursError(f"{where}.weekly must map weekdays (mon..sun) to opening hours")
        unknown = sorted(set(weekly_document) - set(WEEKDAYS))
        if unknown:
            raise BusinessHoursError(f"{where}.weekly has unknown days {unknown}; use {list(WEEKDAYS)}")
        weekly = tuple(_day_ranges(weekly_document.get(day), f"{where}.weekly.{day}") for day in WEEKDAYS)
        if not any(weekly):
            raise BusinessHoursError(f"{where}.weekly is never open")
        return cls(time_zone=time_zone, weekly=weekly, country=country, subdivision=subdivision)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_holiday(self, day: date) -> bool:
        return bool(self.country) and day in _holidays(self.country, self.subdivision, day.year)

    def open_ranges(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening ranges as UTC instants (none on a public holiday)."""
        if self.is_holiday(day):
            return []
        zone = self.zone
        midnight = datetime(day.year, day.month, day.day)
        return [(_instant(midnight + timedelta(minutes=start), zone), _instant(midnight + timedelta(minutes=end), zone))
                for start, end in self.weekly[day.weekday()]]

    def _ranges_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        for offset in range(_SEARCH_DAYS):
            yield from self.open_ranges(day + timedelta(days=offset))
        raise BusinessHoursError(f"hours in {self.time_zone} are not open within {_SEARCH_DAYS} days")


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    # A wall time skipped by a spring-forward change is read with the offset before it
    # (fold=0), i.e. the hour that does not exist counts as the hour after it.
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _aware(moment: datetime, name: str = "instant") -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone")
    return moment.astimezone(UTC)


def add(start: datetime, amount: timedelta, hours: BusinessHours) -> datetime:
    """The instant `amount` of business time after `start` (UTC). Adding zero gives
    `start` itself; a due time that falls at closing is that closing instant."""
    start = _aware(start, "start")
    if amount < timedelta(0):
        raise ValueError("amount must not be negative")
    left = amount
    if left == timedelta(0):
        return start
    for opens, closes in hours._ranges_from(start):
        if closes <= start:
            continue
        begin = max(opens, start)
        available = closes - begin
        if left <= available:
            return begin + left
        left -= available
    raise AssertionError("unreachable")  # pragma: no cover - _ranges_from raises first


def add_minutes(start: datetime, minutes: int, hours: BusinessHours) -> datetime:
    return add(start, timedelta(minutes=minutes), hours)


def between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Business time from `start` to `end` (zero when `end` is not after `start`)."""
    start, end = _aware(start, "start"), _aware(end, "end")
    total = timedelta(0)
    if end <= start:
        return total
    for opens, closes in hours._ranges_from(start):
        if opens >= end:
            return total
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta(0):
            total += overlap
    return total  # pragma: no cover - _ranges_from raises first


def minutes_between(start: datetime, end: datetime, hours: BusinessHours) -> float:
    return between(start, end, hours) / timedelta(minutes=1)


@dataclass(frozen=True)
class Pause:
    """The clock stood still from `start` until `end` (None: still paused)."""

    start: datetime
    end: datetime | None = None


def paused(pauses: Sequence[Pause], hours: BusinessHours, now: datetime | None = None) -> timedelta:
    """Business time spent in pauses (an open pause counts up to `now`)."""
    total = timedelta(0)
    for pause in pauses:
        end = pause.end or now
        if end is not None:
            total += between(pause.start, end, hours)
    return total


def due(started: datetime, target: timedelta, hours: BusinessHours, pauses: Sequence[Pause] = ()) -> datetime | None:
    """When a clock started at `started` with `target` business time reaches it, given
    its finished pauses; None while a pause is open (the clock is stopped)."""
    if any(p.end is None for p in pauses):
        return None
    return add(started, target + paused(pauses, hours), hours)


def elapsed(started: datetime, now: datetime, hours: BusinessHours, pauses: Sequence[Pause] = ()) -> timedelta:
    """Business time counted by a clock started at `started`, pauses excluded."""
    return between(started, now, hours) - paused(pauses, hours, now)


def _day_ranges(value: Any, where: str) -> tuple[tuple[int, int], ...]:
    if value is None or value == "" or value == []:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise BusinessHoursError(f"{where} must be \"HH:MM-HH:MM\" or a list of them")
    ranges = sorted(_range(item, where) for item in items)
    for (_, first_end), (second_start, _) in pairwise(ranges):
        if second_start < first_end:
            raise BusinessHoursError(f"{where} has overlapping ranges")
    return tuple(ranges)


def _range(text: str, where: str) -> tuple[int, int]:
    parts = text.split("-")
    if len(parts) != 2:
        raise BusinessHoursError(f"{where} {text!r} must be \"HH:MM-HH:MM\"")
    start, end = (_minute(part.strip(), where) for part in parts)
    if end <= start:
        raise BusinessHoursError(f"{where} {text!r} must close after it opens")
    return start, end


def _minute(text: str, where: str) -> int:
    hour, _, minute = text.partition(":")
    if not (len(hour) == 2 and len(minute) == 2 and hour.isdigit() and minute.isdigit()):
        raise BusinessHoursError(f"{where} {text!r} is not HH:MM")
    value = int(hour) * 60 + int(minute)
    if int(minute) > 59 or value > 24 * 60:
        raise BusinessHoursError(f"{where} {text!r} is not a time of day")
    return value


@cache
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Loaded on first use: the package holds every country's calendar.
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


@cache
def _known_country(country: str) -> bool:
    import holidays

    return country in holidays.list_supported_countries()
