"""The supervisors' dashboard data and cost per contact, read from the KPI counters
that contact records fill: service level against each queue's threshold, the day
against the same weekday a week before, 30 days of trend, cost with how it was
computed, and the CSV of what the page shows."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.dashboard_data import COST_MODEL, WFM_QUEUES, call, deliver

# A Wednesday; the same weekday a week before is 2025-05-07.
DAY = datetime(2025, 5, 14, 8, 0, tzinfo=UTC)
LAST_WEEK = DAY - timedelta(days=7)


def get(client, path):
    response = client.http.get(path)
    return response.status_code, json.loads(response.body)


@pytest.fixture
def day_of_calls(client, settings_env):
    """Billing (20 s threshold): answered in 10 s and in 45 s, one abandoned after 90 s;
    Sales (60 s threshold): answered in 45 s. A week before: one Billing call in 5 s."""
    settings_env(WFM_QUEUES=WFM_QUEUES, COST_MODEL=COST_MODEL)
    deliver(client,
            call("d-1", DAY, wait=10, talk=300, hold=20, acw=40),
            call("d-2", DAY + timedelta(minutes=10), wait=45, talk=600, acw=60, agent="andrei.p"),
            call("d-3", DAY + timedelta(minutes=20), wait=90, agent=None),
            call("d-4", DAY + timedelta(minutes=30), queue="Sales", wait=45, talk=120, acw=0, reason="sales"),
            call("w-1", LAST_WEEK, wait=5, talk=200, acw=20))


def test_service_level_counts_answers_within_each_queues_own_threshold(client, day_of_calls):
    status, by_queue = get(client, "/metrics?from=2025-05-14&by=queue")
    assert status == 200
    groups = {g["value"]: g for g in by_queue["groups"]}
    # Billing: 1 of 3 offered within 20 s (45 s is late, the abandoned call is missed)
    assert (groups["Billing"]["answeredInThreshold"], groups["Billing"]["queued"]) == (1, 3)
    assert groups["Billing"]["serviceLevelPercent"] == 33.3
    # Sales answered in 45 s, within its own 60 s
    assert groups["Sales"]["serviceLevelPercent"] == 100.0
    # The speed of answer averages answered contacts only: (10 + 45 + 45) / 3
    assert by_queue["totals"]["averageSpeedOfAnswerSeconds"] == 33.3
    assert by_queue["totals"]["serviceLevelPercent"] == 50.0


def test_cost_per_contact_is_reported_with_how_it_was_computed(client, day_of_calls):
    status, report = get(client, "/metrics?from=2025-05-14")
    assert status == 200
    spent = report["totals"]["cost"]
    parts = {part["part"]: part for part in spent["parts"]}
    # Agents: handle time (360 + 660 + 0 + 120 s) at 18 EUR an hour
    assert parts["agents"]["quantity"] == round(1140 / 3600, 2) and parts["agents"]["price"] == 18.0
    assert parts["agents"]["amount"] == pytest.approx(1140 / 3600 * 18, abs=1e-4)
    # Telephony: minutes of call to a Romanian number, at the Romanian inbound price
    minutes = ((5 + 10 + 320) + (5 + 45 + 600) + (5 + 90) + (5 + 45 + 120)) / 60
    assert (parts["telephony"]["direction"], parts["telephony"]["country"]) == ("inbound", "RO")
    assert parts["telephony"]["quantity"] == round(minutes, 2) and parts["telephony"]["price"] == 0.01
    assert parts["platform"]["quantity"] == 4
    total = 1140 / 3600 * 18 + minutes * 0.01 + 4 * 0.001
    assert spent == {"currency": "EUR", "total": round(total, 2), "perContact": round(total / 4, 2), "contacts": 4,
                     "parts": spent["parts"]}


def test_an_outbound_call_is_priced_at_the_customers_country_and_a_chat_per_chat(client, settings_env):
    settings_env(COST_MODEL=COST_MODEL)
    deliver(client, call("o-1", DAY, method="OUTBOUND", customer="+393471112223", wait=0, talk=55, acw=0),
            call("c-1", DAY, channel="CHAT", method="API", talk=400, acw=0))
    spent = get(client, "/metrics?from=2025-05-14&by=channel")[1]["groups"]
    by_channel = {g["value"]: g["cost"] for g in spent}
    [telephony] = [p for p in by_channel["VOICE"]["parts"] if p["part"] == "telephony"]
    assert (telephony["direction"], telephony["country"], telephony["price"]) == ("outbound", "IT", 0.05)
    assert telephony["quantity"] == 1.0
    [chat] = [p for p in by_channel["CHAT"]["parts"] if p["part"] == "chat"]
    assert (chat["quantity"], chat["amount"]) == (1, 0.015)


def test_without_a_cost_model_no_cost_is_reported(client, settings_env):
    settings_env(COST_MODEL="{}")
    deliver(client, call("d-1", DAY))
    assert "cost" not in get(client, "/metrics?from=2025-05-14")[1]["totals"]


def test_the_dashboard_shows_the_day_against_the_same_weekday_last_week(client, day_of_calls):
    status, shown = get(client, "/dashboard/data?day=2025-05-14&by=queue")
    assert status == 200
    assert (shown["day"], shown["compareDay"]) == ("2025-05-14", "2025-05-07")
    assert (shown["today"]["contacts"], shown["lastWeek"]["contacts"]) == (4, 1)
    assert (shown["today"]["serviceLevelPercent"], shown["lastWeek"]["serviceLevelPercent"]) == (50.0, 100.0)
    assert shown["today"]["abandonmentPercent"] == 25.0
    assert [g["value"] for g in shown["groups"]] == ["Billing", "Sales"]
    billing = shown["groups"][0]
    assert (billing["today"]["contacts"], billing["lastWeek"]["contacts"]) == (3, 1)
    assert shown["today"]["costPerContact"] == shown["today"]["cost"]["perContact"] > 0


def test_the_trend_has_one_point_per_day_for_30_days_empty_days_included(client, day_of_calls):
    shown = get(client, "/dashboard/data?day=2025-05-14")[1]
    trend = shown["trend"]
    assert len(trend["days"]) == 30 and trend["days"][0] == "2025-04-15" and trend["days"][-1] == "2025-05-14"
    assert len(trend["contacts"]) == 30
    assert trend["contacts"][-1] == 4 and trend["contacts"][-8] == 1
    assert sum(trend["contacts"]) == 5
    # A day without contacts has no rate, not a rate of zero
    assert trend["serviceLevelPercent"][0] is None and trend["contacts"][0] == 0


def test_an_empty_day_answers_with_zero_contacts_and_no_rates(client):
    status, shown = get(client, "/dashboard/data?day=2025-05-14&by=agent")
    assert status == 200
    assert shown["today"]["contacts"] == 0 and shown["today"]["serviceLevelPercent"] is None
    assert shown["groups"] == []


def test_by_agent_channel_and_reason(client, day_of_calls):
    agents = get(client, "/dashboard/data?day=2025-05-14&by=agent")[1]["groups"]
    assert {g["value"]: g["today"]["contacts"] for g in agents} == {"ioana.m": 2, "andrei.p": 1, "unassigned": 1}
    reasons = get(client, "/dashboard/data?day=2025-05-14&by=reason")[1]["groups"]
    assert {g["value"]: g["today"]["contacts"] for g in reasons} == {"billing": 3, "sales": 1}
    channels = get(client, "/dashboard/data?day=2025-05-14&by=channel")[1]["groups"]
    assert [(g["value"], g["today"]["contacts"], g["lastWeek"]["contacts"]) for g in channels] == [("VOICE", 4, 1)]


def test_the_csv_holds_what_the_page_shows(client, day_of_calls):
    shown = get(client, "/dashboard/data?day=2025-05-14&by=queue")[1]
    response = client.http.get("/dashboard/data.csv?day=2025-05-14&by=queue")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="dashboard-2025-05-14-by-queue.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    assert [(r["scope"], r["value"], r["day"]) for r in rows] == [
        ("total", "all", "2025-05-14"), ("total", "all", "2025-05-07"),
        ("queue", "Billing", "2025-05-14"), ("queue", "Billing", "2025-05-07"),
        ("queue", "Sales", "2025-05-14"), ("queue", "Sales", "2025-05-07")]
    assert rows[0]["contacts"] == "4" and rows[0]["serviceLevelPercent"] == "50.0"
    assert float(rows[0]["costPerContact"]) == shown["today"]["costPerContact"]
    assert rows[5]["contacts"] == "0" and rows[5]["serviceLevelPercent"] == ""


def test_a_queue_named_like_a_formula_is_written_as_text_in_the_csv(client):
    deliver(client, call("f-1", DAY, queue="=HYPERLINK(\"http://x\")"))
    body = client.http.get("/dashboard/data.csv?day=2025-05-14&by=queue").body.decode("utf-8")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


@pytest.mark.parametrize(("query", "problem"), [
    ("day=2025-13-01", "day is not a calendar date"), ("day=yesterday", "day must be a date"),
    ("by=customer", "by must be one of"), ("from=2025-05-01", "unknown parameter(s): from; allowed: by, day")])
def test_a_bad_dashboard_request_says_what_is_wrong(client, query, problem):
    status, answer = get(client, f"/dashboard/data?{query}")
    assert status == 400 and problem in answer["Message"]


def test_the_page_is_a_shell_with_strict_headers_and_no_figures(client, day_of_calls):
    response = client.http.get("/dashboard", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert response.status_code == 200
    page = response.body.decode("utf-8")
    assert "<title>Cruscotto</title>" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in page and "Billing" not in page
    assert response.headers["Cache-Control"] == "no-store"
    for name in ("dashboard.js", "dashboard.css", "uplot.min.js", "uplot.min.css"):
        assert client.http.get(f"/dashboard/static/{name}").status_code == 200
    assert client.http.get("/dashboard/static/vendor.json").status_code == 404


def test_the_dashboards_dynamodb_calls_do_not_grow_with_the_contacts_stored(client, day_of_calls):
    from devkit.bench import dynamodb_calls

    with dynamodb_calls() as before:
        get(client, "/dashboard/data?day=2025-05-14&by=agent")
    deliver(client, *(call(f"m-{n}", DAY + timedelta(seconds=n), agent=f"agent{n % 5}") for n in range(150)))
    with dynamodb_calls() as after:
        get(client, "/dashboard/data?day=2025-05-14&by=agent")
    assert before == after and set(before) == {"Query"}
