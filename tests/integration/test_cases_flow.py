"""`open_case`, the contact-flow function: a case for the contact's customer under
Connect's rules (a flat map of strings, never an exception, one case per contact
however often Connect retries)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from devkit.mailbox import sent_emails
from tests.helpers import create_customer
from tests.journeys import flow_event, schedule

CONTACT = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"


def cases_of(client, customer_id):
    return json.loads(client.http.get(f"/customers/{customer_id}/cases").body)["cases"]


def invoke(client, contact_id=CONTACT, **parameters):
    return client.lambda_.invoke("open_case", flow_event(contact_id, parameters=parameters, address=None)).payload


def test_a_flow_opens_one_case_however_often_connect_retries(client):
    # Given Ana, named by the flow's lookup
    ana = create_customer(client)
    # When the flow opens a billing case for her contact, and Connect retries the block twice
    answers = [invoke(client, customerId=ana, reason="billing", priority="high", subject="Charged twice")
               for _ in range(3)]
    # Then every answer names the same new case, waiting at L1 with the billing team
    assert answers[0] == {"status": "OK", "caseId": answers[0]["caseId"], "caseStatus": "NEW", "tier": "L1",
                          "queue": "billing_l1", "reason": "billing", "priority": "high"}
    assert answers[1] == answers[2] == answers[0]
    # And she has that one case
    case_id = answers[0]["caseId"]
    [case] = cases_of(client, ana)
    assert (case["caseId"], case["subject"]) == (case_id, "Charged twice")
    # And the caller did not wait for the rest of the opening: it is one schedule away
    assert sent_emails() == []
    found = schedule(f"case-opened-{case_id}")
    assert json.loads(found["Target"]["Input"]) == {"step": "case_opened", "caseId": case_id}
    # When the scheduler runs it (and delivers it again), she is told once, and her case's clocks are scheduled
    for _ in range(2):
        assert client.lambda_.invoke("scheduled_step", json.loads(found["Target"]["Input"])).payload["finished"] == \
            case_id
    assert len([m for m in sent_emails() if case_id in m.text]) == 1
    assert schedule(f"case-{case_id}-firstResponse-breach-" + str(int(datetime.fromisoformat(
        case["sla"]["firstResponse"]["dueAt"]).timestamp()))) is not None


def test_a_contact_with_an_open_case_for_the_same_reason_joins_it(client):
    ana = create_customer(client)
    first = invoke(client, customerId=ana, reason="billing")
    again = invoke(client, "8d2e3f40-5b6c-4d7e-9f80-a1b2c3d4e5f6", customerId=ana, reason="billing")
    other = invoke(client, "9e3f4051-6c7d-4e8f-a091-b2c3d4e5f607", customerId=ana, reason="technical")
    assert (again["caseId"], again["caseStatus"]) == (first["caseId"], "EXISTING")
    assert (other["caseStatus"], other["queue"]) == ("NEW", "support_l1")
    assert len(cases_of(client, ana)) == 2


def test_a_customer_with_an_open_billing_case_who_calls_again_is_predicted_billing(client):
    # Given Ana's e-mail opened a billing case
    ana = create_customer(client)
    case_id = invoke(client, customerId=ana, reason="billing")["caseId"]
    # When she calls again and says nothing
    answer = client.lambda_.invoke("predict_reason", flow_event("a1b2c3d4-0000-4000-8000-000000000001",
                                                                parameters={"customerId": ana}, address=None)).payload
    # Then the case's own reason is why she calls, not a complaint
    assert (answer["reason"], answer["because"]) == ("billing", f"open desk {case_id}, today")


@pytest.mark.parametrize(("parameters", "code"), [
    ({"reason": "refund please"}, "UNKNOWN_REASON"),
    ({}, "UNKNOWN_REASON"),
    ({"reason": "billing", "priority": "asap"}, "UNKNOWN_PRIORITY"),
])
def test_a_reason_or_priority_outside_the_catalogue_is_refused_and_nothing_is_written(client, parameters, code):
    ana = create_customer(client)
    answer = invoke(client, customerId=ana, **parameters)
    assert answer == {"status": "NOT_FOUND", "errorCode": code, "caseId": "", "caseStatus": "", "tier": "",
                      "queue": "", "reason": "", "priority": ""}
    assert cases_of(client, ana) == []


def test_the_reason_the_flow_predicted_is_used_when_the_block_names_none(client):
    ana = create_customer(client)
    event = flow_event(CONTACT, parameters={"customerId": ana}, address=None,
                       attributes={"predictedReason": "delivery"})
    answer = client.lambda_.invoke("open_case", event).payload
    assert (answer["status"], answer["reason"], answer["queue"]) == ("OK", "delivery", "support_l1")


def test_an_unknown_caller_gets_no_case(client):
    answer = client.lambda_.invoke("open_case", flow_event(CONTACT, parameters={"reason": "billing"},
                                                           address="+40799000111")).payload
    assert (answer["status"], answer["errorCode"]) == ("NOT_FOUND", "UNKNOWN_CUSTOMER")


def test_when_dynamodb_throttles_the_flow_hears_an_error_not_an_exception(client, dynamodb_fault):
    ana = create_customer(client)
    dynamodb_fault("throttle")
    answer = invoke(client, customerId=ana, reason="billing")
    assert answer["status"] == "ERROR" and answer["errorCode"]
    assert set(answer) == {"status", "errorCode", "caseId", "caseStatus", "tier", "queue", "reason", "priority"}
