"""Generated contact history for a queue: weekly seasonality, an intraday shape, a
trend, public holidays and Poisson noise, all from a seed. Used by the demo, the
forecast tests and the backtest in `make bench`."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.wfm import forecast
from chalicelib.wfm.forecast import Observed

# Share of a weekday's contacts on each weekday (Monday busiest, Sunday quiet).
WEEKLY = (1.25, 1.1, 1.05, 1.0, 0.95, 0.45, 0.2)
HOLIDAY_FACTOR = 0.3


def intraday(hour: float, weekday: int) -> float:
    """Relative arrival rate at a local time of day: open 08-20, a morning and an
    afternoon peak on working days, a flatter midday at the weekend."""
    if hour < 7.5 or hour >= 20.5:
        return 0.02
    if weekday >= 5:
        return math.exp(-((hour - 12.5) / 3.0) ** 2)
    return math.exp(-((hour - 10.5) / 1.6) ** 2) + 0.75 * math.exp(-((hour - 15.0) / 2.0) ** 2)


def expected(day: date, hour: float, *, first: date, daily: float, trend: float, holidays: dict) -> float:
    """Expected contacts in the interval of `day` starting at local `hour`."""
    weekday = day.weekday()
    level = daily * (1 + trend * (day - first).days / 7)
    factor = HOLIDAY_FACTOR if day in holidays else WEEKLY[weekday]
    shape_weekday = 6 if day in holidays else weekday
    norm = sum(intraday(h / 4, shape_weekday) for h in range(96))
    return level * factor * intraday(hour, shape_weekday) / norm


def generate(first: date, days: int, *, time_zone: str = "Europe/Bucharest", country: str | None = "RO",
             daily: float = 800.0, trend: float = 0.01, aht: float = 240.0, seed: int = 7,
             noise: bool = True) -> dict:
    """{interval start (UTC): Observed} for `days` local days from `first`.
    `trend` is the relative growth per week; `daily` the contacts of an average day."""
    rng = random.Random(seed)
    holidays = forecast.public_holidays(country, range(first.year, (first + timedelta(days=days)).year + 1))
    history = {}
    for offset in range(days):
        day = first + timedelta(days=offset)
        for start in forecast.day_intervals(day, time_zone):
            local = start.astimezone(forecast.zone(time_zone))
            mean = expected(day, local.hour + local.minute / 60, first=first, daily=daily, trend=trend,
                            holidays=holidays)
            offered = _poisson(rng, mean) if noise else mean
            if not offered:
                continue
            handled = round(offered * 0.95) if noise else offered
            history[start] = Observed(offered=offered, handled=handled,
                                      handle_seconds=handled * aht * (rng.uniform(0.85, 1.15) if noise else 1))
    return history


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def as_counts(history: dict, *, abandon_share: float = 0.05, service_level: float = 0.85, seed: int = 7) -> dict:
    """The generated history as interval counters hold it: some callers abandoned after
    waiting, most answered within the service-level time."""
    from chalicelib.wfm.intervals import IntervalCounts

    rng = random.Random(seed)
    counts = {}
    for start, seen in history.items():
        offered = round(seen.offered)
        abandoned = sum(rng.random() < abandon_share for _ in range(offered))
        handled = offered - abandoned
        counts[start] = IntervalCounts(
            start, offered=offered, handled=handled, abandoned=abandoned,
            handle_seconds=round(seen.handle_seconds / max(seen.handled, 1) * handled),
            answered_in_service_level=sum(rng.random() < service_level for _ in range(handled)),
            wait_seconds=round(abandoned * 60 + handled * 8))
    return counts


@dataclass(frozen=True)
class Backtest:
    history_days: int
    held_out_from: date
    contacts: float
    wape: float
    seasonal_naive_wape: float

    @property
    def ratio(self) -> float:
        return self.wape / self.seasonal_naive_wape


def backtest(history: dict, last_day: date, *, time_zone: str = "Europe/Bucharest", country: str | None = "RO"
             ) -> Backtest:
    """Forecast the week after `last_day` from the history up to it, and score it and
    the seasonal-naive forecast (the same local interval a week earlier) against what
    came, by WAPE (sum of absolute errors over the sum of contacts)."""
    seen = {start: o for start, o in history.items() if forecast.local_day(start, time_zone) <= last_day}
    start = last_day + timedelta(days=1)
    result = forecast.forecast(seen, last_day=last_day, start=start, days=7, time_zone=time_zone, country=country)
    by_label = {(forecast.local_day(s, time_zone), forecast.label(s, time_zone)): o.offered for s, o in history.items()}
    error = naive_error = total = 0.0
    for interval in result.intervals:
        day, name = forecast.local_day(interval.start, time_zone), forecast.label(interval.start, time_zone)
        came = history[interval.start].offered if interval.start in history else 0.0
        error += abs(came - interval.contacts)
        naive_error += abs(came - by_label.get((day - timedelta(days=7), name), 0.0))
        total += came
    return Backtest(result.history_days, start, total, error / total, naive_error / total)
