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


AMBER = "rgb(255, 241, 194)"


def test_a_supervisor_sees_the_service_level_today_and_too_few_agents_online_for_the_plan(
        client, settings_env, site, page, monkeypatch):
    from chalicelib.floor import view
    from tests.dashboard_data import call
    from tests.dashboard_data import deliver as deliver_records
    from tests.integration.test_floor import WFM_QUEUES, agent_event, deliver_agents, recent_noon, store_plan

    # Given Billing answered 1 of its 3 calls today within 20 s
    settings_env(FLOOR_THRESHOLDS=THRESHOLDS, WFM_QUEUES=WFM_QUEUES)
    now = recent_noon()
    monkeypatch.setattr(view, "utcnow", lambda: now)
    deliver_records(client, call("d-1", now - timedelta(hours=2), wait=10),
                    call("d-2", now - timedelta(hours=1), wait=45),
                    call("d-3", now - timedelta(minutes=30), wait=90, agent=None))
    # And its plan needs 2 agents now (one on voice, one on chat), and 2 are online
    store_plan("Billing", {"VOICE": 1, "CHAT": 1}, now)
    deliver_agents(client, agent_event("STATE_CHANGE", now - timedelta(seconds=60), agent="a-1"),
                   agent_event("STATE_CHANGE", now - timedelta(seconds=50), contact_state="CONNECTED", agent="a-2"))
    page.clock.install()
    # When the supervisor opens the floor (Romanian browser)
    page.goto(site + "/dashboard/floor")
    billing = row(page, "Billing")
    # Then Billing shows its service level against its threshold, and enough agents
    assert billing.locator(".service-level").inner_text() == "33.3 % preluate în cel mult 20 s"
    staffing = billing.locator(".staffing")
    assert staffing.inner_text() == "necesari 2, conectați 2"
    assert staffing.evaluate("e => getComputedStyle(e).backgroundColor") != AMBER
    # And Sales, with no contact today and no plan, says so and shows no staffing figure
    assert row(page, "Sales").locator(".service-level").inner_text() == "Niciun contact azi încă"
    assert row(page, "Sales").locator(".staffing").inner_text() == ""
    # When an agent logs out and the page refreshes
    deliver_agents(client, agent_event("LOGOUT", now - timedelta(seconds=10), status="Offline",
                                       status_type="OFFLINE", agent="a-1"))
    page.clock.run_for(15_000)
    # Then the staffing figure turns amber and says too few agents are online
    page.get_by_text("prea puțini agenți").wait_for()
    assert staffing.inner_text() == "necesari 2, conectați 1: prea puțini agenți"
    assert staffing.evaluate("e => getComputedStyle(e).backgroundColor") == AMBER
    assert billing.locator(".service-level").inner_text() == "33.3 % preluate în cel mult 20 s"
