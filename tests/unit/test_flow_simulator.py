"""The flow simulator on its own: flow-language semantics, and flows exported from a
Connect instance rather than written here."""

from __future__ import annotations

import json

import pytest

from devkit.flowsim import AppFunctions, Customer, FlowStop, Simulator
from tests.helpers import EVENTS

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"


def exported():
    return json.loads((EVENTS / "connect" / "flows" / "exported_order_status.json").read_text(encoding="utf-8"))


def simulator(answer=None, **kwargs):
    calls = []

    def invoke(name, event):
        calls.append((name, event))
        return answer(event) if callable(answer) else answer

    functions = AppFunctions(invoke, ["order-system-status", "lookup_customer"], "contact-center")
    sim = Simulator(functions=functions, instance_arn=INSTANCE, **kwargs)
    sim.calls = calls
    return sim


def flow(*actions, start=None):
    return {"Version": "2019-10-30", "StartAction": start or actions[0]["Identifier"], "Actions": list(actions)}


def act(ident, kind, parameters=None, **transitions):
    return {"Identifier": ident, "Type": kind, "Parameters": parameters or {}, "Transitions": transitions}


def test_an_exported_flow_runs_with_the_stored_input_passed_to_its_lambda():
    # Given a flow exported from Connect, whose order-system Lambda answers
    sim = simulator({"status": "SHIPPED"})
    # When a caller types an order number
    result = sim.run(exported(), Customer(inputs=["12345678"]))
    # Then the Lambda got it as a parameter, in a ContactFlowEvent like Connect's
    name, event = sim.calls[0]
    assert name == "order-system-status"
    assert event["Details"]["Parameters"] == {"order": "12345678"}
    assert event["Details"]["ContactData"]["Attributes"] == {"journey": "order-status"}
    assert event["Details"]["ContactData"]["CustomerEndpoint"] == {"Address": "+40712345678",
                                                                   "Type": "TELEPHONE_NUMBER"}
    # And the transfer to a flow the simulator does not have takes the Error branch
    assert result.heard() == ["Please type your order number, then press hash."]
    assert result.outcome == "disconnected"
    assert any("is not loaded in the simulator" in s.text for s in result.steps)


def test_a_lambda_answer_that_is_not_a_flat_string_map_takes_the_error_branch():
    sim = simulator({"status": "SHIPPED", "items": [1, 2]})
    result = sim.run(exported(), Customer(inputs=["12345678"]))
    assert "not a flat string map" in result.lambda_calls()[0].text
    assert result.heard()[-1] == "We could not reach the order system about order 12345678. Transferring you."


def test_an_answer_of_32_kb_takes_the_error_branch():
    result = simulator({"status": "OK", "note": "x" * 33_000}).run(exported(), Customer(inputs=["12345678"]))
    assert "32 KB" in result.lambda_calls()[0].text


def test_a_lambda_that_raises_takes_the_error_branch():
    def boom(event):
        raise RuntimeError("down")

    result = simulator(boom).run(exported(), Customer(inputs=["42"]))
    assert "raised RuntimeError" in result.lambda_calls()[0].text
    # 42 is not above 999: the Compare's NoMatchingCondition branch
    assert result.heard()[-1] == "Sorry, that is not an order number we know."


def test_a_lambda_of_another_application_takes_the_error_branch():
    sim = Simulator(functions=AppFunctions(lambda n, e: {}, ["lookup_customer"], "contact-center"),
                    instance_arn=INSTANCE)
    result = sim.run(exported(), Customer(inputs=["12345678"]))
    assert "is not a function of this application" in result.lambda_calls()[0].text


def test_silence_at_a_prompt_takes_the_timeout_branch():
    result = simulator({"status": "OK"}).run(exported(), Customer(inputs=[]))
    assert [s.text for s in result.steps if s.kind == "input"] == ["(nothing within 5 s)"]
    assert result.heard()[-1] == "Sorry, that is not an order number we know."


def test_an_unsupported_action_type_stops_naming_the_type_and_the_action():
    unknown = flow(act("assoc", "CreatePersistentContactAssociation", NextAction="end"),
                   act("end", "DisconnectParticipant"))
    with pytest.raises(FlowStop, match="action 'assoc' has type 'CreatePersistentContactAssociation': not supported"):
        simulator().run(unknown, Customer())


def test_a_flow_that_loops_is_stopped():
    looping = flow(act("a", "MessageParticipant", {"Text": "again"}, NextAction="b"),
                   act("b", "UpdateContactAttributes", {"Attributes": {"x": "1"}}, NextAction="a"))
    with pytest.raises(FlowStop, match="without ending: it loops"):
        simulator(max_steps=50).run(looping, Customer())


def test_a_failure_without_an_error_branch_stops_the_run():
    broken = flow(act("compare", "Compare", {"ComparisonValue": "$.Channel"},
                      Conditions=[{"NextAction": "end", "Condition": {"Operator": "Equals", "Operands": ["CHAT"]}}]),
                  act("end", "DisconnectParticipant"))
    with pytest.raises(FlowStop, match="failed with NoMatchingCondition and has no Errors branch"):
        simulator().run(broken, Customer(channel="VOICE"))


@pytest.mark.parametrize(("operator", "operand", "value", "holds"), [
    ("Equals", "VOICE", "VOICE", True), ("Equals", "VOICE", "voice", False),
    ("TextStartsWith", "+40", "+40712345678", True), ("TextEndsWith", "678", "+40712345678", True),
    ("TextContains", "7123", "+40712345678", True), ("NumberGreaterThan", "2", "10", True),
    ("NumberLessThan", "2", "10", False), ("NumberGreaterOrEqualTo", "3", "3", True),
    ("NumberLessOrEqualTo", "3", "abc", False),
])
def test_condition_operators(operator, operand, value, holds):
    branch = flow(
        act("compare", "Compare", {"ComparisonValue": "$.Attributes.v"}, NextAction="no",
            Conditions=[{"NextAction": "yes", "Condition": {"Operator": operator, "Operands": [operand]}}],
            Errors=[{"NextAction": "no", "ErrorType": "NoMatchingCondition"}]),
        act("yes", "MessageParticipant", {"Text": "yes"}, NextAction="end"),
        act("no", "MessageParticipant", {"Text": "no"}, NextAction="end"),
        act("end", "DisconnectParticipant"))
    assert simulator().run(branch, Customer(attributes={"v": value})).heard() == ["yes" if holds else "no"]


def test_json_paths_read_the_contact():
    said = flow(act("say", "MessageParticipant", {
        "Text": "$.Channel from $.CustomerEndpoint.Address, tier $.Attributes.tier, $.Segments.Current."},
        NextAction="end"), act("end", "DisconnectParticipant"))
    result = simulator().run(said, Customer(attributes={"tier": "gold"}))
    assert result.heard() == ["VOICE from +40712345678, tier gold, ."]
    assert any("$.Segments.Current is not a namespace the simulator knows" in s.text for s in result.steps)


def test_text_input_in_a_chat_is_matched_like_keys():
    asked = flow(act("ask", "GetParticipantInput", {"Text": "Type yes or no"}, NextAction="end",
                     Conditions=[{"NextAction": "yes", "Condition": {"Operator": "Equals", "Operands": ["yes"]}}],
                     Errors=[{"NextAction": "end", "ErrorType": "NoMatchingCondition"}]),
                 act("yes", "MessageParticipant", {"Text": "Great"}, NextAction="end"),
                 act("end", "DisconnectParticipant"))
    result = simulator().run(asked, Customer(channel="CHAT", address=None, inputs=["yes"]))
    assert result.heard() == ["Type yes or no", "Great"]
