"""Clinic appointments: the clinic's system books, reminders are scheduled, patients
answer on WhatsApp (Confirm, a message for the front desk, STOP in Romanian), a
no-show lands in /metrics; then Ana's new web chat picks up her earlier one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from devkit.demo.act_retail_return import fire, schedule, show_whatsapp
from devkit.demo.stage import OUT, Stage

TOPIC = "arn:aws:sns:eu-central-1:123456789012:cc-local-whatsapp-events"


def whatsapp_event(sender: str, message: dict[str, Any]) -> dict[str, Any]:
    """What End User Messaging Social publishes to SNS for one customer message, as
    Lambda receives it (an SNS record around AWS's header around Meta's webhook entry)."""
    from chalicelib.db import utcnow

    message = {"from": sender.lstrip("+"), "id": f"wamid.{uuid.uuid4().hex}",
               "timestamp": str(int(utcnow().timestamp())), **message}
    entry = {"id": "1393727385109399", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "40312345000",
                                                      "phone_number_id": "729155140271006"},
        "contacts": [{"profile": {"name": "Patient"}, "wa_id": sender.lstrip("+")}], "messages": [message]}}]}
    note = {"context": {"MetaWabaIds": [{"wabaId": "1393727385109399"}],
                        "MetaPhoneNumberIds": [{"metaPhoneNumberId": "729155140271006"}]},
            "whatsAppWebhookEntry": json.dumps(entry, ensure_ascii=False), "aws_account_id": "123456789012",
            "message_timestamp": utcnow().isoformat(), "messageId": str(uuid.uuid4())}
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{TOPIC}:sub",
                         "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": TOPIC,
                                 "Subject": None, "Message": json.dumps(note, ensure_ascii=False),
                                 "Timestamp": utcnow().isoformat(), "MessageAttributes": {}}}]}


def show_recorded(stage: Stage, operation: str) -> None:
    if stage.recorder:
        stage.show_recorded(operation)


def run(stage: Stage) -> None:
    from chalicelib.clinic.models import AppointmentModel
    from chalicelib.db import utcnow
    from chalicelib.metrics import counters
    from chalicelib.settings import get_settings
    from devkit.mailbox import sent_emails, write_out

    t = stage.transcript
    t.act("Clinic appointments: phone line kept, WhatsApp confirmations, e-mail instructions")
    bucharest = ZoneInfo("Europe/Bucharest")
    visit_at = datetime.combine((utcnow() + timedelta(days=5)).date(), time(9, 30), tzinfo=bucharest)
    ioana = {"appointmentId": "APT-20931", "startsAt": visit_at.isoformat(), "durationMinutes": 30,
             "service": "Consultație cardiologie", "practitioner": "Dr. Elena Ionescu",
             "location": "Clinica Lumen Victoriei", "address": "Calea Victoriei 155, București",
             "instructions": ["Nu mâncați cu 8 ore înainte de consultație",
                              "Aduceți buletinul și analizele anterioare"],
             "arriveMinutesEarly": 15,
             "patient": {"firstName": "Ioana", "lastName": "Marin", "whatsapp": "+40 745 112 233",
                         "email": "ioana.marin@example.ro", "preferredLanguage": "ro-RO"}}
    before = len(sent_emails())
    status, booked = stage.http("POST", "/appointments", ioana)
    t.say(f"The clinic's system books Ioana (a new patient): POST /appointments -> {status}")
    t.detail("appointment", {k: booked[k] for k in ("id", "status", "startsAt", "service")})
    again, _ = stage.http("POST", "/appointments", ioana)
    t.detail("the same request sent again", f"{again} (nothing booked or sent twice)")
    bad, answer = stage.http("POST", "/appointments", {**ioana, "appointmentId": "APT-20932",
                                                       "startsAt": "2026-03-12T09:30:00"})
    t.detail("a booking without a time zone", f"{bad}: {answer['Message']}")
    for mail in sent_emails()[before:]:
        t.detail("e-mail", mail.subject)
    t.say("Scheduled with EventBridge Scheduler (one-time, deleted once run):")
    for name in ("apt-APT-20931-r48h", "apt-APT-20931-r24h", "apt-APT-20931-attendance"):
        found = schedule(name)
        t.detail(name, f"{found['ScheduleExpression']} -> {json.loads(found['Target']['Input'])}")

    t.say("Two days before the visit the first reminder runs: WhatsApp with buttons, instructions by e-mail")
    t.detail("scheduled_step answered", fire(stage, schedule("apt-APT-20931-r48h")))
    show_whatsapp(stage)

    tap = whatsapp_event("+40745112233", {"type": "button", "button": {
        "text": "Confirmă", "payload": "appointment:APT-20931:confirm"},
        "context": {"from": "40312345000", "id": "wamid.reminder"}})
    stage.invoke("on_whatsapp_event", tap)
    t.say("Ioana taps Confirm (End User Messaging Social -> SNS -> on_whatsapp_event)")
    t.detail("appointment status", AppointmentModel.get("APT-20931").status)
    show_whatsapp(stage)
    stage.invoke("on_whatsapp_event", tap)
    t.detail("SNS delivers the same message again", f"status {AppointmentModel.get('APT-20931').status}, "
                                                    "nothing sent again")
    t.detail("the 24-hour reminder", fire(stage, schedule("apt-APT-20931-r24h")))

    eszter = stage.customers["eszter"]
    visit = {"appointmentId": "APT-3107", "customerId": eszter["id"],
             "startsAt": (visit_at + timedelta(days=1)).astimezone(ZoneInfo("Europe/Budapest")).isoformat(),
             "service": "Kardiológiai konzultáció", "location": "Lumen Klinika Buda",
             "address": "Szilágyi Erzsébet fasor 12, Budapest"}
    stage.http("POST", "/appointments", visit)
    stage.invoke("on_whatsapp_event", whatsapp_event(eszter["whatsapp"], {
        "type": "text", "text": {"body": "Jó napot! Késni fogok körülbelül 10 percet, gond?"}}))
    t.say("Eszter (booked too) writes a question on WhatsApp: a task for the front desk")
    show_recorded(stage, "StartTaskContact")

    mihai = {"appointmentId": "APT-4410", "startsAt": (utcnow() + timedelta(minutes=5)).isoformat(),
             "service": "Analize de sânge", "location": "Clinica Lumen Victoriei",
             "address": "Calea Victoriei 155, București",
             "patient": {"firstName": "Mihai", "whatsapp": "+40 733 000 111", "email": "mihai@example.ro",
                         "preferredLanguage": "ro-RO"}}
    stage.http("POST", "/appointments", mihai)
    stage.invoke("on_whatsapp_event", whatsapp_event("+40733000111", {"type": "text", "text": {"body": "OPRIRE"}}))
    status, profile = stage.http("GET", "/customers?whatsapp=%2B40733000111")
    t.say("Mihai, booked for this morning, answers a message with OPRIRE (Romanian for STOP)")
    t.detail("his WhatsApp consent", profile["consent"]["whatsapp"])
    t.say("Nobody confirmed Mihai's visit and the clinic reported no attendance: the check after it runs")
    t.detail("scheduled_step answered", fire(stage, schedule("apt-APT-4410-attendance")))
    today = counters.local_day(datetime.now(UTC), get_settings().metrics_time_zone)
    status, report = stage.http("GET", f"/metrics?from={today}&to={today}")
    totals = report["totals"]
    t.say(f"GET /metrics?from={today}&to={today} -> {status}")
    t.detail("appointments today", f"{totals.get('appointments', 0)}, no-shows {totals.get('noShows', 0)}, "
                                   f"no-show rate {totals.get('noShowPercent')}%")

    t.act("Chat with memory: Ana's new chat continues her last one")
    ana = stage.customers["ana"]
    _, timeline = stage.http("GET", f"/customers/{ana['id']}/timeline?limit=50")
    chats = [i["id"] for i in timeline["interactions"] if i["kind"] == "contact" and i["channel"] == "CHAT"]
    t.say(f"Her last chat in the timeline: {chats[0] if chats else None}")
    status, chat = stage.http("POST", "/chat/start", {"customerId": ana["id"], "clientToken": "demo-widget-1"})
    t.say(f"The website's chat widget: POST /chat/start -> {status}")
    t.detail("for the widget", {k: chat[k] for k in ("contactId", "participantId", "rehydratedFrom")})
    t.say("What Connect is asked for (ids and routing facts only; the agent sees the earlier conversation):")
    show_recorded(stage, "StartChatContact")

    emails = sent_emails()
    write_out(emails, OUT / "emails")
    t.say(f"{len(emails)} e-mails in {OUT / 'emails'}/ (the return label and the clinic's among them)")
