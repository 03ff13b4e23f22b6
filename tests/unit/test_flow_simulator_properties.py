"""Generated flows: any well-formed graph of the actions the simulator supports ends, hangs
up, or stops with a sentence (a loop of its own at the step bound, or "not supported"),
never with a traceback."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.flowsim import AppFunctions, CallResult, Customer, FlowStop, Simulator
from devkit.flowworld import FixedDirectory, LexStandIn, QueueMetrics

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
QUEUE = f"{INSTANCE}/queue/billing"
MAX_STEPS = 120

# type -> (parameters, condition values, error types), in the documented shapes
SHAPES = {
    "MessageParticipant": ({"Text": "Hello $.Attributes.name"}, [], []),
    "MessageParticipantIteratively": ({"Messages": [{"Text": "Please hold"}], "InterruptFrequencySeconds": "30"},
                                      ["MessagesInterrupted"], ["NoMatchingError"]),
    "GetParticipantInput": ({"Text": "Press 1 or 2", "InputTimeLimitSeconds": "5"}, ["1", "2"],
                            ["InputTimeLimitExceeded", "NoMatchingCondition", "NoMatchingError"]),
    "ConnectParticipantWithLexBot": ({"Text": "How can I help?", "LexV2Bot": {"AliasArn": "arn:aws:lex:x"}},
                                     ["Billing"], ["InputTimeLimitExceeded", "NoMatchingCondition",
                                                   "NoMatchingError"]),
    "UpdateContactAttributes": ({"Attributes": {"name": "$.Lex.IntentName"}}, [], ["NoMatchingError"]),
    "UpdateFlowAttributes": ({"FlowAttributes": {"tries": {"Value": "1"}}}, [], ["NoMatchingError"]),
    "Compare": ({"ComparisonValue": "$.StoredCustomerInput"}, ["1"], ["NoMatchingCondition"]),
    "Loop": ({"LoopCount": "2"}, ["ContinueLooping", "DoneLooping"], []),
    "UpdateContactTargetQueue": ({"QueueId": QUEUE}, [], ["NoMatchingError"]),
    "CheckMetricData": ({"MetricType": "NumberOfContactsInQueue", "QueueId": QUEUE}, ["5"],
                        ["NoMatchingCondition", "NoMatchingError"]),
    "GetMetricData": ({"QueueId": QUEUE}, [], ["NoMatchingError"]),
    "UpdateContactRoutingBehavior": ({"QueuePriority": "2"}, [], ["NoMatchingError"]),
    "UpdateContactCallbackNumber": ({"CallbackNumber": "$.CustomerEndpoint.Address"}, [],
                                    ["InvalidCallbackNumber", "CallbackNumberNotDialable"]),
    "CreateCallbackContact": ({"InitialCallDelaySeconds": "5"}, [], ["NoMatchingError"]),
    "TagContact": ({"Tags": {"journey": "billing"}}, [], ["NoMatchingError"]),
    "GetCustomerProfile": ({"ProfileRequestData": {"PhoneNumber": "$.CustomerEndpoint.Address"},
                            "ProfileResponseData": ["FirstName"]}, [],
                           ["NoneFoundError", "MultipleFoundError", "NoMatchingError"]),
    "GetCase": ({"CaseRequestFields": {"case_id": "C-1"}, "CaseResponseFields": ["status"]}, [],
                ["NoneFound", "MultipleFound", "NoMatchingError"]),
    "ShowView": ({"ViewResource": {"Id": "detail"}, "ViewData": {"Heading": "$.Customer.FirstName"}}, ["Next"],
                 ["NoMatchingCondition", "TimeLimitExceeded", "NoMatchingError"]),
    "Wait": ({"TimeLimitSeconds": "60", "Events": ["CustomerReturned"]}, ["WaitCompleted"], ["NoMatchingError"]),
    "InvokeFlowModule": ({"FlowModuleId": "not-loaded"}, [], ["NoMatchingError"]),
    "TransferToFlow": ({"ContactFlowId": "not-loaded"}, [], ["NoMatchingError"]),
    "TransferContactToQueue": ({}, [], ["QueueAtCapacity", "NoMatchingError"]),
    "TransferContactToAgent": ({}, [], ["NoMatchingError"]),
    "CheckVoiceId": ({"CheckVoiceIdOption": "voiceAuthentication"}, ["NotEnrolled"], ["NoMatchingError"]),
    "DistributeByPercentage": ({}, ["50"], ["NoMatchingCondition"]),
    "UnTagContact": ({"TagKeys": ["journey"]}, [], ["NoMatchingError"]),
    "UpdatePreviousContactParticipantState": ({"PreviousContactParticipantState": "AgentOnHold"}, [],
                                              ["NoMatchingError"]),
    "CompleteOutboundCall": ({"CallerId": {"Number": "+40312345000"}}, [], []),
    "UpdateContactRecordingAndAnalyticsBehavior": ({"VoiceBehavior": {}}, [], ["NoMatchingError"]),
    "DisconnectParticipant": ({}, None, None),
    "EndFlowExecution": ({}, None, None),
    "EndFlowModuleExecution": ({}, None, None),
    "CreatePersistentContactAssociation": ({}, [], ["NoMatchingError"]),  # not supported
}


@st.composite
def flows(draw):
    size = draw(st.integers(min_value=1, max_value=12))
    ids = [f"a{i}" for i in range(size)]
    actions = []
    for ident in ids:
        kind = draw(st.sampled_from(sorted(SHAPES)))
        parameters, conditions, errors = SHAPES[kind]
        transitions = {}
        if conditions is not None:
            target = st.sampled_from(ids)
            transitions["NextAction"] = draw(target)
            if conditions:
                transitions["Conditions"] = [{"NextAction": draw(target),
                                              "Condition": {"Operator": "Equals", "Operands": [value]}}
                                             for value in conditions]
            if errors:
                transitions["Errors"] = [{"NextAction": draw(target), "ErrorType": error} for error in errors]
        actions.append({"Identifier": ident, "Type": kind, "Parameters": parameters, "Transitions": transitions})
    return {"Version": "2019-10-30", "StartAction": ids[0], "Actions": actions}


customers = st.builds(
    Customer,
    channel=st.sampled_from(["VOICE", "CHAT"]),
    inputs=st.lists(st.sampled_from(["1", "2", "9", "+40712345678"]), max_size=4),
    said=st.lists(st.sampled_from(["my bill", "hello"]), max_size=2),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flows(), customer=customers)
def test_a_generated_flow_ends_hangs_up_or_stops_with_a_reason(flow, customer):
    simulator = Simulator(
        functions=AppFunctions(lambda name, event: {}, [], "contact-center"), instance_arn=INSTANCE,
        max_steps=MAX_STEPS, metrics=QueueMetrics.from_options(["billing=7"]), lex=LexStandIn("Billing"),
        directory=FixedDirectory(profiles=[{"ProfileId": "c-1", "FirstName": "Ana", "PhoneNumber": "+40712345678"}]))
    try:
        result = simulator.run(flow, customer)
    except FlowStop as e:
        assert "not supported" in str(e) or f"ran {MAX_STEPS} actions without ending" in str(e)
        return
    assert isinstance(result, CallResult)
    assert result.outcome in {"ended", "disconnected", "queued", "customer hung up", "connected to an agent",
                              "transferred"}
    assert len(result.steps) <= 4 * MAX_STEPS
