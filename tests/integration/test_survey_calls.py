"""The post-call survey: a caller stays on the line when the agent hangs up and
answers with the keypad, through the real flows (the simulator plays Connect), the
real record_survey_answer function and DynamoDB (moto)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import aws
from chalicelib.settings import get_settings
from chalicelib.surveys import scoring
from deploy import flows
from devkit.call import local_simulator
from devkit.flowsim import Customer
from tests.helpers import create_customer
from tests.integration import survey_support
from tests.integration.survey_support import BUCHAREST, NOON, contact_record, counters_of, deliver, survey_item

OPEN = datetime.fromisoformat("2025-03-03T10:00")  # a Monday morning in Bucharest: queues open
DAY = NOON.astimezone(BUCHAREST).date().isoformat()
clock = survey_support.clock  # fixture


@pytest.fixture
def simulator(client):
    from app import app

    return local_simulator(client, app, at=OPEN)


@pytest.fixture
def ana(client):
    return create_customer(client, phone="+40 712 345 678")


def survey_call(simulator, inputs, attributes, contact_id=None):
    """The caller, still on the line after the agent hung up, in the post-call survey."""
    return simulator.run(flows.render("post_call_survey", "local"),
                         Customer(address="+40712345678", inputs=list(inputs), attributes=attributes),
                         contact_id=contact_id or str(uuid.uuid4()))


def answer(client, question, keys, contact_id="call-1", survey="post_call", **attributes):
    """record_survey_answer as a flow's InvokeLambdaFunction block calls it."""
    from tests.helpers import load_event

    event = load_event("connect/voice_inbound.json", ContactId=contact_id, InitialContactId=contact_id,
                       Attributes=attributes)
    event["Details"]["Parameters"] = {"surveyId": survey, "questionId": question, "answer": keys}
    return client.lambda_.invoke("record_survey_answer", event).payload


def test_a_caller_answers_the_post_call_survey_in_their_language(client, simulator, ana, clock):
    # Given Ana calls; the inbound flow recognises her and keeps her for the survey
    inbound = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+40712345678"))
    assert inbound.hooks == {"CustomerRemaining": "contact-center-local post call survey"}
    # When the agent hangs up and she answers: satisfied (4), easy (6), a promoter (10)
    result = survey_call(simulator, ["4", "6", "10"], inbound.attributes, contact_id="call-ana-1")
    # Then she heard the survey in Romanian, each answer was recorded, and she was thanked
    heard = result.heard()
    assert heard[0].startswith("Vă mulțumim că ați rămas la telefon.")
    assert heard[1].startswith("Cât de mulțumit sunteți de ajutorul primit astăzi?")
    assert heard[-1] == "Vă mulțumim pentru răspunsuri. La revedere."
    assert [c.detail["answer"]["accepted"] for c in result.lambda_calls()] == ["true", "true", "true"]
    assert result.outcome == "disconnected"
    survey = survey_item("call-ana-1")
    assert (survey.source, survey.customer_id, survey.answers) == ("voice", ana, {"csat": 4, "ces": 6, "nps": 10})
    # And the next call knows she was just surveyed: no survey offered this time
    again = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+40712345678"))
    assert again.hooks == {}


def test_a_key_that_is_not_an_answer_is_asked_about_once_more(client, simulator, ana):
    inbound = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+40712345678"))
    result = survey_call(simulator, ["8", "4", "6", "9"], inbound.attributes, contact_id="call-ana-2")
    assert "Ne pare rău, acesta nu este un răspuns valid. Să încercăm încă o dată." in result.heard()
    assert survey_item("call-ana-2").answers == {"csat": 4, "ces": 6, "nps": 9}


def test_a_caller_who_stays_silent_moves_on_and_nothing_is_recorded(client, simulator, ana):
    inbound = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+40712345678"))
    result = survey_call(simulator, [], inbound.attributes, contact_id="call-ana-3")
    assert result.heard()[-1] == "Vă mulțumim pentru răspunsuri. La revedere."
    assert result.lambda_calls() == []
    assert survey_item("call-ana-3") is None


def test_customers_who_opted_out_of_phone_surveys_are_not_kept_on_the_line(client, simulator, ana):
    client.http.patch(f"/customers/{ana}", headers={"Content-Type": "application/json"},
                      body=json.dumps({"consent": {"voice": {"surveys": False}}}))
    inbound = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+40712345678"))
    assert inbound.hooks == {} and inbound.queue == "romanian"


@pytest.mark.parametrize(("question", "keys", "accepted"), [
    ("csat", "1", True), ("csat", "5", True), ("csat", "0", False), ("csat", "6", False), ("csat", "", False),
    ("csat", "Timeout", False), ("nps", "0", True), ("nps", "10", True), ("nps", "10#", True), ("nps", "11", False),
    ("nps", "100", False), ("ces", "7", True), ("ces", "8", False), ("ces", "-1", False), ("ces", "٣", False),
])
def test_keys_are_accepted_only_within_the_questions_scale(client, question, keys, accepted):
    result = answer(client, question, keys)
    assert result["accepted"] == ("true" if accepted else "false")
    assert result["status"] == ("OK" if accepted else "INVALID")
    if not accepted:
        assert result["errorCode"] == "OUT_OF_RANGE"
        assert survey_item("call-1") is None


@pytest.mark.parametrize(("survey", "question", "code"), [
    ("post_contact", "csat", "UNKNOWN_SURVEY"), ("nope", "csat", "UNKNOWN_SURVEY"),
    ("post_call", "comment", "UNKNOWN_QUESTION"), ("", "", "UNKNOWN_SURVEY"),
])
def test_a_block_naming_an_unknown_survey_or_question_is_an_error_the_flow_can_take(client, survey, question, code):
    result = answer(client, question, "4", survey=survey)
    assert (result["status"], result["errorCode"], result["accepted"]) == ("ERROR", code, "false")


@pytest.mark.parametrize("event", [None, {}, "not an event", {"Details": {"Parameters": None}}, {"Details": []}])
def test_garbage_events_get_an_answer_never_an_exception(client, event):
    result = client.lambda_.invoke("record_survey_answer", event).payload
    assert result["status"] == "ERROR" and result["accepted"] == "false"


def test_a_redelivered_answer_counts_once_and_a_changed_one_moves_its_count(client, ana, clock):
    # Given Connect retries the invocation: the same answer twice
    for _ in range(2):
        assert answer(client, "csat", "2", customerId=ana)["accepted"] == "true"
    version = survey_item("call-1").version
    assert answer(client, "csat", "2", customerId=ana)["accepted"] == "true"
    assert survey_item("call-1").version == version
    counts = counters_of(DAY)["all#all"]
    assert (counts["csat_responses"], counts["surveys_answered"], counts.get("csat_satisfied", 0)) == (1, 1, 0)
    # When the caller re-enters a different key
    answer(client, "csat", "5", customerId=ana)
    counts = counters_of(DAY)["all#all"]
    assert (counts["csat_responses"], counts["csat_satisfied"], counts["csat_sum"]) == (1, 1, 5)


def test_answers_of_an_unknown_caller_are_counted_without_a_profile(client, clock):
    assert answer(client, "nps", "9", contact_id="anonymous-call")["accepted"] == "true"
    assert survey_item("anonymous-call").customer_id is None
    assert counters_of(DAY)["all#all"]["nps_promoters"] == 1


@settings(max_examples=25)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["nps", "csat", "ces"]), st.integers(0, 10)),
                min_size=1, max_size=25))
def test_counters_always_equal_a_recomputation_from_the_stored_answers(client, clock, events):
    """However keypad answers arrive (repeated, changed, across calls), the counters
    hold exactly what the final answers add up to."""
    calls = [f"prop-{uuid.uuid4()}" for _ in range(4)]
    before = counters_of(DAY).get("all#all", {})
    for call, question, value in events:
        answer(client, question, str(value), contact_id=calls[call])
    finals = [survey_item(c).answers for c in calls if survey_item(c) is not None]
    after = counters_of(DAY).get("all#all", {})
    added = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
    expected = {}
    for final in finals:
        for question, value in final.items():
            for name, n in scoring.fields(question, value).items():
                expected[name] = expected.get(name, 0) + n
        expected["surveys_answered"] = expected.get("surveys_answered", 0) + 1
    assert {k: v for k, v in added.items() if v} == {k: v for k, v in expected.items() if v}


def test_a_detractor_on_the_phone_is_followed_up_after_the_call(client, simulator, ana, clock):
    # Given Ana answers as a detractor in the call (no queue or agent known yet)
    inbound = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+40712345678"))
    survey_call(simulator, ["2", "3", "4"], inbound.attributes, contact_id="call-ana-9")
    # Then the caller was not kept waiting for Connect: a schedule follows it up a minute later
    schedule = boto3.client("scheduler", region_name="eu-central-1").get_schedule(
        Name="survey-follow_up-call-ana-9", GroupName=get_settings().schedule_group)
    assert json.loads(schedule["Target"]["Input"]) == {"step": "follow_up", "surveyId": "call-ana-9"}
    assert survey_item("call-ana-9").follow_up == "pending"
    # When the contact record arrives (queue Billing, agent ioana.m) before the schedule fires
    with Stubber(aws.client("connect")) as connect:
        connect.add_response("start_task_contact", {"ContactId": "task-42"}, None)
        assert deliver(client, contact_record(ana, contact_id="call-ana-9")) == {"batchItemFailures": []}
        connect.assert_no_pending_responses()
    # Then the answers are filed with the queue and agent the record names, like the contact's KPIs
    counts = counters_of(DAY)
    assert counts["agent#ioana.m"]["nps_detractors"] == 1 and counts["queue#Billing"]["csat_responses"] == 1
    assert "agent#unassigned" not in counts
    # And the task exists; the schedule firing later changes nothing
    assert survey_item("call-ana-9").task_contact_id == "task-42"
    assert client.lambda_.invoke("scheduled_step", {"step": "follow_up", "surveyId": "call-ana-9"}).payload[
        "status"] == "nothing"
    # And no e-mail survey follows a call she already answered
    from tests.integration.survey_support import invitations

    assert invitations() == []


def test_an_answer_read_before_the_follow_up_finished_does_not_undo_it(client, ana, clock, monkeypatch):
    from chalicelib.surveys.service import Surveys

    # Given Ana pressed 1 (very dissatisfied) and the follow-up task was started
    assert answer(client, "csat", "1", contact_id="call-ana-7", customerId=ana)["accepted"] == "true"
    read_before = Surveys(get_settings()).find("call-ana-7")
    with Stubber(aws.client("connect")) as connect:
        connect.add_response("start_task_contact", {"ContactId": "task-7"}, None)
        assert client.lambda_.invoke("scheduled_step", {"step": "follow_up", "surveyId": "call-ana-7"}).payload[
            "status"] == "done"
    # When her next key is recorded from a read made before the follow-up finished
    reads = iter([read_before])
    real_find = Surveys.find
    monkeypatch.setattr(Surveys, "find", lambda self, survey_id: next(reads, None) or real_find(self, survey_id))
    assert answer(client, "ces", "3", contact_id="call-ana-7", customerId=ana)["accepted"] == "true"
    # Then both answers are kept and the follow-up stays done: no second task for the team
    survey = survey_item("call-ana-7")
    assert survey.answers == {"csat": 1, "ces": 3}
    assert (survey.follow_up, survey.task_contact_id) == ("done", "task-7")
    with Stubber(aws.client("connect")) as connect:  # no response queued: a second task would fail here
        assert client.lambda_.invoke("scheduled_step", {"step": "follow_up", "surveyId": "call-ana-7"}).payload[
            "status"] == "nothing"


def test_a_brief_throttle_does_not_lose_the_key_a_caller_pressed(client, ana, clock, dynamodb_fault):
    # Given DynamoDB throttles the next reads of the surveys table, past the client's own retry
    dynamodb_fault("throttle", table=get_settings().surveys_table, requests=2)
    # When Ana presses 4 for satisfaction
    answered = answer(client, "csat", "4", contact_id="call-ana-8", customerId=ana)
    # Then her answer is accepted and counted (she is not told her key was not an answer)
    assert answered["accepted"] == "true"
    assert survey_item("call-ana-8").answers == {"csat": 4}
    assert counters_of(DAY)["all#all"]["csat_sum"] == 4


def test_a_key_we_could_not_record_is_asked_for_again_without_calling_it_wrong(client, simulator, ana, clock,
                                                                              dynamodb_fault):
    from chalicelib.surveys.dtmf import TRIES

    # Given Ana stays for the survey, and DynamoDB refuses every try at recording her
    # first key (each try's first read, and the client's own retry of it)
    inbound = simulator.run(flows.render("inbound_voice", "local"), Customer(address="+40712345678"))
    dynamodb_fault("throttle", table=get_settings().surveys_table, requests=2 * TRIES)
    # When she presses 4, then 4 again when asked, then answers the rest
    result = survey_call(simulator, ["4", "4", "6", "10"], inbound.attributes, contact_id="call-ana-10")
    # Then she heard that her answer could not be recorded (not that her key was wrong)
    heard = result.heard()
    assert heard[2] == "Ne pare rău, nu am putut înregistra acest răspuns. Vă rugăm să-l apăsați încă o dată."
    assert not any(line.startswith("Ne pare rău, acesta nu este un răspuns valid") for line in heard)
    # And every answer was kept, the one she pressed twice once
    assert survey_item("call-ana-10").answers == {"csat": 4, "ces": 6, "nps": 10}
    assert heard[-1] == "Vă mulțumim pentru răspunsuri. La revedere."
