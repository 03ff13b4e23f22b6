"""Contacts offered per 15-minute interval for the next days, from a queue's own history.

The forecast is the day's total times the day type's interval profile:

- **Day total**: additive Holt-Winters on the daily totals (a level, a damped trend
  and a weekday pattern), its smoothing weights chosen per queue by the one-day-ahead
  error over the history.
- **Day types**: the seven weekdays, and the public holidays of the queue's country
  (the `holidays` package) as a type of their own: a holiday's total is the level of
  an average day times how holidays in the history compared with the level then,
  whatever weekday they fell on, and its profile is the holidays' profile. With no holiday in the
  history yet, a holiday is taken to behave like the quietest weekday.
- **Interval profile**: per day type, the share of the day's contacts each
  wall-clock interval (`"09:15"`) receives, exponentially weighted so recent weeks
  count more, and smoothed over neighbouring intervals as far as that forecast the
  last week of the history better (a small queue's few contacts a quarter hour are
  mostly chance; a sharp opening hour seen every day is kept sharp). Intervals are
  counted in the contact center's time zone, so a daylight-saving day has 92 or 100
  intervals: the hour that does not exist gets no contacts, the hour that happens
  twice gets its profile share twice.

Demand is contacts *offered* (answered or not): what was handled alone would hide
the callers who gave up. Two weeks of history are needed; up to `MAX_HISTORY_DAYS`
are used, and the result says how many were.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

INTERVAL = timedelta(minutes=15)
MIN_HISTORY_DAYS = 14
MAX_HISTORY_DAYS = 12 * 7
HOLIDAY = "holiday"
# Weight of the newest day in a day type's interval profile.
PROFILE_WEIGHT = 0.15
# Cosine similarity above which weekdays' interval profiles may be pooled (whether they
# are is decided per weekday by the last week of the history, held out).
SAME_SHAPE = 0.9
# Weights over neighbouring intervals tried when smoothing profiles: first, none.
_KERNELS = ((1.0,), (1.0, 2.0, 1.0), (1.0, 2.0, 3.0, 2.0, 1.0), (1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0))
# Smoothing weights tried for the daily totals: (level, trend, weekday, damping).
_GRID = list(itertools.product((0.05, 0.1, 0.2, 0.35, 0.5), (0.0, 0.05, 0.15), (0.05, 0.15, 0.3, 0.5),
                               (0.9, 0.98, 1.0)))


class NotEnoughHistory(ValueError):
    """Fewer than two weeks of history: no forecast is made."""


@dataclass(frozen=True)
class Observed:
    """What one interval saw (counters read back, all non-negative)."""

    offered: float
    handled: float = 0.0
    handle_seconds: float = 0.0


@dataclass(frozen=True)
class IntervalForecast:
    start: datetime  # UTC
    contacts: float
    average_handle_seconds: float | None


@dataclass(frozen=True)
class Forecast:
    intervals: list[IntervalForecast]
    history_days: int
    history_from: date
    history_to: date
    holidays: dict[date, str] = field(default_factory=dict)

    def total(self) -> float:
        return sum(i.contacts for i in self.intervals)


@cache
def zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# Interval starts are UTC datetimes throughout: two local times of the hour that
# happens twice compare equal in Python when they share a zone, UTC ones never do.


def day_intervals(day: date, time_zone: str) -> list[datetime]:
    """The starts (UTC) of a local day's 15-minute intervals: 96, or 92/100 on a
    daylight-saving day."""
    tz = zone(time_zone)
    moment = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    starts = []
    while moment < end:
        starts.append(moment)
        moment += INTERVAL
    return starts


def interval_start(moment: datetime, time_zone: str) -> datetime:
    """The start (UTC) of the local 15-minute interval holding `moment` (aware). Zones
    are offset from UTC by whole quarter hours, so local and UTC quarters coincide."""
    utc = moment.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def local_day(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(zone(time_zone)).date()


def label(moment: datetime, time_zone: str) -> str:
    """The wall-clock name of an interval, `"09:15"`, in the contact center's zone."""
    return moment.astimezone(zone(time_zone)).strftime("%H:%M")


def public_holidays(country: str | None, years: Iterator[int] | list[int], subdivision: str | None = None
                    ) -> dict[date, str]:
    """Public holidays of a country (ISO 3166 code), by date."""
    if not country:
        return {}
    return dict(_holidays(country, tuple(sorted(set(years))), subdivision))


@cache
def _holidays(country: str, years: tuple[int, ...], subdivision: str | None) -> tuple[tuple[date, str], ...]:
    # Loaded on first use: the package holds every country's calendar.
    import holidays

    calendar = holidays.country_holidays(country, subdiv=subdivision, years=years)
    return tuple(sorted(calendar.items()))


def known_country(country: str) -> bool:
    import holidays

    return country in holidays.list_supported_countries()


def forecast(history: Mapping[datetime, Observed], *, last_day: date, start: date, days: int, time_zone: str,
             country: str | None = None, subdivision: str | None = None, first_day: date | None = None) -> Forecast:
    """Forecast `days` local days from `start`, from the intervals observed up to
    `last_day` (intervals missing from `history` saw no contacts). History begins at
    `first_day`, or at the first day with contacts; at most `MAX_HISTORY_DAYS` are used."""
    tz = zone(time_zone)
    by_day: dict[date, dict[str, float]] = {}
    handled_by_label: dict[str, list[float]] = {}
    oldest_used = last_day - timedelta(days=MAX_HISTORY_DAYS - 1)
    for moment, seen in history.items():
        local = moment.astimezone(tz)
        day = local.date()
        if day > last_day or day < oldest_used or (first_day and day < first_day):
            continue
        slots = by_day.setdefault(day, {})
        name = local.strftime("%H:%M")
        slots[name] = slots.get(name, 0.0) + seen.offered
        if day > last_day - timedelta(days=28) and seen.handled > 0:
            sums = handled_by_label.setdefault(name, [0.0, 0.0])
            sums[0] += seen.handle_seconds
            sums[1] += seen.handled
    begin = max(first_day or min(by_day, default=last_day), oldest_used)
    used = (last_day - begin).days + 1
    if used < MIN_HISTORY_DAYS or not by_day:
        raise NotEnoughHistory(f"{max(used, 0) if by_day else 0} days of history; {MIN_HISTORY_DAYS} are needed")
    history_days = [begin + timedelta(days=i) for i in range(used)]
    end = start + timedelta(days=days - 1)
    holidays = public_holidays(country, range(begin.year, end.year + 1), subdivision)

    def day_type(day: date) -> str | int:
        return HOLIDAY if day in holidays else day.weekday()

    totals = [sum(by_day.get(day, {}).values()) for day in history_days]
    is_holiday = [day in holidays for day in history_days]
    model = _fit(history_days, totals, is_holiday)

    # Interval profiles per day type, from ordinary-length days with contacts. A
    # weekday's profile is pooled with the weekdays of the same shape when that
    # forecast the last week of the history better than its own profile did; and the
    # profiles are smoothed over neighbouring intervals (a few contacts a quarter hour
    # are mostly noise) as far as that forecast the last week better, all day types
    # together.
    ordinary = [day for day in history_days if by_day.get(day) and len(day_intervals(day, time_zone)) == 96]
    own_before = _profiles(ordinary[:-7], by_day, day_type)
    pooled_before = _pooled(own_before)
    held_out = {kind: [_normalised(by_day[day]) for day in ordinary[-7:] if day_type(day) == kind]
                for kind in own_before}
    pool = {kind for kind, days in held_out.items()
            if days and _miss(days, pooled_before[kind]) < _miss(days, own_before[kind])}
    before = {kind: pooled_before[kind] if kind in pool else profile for kind, profile in own_before.items()}
    kernel = min(_KERNELS, key=lambda k: sum(_miss(days, _smoothed(before[kind], k))
                                             for kind, days in held_out.items()))
    own = _profiles(ordinary, by_day, day_type)
    pooled = _pooled(own)
    shares = {kind: _smoothed(pooled[kind] if kind in pool else profile, kernel) for kind, profile in own.items()}
    # The quietest weekday stands in for a day type not seen yet.
    quietest = min(range(7), key=lambda wd: model.weekday[wd])

    overall_handled = [sum(s[0] for s in handled_by_label.values()), sum(s[1] for s in handled_by_label.values())]
    overall_aht = overall_handled[0] / overall_handled[1] if overall_handled[1] else None

    intervals: list[IntervalForecast] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        horizon = (day - last_day).days
        total = model.predict(horizon, day.weekday())
        kind = day_type(day)
        if kind == HOLIDAY:
            if model.holiday_ratio is not None:
                total = model.holiday_ratio * model.predict(horizon, None)
            else:
                total = model.predict(horizon, quietest)
        profile = shares.get(kind) or shares.get(quietest if kind == HOLIDAY else kind) or _flat()
        total = max(0.0, total)
        for moment in day_intervals(day, time_zone):
            name = label(moment, time_zone)
            sums = handled_by_label.get(name)
            aht = sums[0] / sums[1] if sums and sums[1] >= 5 else overall_aht
            intervals.append(IntervalForecast(moment, total * profile.get(name, 0.0), aht))
    return Forecast(intervals, used, begin, last_day,
                    {day: name for day, name in holidays.items() if start <= day <= end})


@dataclass
class _DailyModel:
    level: float
    trend: float
    weekday: list[float]
    damping: float
    holiday_ratio: float | None

    def predict(self, horizon: int, weekday: int | None) -> float:
        """The total `horizon` days after the history; an average day without `weekday`."""
        damped = sum(self.damping**k for k in range(1, horizon + 1))
        return self.level + damped * self.trend + (self.weekday[weekday] if weekday is not None else 0.0)


def _fit(days: list[date], totals: list[float], is_holiday: list[bool]) -> _DailyModel:
    """Additive damped Holt-Winters on daily totals with the weights that forecast the
    history best one day ahead; holidays are skipped by the states and measured
    against the forecast instead."""
    best: tuple[float, _DailyModel] | None = None
    for alpha, beta, gamma, phi in _GRID:
        error, model = _run(days, totals, is_holiday, alpha, beta, gamma, phi)
        if best is None or error < best[0] - 1e-9:
            best = (error, model)
    assert best is not None
    return best[1]


def _run(days: list[date], totals: list[float], is_holiday: list[bool], alpha: float, beta: float, gamma: float,
         phi: float) -> tuple[float, _DailyModel]:
    # Start from the first two weeks, a holiday replaced by the same weekday of the other week.
    first = [totals[i] if not is_holiday[i] else totals[i + 7] for i in range(7)]
    second = [totals[i] if not is_holiday[i] else totals[i - 7] for i in range(7, 14)]
    mean1, mean2 = sum(first) / 7, sum(second) / 7
    trend = (mean2 - mean1) / 7 if len(days) >= 21 else 0.0
    weekday = [0.0] * 7
    for i in range(7):
        weekday[days[i].weekday()] = first[i] - (mean1 + (i - 3) * trend)
    level = mean1 + 3 * trend
    error = 0.0
    ratios: list[float] = []
    for i in range(7, len(days)):
        wd = days[i].weekday()
        expected = level + phi * trend + weekday[wd]
        observed = totals[i]
        if is_holiday[i]:
            # A holiday is its own day type whatever its weekday: measured against
            # the level of an average day, not against the weekday it fell on.
            if level + phi * trend > 0:
                ratios.append(observed / (level + phi * trend))
            observed = expected
        elif i >= 14 or len(days) < 21:
            error += (observed - expected) ** 2
        new_level = alpha * (observed - weekday[wd]) + (1 - alpha) * (level + phi * trend)
        trend = beta * (new_level - level) + (1 - beta) * phi * trend
        weekday[wd] = gamma * (observed - new_level) + (1 - gamma) * weekday[wd]
        level = new_level
    ratio = sum(ratios) / len(ratios) if ratios else None
    return error, _DailyModel(level, trend, weekday, phi, ratio)


def _profiles(days: list[date], by_day: Mapping[date, Mapping[str, float]], day_type: Any
              ) -> dict[str | int, dict[str, float]]:
    """Each day type's share of the day per interval, recent days weighted more."""
    weighted: dict[str | int, dict[str, float]] = {}
    for day in days:
        slots = by_day[day]
        profile = weighted.setdefault(day_type(day), {})
        for name in set(profile) | set(slots):
            profile[name] = (1 - PROFILE_WEIGHT) * profile.get(name, 0.0) + PROFILE_WEIGHT * slots.get(name, 0.0)
    return {kind: _normalised(profile) for kind, profile in weighted.items()}


def _miss(days: list[dict[str, float]], profile: Mapping[str, float]) -> float:
    return sum(abs(day.get(name, 0.0) - profile.get(name, 0.0)) for day in days for name in set(day) | set(profile))


def _smoothed(profile: Mapping[str, float], kernel: tuple[float, ...]) -> dict[str, float]:
    """The profile averaged over neighbouring intervals of the day (weights `kernel`)."""
    names = [name for name, _ in _flat_cached()]
    values = [profile.get(name, 0.0) for name in names]
    reach = len(kernel) // 2
    smoothed = {}
    for i, name in enumerate(names):
        near = [(w, values[i + k - reach]) for k, w in enumerate(kernel) if 0 <= i + k - reach < len(values)]
        smoothed[name] = sum(w * v for w, v in near) / sum(w for w, _ in near)
    return _normalised(smoothed)


def _pooled(shares: dict[str | int, dict[str, float]]) -> dict[str | int, dict[str, float]]:
    """Each weekday's profile averaged with the weekdays whose profiles have nearly
    the same shape (Monday to Friday, often): a few weeks of one weekday alone are
    noisy at 15-minute resolution. Holidays keep their own."""
    pooled: dict[str | int, dict[str, float]] = {}
    for kind, profile in shares.items():
        if kind == HOLIDAY:
            pooled[kind] = profile
            continue
        alike = [other for key, other in shares.items()
                 if key != HOLIDAY and _similarity(profile, other) >= SAME_SHAPE]
        names = set().union(*alike)
        pooled[kind] = _normalised({name: sum(other.get(name, 0.0) for other in alike) for name in names})
    return pooled


def _similarity(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    dot = sum(value * b.get(name, 0.0) for name, value in a.items())
    norm = (sum(v * v for v in a.values()) * sum(v * v for v in b.values())) ** 0.5
    return dot / norm if norm else 0.0


def _normalised(profile: Mapping[str, float]) -> dict[str, float]:
    total = sum(profile.values())
    return {name: value / total for name, value in profile.items()} if total > 0 else {}


@cache
def _flat_cached() -> tuple[tuple[str, float], ...]:
    start = datetime(2000, 1, 3, tzinfo=UTC)
    return tuple((label(start + INTERVAL * i, "UTC"), 1 / 96) for i in range(96))


def _flat() -> dict[str, float]:
    return dict(_flat_cached())
