"""The customer profile REST API, as agents' tools and integrations use it."""

from __future__ import annotations

import json

import pytest

from chalicelib.profiles.models import AuditModel, CustomerModel, IdentityModel
from tests.helpers import load_event

JSON = {"Content-Type": "application/json"}


def post(client, path, body):
    response = client.http.post(path, headers=JSON, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def patch(client, path, body):
    response = client.http.patch(path, headers=JSON, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def get(client, path):
    response = client.http.get(path)
    return response.status_code, json.loads(response.body)


def table_counts():
    return CustomerModel.count(), IdentityModel.count()


def test_create_normalises_addresses_and_starts_with_safe_consent(client):
    status, ana = post(client, "/customers", {
        "firstName": "Ana", "lastName": "Popescu", "phone": "0712 345 678", "email": " Ana.Popescu@Example.RO ",
        "preferredLanguage": "ro-ro", "timeZone": "Europe/Bucharest"})
    assert status == 201
    assert (ana["phone"], ana["email"], ana["preferredLanguage"]) == ("+40712345678", "ana.popescu@example.ro", "ro-RO")
    assert ana["tier"] == "standard"
    assert ana["consent"]["email"] == {"transactional": True, "surveys": True, "marketing": False}
    assert get(client, f"/customers/{ana['id']}") == (200, ana)


def test_find_by_phone_in_any_format_and_by_email(client):
    _, ana = post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678", "email": "ana@example.ro"})
    assert get(client, "/customers?phone=0712-345-678")[1]["id"] == ana["id"]
    assert get(client, "/customers?email=ANA@example.ro")[1]["id"] == ana["id"]
    assert get(client, "/customers?phone=%2B40799999999")[0] == 404


@pytest.mark.parametrize(("body", "message"), [
    ({"firstName": "Ana", "phone": "12"}, "phone is not a valid number"),
    ({"firstName": "Ana", "phone": "+40712345678", "firstname": "typo"},
     "unknown field(s): firstname; allowed: chatId, consent, email, firstName, lastName"),
    ({"firstName": 42, "phone": "+40712345678"}, "firstName must be a string"),
    ({"firstName": "Ana"}, "needs at least one of phone, email"),
    ({"email": "not-an-address"}, "email is not a valid e-mail address"),
    ({"email": "a@b.ro", "tier": "platinum"}, "tier must be one of standard, gold, vip"),
    ({"email": "a@b.ro", "timeZone": "Mars/Olympus"}, "not a known IANA time zone"),
    ({"email": "a@b.ro", "preferredLanguage": "Romanian"}, "BCP 47"),
    ({"email": "a@b.ro", "consent": {"email": {"marketing": "yes"}}}, "consent.email.marketing must be true or false"),
    ({"email": "a@b.ro", "consent": {"fax": {}}}, "unknown channel 'fax'"),
    (["not", "an", "object"], "the body must be a JSON object"),
])
def test_invalid_input_is_rejected_with_a_message_and_writes_nothing(client, body, message):
    status, answer = post(client, "/customers", body)
    assert status == 400
    assert message in answer["Message"]
    assert table_counts() == (0, 0)


def test_malformed_json_is_a_400(client):
    response = client.http.post("/customers", headers=JSON, body="{not json")
    assert response.status_code == 400


def test_an_address_belongs_to_one_customer_only(client):
    post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678"})
    status, answer = post(client, "/customers", {"firstName": "Impostor", "email": "x@y.ro", "phone": "0712345678"})
    assert status == 409
    assert answer["Message"] == "this phone already belongs to another customer"
    # Nothing of the rejected profile was written, not even its free e-mail identity
    assert table_counts() == (1, 1)


def test_unknown_ids_are_404_and_malformed_ids_are_400(client):
    assert get(client, "/customers/0123456789abcdef")[0] == 404
    assert patch(client, "/customers/0123456789abcdef", {"tier": "gold"})[0] == 404
    assert get(client, "/customers/bad%20id!")[0] == 400


def test_patch_changes_fields_and_replaces_an_address(client):
    _, ana = post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678"})
    status, changed = patch(client, f"/customers/{ana['id']}", {
        "tier": "vip", "phone": "+40 722 000 111", "consent": {"email": {"surveys": False}}})
    assert status == 200
    assert (changed["tier"], changed["phone"]) == ("vip", "+40722000111")
    assert changed["consent"]["email"]["surveys"] is False
    assert changed["consent"]["email"]["transactional"] is True
    # The old number no longer resolves; the new one does
    assert get(client, "/customers?phone=%2B40712345678")[0] == 404
    assert get(client, "/customers?phone=%2B40722000111")[1]["id"] == ana["id"]


def test_patch_rejects_taking_someone_elses_address_and_changes_nothing(client):
    post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678"})
    _, dan = post(client, "/customers", {"firstName": "Dan", "email": "dan@example.ro"})
    status, _ = patch(client, f"/customers/{dan['id']}", {"firstName": "Daniel", "phone": "+40712345678"})
    assert status == 409
    assert get(client, f"/customers/{dan['id']}")[1]["firstName"] == "Dan"


def test_merge_moves_addresses_keeps_the_stricter_consent_and_leaves_no_personal_data_behind(client):
    # Given Ana known by phone, and a duplicate made when she first wrote from her e-mail
    _, ana = post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678", "tier": "gold"})
    _, dup = post(client, "/customers", {"firstName": "Ana P.", "lastName": "Popescu", "email": "ana@example.ro",
                                         "tier": "vip", "consent": {"email": {"surveys": False}}})
    # When an agent merges the duplicate into Ana
    status, merged = post(client, f"/customers/{ana['id']}/merge", {"duplicateId": dup["id"]})
    # Then Ana keeps her name, gains the e-mail, the higher tier, the opt-out and the surname
    assert status == 200
    assert (merged["firstName"], merged["lastName"], merged["tier"]) == ("Ana", "Popescu", "vip")
    assert (merged["phone"], merged["email"]) == ("+40712345678", "ana@example.ro")
    assert merged["consent"]["email"]["surveys"] is False
    # And an e-mail contact now finds Ana
    answer = client.lambda_.invoke("lookup_customer", load_event("connect/email_inbound.json", CustomerEndpoint={
        "Address": "ana@example.ro", "Type": "EMAIL_ADDRESS"})).payload
    assert answer["customerId"] == ana["id"]
    # And the old id forwards to Ana, holding no personal data itself
    assert get(client, f"/customers/{dup['id']}")[1]["id"] == ana["id"]
    stub = CustomerModel.get(dup["id"])
    assert (stub.first_name, stub.last_name, stub.merged_into) == (None, None, ana["id"])
    assert not stub.identities
    # And an audit record keeps what was merged, by kind only
    audit = AuditModel.get(f"merge#{dup['id']}")
    assert (audit.subject_id, audit.identity_kinds, audit.moved_count) == (ana["id"], ["email"], 1)
    # Repeating the merge changes nothing
    assert post(client, f"/customers/{ana['id']}/merge", {"duplicateId": dup["id"]}) == (200, merged)


@pytest.mark.parametrize(("body", "status"), [({}, 400), ({"duplicateId": "nobody"}, 404), ({"other": 1}, 400)])
def test_merge_input_errors(client, body, status):
    _, ana = post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678"})
    assert post(client, f"/customers/{ana['id']}/merge", body)[0] == status


def test_merging_a_customer_into_itself_is_refused(client):
    _, ana = post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678"})
    assert post(client, f"/customers/{ana['id']}/merge", {"duplicateId": ana["id"]})[0] == 400


def test_an_aws_failure_is_a_503_the_client_can_retry(client, dynamodb_fault):
    dynamodb_fault("throttle")
    response = client.http.get("/customers/0123456789abcdef")
    assert response.status_code == 503


def test_a_change_racing_another_is_a_409_and_writes_nothing(client, monkeypatch):
    # Given Ana, and an agent whose change is read just before someone else's lands
    from chalicelib.db import utcnow
    from chalicelib.profiles.models import CustomerModel
    from chalicelib.profiles.service import Profiles

    _, ana = post(client, "/customers", {"firstName": "Ana", "phone": "+40712345678"})
    read = Profiles._writable

    def read_then_someone_else_writes(self, customer_id):
        customer = read(self, customer_id)
        CustomerModel(customer_id).update(actions=[CustomerModel.tier.set("gold"),
                                                   CustomerModel.updated_at.set(utcnow())])
        return customer

    monkeypatch.setattr(Profiles, "_writable", read_then_someone_else_writes)
    # When the agent's change arrives
    status, answer = patch(client, f"/customers/{ana['id']}", {"firstName": "Anca", "phone": "+40722000111"})
    # Then it is refused as a conflict, and neither the name nor the number changed
    assert status == 409 and "changed meanwhile" in answer["Message"]
    monkeypatch.undo()
    profile = get(client, f"/customers/{ana['id']}")[1]
    assert (profile["firstName"], profile["phone"], profile["tier"]) == ("Ana", "+40712345678", "gold")
    assert get(client, "/customers?phone=%2B40722000111")[0] == 404
