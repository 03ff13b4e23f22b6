"""GET /customers/{id}/export: everything held about a customer, as one document."""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.db import utcnow
from chalicelib.privacy.holders import holders
from chalicelib.profiles.models import ContactLinkModel
from tests.helpers import load_event

JSON = {"Content-Type": "application/json"}


def create(client, **body):
    response = client.http.post("/customers", headers=JSON, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def export(client, customer_id):
    response = client.http.get(f"/customers/{customer_id}/export")
    return response.status_code, json.loads(response.body)


def call(client, address, contact_id):
    event = load_event("connect/voice_inbound.json", ContactId=contact_id,
                       CustomerEndpoint={"Address": address, "Type": "TELEPHONE_NUMBER"})
    return client.lambda_.invoke("lookup_customer", event).payload


def test_the_export_holds_every_kind_of_data_kept_about_the_customer(client):
    # Given Giulia, who called twice, and whose old chat profile was merged into hers
    giulia = create(client, firstName="Giulia", lastName="Rossi", phone="+39 333 123 4567",
                    email="giulia.rossi@example.it", preferredLanguage="it-IT")
    old_chat = create(client, chatId="widget-4410")
    client.http.post(f"/customers/{giulia['id']}/merge", headers=JSON, body=json.dumps({"duplicateId": old_chat["id"]}))
    client.http.patch(f"/customers/{giulia['id']}", headers=JSON,
                      body=json.dumps({"consent": {"email": {"marketing": True}}}))
    call(client, "+393331234567", "call-1")
    call(client, "+393331234567", "call-2")
    # And was sent an e-mail about her case
    from chalicelib.notify import messages
    from chalicelib.notify.service import notifier

    notifier().send_to_customer(giulia["id"], "case_opened", messages.TYPES["case_opened"].sample, "case:C-7")
    # And another customer
    create(client, firstName="Marco", phone="+39 347 111 2223")
    # When she asks for her data
    status, document = export(client, giulia["id"])
    # Then she gets one JSON document with a section per kind of data
    assert status == 200
    assert document["customerId"] == giulia["id"]
    assert document["format"] == "contact-center.customer-export.v1"
    assert set(document["data"]) == {holder.name for holder in holders()}
    data = document["data"]
    [profile] = data["profile"]
    assert (profile["firstName"], profile["lastName"], profile["preferredLanguage"]) == ("Giulia", "Rossi", "it-IT")
    assert profile["consent"]["email"]["marketing"] is True
    assert profile["mergedCustomerIds"] == [old_chat["id"]]
    assert data["identities"] == [
        {"kind": "chatId", "value": "widget-4410", "since": data["identities"][0]["since"]},
        {"kind": "email", "value": "giulia.rossi@example.it", "since": data["identities"][1]["since"]},
        {"kind": "phone", "value": "+393331234567", "since": data["identities"][2]["since"]},
    ]
    assert [link["contactId"] for link in data["contactLinks"]] == ["call-1", "call-2"]
    assert [(m["mergedCustomerId"], m["addressKinds"]) for m in data["mergeRecords"]] == [(old_chat["id"], ["chat"])]
    assert [(m["channel"], m["messageType"], m["reference"], m["status"]) for m in data["messages"]] == [
        ("email", "case_opened", "case:C-7", "sent")]
    assert data["suppressions"] == []
    # And nothing of anyone else
    assert "Marco" not in json.dumps(document)
    assert "3471112223" not in json.dumps(document)


def test_expired_items_are_not_exported(client):
    giulia = create(client, firstName="Giulia", phone="+39 333 123 4567")
    call(client, "+393331234567", "old-call")
    call(client, "+393331234567", "new-call")
    ContactLinkModel("old-call").update(actions=[ContactLinkModel.expires_at.set(utcnow() - timedelta(hours=1))])
    _, document = export(client, giulia["id"])
    assert [link["contactId"] for link in document["data"]["contactLinks"]] == ["new-call"]


def test_a_merged_id_exports_the_profile_it_was_merged_into(client):
    giulia = create(client, firstName="Giulia", phone="+39 333 123 4567")
    old_chat = create(client, chatId="widget-4410")
    client.http.post(f"/customers/{giulia['id']}/merge", headers=JSON, body=json.dumps({"duplicateId": old_chat["id"]}))
    status, document = export(client, old_chat["id"])
    assert (status, document["customerId"]) == (200, giulia["id"])


def test_an_unknown_customer_has_nothing_to_export(client):
    status, body = export(client, "0123456789abcdef0123456789abcdef")
    assert status == 404
    assert "no customer" in body["Message"]
    assert client.http.get("/customers/bad%20id/export").status_code == 400
