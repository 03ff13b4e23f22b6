"""Customers calling and chatting through the real flows, the real lookup function and
DynamoDB (moto), with Connect played by the flow simulator."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from deploy import flows
from devkit.call import local_simulator
from devkit.flowsim import Customer

OPEN = datetime.fromisoformat("2025-03-03T10:00")  # a Monday morning in Bucharest
CLOSED = datetime.fromisoformat("2025-03-02T10:00")  # a Sunday


@pytest.fixture
def call(client):
    from app import app

    def place(flow: str, customer: Customer, at: datetime = OPEN, full: tuple[str, ...] = ()):
        return local_simulator(client, app, at=at, full_queues=full).run(flows.render(flow, "local"), customer)

    return place


def create(client, **body):
    response = client.http.post("/customers", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def open_case(client, customer_id, case_id="CASE-1042"):
    from chalicelib.profiles.models import CustomerModel

    CustomerModel(customer_id).update(actions=[CustomerModel.open_case_id.set(case_id)])


def test_a_known_romanian_caller_is_greeted_by_name_and_queued_with_romanian_agents(client, call):
    # Given Ana, a gold customer who speaks Romanian
    ana = create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO", tier="gold")
    # When she calls
    result = call("inbound_voice", Customer(address="+40712345678"))
    # Then she hears a Romanian voice greet her by name, the menu of reasons (no Lex bot speaks
    # Romanian), and, pressing nothing, waits for a Romanian-speaking agent
    heard = result.heard()
    assert (heard[0], heard[-1]) == ("Bună ziua, Ana! Vă mulțumim că ne-ați contactat.",
                                     "Un coleg vă va răspunde în curând.")
    assert heard[1].startswith("Pentru Facturare și plăți, apăsați 1.") and len(heard) == 3
    assert any(s.kind == "voice" and s.text.startswith("Carmen") for s in result.steps)
    assert (result.outcome, result.queue) == ("queued", "romanian")
    # And the agent's CCP shows who she is, without her number or name
    assert result.attributes["customerId"] == ana["id"]
    assert result.attributes["tier"] == "gold"
    assert result.attributes["lookupStatus"] == "OK"
    assert "712345678" not in json.dumps(result.attributes) and "Ana" not in json.dumps(result.attributes)


def test_a_vip_goes_straight_to_the_vip_queue(client, call):
    create(client, firstName="James", phone="+447400123456", preferredLanguage="en-GB", tier="vip")
    result = call("inbound_voice", Customer(address="+447400123456"))
    assert result.heard()[0] == "Hello James, thank you for contacting us."
    assert result.queue == "vip"


def test_a_caller_with_an_open_case_who_presses_1_reaches_the_case_team(client, call):
    giulia = create(client, firstName="Giulia", phone="+393331234567", preferredLanguage="it-IT")
    open_case(client, giulia["id"])
    result = call("inbound_voice", Customer(address="+393331234567", inputs=["1"]))
    assert "Se ci contatta per la sua richiesta aperta, prema 1. Per altro, prema 2." in result.heard()
    assert result.queue == "cases"
    assert result.attributes["openCaseId"] == "CASE-1042"


@pytest.mark.parametrize("inputs", [[], ["2"], ["9"]], ids=["silence", "something else", "a wrong key"])
def test_a_caller_with_an_open_case_who_does_not_press_1_is_queued_by_language(client, call, inputs):
    giulia = create(client, firstName="Giulia", phone="+393331234567", preferredLanguage="it-IT")
    open_case(client, giulia["id"])
    result = call("inbound_voice", Customer(address="+393331234567", inputs=inputs))
    assert result.queue == "italian"


def test_an_unknown_caller_is_welcomed_in_the_language_of_their_country(call):
    result = call("inbound_voice", Customer(address="+393471112223"))
    assert result.heard()[0] == "Buongiorno! Grazie per averci contattato."
    assert result.queue == "italian"
    assert result.attributes["lookupStatus"] == "NOT_FOUND"
    assert result.attributes["customerId"]  # a profile was started for next time


def test_a_hungarian_caller_hears_the_default_voice_but_reaches_hungarian_agents(client, call):
    # Amazon Polly has no Hungarian voice: the call is answered in English, the queue is Hungarian.
    create(client, firstName="Eszter", phone="+36201234567", preferredLanguage="hu-HU")
    result = call("inbound_voice", Customer(address="+36201234567"))
    assert result.heard()[0] == "Hello Eszter, thank you for contacting us."
    assert result.queue == "hungarian"


def test_a_chat_customer_is_recognised_from_the_widget_attributes(client, call):
    create(client, firstName="Giulia", email="giulia.rossi@example.it", preferredLanguage="it-IT")
    result = call("inbound_chat", Customer(channel="CHAT", address=None,
                                           attributes={"email": "giulia.rossi@example.it"}))
    assert result.heard()[0] == "Buongiorno, Giulia! Grazie per averci contattato."
    assert result.queue == "italian"
    assert result.lambda_calls()[0].detail["parameters"]["email"] == "giulia.rossi@example.it"


def test_a_whatsapp_customer_reads_hungarian(client, call):
    create(client, firstName="Eszter", whatsapp="+36201234567", preferredLanguage="hu-HU")
    result = call("inbound_chat", Customer(channel="CHAT", address="+36201234567", subtype="connect:WhatsApp"))
    assert result.heard()[0] == "Jó napot, Eszter! Köszönjük, hogy kapcsolatba lépett velünk."
    assert result.queue == "hungarian"


def test_a_chat_customer_with_an_open_case_goes_to_the_case_team(client, call):
    ana = create(client, firstName="Ana", email="ana@example.ro", preferredLanguage="ro-RO")
    open_case(client, ana["id"])
    result = call("inbound_chat", Customer(channel="CHAT", address=None, attributes={"email": "ana@example.ro"}))
    assert result.queue == "cases"


def test_when_the_lookup_fails_the_caller_still_reaches_an_agent(client, call, dynamodb_fault):
    # Given DynamoDB throttles every request
    create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO")
    dynamodb_fault("throttle")
    # When Ana calls
    result = call("inbound_voice", Customer(address="+40712345678"))
    # Then the lookup answers ERROR, and she is welcomed and queued anyway
    assert result.lambda_calls()[0].detail["answer"]["status"] == "ERROR"
    assert result.heard() == ["Hello, thank you for contacting us.", "A colleague will be with you shortly."]
    assert result.queue == "general"
    assert result.attributes["lookupStatus"] == "ERROR"


def test_a_lookup_slower_than_the_block_allows_takes_the_error_branch(client, call, settings_env, dynamodb_fault,
                                                                       monkeypatch):
    # Given a block that waits 1 s and a function whose budget is 1.5 s, with DynamoDB slow
    monkeypatch.setattr(flows, "LAMBDA_TIME_LIMIT_S", 1)
    settings_env(FLOW_BUDGET_MS="1500")
    create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO")
    dynamodb_fault("slow", seconds=2)
    # When Ana calls
    result = call("inbound_voice", Customer(address="+40712345678"))
    # Then Connect gives up on the function and the flow falls back safely
    assert "no answer within the block's 1 s" in result.lambda_calls()[0].text
    assert result.queue == "general"


def test_outside_opening_hours_the_caller_is_told_and_the_call_ends(client, call):
    create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO")
    result = call("inbound_voice", Customer(address="+40712345678"), at=CLOSED)
    assert result.heard()[-1] == "În acest moment suntem închiși. Vă rugăm să reveniți în timpul programului."
    assert result.outcome == "disconnected"


def test_a_full_queue_ends_the_call_politely(client, call):
    create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO")
    result = call("inbound_voice", Customer(address="+40712345678"), full=("romanian",))
    assert result.heard()[-1] == "Toți colegii noștri sunt ocupați. Vă rugăm să reveniți mai târziu."
    assert result.outcome == "disconnected"


def test_the_lambda_receives_a_contact_flow_event_like_connects(client, call):
    result = call("inbound_voice", Customer(address="+40712345678"))
    # The lookup linked this contact to the new profile: it read ContactId from the event
    from chalicelib.profiles.models import ContactLinkModel

    answer = result.lambda_calls()[0].detail["answer"]
    assert [link.customer_id for link in ContactLinkModel.scan()] == [answer["customerId"]]


# ---- why they call: the contact-reason steps ----

def test_a_romanian_caller_who_chooses_returns_in_the_menu_reaches_the_orders_team(client, call):
    create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO")

    result = call("inbound_voice", Customer(address="+40712345678", inputs=["3"]))

    assert (result.outcome, result.queue) == ("queued", "orders")
    assert (result.attributes["predictedReason"], result.attributes["reasonBecause"]) == ("return", "menu 3")


def test_an_english_caller_says_why_and_is_routed_on_it(client, call):
    # Given a caller whose language a Lex V2 bot speaks
    create(client, firstName="James", phone="+447400123456", preferredLanguage="en-GB")
    # When he answers the open question (the simulator types what he says)
    result = call("inbound_voice", Customer(address="+447400123456",
                                            inputs=["I was charged twice for the same invoice"]))
    # Then he is asked, understood and queued with the billing team
    assert "In a few words, how can we help?" in result.heard()
    assert (result.outcome, result.queue) == ("queued", "billing")
    assert result.attributes["predictedReason"] == "billing" and result.attributes["reasonBecause"] == "text"
    assert "charged" not in json.dumps(result.attributes)


def test_a_caller_with_a_pending_return_is_asked_about_it_and_confirms(client, call):
    from chalicelib.reasons import history
    from chalicelib.reasons.predict import PENDING_RETURN_WEIGHT, Evidence

    ana = create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO")
    history.register("test.returns", lambda customer_id, now: [
        Evidence("return", PENDING_RETURN_WEIGHT, "open return R-1004821, 2 days ago", "R-1004821")]
        if customer_id == ana["id"] else [])
    try:
        result = call("inbound_voice", Customer(address="+40712345678", inputs=["1"]))
    finally:
        history._sources.pop("test.returns")

    assert result.heard()[1] == ("Ne contactați în legătură cu R-1004821: Retururi și rambursări? "
                                 "Apăsați 1 pentru da, 2 pentru altceva.")
    assert (result.outcome, result.queue) == ("queued", "orders")
    assert result.attributes["reasonBecause"] == "open return R-1004821, 2 days ago"


def test_an_italian_chat_customer_writes_why_and_is_routed_on_it(client, call):
    create(client, firstName="Giulia", email="giulia.rossi@example.it", preferredLanguage="it-IT")

    result = call("inbound_chat", Customer(
        channel="CHAT", address=None, attributes={"email": "giulia.rossi@example.it"},
        inputs=["vorrei restituire le scarpe, sono troppo piccole"]))

    assert "Ci dica in poche parole come possiamo aiutarla." in result.heard()
    assert (result.outcome, result.queue, result.attributes["predictedReason"]) == ("queued", "orders", "return")


def test_a_romanian_chat_without_a_bot_for_its_language_is_routed_by_language(client, call):
    create(client, firstName="Ana", email="ana@example.ro", preferredLanguage="ro-RO")

    result = call("inbound_chat", Customer(channel="CHAT", address=None, attributes={"email": "ana@example.ro"}))

    assert (result.outcome, result.queue) == ("queued", "romanian")
    assert "predictedReason" not in result.attributes


def test_an_italian_email_is_queued_with_the_team_for_its_reason(client, call):
    # Given an e-mail from an address we do not know yet (its profile starts in the default language)
    email = Customer(channel="EMAIL", address="marco.bianchi@example.it", address_type="EMAIL_ADDRESS",
                     subject="Reso ordine 4471: vorrei restituire le scarpe e avere il rimborso")
    # When it arrives through the inbound e-mail flow
    result = call("inbound_email", email)
    # Then it waits with the orders team, its reason kept for the agent
    assert (result.outcome, result.queue) == ("queued", "orders")
    assert (result.attributes["predictedReason"], result.attributes["reasonBecause"]) == ("return", "text")


def test_a_customers_billing_email_opens_a_case_and_a_second_one_joins_it(client, call):
    # Given Ana, whom we know by her e-mail address
    ana = create(client, firstName="Ana", email="ana@example.ro", preferredLanguage="ro-RO")
    email = Customer(channel="EMAIL", address="ana@example.ro", address_type="EMAIL_ADDRESS",
                     subject="Factura din noiembrie: am fost taxată de două ori, vreau banii înapoi")
    # When her e-mail about a double charge arrives through the inbound e-mail flow
    first = call("inbound_email", email)
    # Then it waits with the billing team, and a case is open at L1 whose id the agent sees
    assert (first.outcome, first.queue) == ("queued", "billing")
    assert (first.attributes["predictedReason"], first.attributes["caseStatus"]) == ("billing", "NEW")
    case_id = first.attributes["caseId"]
    case = json.loads(client.http.get(f"/cases/{case_id}").body)
    assert (case["customerId"], case["reason"], case["tier"], case["queue"]) == (ana["id"], "billing", "L1",
                                                                                   "billing_l1")
    assert case["subject"].startswith("Factura din noiembrie")
    # When she writes again about the same bill, the e-mail joins the open case
    second = call("inbound_email", email)
    assert (second.attributes["caseId"], second.attributes["caseStatus"]) == (case_id, "EXISTING")
    assert [c["caseId"] for c in json.loads(client.http.get(f"/customers/{ana['id']}/cases").body)["cases"]] == \
        [case_id]


def test_when_cases_cannot_be_opened_the_email_is_still_queued(client, call, dynamodb_fault):
    # Given the cases table throttles every request
    from chalicelib.settings import get_settings

    create(client, firstName="Ana", email="ana@example.ro", preferredLanguage="ro-RO")
    dynamodb_fault("throttle", table=get_settings().cases_table)
    # When Ana's billing e-mail arrives
    result = call("inbound_email", Customer(channel="EMAIL", address="ana@example.ro", address_type="EMAIL_ADDRESS",
                                            subject="Factura: am fost taxată de două ori"))
    # Then open_case answers ERROR and the e-mail still waits with the billing team, without a case
    assert [c.detail["answer"]["status"] for c in result.lambda_calls()][-1] == "ERROR"
    assert (result.outcome, result.queue) == ("queued", "billing")
    assert "caseId" not in result.attributes
