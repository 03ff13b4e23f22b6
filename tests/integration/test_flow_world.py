"""Exported-style flows run through the local contact center: Customer Profiles and Cases
reads answered from our own profiles and cases, and the command line a user runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from devkit.call import load_flow, local_simulator
from devkit.flowsim import Customer
from devkit.flowworld import LexStandIn, QueueMetrics
from tests.helpers import EVENTS

FLOWS = EVENTS / "connect" / "flows"
ROOT = FLOWS.parents[3]


def create(client, **body):
    response = client.http.post("/customers", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


@pytest.fixture
def assistant(client):
    from app import app

    def place(customer: Customer, waiting: str = "general=0"):
        simulator = local_simulator(client, app, lex=LexStandIn("Billing"),
                                    metrics=QueueMetrics.from_options([waiting]))
        return simulator.run(load_flow(FLOWS / "billing_assistant.json", "local"), customer)

    return place


def test_a_known_caller_is_greeted_from_our_profile_and_told_about_their_open_case(client, assistant):
    # Given Ana, whose return is open as a case
    from chalicelib.cases.service import Cases, NewCase
    from chalicelib.settings import get_settings

    ana = create(client, firstName="Ana", phone="+40712345678", preferredLanguage="ro-RO")
    Cases(get_settings()).open(NewCase(case_id="CASE-77", kind="return", customer_id=ana["id"], status="open"))
    # When she calls the flow and says what it is about
    result = assistant(Customer(address="+40712345678", said=["my bill"]))
    # Then Customer Profiles and Cases reads were answered from our data
    assert result.heard()[:2] == ["Hello Ana.", "Your request CASE-77 is open."]
    # And with nobody waiting she is queued with a higher priority, tagged with her reason
    assert (result.outcome, result.queue) == ("queued", "general")
    assert result.routing == {"priority": 2}
    assert result.tags == {"reason": "Billing"}


def test_an_unknown_caller_is_not_greeted_by_name(client, assistant):
    result = assistant(Customer(address="+40799000111", said=["my bill"]))
    assert result.heard()[0] == "Hello."
    assert any(s.text == "no profile found by PhoneNumber" for s in result.of("profile"))


def run_cli(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, check=False)


def test_the_command_line_records_the_task_a_busy_queue_creates_and_prints_json():
    # When a user runs the flow with twelve callers waiting, as JSON
    done = run_cli("devkit.call", str(FLOWS / "billing_assistant.json"), "--say", "my bill", "--intent", "Billing",
                   "--queue-waiting", "general=12", "--json")
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    # Then the task went through boto3 (validated by botocore, recorded) and the caller was told
    assert [t["Name"] for t in run["tasks"]] == ["Call back about a bill"]
    assert run["tasks"][0]["ContactId"]
    assert run["outcome"] == "disconnected"
    assert run["steps"][0]["kind"] == "profile"


def test_the_command_line_loads_a_module_beside_the_flow_and_reports_placeholders():
    done = run_cli("devkit.call", str(FLOWS / "after_call_rating.json"), "--press", "5")
    assert done.returncode == 0, done.stderr
    assert "runs module Rating module" in done.stdout
    assert "unresolved placeholders: ${BrandName}" in done.stdout


def test_the_command_line_finds_a_module_in_a_folder_the_user_names_and_bounds_a_flow_that_loops(tmp_path):
    # Given a flow exported on its own, and its module exported into another folder
    (tmp_path / "flows").mkdir()
    (tmp_path / "modules").mkdir()
    (tmp_path / "flows" / "rating.json").write_text((FLOWS / "after_call_rating.json").read_text(encoding="utf-8"),
                                                    encoding="utf-8")
    (tmp_path / "modules" / "module.json").write_text((FLOWS / "rating_module.json").read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    # When the user names the module's folder with --module, the module runs
    found = run_cli("devkit.call", str(tmp_path / "flows" / "rating.json"), "--module", str(tmp_path / "modules"),
                    "--press", "5", "--no-seed")
    assert found.returncode == 0, found.stderr
    assert "runs module Rating module" in found.stdout
    # And a flow that loops on its own stops at --max-steps, with a sentence
    looping = {"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"x": "1"}},
         "Transitions": {"NextAction": "a", "Errors": [{"NextAction": "a", "ErrorType": "NoMatchingError"}]}}]}
    (tmp_path / "flows" / "loop.json").write_text(json.dumps(looping), encoding="utf-8")
    stopped = run_cli("devkit.call", str(tmp_path / "flows" / "loop.json"), "--max-steps", "7", "--no-seed")
    assert stopped.returncode == 2
    assert "the flow ran 7 actions without ending" in stopped.stderr
    assert "Traceback" not in stopped.stderr


def test_a_folder_of_exports_runs_flow_by_flow_and_counts_how_each_ended(tmp_path):
    # Given a folder of exported flows: a rating flow with its module, and in a subfolder
    # a flow with an action the simulator does not know, beside a file that is no flow
    for name in ("after_call_rating.json", "rating_module.json"):
        (tmp_path / name).write_text((FLOWS / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.json").write_text(json.dumps({"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "CreatePersistentContactAssociation", "Parameters": {}, "Transitions": {}}]}),
        encoding="utf-8")
    (tmp_path / "more" / "package.json").write_text('{"name": "not a flow"}', encoding="utf-8")
    # When the user runs the folder
    done = run_cli("devkit.call", str(tmp_path), "--press", "5", "--no-seed")
    # Then each flow has its line, the file that is no flow is skipped, and the totals say one stopped
    assert done.returncode == 2, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "after_call_rating.json: disconnected"
    assert lines[1].startswith("more/new.json: action 'a' has type 'CreatePersistentContactAssociation': not supported")
    assert lines[2] == "rating_module.json: ended"
    assert lines[-1] == "3 flows: 1 disconnected, 1 ended, 1 stopped"
    assert "Traceback" not in done.stderr


def test_an_unsupported_action_stops_with_a_sentence_not_a_traceback(tmp_path):
    flow = {"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "CreatePersistentContactAssociation", "Parameters": {}, "Transitions": {}}]}
    (tmp_path / "flow.json").write_text(json.dumps(flow), encoding="utf-8")
    done = run_cli("devkit.call", str(tmp_path / "flow.json"), "--no-seed")
    assert done.returncode == 2
    assert "action 'a' has type 'CreatePersistentContactAssociation': not supported" in done.stderr
    assert "Traceback" not in done.stderr


def test_flowcheck_lists_what_a_flow_reads_that_nothing_sets(tmp_path):
    from devkit import flowcheck

    # Given a flow reading a contact attribute, a flow attribute and a module result nobody sets
    flow = {"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "UpdateFlowAttributes", "Parameters": {"FlowAttributes": {"set": {"Value": "1"}}},
         "Transitions": {"NextAction": "b"}},
        {"Identifier": "b", "Type": "MessageParticipant", "Transitions": {"NextAction": "c"}, "Parameters": {
            "Text": "$.Attributes.tier $.FlowAttributes.set $.FlowAttributes.unset $.Modules.Result.score"}},
        {"Identifier": "c", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}
    (tmp_path / "flow.json").write_text(json.dumps(flow), encoding="utf-8")
    # When it is checked
    assert flowcheck.main([str(tmp_path / "flow.json")]) == 1
    found = flowcheck.unset_references(flow)
    # Then each unset reference is listed, and the one the flow sets is not
    assert found == ["b (MessageParticipant): $.Attributes.tier is read but nothing in the flow sets it",
                     "b (MessageParticipant): $.FlowAttributes.unset is read but nothing in the flow sets it",
                     "b (MessageParticipant): $.Modules.Result.score is read but no module returns it"]


def test_flowcheck_knows_the_keys_our_lambda_answers():
    from app import app
    from deploy import flows
    from devkit import flowcheck
    from devkit.flowsim import AppFunctions

    flow = flows.render("inbound_voice", "local")
    functions = flowcheck.flow_functions(app)
    resolve = AppFunctions(lambda n, e: None, [f.name for f in app.pure_lambda_functions], app.app_name).resolve
    # Our own flow reads only keys our lookup answers
    assert [f for f in flowcheck.unset_references(flow, [], functions, resolve) if "$.External" in f] == []
    # And a key it does not answer is listed
    flow["Actions"][-1]["Parameters"] = {"Text": "$.External.loyaltyPoints"}
    assert any("$.External.loyaltyPoints is not answered by the Lambda it invokes" in f
               for f in flowcheck.unset_references(flow, [], functions, resolve))


def test_flowcheck_reads_the_results_of_the_modules_the_flow_invokes():
    from devkit import flowcheck
    from devkit.call import load_flow, load_library

    flow = load_flow(FLOWS / "after_call_rating.json", "local")
    modules = flowcheck.invoked_modules(flow, load_library([FLOWS]))
    # The rating module beside the flow returns the rating the flow reads; nothing else is unset
    assert [(m.get("Metadata") or {}).get("name") for m in modules] == ["Rating module"]
    assert flowcheck.unset_references(flow, modules) == []
    assert flowcheck.unset_references(flow) == [
        "score (Compare): $.Modules.Result.rating is read but no module returns it"]


def test_queue_metrics_come_from_the_live_floor_unless_an_option_names_the_queue(client):
    from datetime import UTC, datetime, timedelta

    from app import app
    from tests.integration.test_floor import BILLING, QUEUE_ARN, contact_event, deliver

    # Given three callers waiting in billing on the floor (from Amazon Connect's contact events)
    now = datetime.now(UTC)
    deliver(client, *(contact_event("QUEUED", f"floor-{n}", now - timedelta(seconds=30 * n)) for n in (1, 2, 3)))
    busy = {"Version": "2019-10-30", "StartAction": "queue", "Actions": [
        {"Identifier": "queue", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": QUEUE_ARN + BILLING},
         "Transitions": {"NextAction": "check"}},
        {"Identifier": "check", "Type": "CheckMetricData", "Parameters": {"MetricType": "NumberOfContactsInQueue"},
         "Transitions": {"Conditions": [{"NextAction": "busy", "Condition": {
             "Operator": "NumberGreaterThan", "Operands": ["2"]}}],
             "Errors": [{"NextAction": "quiet", "ErrorType": "NoMatchingCondition"}]}},
        {"Identifier": "busy", "Type": "MessageParticipant", "Parameters": {"Text": "Many callers are waiting"},
         "Transitions": {"NextAction": "end"}},
        {"Identifier": "quiet", "Type": "MessageParticipant", "Parameters": {"Text": "You are next"},
         "Transitions": {"NextAction": "end"}},
        {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}
    # When a flow checks the queue, then when the user says on the command line that nobody waits
    from_floor = local_simulator(client, app).run(busy, Customer())
    nobody = QueueMetrics.from_options([f"{BILLING}=0"])
    from_option = local_simulator(client, app, metrics=nobody).run(busy, Customer())
    # Then the floor answered the first, the option the second
    assert from_floor.heard() == ["Many callers are waiting"]
    assert [s.text for s in from_floor.of("metrics")] == [f"NumberOfContactsInQueue of {BILLING}: 3"]
    assert from_option.heard() == ["You are next"]


def balance_flow(tmp_path):
    """An exported flow of another project: its checkBalance Lambda, templated ARN, routes the call."""
    flow = {"Version": "2019-10-30", "StartAction": "invoke", "Actions": [
        {"Identifier": "invoke", "Type": "InvokeLambdaFunction",
         "Parameters": {"LambdaFunctionARN": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:checkBalance",
                        "InvocationTimeLimitSeconds": "3"},
         "Transitions": {"NextAction": "check", "Errors": [{"NextAction": "sorry", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "check", "Type": "Compare", "Parameters": {"ComparisonValue": "$.External.status"},
         "Transitions": {"NextAction": "end", "Conditions": [
             {"NextAction": "balance", "Condition": {"Operator": "Equals", "Operands": ["OK"]}}],
             "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingCondition"}]}},
        {"Identifier": "balance", "Type": "MessageParticipant", "Parameters": {"Text": "Balance $.External.balance"},
         "Transitions": {"NextAction": "end"}},
        {"Identifier": "sorry", "Type": "MessageParticipant", "Parameters": {"Text": "Sorry"},
         "Transitions": {"NextAction": "end"}},
        {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}
    path = tmp_path / "balance.json"
    path.write_text(json.dumps(flow), encoding="utf-8")
    return path


def test_the_command_line_answers_a_lambda_of_another_project_from_a_stand_in_file(tmp_path):
    # Given another project's flow and what its checkBalance function answers, in a file
    (tmp_path / "answer.json").write_text('{"balance": "12.50", "status": "OK"}', encoding="utf-8")
    # When the user runs the flow with that stand-in
    done = run_cli("devkit.call", str(balance_flow(tmp_path)), "--no-seed", "--json",
                   "--lambda", f"checkBalance=@{tmp_path / 'answer.json'}")
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    # Then the Success branch ran on the stand-in's answer, and the step says it was a stand-in
    assert [s["text"] for s in run["steps"] if s["kind"] == "hear"] == ["Balance 12.50"]
    assert [s["detail"]["stand_in"] for s in run["steps"] if s["kind"] == "lambda"] == ["checkBalance"]


@pytest.mark.parametrize(("given", "why"), [
    ('checkBalance={"balance": {"amount": "12.50"}}', "not a flat map of strings"),
    ('checkBalance=["OK"]', "is a JSON array, not an object of strings"),
    ('{"status": "OK"}', "expected NAME=JSON or NAME=@file.json"),
])
def test_the_command_line_refuses_a_stand_in_connect_would_not_take(tmp_path, given, why):
    done = run_cli("devkit.call", str(balance_flow(tmp_path)), "--no-seed", "--lambda", given)
    assert done.returncode != 0
    assert done.stderr.startswith("--lambda ")
    assert why in done.stderr
    assert "Traceback" not in done.stderr
