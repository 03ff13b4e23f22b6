"""The journeys' contact flows (templates/flows), played by the flow simulator
against the real functions: what callers hear and where they end up."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from chalicelib.clinic.models import AppointmentModel
from chalicelib.db import utcnow
from deploy import flows
from devkit.call import local_simulator
from devkit.flowsim import Customer
from tests.helpers import create_customer
from tests.journeys import save_order

MONDAY_MORNING = datetime.fromisoformat("2025-03-03T10:00")


@pytest.fixture
def simulator(client):
    from app import app

    return local_simulator(client, app, at=MONDAY_MORNING)


@pytest.fixture
def ana(client):
    customer = create_customer(client, phone="+40 712 345 678")
    save_order("100-4821", customer)
    return customer


def test_a_caller_keys_in_her_order_and_hears_the_awb_in_romanian(simulator, ana):
    result = simulator.run(flows.render("retail_return", "local"), Customer(inputs=["1004821"]))
    heard = " ".join(result.heard())
    assert "introduceți numărul comenzii" in heard
    assert "Am înregistrat returul R-1004821" in heard and "Numărul AWB este: L C" in heard
    assert result.outcome == "disconnected"
    # The agent would see the return's id, never its AWB or the caller's number
    assert result.attributes["returnId"] == "R-1004821"
    assert result.attributes["contactReason"] == "return"
    assert "+40712345678" not in json.dumps(result.attributes)


def test_an_order_of_someone_else_is_explained_and_the_caller_reaches_a_colleague(simulator, client, ana):
    bogdan = create_customer(client, firstName="Bogdan", phone="+40 722 334 455", email="bogdan@exemplu.ro")
    save_order("200-1", bogdan)
    result = simulator.run(flows.render("retail_return", "local"), Customer(inputs=["2001"]))
    assert "Această comandă nu este înregistrată pe numele dumneavoastră." in result.heard()
    assert (result.outcome, result.queue) == ("queued", "cases")


def test_a_caller_who_enters_nothing_reaches_a_colleague(simulator, ana):
    result = simulator.run(flows.render("retail_return", "local"), Customer(inputs=[]))
    assert "Nu am primit niciun număr de comandă." in result.heard()
    assert result.queue == "cases"


def test_where_is_my_return_on_web_chat(simulator, client, ana):
    simulator.run(flows.render("retail_return", "local"), Customer(inputs=["1004821"]))
    # A chat the website started for Ana's signed-in session (POST /chat/start)
    result = simulator.run(flows.render("return_status", "local"), Customer(
        channel="CHAT", address=None, attributes={"customerId": ana, "recognisedBy": "session"}))
    [answer] = [text for text in result.heard() if text.startswith("Returul R-1004821")]
    assert "curierul Lumen Courier ridică coletul" in answer and "Numărul AWB: LC" in answer
    assert result.outcome == "disconnected"


def test_the_clinic_line_says_the_next_appointment_and_confirms_it_with_1(simulator, client):
    ioana = create_customer(client, firstName="Ioana", phone="+40 745 112 233")
    starts = (utcnow() + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    visit = {"appointmentId": "APT-1", "customerId": ioana, "startsAt": starts.isoformat(),
             "service": "Consultație cardiologie", "location": "Clinica Lumen Victoriei",
             "address": "Calea Victoriei 155"}
    assert client.http.post("/appointments", headers={"Content-Type": "application/json"},
                            body=json.dumps(visit)).status_code == 201
    result = simulator.run(flows.render("next_appointment", "local"),
                           Customer(address="+40745112233", inputs=["1"]))
    heard = " ".join(result.heard())
    assert "Următoarea dumneavoastră programare este" in heard and "pentru Consultație cardiologie" in heard
    assert "Vă mulțumim, programarea este confirmată." in heard
    assert AppointmentModel.get("APT-1").status == "confirmed"


def test_a_front_desk_task_goes_to_the_general_queue(simulator):
    result = simulator.run(flows.render("front_desk_task", "local"), Customer(channel="TASK", address=None))
    assert (result.outcome, result.queue) == ("queued", "general")


def test_a_task_from_a_whatsapp_message_goes_to_the_queue_of_its_reason(simulator):
    task = Customer(channel="TASK", address=None, attributes={"predictedQueue": "billing"})
    result = simulator.run(flows.render("front_desk_task", "local"), task)
    assert (result.outcome, result.queue) == ("queued", "billing")


# ---- why they call, from what is in progress ----

def test_a_silent_caller_with_an_open_return_is_asked_about_it_and_reaches_the_orders_team(simulator, ana):
    # Given Ana returned order 100-4821 on an earlier call
    simulator.run(flows.render("retail_return", "local"), Customer(inputs=["1004821"]))
    # When she calls the main line again and says nothing but "1"
    result = simulator.run(flows.render("inbound_voice", "local"), Customer(inputs=["1"]))
    # Then she is asked about that return, by its id, and queued with the orders team
    assert result.heard()[1] == ("Ne contactați în legătură cu R-1004821: Retururi și rambursări? "
                                 "Apăsați 1 pentru da, 2 pentru altceva.")
    assert (result.outcome, result.queue) == ("queued", "orders")
    assert result.attributes["predictedReason"] == "return"
    assert result.attributes["reasonBecause"] == "open return R-1004821, today"


def test_an_appointment_tomorrow_is_why_a_patient_calls(client):
    from chalicelib.clinic.reasons import upcoming_appointment

    ioana = create_customer(client, firstName="Ioana", phone="+40 745 112 233")
    starts = (utcnow() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    visit = {"appointmentId": "APT-2", "customerId": ioana, "startsAt": starts.isoformat(),
             "service": "Consultație", "location": "Clinica Lumen", "address": "Calea Victoriei 155"}
    assert client.http.post("/appointments", headers={"Content-Type": "application/json"},
                            body=json.dumps(visit)).status_code == 201

    answer = client.lambda_.invoke("predict_reason", {"Name": "ContactFlowEvent", "Details": {
        "ContactData": {"Channel": "VOICE", "Attributes": {"customerId": ioana}}, "Parameters": {}}}).payload

    assert [e.because for e in upcoming_appointment(ioana, utcnow())] == ["appointment tomorrow"]
    assert (answer["reason"], answer["because"]) == ("appointment", "appointment tomorrow")


# ---- verification before anything personal is said ----

@pytest.fixture
def clinic_verifies(settings_env, monkeypatch, client):
    """The clinic wants callers verified before they hear an appointment; the code the
    caller will be sent is known to the test (the caller reads it from her e-mail)."""
    from chalicelib.verification import codes

    settings_env(ASSURANCE_LEVELS="next_appointment=verified,confirm_appointment=verified")
    monkeypatch.setattr(codes, "new_code", lambda: "482913")
    ioana = create_customer(client, firstName="Ioana", phone="+40 745 112 233", email="ioana@exemplu.ro")
    starts = (utcnow() + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    visit = {"appointmentId": "APT-1", "customerId": ioana, "startsAt": starts.isoformat(),
             "service": "Consultație cardiologie", "location": "Clinica Lumen Victoriei",
             "address": "Calea Victoriei 155"}
    assert client.http.post("/appointments", headers={"Content-Type": "application/json"},
                            body=json.dumps(visit)).status_code == 201
    return ioana


def test_a_caller_keys_in_the_code_from_her_email_and_only_then_hears_her_appointment(simulator, clinic_verifies):
    from devkit.mailbox import sent_emails

    result = simulator.run(flows.render("next_appointment", "local"),
                           Customer(address="+40745112233", inputs=["482913", "1"]))
    heard = " ".join(result.heard())
    [mail] = [m for m in sent_emails() if "ioana@exemplu.ro" in m.to and "verificare" in m.subject]
    assert "482913" in mail.text
    assert heard.index("v-am trimis un cod de șase cifre") < heard.index("Următoarea dumneavoastră programare este")
    assert "Vă mulțumim, programarea este confirmată." in heard
    assert (result.attributes["verification"], result.attributes["verificationMethod"]) == ("verified", "code_email")
    assert "482913" not in json.dumps(result.attributes)
    assert AppointmentModel.get("APT-1").status == "confirmed"


def test_a_spoofed_number_with_wrong_codes_never_hears_the_appointment_and_reaches_the_front_desk(
        simulator, clinic_verifies):
    result = simulator.run(flows.render("next_appointment", "local"),
                           Customer(address="+40745112233", inputs=["111111", "222222", "333333"]))
    heard = " ".join(result.heard())
    assert "Consultație cardiologie" not in heard and "programare este" not in heard
    assert heard.count("Codul nu este corect.") == 2
    assert "Nu am putut confirma că sunteți dumneavoastră." in heard
    assert (result.outcome, result.queue) == ("queued", "general")
    assert result.attributes["verification"] == "failed"
    assert AppointmentModel.get("APT-1").status == "booked"


def test_a_web_chat_without_a_session_is_offered_a_code_before_the_awb(simulator, client, ana, monkeypatch):
    from chalicelib.verification import codes

    monkeypatch.setattr(codes, "new_code", lambda: "730512")
    simulator.run(flows.render("retail_return", "local"), Customer(inputs=["1004821"]))
    result = simulator.run(flows.render("return_status", "local"), Customer(
        channel="CHAT", address=None, attributes={"email": "ana.popescu@example.ro"}, inputs=["730512"]))
    heard = result.heard()
    assert heard.index(next(t for t in heard if "cod de șase cifre" in t)) < heard.index(
        next(t for t in heard if t.startswith("Returul R-1004821")))
