"""The live floor as a supervisor sees it in a browser: queues, waits, and a queue
turning red, saying so in words, when its oldest contact passes the threshold."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.integration.test_floor import BILLING, SALES, contact_event, deliver

THRESHOLDS = json.dumps({BILLING: {"name": "Billing", "warnSeconds": 20, "alertSeconds": 30},
                         SALES: {"name": "Sales", "warnSeconds": 60, "alertSeconds": 120}})
RED = "rgb(179, 38, 30)"


def row(page, name):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def test_a_queue_turns_red_and_says_over_threshold_when_its_oldest_contact_passes_it(
        client, settings_env, site, page, monkeypatch):
    from chalicelib.db import utcnow
    from chalicelib.floor import view

    # Given Billing alerts at 30 s, and a caller has waited 28 s (the floor's clock is the test's)
    settings_env(FLOOR_THRESHOLDS=THRESHOLDS)
    queued_at = utcnow()
    clock = {"now": queued_at + timedelta(seconds=28)}
    monkeypatch.setattr(view, "utcnow", lambda: clock["now"])
    deliver(client, contact_event("QUEUED", "c-1", queued_at),
            contact_event("QUEUED", "c-2", queued_at + timedelta(seconds=20), channel="CHAT"))
    page.clock.install()  # the page's 15 s refresh runs when the test says
    # When the supervisor opens the floor (Romanian browser)
    response = page.goto(site + "/dashboard/floor")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    # Then Billing shows 2 waiting, the oldest for 28 s: near its threshold, not red
    billing = row(page, "Billing")
    assert billing.get_by_role("cell").nth(0).inner_text() == "2"
    assert "voce 1" in billing.inner_text() and "chat 1" in billing.inner_text()
    assert billing.locator(".oldest").inner_text() == "28 s"
    assert "Aproape de prag" in billing.inner_text()
    assert billing.locator(".status").evaluate("e => getComputedStyle(e).backgroundColor") != RED
    # When the caller's wait passes 30 s and the page refreshes
    clock["now"] = queued_at + timedelta(seconds=75)
    page.clock.run_for(15_000)
    # Then the queue is red and says it is over threshold, the wait with its units
    page.get_by_text("Peste prag").wait_for()
    assert billing.locator(".status").evaluate("e => getComputedStyle(e).backgroundColor") == RED
    assert billing.locator(".oldest").inner_text() == "1 min 15 s"
    # And Sales, with no one waiting, stays within its threshold
    assert "Nimeni în așteptare" in row(page, "Sales").inner_text()
    assert "În limite" in row(page, "Sales").inner_text()


def test_an_empty_floor_renders_and_refreshes_without_errors(client, settings_env, site, page):
    # Given queues are set up and no one is waiting
    settings_env(FLOOR_THRESHOLDS=THRESHOLDS)
    page.clock.install()
    page.goto(site + "/dashboard/floor")
    for name in ("Billing", "Sales"):
        assert "Nimeni în așteptare" in row(page, name).inner_text()
        assert "În limite" in row(page, name).inner_text()
    # When the page refreshes, it still reads the same, and says nothing went wrong
    page.clock.run_for(15_000)
    page.wait_for_load_state("networkidle")
    assert page.locator("#stale").is_hidden()
    assert row(page, "Billing").get_by_role("cell").nth(0).inner_text() == "0"


def test_a_floor_with_no_queues_set_up_says_how_to_set_them_up(client, settings_env, site, browser):
    settings_env(FLOOR_THRESHOLDS="{}")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + "/dashboard/floor")
    assert page.get_by_role("heading", level=1).inner_text() == "Live floor"
    assert "FLOOR_THRESHOLDS" in page.locator("#no-queues").inner_text()
    context.close()
    assert errors == []
