"""Consent per channel and purpose: set through the API, withdrawn by an unsubscribe
link or a STOP keyword, asked by every sender before it sends."""

from __future__ import annotations

import json

import pytest

from chalicelib.errors import InvalidInput, NotFound
from chalicelib.privacy import consent
from chalicelib.profiles.models import CustomerModel

JSON = {"Content-Type": "application/json"}


def create(client, **body):
    response = client.http.post("/customers", headers=JSON, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def stored(customer_id):
    return CustomerModel.get(customer_id)


def test_a_new_customer_gets_service_messages_and_surveys_but_no_marketing(client):
    eszter = create(client, firstName="Eszter", whatsapp="+36 20 123 4567")
    profile = stored(eszter["id"])
    for channel in ("email", "sms", "whatsapp", "voice"):
        assert consent.allows(profile, channel, "transactional")
        assert consent.allows(profile, channel, "surveys")
        assert not consent.allows(profile, channel, "marketing")


def test_consent_changed_through_the_api_is_what_senders_see(client):
    eszter = create(client, firstName="Eszter", whatsapp="+36 20 123 4567", email="eszter.nagy@example.hu")
    response = client.http.patch(f"/customers/{eszter['id']}", headers=JSON, body=json.dumps(
        {"consent": {"email": {"marketing": True}, "whatsapp": {"surveys": False}}}))
    assert response.status_code == 200
    profile = stored(eszter["id"])
    assert consent.allows(profile, "email", "marketing")
    assert not consent.allows(profile, "whatsapp", "surveys")
    assert consent.allows(profile, "email", "surveys")


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop!", "  stop. ", "STOP ALL", "Unsubscribe", "Dezabonare",
                                  "dezabonează-mă", "Disiscrivimi", "Leiratkozás", "leiratkozom"])
def test_opt_out_keywords_are_recognised_in_every_market_language(text):
    assert consent.is_opt_out(text)


@pytest.mark.parametrize("text", ["cancel", "Annulla", "I'd like to stop by tomorrow", "stopper", "", None, 42,
                                  "please stop " * 10])
def test_ordinary_messages_are_not_taken_for_an_opt_out(text):
    assert not consent.is_opt_out(text)


def test_a_stop_keyword_withdraws_every_purpose_on_that_channel_only(client):
    eszter = create(client, firstName="Eszter", whatsapp="+36 20 123 4567", email="eszter.nagy@example.hu")
    assert consent.is_opt_out("Leiratkozás")
    consent.withdraw(eszter["id"], "whatsapp")
    profile = stored(eszter["id"])
    assert not any(consent.allows(profile, "whatsapp", p) for p in ("transactional", "surveys", "marketing"))
    assert consent.allows(profile, "email", "surveys")
    # And the API shows it to agents
    shown = json.loads(client.http.get(f"/customers/{eszter['id']}").body)["consent"]
    assert shown["whatsapp"] == {"transactional": False, "surveys": False, "marketing": False}


def test_an_unsubscribe_link_withdraws_its_purpose_and_repeating_it_changes_nothing(client):
    ana = create(client, firstName="Ana", email="ana.popescu@example.ro")
    consent.withdraw(ana["id"], "email", ("surveys",))
    first = stored(ana["id"]).updated_at
    consent.withdraw(ana["id"], "email", ("surveys",))
    profile = stored(ana["id"])
    assert profile.updated_at == first
    assert not consent.allows(profile, "email", "surveys")
    assert consent.allows(profile, "email", "transactional")


def test_an_opt_out_on_a_merged_profile_lands_on_the_one_in_use(client):
    ana = create(client, firstName="Ana", email="ana.popescu@example.ro")
    old = create(client, chatId="widget-1")
    client.http.post(f"/customers/{ana['id']}/merge", headers=JSON, body=json.dumps({"duplicateId": old["id"]}))
    consent.withdraw(old["id"], "email", ("surveys",))
    assert not consent.allows(stored(ana["id"]), "email", "surveys")


def test_nobody_is_sent_anything_once_erased(client):
    ana = create(client, firstName="Ana", email="ana.popescu@example.ro")
    profile = stored(ana["id"])
    client.http.post(f"/customers/{ana['id']}/erase")
    assert not consent.allows(None, "email", "transactional")
    profile.erasure_started_at = profile.updated_at  # as read by a sender during the erasure
    assert not consent.allows(profile, "email", "transactional")
    with pytest.raises(NotFound):
        consent.withdraw(ana["id"], "email")


def test_unknown_channels_and_purposes_are_rejected(client):
    ana = create(client, firstName="Ana", email="ana.popescu@example.ro")
    with pytest.raises(InvalidInput, match="channel"):
        consent.allows(stored(ana["id"]), "fax", "surveys")
    with pytest.raises(InvalidInput, match="purpose"):
        consent.allows(stored(ana["id"]), "email", "newsletters")
    with pytest.raises(InvalidInput):
        consent.withdraw(ana["id"], "email", ("newsletters",))
