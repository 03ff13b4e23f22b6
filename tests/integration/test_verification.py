"""Recognised is not verified: what a caller hears before and after proving who they
are, through the real flow functions on moto (and the real flows in the simulator)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from chalicelib.db import utcnow
from devkit.mailbox import sent_emails
from tests.helpers import create_customer, load_event
from tests.journeys import flow_event, save_order

IOANA_PHONE = "+40745112233"
IOANA_EMAIL = "ioana@exemplu.ro"
ALL_VERIFIED = "start_return=verified,return_status=verified,next_appointment=verified,confirm_appointment=verified"


def invoke(client, name: str, event: dict) -> dict:
    return client.lambda_.invoke(name, event).payload


def book(client, customer_id: str, appointment_id: str = "APT-1") -> None:
    starts = (utcnow() + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    visit = {"appointmentId": appointment_id, "customerId": customer_id, "startsAt": starts.isoformat(),
             "service": "Consultație cardiologie", "location": "Clinica Lumen Victoriei",
             "address": "Calea Victoriei 155"}
    response = client.http.post("/appointments", headers={"Content-Type": "application/json"}, body=json.dumps(visit))
    assert response.status_code == 201, response.body


@pytest.fixture
def ioana(client):
    customer = create_customer(client, firstName="Ioana", phone=IOANA_PHONE, email=IOANA_EMAIL)
    book(client, customer)
    save_order("100-4821", customer)
    return customer


@pytest.fixture
def clinic_verifies(settings_env):
    settings_env(ASSURANCE_LEVELS="next_appointment=verified,confirm_appointment=verified")


def last_code(to: str) -> str:
    [mail] = [m for m in sent_emails() if to in m.to][-1:]
    return re.search(r"\b(\d{6})\b", mail.text).group(1)


def call(contact_id: str, *, initial: str | None = None, **parameters: str) -> dict:
    event = flow_event(contact_id, parameters=parameters, address=IOANA_PHONE)
    if initial:
        event["Details"]["ContactData"]["InitialContactId"] = initial
    return event


# ---- every function that says or changes something personal ---------------------

def _flow_targets() -> dict[str, str]:
    """Every contact-flow function app.py serves: its name and "module:function"."""
    import ast
    from pathlib import Path

    found = {}
    for node in ast.parse(Path("app.py").read_text()).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for call in ast.walk(node):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run"
                    and getattr(call.func.value, "id", "") == "flow"):
                found[node.name] = call.args[2].value
    return found


def _handler(target: str):
    import importlib

    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


# Flow functions that say nothing personal beyond a greeting and routing, or that are
# the verification itself. open_case files the contact the customer started with the
# desk and answers only where it routes (case id, tier, queue).
NOT_DISCLOSING = {"lookup_customer", "predict_reason", "record_survey_answer", "offer_article", "answer_article",
                  "send_verification_code", "check_verification_code", "check_verification_pin", "open_case"}


def test_every_flow_function_either_declares_its_assurance_or_says_nothing_personal():
    from chalicelib.verification.levels import DEFAULTS

    targets = _flow_targets()
    gated = {name for name, target in targets.items() if hasattr(_handler(target), "assurance_action")}
    assert len(targets) >= 12
    assert gated == set(DEFAULTS)
    assert set(targets) - gated == NOT_DISCLOSING


@pytest.mark.parametrize("name,parameters", [
    ("next_appointment", {}), ("confirm_appointment", {"appointmentId": "APT-1"}),
    ("return_status", {"orderNumber": "1004821"}), ("start_return", {"orderNumber": "1004821"})])
def test_below_its_assurance_a_function_answers_not_verified_and_nothing_personal(
        client, ioana, settings_env, name, parameters):
    from chalicelib.clinic.models import AppointmentModel

    # Given every action needs a verified caller, and Ioana calls from her own number
    settings_env(ASSURANCE_LEVELS=ALL_VERIFIED)
    # When she asks without having verified
    answer = invoke(client, name, call("c-refused", **parameters))
    # Then nothing but the refusal comes back, and nothing changed
    assert (answer["status"], answer["errorCode"]) == ("NOT_VERIFIED", "NOT_VERIFIED")
    assert (answer["assurance"], answer["assuranceNeeded"]) == ("recognised", "verified")
    assert {k for k, v in answer.items() if v} == {"status", "errorCode", "assurance", "assuranceNeeded"}
    assert AppointmentModel.get("APT-1").status == "booked"
    assert client.http.get("/returns/R-1004821").status_code == 404


def test_a_chat_naming_a_customer_by_a_typed_address_is_not_recognised(client, ioana):
    # Given a web chat whose visitor typed Ioana's e-mail address (no signed-in session)
    typed = flow_event("chat-typed", channel="CHAT", address=None, attributes={"email": IOANA_EMAIL})
    # When it asks for her next appointment
    answer = invoke(client, "next_appointment", typed)
    # Then it hears nothing: an address anyone can type recognises nobody
    assert (answer["status"], answer["assurance"], answer["appointmentDate"]) == ("NOT_VERIFIED", "none", "")


def test_a_chat_from_a_signed_in_session_and_her_own_whatsapp_number_are_recognised(client, ioana):
    session = flow_event("chat-session", channel="CHAT", address=None,
                         attributes={"customerId": ioana, "recognisedBy": "session"})
    whatsapp = load_event("connect/whatsapp_chat.json")
    whatsapp["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = IOANA_PHONE
    assert invoke(client, "next_appointment", session)["service"] == "Consultație cardiologie"
    assert invoke(client, "next_appointment", whatsapp)["service"] == "Consultație cardiologie"


# ---- one-time codes ---------------------------------------------------------------

def test_a_caller_verified_by_a_code_sent_to_her_profile_hears_her_appointment(client, ioana, clinic_verifies):
    # Given the clinic wants callers verified, and Ioana calls from her number
    assert invoke(client, "next_appointment", call("c-1"))["status"] == "NOT_VERIFIED"
    # When a code goes to her profile's e-mail address and she keys it in
    sent = invoke(client, "send_verification_code", call("c-1"))
    assert (sent["status"], sent["channel"], sent["validMinutes"]) == ("OK", "email", "5")
    code = last_code(IOANA_EMAIL)
    checked = invoke(client, "check_verification_code", call("c-1", code=code))
    # Then the contact is verified (method and time, never the code) and she hears it
    assert (checked["status"], checked["verification"], checked["verificationMethod"]) == (
        "OK", "verified", "code_email")
    assert code not in json.dumps(checked) and code not in json.dumps(sent)
    assert invoke(client, "next_appointment", call("c-1"))["service"] == "Consultație cardiologie"
    # ... on this contact and its transfers only
    assert invoke(client, "next_appointment", call("c-1-transfer", initial="c-1"))["status"] == "OK"
    assert invoke(client, "next_appointment", call("c-2"))["status"] == "NOT_VERIFIED"
    timeline = json.loads(client.http.get(f"/customers/{ioana}/timeline").body)
    assert "verified" in json.dumps(timeline) and code not in json.dumps(timeline)


def test_a_code_is_used_once(client, ioana, clinic_verifies):
    invoke(client, "send_verification_code", call("c-1"))
    code = last_code(IOANA_EMAIL)
    assert invoke(client, "check_verification_code", call("c-1", code=code))["status"] == "OK"
    again = invoke(client, "check_verification_code", call("c-1b", initial="c-1b", code=code))
    assert (again["status"], again["errorCode"]) == ("NOT_VERIFIED", "NO_CODE")


def test_an_expired_code_verifies_nobody(client, ioana, clinic_verifies, monkeypatch):
    from chalicelib import db
    from chalicelib.verification import service

    invoke(client, "send_verification_code", call("c-1"))
    code = last_code(IOANA_EMAIL)
    later = utcnow() + timedelta(minutes=6)
    monkeypatch.setattr(db, "utcnow", lambda: later)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    answer = invoke(client, "check_verification_code", call("c-1", code=code))
    assert (answer["status"], answer["errorCode"]) == ("NOT_VERIFIED", "CODE_EXPIRED")
    assert invoke(client, "next_appointment", call("c-1"))["status"] == "NOT_VERIFIED"


def test_a_spoofed_number_with_wrong_codes_never_hears_the_appointment_and_locks_the_profile(
        client, ioana, clinic_verifies):
    # Given someone calls from Ioana's number; the code goes to her e-mail, not to them
    invoke(client, "send_verification_code", call("spoof"))
    code = last_code(IOANA_EMAIL)
    wrong = "111111" if code != "111111" else "222222"
    # When they guess three times
    answers = [invoke(client, "check_verification_code", call("spoof", code=wrong)) for _ in range(3)]
    # Then two tries are left, then one, then the profile is locked
    assert [(a["errorCode"], a["triesLeft"]) for a in answers] == [("WRONG_CODE", "2"), ("WRONG_CODE", "1"),
                                                                    ("LOCKED", "0")]
    # ... the real code no longer works, on this call or the next, and no new code goes out
    assert invoke(client, "check_verification_code", call("spoof", code=code))["errorCode"] == "LOCKED"
    assert invoke(client, "send_verification_code", call("spoof-2"))["errorCode"] == "LOCKED"
    assert invoke(client, "next_appointment", call("spoof"))["appointmentDate"] == ""
    # ... the supervisors hear of it once, and the timeline has it
    alerts = [m for m in sent_emails() if "supervisors@" in m.to]
    assert len(alerts) == 1 and "Verification locked" in alerts[0].subject
    timeline = json.dumps(json.loads(client.http.get(f"/customers/{ioana}/timeline").body))
    assert "verification_locked" in timeline and "verification_failed" in timeline and code not in timeline


def test_the_lock_ends_after_its_time(client, ioana, clinic_verifies, monkeypatch):
    from chalicelib.verification import service

    for _ in range(3):
        invoke(client, "check_verification_code", call("c-1", code="000000"))
    later = utcnow() + timedelta(minutes=31)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert invoke(client, "send_verification_code", call("c-2"))["status"] == "OK"


def test_codes_never_reach_the_logs(client, ioana, clinic_verifies, capsys):
    invoke(client, "send_verification_code", call("c-1"))
    code = last_code(IOANA_EMAIL)
    invoke(client, "check_verification_code", call("c-1", code=code))
    out = capsys.readouterr()
    assert code not in out.out and code not in out.err


def test_a_code_by_sms_goes_to_the_profiles_number_and_verifies_the_caller(client, ioana):
    import re

    from botocore.stub import ANY, Stubber

    from chalicelib.notify import sms

    # Given End User Messaging SMS (stubbed), the texts it is asked to send kept
    sent: list[dict] = []
    texts = sms.client()
    texts.meta.events.register("provide-client-params.pinpoint-sms-voice-v2.SendTextMessage",
                               lambda params, **_: sent.append(dict(params)))
    with Stubber(texts) as stub:
        stub.add_response("send_text_message", {"MessageId": "sms-1"}, {
            "DestinationPhoneNumber": IOANA_PHONE, "OriginationIdentity": ANY, "MessageBody": ANY,
            "MessageType": "TRANSACTIONAL", "ConfigurationSetName": ANY})
        # When the flow asks for a code by SMS
        answer = invoke(client, "send_verification_code", call("c-1", channel="sms"))
        stub.assert_no_pending_responses()
    # Then it goes once, to the number on Ioana's profile, and that code verifies the call
    assert (answer["status"], answer["channel"]) == ("OK", "sms")
    [text] = sent
    code = re.search(r"\b(\d{6})\b", text["MessageBody"]).group(1)
    checked = invoke(client, "check_verification_code", call("c-1", code=code))
    assert (checked["status"], checked["verification"], checked["verificationMethod"]) == ("OK", "verified", "code_sms")


def test_an_unknown_caller_gets_no_code(client):
    answer = invoke(client, "send_verification_code", flow_event("c-x", address="+40799000111"))
    assert (answer["status"], answer["errorCode"]) == ("NOT_FOUND", "UNKNOWN_CUSTOMER")


# ---- the PIN the customer set ------------------------------------------------------

def set_pin(client, customer_id: str, pin: object):
    return client.http.put(f"/customers/{customer_id}/pin", headers={"Content-Type": "application/json"},
                           body=json.dumps({"pin": pin}))


def test_a_pin_verifies_the_contact_and_wrong_pins_take_the_same_tries(client, ioana, clinic_verifies):
    from chalicelib.verification.models import VerificationModel

    assert set_pin(client, ioana, "12a4").status_code == 400
    response = set_pin(client, ioana, "4821")
    assert response.status_code == 200 and "4821" not in response.body.decode()
    # The PIN is kept only as a salted hash
    stored = VerificationModel.get(f"pin#{ioana}")
    assert "4821" not in json.dumps(stored.attribute_values, default=str)
    wrong = invoke(client, "check_verification_pin", call("c-1", pin="4822"))
    assert (wrong["status"], wrong["errorCode"], wrong["triesLeft"]) == ("NOT_VERIFIED", "WRONG_PIN", "2")
    right = invoke(client, "check_verification_pin", call("c-1", pin="4821"))
    assert (right["status"], right["verificationMethod"]) == ("OK", "pin")
    assert invoke(client, "next_appointment", call("c-1"))["status"] == "OK"


def test_a_customer_without_a_pin_is_told_so(client, ioana):
    answer = invoke(client, "check_verification_pin", call("c-1", pin="1234"))
    assert (answer["status"], answer["errorCode"]) == ("NOT_VERIFIED", "NO_PIN")


# ---- counters --------------------------------------------------------------------

def test_metrics_count_verifications_attempted_succeeded_failed_and_locked(client, ioana, clinic_verifies):
    invoke(client, "send_verification_code", call("c-1"))
    code = last_code(IOANA_EMAIL)
    invoke(client, "check_verification_code", call("c-1", code="000000" if code != "000000" else "111111"))
    invoke(client, "check_verification_code", call("c-1", code=code))
    for _ in range(3):
        invoke(client, "check_verification_code", call("c-2", initial="c-2", code="999999"))
    from chalicelib.metrics.counters import local_day
    from chalicelib.settings import get_settings

    today = local_day(utcnow(), get_settings().metrics_time_zone)
    totals = json.loads(client.http.get(f"/metrics?from={today}").body)["totals"]
    assert (totals["verificationsAttempted"], totals["verificationsSucceeded"], totals["verificationsFailed"],
            totals["verificationsLocked"]) == (5, 1, 4, 1)
