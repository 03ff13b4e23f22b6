"""Clinic appointments as the clinic, its patients and its front desk live them:
booking from the clinic's system, reminders on schedule, answers on WhatsApp, the
phone line, attendance and no-shows."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from botocore.stub import ANY

from chalicelib.clinic.appointments import Appointments
from chalicelib.clinic.models import AppointmentModel
from chalicelib.db import utcnow
from chalicelib.errors import Forbidden, InvalidInput
from chalicelib.interactions.models import InteractionModel
from chalicelib.metrics import counters
from chalicelib.notify.models import OutboxModel
from chalicelib.profiles.models import CustomerModel, IdentityModel
from chalicelib.settings import get_settings
from devkit.mailbox import sent_emails
from tests.helpers import create_customer
from tests.journeys import (
    INSTANCE_ID,
    connect,
    expect_whatsapp,
    fire,
    flow_event,
    schedule,
    schedule_time,
    social,
    whatsapp_event,
)

__all__ = ["connect", "social"]  # fixtures used here

JSON = {"Content-Type": "application/json"}
BUCHAREST = ZoneInfo("Europe/Bucharest")
IOANA_PHONE = "+40745112233"
VISIT_AT = datetime.combine((utcnow() + timedelta(days=5)).date(), time(9, 30), tzinfo=BUCHAREST)


@pytest.fixture
def ioana(client):
    return create_customer(client, firstName="Ioana", lastName="Vrânceanu", phone="+40 745 112 233",
                           whatsapp="+40 745 112 233", email="ioana@exemplu.ro")


def booking(customer_id, **changes):
    body = {"appointmentId": "APT-20931", "customerId": customer_id, "startsAt": VISIT_AT.isoformat(),
            "durationMinutes": 30, "service": "Consultație cardiologie", "practitioner": "Dr. Elena Ionescu",
            "location": "Clinica Lumen Victoriei", "address": "Calea Victoriei 155, București",
            "instructions": ["Nu mâncați cu 8 ore înainte", "Aduceți buletinul și analizele anterioare"]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def post(client, path, body):
    response = client.http.post(path, headers=JSON, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def book(client, customer_id, **changes):
    status, appointment = post(client, "/appointments", booking(customer_id, **changes))
    assert status == 201, appointment
    return appointment


def kpis(client, day):
    response = client.http.get(f"/metrics?from={day}&to={day}")
    return json.loads(response.body)["totals"]


def visit_day():
    return counters.local_day(VISIT_AT, get_settings().metrics_time_zone)


def inbound(client, name="sns_button_reply", **changes):
    return client.lambda_.invoke("on_whatsapp_event", whatsapp_event(name, sender=IOANA_PHONE, **changes)).payload


def status_of(appointment="APT-20931"):
    return AppointmentModel.get(appointment).status


def kinds(customer_id):
    return [item.kind for item in InteractionModel.by_customer.query(customer_id)]


# ---- booking -----------------------------------------------------------------------

def test_the_clinic_books_and_the_patient_is_confirmed_reminded_and_checked_on(client, ioana):
    # When the clinic's system books Ioana's visit
    status, appointment = post(client, "/appointments", booking(ioana))
    # Then it is booked for her
    assert status == 201
    assert (appointment["id"], appointment["customerId"], appointment["status"]) == ("APT-20931", ioana, "booked")
    assert appointment["startsAt"] == VISIT_AT.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
    # And she gets the confirmation by e-mail, in Romanian, with the time in Bucharest
    [mail] = sent_emails()
    assert mail.header("Content-Language") == "ro" and "Programare confirmată" in mail.subject
    assert "Consultație cardiologie" in mail.text
    assert "09:30" in mail.text and "APT-20931" in mail.text
    # And reminders are scheduled 48 h and 24 h before, and the attendance check after the visit
    for hours in (48, 24):
        reminder = schedule(f"apt-APT-20931-r{hours}h")
        assert schedule_time(reminder) == VISIT_AT - timedelta(hours=hours)
        assert json.loads(reminder["Target"]["Input"]) == {"step": "appointment_reminder",
                                                           "appointmentId": "APT-20931", "hours": hours}
    check = schedule("apt-APT-20931-attendance")
    assert schedule_time(check) == VISIT_AT + timedelta(minutes=30 + get_settings().no_show_grace_minutes)
    # And the visit counts among that day's appointments; the booking is in her timeline
    assert (kpis(client, visit_day())["appointments"], kpis(client, visit_day()).get("noShows", 0)) == (1, 0)
    assert "appointment_booked" in kinds(ioana)


def test_the_same_booking_sent_again_answers_the_appointment_and_sends_nothing_more(client, ioana):
    book(client, ioana)
    status, again = post(client, "/appointments", booking(ioana))
    assert (status, again["id"]) == (200, "APT-20931")
    assert len(sent_emails()) == 1
    assert kpis(client, visit_day())["appointments"] == 1


def test_another_booking_under_a_taken_id_is_refused_and_changes_nothing(client, ioana):
    book(client, ioana)
    status, body = post(client, "/appointments", booking(ioana, service="Dermatologie"))
    assert status == 409 and "other details" in body["Message"]
    assert AppointmentModel.get("APT-20931").service == "Consultație cardiologie"


def test_the_same_booking_for_another_patient_is_refused(client, ioana):
    # Given Ioana's visit is booked
    book(client, ioana)
    bogdan = create_customer(client, firstName="Bogdan", phone="+40 722 334 455", email="bogdan@exemplu.ro")
    # When the same appointment, same details, arrives for Bogdan, or for a new patient
    for other in ({"customerId": bogdan}, {"customerId": None, "patient": {"phone": "+39 333 765 4321"}}):
        status, body = post(client, "/appointments", booking(ioana, **other))
        # Then it is a conflict, and the appointment stays Ioana's
        assert status == 409 and "other details" in body["Message"]
    assert AppointmentModel.get("APT-20931").customer_id == ioana
    assert not IdentityModel.count("phone#+393337654321")


def test_a_booking_that_fails_leaves_no_new_patient_behind(client, monkeypatch):
    # Given the same appointment is being booked by two requests at once: this one
    # read it as free, the other one wrote it first
    first = {"firstName": "Maria", "phone": "+39 333 765 4321"}
    book(client, None, customerId=None, patient=first)
    monkeypatch.setattr(Appointments, "find", lambda self, appointment: None)
    customers = CustomerModel.count()
    # When this one, for a new patient, comes to write it
    status, _ = post(client, "/appointments", booking(None, customerId=None,
                                                          patient={"firstName": "Luca", "phone": "+39 347 111 2233"}))
    # Then it is refused, and neither Luca's profile nor his number was kept
    assert status == 409
    assert CustomerModel.count() == customers
    assert not IdentityModel.count("phone#+393471112233")


@pytest.mark.parametrize(("changes", "complaint"), [
    ({"startsAt": None}, "startsAt must be an ISO 8601 date-time"),
    ({"startsAt": "2026-03-12T09:30:00"}, "with a time zone"),
    ({"startsAt": "2020-03-12T09:30:00Z"}, "in the future"),
    ({"startsAt": "next tuesday"}, "ISO 8601"),
    ({"durationMinutes": 0}, "durationMinutes must be a whole number from 5 to 480"),
    ({"durationMinutes": "30"}, "durationMinutes"),
    ({"service": ""}, "service must be one line"),
    ({"service": "Cardio\nBcc: x@example.com"}, "service must be one line"),
    ({"location": None}, "location"),
    ({"appointmentId": "APT 1"}, "appointmentId must be"),
    ({"appointmentId": "APT-20931\n"}, "appointmentId must be"),
    ({"instructions": "fast for 8 hours"}, "instructions must be a list"),
    ({"patient": {"phone": "+40745112233"}}, "either customerId"),
    ({"customerId": None}, "either customerId"),
    ({"room": "3B"}, "unknown field(s): room; allowed: address, appointmentId, arriveMinutesEarly"),
])
def test_a_bad_booking_is_refused_with_the_reason_and_nothing_is_written(client, ioana, changes, complaint):
    from tests.stored import every_item

    before = every_item()
    status, body = post(client, "/appointments", booking(ioana, **changes))
    assert status == 400 and complaint in body["Message"]
    # Nothing anywhere: no appointment, no KPI count, no timeline entry
    assert every_item() == before
    assert list(AppointmentModel.scan()) == []
    assert schedule("apt-APT-20931-attendance") is None
    assert sent_emails() == []


def test_a_booking_for_an_unknown_customer_is_404(client):
    status, body = post(client, "/appointments", booking("nobody-here"))
    assert status == 404 and "no customer" in body["Message"]
    assert list(AppointmentModel.scan()) == []


def test_a_new_patient_is_recognised_by_their_number_on_the_next_booking(client):
    patient = {"firstName": "Maria", "phone": "+39 333 765 4321", "preferredLanguage": "it-IT",
               "timeZone": "Europe/Rome"}
    first = book(client, None, customerId=None, patient=patient)
    second = book(client, None, customerId=None, patient=patient, appointmentId="APT-20932",
                  startsAt=(VISIT_AT + timedelta(days=7)).isoformat())
    assert first["customerId"] == second["customerId"]
    assert CustomerModel.get(first["customerId"]).preferred_language == "it-IT"


# ---- reminders ---------------------------------------------------------------------

def reminder_template(hours_text):
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": IOANA_PHONE, "type": "template",
            "template": {"name": "appointment_reminder", "language": {"code": "ro"}, "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Consultație cardiologie"},
                                                {"type": "text", "text": hours_text},
                                                {"type": "text", "text": "Clinica Lumen Victoriei"}]},
                *[{"type": "button", "sub_type": "quick_reply", "index": str(i),
                   "parameters": [{"type": "payload", "payload": f"appointment:APT-20931:{action}"}]}
                  for i, action in enumerate(("confirm", "reschedule", "cancel"))]]}}


def test_the_first_reminder_is_a_whatsapp_with_buttons_and_the_instructions_come_by_email(client, ioana, social):
    book(client, ioana)
    from babel import dates

    when = dates.get_datetime_format("full", locale="ro_RO").replace(
        "{1}", dates.format_date(VISIT_AT, "full", locale="ro_RO")).replace(
        "{0}", dates.format_time(VISIT_AT, "short", locale="ro_RO"))
    expect_whatsapp(social, reminder_template(when))
    outcome = fire(client, schedule("apt-APT-20931-r48h"))
    assert (outcome["whatsapp"], outcome["previsit"]) == ("sent", "sent")
    previsit = sent_emails()[-1]
    assert "Nu mâncați cu 8 ore înainte" in previsit.text


def test_the_second_reminder_is_skipped_once_the_patient_confirmed(client, ioana, social):
    book(client, ioana)
    expect_whatsapp(social)  # the reply to her tap
    inbound(client)
    assert fire(client, schedule("apt-APT-20931-r24h")) == {"step": "appointment_reminder", "reminder": "skipped",
                                                            "status": "confirmed"}


def test_a_visit_booked_for_tomorrow_gets_its_one_reminder_with_the_instructions(client, ioana, social):
    # Given Ioana books a visit 30 hours ahead: only the 24 h reminder is still to come
    tomorrow = (utcnow() + timedelta(hours=30)).replace(microsecond=0)
    book(client, ioana, startsAt=tomorrow.isoformat())
    assert schedule("apt-APT-20931-r48h") is None
    # And she confirms before it (on the phone line, say)
    Appointments(get_settings()).respond("APT-20931", ioana, "confirm", channel="VOICE", reference="contact-1")
    # When the reminder's time comes
    expect_whatsapp(social)
    outcome = fire(client, schedule("apt-APT-20931-r24h"))
    # Then she is reminded, and the pre-visit instructions come by e-mail with it
    assert (outcome["whatsapp"], outcome["previsit"]) == ("sent", "sent")
    assert "Nu mâncați cu 8 ore înainte" in sent_emails()[-1].text


def test_a_visit_booked_too_late_for_any_reminder_gets_the_instructions_at_once(client, ioana):
    # When Ioana books a visit in 12 hours
    book(client, ioana, startsAt=(utcnow() + timedelta(hours=12)).replace(microsecond=0).isoformat())
    # Then no reminder is scheduled, and the confirmation and the instructions are both e-mailed now
    assert schedule("apt-APT-20931-r24h") is None
    previsit = [m for m in sent_emails() if "Nu mâncați cu 8 ore înainte" in m.text and m is not sent_emails()[0]]
    assert len(sent_emails()) == 2 and previsit
    assert OutboxModel.get("email#previsit_instructions#appointment:APT-20931:previsit").status == "sent"


def test_a_patient_without_whatsapp_is_reminded_by_email(client, social):
    maria = create_customer(client, firstName="Maria", email="maria@exemplu.ro")
    book(client, maria)
    outcome = fire(client, schedule("apt-APT-20931-r24h"))
    assert (outcome["whatsapp"], outcome["email"]) == ("failed", "sent")
    assert OutboxModel.get("whatsapp#appointment_reminder#appointment:APT-20931:reminder-24h").error_code == \
        "NO_ADDRESS"


# ---- answers on WhatsApp -------------------------------------------------------------

def test_confirm_on_whatsapp_confirms_once_and_thanks_the_patient(client, ioana, social):
    book(client, ioana)
    expect_whatsapp(social, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": IOANA_PHONE, "type": "text",
        "text": {"preview_url": False, "body": (
            f"Vă mulțumim, Ioana! Programarea pentru Consultație cardiologie din "
            f"{VISIT_AT.day} {_ro_month(VISIT_AT)} {VISIT_AT.year}, ora 09:30, este confirmată. "
            f"Codul programării: APT-20931. Lumen Care")}})
    # When Ioana taps Confirm under the reminder
    assert inbound(client) is None
    # Then the appointment is confirmed and her message is in her timeline
    assert status_of() == "confirmed"
    assert {"message_received", "appointment_confirmed", "message_sent"} <= set(kinds(ioana))
    # When SNS delivers the same message again, nothing more happens (no second reply in the stub)
    inbound(client)
    assert kinds(ioana).count("message_received") == 1


def _ro_month(moment):
    from babel import dates

    return dates.format_date(moment, "MMMM", locale="ro_RO")


def test_cancel_on_whatsapp_cancels_the_reminders_and_the_day_count(client, ioana, social):
    book(client, ioana)
    expect_whatsapp(social)
    inbound(client, payload="appointment:APT-20931:cancel")
    assert status_of() == "cancelled"
    assert schedule("apt-APT-20931-r48h") is None and schedule("apt-APT-20931-attendance") is None
    assert kpis(client, visit_day())["appointments"] == 0


def test_reschedule_on_whatsapp_reaches_the_front_desk_as_a_task(client, ioana, social, connect):
    book(client, ioana)
    connect.add_response("start_task_contact", {"ContactId": "task-1"}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task",
        "Name": "Patient asks to reschedule: appointment APT-20931",
        "Description": "The patient asks to reschedule; please call them back.",
        "Attributes": {"customerId": ioana, "reason": "reschedule", "channel": "WHATSAPP",
                       "appointmentId": "APT-20931"},
        "References": {"customerId": {"Value": ioana, "Type": "STRING"},
                       "appointmentId": {"Value": "APT-20931", "Type": "STRING"},
                       "service": {"Value": "Consultație cardiologie", "Type": "STRING"},
                       "startsAt": {"Value": VISIT_AT.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z"),
                                    "Type": "STRING"},
                       "location": {"Value": "Clinica Lumen Victoriei", "Type": "STRING"}},
        "ClientToken": ANY})
    expect_whatsapp(social)
    inbound(client, payload="appointment:APT-20931:reschedule")
    assert status_of() == "reschedule_requested"


def test_a_message_the_patient_writes_reaches_the_front_desk_with_her_words(client, ioana, connect):
    book(client, ioana)
    connect.add_response("start_task_contact", {"ContactId": "task-2"}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task",
        "Name": "Patient wrote on WhatsApp: appointment APT-20931",
        "Description": "Bună ziua, pot veni cu 30 de minute mai târziu?",
        "Attributes": {"customerId": ioana, "reason": "message", "channel": "WHATSAPP", "appointmentId": "APT-20931",
                       "predictedReason": "appointment", "reasonBecause": "upcoming appointment",
                       "predictedQueue": "front_desk"},
        "References": ANY, "ClientToken": ANY})
    inbound(client, "sns_text_message")
    # Her words are on the task for the front desk, not in her timeline
    assert status_of() == "booked"
    [received] = [i for i in InteractionModel.by_customer.query(ioana) if i.kind == "message_received"]
    assert "târziu" not in json.dumps(received.detail)
    assert received.detail["action"] == "front_desk_task"


@pytest.mark.parametrize("word", ["STOP", "Oprire", "dezabonare!", "Stop", "LEIRATKOZÁS", "annulla iscrizione"])
def test_an_opt_out_word_stops_whatsapp_and_the_next_reminder_goes_by_email(client, ioana, social, word):
    book(client, ioana)
    inbound(client, "sns_text_message", text=word)
    consent = CustomerModel.get(ioana).consent.as_dict()["whatsapp"]
    assert consent == {"transactional": False, "surveys": False, "marketing": False}
    outcome = fire(client, schedule("apt-APT-20931-r24h"))
    assert (outcome["whatsapp"], outcome["email"]) == ("suppressed", "sent")


def test_a_tap_on_someone_else_s_appointment_changes_nothing(client, ioana, connect):
    book(client, ioana)
    create_customer(client, firstName="Bogdan", whatsapp="+40 722 334 455", email="bogdan@exemplu.ro")
    client.lambda_.invoke("on_whatsapp_event", whatsapp_event("sns_button_reply", sender="+40722334455"))
    assert status_of() == "booked"


def test_delivery_statuses_of_our_own_messages_change_nothing(client, ioana):
    book(client, ioana)
    client.lambda_.invoke("on_whatsapp_event", whatsapp_event("sns_status_delivered"))
    assert status_of() == "booked"
    assert "message_received" not in kinds(ioana)


def test_a_message_from_another_topic_is_refused(client, ioana):
    event = whatsapp_event("sns_button_reply", sender=IOANA_PHONE,
                           topic="arn:aws:sns:eu-central-1:999999999999:someone-elses-topic")
    with pytest.raises(Forbidden):
        client.lambda_.invoke("on_whatsapp_event", event)


def test_a_message_that_is_not_a_whatsapp_event_raises_so_it_is_not_lost(client):
    event = whatsapp_event("sns_button_reply")
    event["Records"][0]["Sns"]["Message"] = json.dumps({"notificationType": "Bounce"})
    with pytest.raises(InvalidInput):
        client.lambda_.invoke("on_whatsapp_event", event)


def test_a_whatsapp_message_from_an_unknown_number_starts_a_profile_and_reaches_the_front_desk(client, connect):
    connect.add_response("start_task_contact", {"ContactId": "task-3"}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task", "Name": "Patient wrote on WhatsApp",
        "Description": "Bună ziua, pot veni cu 30 de minute mai târziu?", "Attributes": ANY, "References": ANY,
        "ClientToken": ANY})
    client.lambda_.invoke("on_whatsapp_event", whatsapp_event("sns_text_message", sender="+40733000111"))
    found = json.loads(client.http.get("/customers?whatsapp=%2B40733000111").body)
    assert found["whatsapp"] == "+40733000111"
    assert "message_received" in kinds(found["id"])


# ---- attendance and no-shows -----------------------------------------------------------

def visit_has_passed(appointment="APT-20931"):
    """Time passes: the visit is now yesterday (its counters move to that day)."""
    item = AppointmentModel.get(appointment)
    item.update(actions=[AppointmentModel.starts_at.set(utcnow() - timedelta(days=1))])


def test_an_unconfirmed_visit_nobody_attended_is_a_no_show_counted_that_day(client, ioana):
    book(client, ioana)
    outcome = fire(client, schedule("apt-APT-20931-attendance"))
    assert outcome == {"step": "no_show_check", "attendance": "no_show"}
    totals = kpis(client, visit_day())
    assert (totals["appointments"], totals["noShows"], totals["noShowPercent"]) == (1, 1, 100.0)
    # The check running again (a Scheduler retry) counts nothing twice
    fire(client, schedule("apt-APT-20931-attendance"))
    assert kpis(client, visit_day())["noShows"] == 1


def test_a_confirmed_visit_waits_for_the_clinic_to_report_attendance(client, ioana, social):
    book(client, ioana)
    expect_whatsapp(social)
    inbound(client)
    assert fire(client, schedule("apt-APT-20931-attendance"))["attendance"] == "confirmed"
    assert kpis(client, visit_day()).get("noShows", 0) == 0


def test_the_clinic_reports_attendance_after_the_visit(client, ioana):
    book(client, ioana)
    status, body = post(client, "/appointments/APT-20931/attendance", {"attended": True})
    assert status == 409 and "has not started yet" in body["Message"]
    visit_has_passed()
    status, body = post(client, "/appointments/APT-20931/attendance", {"attended": False})
    assert (status, body["status"]) == (200, "no_show")
    status, body = post(client, "/appointments/APT-20931/attendance", {"attended": True})
    assert (status, body["status"]) == (200, "attended")
    yesterday = counters.local_day(utcnow() - timedelta(days=1), get_settings().metrics_time_zone)
    assert (kpis(client, yesterday)["appointments"], kpis(client, yesterday)["noShows"]) == (1, 0)
    assert kpis(client, visit_day())["appointments"] == 0


@pytest.mark.parametrize("body", [{}, {"attended": "yes"}, {"attended": True, "note": "late"}])
def test_a_bad_attendance_report_is_400(client, ioana, body):
    book(client, ioana)
    visit_has_passed()
    status, answer = post(client, "/appointments/APT-20931/attendance", body)
    assert status == 400 and "attended" in answer["Message"]
    assert status_of() == "booked"


# ---- the phone line --------------------------------------------------------------------

def test_a_caller_hears_her_next_appointment_and_confirms_it_with_a_key(client, ioana):
    book(client, ioana)
    answer = client.lambda_.invoke("next_appointment", flow_event("call-1", address=IOANA_PHONE)).payload
    assert answer["status"] == "OK"
    assert (answer["appointmentId"], answer["appointmentTime"], answer["canConfirm"]) == ("APT-20931", "09:30", "true")
    assert _ro_month(VISIT_AT) in answer["appointmentDate"]
    confirmed = client.lambda_.invoke("confirm_appointment", flow_event(
        "call-1", address=IOANA_PHONE, attributes={"appointmentId": "APT-20931"})).payload
    assert (confirmed["status"], confirmed["appointmentStatus"]) == ("OK", "confirmed")
    assert status_of() == "confirmed"
    assert "appointment_confirmed" in kinds(ioana)


def test_the_date_is_said_in_the_language_the_flow_speaks(client, ioana):
    book(client, ioana)
    answer = client.lambda_.invoke("next_appointment", flow_event(
        "call-2", address=IOANA_PHONE, parameters={"language": "en-US"})).payload
    assert answer["appointmentTime"] == "9:30\u202fAM"  # Babel's narrow no-break space before AM


def test_a_caller_without_appointments_hears_so(client, ioana):
    answer = client.lambda_.invoke("next_appointment", flow_event("call-3", address=IOANA_PHONE)).payload
    assert (answer["status"], answer["errorCode"]) == ("NOT_FOUND", "NO_APPOINTMENT")


def _delivery(*messages):
    """One SNS delivery holding several customer messages."""
    event = whatsapp_event("sns_text_message", sender=IOANA_PHONE)
    sns = event["Records"][0]["Sns"]
    note = json.loads(sns["Message"])
    entry = json.loads(note["whatsAppWebhookEntry"])
    template = entry["changes"][0]["value"]["messages"][0]
    entry["changes"][0]["value"]["messages"] = [{**template, "id": f"wamid.{n}", **m} for n, m in enumerate(messages)]
    note["whatsAppWebhookEntry"] = json.dumps(entry, ensure_ascii=False)
    sns["Message"] = json.dumps(note, ensure_ascii=False)
    return event


def dead_letters():
    import boto3

    sqs = boto3.client("sqs", region_name="eu-central-1")
    url = sqs.get_queue_url(QueueName=get_settings().whatsapp_dead_letter_queue_arn.rpartition(":")[2])["QueueUrl"]
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in found]


@pytest.fixture
def log_lines():
    """The service's log lines, as serialized (masked) for CloudWatch."""
    import logging

    from chalicelib.observability import get_logger

    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    logger = get_logger()
    handler = Capture()
    handler.setFormatter(logger.registered_formatter)
    logging.getLogger(logger.name).addHandler(handler)
    yield lines
    logging.getLogger(logger.name).removeHandler(handler)


def test_malformed_messages_are_dead_lettered_alone_and_a_stop_beside_them_takes_effect(client, ioana, log_lines):
    # Given one delivery with three malformed messages and Ioana's STOP
    event = _delivery({"type": "text", "text": "pot veni mai tarziu"}, {"type": "button", "button": ["Confirm"]},
                      {"type": "interactive", "interactive": "yes"}, {"type": "text", "text": {"body": "STOP"}})
    # When it arrives
    summary = client.lambda_.invoke("on_whatsapp_event", event).payload
    # Then the STOP withdrew her WhatsApp consent
    consent = CustomerModel.get(ioana).consent.as_dict()["whatsapp"]
    assert consent == {"transactional": False, "surveys": False, "marketing": False}
    # And each malformed message is kept in the dead-letter queue on its own, and counted
    kept = dead_letters()
    assert sorted(m["message"]["id"] for m in kept) == ["wamid.0", "wamid.1", "wamid.2"]
    assert all(m["source"] == "on_whatsapp_event" and m["problem"] for m in kept)
    assert summary is None or summary.get("unusable", 3) == 3
    # And the log says so without her number or what she wrote
    logged = "\n".join(log_lines)
    assert '"unusable":3' in logged
    assert "745112233" not in logged and "tarziu" not in logged


def test_a_message_that_fails_on_aws_is_retried_after_the_others_took_effect(client, ioana, monkeypatch):
    # Given a delivery of two messages, the first of which meets an AWS failure
    from chalicelib.errors import DependencyFailure
    from chalicelib.notify import whatsapp_inbound

    handled = []
    receive = whatsapp_inbound.receive

    def flaky(inbound, settings):
        if inbound.message_id == "wamid.0" and not handled:
            handled.append(inbound.message_id)
            raise DependencyFailure("writing the timeline failed: ProvisionedThroughputExceededException")
        return receive(inbound, settings)

    monkeypatch.setattr(whatsapp_inbound, "receive", flaky)
    event = _delivery({"type": "text", "text": {"body": "Bună ziua"}}, {"type": "text", "text": {"body": "STOP"}})
    # When it arrives, the delivery fails (so it is retried)...
    with pytest.raises(DependencyFailure):
        client.lambda_.invoke("on_whatsapp_event", event)
    # ...but the STOP beside it already took effect, and nothing went to the dead letters
    assert CustomerModel.get(ioana).consent.as_dict()["whatsapp"]["transactional"] is False
    assert dead_letters() == []
