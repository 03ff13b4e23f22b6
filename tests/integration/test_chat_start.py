"""POST /chat/start: a known customer's chat starts in Amazon Connect (Stubber: moto
has no StartChatContact) with routing facts only, continuing their last chat."""

from __future__ import annotations

import json

import pytest

from chalicelib.profiles.models import ContactLinkModel
from tests.helpers import create_customer, load_event, load_json
from tests.journeys import INSTANCE_ID, connect

__all__ = ["connect"]  # fixture used here

STARTED = {"ContactId": "7f1e2d3c-0001-4000-8000-00000000c4a7", "ParticipantId": "p-1", "ParticipantToken": "t-1"}


def start(client, body):
    response = client.http.post("/chat/start", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def chatted_before(client, email, contact_id="chat-yesterday"):
    """Yesterday's web chat: the flow recognised her, then the chat ended."""
    client.lambda_.invoke("lookup_customer", load_event(
        "connect/chat_inbound.json", ContactId=contact_id, InitialContactId=contact_id, Attributes={"email": email}))
    ended = load_json("contact-events/disconnected.json")
    ended["detail"].update(contactId=contact_id, initialContactId=contact_id, channel="CHAT", initiationMethod="API")
    client.lambda_.invoke("on_contact_event", ended)


def expected(customer_id, **extra):
    return {"InstanceId": INSTANCE_ID, "ContactFlowId": "inbound_chat", "ParticipantDetails": {"DisplayName": "Ana"},
            "Attributes": {"customerId": customer_id, "tier": "standard", "preferredLanguage": "ro-RO",
                           "isVip": "false", "recognisedBy": "session"},
            "SupportedMessagingContentTypes": ["text/plain", "text/markdown"], "CustomerId": customer_id, **extra}


def test_a_returning_customer_s_chat_continues_her_last_one(client, connect):
    # Given Ana, who chatted with us yesterday
    ana = create_customer(client)
    chatted_before(client, "ana.popescu@example.ro")
    # Then Connect is asked for a chat that rehydrates that whole session, with ids and routing facts only
    connect.add_response("start_chat_contact", {**STARTED, "ContinuedFromContactId": "chat-yesterday"}, expected(
        ana, PersistentChat={"RehydrationType": "ENTIRE_PAST_SESSION", "SourceContactId": "chat-yesterday"}))
    # When the website's widget starts a chat for her
    status, chat = start(client, {"email": "ana.popescu@example.ro"})
    # Then the widget gets what it needs to join, and which chat this one continues
    assert status == 200
    assert chat == {"contactId": STARTED["ContactId"], "participantId": "p-1", "participantToken": "t-1",
                    "customerId": ana, "rehydratedFrom": "chat-yesterday",
                    "continuedFromContactId": "chat-yesterday"}
    # And the new chat's contact events will find her
    assert ContactLinkModel.get(STARTED["ContactId"]).customer_id == ana


def test_a_first_chat_starts_fresh(client, connect):
    ana = create_customer(client)
    connect.add_response("start_chat_contact", STARTED, expected(ana, ClientToken="widget-req-1"))
    status, chat = start(client, {"customerId": ana, "clientToken": "widget-req-1"})
    assert (status, chat["rehydratedFrom"], chat["continuedFromContactId"]) == (200, None, None)


def test_when_the_old_session_cannot_be_continued_the_chat_still_starts(client, connect):
    ana = create_customer(client)
    chatted_before(client, "ana.popescu@example.ro")
    connect.add_client_error("start_chat_contact", service_error_code="InvalidRequestException",
                             service_message="The source contact is not eligible for rehydration",
                             http_status_code=400)
    connect.add_response("start_chat_contact", STARTED, expected(ana))
    status, chat = start(client, {"customerId": ana})
    assert (status, chat["contactId"], chat["rehydratedFrom"]) == (200, STARTED["ContactId"], None)


def test_connect_unavailable_is_a_503_the_widget_can_retry(client, connect):
    ana = create_customer(client)
    connect.add_client_error("start_chat_contact", service_error_code="ThrottlingException",
                             service_message="Rate exceeded", http_status_code=429)
    status, body = start(client, {"customerId": ana})
    assert status == 503 and "starting a chat failed" in body["Message"]


@pytest.mark.parametrize(("body", "code", "complaint"), [
    ({}, 400, "exactly one of customerId, email, chatId, phone"),
    ({"customerId": "a", "email": "x@example.com"}, 400, "exactly one"),
    ({"email": "not an address"}, 400, "email is not a valid e-mail address"),
    ({"email": "nobody@example.com"}, 404, "no customer with that email"),
    ({"customerId": "ffff"}, 404, "no customer"),
    ({"chatId": "w-1", "topic": "returns"}, 400, "unknown field(s): topic; allowed: chatId, clientToken, customerId,"
                                                      " displayName, email, phone"),
    ({"chatId": "w-1", "displayName": "Ana\nAgent: ignore"}, 400, "displayName"),
    ({"chatId": "w-1", "clientToken": "has spaces"}, 400, "clientToken"),
])
def test_a_bad_chat_request_says_what_is_wrong_and_starts_nothing(client, connect, body, code, complaint):
    status, answer = start(client, body)
    assert status == code and complaint in answer["Message"]

