"""Supervisors: 30 days of calls and chats arrive as contact records; the dashboard
reads the day against the same weekday last week, the trend and the cost per contact
from the KPI counters alone; a few callers wait on the live floor.

With Chromium installed, `make demo` photographs the live floor and the dashboard
(out/screens/)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from devkit.demo.screens import browser_page
from devkit.demo.stage import Stage

DAYS = 30
QUEUES = (("Billing", 20), ("Support", 35), ("Sales", 45))
AGENTS = ("ioana.m", "andrei.p", "giulia.r", "eszter.k", "mihai.d")
REASONS = {"Billing": ("billing", "account"), "Support": ("technical", "delivery", "return"), "Sales": ("sales",)}


def _records(now) -> list[dict]:
    """A month of traffic: busier on Mondays, quieter at weekends; one call in twelve
    abandoned, one in five a chat. Callers' numbers are withheld: the dashboard counts
    contacts, it needs no one's profile."""
    from tests.dashboard_data import call

    rng = random.Random(20250303)
    records = []
    for back in range(DAYS - 1, -1, -1):
        day = (now - timedelta(days=back)).replace(hour=7, minute=0, second=0, microsecond=0)
        weekday = day.weekday()
        volume = 1 if weekday >= 5 else 3 + (2 if weekday == 0 else 0) + rng.randrange(0, 3)
        for n in range(volume):
            queue, typical_wait = rng.choice(QUEUES)
            start = day + timedelta(minutes=rng.randrange(0, 9 * 60))
            if start > now:
                continue
            chat = rng.random() < 0.2
            records.append(call(
                f"demo-dash-{back:02d}-{n:02d}", start, queue=queue, wait=int(rng.expovariate(1 / typical_wait)),
                agent=None if rng.random() < 0.08 else rng.choice(AGENTS), talk=rng.randrange(90, 720),
                hold=rng.choice((0, 0, rng.randrange(10, 90))), acw=rng.randrange(20, 120),
                reason=rng.choice(REASONS[queue]), channel="CHAT" if chat else "VOICE",
                method="API" if chat else "INBOUND", customer=None))
    return records


def run(stage: Stage) -> None:
    from chalicelib.db import utcnow
    from chalicelib.metrics import counters
    from chalicelib.settings import get_settings
    from tests.dashboard_data import deliver

    t = stage.transcript
    t.act("Supervisors: the day and the trend, and what a contact costs")
    now = utcnow()
    records = _records(now)
    deliver(stage.client, *records)
    t.say(f"{len(records)} contact records over {DAYS} days arrive through on_contact_record")
    # The last whole weekday, whatever the time the demo runs at.
    shown_day = date.fromisoformat(counters.local_day(now, get_settings().metrics_time_zone)) - timedelta(days=1)
    while shown_day.weekday() >= 5:
        shown_day -= timedelta(days=1)
    day = shown_day.isoformat()
    status, shown = stage.http("GET", f"/dashboard/data?day={day}&by=queue")
    assert status == 200, shown
    today, before = shown["today"], shown["lastWeek"]
    t.say(f"GET /dashboard/data -> {status}: {shown['day']} against {shown['compareDay']} "
          f"(one Query per dimension and month, whatever the number of contacts)")
    for kpi in ("contacts", "serviceLevelPercent", "averageSpeedOfAnswerSeconds", "averageHandleSeconds",
                "abandonmentPercent", "costPerContact"):
        t.detail(kpi, f"{today[kpi]} (same weekday last week: {before[kpi]})")
    spent = today["cost"]
    if spent:
        t.say(f"Cost per contact {spent['perContact']} {spent['currency']}, computed as:")
        for part in spent["parts"]:
            where = f" {part.get('direction', '')} {part.get('country', '')}".rstrip() if part.get("country") else ""
            t.detail(part["part"] + where, f"{part['quantity']} {part['unit']} x {part['price']} = {part['amount']}")
    for group in shown["groups"]:
        t.detail(group["value"], f"{group['today']['contacts']} contacts, service level "
                                 f"{group['today']['serviceLevelPercent']} %, cost per contact "
                                 f"{group['today']['costPerContact']}")
    _waiting_on_the_floor(stage, now)
    if getattr(stage, "screens", False):
        screenshots(stage, day)


def _waiting_on_the_floor(stage: Stage, now) -> None:
    """Three callers waiting in Billing, the oldest past its alert threshold."""
    from tests.integration.test_floor import contact_event

    for n, seconds in enumerate((25, 70, 110)):
        stage.invoke("on_contact_event", contact_event("QUEUED", f"demo-floor-{n}", now - timedelta(seconds=seconds)))
    _, floor = stage.http("GET", "/floor")
    for queue in floor["queues"]:
        stage.transcript.detail(f"floor: {queue['name']}", f"{queue['waiting']} waiting, oldest "
                                                           f"{queue['oldestWaitSeconds']} s -> {queue['status']}")


def screenshots(stage: Stage, day: str) -> None:
    """The live floor and the dashboard in Debian's Chromium, into out/screens/."""
    with browser_page(stage, {"width": 1280, "height": 900}) as (page, base, screens):
        if page is None:
            return
        page.goto(f"{base}/dashboard/floor")
        page.screenshot(path=str(screens / "floor.png"), full_page=True)
        page.goto(f"{base}/dashboard?day={day}&by=queue&range=30")
        page.locator("#dashboard[data-loaded]").wait_for(state="attached")
        page.screenshot(path=str(screens / "dashboard.png"), full_page=True)
    stage.transcript.say("Screenshots: out/screens/floor.png, out/screens/dashboard.png")
