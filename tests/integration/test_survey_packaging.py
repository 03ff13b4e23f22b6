"""What `make package` deploys for surveys: the schedule group, the role EventBridge
Scheduler assumes (allowed to call the survey worker and nothing else), the worker's
dead-letter queue, and every function told the ARNs it needs."""

from __future__ import annotations

import json

import pytest

from deploy import infra

STAGE = "prod"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    out = infra.package(STAGE, tmp_path_factory.mktemp("package"))
    return json.loads((out / "sam.json").read_text(encoding="utf-8"))


def test_the_scheduler_role_can_only_be_assumed_by_scheduler_and_only_invokes_the_worker(template):
    role = template["Resources"]["SurveySchedulerRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    [policy] = role["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    worker = template["Resources"]["SurveyWorker"]["Properties"]["FunctionName"]
    assert worker == f"contact-center-{STAGE}-survey_worker"
    assert all(worker in r["Fn::Sub"] for r in statement["Resource"])


def test_the_worker_keeps_what_it_could_not_do(template):
    worker = template["Resources"]["SurveyWorker"]["Properties"]
    assert worker["DeadLetterQueue"] == {"Type": "SQS",
                                         "TargetArn": {"Fn::GetAtt": ["SurveyWorkerDeadLetterQueue", "Arn"]}}
    queue = template["Resources"]["SurveyWorkerDeadLetterQueue"]["Properties"]
    assert queue["QueueName"] == f"contact-center-{STAGE}-survey-worker-dlq"


def test_functions_are_told_the_scheduler_the_worker_and_the_follow_up_flow(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SURVEY_SCHEDULER_ROLE_ARN"] == {"Fn::GetAtt": ["SurveySchedulerRole", "Arn"]}
    assert variables["SURVEY_WORKER_ARN"]["Fn::Sub"].endswith(f":function:contact-center-{STAGE}-survey_worker")
    assert variables["CONNECT_INSTANCE_ARN"] == {"Ref": "ConnectInstanceArn"}
    for function in ("APIHandler", "SurveyWorker", "OnContactRecord"):
        env = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert env["SURVEY_FOLLOW_UP_FLOW_ARN"] == {"Fn::If": ["HasConnect", {"Ref": "FlowSurveyFollowUp"}, ""]}
        assert env["SURVEY_SCHEDULE_GROUP"] == f"contact-center-{STAGE}-surveys"
    assert template["Resources"]["SurveyScheduleGroup"]["Properties"]["Name"] == f"contact-center-{STAGE}-surveys"
    assert "QueueFollowUpArn" in template["Parameters"]


def test_functions_may_schedule_pass_the_role_and_start_tasks_and_nothing_wider(template):
    statements = {s["Sid"]: s for s in template["Resources"]["SurveyWorkerRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]}
    assert statements["ScheduleSurveyWork"]["Action"] == ["scheduler:CreateSchedule"]
    assert "schedule/contact-center-prod-surveys/survey-*" in json.dumps(statements["ScheduleSurveyWork"]["Resource"])
    assert statements["PassSurveySchedulerRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert "role/contact-center-prod-survey-scheduler" in json.dumps(statements["PassSurveySchedulerRole"]["Resource"])
    assert statements["SurveyFollowUpTasks"]["Action"] == ["connect:StartTaskContact"]
