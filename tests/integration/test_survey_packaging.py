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


def test_the_scheduler_role_can_only_be_assumed_by_scheduler_and_only_invokes_the_worker_or_dead_letters(template):
    role = template["Resources"]["SurveySchedulerRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    [policy] = role["Policies"]
    statement, dead_letters, encrypted = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert (dead_letters["Action"], dead_letters["Resource"]) == (
        "sqs:SendMessage", {"Fn::GetAtt": ["SurveyWorkerDeadLetterQueue", "Arn"]})
    assert encrypted["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    worker = template["Resources"]["SurveyWorker"]["Properties"]["FunctionName"]
    assert worker == {"Fn::Sub": "${AWS::StackName}-survey_worker"}
    assert all(r["Fn::Sub"].split(":function:")[1] in (worker["Fn::Sub"], worker["Fn::Sub"] + ":*")
               for r in statement["Resource"])


def test_the_worker_keeps_what_it_could_not_do(template):
    worker = template["Resources"]["SurveyWorker"]["Properties"]
    assert worker["DeadLetterQueue"] == {"Type": "SQS",
                                         "TargetArn": {"Fn::GetAtt": ["SurveyWorkerDeadLetterQueue", "Arn"]}}
    queue = template["Resources"]["SurveyWorkerDeadLetterQueue"]["Properties"]
    assert queue["QueueName"] == {"Fn::Sub": "${AWS::StackName}-survey-worker-dlq"}


def test_functions_are_told_the_scheduler_the_worker_and_the_follow_up_flow(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SURVEY_SCHEDULER_ROLE_ARN"] == {"Fn::GetAtt": ["SurveySchedulerRole", "Arn"]}
    assert variables["SURVEY_DEAD_LETTER_QUEUE_ARN"] == {"Fn::GetAtt": ["SurveyWorkerDeadLetterQueue", "Arn"]}
    assert variables["SURVEY_WORKER_ARN"]["Fn::Sub"].endswith(":function:${AWS::StackName}-survey_worker")
    assert variables["CONNECT_INSTANCE_ARN"] == {"Ref": "ConnectInstanceArn"}
    for function in ("APIHandler", "SurveyWorker", "OnContactRecord"):
        env = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert env["SURVEY_FOLLOW_UP_FLOW_ARN"] == {"Fn::If": ["HasConnect", {"Ref": "FlowSurveyFollowUp"}, ""]}
        assert env["SURVEY_SCHEDULE_GROUP"] == {"Ref": "SurveyScheduleGroup"}
    assert template["Resources"]["SurveyScheduleGroup"]["Properties"]["Name"] == {
        "Fn::Sub": "${AWS::StackName}-surveys"}
    assert "QueueFollowUpArn" in template["Parameters"]


def test_the_worker_may_schedule_pass_the_role_and_start_tasks_and_nothing_wider(template):
    role = template["Resources"]["SurveyWorkerRole"]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert "scheduler:CreateSchedule" in statements["Schedules"]["Action"]
    assert {"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/"
                       "${SurveyScheduleGroup}/*"} in statements["Schedules"]["Resource"]
    assert statements["PassTheSchedulerRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-survey-scheduler"} \
        in statements["PassTheSchedulerRole"]["Resource"]
    connect = template["Resources"]["SurveyWorkerConnectPolicy"]
    assert connect["Condition"] == "HasConnect"
    [tasks] = connect["Properties"]["PolicyDocument"]["Statement"]
    assert "connect:StartTaskContact" in tasks["Action"]
    assert {"Ref": "FlowSurveyFollowUp"} in tasks["Resource"]
