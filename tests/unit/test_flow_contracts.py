"""Every flow we ship is checked against the application before Connect runs it."""

from __future__ import annotations

import copy

import pytest

from deploy import flows
from devkit import flowcheck
from devkit.flowsim import AppFunctions, Simulator
from devkit.localenv import stage_environment

STAGES = ("local", "dev", "prod")


@pytest.fixture(scope="module")
def context():
    from app import app

    functions = AppFunctions(lambda name, event: None, [f.name for f in app.pure_lambda_functions], app.app_name)
    instance = flows.stage_connect("local")["instance_arn"]
    return flowcheck.Context(
        functions=flowcheck.flow_functions(app),
        resolve_function=functions.resolve,
        known_types=frozenset(Simulator(functions=None, instance_arn=instance)._handlers()),
        flow_targets=frozenset(flows.flow_arn_for(instance, name) for name in flows.template_names()),
        budget_ms=max(int(stage_environment(stage)["FLOW_BUDGET_MS"]) for stage in STAGES),
    )


@pytest.mark.parametrize("name", flows.template_names())
def test_every_flow_keeps_the_contract_with_the_application(name, context):
    # Given the flow as the simulator and a hand import see it
    flow = flows.render(name, "local")
    # Then every function, key, transition and action type it uses exists
    assert flowcheck.check(name, flow, context) == []


@pytest.mark.parametrize("name", flows.template_names())
def test_the_cloudformation_rendering_is_the_same_flow(name):
    # The stack's copy differs only in how it names functions, queues and flows
    concrete = flows.render(name, "local")
    stack = flows.render(name, "local", cloudformation=True)
    assert [(a["Identifier"], a["Type"], a.get("Transitions")) for a in concrete["Actions"]] == \
        [(a["Identifier"], a["Type"], a.get("Transitions")) for a in stack["Actions"]]


def test_the_inbound_flows_are_the_ones_that_call_the_lookup_then_predict_the_reason():
    # Contacts are looked up first; chats then offer self-service; both predict the reason
    expected = {"inbound_voice": {"predict_reason"},
                "inbound_chat": {"offer_article", "answer_article", "predict_reason"}}
    for name, functions in expected.items():
        invokes = [a for a in flows.render(name, "local")["Actions"] if a["Type"] == "InvokeLambdaFunction"]
        called = [a["Parameters"]["LambdaFunctionARN"].rsplit(":", 1)[-1] for a in invokes]
        assert called[0] == "contact-center-local-lookup_customer"
        assert set(called[1:]) == {f"contact-center-local-{function}" for function in functions}


def _voice():
    return copy.deepcopy(flows.render("inbound_voice", "local"))


def _action(flow, ident):
    return next(a for a in flow["Actions"] if a["Identifier"] == ident)


def test_reading_a_key_the_function_does_not_declare_is_caught(context):
    flow = _voice()
    _action(flow, "remember")["Parameters"]["Attributes"]["phone"] = "$.External.phoneNumber"
    assert any("$.External.phoneNumber, which lookup_customer does not declare" in p
               for p in flowcheck.check("inbound_voice", flow, context))


def test_reading_external_before_any_lambda_is_caught(context):
    flow = _voice()
    _action(flow, "logging")["Parameters"]["Text"] = "Hi $.External.firstName"
    assert any("before any Lambda answered" in p for p in flowcheck.check("inbound_voice", flow, context))


def test_a_missing_target_an_unknown_function_and_an_unknown_type_are_caught(context):
    flow = _voice()
    _action(flow, "recording")["Transitions"]["NextAction"] = "nowhere"
    _action(flow, "lookup")["Parameters"]["LambdaFunctionARN"] = (
        "arn:aws:lambda:eu-central-1:123456789012:function:contact-center-local-no_such_function")
    _action(flow, "logging")["Type"] = "CreatePersistentContactAssociation"
    problems = "\n".join(flowcheck.check("inbound_voice", flow, context))
    assert "transition to 'nowhere', which does not exist" in problems
    assert "is not a function in app.py" in problems
    assert "action type 'CreatePersistentContactAssociation' is not one the simulator knows" in problems


@pytest.mark.parametrize("limit", ["2", "9", "0"])
def test_a_time_limit_not_above_the_budget_or_over_8_s_is_caught(context, limit):
    flow = _voice()
    _action(flow, "lookup")["Parameters"]["InvocationTimeLimitSeconds"] = limit
    assert any("InvocationTimeLimitSeconds" in p for p in flowcheck.check("inbound_voice", flow, context))


def test_a_json_response_validation_is_caught(context):
    flow = _voice()
    _action(flow, "lookup")["Parameters"]["ResponseValidation"] = {"ResponseType": "JSON"}
    assert any("STRING_MAP" in p for p in flowcheck.check("inbound_voice", flow, context))


def test_no_personal_data_goes_into_contact_attributes():
    # The CCP shows routing facts; names, numbers and addresses stay out of attributes.
    for name in flows.template_names():
        for action in flows.render(name, "local")["Actions"]:
            if action["Type"] == "UpdateContactAttributes":
                values = " ".join(action["Parameters"]["Attributes"].values())
                assert "firstName" not in values and "CustomerEndpoint" not in values, action["Identifier"]
