"""E-mail: messages in each customer's language, sent once, never to someone who
opted out or whose address bounced. Every e-mail SES accepted is written to
out/emails/ as .html and .txt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from devkit.demo.stage import OUT, Stage


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _show(stage: Stage, who: str, outcome: object) -> None:
    document = outcome.document() if hasattr(outcome, "document") else outcome
    stage.transcript.say(who)
    note = f"{document['status']}" + (" (already handled: nothing sent again)" if document.get("duplicate") else "")
    if document.get("errorCode"):
        note += f", {document['errorCode']}: {document['error']}"
    stage.transcript.detail(document["messageKey"], note)


def run(stage: Stage) -> None:
    import uuid

    from chalicelib.db import utcnow
    from chalicelib.notify.service import notifier
    from chalicelib.settings import get_settings
    from devkit.mailbox import sent_emails, write_out

    stage.transcript.act("E-mail in the customer's language, sent once")
    ana, giulia, eszter, james = (stage.customers[k]["id"] for k in ("ana", "giulia", "eszter", "james"))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    send = notifier()

    # An agent's tool sends Ana the summary of her call, in Romanian.
    status, document = stage.http("POST", f"/customers/{ana}/messages", {
        "template": "contact_summary", "idempotencyKey": "contact:demo-ana-1",
        "variables": {"contact_at": _iso(now - timedelta(minutes=12)), "channel": "voice", "agent_name": "Mihai",
                      "done": ["Am verificat livrarea comenzii 100-4821",
                               "Am programat o nouă livrare cu curierul"],
                      "case_number": "CASE-1042", "next_step": "Curierul vă va suna înainte de livrare.",
                      "next_step_by": (now + timedelta(days=2)).date().isoformat()}})
    _show(stage, f"Agent's tool: POST /customers/{{ana}}/messages -> {status}", document)

    giulia_return = {"order_number": "100-4822", "awb_number": "BRT-5531-0097-IT", "carrier": "BRT",
                     "label_url": "https://care.lumen.example/labels/BRT-5531-0097-IT.pdf",
                     "pickup_on": (now + timedelta(days=1)).date().isoformat(),
                     "refund": {"amount": "89.90", "currency": "EUR"}}
    _show(stage, "Return journey: Giulia's return label (Italian, AWB and label link)",
          send.send_to_customer(giulia, "return_label", giulia_return, "return:R-2001"))
    _show(stage, "The same return event delivered again",
          send.send_to_customer(giulia, "return_label", giulia_return, "return:R-2001"))

    budapest = ZoneInfo("Europe/Budapest")
    visit_at = datetime.combine((now + timedelta(days=3)).date(), time(9, 30), tzinfo=budapest)
    visit = {"reference": "APT-3107", "appointment_at": _iso(visit_at),
             "service": "Kardiológiai konzultáció", "practitioner": "Dr. Kovács Péter",
             "location": "Lumen Klinika Buda", "address": "Szilágyi Erzsébet fasor 12, Budapest",
             "instructions": ["Hozza magával személyi igazolványát és korábbi leleteit",
                              "A vizsgálat előtt 8 óráig ne egyen"]}
    _show(stage, "Clinic: Eszter's appointment confirmation (Hungarian, Budapest time)",
          send.send_to_customer(eszter, "appointment_confirmation", visit, "appointment:APT-3107:confirmed"))

    survey = {"survey_url": "https://care.lumen.example/s/demo-james", "contact_at": _iso(now - timedelta(hours=1)),
              "channel": "chat", "expires_on": (now + timedelta(days=7)).date().isoformat()}
    _show(stage, "Survey invitation to James (English, with one-click unsubscribe)",
          send.send_to_customer(james, "survey_invitation", survey, "contact:demo-james-1"))
    _show(stage, "Supervisor alert for a detractor", send.send_to_staff("supervisor_alert", {
        "alert": "detractor", "customer_id": james, "metric": "nps", "score": 4, "queue": "VIP",
        "comment": "Quick answer, but I had to explain everything twice."}, "survey:demo-james-1:alert"))

    stage.transcript.act("Opt-outs, bounces and bad input: nothing is sent")
    link = sent_emails()[-2].header("List-Unsubscribe")[1:-1]
    path = link.split("/api", 1)[1]
    response = stage.client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"},
                                      body="List-Unsubscribe=One-Click")
    stage.transcript.say(f"James's mail app uses the one-click unsubscribe link -> {response.status_code}")
    _show(stage, "The next survey for James",
          send.send_to_customer(james, "survey_invitation", survey, "contact:demo-james-2"))

    confirmation = next(m for m in sent_emails() if m.header("Content-Language") == "hu")
    bounce = {"notificationType": "Bounce", "mail": {"messageId": confirmation.message_id,
                                                     "destination": ["eszter.nagy@example.hu"]},
              "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                         "bouncedRecipients": [{"emailAddress": "eszter.nagy@example.hu", "status": "5.1.1"}]}}
    topic = get_settings().ses_feedback_topic_arn
    stage.invoke("on_ses_feedback", {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": {
        "Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic, "Subject": None,
        "Message": json.dumps(bounce), "Timestamp": utcnow().isoformat(), "MessageAttributes": {}}}]})
    stage.transcript.say("SES reports through SNS that Eszter's address bounced for good")
    _show(stage, "Her appointment reminder", send.send_to_customer(
        eszter, "appointment_reminder", {k: v for k, v in visit.items() if k != "instructions"},
        "appointment:APT-3107:reminder-24h"))
    _show(stage, "An event whose case title tries to smuggle in a Bcc header", send.send_to_customer(
        ana, "case_opened", {"case_number": "CASE-1043", "title": "Parcel\r\nBcc: everyone@example.com",
                             "opened_at": _iso(now)}, "case:CASE-1043:opened"))

    emails = sent_emails()
    written = write_out(emails, OUT / "emails")
    stage.transcript.act(f"{len(emails)} e-mails accepted by SES, written to {OUT / 'emails'}/")
    for mail, path in zip(emails, written, strict=True):
        stage.transcript.say(f"{mail.header('Content-Language')}  {mail.subject}")
        stage.transcript.detail("open", f"{path} (and .txt)")
