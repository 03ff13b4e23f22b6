"""Closing the loop: a detractor or a dissatisfied customer becomes an Amazon Connect
task in the follow-up queue, and the supervisors get an alert. Connect's contact
APIs have no moto backend: botocore's Stubber stands in for StartTaskContact and
every request is asserted exactly."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib import aws
from chalicelib.settings import get_settings
from devkit.mailbox import sent_emails
from tests.helpers import create_customer
from tests.integration import survey_support
from tests.integration.survey_support import (
    BUCHAREST,
    NOON,
    contact_record,
    deliver,
    form,
    invitations,
    link_of,
    survey_item,
)

DAY = NOON.astimezone(BUCHAREST).date().isoformat()
INSTANCE_ID = "c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
clock = survey_support.clock  # fixture


@pytest.fixture
def connect():
    """The application's Connect client, stubbed; `.calls` counts StartTaskContact
    requests however they are answered."""
    client = aws.client("connect")
    calls = []
    client.meta.events.register("before-parameter-build.connect.StartTaskContact",
                                lambda params, **_: calls.append(params), unique_id="count-tasks")
    with Stubber(client) as stubber:
        stubber.calls = calls
        yield stubber
    client.meta.events.unregister("before-parameter-build.connect.StartTaskContact", unique_id="count-tasks")


@pytest.fixture
def invited(client, clock):
    ana = create_customer(client)
    record = contact_record(ana)
    assert deliver(client, record) == {"batchItemFailures": []}
    [mail] = invitations()
    return {"customer": ana, "contact": record["ContactId"], "link": link_of(mail)}


def expected_task(invited, *, name, reason, scores, comment=None):
    shown = ", ".join(f"{k.upper()} {v}" for k, v in sorted(scores.items()))
    description = f"After a call in queue Billing with agent ioana.m on {DAY}, the customer answered {shown}."
    if comment:
        description += f' They wrote: "{comment}"'
    return {
        "InstanceId": INSTANCE_ID,
        "ContactFlowId": "survey_follow_up",
        "RelatedContactId": invited["contact"],
        "Name": name,
        "Description": description,
        "References": {
            "customerId": {"Value": invited["customer"], "Type": "STRING"},
            "originalContactId": {"Value": invited["contact"], "Type": "STRING"},
            **{k.upper(): {"Value": str(v), "Type": "NUMBER"} for k, v in scores.items()},
        },
        "Attributes": {"customerId": invited["customer"], "surveyId": invited["contact"], "followUpReason": reason},
        "ClientToken": f"survey-follow-up-{invited['contact']}",
    }


def supervisor_alerts():
    return [m for m in sent_emails() if "supervisors@lumen.example" in m.to]


def test_a_detractor_becomes_a_follow_up_task_and_an_alert(client, invited, connect):
    # Given Connect will accept the task for exactly this request
    comment = "Am sunat de trei ori pentru același colet."
    connect.add_response("start_task_contact", {"ContactId": "task-7781"}, expected_task(
        invited, name="Survey follow-up: NPS 3 (detractor)", reason="detractor",
        scores={"csat": 2, "ces": 3, "nps": 3}, comment=comment))
    # When Ana answers as a detractor
    response = client.http.post(invited["link"], **form(csat=2, ces=3, nps=3, comment=comment))
    # Then she is thanked, the task exists and the supervisors know
    assert response.status_code == 200
    connect.assert_no_pending_responses()
    survey = survey_item(invited["contact"])
    assert (survey.task_contact_id, survey.follow_up) == ("task-7781", "done")
    # And the monthly review finds what she wrote under her contact's month
    assert survey.detractor_month == DAY[:7]
    [alert] = supervisor_alerts()
    assert "detractor" in alert.subject.lower()
    assert invited["contact"] in alert.text and invited["customer"] in alert.text and comment in alert.text
    # And a replayed answer creates no second task and no second alert
    assert client.http.post(invited["link"], **form(csat=2, ces=3, nps=3)).status_code == 409
    assert len(connect.calls) == 1 and len(supervisor_alerts()) == 1


def test_a_dissatisfied_customer_who_would_recommend_us_is_followed_up_too(client, invited, connect):
    connect.add_response("start_task_contact", {"ContactId": "task-7782"}, expected_task(
        invited, name="Survey follow-up: CSAT 1 (low csat)", reason="low_csat", scores={"csat": 1, "ces": 5, "nps": 8}))
    assert client.http.post(invited["link"], **form(csat=1, ces=5, nps=8)).status_code == 200
    connect.assert_no_pending_responses()
    [alert] = supervisor_alerts()
    assert invited["contact"] in alert.text


def test_a_happy_customer_creates_no_task_and_no_alert(client, invited, connect):
    assert client.http.post(invited["link"], **form(csat=4, ces=6, nps=7)).status_code == 200
    assert connect.calls == [] and supervisor_alerts() == []
    assert survey_item(invited["contact"]).follow_up is None


def test_when_connect_throttles_the_answer_is_kept_and_the_follow_up_retried_later(client, invited, connect):
    # Given Connect throttles
    connect.add_client_error("start_task_contact", "ThrottlingException", "Rate exceeded", 429)
    # When Ana answers as a detractor
    response = client.http.post(invited["link"], **form(csat=3, ces=4, nps=2))
    # Then her answer is recorded all the same, and nothing half-done went out
    assert response.status_code == 200
    survey = survey_item(invited["contact"])
    assert (survey.status, survey.follow_up, survey.task_contact_id) == ("answered", "pending", None)
    assert supervisor_alerts() == []
    # And a one-time schedule will retry the follow-up through the worker
    schedule = boto3.client("scheduler", region_name="eu-central-1").get_schedule(
        Name=f"survey-follow_up-{invited['contact']}", GroupName=get_settings().schedule_group)
    work = json.loads(schedule["Target"]["Input"])
    assert work == {"step": "follow_up", "surveyId": invited["contact"]}
    # When Scheduler calls the worker (twice: delivery is at least once) and Connect is back
    connect.add_response("start_task_contact", {"ContactId": "task-7790"}, expected_task(
        invited, name="Survey follow-up: NPS 2 (detractor)", reason="detractor",
        scores={"csat": 3, "ces": 4, "nps": 2}))
    assert client.lambda_.invoke("scheduled_step", work).payload["status"] == "done"
    assert client.lambda_.invoke("scheduled_step", work).payload["status"] == "nothing"
    # Then there is one task and one alert
    connect.assert_no_pending_responses()
    assert survey_item(invited["contact"]).task_contact_id == "task-7790"
    assert len(supervisor_alerts()) == 1


def test_without_a_connect_instance_supervisors_are_still_alerted(client, invited, connect, settings_env):
    settings_env(CONNECT_INSTANCE_ARN="", SURVEY_FOLLOW_UP_FLOW_ARN="")
    assert client.http.post(invited["link"], **form(csat=2, ces=2, nps=1)).status_code == 200
    assert connect.calls == []
    assert len(supervisor_alerts()) == 1
    assert survey_item(invited["contact"]).follow_up == "done"
