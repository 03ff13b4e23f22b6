"""The staffing plan of a queue, as a planner and the supervisors' dashboard read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.wfm import forecast
from devkit import wfm_history
from tests.helpers import load_json

ZONE = "Europe/Bucharest"
QUEUES = {"*": {"timeZone": ZONE, "country": "RO"},
          "Billing": {"channels": ["VOICE", "CHAT"], "serviceLevel": {"target": 0.8, "seconds": 20},
                      "shrinkage": 0.3, "maxOccupancy": 0.85, "chatConcurrency": 3}}


@pytest.fixture
def billing(client, settings_env):
    """Billing with its last fifteen days of calls and chats counted, up to yesterday."""
    settings_env(WFM_QUEUES=json.dumps(QUEUES), WFM_PLAN_DAYS="3")
    from chalicelib.wfm.intervals import counters_store

    today = datetime.now(UTC).astimezone(forecast.zone(ZONE)).date()
    first = today - timedelta(days=15)
    for channel, daily in (("VOICE", 600), ("CHAT", 300)):
        history = wfm_history.as_counts(wfm_history.generate(first, 15, daily=daily, seed=len(channel)))
        counters_store().add_history("Billing", channel, history, ZONE)
    return today


def get(client, query):
    response = client.http.get("/wfm/plan?" + query)
    return response.status_code, json.loads(response.body)


def test_the_daily_job_plans_each_queue_and_channel_and_the_plan_reads_back(client, billing):
    # When the nightly job runs
    outcome = client.lambda_.invoke("wfm_daily_plan", load_json("schedule/daily.json")).payload
    assert outcome == {"planned": ["Billing/VOICE", "Billing/CHAT"], "tooLittleHistory": [], "failed": []}
    # Then today's and tomorrow's voice plan has every interval of the two local days
    status, plan = get(client, f"queue=Billing&from={billing.isoformat()}&days=2")
    assert status == 200
    expected = sum(len(forecast.day_intervals(billing + timedelta(days=i), ZONE)) for i in range(2))
    assert len(plan["intervals"]) == expected
    assert plan["missingDays"] == [] and plan["history"]["days"] == 15
    # and a busy morning interval needs agents and more staff than agents (shrinkage)
    busiest = max(plan["intervals"], key=lambda i: i["forecastContacts"])
    assert busiest["forecastContacts"] > 5
    assert 0 < busiest["agents"] < busiest["staff"]
    assert busiest["serviceLevel"] >= 0.8 and busiest["occupancy"] <= 0.85
    assert busiest["start"].endswith(("+02:00", "+03:00"))
    # and chats, three per agent, need fewer agents for the same interval
    _, chats = get(client, f"queue=Billing&channel=CHAT&from={billing.isoformat()}&days=2")
    same = next(i for i in chats["intervals"] if i["start"] == busiest["start"])
    assert same["agents"] < busiest["agents"]


def test_past_intervals_show_what_actually_came(client, billing):
    from chalicelib.wfm import plan
    from chalicelib.wfm.intervals import counters_store

    # Given yesterday's plan, made yesterday night
    yesterday = billing - timedelta(days=1)
    made = datetime.combine(yesterday, datetime.min.time(), forecast.zone(ZONE)) + timedelta(hours=1)
    assert plan.plan_all(now=made)["planned"] == ["Billing/VOICE", "Billing/CHAT"]
    # When a planner reads it today
    status, body = get(client, f"queue=Billing&from={yesterday.isoformat()}")
    # Then each interval shows the contacts that came beside the forecast
    assert status == 200 and len(body["intervals"]) == len(forecast.day_intervals(yesterday, ZONE))
    came = counters_store().read("Billing", "VOICE", yesterday, yesterday, ZONE)
    assert sum(i["actual"]["offered"] for i in body["intervals"]) == sum(c.offered for c in came.values())
    assert sum(i["actual"]["offered"] for i in body["intervals"]) > 0


def test_a_day_not_planned_yet_is_named(client, billing):
    status, body = get(client, f"queue=Billing&from={billing.isoformat()}&days=2")
    assert status == 200
    assert body["intervals"] == []
    assert body["missingDays"] == [billing.isoformat(), (billing + timedelta(days=1)).isoformat()]


def test_a_queue_with_too_little_history_is_reported_not_planned(client, settings_env):
    settings_env(WFM_QUEUES=json.dumps({"New": {"timeZone": ZONE}}))
    outcome = client.lambda_.invoke("wfm_daily_plan", load_json("schedule/daily.json")).payload
    assert outcome["tooLittleHistory"] == ["New/VOICE"]


@pytest.mark.parametrize("query,field", [
    ("from=2026-12-01", "queue"),
    ("queue=Billing", "from"),
    ("queue=Billing&from=2026-12-01%0A", "from"),
    ("queue=Billing&from=2026-13-01", "from"),
    ("queue=Billing&from=2026-12-01&days=29", "days"),
    ("queue=Billing&from=2026-12-01&days=x", "days"),
    ("queue=Billing&from=2026-12-01&channel=FAX", "channel"),
    ("queue=Billing&from=2026-12-01&agent=x", "unknown parameter(s): agent; allowed: channel, days, from, queue"),
])
def test_a_bad_plan_request_names_the_parameter(client, query, field):
    status, body = get(client, query)
    assert status == 400
    assert body["Message"].startswith(field + " ") or body["Message"] == field


def test_reading_a_plan_is_one_query_whatever_the_days(client, billing):
    from chalicelib.db import connection
    from chalicelib.wfm.plan import plans_store

    client.lambda_.invoke("wfm_daily_plan", load_json("schedule/daily.json"))
    queries = []
    dynamodb = connection().client
    dynamodb.meta.events.register("before-call.dynamodb.Query", lambda **kw: queries.append(1), unique_id="count")
    try:
        days = plans_store().read("Billing", "VOICE", billing, billing + timedelta(days=27))
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb.Query", unique_id="count")
    assert [d["slot"] for d in days] == [(billing + timedelta(days=i)).isoformat() for i in range(3)]
    assert len(queries) == 1
