"""Retention: every item holding personal data carries a TTL from the settings of
its kind, and reads ignore expired items (DynamoDB deletes them days later)."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import timedelta

import pytest
from pynamodb.attributes import TTLAttribute

from chalicelib import settings as settings_module
from chalicelib.db import utcnow
from chalicelib.privacy.holders import NO_PERSONAL_DATA
from chalicelib.profiles.models import IdentityModel
from devkit import localenv
from tests.helpers import load_event, load_json

RETENTION = [f.name for f in fields(settings_module.Settings) if f.name.endswith("_retention_days")]
KINDS = {"interaction", "survey", "outbox", "suppression", "case", "idempotency", "profile", "contact_link",
         "erasure_record", "reason_text"}


def test_there_is_a_retention_setting_for_every_kind_of_personal_data():
    assert {name.removesuffix("_retention_days") for name in RETENTION} >= KINDS


@pytest.mark.parametrize("name", RETENTION)
def test_each_retention_setting_is_configured_and_documented(name):
    config = json.loads((localenv.PROJECT / ".chalice" / "config.json").read_text())
    assert name.upper() in config["environment_variables"]
    from devkit import docs_hooks

    assert f"| `{name.upper()}` |" in docs_hooks.settings_table()
    if name.removesuffix("_retention_days") in KINDS:
        assert name.upper() in (localenv.PROJECT / "docs" / "data-protection.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", RETENTION)
def test_a_retention_out_of_range_names_the_setting(name):
    with pytest.raises(settings_module.SettingsError, match=name.upper()):
        settings_module.load({**localenv.LOCAL_ENV, name.upper(): "0"})


def test_every_table_with_personal_data_has_a_ttl_attribute():
    from chalicelib import tables

    for model in tables.all_models():
        if model.Meta.setting in NO_PERSONAL_DATA:
            continue
        assert isinstance(model.get_attributes().get("expires_at"), TTLAttribute), model.__name__


def test_an_expired_address_is_not_recognised_and_is_free_for_someone_new(client, settings_env):
    # Given Ana, whose phone identity is past its retention but not yet deleted by DynamoDB
    response = client.http.post("/customers", headers={"Content-Type": "application/json"},
                                body=json.dumps({"firstName": "Ana", "phone": "+40712345678"}))
    ana = json.loads(response.body)
    IdentityModel("phone#+40712345678").update(actions=[IdentityModel.expires_at.set(utcnow() - timedelta(days=1))])
    # When someone calls from that number
    answer = client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json")).payload
    # Then they are not greeted as Ana, and get a profile of their own
    assert answer["status"] == "NOT_FOUND"
    assert answer["customerId"] not in ("", ana["id"])
    assert answer["firstName"] == ""


def test_an_expired_profile_is_not_served(client):
    response = client.http.post("/customers", headers={"Content-Type": "application/json"},
                                body=json.dumps({"firstName": "Ana", "phone": "+40712345678"}))
    ana = json.loads(response.body)
    from chalicelib.profiles.models import CustomerModel

    CustomerModel(ana["id"]).update(actions=[CustomerModel.expires_at.set(utcnow() - timedelta(seconds=1))])
    assert client.http.get(f"/customers/{ana['id']}").status_code == 404
    assert client.http.get(f"/customers/{ana['id']}/export").status_code == 404
    answer = client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json")).payload
    assert (answer["status"], answer["customerId"]) == ("NOT_FOUND", "")


def _nearly_expired(customer_id):
    """Ana's profile and addresses, with a day of retention left (past the renewal threshold)."""
    from chalicelib.profiles.models import CustomerModel

    soon = utcnow() + timedelta(days=1)
    CustomerModel(customer_id).update(actions=[CustomerModel.expires_at.set(soon)])
    for key in CustomerModel.get(customer_id).identities:
        IdentityModel(key).update(actions=[IdentityModel.expires_at.set(soon)])


def _renewed(customer_id):
    from chalicelib.profiles.models import CustomerModel

    customer = CustomerModel.get(customer_id)
    far = utcnow() + timedelta(days=365)
    return customer.expires_at > far and all(IdentityModel.get(k).expires_at > far for k in customer.identities)


def _whatsapp(client, sender):
    from tests.journeys import whatsapp_event

    client.lambda_.invoke("on_whatsapp_event", whatsapp_event("sns_text_message", sender=sender, text="STOP"))


def _sms(client, sender):
    from tests.integration.test_sms import sms_event

    client.lambda_.invoke("on_sms_event", sms_event(sender=sender, text="STOP"))


def _record(client, customer_id):
    from tests.helpers import kinesis_event

    record = load_json("contact-records/voice_abandoned.json", Attributes={"customerId": customer_id})
    assert client.lambda_.invoke("on_contact_record", kinesis_event([record])).payload == {"batchItemFailures": []}


def _lookup_by_id(client, customer_id):
    answer = client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json",
                                                                 Attributes={"customerId": customer_id})).payload
    assert answer["status"] == "OK"


@pytest.mark.parametrize("contact", [_whatsapp, _sms, _record, _lookup_by_id],
                         ids=["whatsapp", "sms", "contact record", "lookup by customerId"])
def test_every_contact_renews_the_profile_and_its_addresses(client, contact):
    # Given Ana, who only stays in touch on one channel, a day before her profile expires
    response = client.http.post("/customers", headers={"Content-Type": "application/json"},
                                body=json.dumps({"firstName": "Ana", "whatsapp": "+40712345678",
                                                 "phone": "+40712345678"}))
    ana = json.loads(response.body)["id"]
    _nearly_expired(ana)
    # When she is in touch that way
    contact(client, "+40712345678" if contact in (_whatsapp, _sms) else ana)
    # Then her profile and every address of hers are kept for another retention period
    assert _renewed(ana)
