"""The agent panel's data calls and wrap-up, through the app's routes: what an agent
is shown for a contact, and what the agent's actions change (Amazon Connect stubbed:
moto has no UpdateContactAttributes)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.db import utcnow
from chalicelib.profiles.models import AuditModel
from tests.agent_panel import (
    ANA_PHONE,
    CONTACT,
    INSTANCE_ID,
    caller_says_code,
    code_in,
    contact_record,
    known_caller,
    lookup,
    many_activities,
    panel,
    post,
    records,
    sms_texts,
)
from tests.helpers import create_customer
from tests.journeys import connect

__all__ = ["connect"]  # fixture used here

WRAP = {"reason": "billing", "disposition": "answered", "resolved": True, "note": "Explained the invoice."}


def expect_attributes(stub, reason="billing", disposition="answered", resolved="true", contact=CONTACT):
    stub.add_response("update_contact_attributes", {}, {
        "InstanceId": INSTANCE_ID, "InitialContactId": contact,
        "Attributes": {"contactReason": reason, "disposition": disposition, "resolved": resolved}})


def test_a_known_caller_is_shown_with_who_why_and_history_in_the_agents_language(client):
    # Given Ana, a VIP with three earlier calls, calling now
    ana = known_caller(client, history=3)
    # When the panel asks for the contact, in Romanian
    status, view = panel(client, query="?lang=ro")
    # Then the agent sees who she is, her address masked, how she was recognised
    assert status == 200 and view["state"] == "known"
    who = view["who"]
    assert (who["customerId"], who["name"], who["vip"], who["tierName"]) == (ana, "Ana Popescu", True, "VIP")
    assert who["preferredLanguageName"] == "română"
    assert {"kind": "phone", "value": "+40 7•• ••• 678", "label": "Telefon"} in who["addresses"]
    assert who["recognisedBy"] == "phone" and who["recognisedByText"] == "număr de telefon"
    assert "e-mail: servicii, chestionare" in who["consentSummary"]
    # And her calls, newest first, each in one line of Romanian
    lines = [item["line"] for item in view["before"]["items"]]
    assert len(lines) == 3 and all(line.startswith("Apel") and "motiv: billing" in line for line in lines)
    stamps = [item["at"] for item in view["before"]["items"]]
    assert stamps == sorted(stamps, reverse=True)
    # And nothing that identifies her in full is in the answer
    body = json.dumps(view, ensure_ascii=False)
    assert ANA_PHONE not in body and "ana.popescu@example.ro" not in body


def test_the_answer_is_never_cached(client):
    known_caller(client, history=0)
    response = client.http.get(f"/agent/contacts/{CONTACT}")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_customer_with_200_timeline_items_is_paged_20_at_a_time_newest_first(client):
    ana = known_caller(client, history=0)
    many_activities(ana, 200)
    status, view = panel(client)
    assert status == 200 and len(view["before"]["items"]) == 20
    seen = [item["id"] for item in view["before"]["items"]]
    cursor = view["before"]["nextCursor"]
    while cursor:
        response = client.http.get(f"/agent/contacts/{CONTACT}/timeline?cursor={cursor}&lang=en")
        page = json.loads(response.body)
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
    assert len(seen) == len(set(seen)) == 200
    assert view["before"]["items"][0]["line"] == "E-mail: message sent"


def test_an_unknown_caller_gets_a_new_profile_the_agent_merges_into_the_customer_found_by_email(client):
    # Given Ana, known by e-mail, calling from a number we have never seen
    ana = create_customer(client)
    created = lookup(client, CONTACT, address="+40733999888")["customerId"]
    status, view = panel(client)
    assert view["state"] == "new" and view["who"]["customerId"] == created
    # When the agent searches by her e-mail address (in the body, not the URL)
    status, found = post(client, f"/agent/contacts/{CONTACT}/search", {"email": "Ana.Popescu@example.ro"})
    assert status == 200 and [c["customerId"] for c in found["customers"]] == [ana]
    assert found["customers"][0]["addresses"] == [{"kind": "email", "value": "a•••@example.ro", "label": "E-mail"}]
    # And merges the new profile into hers
    status, linked = post(client, f"/agent/contacts/{CONTACT}/link", {"customerId": ana, "merge": True})
    assert (status, linked["merged"]) == (200, True)
    # Then the contact shows Ana, with the new number among her addresses, and the merge is audited
    status, view = panel(client)
    assert view["state"] == "known" and view["who"]["customerId"] == ana
    assert {"kind": "phone", "value": "+40 7•• ••• 888", "label": "Phone"} in view["who"]["addresses"]
    assert AuditModel.get(f"merge#{created}").subject_id == ana


def test_a_contact_nobody_recognised_can_be_linked_to_a_customer(client, settings_env):
    settings_env(AUTO_CREATE_PROFILES="false")
    ana = create_customer(client, phone=ANA_PHONE)
    lookup(client, CONTACT, address="+40733999888")
    assert panel(client)[1]["state"] == "unknown"
    assert post(client, f"/agent/contacts/{CONTACT}/search", {"phone": "0712 345 678"})[1]["customers"][0][
        "customerId"] == ana
    assert post(client, f"/agent/contacts/{CONTACT}/link", {"customerId": ana})[0] == 200
    assert panel(client)[1]["who"]["customerId"] == ana


def test_a_search_that_finds_nobody_says_so(client):
    lookup(client, CONTACT)
    assert post(client, f"/agent/contacts/{CONTACT}/search", {"phone": "+40744000111"}) == (200, {"customers": []})


@pytest.mark.parametrize(("name", "found"), [
    ("ana popescu", True), ("POPESCU", True), ("Ána  Popéscu", True), ("Maria Popescu", False), ("Ion", False)])
def test_a_search_with_the_name_the_caller_gives_finds_only_a_customer_with_that_address_and_name(
        client, settings_env, name, found):
    # Given Ana, known by phone and e-mail, calls from a number nobody knows
    settings_env(AUTO_CREATE_PROFILES="false")
    ana = create_customer(client, phone=ANA_PHONE)
    lookup(client, CONTACT, address="+40733999888")
    # When the agent searches with her e-mail and the name the caller gives
    status, answer = post(client, f"/agent/contacts/{CONTACT}/search", {"email": "ana.popescu@example.ro",
                                                                         "name": name})
    # Then Ana is found only when the name is hers (case and accents aside)
    assert status == 200
    assert [c["customerId"] for c in answer["customers"]] == ([ana] if found else [])


@pytest.mark.parametrize("body", [{"name": "Ana Popescu"}, {"email": "ana.popescu@example.ro", "name": "!!"},
                                  {"email": "ana.popescu@example.ro", "name": 7}])
def test_a_name_alone_or_a_name_that_is_no_name_is_refused(client, body):
    lookup(client, CONTACT)
    status, answer = post(client, f"/agent/contacts/{CONTACT}/search", body)
    assert status == 400 and ("name" in answer["Message"] or "exactly one of" in answer["Message"])


def test_an_erased_customer_shows_nothing_of_theirs(client):
    # Given Ana's call was recorded, then her data was erased at her request
    ana = known_caller(client, history=1)
    records(client, contact_record(CONTACT, utcnow() - timedelta(minutes=5)))
    assert client.http.post(f"/customers/{ana}/erase").status_code in (200, 202)
    # Then the panel says so and shows nothing of hers
    status, view = panel(client)
    assert status == 200 and view["state"] == "erased"
    assert "who" not in view and "before" not in view
    assert "Ana" not in json.dumps(view)


def test_a_caller_erased_while_on_the_call_shows_as_erased(client):
    # Given Ana, recognised when her call began (nothing else heard of it yet), erased meanwhile
    ana = known_caller(client, history=0)
    assert client.http.post(f"/customers/{ana}/erase").status_code in (200, 202)
    # Then the panel says she was erased, not that the caller is unknown
    status, view = panel(client)
    assert status == 200 and view["state"] == "erased"
    assert "who" not in view and "Ana" not in json.dumps(view)


def test_the_agent_corrects_language_and_tier(client):
    ana = known_caller(client, history=0)
    response = client.http.patch(f"/agent/contacts/{CONTACT}/customer", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"preferredLanguage": "hu-HU", "tier": "gold"}))
    assert response.status_code == 200
    who = panel(client)[1]["who"]
    assert (who["customerId"], who["preferredLanguage"], who["tier"]) == (ana, "hu-HU", "gold")


def test_the_panel_corrects_nothing_but_language_tier_and_consent(client):
    known_caller(client, history=0)
    response = client.http.patch(f"/agent/contacts/{CONTACT}/customer", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"firstName": "Eve"}))
    assert response.status_code == 400 and "consent, preferredLanguage, tier" in json.loads(response.body)["Message"]


def patch_customer(client, body, contact=CONTACT):
    response = client.http.patch(f"/agent/contacts/{contact}/customer", headers={"Content-Type": "application/json"},
                                 body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def consent_shown(view):
    return {c["channel"]: {p["purpose"]: p["given"] for p in c["purposes"]} for c in view["who"]["consentChannels"]}


def test_the_agent_sees_consent_per_channel_the_customer_can_be_reached_on(client):
    # Given Ana, with a phone number and an e-mail address, who opted out of e-mail surveys
    ana = known_caller(client, history=0)
    client.http.patch(f"/customers/{ana}", headers={"Content-Type": "application/json"},
                      body=json.dumps({"consent": {"email": {"surveys": False}}}))
    # When the panel shows her, in Italian
    view = panel(client, query="?lang=it")[1]
    # Then each channel she can be reached on says what may be sent, as senders decide it
    shown = consent_shown(view)
    assert shown == {"email": {"transactional": True, "surveys": False, "marketing": False},
                     "sms": {"transactional": True, "surveys": True, "marketing": False},
                     "voice": {"transactional": True, "surveys": True, "marketing": False}}
    email = view["who"]["consentChannels"][0]
    assert email["label"] == "e-mail" and [p["label"] for p in email["purposes"]][-1] == "marketing"


def test_consent_the_customer_states_on_the_call_is_stored_with_the_contact_as_evidence(client):
    # Given Ana on the phone
    ana = known_caller(client, history=0)
    # When she says she wants offers by e-mail but no more SMS surveys, and the agent records it
    status, answer = patch_customer(client, {"consent": {"email": {"marketing": True}, "sms": {"surveys": False}}})
    # Then her profile says so, and every sender will follow it
    assert status == 200 and answer["consentChanged"] == {"email": {"marketing": True}, "sms": {"surveys": False}}
    profile = json.loads(client.http.get(f"/customers/{ana}").body)
    assert profile["consent"]["email"]["marketing"] is True and profile["consent"]["sms"]["surveys"] is False
    # And her timeline keeps the evidence: this contact, what changed, recorded by an agent
    timeline = json.loads(client.http.get(f"/customers/{ana}/timeline").body)["interactions"]
    [entry] = [i for i in timeline if i.get("kind") == "consent_changed"]
    assert entry["detail"] == {"contactId": CONTACT, "source": "agent", "email": "marketing=yes", "sms": "surveys=no"}
    # And the panel reads it in the agent's language
    lines = [item["line"] for item in panel(client, query="?lang=en")[1]["before"]["items"]]
    assert "Call: consent changed by the agent · e-mail: marketing Yes; SMS: surveys No" in lines
    # When the agent saves the same again, nothing more is recorded
    status, answer = patch_customer(client, {"consent": {"email": {"marketing": True}}})
    assert status == 200 and answer["consentChanged"] == {}
    timeline = json.loads(client.http.get(f"/customers/{ana}/timeline").body)["interactions"]
    assert len([i for i in timeline if i.get("kind") == "consent_changed"]) == 1


def test_a_bad_consent_change_says_what_is_wrong_and_records_nothing(client):
    ana = known_caller(client, history=0)
    status, answer = patch_customer(client, {"consent": {"fax": {"marketing": True}}})
    assert status == 400 and "unknown channel 'fax'" in answer["Message"]
    status, answer = patch_customer(client, {"consent": {"email": {"marketing": "yes"}}})
    assert status == 400 and "consent.email.marketing must be true or false" in answer["Message"]
    timeline = json.loads(client.http.get(f"/customers/{ana}/timeline").body)["interactions"]
    assert not [i for i in timeline if i.get("kind") == "consent_changed"]
    assert json.loads(client.http.get(f"/customers/{ana}").body)["consent"]["email"]["marketing"] is False


def test_the_contact_summary_email_is_sent_once(client):
    from devkit.mailbox import sent_emails

    known_caller(client, history=0)
    body = {"done": ["Checked the invoice", "Refunded the late fee"]}
    assert post(client, f"/agent/contacts/{CONTACT}/summary-email", body)[0] == 201
    assert post(client, f"/agent/contacts/{CONTACT}/summary-email", body)[0] == 200
    [mail] = sent_emails()
    assert "Refunded the late fee" in mail.text


# ---- wrap-up ----------------------------------------------------------------

def test_wrap_up_sets_the_contact_attributes_and_one_timeline_entry(client, connect):
    ana = known_caller(client, history=0)
    expect_attributes(connect)
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up", WRAP)
    assert status == 201 and answer["wrapUp"]["editable"] is True
    # Sent again as it is: nothing called, nothing written twice
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up", WRAP)
    assert (status, answer["status"]) == (200, "unchanged")
    items = panel(client)[1]["before"]["items"]
    wrap_ups = [i["line"] for i in items if i["kind"] == "wrap_up"]
    assert wrap_ups == ["Call: wrap-up by the agent · reason: billing · resolved"]
    assert panel(client)[1]["wrapUp"]["note"] == "Explained the invoice."
    assert ana


def test_a_changed_wrap_up_replaces_the_first_until_the_contact_record_arrives(client, connect):
    known_caller(client, history=0)
    expect_attributes(connect)
    expect_attributes(connect, disposition="callback", resolved="false")
    post(client, f"/agent/contacts/{CONTACT}/wrap-up", WRAP)
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up",
                          {**WRAP, "disposition": "callback", "resolved": False})
    assert status == 200 and answer["wrapUp"]["resolved"] is False
    assert len([i for i in panel(client)[1]["before"]["items"] if i["kind"] == "wrap_up"]) == 1
    # When the contact record arrives, carrying the attributes the wrap-up set
    records(client, contact_record(CONTACT, utcnow() - timedelta(minutes=10), contactReason="billing",
                                   disposition="callback", resolved="false"))
    # Then the contact is settled: no more changes
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up", WRAP)
    assert status == 409 and "contact record" in answer["Message"]
    assert panel(client)[1]["wrapUp"]["editable"] is False


@pytest.mark.parametrize("resolved", [True, False])
def test_first_contact_resolution_follows_what_the_agent_said(client, connect, resolved):
    ana = known_caller(client, history=0)
    flag = "true" if resolved else "false"
    expect_attributes(connect, resolved=flag)
    post(client, f"/agent/contacts/{CONTACT}/wrap-up", {**WRAP, "resolved": resolved})
    # The contact record carries the attributes the wrap-up set (asserted by the stub)
    records(client, contact_record(CONTACT, utcnow() - timedelta(minutes=10), contactReason="billing",
                                   disposition="answered", resolved=flag))
    timeline = json.loads(client.http.get(f"/customers/{ana}/timeline").body)["interactions"]
    call = next(i for i in timeline if i["id"] == CONTACT)
    assert (call["resolved"], call["resolvedAtFirstContact"]) == (resolved, resolved)


@pytest.mark.parametrize(("body", "problem"), [
    ({"disposition": "answered", "resolved": True}, "reason must be"),
    ({"reason": "Billing Issue!", "disposition": "answered", "resolved": True}, "reason must be"),
    ({"reason": "billing", "disposition": "whatever", "resolved": True}, "disposition must be one of"),
    ({"reason": "billing", "disposition": "answered", "resolved": "yes"}, "resolved must be true or false"),
    ({**WRAP, "note": "x" * 1001}, "note must be"),
    ({**WRAP, "agent": "me"}, "unknown field(s): agent; allowed: disposition, note, reason, resolved"),
])
def test_a_bad_wrap_up_says_what_is_wrong_and_changes_nothing(client, connect, body, problem):
    known_caller(client, history=0)
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up", body)
    assert status == 400 and problem in answer["Message"]
    assert panel(client)[1]["wrapUp"] is None


def test_a_note_is_kept_only_for_a_contact_linked_to_a_customer(client, connect, settings_env):
    settings_env(AUTO_CREATE_PROFILES="false")
    lookup(client, CONTACT, address="+40733999888")
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up", WRAP)
    assert status == 400 and "link the contact to a customer" in answer["Message"]
    expect_attributes(connect)
    assert post(client, f"/agent/contacts/{CONTACT}/wrap-up", {**WRAP, "note": ""})[0] == 201


def test_a_wrap_up_connect_refuses_writes_nothing(client, connect):
    known_caller(client, history=0)
    connect.add_client_error("update_contact_attributes", "ThrottlingException", http_status_code=429)
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up", WRAP)
    assert status == 503 and "ThrottlingException" in answer["Message"]
    assert panel(client)[1]["wrapUp"] is None


def test_a_wrap_up_for_a_contact_connect_does_not_know_is_not_found_and_writes_nothing(client, connect):
    # Found by fuzzing: Connect's "no such contact" was answered 503 (retry), which no retry mends
    known_caller(client, history=0)
    connect.add_client_error("update_contact_attributes", "ResourceNotFoundException", http_status_code=404)
    status, answer = post(client, f"/agent/contacts/{CONTACT}/wrap-up", WRAP)
    assert status == 404 and "no such contact" in answer["Message"]
    assert panel(client)[1]["wrapUp"] is None


# ---- the page and its edges --------------------------------------------------

def test_the_page_shell_holds_no_customer_data_and_may_be_framed_by_the_workspace_only(client, settings_env):
    settings_env(AGENT_WORKSPACE_ORIGIN="https://lumen.my.connect.aws")
    known_caller(client, history=1)
    response = client.http.get(f"/agent?contactId={CONTACT}", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert response.status_code == 200
    page = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert "Ana" not in page and "Popescu" not in page and '<html lang="it">' in page
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://lumen.my.connect.aws" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "X-Frame-Options" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_the_workspace_origin_setting_is_checked(settings_env):
    from chalicelib.settings import SettingsError

    with pytest.raises(SettingsError, match="AGENT_WORKSPACE_ORIGIN"):
        settings_env(AGENT_WORKSPACE_ORIGIN="https://lumen.my.connect.aws/ccp")


def test_only_the_panels_own_files_are_served(client):
    assert client.http.get("/agent/static/panel.js").headers["Content-Type"].startswith("text/javascript")
    assert client.http.get("/agent/static/amazon-connect-sdk.js").status_code == 200
    assert client.http.get("/agent/static/vendor.json").status_code == 404


@pytest.mark.parametrize("contact", ["not%20an%20id", "x" * 129])
def test_a_malformed_contact_id_is_refused(client, contact):
    response = client.http.get(f"/agent/contacts/{contact}")
    assert response.status_code == 400 and "contactId" in json.loads(response.body)["Message"]


def test_a_failing_database_answers_503_with_a_readable_message(client, dynamodb_fault):
    known_caller(client, history=0)
    dynamodb_fault("throttle")
    response = client.http.get(f"/agent/contacts/{CONTACT}")
    answer = json.loads(response.body)
    assert response.status_code == 503 and "failed" in answer["Message"] and "Traceback" not in response.body.decode()


def test_the_first_paint_costs_the_same_few_dynamodb_calls_whatever_the_history_and_never_a_scan(client):
    from devkit.bench import dynamodb_calls

    ana = known_caller(client, history=1)
    with dynamodb_calls() as short:
        panel(client)
    many_activities(ana, 200)
    with dynamodb_calls() as long:
        panel(client)
    assert short == long and sum(long.values()) == 4 and "Scan" not in long


def test_a_case_opened_from_the_panel_belongs_to_the_contacts_customer(client):
    ana = known_caller(client, history=0)
    body = {"reason": "billing", "priority": "high", "subject": "Charged twice", "note": "Two charges of 49 RON"}
    response = client.http.post(f"/agent/contacts/{CONTACT}/case", headers={"Content-Type": "application/json"},
                                body=json.dumps(body))
    assert response.status_code == 201, response.body
    opened = json.loads(response.body)
    assert (opened["tier"], opened["queue"]) == ("L1", "billing_l1")
    [case] = json.loads(client.http.get(f"/customers/{ana}/cases").body)["cases"]
    assert case["caseId"] == opened["caseId"]


@pytest.mark.parametrize(("body", "named"), [
    ({"reason": "refund", "subject": "x", "note": "y"}, "reason"),
    ({"reason": "billing", "subject": "", "note": "y"}, "subject"),
    ({"reason": "billing", "subject": "x", "note": "y", "customerId": "someone-else"}, "customerId"),
])
def test_a_bad_case_from_the_panel_is_refused_naming_the_field_and_nothing_is_written(client, body, named):
    ana = known_caller(client, history=0)
    response = client.http.post(f"/agent/contacts/{CONTACT}/case", headers={"Content-Type": "application/json"},
                                body=json.dumps(body))
    assert response.status_code == 400 and named in json.loads(response.body)["Message"], response.body
    assert json.loads(client.http.get(f"/customers/{ana}/cases").body)["cases"] == []


def test_a_case_for_a_contact_that_is_nobodys_is_refused(client):
    response = client.http.post("/agent/contacts/0a1b2c3d-0000-4000-8000-00000000dead/case",
                                headers={"Content-Type": "application/json"},
                                body=json.dumps({"reason": "billing", "subject": "x", "note": "y"}))
    assert response.status_code == 400
    assert "find or link the customer first" in json.loads(response.body)["Message"]


# ---- escalating the open case --------------------------------------------------

def open_from_panel(client) -> str:
    body = {"reason": "billing", "priority": "high", "subject": "Charged twice", "note": "Two charges of 49 RON"}
    status, opened = post(client, f"/agent/contacts/{CONTACT}/case", body)
    assert status == 201, opened
    return opened["caseId"]


def step_done(client, case_id: str, step: str) -> None:
    status, answer = post(client, f"/cases/{case_id}/steps", {"step": step, "result": "done", "agent": "maria"})
    assert status == 200, answer


def expect_l2_task(stub, case_id: str, customer_id: str, note: str) -> None:
    stub.add_response("start_task_contact", {"ContactId": "task-l2"}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task",
        "Name": f"Case {case_id}: billing, escalated to L2", "Description": note,
        "Attributes": {"caseId": case_id, "customerId": customer_id, "reason": "billing", "tier": "L2",
                       "queue": "billing_l2", "priority": "high"},
        "References": {"caseId": {"Value": case_id, "Type": "STRING"},
                       "customerId": {"Value": customer_id, "Type": "STRING"},
                       "fromTier": {"Value": "L1", "Type": "STRING"}},
        "ClientToken": f"case-{case_id}-L2"})


def case_events(client, case_id: str) -> list[dict]:
    return json.loads(client.http.get(f"/cases/{case_id}").body)["events"]


def test_the_panel_shows_the_open_case_and_escalates_it_once_to_l2(client, connect):
    # Given Ana's open billing case, its L1 steps done
    ana = known_caller(client, history=0)
    case_id = open_from_panel(client)
    for step in ("verify_identity", "identify_invoice", "check_duplicate_charge"):
        step_done(client, case_id, step)
    assert panel(client)[1]["why"]["case"] | {"queue": None} == {
        "caseId": case_id, "tier": "L1", "status": "open", "reason": "billing", "queue": None}
    # When the agent escalates it from the panel, with why and a note for L2
    expect_l2_task(connect, case_id, ana, "Customer insists; the refund needs approval.")
    status, moved = post(client, f"/agent/contacts/{CONTACT}/case/escalate",
                         {"reasonCode": "needs_authority", "note": "Customer insists; the refund needs approval."})
    # Then the case is at L2 in L2's queue, with one Connect task (the stub checks the request)
    assert status == 200, moved
    assert moved == {"caseId": case_id, "fromTier": "L1", "tier": "L2", "queue": "billing_l2", "status": "open"}
    assert panel(client)[1]["why"]["case"]["tier"] == "L2"
    escalated = [e for e in case_events(client, case_id) if e["action"] == "escalated"]
    assert len(escalated) == 1 and escalated[0]["reasonCode"] == "needs_authority"


def test_escalating_with_steps_not_done_is_refused_naming_them_until_the_agent_says_why(client, connect):
    # Given Ana's open case where only her identity was checked
    ana = known_caller(client, history=0)
    case_id = open_from_panel(client)
    step_done(client, case_id, "verify_identity")
    # When the agent escalates from the panel
    status, answer = post(client, f"/agent/contacts/{CONTACT}/case/escalate",
                          {"reasonCode": "needs_expertise", "note": "Needs the ledger", "lang": "en"})
    # Then she reads which required steps are missing, and the case stays at L1
    assert status == 400
    assert "identify_invoice" in answer["Message"] and "check_duplicate_charge" in answer["Message"]
    assert "verify_identity" not in answer["Message"] and answer["Message"].startswith("Not escalated")
    assert panel(client)[1]["why"]["case"]["tier"] == "L1"
    # And when she says why they were skipped, the desk lets it through, keeping the reason
    expect_l2_task(connect, case_id, ana, "Needs the ledger")
    status, moved = post(client, f"/agent/contacts/{CONTACT}/case/escalate",
                         {"reasonCode": "needs_expertise", "note": "Needs the ledger",
                          "skipReason": "ledger tool down since 08:00"})
    assert (status, moved["tier"]) == (200, "L2"), moved
    [escalated] = [e for e in case_events(client, case_id) if e["action"] == "escalated"]
    assert escalated["skipped"] == {"identify_invoice": "ledger tool down since 08:00",
                                    "check_duplicate_charge": "ledger tool down since 08:00"}


@pytest.mark.parametrize(("body", "named"), [
    ({"note": "x"}, "reasonCode"),
    ({"reasonCode": "bored", "note": "x"}, "reasonCode"),
    ({"reasonCode": "needs_expertise"}, "note"),
    ({"reasonCode": "needs_expertise", "note": "  "}, "note"),
    ({"reasonCode": "needs_expertise", "note": "x", "skip": ["verify_identity"]}, "skip"),
    ({"reasonCode": "needs_expertise", "note": "x", "skip": {"verify_identity": ""}}, "skip"),
    ({"reasonCode": "needs_expertise", "note": "x", "skipReason": 7}, "skipReason"),
    ({"reasonCode": "needs_expertise", "note": "x", "skip": {"fly_to_the_moon": "no rocket"}}, "fly_to_the_moon"),
    ({"reasonCode": "needs_expertise", "note": "x", "tier": "L3"}, "tier"),
])
def test_a_bad_escalation_from_the_panel_is_refused_naming_the_field_and_nothing_changes(client, connect, body,
                                                                                        named):
    known_caller(client, history=0)
    case_id = open_from_panel(client)
    status, answer = post(client, f"/agent/contacts/{CONTACT}/case/escalate", body)
    assert status == 400 and named in answer["Message"], answer
    assert [e["action"] for e in case_events(client, case_id)] == ["opened"]
    assert panel(client)[1]["why"]["case"]["tier"] == "L1"


def test_a_case_at_its_last_tier_is_not_escalated_further(client, connect):
    # Given Ana's billing case escalated from the panel to L3, its last tier
    known_caller(client, history=0)
    case_id = open_from_panel(client)
    body = {"reasonCode": "needs_authority", "note": "Refund above the agent's limit", "skipReason": "not needed"}
    for tier in ("L2", "L3"):
        connect.add_response("start_task_contact", {"ContactId": f"task-{tier}"}, None)
        status, moved = post(client, f"/agent/contacts/{CONTACT}/case/escalate", body)
        assert (status, moved["tier"]) == (200, tier), moved
    # When the agent escalates again
    status, answer = post(client, f"/agent/contacts/{CONTACT}/case/escalate", body)
    # Then it is a conflict naming the last tier, and nothing changed
    assert status == 409 and "L3, the last tier" in answer["Message"]
    assert [e["action"] for e in case_events(client, case_id)].count("escalated") == 2


def test_escalating_for_a_contact_without_a_customer_or_an_open_case_is_not_found(client):
    body = {"reasonCode": "needs_expertise", "note": "x"}
    nobody = post(client, "/agent/contacts/0a1b2c3d-0000-4000-8000-00000000dead/case/escalate", body)
    known_caller(client, history=0)
    nothing_open = post(client, f"/agent/contacts/{CONTACT}/case/escalate", body)
    assert (nobody[0], nothing_open[0]) == (404, 404)
    assert "no open case" in nothing_open[1]["Message"]


# ---- verification: recognised is not verified ------------------------------------

def test_the_agent_sends_a_code_to_the_profiles_number_and_sees_the_contact_verified_once_read_back(client):
    # Given Ana, recognised by the number she calls from, not yet verified
    known_caller(client, history=0)
    _, view = panel(client, query="?lang=ro")
    assert view["who"]["recognisedBy"] == "phone"
    assert view["verification"] == {"verified": False, "method": None, "at": None, "text": "neverificat"}
    # When the agent sends her a code by SMS from the panel
    with sms_texts(ANA_PHONE) as sent:
        status, answer = post(client, f"/agent/contacts/{CONTACT}/verification-code", {"channel": "sms", "lang": "en"})
    # Then it goes once, to the number on her profile, and the agent sees it masked, never the code
    assert status == 201, answer
    [text] = sent
    code = code_in(text)
    assert (answer["channel"], answer["to"]) == ("sms", "+40 7•• ••• 678")
    assert answer["text"].startswith("Code sent by SMS to +40 7•• ••• 678")
    assert code not in json.dumps(answer) and ANA_PHONE not in json.dumps(answer, ensure_ascii=False)
    # And once she keys it in, the panel says how she was verified, and never the code
    assert caller_says_code(client, code)["verification"] == "verified"
    _, view = panel(client, query="?lang=en")
    verification = view["verification"]
    assert (verification["verified"], verification["method"], verification["text"]) == (
        True, "code_sms", "verified by code (SMS)")
    assert verification["at"] and code not in json.dumps(view)


@pytest.mark.parametrize("body, expected", [
    ({"channel": "fax"}, "channel must be one of"),
    ({"channel": "sms", "to": "+40799000111"}, "unknown field(s): to; allowed: channel, lang"),
    ({"channel": "whatsapp"}, "no address on that channel"),
])
def test_a_code_the_panel_cannot_send_says_why_and_sends_nothing(client, body, expected):
    known_caller(client, history=0)
    with sms_texts() as sent:
        status, answer = post(client, f"/agent/contacts/{CONTACT}/verification-code", body)
    assert status == 400 and expected in answer["Message"] and sent == []


def test_no_code_for_a_contact_nobody_is_on(client):
    status, answer = post(client, "/agent/contacts/nobody-here/verification-code", {})
    assert status == 404 and "not linked" in answer["Message"]
