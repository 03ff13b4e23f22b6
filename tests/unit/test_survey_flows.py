"""The survey flows as shipped: the post-call survey asks the definition's questions
in every voice language, the inbound call hands over to it, and a hook to a flow we
do not ship is caught before Connect ever runs it."""

from __future__ import annotations

import copy

from deploy import flows
from devkit import flowcheck
from devkit.flowsim import AppFunctions, Simulator
from devkit.localenv import stage_environment


def _context():
    from app import app

    functions = AppFunctions(lambda name, event: None, [f.name for f in app.pure_lambda_functions], app.app_name)
    instance = flows.stage_connect("local")["instance_arn"]
    return flowcheck.Context(
        functions=flowcheck.flow_functions(app), resolve_function=functions.resolve,
        known_types=frozenset(Simulator(functions=None, instance_arn=instance)._handlers()),
        flow_targets=frozenset(flows.flow_arn_for(instance, name) for name in flows.template_names()),
        budget_ms=max(int(stage_environment(stage)["FLOW_BUDGET_MS"]) for stage in ("local", "dev", "prod")))


def test_the_post_call_survey_asks_every_question_in_every_voice_language():
    survey = flows.survey_definition("post_call")
    flow = flows.render("post_call_survey", "local")
    asked = [a["Parameters"]["Text"] for a in flow["Actions"] if a["Type"] == "GetParticipantInput"]
    for language in ("en", "ro", "it"):
        for question in survey.questions:
            # once when asked, once more after a key that is not an answer
            assert asked.count(question.text[language]) >= 2, (language, question.id)
    stores = [a["Parameters"] for a in flow["Actions"] if a["Type"] == "GetParticipantInput"]
    assert all(p["StoreInput"] == "True" and "CustomValidation" in p["InputValidation"] for p in stores)


def test_every_answer_goes_to_record_survey_answer_with_its_question():
    flow = flows.render("post_call_survey", "local")
    invokes = [a["Parameters"] for a in flow["Actions"] if a["Type"] == "InvokeLambdaFunction"]
    assert {p["LambdaFunctionARN"].rsplit(":", 1)[-1] for p in invokes} == \
        {"contact-center-local-record_survey_answer"}
    assert sorted({p["LambdaInvocationAttributes"]["questionId"] for p in invokes}) == ["ces", "csat", "nps"]
    assert all(p["LambdaInvocationAttributes"]["answer"] == "$.StoredCustomerInput" for p in invokes)


def test_the_inbound_call_hands_the_caller_to_the_survey_when_the_agent_hangs_up():
    flow = flows.render("inbound_voice", "local")
    [hook] = [a for a in flow["Actions"] if a["Type"] == "UpdateContactEventHooks"]
    instance = flows.stage_connect("local")["instance_arn"]
    assert hook["Parameters"]["EventHooks"] == {"CustomerRemaining": flows.flow_arn_for(instance, "post_call_survey")}


def test_a_hook_to_a_flow_we_do_not_ship_is_caught():
    flow = copy.deepcopy(flows.render("inbound_voice", "local"))
    [hook] = [a for a in flow["Actions"] if a["Type"] == "UpdateContactEventHooks"]
    hook["Parameters"]["EventHooks"]["CustomerRemaining"] = "arn:aws:connect:::contact-flow/somebody-elses"
    assert any("not a flow we ship" in p for p in flowcheck.check("inbound_voice", flow, _context()))


def test_follow_up_tasks_are_queued_in_the_follow_up_queue():
    flow = flows.render("survey_follow_up", "local")
    [queue] = [a for a in flow["Actions"] if a["Type"] == "UpdateContactTargetQueue"]
    assert queue["Parameters"]["QueueId"] == flows.stage_connect("local")["queues"]["follow_up"]
