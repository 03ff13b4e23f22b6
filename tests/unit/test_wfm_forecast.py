"""Forecasting a queue's contacts per interval, as a planner reads the forecast."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.wfm import forecast
from chalicelib.wfm.forecast import NotEnoughHistory, Observed
from devkit import wfm_history

ZONE = "Europe/Bucharest"


def weekly_pattern(day: date, name: str) -> float:
    """A pattern that repeats exactly every week: each weekday and interval its own value."""
    hour, minute = map(int, name.split(":"))
    if hour < 8 or hour >= 20:
        return 0.0
    return (day.weekday() + 1) * 3 + (hour - 8) * 2 + minute / 15


def history_of(pattern, first: date, days: int, zone: str = ZONE) -> dict:
    history = {}
    for offset in range(days):
        day = first + timedelta(days=offset)
        for start in forecast.day_intervals(day, zone):
            offered = pattern(day, forecast.label(start, zone))
            if offered:
                history[start] = Observed(offered=offered, handled=offered, handle_seconds=offered * 200)
    return history


def by_day(result: forecast.Forecast, zone: str = ZONE) -> dict[date, float]:
    totals: dict[date, float] = {}
    for interval in result.intervals:
        day = forecast.local_day(interval.start, zone)
        totals[day] = totals.get(day, 0.0) + interval.contacts
    return totals


def test_a_pure_weekly_pattern_is_reproduced_exactly():
    # Given four weeks that repeat exactly (no holidays, no daylight-saving change)
    first = date(2026, 5, 4)
    history = history_of(weekly_pattern, first, 28)
    # When the next two weeks are forecast
    start = first + timedelta(days=28)
    result = forecast.forecast(history, last_day=start - timedelta(days=1), start=start, days=14, time_zone=ZONE)
    # Then every interval is what the same weekday and interval always saw
    assert len(result.intervals) == 14 * 96
    for interval in result.intervals:
        day = forecast.local_day(interval.start, ZONE)
        assert interval.contacts == pytest.approx(weekly_pattern(day, forecast.label(interval.start, ZONE)),
                                                  abs=1e-6)
        assert interval.average_handle_seconds == pytest.approx(200)
    # and it says which history it used
    assert (result.history_days, result.history_from, result.history_to) == (28, first, start - timedelta(days=1))


def test_two_weeks_are_enough_and_less_is_refused():
    first = date(2026, 5, 4)
    history = history_of(weekly_pattern, first, 14)
    result = forecast.forecast(history, last_day=date(2026, 5, 17), start=date(2026, 5, 18), days=1,
                               time_zone=ZONE)
    assert result.history_days == 14
    assert result.total() == pytest.approx(sum(weekly_pattern(date(2026, 5, 18), forecast.label(s, ZONE))
                                               for s in forecast.day_intervals(date(2026, 5, 18), ZONE)))
    with pytest.raises(NotEnoughHistory, match="13 days"):
        forecast.forecast(history, last_day=date(2026, 5, 16), start=date(2026, 5, 17), days=1, time_zone=ZONE,
                          first_day=first)


def test_a_rising_trend_is_followed():
    # Given twelve weeks growing 5 % a week
    first = date(2026, 5, 4)
    history = wfm_history.generate(first, 84, trend=0.05, noise=False, country=None)
    # When the next week is forecast
    result = forecast.forecast(history, last_day=first + timedelta(days=83), start=first + timedelta(days=84),
                               days=7, time_zone=ZONE)
    # Then it is busier than the last week seen, and close to what came
    last_week = sum(o.offered for s, o in history.items() if forecast.local_day(s, ZONE) >= first + timedelta(77))
    came = sum(o.offered for s, o in wfm_history.generate(first, 91, trend=0.05, noise=False, country=None).items()
               if forecast.local_day(s, ZONE) >= first + timedelta(84))
    assert result.total() > last_week * 1.02
    assert result.total() == pytest.approx(came, rel=0.03)


def test_a_holiday_never_seen_is_forecast_like_the_quietest_weekday():
    # Given twelve weeks without public holidays, Sundays quiet
    first = date(2026, 9, 7)
    history = wfm_history.generate(first, 84, noise=False)
    # When the week with Romania's National Day (Tuesday 1 December) is forecast
    result = forecast.forecast(history, last_day=date(2026, 11, 29), start=date(2026, 11, 30), days=9,
                               time_zone=ZONE, country="RO")
    totals = by_day(result)
    # Then the holiday is named and forecast like a Sunday, not like a Tuesday
    assert result.holidays[date(2026, 12, 1)] == "National Day"
    assert totals[date(2026, 12, 1)] < 0.5 * totals[date(2026, 12, 8)]
    assert totals[date(2026, 12, 1)] == pytest.approx(totals[date(2026, 12, 6)], rel=0.1)


def test_holidays_seen_in_the_history_set_the_holidays_forecast():
    # Given history through December, holidays at 30 % of an ordinary day's volume
    first = date(2026, 10, 12)
    history = wfm_history.generate(first, 81, noise=False)
    # When the first week of January (Epiphany on Wednesday 6, St John on Thursday 7) is forecast
    result = forecast.forecast(history, last_day=date(2026, 12, 31), start=date(2027, 1, 1), days=14,
                               time_zone=ZONE, country="RO")
    totals = by_day(result)
    # Then a holiday Wednesday is about 30 % of an ordinary Wednesday a week later
    ratio = totals[date(2027, 1, 6)] / totals[date(2027, 1, 13)]
    assert ratio == pytest.approx(wfm_history.HOLIDAY_FACTOR / wfm_history.WEEKLY[2], rel=0.25)
    assert date(2027, 1, 7) in result.holidays


def test_daylight_saving_days_have_23_and_25_hours_of_intervals():
    # Given a year of the weekly pattern's first weeks, forecast across both changes
    first = date(2026, 10, 5)
    history = history_of(weekly_pattern, first, 20)
    autumn = forecast.forecast(history, last_day=date(2026, 10, 24), start=date(2026, 10, 25), days=1, time_zone=ZONE)
    spring = forecast.forecast(history, last_day=date(2026, 10, 24), start=date(2027, 3, 28), days=1, time_zone=ZONE)
    # Then the autumn Sunday has 100 intervals (03:00-04:00 twice), the spring Sunday 92
    assert len(autumn.intervals) == 100
    assert len(spring.intervals) == 92
    labels = [forecast.label(i.start, ZONE) for i in spring.intervals]
    assert "03:15" not in labels and "04:00" in labels
    # and the intervals are distinct instants, 15 minutes apart
    starts = [i.start for i in autumn.intervals]
    assert len(set(starts)) == 100
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(starts))


def test_an_interval_is_the_local_quarter_hour():
    moment = datetime(2026, 10, 25, 0, 37, tzinfo=UTC)  # 03:37 EEST, just before the clocks go back
    again = datetime(2026, 10, 25, 1, 37, tzinfo=UTC)   # 03:37 EET, an hour later
    assert forecast.interval_start(moment, ZONE) != forecast.interval_start(again, ZONE)
    assert forecast.label(forecast.interval_start(moment, ZONE), ZONE) == "03:30"
    assert forecast.label(forecast.interval_start(again, ZONE), ZONE) == "03:30"


def test_the_forecast_beats_last_week_by_a_fifth_on_an_ordinary_week():
    # Given twelve weeks of seeded noisy history with a trend and Romania's holidays
    history = wfm_history.generate(date(2026, 8, 24), 91, seed=11)
    # When the thirteenth week is forecast and compared with what came
    result = wfm_history.backtest(history, date(2026, 11, 15))
    # Then its error is at most 0.8 times that of repeating last week's intervals
    assert result.history_days == 84
    assert result.wape <= 0.8 * result.seasonal_naive_wape


@pytest.mark.parametrize("first", [date(2026, 1, 7), date(2026, 4, 7), date(2026, 5, 31)])
def test_two_weeks_of_a_small_queue_forecast_better_than_last_week(first):
    # Given only two weeks of a small queue's calls (400 a day: a few per quarter hour, mostly noise)
    history = wfm_history.generate(first, 21, daily=400.0, seed=14)
    # When the third week is forecast and compared with what came
    result = wfm_history.backtest(history, first + timedelta(days=13))
    # Then its error is at most 0.8 times that of repeating last week's intervals
    assert result.history_days == 14
    assert result.wape <= 0.8 * result.seasonal_naive_wape


def test_a_noisy_profile_is_smoothed_and_a_sharp_one_kept():
    # Given two weeks in which every day opens sharply at 09:00 with a flat 40 contacts
    # a quarter hour until 17:00, and two weeks of a small queue (100 calls a day, one
    # or two a quarter hour: many a quarter hour of its opening hours saw none by chance)
    first = date(2026, 5, 4)

    def sharp(day: date, name: str) -> float:
        return 40.0 if "09:00" <= name < "17:00" else 0.0

    noisy = wfm_history.generate(first, 14, daily=100.0, seed=3)
    last = first + timedelta(days=13)
    kept = forecast.forecast(history_of(sharp, first, 14), last_day=last, start=last + timedelta(days=1), days=1,
                             time_zone=ZONE)
    smoothed = forecast.forecast(noisy, last_day=last, start=last + timedelta(days=1), days=7, time_zone=ZONE)
    # Then the sharp opening is forecast as it is: nothing before 09:00, 40 from 09:00
    by_label = {forecast.label(i.start, ZONE): i.contacts for i in kept.intervals}
    assert by_label["08:45"] == pytest.approx(0.0, abs=1e-9) and by_label["09:00"] == pytest.approx(40.0)
    # and the small queue's week has calls forecast in every quarter hour of its opening hours
    opening = [i.contacts for i in smoothed.intervals if "09:00" <= forecast.label(i.start, ZONE) < "18:00"]
    assert min(opening) > 0
