"""Self-service on WhatsApp as customers live it: a question an article answers gets
that article, in their language, from the knowledge base alone; anything else reaches
the clinic's front desk as before; exactly one of the two answers each message, once,
however often it is delivered."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY

from chalicelib.errors import DependencyFailure
from chalicelib.interactions.models import InteractionModel
from chalicelib.notify import whatsapp
from tests.helpers import create_customer
from tests.journeys import INSTANCE_ID, connect, expect_whatsapp, social, whatsapp_event

__all__ = ["connect", "social"]  # fixtures used here

REKA_PHONE = "+36301234567"
RETURN_QUESTION = "Hogyan küldhetem vissza a terméket? Kell a visszaküldési címke"


@pytest.fixture
def reka(client):
    return create_customer(client, firstName="Réka", lastName="Szabó", email="reka.szabo@example.hu",
                           whatsapp="+36 30 123 4567", preferredLanguage="hu-HU", timeZone="Europe/Budapest")


@pytest.fixture
def sent(social):
    """The WhatsApp messages sent, as the Cloud API JSON End User Messaging Social got."""
    messages = []
    client = whatsapp.client()
    client.meta.events.register("before-parameter-build.socialmessaging.SendWhatsAppMessage",
                                lambda params, **_: messages.append(json.loads(params["message"])),
                                unique_id="kb-sent")
    yield messages
    client.meta.events.unregister("before-parameter-build.socialmessaging.SendWhatsAppMessage", unique_id="kb-sent")


def writes(client, text, message_id):
    """Réka's message arrives; what was done with it, as her timeline keeps it."""
    from chalicelib.interactions import activity

    event = whatsapp_event("sns_text_message", sender=REKA_PHONE, message_id=message_id, text=text)
    client.lambda_.invoke("on_whatsapp_event", event)
    return activity.noted("WHATSAPP", "message_received", message_id).detail["action"]


def totals(client):
    from chalicelib.db import utcnow
    from chalicelib.metrics import counters
    from chalicelib.settings import get_settings

    day = counters.local_day(utcnow(), get_settings().metrics_time_zone)
    return json.loads(client.http.get(f"/metrics?from={day}&to={day}").body)["totals"]


def timeline(customer_id):
    return {(item.kind, (item.detail or {}).get("action"))
            for item in InteractionModel.by_customer.query(customer_id)}


def expect_front_desk_task(connect, description):
    connect.add_response("start_task_contact", {"ContactId": "task-7"}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task", "Name": "Patient wrote on WhatsApp",
        "Description": description, "Attributes": ANY, "References": ANY, "ClientToken": ANY})


def test_a_question_an_article_answers_gets_the_article_in_her_language_and_no_task(client, reka, social, sent,
                                                                                    connect):
    # Given Réka, who writes Hungarian, asks on WhatsApp how to send a product back
    expect_whatsapp(social)
    # When her message arrives (the connect stub expects no task: one would fail the test)
    action = writes(client, RETURN_QUESTION, "wamid.kb-1")
    # Then the knowledge base answered it, and nothing else did
    assert action == "kb_answer"
    [reply] = sent
    body = reply["text"]["body"]
    assert reply["to"] == REKA_PHONE and reply["type"] == "text"
    assert "Megválaszoltuk a kérdését? Írja be: 1, ha igen, vagy 2" in body
    assert "AWB" in body  # the return article's answer, in Hungarian
    # And the offer is counted for the return reason, and kept in her timeline
    assert totals(client)["kbOffers"] == 1
    assert ("message_received", "kb_answer") in timeline(reka)


def test_the_same_message_delivered_again_is_answered_once(client, reka, social, sent, connect):
    expect_whatsapp(social)  # one send only: a second would find no response
    writes(client, RETURN_QUESTION, "wamid.kb-2")
    # When SNS delivers the same message again
    again = writes(client, RETURN_QUESTION, "wamid.kb-2")
    # Then nothing is sent or counted twice, and no task is started
    assert again == "kb_answer"
    assert len(sent) == 1 and totals(client)["kbOffers"] == 1


def test_a_delivery_that_failed_after_the_answer_was_sent_does_not_send_it_again(client, reka, social, sent,
                                                                                connect, monkeypatch):
    # Given the answer went out but noting the message in the timeline failed
    from chalicelib.interactions import activity

    expect_whatsapp(social)
    real_note = activity.note

    def failing_note(*args, **fields):
        if fields.get("kind") == "message_received":
            raise DependencyFailure("writing the timeline failed: ProvisionedThroughputExceededException")
        return real_note(*args, **fields)

    monkeypatch.setattr(activity, "note", failing_note)
    with pytest.raises(DependencyFailure):
        writes(client, RETURN_QUESTION, "wamid.kb-3")
    monkeypatch.setattr(activity, "note", real_note)
    # When SNS delivers it again
    action = writes(client, RETURN_QUESTION, "wamid.kb-3")
    # Then the knowledge base answers it as before, from its outbox: nothing is sent twice,
    # counted twice, or handed to the front desk
    assert action == "kb_answer"
    assert len(sent) == 1 and totals(client)["kbOffers"] == 1


def test_when_the_answer_cannot_be_sent_now_the_message_waits_for_a_retry_and_reaches_no_one_else(
        client, reka, social, sent, connect):
    # Given WhatsApp is unavailable for a moment
    social.add_client_error("send_whatsapp_message", "InternalServiceException", http_status_code=500)
    # When her question arrives, the delivery fails (SNS delivers it again later): it is
    # neither lost nor passed to the front desk (no task is expected)
    with pytest.raises(DependencyFailure):
        writes(client, RETURN_QUESTION, "wamid.kb-4")
    # And when it is delivered again, the article is sent once
    expect_whatsapp(social)
    assert writes(client, RETURN_QUESTION, "wamid.kb-4") == "kb_answer"
    assert totals(client)["kbOffers"] == 1


@pytest.mark.parametrize("yes", ["1", "Igen"])
def test_a_yes_ends_the_question_as_self_served(client, reka, social, sent, connect, yes):
    expect_whatsapp(social)
    writes(client, RETURN_QUESTION, "wamid.kb-5")
    # When she answers that it helped
    action = writes(client, yes, "wamid.kb-6")
    # Then it is self-served: counted, in her timeline, and no task, no further message
    assert action == "kb_helped"
    counted = totals(client)
    assert (counted["kbOffers"], counted["kbHelped"], counted["selfServed"], counted["deflectionPercent"]) == \
        (1, 1, 1, 100.0)
    assert ("self_served", None) in timeline(reka)
    assert len(sent) == 1


def test_a_no_takes_her_question_to_the_front_desk_and_makes_it_a_gap(client, reka, social, sent, connect):
    expect_whatsapp(social)
    writes(client, RETURN_QUESTION, "wamid.kb-7")
    # When she answers that it did not help, the front desk gets her question, not "2"
    expect_front_desk_task(connect, RETURN_QUESTION)
    action = writes(client, "2", "wamid.kb-8")
    assert action == "front_desk_task"
    counted = totals(client)
    assert (counted["kbUnhelpful"], counted["kbGaps"], counted.get("selfServed", 0)) == (1, 1, 0)


@pytest.mark.parametrize("text", [
    "Bună ziua, pot veni cu 30 de minute mai târziu?",  # no self-service reason: people answer
    "Vreau sa fac o reclamatie, agentul a fost nepoliticos",  # a complaint is never self-served
])
def test_what_no_article_may_answer_goes_to_the_front_desk_and_nothing_is_sent(client, reka, social, sent,
                                                                              connect, text):
    expect_front_desk_task(connect, text)
    action = writes(client, text, "wamid.kb-9")
    assert action == "front_desk_task"
    assert sent == []
    assert totals(client).get("kbOffers", 0) == 0


def test_a_self_service_question_no_article_answers_is_a_gap_and_goes_to_the_front_desk(client, reka, social,
                                                                                       sent, connect):
    text = "Számlázási kérdésem van a céges adószámmal kapcsolatban"  # billing, but no article says it
    expect_front_desk_task(connect, text)
    assert writes(client, text, "wamid.kb-10") == "front_desk_task"
    assert sent == []
    counted = totals(client)
    assert (counted["kbOffers"], counted["kbGaps"]) == (1, 1)


def test_self_service_can_be_turned_off(client, reka, social, sent, connect, settings_env):
    settings_env(WHATSAPP_SELF_SERVICE="false")
    expect_front_desk_task(connect, RETURN_QUESTION)
    assert writes(client, RETURN_QUESTION, "wamid.kb-11") == "front_desk_task"
    assert sent == []
