"""The flow-language actions exported flows use, each with its success, condition and
error branches, from small flows in the shapes Connect's flow language reference gives."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from devkit.call import load_library
from devkit.flowsim import AppFunctions, Customer, FlowStop, Library, Simulator, load_flow_document
from devkit.flowworld import FixedDirectory, LexStandIn, QueueMetrics
from tests.helpers import EVENTS

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
BILLING = f"{INSTANCE}/queue/0b1e2c3d-0009-4000-8000-000000000009"
FLOWS = EVENTS / "connect" / "flows"


def flow(*actions, start=None, **metadata):
    return {"Version": "2019-10-30", "StartAction": start or actions[0]["Identifier"], "Actions": list(actions),
            **({"Metadata": metadata} if metadata else {})}


def act(ident, kind, parameters=None, **transitions):
    return {"Identifier": ident, "Type": kind, "Parameters": parameters or {}, "Transitions": transitions}


def when(*pairs, operator="Equals"):
    return [{"NextAction": target, "Condition": {"Operator": operator, "Operands": [value]}} for value, target in pairs]


def errors(*pairs):
    return [{"NextAction": target, "ErrorType": kind} for kind, target in pairs]


def say(ident, text, then="end"):
    return act(ident, "MessageParticipant", {"Text": text}, NextAction=then)


END = act("end", "DisconnectParticipant")


def simulator(**kwargs):
    functions = AppFunctions(lambda name, event: {"status": "OK"}, ["lookup_customer"], "contact-center")
    return Simulator(functions=functions, instance_arn=INSTANCE, queue_names={BILLING: "billing"}, **kwargs)


# ---- loops and flow attributes ----

def test_a_loop_repeats_its_branch_the_counted_times_then_completes():
    # Given a menu that asks up to three times
    menu = flow(
        act("loop", "Loop", {"LoopCount": "3"}, NextAction="done",
            Conditions=when(("ContinueLooping", "ask"), ("DoneLooping", "done"))),
        act("ask", "GetParticipantInput", {"Text": "Press 1 for billing", "InputTimeLimitSeconds": "5"},
            Conditions=when(("1", "billing")), Errors=errors(("NoMatchingCondition", "loop"),
                                                              ("InputTimeLimitExceeded", "loop"))),
        say("billing", "Billing it is"), say("done", "Goodbye"), END)
    # When a caller presses wrong keys three times
    result = simulator().run(menu, Customer(inputs=["7", "8", "9"]))
    # Then they were asked three times, then the loop completed
    assert result.heard() == ["Press 1 for billing"] * 3 + ["Goodbye"]
    assert [s.text for s in result.of("loop")] == ["round 1 of 3", "round 2 of 3", "round 3 of 3", "done after 3"]


def test_a_loop_count_that_is_not_a_number_takes_the_error_branch():
    broken = flow(act("loop", "Loop", {"LoopCount": "$.Attributes.tries"},
                      Conditions=when(("ContinueLooping", "end"), ("DoneLooping", "end")),
                      Errors=errors(("NoMatchingError", "oops"))), say("oops", "Something went wrong"), END)
    assert simulator().run(broken, Customer(attributes={"tries": "many"})).heard() == ["Something went wrong"]


def test_flow_attributes_are_set_and_read_within_the_flow_only():
    # Given a flow that keeps a greeting in a flow attribute, then moves to another flow
    second = flow(say("hello", "Second: [$.FlowAttributes.greeting]"), END, name="second")
    first = flow(act("set", "UpdateFlowAttributes", {"FlowAttributes": {"greeting": {"Value": "Hi $.Channel"}}},
                     NextAction="hello", Errors=errors(("NoMatchingError", "end"))),
                 say("hello", "First: $.FlowAttributes.greeting", then="move"),
                 act("move", "TransferToFlow", {"ContactFlowId": "second"}, Errors=errors(("NoMatchingError", "end"))),
                 END)
    result = simulator(flows={"second": second}).run(first, Customer())
    # Then the first flow reads it, the next flow starts without it, and contact attributes are untouched
    assert result.heard() == ["First: Hi VOICE", "Second: []"]
    assert result.attributes == {}


def test_a_flow_attribute_with_a_bad_key_takes_the_error_branch():
    bad = flow(act("set", "UpdateFlowAttributes", {"FlowAttributes": {"not ok!": {"Value": "x"}}},
                   NextAction="end", Errors=errors(("NoMatchingError", "oops"))), say("oops", "rejected"), END)
    assert simulator().run(bad, Customer()).heard() == ["rejected"]


# ---- modules ----

def test_a_module_beside_the_flow_runs_with_its_settings_inputs_and_returns_its_result():
    # Given an exported flow and, beside it, the module it invokes (DescribeContactFlowModule output)
    main = json.loads((FLOWS / "after_call_rating.json").read_text(encoding="utf-8"))
    library = load_library([FLOWS])
    sim = simulator(flows=library, modules=library)
    # When the caller rates 5
    result = sim.run(main, Customer(inputs=["5"]))
    # Then the module asked its default question, and the flow branched on $.Modules.Result
    assert result.heard()[1:] == ["How did we do, from 1 to 5?", "We are glad to hear it."]
    assert [s.text for s in result.of("module")][-1] == "back from Rating module with rating=5"


def test_a_low_rating_then_a_module_that_is_not_loaded_is_reported_by_name():
    main = json.loads((FLOWS / "after_call_rating.json").read_text(encoding="utf-8"))
    library = load_library([FLOWS])
    result = simulator(flows=library, modules=library).run(main, Customer(inputs=["2"]))
    assert "We are sorry to hear that." in result.heard()
    assert any("flow module 'VIP check'" in s.text and "is not loaded" in s.text for s in result.of("note"))
    assert result.outcome == "disconnected"


def test_module_inputs_from_the_invoking_action_override_the_defaults():
    module, names = load_flow_document(json.loads((FLOWS / "rating_module.json").read_text(encoding="utf-8")))
    modules = Library()
    modules.add(module, *names)
    main = flow(act("rate", "InvokeFlowModule", {"FlowModuleId": "Rating module",
                                                 "InvocationModuleInputs": {"question": "Rate us, $.Channel"}},
                    NextAction="end", Errors=errors(("NoMatchingError", "end"))), END)
    result = simulator(modules=modules).run(main, Customer(channel="CHAT", address=None, inputs=["4"]))
    assert result.heard() == ["Rate us, CHAT"]


def test_a_module_run_on_its_own_ends_at_its_end():
    module = flow(say("hi", "In the module", then="back"), act("back", "EndFlowModuleExecution"))
    result = simulator().run(module, Customer())
    assert (result.heard(), result.outcome) == (["In the module"], "ended")


# ---- queue, agents, metrics ----

def test_iterative_messages_are_interrupted_to_offer_a_callback_that_is_recorded_with_its_number():
    queue = json.loads((FLOWS / "queue_with_callback.json").read_text(encoding="utf-8"))
    result = simulator().run(queue, Customer(inputs=["1"], queue=BILLING))
    assert result.heard()[:2] == ["Thank you for waiting. An agent will be with you soon.",
                                  "To be called back instead, press 1."]
    assert result.callbacks == [{"number": "+40712345678", "queue": "billing", "initial_delay_s": 5,
                                 "retry_delay_s": 600, "attempts": 2}]
    assert result.heard()[-1] == "We will call you back at +40712345678. Goodbye."


def test_a_withheld_number_cannot_be_called_back():
    queue = json.loads((FLOWS / "queue_with_callback.json").read_text(encoding="utf-8"))
    result = simulator().run(queue, Customer(address="anonymous", inputs=["1"], queue=BILLING))
    assert "Sorry, we cannot call that number back. Please stay on the line." in result.heard()
    assert result.callbacks == []


def test_a_caller_who_never_presses_in_queue_hangs_up_after_being_asked_again():
    queue = json.loads((FLOWS / "queue_with_callback.json").read_text(encoding="utf-8"))
    result = simulator().run(queue, Customer(inputs=[], queue=BILLING))
    assert result.outcome == "customer hung up"
    assert result.heard().count("To be called back instead, press 1.") == 2


def test_without_interruptions_the_queue_messages_play_until_an_agent_answers():
    hold = flow(act("hold", "MessageParticipantIteratively", {"Messages": [{"Text": "Please hold"}]}))
    result = simulator().run(hold, Customer())
    assert (result.heard(), result.outcome) == (["Please hold"], "connected to an agent")


def test_a_menu_loop_ends_with_the_caller_hanging_up_not_a_step_limit():
    # Given a menu whose timeout branch asks again, forever
    menu = flow(act("ask", "GetParticipantInput", {"Text": "Press 1", "InputTimeLimitSeconds": "5"},
                    Conditions=when(("1", "end")), Errors=errors(("InputTimeLimitExceeded", "ask"),
                                                                 ("NoMatchingCondition", "ask"))), END)
    result = simulator(max_steps=300).run(menu, Customer(inputs=["9"]))
    assert result.outcome == "customer hung up"
    assert len(result.steps) < 10


@pytest.mark.parametrize(("waiting", "heard"), [(None, "Short wait"), ("billing=12", "Long wait")])
def test_check_metric_data_reads_the_contacts_waiting_from_the_options(waiting, heard):
    check = flow(act("queue", "UpdateContactTargetQueue", {"QueueId": BILLING}, NextAction="check",
                     Errors=errors(("NoMatchingError", "end"))),
                 act("check", "CheckMetricData", {"MetricType": "NumberOfContactsInQueue"},
                     Conditions=when(("10", "long"), operator="NumberGreaterThan"),
                     Errors=errors(("NoMatchingCondition", "short"), ("NoMatchingError", "end"))),
                 say("long", "Long wait"), say("short", "Short wait"), END)
    metrics = QueueMetrics.from_options([waiting] if waiting else [])
    assert simulator(metrics=metrics).run(check, Customer()).heard() == [heard]


def test_check_metric_data_with_no_queue_takes_the_error_branch():
    check = flow(act("check", "CheckMetricData", {"MetricType": "NumberOfAgentsAvailable"},
                     Conditions=when(("0", "end"), operator="NumberGreaterThan"),
                     Errors=errors(("NoMatchingError", "oops"))), say("oops", "no queue"), END)
    assert simulator().run(check, Customer()).heard() == ["no queue"]


def test_get_metric_data_loads_the_metrics_namespace():
    get = flow(act("get", "GetMetricData", {"QueueId": BILLING}, NextAction="say",
                   Errors=errors(("NoMatchingError", "end"))),
               say("say", "$.Metrics.Queue.Name: $.Metrics.Queue.Size waiting, "
                          "$.Metrics.Agents.Available.Count available"), END)
    metrics = QueueMetrics.from_options(["billing=3"], ["billing=0"])
    assert simulator(metrics=metrics).run(get, Customer()).heard() == ["billing: 3 waiting, 0 available"]


def test_transfer_to_agent_and_dequeue_to_another_queue():
    to_agent = flow(act("agent", "TransferContactToAgent", Errors=errors(("NoMatchingError", "end"))), END)
    assert simulator().run(to_agent, Customer()).outcome == "connected to an agent"
    moved = flow(act("move", "DequeueContactAndTransferToQueue", {"QueueId": BILLING},
                     Errors=errors(("QueueAtCapacity", "full"), ("NoMatchingError", "end"))),
                 say("full", "Billing is full"), END)
    result = simulator().run(moved, Customer(queue=f"{INSTANCE}/queue/general"))
    assert (result.outcome, result.queue) == ("queued", "billing")
    assert simulator(full_queues=["billing"]).run(moved, Customer()).heard() == ["Billing is full"]


def test_routing_behaviour_is_recorded_and_a_bad_priority_takes_the_error_branch():
    routed = flow(act("route", "UpdateContactRoutingBehavior", {"QueuePriority": "$.Attributes.priority",
                                                                "QueueTimeAdjustmentSeconds": "120"},
                      NextAction="end", Errors=errors(("NoMatchingError", "oops"))), say("oops", "bad"), END)
    assert simulator().run(routed, Customer(attributes={"priority": "1"})).routing == {
        "priority": 1, "age_adjustment_s": 120}
    assert simulator().run(routed, Customer(attributes={"priority": "first"})).heard() == ["bad"]


def test_third_party_transfer_ends_the_flow_or_comes_back():
    parameters = {"ThirdPartyPhoneNumber": "+40312345999", "ThirdPartyConnectionTimeLimitSeconds": "30"}
    away = flow(act("x", "TransferParticipantToThirdParty", {**parameters, "ContinueFlowExecution": "False"},
                    NextAction="end", Errors=errors(("CallFailed", "end"))), END)
    assert simulator().run(away, Customer()).outcome == "transferred"
    back = flow(act("x", "TransferParticipantToThirdParty", {**parameters, "ContinueFlowExecution": "True"},
                    NextAction="bye", Errors=errors(("CallFailed", "end"))), say("bye", "Back"), END)
    assert simulator().run(back, Customer()).heard() == ["Back"]


# ---- callbacks, tags, tasks ----

@pytest.mark.parametrize(("number", "heard"), [("+40712345678", "ok"), ("12", "invalid"),
                                               ("+40900123456", "not dialable")])
def test_update_callback_number_checks_the_number(number, heard):
    update = flow(act("cb", "UpdateContactCallbackNumber", {"CallbackNumber": "$.Attributes.number"},
                      NextAction="ok", Errors=errors(("InvalidCallbackNumber", "invalid"),
                                                     ("CallbackNumberNotDialable", "not dialable"))),
                  say("ok", "ok"), say("invalid", "invalid"), say("not dialable", "not dialable"), END)
    assert simulator().run(update, Customer(attributes={"number": number})).heard() == [heard]


def test_tags_are_kept_and_a_reserved_key_takes_the_error_branch():
    tagged = flow(act("tag", "TagContact", {"Tags": {"journey": "$.Attributes.journey"}}, NextAction="end",
                      Errors=errors(("NoMatchingError", "oops"))), say("oops", "bad tag"), END)
    assert simulator().run(tagged, Customer(attributes={"journey": "returns"})).tags == {"journey": "returns"}
    reserved = flow(act("tag", "TagContact", {"Tags": {"aws:owner": "me"}}, NextAction="end",
                        Errors=errors(("NoMatchingError", "oops"))), say("oops", "bad tag"), END)
    assert simulator().run(reserved, Customer()).heard() == ["bad tag"]


def _connect():
    return boto3.client("connect", region_name="eu-central-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def test_a_task_is_created_with_the_parameters_botocore_validates():
    task = flow(act("task", "CreateTask", {"Name": "Call back $.Attributes.name", "ContactFlowId":
                                           f"{INSTANCE}/contact-flow/task-flow", "Description": "From the IVR",
                                           "Attributes": {"reason": "$.Attributes.reason"}},
                    NextAction="end", Errors=errors(("NoMatchingError", "oops"))), say("oops", "no task"), END)
    connect = _connect()
    with Stubber(connect) as stub:
        stub.add_response("start_task_contact", {"ContactId": "task-1"}, {
            "InstanceId": INSTANCE.rsplit("/", 1)[-1], "ContactFlowId": "task-flow", "Name": "Call back Ana",
            "Description": "From the IVR", "Attributes": {"reason": "billing"}, "PreviousContactId": ANY})
        result = simulator(connect=connect).run(task, Customer(attributes={"name": "Ana", "reason": "billing"}))
    assert [t["ContactId"] for t in result.tasks] == ["task-1"]


def test_a_task_botocore_refuses_takes_the_error_branch():
    # Given a task attribute with an empty name, which StartTaskContact's model refuses
    too_long = flow(act("task", "CreateTask", {"Name": "Follow up", "ContactFlowId": "task-flow",
                                               "Attributes": {"": "x"}}, NextAction="end",
                        Errors=errors(("NoMatchingError", "oops"))), say("oops", "no task"), END)
    connect = _connect()
    with Stubber(connect) as stub:
        stub.add_response("start_task_contact", {"ContactId": "never"})
        result = simulator(connect=connect).run(too_long, Customer())
    assert result.heard() == ["no task"]
    assert "ParamValidationError" in result.of("task")[0].text


# ---- Lex, profiles, cases, views ----

def _bot():
    return flow(act("bot", "ConnectParticipantWithLexBot", {
        "Text": "How can I help?", "LexV2Bot": {"AliasArn": "arn:aws:lex:eu-central-1:123456789012:bot-alias/B/A"}},
        Conditions=when(("Billing", "billing")), Errors=errors(("NoMatchingCondition", "other"),
                                                               ("InputTimeLimitExceeded", "bot"),
                                                               ("NoMatchingError", "end"))),
        say("billing", "Billing ($.Lex.IntentName)"), say("other", "Let me find someone"), END)


def test_a_lex_bot_maps_what_the_customer_says_to_the_intent_given():
    result = simulator(lex=LexStandIn("Billing")).run(_bot(), Customer(said=["my bill is wrong"]))
    assert result.heard() == ["How can I help?", "Billing (Billing)"]
    assert [s.text for s in result.of("say")] == ["my bill is wrong"]


def test_a_lex_bot_with_no_intent_known_answers_fallback_and_a_silent_caller_hangs_up():
    assert simulator().run(_bot(), Customer(said=["hello"])).heard()[-1] == "Let me find someone"
    assert simulator().run(_bot(), Customer()).outcome == "customer hung up"


def test_a_lex_bot_can_use_a_classifier():
    lex = LexStandIn(classify=lambda text: "Billing" if "bill" in text else None)
    assert simulator(lex=lex).run(_bot(), Customer(said=["about my bill"])).heard()[-1] == "Billing (Billing)"


def test_without_an_intent_named_the_bot_answers_with_the_applications_reason_classifier():
    from devkit.flowworld import default_classifier

    lex = LexStandIn(None, default_classifier())
    result = simulator(lex=lex).run(_bot(), Customer(said=["I want to pay my bill"]))
    # The predicted contact reason is the intent the flow branches on
    assert [s.detail["intent"] for s in result.of("lex")] == ["billing"]
    assert lex.answer("hello").intent == "FallbackIntent"


def _profile_flow():
    return flow(act("get", "GetCustomerProfile", {"ProfileRequestData": {"PhoneNumber": "$.CustomerEndpoint.Address"},
                                                  "ProfileResponseData": ["FirstName"]},
                    NextAction="hi", Errors=errors(("NoneFoundError", "none"), ("MultipleFoundError", "many"),
                                                   ("NoMatchingError", "end"))),
                say("hi", "Hello $.Customer.FirstName"), say("none", "Who are you?"), say("many", "Which one?"), END)


@pytest.mark.parametrize(("profiles", "heard"), [
    ([{"ProfileId": "c-1", "FirstName": "Ana", "PhoneNumber": "+40712345678"}], "Hello Ana"),
    ([], "Who are you?"),
    ([{"ProfileId": f"c-{i}", "PhoneNumber": "+40712345678"} for i in range(2)], "Which one?"),
])
def test_get_customer_profile_branches_on_what_is_found(profiles, heard):
    result = simulator(directory=FixedDirectory(profiles=profiles)).run(_profile_flow(), Customer())
    assert result.heard() == [heard]


@pytest.mark.parametrize(("cases", "heard"), [([{"case_id": "C-1", "status": "open"}], "Case C-1 is open"),
                                              ([], "No case")])
def test_get_case_reads_our_cases(cases, heard):
    get = flow(act("case", "GetCase", {"CaseRequestFields": {"case_id": "$.Attributes.caseId"},
                                       "CaseResponseFields": ["case_id", "status"]},
                   NextAction="say", Errors=errors(("NoneFound", "none"), ("MultipleFound", "none"),
                                                   ("NoMatchingError", "end"))),
               say("say", "Case $.Case.case_id is $.Case.status"), say("none", "No case"), END)
    result = simulator(directory=FixedDirectory(cases=cases)).run(get, Customer(attributes={"caseId": "C-1"}))
    assert result.heard() == [heard]


def test_show_view_renders_what_the_agent_sees_and_takes_its_first_action():
    data = {"Heading": "Caller $.CustomerEndpoint.Address",
            "AttributeBar": [{"Label": "Tier", "Value": "$.Attributes.tier"}]}
    view = flow(act("view", "ShowView", {"ViewResource": {"Id": "arn:aws:connect:eu-central-1:aws:view/detail:$LATEST"},
                                         "ViewData": data},
                    Conditions=when(("Next", "next")), Errors=errors(("NoMatchingCondition", "end"),
                                                                   ("TimeLimitExceeded", "view"),
                                                                   ("NoMatchingError", "end"))),
                say("next", "Agent chose $.Views.Action", then="view"), END)
    result = simulator().run(view, Customer(attributes={"tier": "gold"}))
    shown = result.of("view")[0]
    assert shown.text == "view detail, chooses Next"
    assert shown.detail["data"] == {"Heading": "Caller +40712345678", "AttributeBar": [{"Label": "Tier",
                                                                                       "Value": "gold"}]}
    assert result.heard() == ["Agent chose Next"]
    # And an agent shown the same view again and again eventually closes it
    assert result.outcome == "ended"


def test_voice_id_without_voiceprints_is_not_enrolled():
    check = flow(act("vid", "CheckVoiceId", {"CheckVoiceIdOption": "voiceAuthentication"},
                     Conditions=when(("Authenticated", "end"), ("NotEnrolled", "enrol")),
                     Errors=errors(("NoMatchingError", "end"))), say("enrol", "Let us enrol your voice"), END)
    assert simulator().run(check, Customer()).heard() == ["Let us enrol your voice"]


# ---- placeholders and unknown things ----

def test_placeholders_are_reported_once_and_kept_as_text():
    templated = flow(say("a", "Welcome to ${BrandName} {{region}}", then="b"), say("b", "${BrandName} <<promo>>"),
                     act("c", "InvokeLambdaFunction", {"LambdaFunctionARN": "${LookupFunction.Arn}"},
                         NextAction="end", Errors=errors(("NoMatchingError", "end"))), END, start="a")
    templated["Actions"][1]["Transitions"]["NextAction"] = "c"
    result = simulator().run(templated, Customer())
    assert result.unresolved == ["${BrandName}", "{{region}}", "<<promo>>", "${LookupFunction.Arn}"]
    assert sum("placeholder" in s.text for s in result.steps) == 4
    assert result.heard() == ["Welcome to ${BrandName} {{region}}", "${BrandName} <<promo>>"]


def test_a_transfer_to_an_unknown_flow_is_reported_by_the_name_the_designer_gave_it():
    arn = f"{INSTANCE}/contact-flow/0d9a1f3e-7777-4000-8000-00000000abcd"
    moved = flow(act("go", "TransferToFlow", {"ContactFlowId": arn}, Errors=errors(("NoMatchingError", "end"))),
                 END, ActionMetadata={"go": {"parameters": {"ContactFlowId": {"displayName": "Billing IVR"}}}})
    result = simulator().run(moved, Customer())
    assert any(s.text.startswith("flow 'Billing IVR' (arn:") for s in result.of("note"))


def test_a_transfer_whose_arn_a_deployment_tool_templated_reaches_the_flow_its_designer_named():
    # Given an export whose flow ARNs are {{...}} templates, and the flow it transfers to beside it
    moved = flow(act("go", "TransferToFlow", {"ContactFlowId": "{{contactFlows.Error.arn}}"},
                     Errors=errors(("NoMatchingError", "end"))),
                 END, ActionMetadata={"go": {"ContactFlow": {"id": "{{contactFlows.Error.arn}}", "text": "Error"}}})
    error_flow = flow(say("sorry", "Sorry, something went wrong"), END, name="Error")
    # When the contact is transferred
    result = simulator(flows={"Error": error_flow}).run(moved, Customer())
    # Then it goes on in that flow, and the template is still reported once
    assert result.heard() == ["Sorry, something went wrong"]
    assert result.unresolved == ["{{contactFlows.Error.arn}}"]


def test_a_queue_of_another_instance_is_reported_by_the_name_its_designer_gave_it():
    other = "arn:aws:connect:us-east-1:111122223333:instance/x/queue/4c826a3b-85d0-4e02-8926-8dea0b1729e8"
    to_queue = flow(act("q", "UpdateContactTargetQueue", {"QueueId": other}, NextAction="go"),
                    act("go", "TransferContactToQueue", Errors=errors(("NoMatchingError", "end"))), END,
                    ActionMetadata={"q": {"queue": {"text": "BasicQueue"}}})
    result = simulator().run(to_queue, Customer())
    assert result.of("queue")[0].text == f"working queue: 'BasicQueue' ({other}), not a queue of this instance"
    assert result.outcome == "queued"
    ours = flow(act("q", "UpdateContactTargetQueue", {"QueueId": BILLING}, NextAction="end"), END)
    assert simulator().run(ours, Customer()).of("queue")[0].text == "working queue: billing"


def test_an_empty_working_queue_is_said_and_takes_the_error_branch():
    empty = flow(act("q", "UpdateContactTargetQueue", {"QueueId": "$.External.queueArn"}, NextAction="end",
                     Errors=errors(("NoMatchingError", "oops"))), say("oops", "No queue"), END)
    result = simulator().run(empty, Customer())
    assert result.heard() == ["No queue"]
    assert [s.text for s in result.of("note")] == [
        "no queue to work with ($.External.queueArn is empty): Error branch"]


def test_parameters_the_simulator_cannot_read_stop_with_not_supported_not_a_traceback():
    odd = flow(act("vid", "TagContact", {"Tags": ["not", "a", "map"]}, NextAction="end"), END)
    with pytest.raises(FlowStop, match=r"action 'vid' \(TagContact\) .*: not supported"):
        simulator().run(odd, Customer())


def test_the_run_as_json_holds_the_steps_and_the_outcome():
    result = simulator().run(flow(say("hi", "Hello"), END), Customer())
    document = json.loads(json.dumps(result.as_json()))
    assert document["outcome"] == "disconnected"
    assert document["steps"][0] == {"kind": "hear", "text": "Hello", "detail": {}}


def test_a_caller_who_keeps_waiting_is_answered_by_an_agent_after_two_minutes():
    # Given queue messages interrupted every 30 s by a reminder, and a caller who waits
    hold = flow(act("hold", "MessageParticipantIteratively", {"Messages": [{"Text": "Please hold"}],
                                                              "InterruptFrequencySeconds": "30"},
                    Conditions=when(("MessagesInterrupted", "reminder")), Errors=errors(("NoMatchingError", "end"))),
                say("reminder", "You are still in the queue", then="hold"), END)
    result = simulator().run(hold, Customer())
    # Then after 120 s of waiting an agent answers
    assert result.heard().count("You are still in the queue") == 3
    assert result.outcome == "connected to an agent"


def test_a_wait_completes_without_the_customer_coming_back():
    wait = flow(act("wait", "Wait", {"TimeLimitSeconds": "900", "Events": ["CustomerReturned"]},
                    Conditions=when(("CustomerReturned", "back"), ("WaitCompleted", "gone")),
                    Errors=errors(("NoMatchingError", "end"))),
                say("back", "Welcome back"), say("gone", "Expired"), END)
    assert simulator().run(wait, Customer()).heard() == ["Expired"]


def test_a_loop_starts_counting_again_once_done():
    twice = flow(act("loop", "Loop", {"LoopCount": "1"}, Conditions=when(("ContinueLooping", "again"),
                                                                         ("DoneLooping", "next"))),
                 say("again", "Again", then="loop"),
                 act("next", "Compare", {"ComparisonValue": "$.Attributes.round"}, Conditions=when(("2", "end")),
                     Errors=errors(("NoMatchingCondition", "mark"))),
                 act("mark", "UpdateContactAttributes", {"Attributes": {"round": "2"}}, NextAction="loop",
                     Errors=errors(("NoMatchingError", "end"))), END)
    assert simulator().run(twice, Customer()).heard() == ["Again", "Again"]


def test_by_default_nobody_waits_and_an_agent_is_available():
    check = flow(act("queue", "UpdateContactTargetQueue", {"QueueId": BILLING}, NextAction="check"),
                 act("check", "CheckMetricData", {"MetricType": "NumberOfAgentsAvailable"},
                     Conditions=when(("0", "open"), operator="NumberGreaterThan"),
                     Errors=errors(("NoMatchingCondition", "closed"), ("NoMatchingError", "end"))),
                 say("open", "An agent is free"), say("closed", "Nobody is free"), END)
    assert simulator().run(check, Customer()).heard() == ["An agent is free"]
    nobody = QueueMetrics.from_options([], ["billing=0"])
    assert simulator(metrics=nobody).run(check, Customer()).heard() == ["Nobody is free"]


def test_profile_and_case_creations_are_reported_not_written():
    directory = FixedDirectory()
    create = flow(act("p", "CreateCustomerProfile", {"ProfileRequestData": {"FirstName": "Ana"},
                                                     "ProfileResponseData": []}, NextAction="c",
                      Errors=errors(("NoMatchingError", "end"))),
                  act("c", "CreateCase", {"CaseTemplateId": "t-1", "CaseRequestFields": {
                      "customer_id": "$.Customer.ProfileARN", "title": "Refund for $.Customer.FirstName"}},
                      NextAction="say", Errors=errors(("NoMatchingError", "end"))),
                  say("say", "Case for $.Customer.FirstName"), END)
    result = simulator(directory=directory).run(create, Customer())
    assert result.heard() == ["Case for Ana"]
    assert [s.text for s in result.of("case")] == ["a case would be opened: 'Refund for Ana' (not written)"]
    assert directory.profiles({"FirstName": "Ana"}) == []


# ---- actions public exports use that arrived later ----

@pytest.mark.parametrize(("draw", "heard"), [(1, "A"), (70, "B"), (100, "rest")])
def test_a_distribution_by_percentage_takes_the_branch_of_the_number_it_draws(draw, heard):
    # Given a 60/30/10 split, written as Connect exports it: a chain of NumberLessThan
    split = flow(act("split", "DistributeByPercentage", {},
                     Conditions=when(("61", "a"), ("91", "b"), operator="NumberLessThan"),
                     Errors=errors(("NoMatchingCondition", "rest"))),
                 say("a", "A"), say("b", "B"), say("rest", "rest"), END)
    # When the simulator draws a number (the same every run)
    result = simulator(draw=draw).run(split, Customer())
    # Then the caller hears the branch that number falls in, and the draw is in the transcript
    assert result.heard() == [heard]
    assert f"draws {draw} of 1..100" in result.transcript()


def test_untagging_removes_the_keys_and_no_keys_take_the_error_branch():
    tags = flow(act("tag", "TagContact", {"Tags": {"journey": "returns", "tier": "gold"}}, NextAction="untag"),
                act("untag", "UnTagContact", {"TagKeys": ["tier"]}, NextAction="end",
                    Errors=errors(("NoMatchingError", "oops"))), say("oops", "nothing to untag"), END)
    assert simulator().run(tags, Customer()).tags == {"journey": "returns"}
    empty = flow(act("untag", "UnTagContact", {"TagKeys": []}, NextAction="end",
                     Errors=errors(("NoMatchingError", "oops"))), say("oops", "nothing to untag"), END)
    assert simulator().run(empty, Customer()).heard() == ["nothing to untag"]


def _secure_input():
    # The agent is held while the customer keys in a card number, then both are together again
    return flow(act("hold", "UpdatePreviousContactParticipantState", {"PreviousContactParticipantState": "AgentOnHold"},
                    NextAction="ask", Errors=errors(("NoMatchingError", "oops"))),
                act("ask", "GetParticipantInput", {"Text": "Your card number", "StoreInput": "True",
                                                   "InputTimeLimitSeconds": "5"},
                    NextAction="back", Errors=errors(("InputTimeLimitExceeded", "back"), ("NoMatchingError", "back"))),
                act("back", "UpdatePreviousContactParticipantState", {"PreviousContactParticipantState": "OffHold"},
                    NextAction="done", Errors=errors(("NoMatchingError", "oops"))),
                say("done", "Thank you, back to your agent", then="end"), say("oops", "Hold failed"), END)


def test_the_agent_is_held_while_the_customer_keys_in_and_a_chat_takes_the_error_branch():
    call = simulator().run(_secure_input(), Customer(inputs=["4111111111111111"]))
    assert call.heard() == ["Your card number", "Thank you, back to your agent"]
    assert [s.text for s in call.of("note")][:1] == ["the agent is put on hold"]
    chat = simulator().run(_secure_input(), Customer(channel="CHAT", inputs=["4111111111111111"]))
    assert chat.heard() == ["Hold failed"]


def test_an_outbound_call_is_placed_then_the_flow_goes_on():
    outbound = flow(act("dial", "CompleteOutboundCall", {"CallerId": {"Number": "+40312345000"}}, NextAction="hi"),
                    say("hi", "This is your pharmacy calling"), END)
    result = simulator().run(outbound, Customer(address="+40712345678", initiation_method="OUTBOUND"))
    assert result.heard() == ["This is your pharmacy calling"]
    assert "calls +40712345678 from +40312345000; the customer answers" in result.transcript()


def test_the_flow_object_a_deployment_pipeline_keeps_loads_with_its_names():
    # Given the ContactFlow object alone (Name, Type, Content as a string), as pipelines store it
    inner = flow(say("hi", "Hello from the pipeline"), END)
    document = {"Name": "acme_main", "Type": "CONTACT_FLOW", "Content": json.dumps(inner)}
    loaded, names = load_flow_document(document)
    # Then it runs like the flow itself and is known by its name
    assert names == ["acme_main"]
    assert simulator().run(loaded, Customer()).heard() == ["Hello from the pipeline"]
    with pytest.raises(FlowStop, match="not supported"):
        load_flow_document({"Name": "broken", "Content": "[1, 2]"})


def test_the_region_of_the_instance_is_read_from_the_system_namespace():
    region = flow(say("where", "Calling from $.AwsRegion"), END)
    assert simulator().run(region, Customer()).heard() == ["Calling from eu-central-1"]


def test_recording_and_analytics_settings_are_reported_and_the_flow_goes_on():
    settings = {"VoiceBehavior": {"VoiceRecordingBehavior": {"RecordedParticipants": ["Agent", "Customer"]}}}
    record = flow(act("rec", "UpdateContactRecordingAndAnalyticsBehavior", settings, NextAction="hi",
                      Errors=errors(("NoMatchingError", "end"))), say("hi", "This call is recorded"), END)
    result = simulator().run(record, Customer())
    assert result.heard() == ["This call is recorded"]
    assert "RecordedParticipants" in result.of("recording")[0].text


# ---- stand-ins for Lambda functions of other applications ----

BALANCE_ARN = "arn:aws:lambda:eu-central-1:123456789012:function:checkBalance"


def balance_ivr(arn=BALANCE_ARN, **metadata):
    """A flow from another project: its own Lambda tells the balance, a Compare routes on it."""
    return flow(
        act("invoke", "InvokeLambdaFunction", {"LambdaFunctionARN": arn, "InvocationTimeLimitSeconds": "3"},
            NextAction="check", Errors=errors(("NoMatchingError", "sorry"))),
        act("check", "Compare", {"ComparisonValue": "$.External.status"},
            Conditions=when(("OK", "balance"), ("BLOCKED", "blocked")), Errors=errors(("NoMatchingCondition", "end"))),
        say("balance", "Your balance is $.External.balance"), say("blocked", "Your account is blocked"),
        say("sorry", "Sorry, we cannot reach your account"), END, **metadata)


def test_a_lambda_of_another_application_answers_through_its_stand_in_and_the_flow_routes_on_it():
    # Given a flow invoking checkBalance, which is not a function of this application
    # When it runs with a stand-in answering OK, then with one answering BLOCKED
    ok = simulator(lambdas={"checkBalance": {"balance": "12.50", "status": "OK"}}).run(balance_ivr(), Customer())
    blocked = simulator(lambdas={"checkBalance": {"status": "BLOCKED"}}).run(balance_ivr(), Customer())
    # Then the Success branch ran and the Compare on $.External.status routed by the answer
    assert ok.heard() == ["Your balance is 12.50"]
    assert blocked.heard() == ["Your account is blocked"]
    # And the transcript says the answer came from a stand-in, and shows it
    assert [(s.text, s.detail["answer"]) for s in ok.of("lambda")] == [
        (f"{BALANCE_ARN!r} is not a function of this application: answered by its stand-in checkBalance",
         {"balance": "12.50", "status": "OK"})]


def test_without_a_stand_in_a_lambda_of_another_application_takes_the_error_branch():
    result = simulator(lambdas={"otherFunction": {"status": "OK"}}).run(balance_ivr(), Customer())
    assert result.heard() == ["Sorry, we cannot reach your account"]
    assert "is not a function of this application: Error branch" in result.of("lambda")[0].text


@pytest.mark.parametrize("arn", [
    "arn:aws:lambda:eu-central-1:123456789012:function:checkBalance:live",
    "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Stage}-checkBalance",
    "{{lambdas.checkBalance.arn}}",
    "${checkBalance.Arn}",
])
def test_a_stand_in_answers_for_the_function_named_at_the_end_of_a_qualified_or_templated_arn(arn):
    result = simulator(lambdas={"checkBalance": {"balance": "3.00", "status": "OK"}}).run(balance_ivr(arn), Customer())
    assert result.heard() == ["Your balance is 3.00"]


def test_a_stand_in_answers_for_a_placeholder_arn_by_the_name_the_designer_gave_the_function():
    # Given an export whose ARN is an opaque placeholder; its metadata keeps the function's name
    ivr = balance_ivr("${BalanceLookupArn}",
                      ActionMetadata={"invoke": {"parameters": {"LambdaFunctionARN": {"displayName": "checkBalance"}}}})
    result = simulator(lambdas={"checkBalance": {"balance": "1.00", "status": "OK"}}).run(ivr, Customer())
    assert result.heard() == ["Your balance is 1.00"]


def test_a_function_of_this_application_runs_for_real_even_with_a_stand_in_of_its_name():
    ours = balance_ivr("arn:aws:lambda:eu-central-1:123456789012:function:contact-center-dev-lookup_customer")
    result = simulator(lambdas={"lookup_customer": {"status": "BLOCKED"}}).run(ours, Customer())
    # The real function answered status OK (no balance key: read as empty)
    assert result.heard() == ["Your balance is "]


@pytest.mark.parametrize(("answer", "why"), [
    ({"balance": {"amount": "12.50"}}, "not a flat map of strings (the values of balance are not strings"),
    ({"balance": 12.5}, "not a flat map of strings"),
    (["OK"], "is a JSON array, not an object of strings"),
])
def test_a_stand_in_that_connect_would_not_take_is_refused_before_the_run(answer, why):
    with pytest.raises(ValueError, match="checkBalance") as refused:
        simulator(lambdas={"checkBalance": answer})
    assert why in str(refused.value)
