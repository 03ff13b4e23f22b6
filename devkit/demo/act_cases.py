"""Cases: Ana's e-mail about a double charge opens a billing case on Friday 27 November
2026 at 17:00; its first reply falls due across the weekend and two Romanian public
holidays; nobody answers in time, so the breach sends it to L2 with a Connect task; the
L2 agent reads what L1 did; Ana is told in Romanian; the supervisor's KPIs count it;
and the case is mirrored to Amazon Connect Cases."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from devkit.demo.act_retail_return import fire, schedule
from devkit.demo.stage import Stage

BUCHAREST = ZoneInfo("Europe/Bucharest")
FRIDAY_EVENING = datetime(2026, 11, 27, 17, 0, tzinfo=BUCHAREST)


@contextlib.contextmanager
def desk_clock() -> Iterator[object]:
    """The desk's clock, set by the act (the schedules still fire when told to)."""
    from chalicelib.cases import desk, sla_steps

    moments = {"now": FRIDAY_EVENING}
    saved = desk.utcnow, sla_steps.utcnow
    desk.utcnow = sla_steps.utcnow = lambda: moments["now"]
    try:
        yield moments
    finally:
        desk.utcnow, sla_steps.utcnow = saved


@contextlib.contextmanager
def connect_cases_domain() -> Iterator[None]:
    """A Connect Cases domain for this act (the recorder answers for it)."""
    from chalicelib import settings

    saved = settings._current
    settings._current = settings.load({**os.environ, "CONNECT_CASES_DOMAIN_ID": "d-7f3e2a10-demo",
                                       "CONNECT_CASES_TEMPLATE_ID": "t-billing-01"})
    try:
        yield
    finally:
        settings._current = saved


def _bucharest(text: str | None) -> str:
    return datetime.fromisoformat(text).astimezone(BUCHAREST).strftime("%A %d %B %H:%M") if text else "-"


def run(stage: Stage) -> None:
    from app import app
    from chalicelib.cases import sla_steps
    from chalicelib.cases.desk import Desk
    from chalicelib.settings import get_settings
    from deploy import flows
    from devkit.call import local_simulator
    from devkit.flowsim import Customer
    from devkit.mailbox import sent_emails

    t = stage.transcript
    t.act("Cases: a billing complaint escalates through the tiers on time")
    before = len(sent_emails())
    with connect_cases_domain(), desk_clock() as clock:
        # Friday 17:00: Ana's e-mail, through the inbound e-mail flow.
        email = Customer(channel="EMAIL", address="ana.popescu@example.ro", address_type="EMAIL_ADDRESS",
                         subject="Factura din noiembrie: am fost taxată de două ori")
        result = local_simulator(stage.client, app, at=FRIDAY_EVENING.replace(tzinfo=None)).run(
            flows.render("inbound_email", "local"), email)
        case_id = result.attributes.get("caseId", "")
        t.say("Friday 27 November 17:00: Ana e-mails about a double charge")
        t.detail("flow", f"queued in {result.queue}; case {case_id} ({result.attributes.get('caseStatus')})")
        t.detail("a minute later, step case_opened (schedules, timeline, Ana's e-mail, the mirror)",
                 fire(stage, schedule(f"case-opened-{case_id}")))
        # 17:05: the L1 agent makes it high priority and records the first playbook step.
        clock["now"] = datetime(2026, 11, 27, 17, 5, tzinfo=BUCHAREST)
        stage.http("POST", f"/cases/{case_id}/priority", {"priority": "high", "agent": "maria.ionescu"})
        _, case = stage.http("POST", f"/cases/{case_id}/steps", {
            "step": "verify_identity", "result": "verified by date of birth", "agent": "maria.ionescu"})
        first = case["sla"]["firstResponse"]
        t.say("17:05: Maria (L1) raises it to high priority and verifies Ana's identity")
        t.detail("first reply due (4 business hours, 09:00-18:00, RO holidays 30 Nov and 1 Dec)",
                 f"{_bucharest(first['dueAt'])}, warning {_bucharest(first['warningAt'])}")
        desk = Desk(get_settings())
        planned = {p.step["kind"]: p for p in sla_steps.plan(desk, desk.get(case_id))
                   if p.step["target"] == "firstResponse"}
        # Wednesday: the warning, then the breach, each a one-time schedule.
        for kind, moment in (("warning", datetime(2026, 12, 2, 11, 12, tzinfo=BUCHAREST)),
                             ("breach", datetime(2026, 12, 2, 12, 0, tzinfo=BUCHAREST))):
            clock["now"] = moment
            answer = fire(stage, schedule(planned[kind].name))
            t.detail(f"{moment:%A %H:%M} schedule {planned[kind].name}", answer)
        stage.show_recorded("StartTaskContact")
        again = fire(stage, schedule(planned["breach"].name))
        t.detail("the same breach delivered again", again)
        # The L2 agent opens the case in Romanian.
        _, seen = stage.http("GET", f"/cases/{case_id}?lang=ro")
        t.say(f"The L2 agent opens the case: {seen['tier']} in {seen['queue']}, {seen['status']}")
        for event in seen["events"]:
            shown = {k: event[k] for k in ("to", "step", "result", "fromTier", "toTier", "reasonCode", "skipped",
                                           "taskId") if event.get(k)}
            t.detail(f"{_bucharest(event['at'])} {event['action']} by {event['actor']}", shown)
        t.detail("L2 playbook (ro)", [step["text"]
                                      for step in seen["playbook"]][:3])
        for mail in [m for m in sent_emails()[before:] if case_id in m.text]:
            t.detail(f"e-mail to Ana ({mail.header('Content-Language')})", mail.subject)
        for operation in ("CreateCase", "CreateRelatedItem"):
            calls = stage.recorder.of(operation)
            t.detail(f"connectcases.{operation} (recorded)", f"{len(calls)} call(s)" + (
                f", first: {calls[0].params}" if operation == "CreateCase" and calls else ""))
            stage.recorder.calls[:] = [c for c in stage.recorder.calls if c.operation != operation]
    _, kpis = stage.http("GET", "/metrics?from=2026-11-27&to=2026-12-02")
    totals = kpis["totals"]
    t.detail("GET /metrics 27 Nov-2 Dec", {k: totals.get(k) for k in (
        "casesOpened", "caseSlaBreaches", "caseSlaBreachesL1", "casesEscalated", "casesEscalatedToL2")})
