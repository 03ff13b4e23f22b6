"""SMS: a patient without WhatsApp is reminded by SMS (GSM-7, parts counted), asks
for HELP in Italian and stops SMS with DISISCRIVIMI; a one-time code goes to the
number on a profile once however often it is asked for; a text over the part limit
is refused. Every SendTextMessage is validated by botocore and recorded."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from devkit.demo.act_retail_return import fire, schedule
from devkit.demo.stage import Stage

TOPIC = "arn:aws:sns:eu-central-1:123456789012:cc-local-sms-events"


def sms_event(sender: str, text: str) -> dict[str, Any]:
    """What End User Messaging SMS publishes to SNS for one SMS a customer wrote, as
    Lambda receives it."""
    from chalicelib.db import utcnow

    note = {"originationNumber": sender, "destinationNumber": "+40312345000", "messageKeyword": "KEYWORD_1",
            "messageBody": text, "inboundMessageId": str(uuid.uuid4()), "previousPublishedMessageId": None}
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{TOPIC}:sub",
                         "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": TOPIC,
                                 "Subject": None, "Message": json.dumps(note, ensure_ascii=False),
                                 "Timestamp": utcnow().isoformat(), "MessageAttributes": {}}}]}


def show_sms(stage: Stage) -> None:
    """What went to End User Messaging SMS (recorded), with what it costs."""
    from chalicelib.notify.sms_text import measure

    for call in stage.recorder.of("SendTextMessage") if stage.recorder else []:
        size = measure(call.params["MessageBody"])
        stage.transcript.detail("pinpoint-sms-voice-v2.SendTextMessage (recorded)", {
            **call.params, "(encoding, parts)": f"{size.encoding}, {size.segments}"})
    if stage.recorder:
        stage.recorder.calls[:] = [c for c in stage.recorder.calls if c.operation != "SendTextMessage"]


def _settings(**changes: str) -> None:
    from chalicelib import settings

    settings._current = settings.load({**os.environ, **changes})


def run(stage: Stage) -> None:
    from chalicelib.notify.sms import SmsSender
    from chalicelib.settings import get_settings

    t = stage.transcript
    t.act("SMS: reminders where WhatsApp cannot reach, HELP and STOP by SMS, one-time codes")
    _settings(SMS_FALLBACK_MESSAGES="appointment_reminder")
    try:
        visit_at = datetime.combine(datetime.now(ZoneInfo("Europe/Rome")).date() + timedelta(days=4), time(11, 0),
                                    tzinfo=ZoneInfo("Europe/Rome"))
        booking = {"appointmentId": "APT-5120", "startsAt": visit_at.isoformat(), "durationMinutes": 30,
                   "service": "Visita dermatologica", "location": "Clinica Lumen Victoriei",
                   "address": "Calea Victoriei 155, București",
                   "patient": {"firstName": "Chiara", "phone": "+39 347 555 0142", "preferredLanguage": "it-IT"}}
        status, _ = stage.http("POST", "/appointments", booking)
        t.say(f"Chiara books with a phone number and no WhatsApp: POST /appointments -> {status}; "
              "SMS_FALLBACK_MESSAGES=appointment_reminder")
        t.detail("the 48-hour reminder", fire(stage, schedule("apt-APT-5120-r48h")))
        show_sms(stage)

        stage.invoke("on_sms_event", sms_event("+393475550142", "Aiuto"))
        t.say("Chiara writes AIUTO (two-way SMS -> SNS -> on_sms_event): the help text, in Italian")
        show_sms(stage)
        stage.invoke("on_sms_event", sms_event("+393475550142", "DISISCRIVIMI"))
        status, profile = stage.http("GET", "/customers?phone=%2B393475550142")
        t.say("She then writes DISISCRIVIMI (Italian for unsubscribe)")
        t.detail("her SMS consent", profile["consent"]["sms"])
        t.detail("the 24-hour reminder", fire(stage, schedule("apt-APT-5120-r24h")))

        ana = stage.customers["ana"]
        sender = SmsSender(get_settings())
        code = {"code": "482913", "valid_minutes": 5}
        first = sender.send("+40712345678", "verification_code", code, reference="verification:demo-contact:1",
                            language="ro", customer_id=ana["id"])
        again = sender.send("+40712345678", "verification_code", code, reference="verification:demo-contact:1",
                            language="ro", customer_id=ana["id"])
        t.say("A one-time code to the number on Ana's profile, asked for twice with the same reference")
        t.detail("outcomes", f"{first.status} (duplicate {first.duplicate}), then {again.status} "
                             f"(duplicate {again.duplicate}): one SMS")
        show_sms(stage)
    finally:
        _settings()
    _settings(SMS_MAX_SEGMENTS="1")
    try:
        refused = SmsSender(get_settings()).send(
            "+40712345678", "appointment_reminder",
            {"reference": "APT-1", "appointment_at": "2026-03-12T12:30:00Z", "service": "Consultație cardiologie",
             "location": "Clinica Lumen Victoriei", "address": "Calea Victoriei 155, București"},
            reference="appointment:APT-1:demo-limit", language="ro")
        t.say("With SMS_MAX_SEGMENTS=1 a two-part reminder is refused, nothing sent")
        t.detail("outcome", f"{refused.status} {refused.error_code}: {refused.error}")
        show_sms(stage)
    finally:
        _settings()
