"""SMS to and from customers through AWS End User Messaging SMS (botocore Stubber:
moto has no backend for it): the exact request, GSM-7 text, the part limit, the
outbox that sends once, consent and suppression; inbound STOP, HELP and free text,
redeliveries, unusable events and delivery events."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from botocore.stub import ANY, Stubber

from chalicelib.db import utcnow
from chalicelib.errors import DependencyFailure, Forbidden
from chalicelib.interactions.models import InteractionModel
from chalicelib.notify import messages, sms
from chalicelib.notify.models import OutboxModel
from chalicelib.notify.service import notifier
from chalicelib.notify.sms import SmsSender
from chalicelib.notify.suppressions import Suppressions
from chalicelib.profiles.models import CustomerModel
from chalicelib.settings import get_settings
from devkit.mailbox import sent_emails
from tests.helpers import create_customer, load_json
from tests.journeys import INSTANCE_ID, connect, fire, flow_event, save_order, schedule, social

__all__ = ["connect", "social"]  # fixtures used here

REMINDER = messages.TYPES["appointment_reminder"].sample
IDENTITY = "pool-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
IOANA = "+40745112233"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def texts(aws):
    """End User Messaging SMS, stubbed: every request must be one the test expects."""
    with Stubber(sms.client()) as stub:
        yield stub
        stub.assert_no_pending_responses()


def expect_sms(texts: Stubber, to: str, body: str | object = ANY, message_id: str = "sms-1") -> None:
    texts.add_response("send_text_message", {"MessageId": message_id}, {
        "DestinationPhoneNumber": to, "OriginationIdentity": IDENTITY, "MessageBody": body,
        "MessageType": "TRANSACTIONAL", "ConfigurationSetName": "cc-local-sms"})


@pytest.fixture
def ioana(client):
    return create_customer(client, firstName="Ioana", lastName="Vrânceanu", phone="+40 745 112 233",
                           email="ioana@exemplu.ro")


@pytest.fixture
def log_lines():
    """The service's log lines, as serialized (masked) for CloudWatch."""
    import logging

    from chalicelib.observability import get_logger

    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    logger = get_logger()
    handler = Capture()
    handler.setFormatter(logger.registered_formatter)
    logging.getLogger(logger.name).addHandler(handler)
    yield lines
    logging.getLogger(logger.name).removeHandler(handler)


def sms_event(name: str = "sns_inbound", *, text: str | None = None, message_id: str | None = None,
              sender: str | None = None, topic: str | None = None, message: str | None = None) -> dict:
    event = load_json(f"sms/{name}.json")
    sns = event["Records"][0]["Sns"]
    note = json.loads(sns["Message"])
    for field, value in (("messageBody", text), ("inboundMessageId", message_id), ("originationNumber", sender)):
        if value is not None:
            note[field] = value
    sns["Message"] = message if message is not None else json.dumps(note, ensure_ascii=False)
    if topic is not None:
        sns["TopicArn"] = topic
    return event


def consent(customer_id: str, channel: str) -> dict:
    return CustomerModel.get(customer_id).consent.as_dict()[channel]


def received(customer_id: str) -> list:
    return [item for item in InteractionModel.by_customer.query(customer_id)
            if item.channel == "SMS" and item.kind == "message_received"]


def dead_letters() -> list[dict]:
    import boto3

    sqs = boto3.client("sqs", region_name="eu-central-1")
    url = sqs.get_queue_url(QueueName=get_settings().sms_dead_letter_queue_arn.rpartition(":")[2])["QueueUrl"]
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in found]


class Containing:
    """A text holding each of these pieces (what varies between runs left out)."""

    def __init__(self, *pieces: str) -> None:
        self.pieces = pieces

    def __eq__(self, text: object) -> bool:
        return isinstance(text, str) and all(piece in text for piece in self.pieces)

    def __ne__(self, text: object) -> bool:
        return not self == text


class Attributes:
    """Contact attributes that hold at least these values, and a predicted queue."""

    def __init__(self, **expected: str) -> None:
        self.expected, self.seen = expected, {}

    def __eq__(self, attributes: object) -> bool:
        self.seen = attributes if isinstance(attributes, dict) else {}
        return all(self.seen.get(k) == v for k, v in self.expected.items()) and bool(self.seen.get("predictedQueue"))

    def __ne__(self, attributes: object) -> bool:
        return not self == attributes


# ---- sending ---------------------------------------------------------------------------

def test_a_reminder_goes_once_in_gsm7_from_the_configured_number(client, ioana, texts, log_lines):
    # Then exactly this SMS goes out: Romanian, diacritics written as on a keypad
    expect_sms(texts, IOANA, "Lumen Care: va reamintim programarea la Cardiology consultation din 12 martie 2026, "
                             "ora 14:30, Lumen Clinic Victoriei (Dr. Elena Ionescu). Cod APT-20931. Pentru "
                             "modificari sunati la +40 31 234 5000.")
    # When the clinic reminds Ioana by SMS, and the scheduler runs the step again
    first = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-1:reminder-24h",
                                        channel="sms")
    again = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-1:reminder-24h",
                                        channel="sms")
    # Then it was sent once (the stub holds no second answer) and recorded under its key
    assert (first.status, first.provider_message_id, first.duplicate) == ("sent", "sms-1", False)
    assert (again.status, again.duplicate) == ("sent", True)
    entry = OutboxModel.get("sms#appointment_reminder#appointment:A-1:reminder-24h")
    assert (entry.status, entry.channel, entry.locale) == ("sent", "sms", "ro")
    # And her timeline has it once, by key, without its text
    [note] = [i for i in InteractionModel.by_customer.query(ioana) if i.kind == "message_sent"]
    assert note.channel == "SMS" and "APT-20931" not in json.dumps(note.detail)
    # And the log says what it cost, without the text or the number
    [sent] = [json.loads(line) for line in log_lines if '"message outcome"' in line and '"sent"' in line]
    assert (sent["encoding"], sent["segments"]) == ("GSM", 2)
    assert "745112233" not in "\n".join(log_lines) and "reamintim" not in "\n".join(log_lines)


def test_an_sms_over_the_part_limit_is_refused_and_nothing_is_sent(client, ioana, texts, settings_env):
    # Given SMS limited to one part, and a reminder that takes two
    settings_env(SMS_MAX_SEGMENTS="1")
    # When it is sent (the stub holds no answer: a request would fail the test)
    outcome = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-2:reminder-24h",
                                          channel="sms")
    # Then it is refused with the reason, for good
    assert (outcome.status, outcome.error_code) == ("failed", "TOO_LONG")
    assert "2 SMS parts; SMS_MAX_SEGMENTS allows 1" in outcome.error
    assert "GSM" in outcome.error


def test_an_sms_is_not_sent_to_a_customer_who_opted_out_of_sms(client, ioana, texts):
    client.http.patch(f"/customers/{ioana}", headers=JSON,
                      body=json.dumps({"consent": {"sms": {"transactional": False}}}))
    outcome = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-3:reminder-24h",
                                          channel="sms")
    assert (outcome.status, outcome.error_code) == ("suppressed", "OPTED_OUT")


def test_an_sms_is_not_sent_to_a_suppressed_number(client, ioana, texts):
    Suppressions(get_settings()).add("sms", IOANA, "bounce", "TEXT_INVALID")
    outcome = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-4:reminder-24h",
                                          channel="sms")
    assert (outcome.status, outcome.error_code) == ("suppressed", "BOUNCE")


def test_a_throttled_send_is_retried_and_then_goes_once(client, ioana, texts):
    texts.add_client_error("send_text_message", "ThrottlingException", http_status_code=429)
    with pytest.raises(DependencyFailure):
        notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-5:reminder-24h",
                                    channel="sms")
    expect_sms(texts, IOANA)
    retried = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-5:reminder-24h",
                                          channel="sms")
    again = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-5:reminder-24h",
                                        channel="sms")
    assert (retried.status, again.duplicate) == ("sent", True)


def test_a_message_type_without_an_sms_text_is_refused(client, ioana, texts):
    outcome = notifier().send_to_customer(ioana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-1",
                                          channel="sms")
    assert (outcome.status, outcome.error_code) == ("failed", "UNKNOWN_TEMPLATE")


def test_a_one_time_code_goes_to_the_number_asked_for_in_the_language_asked_for_once(client, ioana, texts):
    # Given Ioana's profile number, chosen by the caller, and Italian asked for
    expect_sms(texts, IOANA, "482913 è il suo codice di verifica Lumen Care. E valido per 5 minuti. Non lo comunichi "
                             "a nessuno: non glielo chiederemo mai.")
    sender = SmsSender(get_settings())
    code = {"code": "482913", "valid_minutes": 5}
    # When the code is sent, and the same request is retried
    first = sender.send("0745 112 233", "verification_code", code, reference="verification:contact-1:1",
                        language="it", customer_id=ioana)
    again = sender.send("0745 112 233", "verification_code", code, reference="verification:contact-1:1",
                        language="it", customer_id=ioana)
    # Then one SMS went, and the retry says so
    assert (first.sent, first.status, again.duplicate) == (True, "sent", True)
    # And the code is nowhere in the outbox
    assert "482913" not in json.dumps(OutboxModel.get("sms#verification_code#verification:contact-1:1")
                                      .attribute_values, default=str)


def test_a_one_time_code_to_a_number_that_is_none_is_refused(client, ioana, texts):
    outcome = SmsSender(get_settings()).send("12", "verification_code", {"code": "482913", "valid_minutes": 5},
                                             reference="verification:contact-2:1", customer_id=ioana)
    assert (outcome.status, outcome.error_code) == ("failed", "INVALID_ADDRESS")


def test_the_answer_to_help_is_not_an_email(client, ioana):
    outcome = notifier().send_to_customer(ioana, "sms_help", {}, "help:contact-3:1")
    assert (outcome.status, outcome.error_code) == ("failed", "UNKNOWN_TEMPLATE")
    assert sent_emails() == []


# ---- SMS instead of e-mail when WhatsApp cannot reach ---------------------------------

def test_a_patient_without_whatsapp_is_reminded_by_sms_when_the_business_wants_it(client, ioana, texts, social,
                                                                                 settings_env):
    # Given reminders may go by SMS, and Ioana has no WhatsApp number
    settings_env(SMS_FALLBACK_MESSAGES="appointment_reminder")
    starts = datetime.combine((utcnow() + timedelta(days=5)).date(), time(9, 30), tzinfo=ZoneInfo("Europe/Bucharest"))
    response = client.http.post("/appointments", headers=JSON, body=json.dumps({
        "appointmentId": "APT-30001", "customerId": ioana, "startsAt": starts.isoformat(), "durationMinutes": 30,
        "service": "Consultație cardiologie", "location": "Clinica Lumen Victoriei",
        "address": "Calea Victoriei 155, București"}))
    assert response.status_code == 201, response.body
    # When the 24-hour reminder runs
    expect_sms(texts, IOANA)
    outcome = fire(client, schedule("apt-APT-30001-r24h"))
    # Then it went by SMS, and not by e-mail as well
    assert (outcome["whatsapp"], outcome["sms"]) == ("failed", "sent")
    assert "email" not in outcome


def test_without_the_setting_the_reminder_still_falls_back_to_email(client, ioana, texts, social):
    starts = datetime.combine((utcnow() + timedelta(days=5)).date(), time(9, 30), tzinfo=ZoneInfo("Europe/Bucharest"))
    client.http.post("/appointments", headers=JSON, body=json.dumps({
        "appointmentId": "APT-30002", "customerId": ioana, "startsAt": starts.isoformat(), "durationMinutes": 30,
        "service": "Consultație cardiologie", "location": "Clinica Lumen Victoriei",
        "address": "Calea Victoriei 155, București"}))
    outcome = fire(client, schedule("apt-APT-30002-r24h"))
    assert (outcome["whatsapp"], outcome["email"]) == ("failed", "sent")
    assert "sms" not in outcome


def test_a_return_confirmation_goes_by_sms_to_a_customer_without_whatsapp_and_the_label_by_email(
        client, texts, social, settings_env):
    # Given return confirmations may go by SMS, and Ana has a phone and an e-mail, no WhatsApp
    settings_env(SMS_FALLBACK_MESSAGES="appointment_reminder,return_label")
    ana = create_customer(client, phone="+40 712 345 678")
    save_order("100-4821", ana)
    client.lambda_.invoke("start_return", flow_event("call-1", parameters={"orderNumber": "100-4821"}))
    # When the follow-up runs, and the scheduler runs it again
    body = Containing("Lumen Care: returul comenzii 100-4821 este inregistrat. Lumen Courier il ridica",
                      "AWB ", "Eticheta: https://labels.lumen.example/")
    expect_sms(texts, "+40712345678", body)
    follow_up = schedule("return-R-1004821-follow-up")
    first = fire(client, follow_up)["messages"]
    again = fire(client, follow_up)["messages"]
    # Then the confirmation went once by SMS, and the label by e-mail as always
    assert first == again == {"whatsapp": "failed:NO_ADDRESS", "sms": "sent", "email": "sent"}
    assert len(sent_emails()) == 1


# ---- inbound ---------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "Oprire", "DEZABONARE", "disiscrivimi", "Leiratkozás"])
def test_an_opt_out_word_in_each_language_stops_sms_and_only_sms(client, ioana, word):
    client.lambda_.invoke("on_sms_event", sms_event(text=word))
    assert consent(ioana, "sms") == {"transactional": False, "surveys": False, "marketing": False}
    assert consent(ioana, "email")["transactional"] is True
    assert [note.detail["action"] for note in received(ioana)] == ["opted_out"]


@pytest.mark.parametrize(("word", "language", "answer"), [
    ("HELP", "en-GB", "Lumen Care: for help call +40 31 234 5000. Reply STOP to receive no more SMS from us."),
    ("Ajutor", "ro-RO", "Lumen Care: pentru ajutor sunati la +40 31 234 5000. Raspundeti STOP ca sa nu mai primiti "
                        "SMS-uri de la noi."),
    ("aiuto!", "it-IT", "Lumen Care: per assistenza chiami il +40 31 234 5000. Risponda STOP per non ricevere più "
                        "SMS da noi."),
    ("Segítség", "hu-HU", "Lumen Care: segitségért hivja a +40 31 234 5000 szamot. Valaszoljon STOP üzenettel, ha "
                          "nem kér több SMS-t tolünk."),
])
def test_a_help_word_in_each_language_is_answered_in_the_customers_language(client, texts, word, language, answer):
    customer = create_customer(client, phone="+40 745 112 233", preferredLanguage=language)
    expect_sms(texts, IOANA, answer)
    client.lambda_.invoke("on_sms_event", sms_event(text=word))
    # A redelivery of the same SMS is not answered twice (the stub holds one answer)
    client.lambda_.invoke("on_sms_event", sms_event(text=word))
    assert [note.detail["action"] for note in received(customer)] == ["help_answered"]


def test_free_text_reaches_the_front_desk_routed_by_its_predicted_reason_once(client, ioana, connect):
    # Then one task starts, saying it came by SMS, with what Ioana wrote
    connect.add_response("start_task_contact", {"ContactId": "task-1"}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task", "Name": "Patient wrote by SMS",
        "Description": "Bună ziua, pot veni cu 30 de minute mai târziu?", "Attributes": ANY, "References": ANY,
        "ClientToken": ANY})
    # When her SMS arrives, and SNS delivers it again
    first = client.lambda_.invoke("on_sms_event", sms_event()).payload
    again = client.lambda_.invoke("on_sms_event", sms_event()).payload
    assert (first["action"], again["action"]) == ("front_desk_task", "duplicate")
    assert len(received(ioana)) == 1


def test_the_front_desk_task_says_sms_and_carries_the_predicted_queue(client, ioana, connect):
    expected = Attributes(channel="SMS", reason="message", customerId=ioana)
    connect.add_response("start_task_contact", {"ContactId": "task-2"}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task", "Name": "Patient wrote by SMS",
        "Description": "Vreau să îmi mut programarea de vineri", "Attributes": expected, "References": ANY,
        "ClientToken": ANY})
    client.lambda_.invoke("on_sms_event", sms_event(text="Vreau să îmi mut programarea de vineri"))
    assert expected.seen["predictedReason"]


def test_an_sms_from_another_topic_is_refused(client, ioana):
    with pytest.raises(Forbidden):
        client.lambda_.invoke("on_sms_event", sms_event(text="STOP",
                                                        topic="arn:aws:sns:eu-central-1:999999999999:other"))
    assert consent(ioana, "sms")["transactional"] is True


def test_an_event_that_is_not_an_sms_event_is_dead_lettered_not_dropped(client):
    summary = client.lambda_.invoke("on_sms_event", sms_event(message=json.dumps({"notificationType": "Bounce"})))
    assert summary.payload == {"action": "unusable"}
    [kept] = dead_letters()
    assert (kept["source"], kept["message"]) == ("on_sms_event", json.dumps({"notificationType": "Bounce"}))
    assert "neither inboundMessageId nor eventType" in kept["problem"]


def test_an_sms_from_a_number_that_is_none_is_dead_lettered(client):
    client.lambda_.invoke("on_sms_event", sms_event(sender="not-a-number"))
    [kept] = dead_letters()
    assert "originationNumber" in kept["problem"]


# ---- delivery events --------------------------------------------------------------------

def test_an_invalid_number_marks_the_message_bounced_and_suppresses_the_number(client, ioana, texts):
    # Given a reminder SMS End User Messaging SMS accepted
    expect_sms(texts, IOANA, message_id="862a8790-60c0-4430-9b2b-658bdexample")
    notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-6:reminder-24h",
                                channel="sms")
    # When its delivery event says the number is invalid (twice: SNS redelivers)
    for _ in range(2):
        client.lambda_.invoke("on_sms_event", sms_event("sns_text_invalid"))
    # Then the message is bounced and nothing more is sent to that number
    entry = OutboxModel.get("sms#appointment_reminder#appointment:A-6:reminder-24h")
    assert (entry.status, entry.feedback) == ("bounced", "TEXT_INVALID")
    later = notifier().send_to_customer(ioana, "appointment_reminder", REMINDER, "appointment:A-7:reminder-24h",
                                        channel="sms")
    assert (later.status, later.error_code) == ("suppressed", "BOUNCE")


def test_a_delivered_event_changes_nothing(client):
    event = sms_event("sns_text_invalid")
    sns = event["Records"][0]["Sns"]
    sns["Message"] = json.dumps({**json.loads(sns["Message"]), "eventType": "TEXT_DELIVERED"})
    assert client.lambda_.invoke("on_sms_event", event).payload == {"action": "ignored"}
    assert Suppressions(get_settings()).find("sms", IOANA) is None
