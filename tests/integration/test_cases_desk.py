"""Cases as agents and supervisors work them through the API: opened for a contact
reason, timed in business hours, noted, waited on, resolved, and never overwritten
by a colleague acting on an older read."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.cases import desk as desk_module
from chalicelib.cases import sla_steps
from chalicelib.cases.models import CaseModel
from chalicelib.settings import get_settings
from devkit.mailbox import sent_emails
from tests.helpers import create_customer
from tests.journeys import INSTANCE_ID, connect

__all__ = ["connect"]  # fixtures used here

JSON = {"Content-Type": "application/json"}
BUCHAREST = ZoneInfo("Europe/Bucharest")


@pytest.fixture
def clock(monkeypatch):
    """Sets the time the desk sees."""
    def set_to(*parts: int) -> None:
        moment = datetime(*parts, tzinfo=BUCHAREST)
        monkeypatch.setattr(desk_module, "utcnow", lambda: moment)
        monkeypatch.setattr(sla_steps, "utcnow", lambda: moment)
    return set_to


def post(client, path, body):
    response = client.http.post(path, headers=JSON, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def get(client, path):
    response = client.http.get(path)
    return response.status_code, json.loads(response.body)


def complaint(customer_id, **changes):
    body = {"customerId": customer_id, "reason": "billing", "priority": "high",
            "subject": "Charged twice for November", "note": "Customer sees two charges of 49 RON",
            "contactId": "5b1f9e0a-0c3e-4d8a-9c1b-2f3e4d5a6b7c", "agent": "maria.ionescu"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_a_friday_evening_billing_complaint_is_due_after_the_romanian_holidays(client, clock):
    # Given Ana calls about a double charge on Friday 27 November 2026 at 17:00
    ana = create_customer(client)
    clock(2026, 11, 27, 17, 0)
    # When the agent opens a high-priority billing case
    status, case = post(client, "/cases", complaint(ana))
    # Then it waits in the billing L1 queue, first reply due Wednesday 2 December 12:00 Bucharest
    assert status == 201, case
    assert (case["tier"], case["queue"], case["status"]) == ("L1", "billing_l1", "open")
    assert case["sla"]["firstResponse"] == {"state": "running", "dueAt": "2026-12-02T10:00:00Z",
                                            "warningAt": "2026-12-02T09:12:00Z"}
    # And its first event records who opened it, from which contact, with the note
    opened = case["events"][0]
    assert (opened["action"], opened["actor"], opened["note"]) == ("opened", "maria.ionescu",
                                                                   "Customer sees two charges of 49 RON")
    assert get(client, f"/cases/{case['caseId']}")[1] == case


def test_only_a_reply_to_the_customer_counts_as_the_first_response(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    path = f"/cases/{case['caseId']}/notes"
    # When the agent writes an internal note
    clock(2026, 12, 2, 10, 0)
    status, noted = post(client, path, {"text": "Checked the ledger: duplicate capture", "visibility": "internal",
                                        "agent": "maria.ionescu"})
    # Then the first-response clock still runs
    assert status == 200
    assert noted["sla"]["firstResponse"]["state"] == "running"
    # When she writes to the customer
    clock(2026, 12, 2, 11, 0)
    replied = post(client, path, {"text": "We are refunding the second charge.", "visibility": "customer",
                                  "agent": "maria.ionescu"})[1]
    # Then the target is met and no deadline remains; resolution still runs
    assert replied["sla"]["firstResponse"] == {"state": "met", "dueAt": None, "warningAt": None}
    assert replied["sla"]["resolution"]["state"] == "running"
    assert [e["visibility"] for e in replied["events"][1:]] == ["internal", "customer"]


def test_waiting_on_the_customer_stops_the_clock_until_they_answer(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana, priority="urgent"))[1]
    clock(2026, 12, 2, 9, 30)
    waiting = post(client, f"/cases/{case['caseId']}/status",
                   {"status": "pending_customer", "agent": "maria.ionescu"})[1]
    assert waiting["status"] == "pending_customer"
    assert waiting["sla"]["firstResponse"] == {"state": "paused", "dueAt": None, "warningAt": None}
    # When the customer answers on Thursday at 14:00, the half hour left runs from then
    clock(2026, 12, 3, 14, 0)
    reopened = desk_module.Desk(get_settings()).customer_replied(case["caseId"])
    document = desk_module.document(desk_module.Desk(get_settings()), reopened)
    assert document["status"] == "open"
    assert document["sla"]["firstResponse"]["dueAt"] == "2026-12-03T12:30:00Z"


def test_two_agents_acting_on_the_same_read_never_overwrite_each_other(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    path = f"/cases/{case['caseId']}/status"
    # Given two agents read version 1; the first resolves the case
    first = post(client, path, {"status": "resolved", "resolutionCode": "solved", "agent": "maria.ionescu",
                                "version": 1})
    # When the second sets it to waiting on the customer from the same read
    second = post(client, path, {"status": "pending_customer", "agent": "dan.pop", "version": 1})
    # Then the second is told to read again, and the case is as the first left it
    assert first[0] == 200
    assert second[0] == 409
    assert "read it again" in second[1]["Message"]
    now = get(client, f"/cases/{case['caseId']}")[1]
    assert (now["status"], now["resolutionCode"], now["version"]) == ("resolved", "solved", 2)
    assert [e["action"] for e in now["events"]] == ["opened", "status"]


@pytest.mark.parametrize(("changes", "named"), [
    ({"customerId": None}, "customerId"),
    ({"customerId": "ana smith"}, "customerId"),
    ({"reason": "gossip"}, "reason must be one of billing"),
    ({"priority": "asap"}, "priority must be one of low, normal, high, urgent"),
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 201}, "subject must be at most 200"),
    ({"note": None}, "note"),
    ({"contactId": "not a contact!"}, "contactId"),
    ({"colour": "red"}, "unknown field(s): colour; allowed: agent, contactId, customerId, note, priority, reason,"
     " subject"),
])
def test_a_bad_new_case_is_refused_naming_the_field_and_nothing_is_written(client, changes, named):
    ana = create_customer(client)
    status, answer = post(client, "/cases", complaint(ana, **changes))
    assert status == 400
    assert named in answer["Message"]
    assert list(CaseModel.by_queue.query("billing_l1")) == []


def test_a_case_for_a_customer_we_do_not_know_is_refused(client):
    status, answer = post(client, "/cases", complaint("C0FFEE"))
    assert status == 400
    assert "customerId" in answer["Message"]
    assert list(CaseModel.by_queue.query("billing_l1")) == []


@pytest.mark.parametrize(("body", "named"), [
    ({"status": "done", "agent": "a"}, "status must be one of open, pending_customer, resolved, closed"),
    ({"status": "resolved", "agent": "a"}, "resolutionCode must be one of"),
    ({"status": "open", "resolutionCode": "solved", "agent": "a"}, "resolutionCode is only"),
    ({"status": "open"}, "agent"),
    ({"status": "open", "agent": "a", "version": "1"}, "version"),
])
def test_a_bad_status_change_is_refused_naming_the_field(client, clock, body, named):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    status, answer = post(client, f"/cases/{case['caseId']}/status", body)
    assert status == 400
    assert named in answer["Message"]
    assert get(client, f"/cases/{case['caseId']}")[1]["version"] == 1


def test_a_bad_note_is_refused_naming_the_field(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    status, answer = post(client, f"/cases/{case['caseId']}/notes",
                          {"text": "hi", "visibility": "public", "agent": "a"})
    assert (status, "visibility must be one of internal, customer" in answer["Message"]) == (400, True)
    assert get(client, f"/cases/{case['caseId']}")[1]["version"] == 1


def test_a_supervisor_lists_a_queue_and_what_is_breaching(client, clock):
    # Given two billing cases opened Wednesday morning, one urgent (1 business hour), one low
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    urgent = post(client, "/cases", complaint(ana, priority="urgent"))[1]
    low = post(client, "/cases", complaint(ana, priority="low", subject="Invoice address"))[1]
    # When the supervisor looks at 10:30
    clock(2026, 12, 2, 10, 30)
    everything = get(client, "/cases?queue=billing_l1")[1]
    breaching = get(client, "/cases?queue=billing_l1&breaching=true")[1]
    # Then both are in the queue, and only the urgent one is breaching
    assert {c["caseId"] for c in everything["cases"]} == {urgent["caseId"], low["caseId"]}
    assert [c["caseId"] for c in breaching["cases"]] == [urgent["caseId"]]
    assert get(client, "/cases?queue=billing_l1&tier=L2")[1]["cases"] == []
    # And the customer's cases list both, newest first
    assert len(get(client, f"/customers/{ana}/cases")[1]["cases"]) == 2


@pytest.mark.parametrize(("query", "named"), [
    ("", "queue is required"),
    ("?queue=billing_l1&tier=L9", "tier must be one of L1, L2, L3"),
    ("?queue=billing_l1&status=gone", "status must be one of"),
    ("?queue=billing_l1&breaching=maybe", "breaching must be true or false"),
    ("?queue=billing_l1&sort=age", "unknown parameter(s): sort; allowed: breaching, queue, status, tier"),
])
def test_a_bad_worklist_query_is_refused_naming_the_parameter(client, query, named):
    status, answer = get(client, f"/cases{query}")
    assert status == 400
    assert named in answer["Message"]


def test_an_unknown_case_is_not_found(client):
    assert get(client, "/cases/C-NOPE")[0] == 404


def test_a_customers_cases_and_their_notes_are_exported_and_erased(client, clock):
    from tests.stored import stored_text

    # Given Ana's complaint, with her own words in a note to her
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana, note="IBAN RO49AAAA1B31007593840000 charged twice"))[1]
    post(client, f"/cases/{case['caseId']}/notes", {"text": "Dear Ana, the refund is on its way.",
                                                    "visibility": "customer", "agent": "maria.ionescu"})
    # When she asks for her data, the case comes with every event and note
    exported = get(client, f"/customers/{ana}/export")[1]
    [exported_case] = exported["data"]["cases"]
    assert [(e["action"], e["note"] if e["action"] == "opened" else e["text"]) for e in exported_case["events"]] == [
        ("opened", "IBAN RO49AAAA1B31007593840000 charged twice"), ("note", "Dear Ana, the refund is on its way.")]
    # When she is erased, no trace of the case or its notes is stored anywhere
    erased = client.http.post(f"/customers/{ana}/erase")
    assert erased.status_code == 200
    assert json.loads(erased.body)["erased"]["cases"] == 1
    stored = stored_text()
    assert "RO49AAAA1B31007593840000" not in stored
    assert "the refund is on its way" not in stored
    assert case["caseId"] not in stored


# ---- tiers and playbooks ----

def do_step(client, case_id, step, result="done", agent="maria.ionescu"):
    return post(client, f"/cases/{case_id}/steps", {"step": step, "result": result, "agent": agent})


def expect_task(connect, case_id, customer_id, contact_id="task-l2", description=None):
    connect.add_response("start_task_contact", {"ContactId": contact_id}, {
        "InstanceId": INSTANCE_ID, "ContactFlowId": "front_desk_task",
        "Name": f"Case {case_id}: billing, escalated to L2",
        "Description": description or "Escalated from L1 (needs_expertise). Read the case's steps before calling.",
        "Attributes": {"caseId": case_id, "customerId": customer_id, "reason": "billing", "tier": "L2",
                       "queue": "billing_l2", "priority": "high"},
        "References": {"caseId": {"Value": case_id, "Type": "STRING"},
                       "customerId": {"Value": customer_id, "Type": "STRING"},
                       "fromTier": {"Value": "L1", "Type": "STRING"}},
        "ClientToken": f"case-{case_id}-L2"})


def test_escalating_without_the_mandatory_steps_is_refused_naming_them(client, clock, connect):
    # Given an L1 agent who only verified the caller
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    assert do_step(client, case["caseId"], "verify_identity", "date of birth and postcode match")[0] == 200
    # When she escalates
    status, answer = post(client, f"/cases/{case['caseId']}/escalate",
                          {"reasonCode": "needs_expertise", "agent": "maria.ionescu"})
    # Then she is told which steps are missing, no task is started and the case stays at L1
    assert status == 400
    assert "identify_invoice, check_duplicate_charge" in answer["Message"]
    assert "verify_identity" not in answer["Message"]
    assert get(client, f"/cases/{case['caseId']}")[1]["tier"] == "L1"


def test_an_escalation_moves_the_case_to_l2_with_one_task_and_l2_sees_what_l1_did(client, clock, connect):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    case_id = case["caseId"]
    do_step(client, case_id, "verify_identity", "date of birth and postcode match")
    do_step(client, case_id, "identify_invoice", "invoice F-2026-1187, 49 RON")
    # Given the ledger could not be checked (skipped with a reason)
    expect_task(connect, case_id, ana)
    status, moved = post(client, f"/cases/{case_id}/escalate", {
        "reasonCode": "needs_expertise", "agent": "maria.ionescu",
        "skip": {"check_duplicate_charge": "ledger tool down since 08:00"}})
    # Then the case is in L2's queue with the task Connect started, and L2's playbook is shown
    assert status == 200, moved
    assert (moved["tier"], moved["queue"]) == ("L2", "billing_l2")
    escalated = moved["events"][-1]
    assert (escalated["action"], escalated["fromTier"], escalated["toTier"], escalated["taskId"]) == (
        "escalated", "L1", "L2", "task-l2")
    assert escalated["skipped"] == {"check_duplicate_charge": "ledger tool down since 08:00"}
    # And the L2 agent reads, in Romanian, L2's steps and every L1 step with who did it and what was found
    seen = get(client, f"/cases/{case_id}?lang=ro")[1]
    assert [s["id"] for s in seen["playbook"]] == ["review_l1_steps", "reconcile_with_provider", "decide_refund"]
    assert seen["playbook"][0]["text"].startswith("Citiți ce a făcut")
    assert [(e["step"], e["actor"], e["result"]) for e in seen["events"] if e["action"] == "step"] == [
        ("verify_identity", "maria.ionescu", "date of birth and postcode match"),
        ("identify_invoice", "maria.ionescu", "invoice F-2026-1187, 49 RON")]
    # And the case is on L2's worklist, no longer on L1's
    assert [c["caseId"] for c in get(client, "/cases?queue=billing_l2")[1]["cases"]] == [case_id]
    assert get(client, "/cases?queue=billing_l1")[1]["cases"] == []


@pytest.mark.parametrize(("body", "named"), [
    ({"step": "dance", "result": "ok", "agent": "a"}, "step must be one of this tier's (L1) steps: verify_identity"),
    ({"step": "verify_identity", "agent": "a"}, "result"),
    ({"step": "verify_identity", "result": "ok"}, "agent"),
])
def test_a_bad_step_is_refused_naming_the_field(client, clock, body, named):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    status, answer = post(client, f"/cases/{case['caseId']}/steps", body)
    assert (status, named in answer["Message"]) == (400, True), answer
    assert get(client, f"/cases/{case['caseId']}")[1]["version"] == 1


@pytest.mark.parametrize(("body", "named"), [
    ({"agent": "a"}, "reasonCode must be one of needs_expertise"),
    ({"reasonCode": "needs_expertise", "agent": "a", "skip": {"dance": "no music"}}, "not mandatory at L1: dance"),
    ({"reasonCode": "needs_expertise", "agent": "a", "skip": {"verify_identity": ""}}, "skip must map"),
    ({"reasonCode": "needs_expertise"}, "agent"),
])
def test_a_bad_escalation_is_refused_naming_the_field_and_starts_no_task(client, clock, connect, body, named):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    status, answer = post(client, f"/cases/{case['caseId']}/escalate", body)
    assert (status, named in answer["Message"]) == (400, True), answer
    assert get(client, f"/cases/{case['caseId']}")[1]["version"] == 1


# ---- service-level schedules ----

def scheduled_names():
    import boto3

    scheduler = boto3.client("scheduler")
    return {s["Name"] for s in scheduler.list_schedules(GroupName=get_settings().schedule_group)["Schedules"]}


def run_step(client, step):
    answer = client.lambda_.invoke("scheduled_step", step)
    return answer.payload


def test_a_breached_billing_case_escalates_to_l2_once_and_a_redelivery_changes_nothing(client, clock, connect):
    # Given a billing complaint opened Friday 27 November 2026 at 17:00, nothing done yet
    ana = create_customer(client)
    clock(2026, 11, 27, 17, 0)
    case = post(client, "/cases", complaint(ana))[1]
    case_id = case["caseId"]
    stored = desk_module.Desk(get_settings()).get(case_id)
    planned = {p.name: p for p in sla_steps.plan(desk_module.Desk(get_settings()), stored)}
    breach = planned[f"case-{case_id}-firstResponse-breach-1796205600"]
    warning = planned[f"case-{case_id}-firstResponse-warning-1796202720"]
    # Then its schedules fall on Wednesday 2 December, across the weekend and both holidays,
    # and the scheduler holds them
    assert {breach.name, warning.name} <= scheduled_names()
    assert (warning.at.astimezone(BUCHAREST), breach.at.astimezone(BUCHAREST)) == (
        datetime(2026, 12, 2, 11, 12, tzinfo=BUCHAREST), datetime(2026, 12, 2, 12, 0, tzinfo=BUCHAREST))
    # When the warning fires, it is recorded on the case
    clock(2026, 12, 2, 11, 12)
    assert run_step(client, warning.step)["recorded"] == "sla_warning"
    # When the breach fires at 12:00, the case goes to L2 with one task, the missed steps marked
    clock(2026, 12, 2, 12, 0)
    expect_task(connect, case_id, ana,
                description="Escalated from L1 (sla_breach). Read the case's steps before calling.")
    assert run_step(client, breach.step)["escalated"] == "L2"
    seen = get(client, f"/cases/{case_id}")[1]
    assert (seen["tier"], seen["queue"]) == ("L2", "billing_l2")
    escalated = seen["events"][-1]
    assert (escalated["actor"], escalated["reasonCode"], escalated["taskId"]) == ("sla", "sla_breach", "task-l2")
    assert set(escalated["skipped"]) == {"verify_identity", "identify_invoice", "check_duplicate_charge"}
    # And Ana was told in Romanian when the case opened and when it went to the specialists
    mails = [m for m in sent_emails() if case_id in m.text]
    assert [m.header("Content-Language") for m in mails] == ["ro", "ro"]
    assert "preluat de o echipă de specialiști" in mails[1].text
    # When the scheduler delivers the same breach again, nothing changes and no second task starts
    clock(2026, 12, 2, 12, 1)
    assert run_step(client, breach.step) == {"step": "case_sla", "skipped": "already recorded"}
    assert len([m for m in sent_emails() if case_id in m.text]) == 2
    assert get(client, f"/cases/{case_id}")[1]["version"] == seen["version"]


def test_a_schedule_made_stale_by_a_pause_does_nothing(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    desk = desk_module.Desk(get_settings())
    breach = {p.name: p for p in sla_steps.plan(desk, desk.get(case["caseId"]))}[
        f"case-{case['caseId']}-firstResponse-breach-1796209200"]  # 13:00 Bucharest
    # Given the case waited on the customer from 10:00 to 15:00 (deadline moved to 18:00)
    clock(2026, 12, 2, 10, 0)
    post(client, f"/cases/{case['caseId']}/status", {"status": "pending_customer", "agent": "maria.ionescu"})
    clock(2026, 12, 2, 13, 0)
    # When the old 13:00 breach schedule fires while the case still waits, nothing happens
    assert run_step(client, breach.step)["skipped"] == "clock not running"
    clock(2026, 12, 2, 15, 0)
    desk.customer_replied(case["caseId"])
    # And once the clock runs again, the old schedule is early and changes nothing
    assert run_step(client, breach.step)["skipped"] == "deadline moved"
    after = get(client, f"/cases/{case['caseId']}")[1]
    assert after["tier"] == "L1"
    assert after["sla"]["firstResponse"]["dueAt"] == "2026-12-02T16:00:00Z"
    # And the scheduler holds the new breach schedule, not the old one
    names = scheduled_names()
    assert f"case-{case['caseId']}-firstResponse-breach-1796227200" in names
    assert breach.name not in names


def test_a_breach_under_an_alert_policy_tells_the_supervisor_and_keeps_the_tier(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana, reason="technical", priority="urgent"))[1]
    clock(2026, 12, 2, 10, 0)
    step = {"step": "case_sla", "caseId": case["caseId"], "target": "firstResponse", "kind": "breach",
            "dueAt": "2026-12-02T08:00:00Z"}
    assert run_step(client, step)["recorded"] == "sla_breached"
    seen = get(client, f"/cases/{case['caseId']}")[1]
    assert (seen["tier"], seen["events"][-1]["alerted"]) == ("L1", "support_l1 supervisor")
    assert seen["sla"]["firstResponse"]["state"] == "breached"
    # And the supervisors get one e-mail naming the case, its queue and the missed deadline,
    # however often the scheduler delivers the breach
    assert run_step(client, step)["skipped"] == "already recorded"
    [alert] = [m for m in sent_emails() if get_settings().supervisor_email in m.to]
    assert f"[Service level breached] Customer {ana}, {case['caseId']}" == alert.subject
    assert "support_l1" in alert.text and case["caseId"] in alert.text


def test_a_playbook_in_a_language_we_do_not_speak_is_refused(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    status, answer = get(client, f"/cases/{case['caseId']}?lang=fr")
    assert (status, "lang must be one of en, ro, it, hu" in answer["Message"]) == (400, True)


def test_a_case_is_assigned_to_an_agent_and_given_back_to_its_queue(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    path = f"/cases/{case['caseId']}/assignment"
    status, taken = post(client, path, {"assignee": "dan.pop", "agent": "supervisor.ro"})
    assert (status, taken["assignee"], taken["events"][-1]["to"]) == (200, "dan.pop", "dan.pop")
    given_back = post(client, path, {"assignee": None, "agent": "dan.pop"})[1]
    assert (given_back["assignee"], given_back["events"][-1]["from"]) == (None, "dan.pop")
    status, answer = post(client, path, {"agent": "dan.pop"})
    assert (status, "assignee must name an agent" in answer["Message"]) == (400, True)
    status, answer = post(client, path, {"assignee": "dan pop!", "agent": "dan.pop"})
    assert (status, "assignee" in answer["Message"]) == (400, True)


def test_a_cases_changes_appear_in_the_customers_timeline(client, clock):
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    clock(2026, 12, 2, 9, 30)
    post(client, f"/cases/{case['caseId']}/notes", {"text": "Checking the ledger", "visibility": "internal",
                                                    "agent": "maria.ionescu"})
    post(client, f"/cases/{case['caseId']}/notes", {"text": "Refund on its way", "visibility": "customer",
                                                    "agent": "maria.ionescu"})
    post(client, f"/cases/{case['caseId']}/status", {"status": "resolved", "resolutionCode": "solved",
                                                     "agent": "maria.ionescu"})
    timeline = get(client, f"/customers/{ana}/timeline")[1]["interactions"]
    kinds = sorted(i["kind"] for i in timeline if i["reference"].startswith(case["caseId"]))
    assert kinds == ["case_opened", "case_replied", "case_status"]
    assert "Refund on its way" not in json.dumps(timeline)


def test_raising_the_priority_moves_the_breach_schedule(client, clock):
    # Given a normal billing case opened Wednesday 09:00 (first reply due 17:00)
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana, priority="normal"))[1]
    old = f"case-{case['caseId']}-firstResponse-breach-1796223600"  # 17:00 Bucharest
    assert old in scheduled_names()
    # When a supervisor makes it urgent at 09:20
    clock(2026, 12, 2, 9, 20)
    status, urgent = post(client, f"/cases/{case['caseId']}/priority", {"priority": "urgent", "agent": "sup.ro"})
    # Then the first reply is due at 10:00 and the scheduler holds that breach, not the old one
    assert (status, urgent["priority"], urgent["sla"]["firstResponse"]["dueAt"]) == (
        200, "urgent", "2026-12-02T08:00:00Z")
    names = scheduled_names()
    assert f"case-{case['caseId']}-firstResponse-breach-1796198400" in names
    assert old not in names
    status, answer = post(client, f"/cases/{case['caseId']}/priority", {"priority": "asap", "agent": "sup.ro"})
    assert (status, "priority must be one of" in answer["Message"]) == (400, True)


def metrics(client, day, by=None):
    path = f"/metrics?from={day}&to={day}" + (f"&by={by}" if by else "")
    return json.loads(client.http.get(path).body)


def test_the_kpis_count_cases_opened_answered_breached_and_resolved_once(client, clock, connect):
    # Given two billing complaints opened on Wednesday 2 December 2026 at 09:00
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    answered = post(client, "/cases", complaint(ana))[1]
    late = post(client, "/cases", complaint(ana, contactId="6c2a0b1b-1d4f-4e9b-8d2c-3f4a5b6c7d8e"))[1]
    # When the first is answered at 10:30 (1.5 business hours of 4) and resolved at 11:00
    clock(2026, 12, 2, 10, 30)
    post(client, f"/cases/{answered['caseId']}/notes",
         {"text": "We are refunding the second charge.", "visibility": "customer", "agent": "maria.ionescu"})
    clock(2026, 12, 2, 11, 0)
    resolved = {"status": "resolved", "resolutionCode": "solved", "agent": "maria.ionescu"}
    post(client, f"/cases/{answered['caseId']}/status", resolved)
    # And the second breaches its first response at 13:00 and goes to L2 (delivered twice)
    clock(2026, 12, 2, 13, 0)
    expect_task(connect, late["caseId"], ana,
                description="Escalated from L1 (sla_breach). Read the case's steps before calling.")
    breach = {"step": "case_sla", "caseId": late["caseId"], "target": "firstResponse", "kind": "breach",
              "dueAt": "2026-12-02T11:00:00Z"}
    assert run_step(client, breach)["escalated"] == "L2"
    run_step(client, breach)
    # And a retried resolution changes nothing: Ana was told once that it opened, once that it was resolved
    again = post(client, f"/cases/{answered['caseId']}/status", resolved)
    assert (again[0], again[1]["version"]) == (200, 3)
    assert len([m for m in sent_emails() if answered["caseId"] in m.text]) == 2
    # Then the day's KPIs say so, in total and for the billing L1 queue
    totals = metrics(client, "2026-12-02")["totals"]
    assert {k: totals[k] for k in ("casesOpened", "caseFirstResponses", "caseFirstResponseMet", "casesResolved",
                                   "caseResolutionMinutes", "caseSlaBreaches", "caseSlaBreachesL1",
                                   "casesEscalated", "casesEscalatedToL2")} == {
        "casesOpened": 2, "caseFirstResponses": 1, "caseFirstResponseMet": 1, "casesResolved": 1,
        "caseResolutionMinutes": 120, "caseSlaBreaches": 1, "caseSlaBreachesL1": 1,
        "casesEscalated": 1, "casesEscalatedToL2": 1}
    assert (totals["averageCaseFirstResponseMinutes"], totals["caseFirstResponseMetPercent"],
            totals["caseEscalationPercent"]) == (90.0, 100.0, 50.0)
    queues = {g["value"]: g for g in metrics(client, "2026-12-02", by="queue")["groups"]}
    assert (queues["billing_l1"]["casesOpened"], queues["billing_l1"]["caseSlaBreachesL1"]) == (2, 1)


def test_the_customers_email_reopens_the_waiting_case_and_times_the_next_reply(client, clock):
    from tests.helpers import load_event, load_json

    # Given Ana's case, answered at 10:00 and waiting on her since
    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(ana))[1]
    clock(2026, 12, 2, 10, 0)
    post(client, f"/cases/{case['caseId']}/notes",
         {"text": "Please send us the two receipts.", "visibility": "customer", "agent": "maria.ionescu"})
    post(client, f"/cases/{case['caseId']}/status", {"status": "pending_customer", "agent": "maria.ionescu"})
    # When she writes back at 14:00: the e-mail flow recognises her, and Connect reports the
    # contact (twice, as EventBridge may)
    clock(2026, 12, 2, 14, 0)
    contact = load_event("connect/email_inbound.json")
    assert client.lambda_.invoke("lookup_customer", contact).payload["customerId"] == ana
    for _ in range(2):
        client.lambda_.invoke("on_contact_event", load_json("contact-events/email_initiated.json"))
    # Then the case is open again and her next reply is due in 8 business hours: Thursday 13:00
    seen = get(client, f"/cases/{case['caseId']}")[1]
    assert seen["status"] == "open"
    assert seen["sla"]["nextResponse"] == {"state": "running", "dueAt": "2026-12-03T11:00:00Z",
                                           "warningAt": "2026-12-03T09:24:00Z"}
    assert [e["action"] for e in seen["events"]].count("customer_replied") == 1
    # When the agent answers, the next response is met
    clock(2026, 12, 2, 15, 0)
    answered = post(client, f"/cases/{case['caseId']}/notes",
                    {"text": "Refund on its way.", "visibility": "customer", "agent": "maria.ionescu"})[1]
    assert answered["sla"]["nextResponse"]["state"] == "met"


def test_the_contact_that_opened_a_case_is_not_a_reply_to_it(client, clock):
    from tests.helpers import load_event, load_json

    ana = create_customer(client)
    clock(2026, 12, 2, 9, 0)
    contact = load_event("connect/email_inbound.json")
    contact["Details"]["Parameters"] = {"reason": "billing"}
    opened = client.lambda_.invoke("open_case", contact).payload
    client.lambda_.invoke("on_contact_event", load_json("contact-events/email_initiated.json"))
    seen = get(client, f"/cases/{opened['caseId']}")[1]
    assert (seen["customerId"], [e["action"] for e in seen["events"]]) == (ana, ["opened"])
    assert "nextResponse" not in seen["sla"]


def test_a_customer_merged_after_opening_a_case_hears_of_it_in_the_language_of_the_profile_kept(client, clock):
    # Given a case opened for a second profile Ana had, in Hungarian, with another address
    duplicate = create_customer(client, firstName="Anna", email="anna.p@example.hu", preferredLanguage="hu-HU",
                                timeZone="Europe/Budapest")
    clock(2026, 12, 2, 9, 0)
    case = post(client, "/cases", complaint(duplicate))[1]
    # And that profile merged into Ana's own, in Romanian
    ana = create_customer(client)
    assert client.http.post(f"/customers/{ana}/merge", headers=JSON,
                            body=json.dumps({"duplicateId": duplicate})).status_code == 200
    # When the agent waits on the customer's answer
    clock(2026, 12, 2, 9, 30)
    post(client, f"/cases/{case['caseId']}/status", {"status": "pending_customer", "agent": "maria.ionescu"})
    # Then the e-mail saying so is in Romanian throughout, the update's own words included
    mail = [m for m in sent_emails() if case["caseId"] in m.text][-1]
    assert "ana.popescu@example.ro" in mail.to
    assert mail.header("Content-Language") == "ro"
    assert "Avem nevoie de un răspuns" in mail.text and "válaszára" not in mail.text
