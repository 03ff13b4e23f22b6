"""The dashboard as a supervisor sees it in a browser: the day against the same weekday
last week, trend charts with one point per day, cost per contact with how it was
computed, the table by queue, a CSV that holds the figures the API gives, and an
empty day that breaks nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.dashboard_data import COST_MODEL, WFM_QUEUES, call, deliver

DAY = datetime(2025, 5, 14, 8, 0, tzinfo=UTC)


@pytest.fixture
def calls(client, settings_env):
    settings_env(WFM_QUEUES=WFM_QUEUES, COST_MODEL=COST_MODEL)
    deliver(client,
            call("d-1", DAY, wait=10), call("d-2", DAY + timedelta(minutes=5), wait=45, agent="andrei.p"),
            call("d-3", DAY + timedelta(minutes=9), wait=90, agent=None),
            call("d-4", DAY + timedelta(minutes=12), queue="Sales", wait=45, reason="sales"),
            call("w-1", DAY - timedelta(days=7), wait=5))


def tile(page, kpi):
    return page.locator(f"#tiles li[data-kpi='{kpi}']")


def opened(page, site, query="day=2025-05-14"):
    response = page.goto(f"{site}/dashboard?{query}")
    page.locator("#dashboard[data-loaded]").wait_for(state="attached")
    return response


def test_the_day_against_last_week_with_charts_cost_and_queues(calls, site, page):
    # When a supervisor (Romanian browser) opens the dashboard for Wednesday 14 May
    response = opened(page, site)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.get_by_role("heading", level=1).inner_text() == "Tablou de bord"
    # Then the day's contacts are shown against the same weekday last week, in words too
    assert tile(page, "contacts").locator(".value").inner_text() == "4"
    assert tile(page, "contacts").locator(".change").inner_text() == "săptămâna trecută: 1 (în creștere)"
    assert tile(page, "serviceLevelPercent").locator(".value").inner_text() == "50 %"
    assert tile(page, "serviceLevelPercent").locator(".change").inner_text() == "săptămâna trecută: 100 % (în scădere)"
    assert "2025-05-14" in page.locator("#period").inner_text() and "2025-05-07" in page.locator("#period").inner_text()
    # And the trend charts have one point per day of the last 14 days, drawn and in a table
    contacts = page.locator("#chart-contacts")
    assert contacts.get_attribute("data-points") == "14"
    assert contacts.locator("canvas").count() == 1
    assert contacts.locator("table.points tbody tr").count() == 14
    # (the table is folded under "Cifrele" until opened)
    contacts.get_by_text("Cifrele").click()
    assert contacts.locator("table.points tbody tr").last.locator("th, td").all_inner_texts() == ["2025-05-14", "4"]
    # When they choose 30 days, every chart has 30 points
    page.get_by_label("Zile afișate").select_option("30")
    for chart in ("contacts", "serviceLevelPercent", "averageHandleSeconds", "costPerContact"):
        assert page.locator(f"#chart-{chart}").get_attribute("data-points") == "30"
    assert contacts.locator("table.points tbody tr").count() == 30
    # And the cost per contact comes with how it was computed
    assert "pe contact" in page.locator("#cost-summary").inner_text()
    parts = page.locator("#cost-parts tbody tr")
    assert parts.filter(has_text="Timpul agenților").count() == 1
    assert parts.filter(has_text="Telefonie (intrare, RO)").count() == 1
    # And each queue has its row, the day above last week's figure
    rows = page.locator("#groups tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())] == ["Billing", "Sales"]
    assert rows.nth(0).locator("td").first.inner_text().split("\n") == ["3", "1"]


def test_grouping_by_agent_redraws_the_table(calls, site, page):
    opened(page, site)
    page.get_by_label("După").select_option("agent")
    page.locator("#dashboard[data-loaded='2025-05-14/agent']").wait_for(state="attached")
    assert page.locator("#group-name").inner_text() == "Agent"
    names = page.locator("#groups tbody th").all_inner_texts()
    assert names == ["ioana.m", "andrei.p", "unassigned"]
    assert "by=agent" in page.url


def test_the_csv_download_holds_the_figures_the_api_gives(calls, site, page):
    opened(page, site)
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Descarcă CSV").click()
    download = waiting.value
    assert download.suggested_filename == "dashboard-2025-05-14-by-queue.csv"
    with open(download.path(), encoding="utf-8") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    api = json.loads(page.request.get(f"{site}/dashboard/data?day=2025-05-14&by=queue").text())
    expected = [("total", "all", api["today"]), ("total", "all", api["lastWeek"])]
    for group in api["groups"]:
        expected += [("queue", group["value"], group["today"]), ("queue", group["value"], group["lastWeek"])]
    assert len(rows) == len(expected) == 6
    for row, (scope, value, figures) in zip(rows, expected, strict=True):
        assert (row["scope"], row["value"]) == (scope, value)
        for kpi in ("contacts", "serviceLevelPercent", "averageHandleSeconds", "costPerContact"):
            assert row[kpi] == ("" if figures[kpi] is None else str(figures[kpi])), (scope, value, kpi)


def test_an_empty_day_says_so_and_breaks_nothing(client, site, page):
    # Given nothing was counted
    opened(page, site, "day=2025-05-14&by=reason&range=30")
    # Then the page says so, the figures are dashes, and the charts still have their 30 days
    assert page.locator("#empty").is_visible()
    assert tile(page, "contacts").locator(".value").inner_text() == "0"
    assert tile(page, "serviceLevelPercent").locator(".value").inner_text() == "–"
    assert page.locator("#chart-contacts").get_attribute("data-points") == "30"
    assert page.locator("#groups tbody tr").count() == 0
    assert page.locator("#problem").is_hidden()
