"""Erasing a customer: POST /customers/{id}/erase, as a data protection officer's
tool calls it."""

from __future__ import annotations

import hashlib
import json

import pytest

from chalicelib.notify import messages
from chalicelib.notify.service import notifier
from chalicelib.notify.suppressions import suppression_key
from chalicelib.privacy import erasure
from chalicelib.privacy.holders import NO_PERSONAL_DATA, holders
from tests.helpers import load_event, load_json, ses_feedback_event
from tests.stored import every_item, stored_text

JSON = {"Content-Type": "application/json"}
ILINCA = {"firstName": "Ilinca", "lastName": "Vrânceanu", "phone": "+40 745 112 233",
          "email": "Ilinca.Vranceanu@exemplu.ro", "whatsapp": "+40 755 998 877", "preferredLanguage": "ro-RO"}
# What must not survive anywhere once Ilinca is erased: her addresses, in clear or
# hashed as the suppression list keeps them, her name, her messages' references.
ILINCA_TRACES = ["745112233", "755998877", "ilinca.vranceanu@exemplu.ro", "Ilinca", "Vrânceanu",
                 "ilinca.v@posta.ro", "web-visitor-7781", "case:C-ILINCA-1",
                 suppression_key("email", "ilinca.vranceanu@exemplu.ro")]
# Her timeline: two contacts, and the e-mail that went out (the suppressed one never did).
# (Returns, orders and appointments are erased in test_journey_privacy.py.)
ERASED = {"identities": 5, "contactLinks": 2, "mergeRecords": 1, "messages": 2, "suppressions": 1, "interactions": 3,
          "surveys": 0, "cases": 0, "orders": 0, "appointments": 0, "knowledgeQuestions": 1, "qualityEvaluations": 0,
          "verification": 1, "reasonTexts": 1,
          "profile": 2}


def post(client, path, body=None):
    kwargs = {"headers": JSON, "body": json.dumps(body)} if body is not None else {}
    response = client.http.post(path, **kwargs)
    return response.status_code, json.loads(response.body) if response.body else None


def create(client, **body):
    status, profile = post(client, "/customers", body)
    assert status == 201, profile
    return profile


def patch(client, path, body):
    response = client.http.patch(path, headers=JSON, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def lookup(client, address, contact_id, address_type="TELEPHONE_NUMBER", channel="VOICE"):
    event = load_event("connect/voice_inbound.json", ContactId=contact_id, Channel=channel,
                       CustomerEndpoint={"Address": address, "Type": address_type})
    return client.lambda_.invoke("lookup_customer", event).payload


def contact_ended(client, contact_id):
    """Connect reporting that the contact was handled (a contact event)."""
    event = load_json("contact-events/connected_to_agent.json")
    event["detail"].update(contactId=contact_id, initialContactId=contact_id)
    client.lambda_.invoke("on_contact_event", event)


def bounce(client, address, message_id):
    """SES reporting a hard bounce, as SNS delivers it to on_ses_feedback."""
    note = load_event("ses/bounce_permanent.json")
    note["mail"]["messageId"] = message_id
    note["mail"]["destination"] = [address]
    for recipient in note["bounce"]["bouncedRecipients"]:
        recipient["emailAddress"] = address
    client.lambda_.invoke("on_ses_feedback", ses_feedback_event(json.dumps(note)))


@pytest.fixture
def ilinca(client):
    """Ilinca with every kind of address, two contacts on her timeline, two e-mails (one bounced, so
    her address is suppressed), a duplicate profile (from an anonymous web chat)
    merged into hers and a PIN; Bogdan, another customer, alongside."""
    profile = create(client, **ILINCA)
    case = messages.TYPES["case_opened"].sample
    sent = notifier().send_to_customer(profile["id"], "case_opened", case, "case:C-ILINCA-1")
    bounce(client, "ilinca.vranceanu@exemplu.ro", sent.provider_message_id)
    assert notifier().send_to_customer(profile["id"], "case_opened", case, "case:C-ILINCA-2").status == "suppressed"
    duplicate = create(client, firstName="Ilinca", email="ilinca.v@posta.ro", chatId="web-visitor-7781")
    assert lookup(client, "+40745112233", "contact-ilinca-1")["customerId"] == profile["id"]
    assert lookup(client, "ilinca.v@posta.ro", "contact-ilinca-2", "EMAIL_ADDRESS", "EMAIL")["customerId"] == \
        duplicate["id"]
    contact_ended(client, "contact-ilinca-1")
    contact_ended(client, "contact-ilinca-2")
    # On her call she said why, naming herself: the words are kept (masked) to learn from
    said = load_event("connect/voice_inbound.json", ContactId="contact-ilinca-1", InitialContactId="contact-ilinca-1",
                      Attributes={"customerId": profile["id"]})
    said["Details"]["Parameters"] = {"text": "Sunt Ilinca Vrânceanu, factura e plătită de două ori"}
    assert client.lambda_.invoke("predict_reason", said).payload["reason"] == "billing"
    # The agent on her call searches the knowledge base with her name in the question
    assert client.http.get("/kb/search?q=Ilinca+Vranceanu+a+uitat+parola&lang=ro&contactId=contact-ilinca-1"
                           ).status_code == 200
    status, _ = post(client, f"/customers/{profile['id']}/merge", {"duplicateId": duplicate["id"]})
    assert status == 200
    # She set a PIN for the phone line
    assert client.http.put(f"/customers/{profile['id']}/pin", headers=JSON,
                           body=json.dumps({"pin": "4821"})).status_code == 200
    bogdan = create(client, firstName="Bogdan", lastName="Marin", phone="+40 722 334 455", email="bogdan@exemplu.ro")
    assert lookup(client, "+40722334455", "contact-bogdan-1")["customerId"] == bogdan["id"]
    contact_ended(client, "contact-bogdan-1")
    assert notifier().send_to_customer(bogdan["id"], "case_opened", case, "case:C-BOGDAN-1").status == "sent"
    return {"id": profile["id"], "duplicate_id": duplicate["id"], "bogdan": bogdan}


def test_after_erasure_no_table_holds_anything_of_the_customer(client, ilinca):
    # Given Ilinca's data is spread over every table
    assert all(trace in stored_text() for trace in ILINCA_TRACES)
    # When the data protection officer erases her
    status, record = post(client, f"/customers/{ilinca['id']}/erase")
    # Then the erasure is done and says what it erased
    assert status == 200
    assert record["status"] == "done"
    assert record["erased"] == ERASED
    assert record["addressKinds"] == ["chat", "email", "phone", "wa"]
    # And no table, read item by item, holds her addresses, her name or her ids
    stored = stored_text()
    for trace in [*ILINCA_TRACES, ilinca["id"], ilinca["duplicate_id"]]:
        assert trace not in stored, f"{trace!r} is still stored"
    # But Bogdan, who was not erased, is all there
    for trace in ["722334455", "bogdan@exemplu.ro", "Bogdan", "Marin", ilinca["bogdan"]["id"], "contact-bogdan-1",
                  "case:C-BOGDAN-1"]:
        assert trace in stored


def test_every_table_is_covered_by_a_holder_or_declared_free_of_personal_data():
    from chalicelib import tables

    covered = {table for holder in holders() for table in holder.tables} | set(NO_PERSONAL_DATA)
    assert {model.Meta.setting for model in tables.all_models()} <= covered
    assert len({holder.name for holder in holders()}) == len(holders())
    assert holders()[-1].name == "profile"


def test_after_erasure_lookup_finds_nothing_for_any_former_address(client, ilinca, settings_env):
    post(client, f"/customers/{ilinca['id']}/erase")
    settings_env(AUTO_CREATE_PROFILES="false")
    for address, kind, channel in [("+40745112233", "TELEPHONE_NUMBER", "VOICE"),
                                   ("+40755998877", "TELEPHONE_NUMBER", "VOICE"),
                                   ("ilinca.vranceanu@exemplu.ro", "EMAIL_ADDRESS", "EMAIL"),
                                   ("ilinca.v@posta.ro", "EMAIL_ADDRESS", "EMAIL")]:
        answer = lookup(client, address, f"after-{address}", kind, channel)
        assert (answer["status"], answer["errorCode"], answer["customerId"]) == ("NOT_FOUND", "UNKNOWN_CUSTOMER", "")
    assert client.http.get("/customers?phone=%2B40745112233").status_code == 404
    assert client.http.get(f"/customers/{ilinca['id']}").status_code == 404
    assert client.http.get(f"/customers/{ilinca['duplicate_id']}").status_code == 404


def test_a_former_customer_who_calls_again_starts_afresh(client, ilinca):
    post(client, f"/customers/{ilinca['id']}/erase")
    answer = lookup(client, "+40745112233", "calls-again")
    assert answer["status"] == "NOT_FOUND"
    assert answer["customerId"] not in ("", ilinca["id"])
    assert answer["firstName"] == ""


def test_the_tombstone_proves_the_erasure_without_naming_the_customer(client, ilinca):
    _, record = post(client, f"/customers/{ilinca['id']}/erase")
    # Whoever holds the id can find the proof by hashing it
    digest = hashlib.sha256(f"customer:{ilinca['id']}".encode()).hexdigest()
    assert record["subjectHash"] == digest
    audit = every_item()["audit_table"]
    assert [item["audit_id"]["S"] for item in audit] == [f"erasure#{digest}"]
    tombstone = audit[0]
    assert tombstone["status"]["S"] == "done"
    assert "completed_at" in tombstone and "at" in tombstone
    assert {k: int(v["N"]) for k, v in tombstone["erased"]["M"].items()} == ERASED
    # And it is itself kept only for the configured time
    assert "expires_at" in tombstone


def test_erasing_again_answers_the_same_record_and_changes_nothing(client, ilinca):
    first_status, first = post(client, f"/customers/{ilinca['id']}/erase")
    before = every_item()
    again_status, again = post(client, f"/customers/{ilinca['id']}/erase")
    assert (first_status, again_status) == (200, 200)
    assert again == first
    assert every_item() == before


def test_an_erasure_cut_short_carries_on_where_it_stopped(client, ilinca):
    # Given an erasure that may run one holder per request (no time budget left)
    steps = []
    while True:
        record = erasure.erase_customer(ilinca["id"], budget_s=0)
        steps.append(record)
        if record["status"] == "done":
            break
        assert len(steps) <= len(holders())
    # Then each request did one more holder, and the end result is a full erasure
    assert [len(step["erased"]) for step in steps] == list(range(1, len(holders()) + 1))
    assert steps[-1]["erased"] == ERASED
    assert all(trace not in stored_text() for trace in ILINCA_TRACES)


def test_a_profile_being_erased_is_gone_for_everyone_at_once(client, ilinca, settings_env):
    # Given an erasure that has done only its first holder
    record = erasure.erase_customer(ilinca["id"], budget_s=0)
    assert record["status"] == "in_progress"
    # Then the profile cannot be read, changed, merged into or recognised meanwhile
    assert client.http.get(f"/customers/{ilinca['id']}").status_code == 404
    patch = client.http.patch(f"/customers/{ilinca['id']}", headers=JSON, body=json.dumps({"tier": "vip"}))
    assert patch.status_code == 404
    assert client.http.get(f"/customers/{ilinca['id']}/export").status_code == 404
    other = create(client, firstName="Someone", chatId="web-visitor-9")
    merge = client.http.post(f"/customers/{other['id']}/merge", headers=JSON,
                             body=json.dumps({"duplicateId": ilinca["id"]}))
    assert merge.status_code == 409
    settings_env(AUTO_CREATE_PROFILES="false")
    answer = lookup(client, "ilinca.v@posta.ro", "during-erasure", "EMAIL_ADDRESS", "EMAIL")
    assert (answer["status"], answer["customerId"]) == ("NOT_FOUND", "")


def test_an_erasure_interrupted_by_a_failure_resumes_on_the_next_request(client, ilinca, dynamodb_fault):
    # Given DynamoDB fails every request on the contact-links table
    from chalicelib.settings import get_settings

    heal = dynamodb_fault("throttle", table=get_settings().contact_links_table)
    # When the erasure is asked for, it stops with a retryable answer
    response = client.http.post(f"/customers/{ilinca['id']}/erase")
    assert response.status_code == 503
    # And the addresses it had already erased stay erased
    assert "745112233" not in json.dumps(every_item()["identities_table"])
    # When the table recovers and the request is repeated
    heal()
    status, record = post(client, f"/customers/{ilinca['id']}/erase")
    # Then the erasure completes, counting each item once
    assert (status, record["status"]) == (200, "done")
    assert record["erased"] == ERASED
    assert all(trace not in stored_text() for trace in ILINCA_TRACES)


def test_a_profile_past_its_retention_is_still_erased(client, ilinca):
    from datetime import timedelta

    from chalicelib.db import utcnow
    from chalicelib.profiles.models import CustomerModel

    CustomerModel(ilinca["id"]).update(actions=[CustomerModel.expires_at.set(utcnow() - timedelta(days=1))])
    assert client.http.get(f"/customers/{ilinca['id']}").status_code == 404  # expired: reads ignore it
    status, record = post(client, f"/customers/{ilinca['id']}/erase")
    assert (status, record["status"]) == (200, "done")
    assert all(trace not in stored_text() for trace in ILINCA_TRACES)


def test_a_merged_profile_is_erased_through_the_one_it_was_merged_into(client, ilinca):
    before = every_item()
    response = client.http.post(f"/customers/{ilinca['duplicate_id']}/erase")
    assert response.status_code == 409
    assert ilinca["id"] in json.loads(response.body)["Message"]
    assert every_item() == before


@pytest.mark.parametrize(("customer_id", "status"), [("0123456789abcdef0123456789abcdef", 404), ("not an id!", 400)])
def test_erasing_an_unknown_or_malformed_id_is_refused_and_writes_nothing(client, ilinca, customer_id, status):
    before = every_item()
    assert client.http.post(f"/customers/{customer_id}/erase").status_code == status
    assert every_item() == before


def test_erasure_takes_no_request_body(client, ilinca):
    before = every_item()
    response = client.http.post(f"/customers/{ilinca['id']}/erase", headers=JSON,
                                body=json.dumps({"reason": "asked by phone"}))
    assert response.status_code == 400
    assert every_item() == before
    assert post(client, f"/customers/{ilinca['id']}/erase", {})[0] == 200


def test_an_erasure_reaches_everything_by_key_or_index_never_by_scanning(client, ilinca):
    # Given the app's DynamoDB clients are watched
    from devkit.bench import dynamodb_calls

    # When Ilinca is erased
    with dynamodb_calls() as calls:
        status, record = post(client, f"/customers/{ilinca['id']}/erase")
    # Then every holder found her items by key or through an index: no Scan, which would
    # read every customer's data and grow with the table
    assert status == 200 and record["status"] == "done"
    assert calls and "Scan" not in calls
    assert {"Query", "TransactWriteItems"} & set(calls)


def test_an_erasure_reaches_the_addresses_the_customer_gave_up(client):
    # Given Dana, whose old e-mail address bounced and was suppressed, then replaced
    dana = create(client, firstName="Dana", email="dana.old@exemplu.ro", phone="+40 733 111 222")
    sent = notifier().send_to_customer(dana["id"], "case_opened", messages.TYPES["case_opened"].sample, "case:D-1")
    bounce(client, "dana.old@exemplu.ro", sent.provider_message_id)
    assert patch(client, f"/customers/{dana['id']}", {"email": "dana.new@exemplu.ro"})[0] == 200
    # and a duplicate profile of hers, merged in, had given up a number of its own
    other = create(client, firstName="Dana", phone="+40 744 999 000")
    assert patch(client, f"/customers/{other['id']}", {"phone": "+40 755 000 999"})[0] == 200
    assert post(client, f"/customers/{dana['id']}/merge", {"duplicateId": other["id"]})[0] == 200
    exported = client.http.get(f"/customers/{dana['id']}/export")
    assert "dana.old@exemplu.ro" in exported.body.decode() and "+40744999000" in exported.body.decode()
    # When she is erased
    status, record = post(client, f"/customers/{dana['id']}/erase")
    # Then the suppression of her former address is gone too, and nothing of any of them is stored
    assert status == 200 and record["erased"]["suppressions"] == 1
    stored = stored_text()
    for trace in ["dana.old", "dana.new", "733111222", "744999000", "755000999",
                  suppression_key("email", "dana.old@exemplu.ro")]:
        assert trace not in stored, trace


def _personal_tables() -> str:
    """Everything stored but the KPI counters, as one text."""
    import json

    from tests.stored import every_item

    return json.dumps({table: items for table, items in every_item().items() if table != "metrics_table"},
                      ensure_ascii=False, sort_keys=True)


def test_a_late_contact_record_naming_an_erased_customer_brings_nothing_back(client, ilinca):
    # Given Ilinca was erased while one of her calls was still going on
    from chalicelib.interactions.models import InteractionModel
    from tests.helpers import kinesis_event

    assert post(client, f"/customers/{ilinca['id']}/erase")[0] == 200
    before = _personal_tables()
    # When that call's contact record arrives, carrying her customerId and her number, twice
    late = load_json("contact-records/voice_abandoned.json", ContactId="late-call", InitialContactId="late-call",
                     Attributes={"customerId": ilinca["id"]},
                     CustomerEndpoint={"Address": "+40745112233", "Type": "TELEPHONE_NUMBER"})
    for _ in range(2):
        answer = client.lambda_.invoke("on_contact_record", kinesis_event([late])).payload
        assert answer == {"batchItemFailures": []}
    # Then no profile, address or timeline entry is started for her: only the mark
    # that keeps later copies from acting stays, with nothing but the contact id
    assert "745112233" not in stored_text() and ilinca["id"] not in stored_text()
    mark = InteractionModel.get("late-call")
    assert mark.erased and mark.customer_id is None
    # (the call still counts in the KPI counters, which hold nobody's data)
    assert len(_personal_tables()) <= len(before) + 200
    # But a new call from that number, naming nobody, starts afresh
    fresh = load_json("contact-records/voice_abandoned.json", ContactId="new-call", InitialContactId="new-call",
                      Attributes={}, CustomerEndpoint={"Address": "+40745112233", "Type": "TELEPHONE_NUMBER"})
    client.lambda_.invoke("on_contact_record", kinesis_event([fresh]))
    newcomer = InteractionModel.get("new-call").customer_id
    assert newcomer and newcomer != ilinca["id"]


def test_a_late_contact_record_of_a_call_the_lookup_linked_to_an_erased_customer_brings_nothing_back(client):
    # Given Sorin, recognised by the lookup when his call began (a flow that copies no customerId)
    from chalicelib.interactions.models import InteractionModel
    from tests.helpers import kinesis_event

    sorin = create(client, firstName="Sorin", phone="+40 733 444 555")
    assert lookup(client, "+40733444555", "linked-call")["customerId"] == sorin["id"]
    # and erased while that call was still going on, before anything else was heard of it
    assert post(client, f"/customers/{sorin['id']}/erase")[0] == 200
    # When the call's contact record arrives, naming nobody but carrying his number
    late = load_json("contact-records/voice_abandoned.json", ContactId="linked-call", InitialContactId="linked-call",
                     Attributes={}, CustomerEndpoint={"Address": "+40733444555", "Type": "TELEPHONE_NUMBER"})
    for _ in range(2):
        assert client.lambda_.invoke("on_contact_record", kinesis_event([late])).payload == {"batchItemFailures": []}
    # Then no profile, address or timeline entry is started for him again
    assert "733444555" not in stored_text() and "Sorin" not in stored_text()
    assert InteractionModel.get("linked-call").customer_id is None
    # But a new call from that number starts afresh
    fresh = load_json("contact-records/voice_abandoned.json", ContactId="next-call", InitialContactId="next-call",
                      Attributes={}, CustomerEndpoint={"Address": "+40733444555", "Type": "TELEPHONE_NUMBER"})
    client.lambda_.invoke("on_contact_record", kinesis_event([fresh]))
    assert InteractionModel.get("next-call").customer_id not in (None, sorin["id"])


def test_an_address_now_someone_elses_keeps_its_suppression_when_its_former_owner_is_erased(client):
    # Given Dana's old e-mail address bounced and was suppressed, then she replaced it,
    # and Emil, who has that address now, is a customer
    dana = create(client, firstName="Dana", email="dana.old@exemplu.ro")
    sent = notifier().send_to_customer(dana["id"], "case_opened", messages.TYPES["case_opened"].sample, "case:D-2")
    bounce(client, "dana.old@exemplu.ro", sent.provider_message_id)
    assert patch(client, f"/customers/{dana['id']}", {"email": "dana.new@exemplu.ro"})[0] == 200
    emil = create(client, firstName="Emil", email="dana.old@exemplu.ro")
    # When Dana asks for her data, and then to be erased
    exported = client.http.get(f"/customers/{dana['id']}/export")
    status, record = post(client, f"/customers/{dana['id']}/erase")
    # Then her export did not tell her about Emil's address, and the address that
    # bounced is still protected: nothing is sent to it for Emil
    assert json.loads(exported.body)["data"]["suppressions"] == []
    assert status == 200 and record["erased"]["suppressions"] == 0
    sent = notifier().send_to_customer(emil["id"], "case_opened", messages.TYPES["case_opened"].sample, "case:E-1")
    assert sent.status == "suppressed"
