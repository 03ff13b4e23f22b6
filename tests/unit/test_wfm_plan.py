"""Planning a queue from its interval counts, as a planner reads the plan."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from chalicelib.wfm import forecast, plan, queues
from devkit import wfm_history

ZONE = "Europe/Bucharest"


def billing() -> queues.QueuePlanning:
    return queues.parse(json.dumps({"Billing": {"timeZone": ZONE}}), "UTC")[1]["Billing"]


def test_callers_who_gave_up_are_planned_for_and_their_patience_staffs_with_erlang_a():
    # Given two weeks in which a third of the callers gave up waiting
    first = date(2026, 5, 4)
    history = wfm_history.as_counts(wfm_history.generate(first, 14, seed=5), abandon_share=1 / 3)
    monday = first + timedelta(days=14)
    # When the next Monday is planned
    (day,) = plan.build(billing(), "VOICE", monday, 1, monday, history)
    # Then the forecast is of the calls offered, not only of those answered
    mondays = [start for start in history if forecast.local_day(start, ZONE).weekday() == 0]
    offered = sum(history[s].offered for s in mondays) / 2
    handled = sum(history[s].handled for s in mondays) / 2
    expected = sum(i.contacts for i in day.intervals)
    assert expected == pytest.approx(offered, rel=0.1) and expected > 1.3 * handled
    # and the callers' patience is the time waited per abandoned call, so some are expected to give up
    waited = sum(c.wait_seconds for c in history.values())
    assert day.patience_seconds == pytest.approx(waited / sum(c.abandoned for c in history.values()))
    assert max(i.staffing.abandonment for i in day.intervals) > 0


def test_chats_are_staffed_with_erlang_c_whatever_the_abandonment():
    first = date(2026, 5, 4)
    history = wfm_history.as_counts(wfm_history.generate(first, 14, seed=5), abandon_share=1 / 3)
    (day,) = plan.build(billing(), "CHAT", first + timedelta(days=14), 1, first + timedelta(days=14), history)
    assert day.patience_seconds is None
    assert all(i.staffing.abandonment == 0 for i in day.intervals)
