"""The monthly review as the business reads it: top reasons and how they moved,
what customers come back for, what detractors wrote, knowledge gaps and the quality
score, all from counters and indexes (no contact is scanned)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.stub import Stubber

from chalicelib import aws
from tests.helpers import create_customer
from tests.integration import survey_support
from tests.integration.survey_support import BUCHAREST, NOON, contact_record, deliver, form, invitations, link_of

clock = survey_support.clock  # fixture
THIS_MONTH = NOON.astimezone(BUCHAREST).strftime("%Y-%m")
BEFORE = (NOON.astimezone(BUCHAREST).replace(day=1) - timedelta(days=10)).replace(hour=12)


@pytest.fixture
def connect():
    """Connect's StartTaskContact (a detractor's follow-up task), stubbed."""
    with Stubber(aws.client("connect")) as stubber:
        stubber.add_response("start_task_contact", {"ContactId": "task-1"})
        yield stubber


def review(client, month=THIS_MONTH, lang="en"):
    response = client.http.get(f"/dashboard/review?month={month}&lang={lang}")
    assert response.status_code == 200, response.body
    return response


def test_the_month_shows_top_reasons_their_change_repeats_and_what_detractors_wrote(client, clock, connect):
    ana, ion = create_customer(client), create_customer(client, email="ion@example.ro", firstName="Ion")
    # Given last month 3 billing contacts and 1 delivery contact
    deliver(client, *[contact_record(None, reason="billing", start=BEFORE + timedelta(hours=i)) for i in range(3)],
            contact_record(None, reason="delivery", start=BEFORE))
    # And this month 2 billing contacts, and Ion asking twice about a delivery, an hour apart
    deliver(client, contact_record(None, reason="billing", start=NOON - timedelta(hours=5)),
            contact_record(None, reason="billing", start=NOON - timedelta(hours=4)),
            contact_record(ion, reason="delivery", start=NOON - timedelta(hours=3)),
            contact_record(ion, reason="delivery", start=NOON - timedelta(hours=2)))
    # And Ana, after a billing call, answers the survey as a detractor, leaving her number
    deliver(client, contact_record(ana, reason="billing"))
    [mail] = [m for m in invitations() if "ana.popescu@example.ro" in str(m.to)]
    assert client.http.post(link_of(mail), **form(csat=2, ces=3, nps=3,
                                                  comment="Billed twice, call me on 0722 123 456")).status_code == 200
    # When the business opens this month's review
    page = review(client).body.decode()
    # Then billing leads with 3 of 5 contacts (60 %), down from 75 % last month
    assert "Top contact reasons" in page
    billing = page[page.index('data-reason="billing"'):]
    assert "<td class=\"number\">3</td>" in billing[:400] and "60.0 %" in billing[:400]
    assert "−15.0 pp" in billing[:600]
    # And delivery is what customers come back for: 1 repeat of 2 (50 %)
    repeats = page[page.index('id="repeat-reasons"'):page.index('id="detractors"')]
    assert 'data-reason="delivery"' in repeats and "50.0 %" in repeats
    # And what the detractor wrote stands under billing, her number masked
    detractors = page[page.index('id="detractors"'):page.index('id="knowledge-gaps"')]
    assert 'data-reason="billing"' in detractors and "Billed twice, call me on ***56" in detractors
    assert "0722" not in page
    # And no cost section is shown while the metrics report has no cost per contact
    assert 'id="cost"' not in page
    # And the page carries no script and prints without its navigation
    response = review(client)
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert "<script" not in page and "@media print" in page


def test_a_quiet_month_says_nothing_was_counted_in_every_language(client):
    for lang, words in (("en", "Nothing counted"), ("ro", "Nimic înregistrat"), ("it", "Niente di registrato"),
                        ("hu", "nincs adat")):
        page = review(client, month="2026-01", lang=lang).body.decode()
        assert page.count(words) >= 3, lang


def test_the_cost_per_contact_trend_appears_when_the_metrics_report_has_it(client, monkeypatch):
    from chalicelib.metrics import report

    real = report.kpis

    def with_cost(query):
        answer = real(query)
        answer["totals"]["costPerContact"] = 4.25 if query["from"].startswith(THIS_MONTH) else 5.5
        answer["currency"] = "EUR"
        return answer

    monkeypatch.setattr(report, "kpis", with_cost)
    page = review(client).body.decode()
    cost = page[page.index('id="cost"'):page.index('id="quality"')]
    assert cost.count("<tr data-month=") == 6
    assert f'data-month="{THIS_MONTH}"' in cost and "4.25 EUR" in cost and "5.50 EUR" in cost


def test_a_bad_month_is_refused_naming_it(client):
    response = client.http.get("/dashboard/review?month=2026-13")
    assert response.status_code == 400 and "month must be YYYY-MM" in json.loads(response.body)["Message"]
    response = client.http.get("/dashboard/review?week=2026-W01")
    assert response.status_code == 400
    assert json.loads(response.body)["Message"] == "unknown parameter(s): week; allowed: lang, month"
