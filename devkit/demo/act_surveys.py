"""Post-contact surveys: contacts end, customers are asked (in the call, or by an
e-mailed link), answer, and the scores reach the supervisor's report, the profile
and, when they are bad, a follow-up task and an alert."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chalicelib.db import utcnow
from devkit.demo.act_calls import CLOCK
from devkit.demo.act_timeline import Contact, _report
from devkit.demo.stage import OUT, Stage

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_LINK = re.compile(r"/api(/s/[A-Za-z0-9_.-]+)")
_TEXT = re.compile(r"<[^>]+>")
ERROR = r'<p class="error"[^>]*>(.*?)</p>'
STATUS = r'<p role="status">(.*?)</p>'
ALERT = r'<p role="alert">(.*?)</p>'


@contextmanager
def quiet_hours(window: str) -> Iterator[None]:
    """Run with SURVEY_QUIET_HOURS set to `window`, as a deployment would configure it."""
    from chalicelib import settings

    before = settings.get_settings()
    settings._current = dataclasses.replace(before, survey_quiet_hours=window)
    try:
        yield
    finally:
        settings._current = before


def _window(zone: str, start_hours: float, length_hours: float) -> str:
    """A quiet-hours window starting `start_hours` from now in `zone` (negative: it has begun)."""
    local = datetime.now(ZoneInfo(zone))
    start = local + timedelta(hours=start_hours)
    end = start + timedelta(hours=length_hours)
    return f"{start:%H:%M}-{end:%H:%M}"


def _invitations(stage: Stage) -> list[Any]:
    from devkit.mailbox import sent_emails

    return [m for m in sent_emails() if _LINK.search(m.text)]


def _page_text(body: bytes, pattern: str) -> str:
    text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    found = re.search(pattern, text, re.S)
    return _TEXT.sub("", found.group(1)).strip() if found else ""


def _post(stage: Stage, path: str, **answers: Any) -> Any:
    return stage.client.http.post(path, headers=FORM, body=urlencode(answers))


def _survey(contact_id: str) -> Any:
    from chalicelib.surveys.models import SurveyModel

    try:
        return SurveyModel.get(contact_id, consistent_read=True)
    except SurveyModel.DoesNotExist:
        return None


def _earlier_contacts(stage: Stage) -> None:
    """What became of the contacts the timeline act reported."""
    from chalicelib.surveys.models import SurveyModel

    t = stage.transcript
    t.say("The contacts of the previous act ended too; each was considered once, as its record arrived:")
    for key in ("ana", "james"):
        customer = stage.customers[key]
        surveys = [_survey(s.survey_id) for s in SurveyModel.by_customer.query(customer["id"])]
        for survey in surveys:
            note = survey.reason or ("waits for the end of quiet hours" if survey.status == "scheduled" else "")
            what = {"VOICE": "call", "CHAT": "chat", "EMAIL": "e-mail"}.get(survey.channel, "contact")
            t.detail(f"{customer['firstName']}'s {what} ({survey.definition_id})",
                     f"{survey.status}{' - ' + note if note else ''}")
        if not surveys:
            t.detail(f"{customer['firstName']}", "no survey: the call was abandoned before an agent answered")


def _post_call_survey(stage: Stage) -> None:
    from app import app
    from deploy import flows
    from devkit.call import local_simulator
    from devkit.flowsim import Customer

    t = stage.transcript
    giulia = stage.customers["giulia"]
    simulator = local_simulator(stage.client, app, at=CLOCK)
    contact_id = "demo-giulia-call"
    t.say("Giulia calls; the inbound flow recognises her and keeps her on the line for the post-call survey:")
    inbound = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+393331234567"),
                            contact_id=contact_id)
    for step in inbound.steps:
        if step.kind == "hook":
            t.detail("hook", step.text)
    t.say("The agent hangs up; Giulia presses 5 (satisfied), 6 (easy) and 9 (a promoter):")
    survey = simulator.run(flows.render("post_call_survey", "local"),
                           Customer(address="+393331234567", inputs=["5", "6", "9"],
                                    attributes=inbound.attributes), contact_id=contact_id)
    for step in survey.steps:
        if step.kind == "hear":
            t.detail("hears", f'"{step.text}"')
        elif step.kind == "input":
            t.detail("enters", step.text)
        elif step.kind == "lambda":
            answer = step.detail.get("answer") or {}
            t.detail(step.text, {k: v for k, v in answer.items() if v})
    now = utcnow().replace(microsecond=0)
    call = Contact("VOICE", now - timedelta(minutes=14), "Returns", "luca.b", wait=25, talk=420, acw=30,
                   contact_id=contact_id, attributes={"customerId": giulia["id"], "contactReason": "return"})
    _report(stage, [call])
    stored = _survey(contact_id)
    t.say("Her contact record arrives: no e-mail survey for a call she already answered, and her answers are")
    t.detail("filed like the call's KPIs", {"queue": stored.queue, "agent": stored.agent, "source": stored.source,
                                            "scores": stored.scores.as_dict()})


def _email_survey(stage: Stage) -> tuple[str, str]:
    t = stage.transcript
    eszter = stage.customers["eszter"]
    now = utcnow().replace(microsecond=0)
    window = _window("Europe/Budapest", 3, 2)
    t.say(f"Eszter e-mailed the support team about a late delivery; an agent answered and closed the contact "
          f"(quiet hours set to {window} for the demo, so it is not quiet in Budapest now).")
    email = Contact("EMAIL", now - timedelta(minutes=40), "Delivery", "maria.t", wait=600, talk=300, acw=60,
                    contact_id="demo-eszter-email",
                    attributes={"customerId": eszter["id"], "contactReason": "delivery"})
    before = len(_invitations(stage))
    with quiet_hours(window):
        _report(stage, [email])
        _report(stage, [email])  # Kinesis delivers the record again
    mails = _invitations(stage)[before:]
    t.detail("invitations sent (the record came twice)", len(mails))
    mail = mails[0]
    t.detail(mail.header("Content-Language"), mail.subject)
    path = _LINK.search(mail.text).group(1)
    t.detail("link", path[:40] + "…")

    page = stage.client.http.get(path)
    t.say(f"Eszter opens it: GET /s/{{token}} -> {page.status_code}, "
          f"{_page_text(page.body, r'<h1>(.*?)</h1>')!r}, "
          f"{page.body.decode().count('<fieldset')} questions, the first: "
          f"{_page_text(page.body, r'<legend>(.*?)</legend>')!r}")
    wrong = _post(stage, path, csat=2, ces=9, nps=3)
    t.say(f"She sends CES 9 by tampering with the form: {wrong.status_code}, "
          f"{_page_text(wrong.body, ERROR)!r}; nothing recorded")
    comment = "Háromszor kellett elmondanom ugyanazt, és a csomag még mindig nem érkezett meg."
    done = _post(stage, path, csat=2, ces=3, nps=3, comment=comment)
    t.say(f"She answers CSAT 2, CES 3, NPS 3 with a comment: {done.status_code}, "
          f"{_page_text(done.body, STATUS)!r}")
    replay = _post(stage, path, csat=5, ces=7, nps=10)
    t.say(f"The same link once more: {replay.status_code}, {_page_text(replay.body, ALERT)!r}")
    t.say("A detractor: a follow-up task goes to the follow-up queue (Connect has no local backend; the call")
    t.say("was validated by botocore and recorded), and the supervisors are alerted by e-mail:")
    if stage.recorder is not None:
        stage.show_recorded("StartTaskContact")
    return eszter["id"], path


def _quiet_hours(stage: Stage) -> None:
    import boto3

    from chalicelib.settings import get_settings

    t = stage.transcript
    james = stage.customers["james"]
    now = utcnow().replace(microsecond=0)
    window = _window("Europe/London", -1, 10)
    t.say(f"James's chat with the VIP team ends during his quiet hours (set to {window} for the demo, so that "
          f"they include now in London):")
    chat = Contact("CHAT", now - timedelta(minutes=30), "VIP", "andrei.p", wait=5, talk=380, acw=20, method="API",
                   contact_id="demo-james-chat", attributes={"customerId": james["id"], "contactReason": "sales"})
    before = len(_invitations(stage))
    with quiet_hours(window):
        _report(stage, [chat])
    schedule = boto3.client("scheduler", region_name=get_settings().region).get_schedule(
        Name="survey-invite-demo-james-chat", GroupName=get_settings().schedule_group)
    t.detail("e-mails sent now", len(_invitations(stage)) - before)
    t.detail("EventBridge Scheduler", {k: schedule[k] for k in ("ScheduleExpression", "ScheduleExpressionTimezone",
                                                                "ActionAfterCompletion")})
    t.detail("its target", {"function": schedule["Target"]["Arn"].rsplit(":", 1)[-1],
                            "input": json.loads(schedule["Target"]["Input"])})
    t.say("When his quiet hours end, Scheduler calls scheduled_step (twice here: delivery is at least once):")
    for _ in range(2):
        answer = stage.invoke("scheduled_step", json.loads(schedule["Target"]["Input"]))
        t.detail("scheduled_step answered", answer)
    mail = _invitations(stage)[-1]
    t.detail(mail.header("Content-Language"), mail.subject)
    done = _post(stage, _LINK.search(mail.text).group(1), csat=5, ces=6)
    t.detail("James answers CSAT 5, CES 6", done.status_code)


def _report_and_profile(stage: Stage, eszter_id: str) -> None:
    from chalicelib.settings import get_settings

    t = stage.transcript
    zone = ZoneInfo(get_settings().metrics_time_zone)
    today = utcnow().astimezone(zone).date()
    start = today - timedelta(days=2)
    status, report = stage.http("GET", f"/metrics?from={start}&to={today}&by=queue")
    totals = report["totals"]
    t.say(f"GET /metrics?from={start}&to={today}&by=queue -> {status}: scores from counters, next to the KPIs")
    t.say(f"  total: {totals['contacts']} contacts, {totals.get('surveysAnswered', 0)} surveys answered, "
          f"NPS {totals['npsScore']}, CSAT {totals['csatPercent']}% satisfied (avg {totals['csatAverage']}), "
          f"CES avg {totals['cesAverage']} ({totals['cesEasyPercent']}% easy), FCR {totals['fcrPercent']}%")
    for group in report["groups"]:
        if group.get("surveysAnswered"):
            shown = {k: "-" if group[k] is None else group[k] for k in ("npsScore", "csatPercent", "cesAverage")}
            t.say(f"  {group['value']:<10} NPS={shown['npsScore']} CSAT%={shown['csatPercent']} "
                  f"CES={shown['cesAverage']} (answers: {group['surveysAnswered']})")
    event = {"Name": "ContactFlowEvent", "Details": {"Parameters": {"customerId": eszter_id}, "ContactData": {
        "Attributes": {}, "Channel": "CHAT", "ContactId": "demo-eszter-next", "InitialContactId": "demo-eszter-next",
        "InitiationMethod": "API", "CustomerEndpoint": None, "Queue": None}}}
    answer = stage.invoke("lookup_customer", event)
    t.say("Eszter writes again; lookup_customer tells the flow how her last survey went:")
    t.detail("lookup_customer answered", {k: answer[k] for k in (
        "lastNps", "lastCsat", "daysSinceLastSurvey", "recentDetractor", "offerSurvey")})


def run(stage: Stage) -> None:
    from devkit.mailbox import sent_emails, write_out

    stage.transcript.act("Post-contact surveys: NPS, CSAT and CES, with the loop closed")
    _earlier_contacts(stage)
    _post_call_survey(stage)
    eszter_id, _ = _email_survey(stage)
    _quiet_hours(stage)
    _report_and_profile(stage, eszter_id)
    written = write_out(sent_emails(), OUT / "emails")
    stage.transcript.say(f"E-mails so far written to {OUT / 'emails'}/ ({len(written)}), among them:")
    for mail, path in zip(sent_emails(), written, strict=True):
        if _LINK.search(mail.text) or "supervisors@" in mail.to:
            stage.transcript.detail(mail.subject, path)
