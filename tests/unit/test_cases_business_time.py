"""Business time as a service level counts it: queue hours, weekends, public
holidays, daylight-saving changes and pauses, against hand-computed instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.cases import business_time as bt
from chalicelib.cases.business_time import BusinessHours, BusinessHoursError, Pause

BUCHAREST = ZoneInfo("Europe/Bucharest")
LONDON = ZoneInfo("Europe/London")
WEEKDAYS_9_TO_6 = {day: "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}


def hours(time_zone: str = "Europe/Bucharest", country: str | None = "RO", **weekly: object) -> BusinessHours:
    return BusinessHours.parse({"time_zone": time_zone, "country": country, "weekly": weekly or WEEKDAYS_9_TO_6})


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def test_friday_evening_case_is_due_after_the_weekend_and_both_romanian_holidays():
    # Given a case opened on Friday 27 November 2026 at 17:00 in Bucharest,
    # 4 business hours to first response on 09:00-18:00 weekdays
    opened = local(BUCHAREST, 2026, 11, 27, 17, 0)
    # When its due time is computed
    due = bt.add_minutes(opened, 4 * 60, hours())
    # Then it is Wednesday 2 December at 12:00: one hour on Friday, nothing on the weekend,
    # St Andrew's Day (30 Nov) and National Day (1 Dec) closed, three hours on Wednesday
    assert due.astimezone(BUCHAREST) == local(BUCHAREST, 2026, 12, 2, 12, 0)
    assert bt.minutes_between(opened, due, hours()) == 240


def test_without_holidays_the_same_case_is_due_on_monday():
    opened = local(BUCHAREST, 2026, 11, 27, 17, 0)
    due = bt.add_minutes(opened, 4 * 60, hours(country=None))
    assert due.astimezone(BUCHAREST) == local(BUCHAREST, 2026, 11, 30, 12, 0)


def test_a_case_opened_on_saturday_starts_counting_on_monday_morning():
    opened = local(LONDON, 2026, 6, 13, 10, 30)  # Saturday
    due = bt.add_minutes(opened, 30, hours("Europe/London", "GB"))
    assert due.astimezone(LONDON) == local(LONDON, 2026, 6, 15, 9, 30)


def test_a_due_time_that_falls_at_closing_is_closing_time_not_next_morning():
    opened = local(BUCHAREST, 2026, 6, 10, 14, 0)
    due = bt.add_minutes(opened, 4 * 60, hours())
    assert due.astimezone(BUCHAREST) == local(BUCHAREST, 2026, 6, 10, 18, 0)


def test_italian_and_hungarian_queues_close_on_their_own_holidays():
    # 2 June is Italy's Republic Day (a Tuesday in 2026); 20 August is Hungary's State Foundation
    # Day (a Thursday) and Friday 21 August 2026 a bridge day worked on Saturday 8 August
    rome = ZoneInfo("Europe/Rome")
    before = local(rome, 2026, 6, 1, 17, 0)  # Monday
    due = bt.add_minutes(before, 120, hours("Europe/Rome", "IT"))
    assert due.astimezone(rome) == local(rome, 2026, 6, 3, 10, 0)
    budapest = ZoneInfo("Europe/Budapest")
    before = local(budapest, 2026, 8, 19, 17, 0)  # Wednesday
    due = bt.add_minutes(before, 120, hours("Europe/Budapest", "HU"))
    assert due.astimezone(budapest) == local(budapest, 2026, 8, 24, 10, 0)


def test_a_day_that_loses_an_hour_to_summer_time_still_counts_nine_working_hours():
    # Given a queue open around the clock on Sunday 29 March 2026, when Bucharest skips 03:00-04:00
    sunday = hours(country=None, sun="00:00-24:00", mon="09:00-18:00")
    start = local(BUCHAREST, 2026, 3, 29, 0, 0)
    end = local(BUCHAREST, 2026, 3, 30, 0, 0)
    # Then that day holds 23 real hours of business time
    assert bt.between(start, end, sunday) == timedelta(hours=23)
    # And an ordinary 09:00-18:00 day across the change stays nine hours
    friday = local(BUCHAREST, 2026, 3, 27, 9, 0)
    due = bt.add_minutes(friday, 9 * 60 + 60, hours(country=None))
    assert due.astimezone(BUCHAREST) == local(BUCHAREST, 2026, 3, 30, 10, 0)


def test_an_autumn_change_weekend_keeps_wall_clock_hours():
    # 25 October 2026: Europe/London falls back; Friday 17:00 + 2h is Monday 10:00 local
    opened = local(LONDON, 2026, 10, 23, 17, 0)
    due = bt.add_minutes(opened, 120, hours("Europe/London", None))
    assert due.astimezone(LONDON) == local(LONDON, 2026, 10, 26, 10, 0)
    assert due.utcoffset() == timedelta(0)  # UTC instant; London is on GMT again


def test_several_ranges_a_day_skip_the_lunch_break():
    split = hours(country=None, mon=["09:00-12:00", "13:00-17:00"])
    opened = local(BUCHAREST, 2026, 6, 8, 11, 0)
    due = bt.add_minutes(opened, 120, split)
    assert due.astimezone(BUCHAREST) == local(BUCHAREST, 2026, 6, 8, 14, 0)


def test_a_pause_while_waiting_on_the_customer_moves_the_due_time_by_its_business_time():
    opened = local(BUCHAREST, 2026, 6, 8, 9, 0)  # Monday
    target = timedelta(hours=8)
    without = bt.due(opened, target, hours())
    # Paused Monday 16:00 (seven hours counted, one left) to Tuesday 09:30: two and a half
    # business hours (16:00-18:00, 09:00-09:30); the hour left runs from 09:30
    pause = Pause(local(BUCHAREST, 2026, 6, 8, 16, 0), local(BUCHAREST, 2026, 6, 9, 9, 30))
    moved = bt.due(opened, target, hours(), [pause])
    assert without.astimezone(BUCHAREST) == local(BUCHAREST, 2026, 6, 8, 17, 0)
    assert moved.astimezone(BUCHAREST) == local(BUCHAREST, 2026, 6, 9, 10, 30)
    # While paused there is no due time, and the elapsed clock stands still
    assert bt.due(opened, target, hours(), [Pause(pause.start)]) is None
    later = local(BUCHAREST, 2026, 6, 9, 12, 0)
    assert bt.elapsed(opened, later, hours(), [Pause(pause.start)]) == timedelta(hours=7)


@pytest.mark.parametrize(("document", "named"), [
    ({"country": "RO", "weekly": WEEKDAYS_9_TO_6}, "hours.time_zone"),
    ({"time_zone": "Mars/Olympus", "weekly": WEEKDAYS_9_TO_6}, "hours.time_zone"),
    ({"time_zone": "UTC", "country": "XX", "weekly": WEEKDAYS_9_TO_6}, "hours.country"),
    ({"time_zone": "UTC", "weekly": {"mon": "9-18"}}, "hours.weekly.mon"),
    ({"time_zone": "UTC", "weekly": {"tue": "18:00-09:00"}}, "hours.weekly.tue"),
    ({"time_zone": "UTC", "weekly": {"wed": ["09:00-13:00", "12:00-18:00"]}}, "hours.weekly.wed"),
    ({"time_zone": "UTC", "weekly": {"thu": "09:00-24:01"}}, "hours.weekly.thu"),
    ({"time_zone": "UTC", "weekly": {"someday": "09:00-18:00"}}, "hours.weekly"),
    ({"time_zone": "UTC", "weekly": {}}, "hours.weekly"),
])
def test_unusable_hours_are_refused_naming_the_field(document, named):
    with pytest.raises(BusinessHoursError) as refused:
        BusinessHours.parse(document)
    assert named in str(refused.value)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        bt.add_minutes(datetime(2026, 6, 8, 9, 0), 10, hours())


# Minute-aligned instants across 2026 (holidays, weekends and both DST changes included).
_instants = st.integers(min_value=0, max_value=365 * 24 * 60).map(
    lambda minute: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minute))


@settings(max_examples=150, deadline=None)
@given(opened=_instants, target=st.integers(min_value=1, max_value=5 * 9 * 60),
       pause_offset=st.integers(min_value=0, max_value=20 * 24 * 60),
       pause_length=st.integers(min_value=0, max_value=10 * 24 * 60))
def test_pausing_for_d_business_minutes_moves_the_due_time_by_exactly_d(opened, target, pause_offset, pause_length):
    queue = hours()
    pause = Pause(opened + timedelta(minutes=pause_offset), opened + timedelta(minutes=pause_offset + pause_length))
    d = bt.between(pause.start, pause.end, queue)
    without = bt.due(opened, timedelta(minutes=target), queue)
    with_pause = bt.due(opened, timedelta(minutes=target), queue, [pause])
    assert bt.between(without, with_pause, queue) == d
    assert with_pause >= without


@settings(max_examples=150, deadline=None)
@given(opened=_instants, minutes=st.integers(min_value=0, max_value=20 * 9 * 60))
def test_adding_then_measuring_gives_back_the_same_business_minutes(opened, minutes):
    queue = hours()
    assert bt.minutes_between(opened, bt.add_minutes(opened, minutes, queue), queue) == minutes
