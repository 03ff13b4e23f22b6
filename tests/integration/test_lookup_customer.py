"""The contact-flow lookup as Amazon Connect invokes it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.db import utcnow
from chalicelib.profiles.models import ContactLinkModel, CustomerModel, IdentityModel
from tests.helpers import load_event

INITIATION_METHODS = ["INBOUND", "OUTBOUND", "TRANSFER", "QUEUE_TRANSFER", "CALLBACK", "API", "DISCONNECT",
                      "MONITOR", "EXTERNAL_OUTBOUND", "WEBRTC_API", "AGENT_REPLY", "FLOW"]
RESPONSE_KEYS = {"status", "customerId", "firstName", "preferredLanguage", "tier", "isVip", "openCaseId",
                 "lastContactReason", "lastChannel", "daysSinceLastContact", "contactsLast30Days",
                 "hasFirstName", "hasOpenCase", "lastNps", "lastCsat", "daysSinceLastSurvey", "recentDetractor",
                 "offerSurvey"}


def lookup(client, event):
    return client.lambda_.invoke("lookup_customer", event).payload


def create(client, **body):
    response = client.http.post("/customers", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def assert_contract(answer):
    assert isinstance(answer, dict)
    assert all(isinstance(k, str) and re.fullmatch(r"[A-Za-z0-9_-]+", k) for k in answer)
    assert all(isinstance(v, str) for v in answer.values())
    assert answer["status"] in ("OK", "NOT_FOUND", "ERROR")
    assert (answer["status"] == "OK") == ("errorCode" not in answer)
    assert len(json.dumps(answer).encode()) < 32 * 1024


def test_a_known_caller_is_recognised_with_routing_context(client):
    # Given Ana, a gold customer who speaks Romanian and has an open case
    ana = create(client, firstName="Ana", lastName="Popescu", phone="0712 345 678", tier="vip",
                 preferredLanguage="ro-RO")
    CustomerModel(ana["id"]).update(actions=[
        CustomerModel.open_case_id.set("CASE-1042"), CustomerModel.last_reason.set("billing"),
        CustomerModel.last_channel.set("CHAT"), CustomerModel.last_contact_at.set(utcnow() - timedelta(days=3)),
        CustomerModel.recent_contacts.set([(utcnow() - timedelta(days=d)).isoformat() for d in (40, 10, 3)]),
    ])
    # When she calls from her mobile
    answer = lookup(client, load_event("connect/voice_inbound.json"))
    # Then the flow can greet her by name, in Romanian, and route her as a VIP with her case
    assert answer == {
        "status": "OK", "customerId": ana["id"], "firstName": "Ana", "preferredLanguage": "ro-RO",
        "tier": "vip", "isVip": "true", "openCaseId": "CASE-1042", "lastContactReason": "billing",
        "lastChannel": "CHAT", "daysSinceLastContact": "3", "contactsLast30Days": "2",
        "hasFirstName": "true", "hasOpenCase": "true",
        # Never surveyed: nothing to report, and the post-call survey may be offered
        "lastNps": "", "lastCsat": "", "daysSinceLastSurvey": "", "recentDetractor": "false", "offerSurvey": "true",
    }
    # And the contact is linked to her for the timeline
    assert ContactLinkModel.get("4a573372-1f28-4e26-b97b-6a2c4b3e1f01").customer_id == ana["id"]


def test_no_phone_number_or_email_goes_back_into_contact_attributes(client):
    create(client, firstName="Ana", phone="+40712345678", email="ana@example.ro")
    answer = lookup(client, load_event("connect/voice_inbound.json"))
    assert "712345678" not in json.dumps(answer)
    assert "@" not in json.dumps(answer)


def test_an_unknown_caller_gets_a_new_profile_in_the_language_of_their_country(client):
    answer = lookup(client, load_event("connect/voice_inbound.json", CustomerEndpoint={
        "Address": "+393331234567", "Type": "TELEPHONE_NUMBER"}))
    assert answer["status"] == "NOT_FOUND"
    assert answer["errorCode"] == "UNKNOWN_CUSTOMER"
    assert answer["preferredLanguage"] == "it-IT"
    # The next call from the same number is recognised as that profile
    again = lookup(client, load_event("connect/voice_inbound.json", ContactId="second-call", CustomerEndpoint={
        "Address": "+39 333 123 4567", "Type": "TELEPHONE_NUMBER"}))
    assert again["status"] == "OK"
    assert again["customerId"] == answer["customerId"]


def test_unknown_callers_are_not_profiled_when_auto_create_is_off(client, settings_env):
    settings_env(AUTO_CREATE_PROFILES="false")
    answer = lookup(client, load_event("connect/voice_inbound.json"))
    assert answer["status"] == "NOT_FOUND"
    assert answer["customerId"] == ""
    assert CustomerModel.count() == 0


def test_a_withheld_number_is_not_found_and_creates_nothing(client):
    answer = lookup(client, load_event("connect/voice_withheld_number.json"))
    assert answer["status"] == "NOT_FOUND"
    assert answer["errorCode"] == "INVALID_ADDRESS"
    assert CustomerModel.count() == 0


def test_a_chat_customer_is_recognised_by_the_email_the_widget_passed(client):
    giulia = create(client, firstName="Giulia", email="giulia.rossi@example.it", preferredLanguage="it-IT")
    answer = lookup(client, load_event("connect/chat_inbound.json"))
    assert (answer["status"], answer["customerId"], answer["firstName"]) == ("OK", giulia["id"], "Giulia")


def test_a_customer_who_phoned_is_recognised_when_she_writes_on_whatsapp(client):
    eszter = create(client, firstName="Eszter", phone="+36 20 123 4567")
    answer = lookup(client, load_event("connect/whatsapp_chat.json"))
    assert (answer["status"], answer["customerId"], answer["preferredLanguage"]) == ("OK", eszter["id"], "hu-HU")


def test_a_task_is_recognised_by_the_customer_id_attribute(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    event = load_event("connect/task_api.json", Attributes={"customerId": ana["id"]})
    assert lookup(client, event)["customerId"] == ana["id"]


def test_an_email_contact_is_recognised_by_its_sender(client):
    ana = create(client, firstName="Ana", email="Ana.Popescu@example.ro")
    assert lookup(client, load_event("connect/email_inbound.json"))["customerId"] == ana["id"]


@pytest.mark.parametrize("method", [*INITIATION_METHODS, "SOMETHING_NEW"])
@pytest.mark.parametrize("channel", ["VOICE", "CHAT", "TASK", "EMAIL", "SMS_FUTURE"])
def test_every_channel_and_initiation_method_gets_a_contract_answer(client, channel, method):
    answer = lookup(client, load_event("connect/voice_inbound.json", Channel=channel, InitiationMethod=method))
    assert_contract(answer)
    assert set(answer) >= RESPONSE_KEYS


def test_a_dynamodb_throttle_is_answered_with_error_not_an_exception(client, dynamodb_fault):
    dynamodb_fault("throttle")
    answer = lookup(client, load_event("connect/voice_inbound.json"))
    assert answer == {**answer, "status": "ERROR", "errorCode": "DEPENDENCY_FAILURE"}


def test_a_dynamodb_timeout_is_answered_with_error_not_an_exception(client, dynamodb_fault):
    dynamodb_fault("timeout")
    answer = lookup(client, load_event("connect/voice_inbound.json"))
    assert answer == {**answer, "status": "ERROR", "errorCode": "DEPENDENCY_FAILURE"}


def test_a_hanging_dynamodb_is_cut_off_at_the_flow_budget(client, dynamodb_fault, settings_env):
    settings_env(FLOW_BUDGET_MS="300")
    dynamodb_fault("slow", seconds=1.5)
    answer = lookup(client, load_event("connect/voice_inbound.json"))
    assert answer == {**answer, "status": "ERROR", "errorCode": "TIMEOUT"}


# Random and malformed events: the contract holds for every one of them.
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40))
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
_addresses = st.one_of(st.none(), st.text(max_size=30), st.sampled_from([
    "+40712345678", "anonymous", "0712345678", "+4071234567890123", "ana@example.ro", "", "+1"]))
_events = st.one_of(
    _json,
    st.fixed_dictionaries({"Name": st.just("ContactFlowEvent"), "Details": st.fixed_dictionaries({
        "ContactData": st.fixed_dictionaries({
            "Channel": st.one_of(st.sampled_from(["VOICE", "CHAT", "TASK", "EMAIL"]), _scalars),
            "InitiationMethod": st.one_of(st.sampled_from(INITIATION_METHODS), _scalars),
            "ContactId": st.one_of(st.uuids().map(str), _scalars),
            "CustomerEndpoint": st.one_of(st.none(), st.fixed_dictionaries({
                "Address": _addresses, "Type": st.sampled_from(["TELEPHONE_NUMBER", "EMAIL_ADDRESS", "X", None])})),
            "Attributes": st.one_of(st.dictionaries(st.sampled_from(["customerId", "email", "phone", "x y"]),
                                                    _addresses, max_size=3), _json),
            "Queue": st.one_of(st.none(), _json),
        }),
        "Parameters": st.one_of(st.dictionaries(st.sampled_from(["customerId", "phone", "email", "chatId"]),
                                                _scalars, max_size=3), _json),
    })}),
)


@given(event=_events)
def test_any_event_gets_a_contract_answer(client, event):
    assert_contract(lookup(client, event))


def test_a_loyal_customers_number_does_not_expire_under_her_profile(client):
    # Given Ana, whose profile and number are near the end of their retention
    ana = create(client, firstName="Ana", phone="+40712345678")
    soon = utcnow() + timedelta(days=10)
    CustomerModel(ana["id"]).update(actions=[CustomerModel.expires_at.set(soon)])
    IdentityModel("phone#+40712345678").update(actions=[IdentityModel.expires_at.set(soon)])
    # When she calls again
    assert lookup(client, load_event("connect/voice_inbound.json"))["customerId"] == ana["id"]
    # Then both are kept for another full retention period
    assert CustomerModel.get(ana["id"]).expires_at > utcnow() + timedelta(days=1000)
    assert IdentityModel.get("phone#+40712345678").expires_at > utcnow() + timedelta(days=1000)


def test_an_expired_number_is_not_recognised_and_can_be_claimed_again(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    IdentityModel("phone#+40712345678").update(actions=[IdentityModel.expires_at.set(utcnow() - timedelta(days=1))])
    answer = lookup(client, load_event("connect/voice_inbound.json"))
    assert answer["status"] == "NOT_FOUND"
    assert answer["customerId"] not in ("", ana["id"])


@pytest.mark.parametrize(("scores", "days_ago", "flagged"), [
    ({"nps": 3}, 2, "true"), ({"csat": 2}, 2, "true"), ({"nps": 6, "csat": 5}, 2, "true"),
    ({"nps": 7, "csat": 3}, 2, "false"), ({"nps": 3}, 31, "false"), ({"csat": 1}, 29, "true"),
])
def test_a_recent_detractor_is_flagged_for_careful_routing(client, scores, days_ago, flagged):
    # Given Ana answered a survey `days_ago` days ago (the cooldown is 30 days)
    from tests.helpers import create_customer

    ana = create_customer(client, firstName="Ana", phone="+40712345678")
    CustomerModel(ana).update(actions=[CustomerModel.last_survey_scores.set(scores),
                                       CustomerModel.last_survey_at.set(utcnow() - timedelta(days=days_ago))])
    # When she calls
    answer = client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json")).payload
    # Then the flow knows whether she was unhappy lately
    assert answer["recentDetractor"] == flagged
