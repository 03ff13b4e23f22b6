"""What `make package` deploys for work done later (survey invitations and follow-ups,
reminders, no-show checks, return follow-ups): one schedule group, one role EventBridge
Scheduler assumes (allowed to run `scheduled_step` and nothing else), one dead-letter
queue, and every function told the ARNs it needs."""

from __future__ import annotations

import json

import pytest

from deploy import infra

STAGE = "prod"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    out = infra.package(STAGE, tmp_path_factory.mktemp("package"))
    return json.loads((out / "sam.json").read_text(encoding="utf-8"))


def test_the_scheduler_role_can_only_be_assumed_by_scheduler_and_only_runs_steps_or_dead_letters(template):
    role = template["Resources"]["SchedulerRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    [policy] = role["Policies"]
    statement, dead_letters, encrypted = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert (dead_letters["Action"], dead_letters["Resource"]) == (
        "sqs:SendMessage", {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]})
    assert encrypted["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    worker = template["Resources"]["ScheduledStep"]["Properties"]["FunctionName"]
    assert worker == {"Fn::Sub": "${AWS::StackName}-scheduled_step"}
    assert all(r["Fn::Sub"].split(":function:")[1] in (worker["Fn::Sub"], worker["Fn::Sub"] + ":*")
               for r in statement["Resource"])
    # And it is the only one: one group, one scheduler role, one worker
    resources = template["Resources"]
    assert [n for n, r in resources.items() if r["Type"] == "AWS::Scheduler::ScheduleGroup"] == ["Schedules"]
    assert [n for n, r in resources.items() if r["Type"] == "AWS::IAM::Role" and r["Properties"][
        "AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}] == [
        "SchedulerRole"]


def test_the_worker_keeps_what_it_could_not_do(template):
    worker = template["Resources"]["ScheduledStep"]["Properties"]
    assert worker["DeadLetterQueue"] == {"Type": "SQS",
                                         "TargetArn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}}
    queue = template["Resources"]["ScheduleDeadLetterQueue"]["Properties"]
    assert queue["QueueName"] == {"Fn::Sub": "${AWS::StackName}-schedule-dead-letters"}


def test_functions_are_told_the_scheduler_the_worker_and_the_follow_up_flow(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SCHEDULER_ROLE_ARN"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
    assert variables["SCHEDULE_DEAD_LETTER_QUEUE_ARN"] == {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    assert variables["SCHEDULED_STEP_ARN"]["Fn::Sub"].endswith(":function:${AWS::StackName}-scheduled_step")
    assert variables["CONNECT_INSTANCE_ARN"] == {"Ref": "ConnectInstanceArn"}
    for function in ("APIHandler", "ScheduledStep", "OnContactRecord"):
        env = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert env["SURVEY_FOLLOW_UP_FLOW_ARN"] == {"Fn::If": ["HasConnect", {"Ref": "FlowSurveyFollowUp"}, ""]}
        assert env["SCHEDULE_GROUP"] == {"Ref": "Schedules"}
    for function in ("APIHandler", "StartReturn"):
        assert template["Resources"][function]["Properties"]["Environment"]["Variables"]["SCHEDULE_GROUP"] == {
            "Ref": "Schedules"}
    assert template["Resources"]["Schedules"]["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-schedules"}
    assert "QueueFollowUpArn" in template["Parameters"]


def test_the_worker_may_schedule_pass_the_role_and_start_tasks_and_nothing_wider(template):
    role = template["Resources"]["ScheduledStepRole"]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert "scheduler:CreateSchedule" in statements["Schedules"]["Action"]
    assert {"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/"
                       "${Schedules}/*"} in statements["Schedules"]["Resource"]
    assert statements["PassTheSchedulerRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-scheduler"} \
        in statements["PassTheSchedulerRole"]["Resource"]
    connect = template["Resources"]["ScheduledStepConnectPolicy"]
    assert connect["Condition"] == "HasConnect"
    [tasks] = connect["Properties"]["PolicyDocument"]["Statement"]
    assert "connect:StartTaskContact" in tasks["Action"]
    assert {"Ref": "FlowSurveyFollowUp"} in tasks["Resource"]
