"""Desk cases mirrored to Amazon Connect Cases when a domain is configured (botocore's
Stubber stands in for Connect Cases, which moto lacks): created once, every change a
comment, the status kept in step, and a failed mirror tried again without writing
anything twice."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY, Stubber

from chalicelib.settings import get_settings
from tests.helpers import create_customer

JSON = {"Content-Type": "application/json"}
DOMAIN, TEMPLATE, CONNECT_CASE = "d-7f3e2a10", "t-billing-01", "cc-0001"


@pytest.fixture
def connect_cases(aws, settings_env):
    from chalicelib import aws as clients

    settings_env(CONNECT_CASES_DOMAIN_ID=DOMAIN, CONNECT_CASES_TEMPLATE_ID=TEMPLATE)
    with Stubber(clients.client("connectcases")) as stub:
        yield stub
        stub.assert_no_pending_responses()


def post(client, path, body):
    response = client.http.post(path, headers=JSON, body=json.dumps(body))
    assert response.status_code in (200, 201), response.body
    return json.loads(response.body)


def complaint(customer_id):
    return {"customerId": customer_id, "reason": "billing", "priority": "high", "subject": "Charged twice",
            "note": "Two charges of 49 RON", "agent": "maria.ionescu"}


def expect_comment(stub, number):
    stub.add_response("create_related_item", {"relatedItemId": f"ri-{number}", "relatedItemArn": f"arn:ri-{number}"},
                      {"domainId": DOMAIN, "caseId": CONNECT_CASE, "type": "Comment", "content": ANY})


def stored(case_id):
    from chalicelib.cases.models import CaseModel

    return CaseModel.get(case_id, consistent_read=True)


def test_a_case_is_created_in_connect_cases_and_each_change_becomes_a_comment(client, connect_cases):
    ana = create_customer(client)
    # Given Connect Cases answers
    connect_cases.add_response("create_case", {"caseId": CONNECT_CASE, "caseArn": "arn:cc-0001"}, {
        "domainId": DOMAIN, "templateId": TEMPLATE, "clientToken": ANY,
        "fields": [{"id": "title", "value": {"stringValue": ANY}}]})
    expect_comment(connect_cases, 1)
    # When an agent opens a case, writes to the customer and resolves it
    case = post(client, "/cases", complaint(ana))
    expect_comment(connect_cases, 2)
    post(client, f"/cases/{case['caseId']}/notes",
         {"text": "Refund on its way.", "visibility": "customer", "agent": "maria.ionescu"})
    expect_comment(connect_cases, 3)
    connect_cases.add_response("update_case", {}, {"domainId": DOMAIN, "caseId": CONNECT_CASE,
                                                   "fields": [{"id": "status", "value": {"stringValue": "closed"}}]})
    post(client, f"/cases/{case['caseId']}/status",
         {"status": "resolved", "resolutionCode": "solved", "agent": "maria.ionescu"})
    # Then the Connect case holds all three events and the case knows its mirror is up to date
    mirror = stored(case["caseId"])
    assert (mirror.connect_case_id, mirror.mirrored, mirror.mirror_pending) == (CONNECT_CASE, 3, None)


def test_a_comment_that_went_out_unconfirmed_is_not_written_twice(client, connect_cases):
    ana = create_customer(client)
    # Given Connect Cases creates the case but the first comment's answer is lost
    connect_cases.add_response("create_case", {"caseId": CONNECT_CASE, "caseArn": "arn:cc-0001"})
    connect_cases.add_client_error("create_related_item", "InternalServerException", http_status_code=500)
    case = post(client, "/cases", complaint(ana))
    # Then the case is open all the same, and another try is scheduled
    import boto3

    names = {s["Name"] for s in boto3.client("scheduler").list_schedules(
        GroupName=get_settings().schedule_group)["Schedules"]}
    assert f"case-mirror-{case['caseId']}-1" in names
    assert stored(case["caseId"]).mirror_pending == 1
    # When the scheduled try runs and finds the comment there after all
    connect_cases.add_response("search_related_items", {"relatedItems": [{
        "relatedItemId": "ri-1", "type": "Comment", "associationTime": "2026-12-02T09:00:00Z",
        "content": {"comment": {"body": f"[{case['caseId']}#1] opened by maria.ionescu", "contentType": "Text/Plain"}},
    }]}, {"domainId": DOMAIN, "caseId": CONNECT_CASE, "filters": [{"comment": {}}]})
    answer = client.lambda_.invoke("scheduled_step", {"step": "case_mirror", "caseId": case["caseId"]}).payload
    # Then nothing is written again, and the mirror is up to date
    assert answer["mirrored"] == 1
    mirror = stored(case["caseId"])
    assert (mirror.connect_case_id, mirror.mirrored, mirror.mirror_pending) == (CONNECT_CASE, 1, None)


def test_without_a_domain_nothing_is_mirrored(client, aws):
    from chalicelib import aws as clients

    with Stubber(clients.client("connectcases")) as stub:
        case = post(client, "/cases", complaint(create_customer(client)))
        stub.assert_no_pending_responses()
    assert stored(case["caseId"]).connect_case_id is None


def test_erasing_the_customer_deletes_the_copy_in_connect_cases(client, connect_cases):
    ana = create_customer(client)
    connect_cases.add_response("create_case", {"caseId": CONNECT_CASE, "caseArn": "arn:cc-0001"})
    expect_comment(connect_cases, 1)
    case = post(client, "/cases", complaint(ana))
    # When Ana is erased, the Connect case goes with hers
    connect_cases.add_response("delete_case", {}, {"domainId": DOMAIN, "caseId": CONNECT_CASE})
    response = client.http.post(f"/customers/{ana}/erase")
    assert response.status_code == 200, response.body
    from chalicelib.cases.models import CaseModel

    with pytest.raises(CaseModel.DoesNotExist):
        CaseModel.get(case["caseId"])
