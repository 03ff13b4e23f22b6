"""An offline Amazon Connect: runs flow-language JSON (Version 2019-10-30) for one
simulated contact, against this application's real contact-flow functions.

It interprets the actions of the flow language the way Connect's reference documents
them (each action's parameters, its Conditions and Errors branches): what the customer
hears or reads, the keys they press or the words they say, each Lambda call (a real
handler, invoked in-process with a ContactFlowEvent built like Connect's, its answer
checked like Connect checks it: flat string map, under 32 KB, within the block's time
limit, or the Error branch), contact and flow attributes, loops, flow modules and
their results, the working queue and what waiting in it sounds like, opening hours
against a configurable clock, queue metrics, callbacks, tags, tasks, an Amazon Lex
bot, Customer Profiles and Cases reads, views shown to the agent, transfers.

The world around the flow is simulated deterministically (devkit.flowworld): a caller
with nothing more to press or say is asked once more through the flow's timeout
branch, then hangs up; a caller waiting in queue keeps waiting until an agent answers.

An action type it does not know stops the run with a FlowStop naming the type and the
action and saying "not supported", rather than guessing. Runs are bounded: a flow that
loops on its own stops after `max_steps` actions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from devkit.flowactions import Actions
from devkit.flowrun import (  # noqa: F401 (the simulator's public names, in one place)
    CallResult,
    Contact,
    Customer,
    EnterModule,
    FlowStop,
    Frame,
    LeaveModule,
    Next,
    Outcome,
    Step,
    Transfer,
    condition_holds,
    flow_name,
    format_step,
    pairs,
)
from devkit.flowworld import Directory, LambdaStandIns, LexStandIn, QueueMetrics

MAX_STEPS = 300
AGENT_ANSWERS_AFTER_S = 120


class Hours:
    """Opening hours of the simulated queues, against a clock the caller chooses."""

    def __init__(self, config: dict[str, Any] | None, queue_arns: dict[str, str], at: datetime | None = None) -> None:
        self._config = config or {}
        self._queue_keys = {arn: key for key, arn in queue_arns.items()}
        zone = ZoneInfo(self._config.get("time_zone", "UTC"))
        # A clock without a zone is read in the hours' own zone, as a supervisor would.
        at = at or datetime.now(zone)
        self.at = at.replace(tzinfo=zone) if at.tzinfo is None else at.astimezone(zone)

    def is_open(self, queue_arn: str) -> bool | None:
        """True or False for a queue we know the hours of, None otherwise."""
        key = self._queue_keys.get(queue_arn)
        if key is None or not self._config:
            return None
        if key in self._config.get("always_open", []):
            return True
        weekday = self.at.weekday()
        window = (self._config.get("weekdays") if weekday < 5
                  else self._config.get("saturday") if weekday == 5 else self._config.get("sunday"))
        if not window:
            return False
        now = self.at.strftime("%H:%M")
        return window[0] <= now < window[1]


class AppFunctions:
    """This application's Lambda functions, invoked in-process as Connect would invoke them."""

    def __init__(self, invoke: Callable[[str, dict[str, Any]], Any], names: Iterable[str], app_name: str) -> None:
        self._invoke = invoke
        self.names = set(names)
        self._prefix = re.compile(rf"^{re.escape(app_name)}-[A-Za-z0-9]+-")

    @classmethod
    def from_client(cls, client: Any, app: Any) -> AppFunctions:
        return cls(lambda name, event: client.lambda_.invoke(name, event).payload,
                   [f.name for f in app.pure_lambda_functions], app.app_name)

    def resolve(self, arn: str) -> str | None:
        """The function of this app a LambdaFunctionARN names, or None."""
        name = arn.split(":function:", 1)[-1].split(":", 1)[0] if ":function:" in arn else arn
        if name in self.names:
            return name
        short = self._prefix.sub("", name)
        return short if short in self.names else None

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        return self._invoke(name, event)


class Library:
    """Flows and flow modules the simulator can reach by any name Connect would use: ARN,
    id, name (an exported flow's Metadata.name, or its file name without .json)."""

    def __init__(self) -> None:
        self._by_key: dict[str, dict[str, Any]] = {}

    def add(self, flow: dict[str, Any], *keys: str | None) -> None:
        for key in (*keys, (flow.get("Metadata") or {}).get("name")):
            if key:
                self._by_key.setdefault(key, flow)
                self._by_key.setdefault(key.rsplit("/", 1)[-1], flow)

    def get(self, *keys: str | None) -> dict[str, Any] | None:
        for key in keys:
            if not key:
                continue
            for candidate in (key, key.rsplit("/", 1)[-1], key.split(":$")[0].rsplit("/", 1)[-1]):
                if candidate in self._by_key:
                    return self._by_key[candidate]
        return None

    def flows(self) -> list[dict[str, Any]]:
        """Each flow and module once."""
        unique = {id(flow): flow for flow in self._by_key.values()}
        return list(unique.values())

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return len(self._by_key)


class Simulator(Actions):
    """Runs flows for one contact at a time. `flows` maps every way a TransferToFlow may
    name a flow (ARN, id, name) to its flow-language dict; `modules` the same for flow
    modules (InvokeFlowModule); `lambdas` maps the name of a Lambda function that is not
    this application's to the flat string map it answers (LambdaStandIns)."""

    def __init__(self, *, functions: AppFunctions | None, instance_arn: str,
                 flows: dict[str, dict[str, Any]] | Library | None = None, hours: Hours | None = None,
                 queue_names: dict[str, str] | None = None,
                 full_queues: Iterable[str] = (), max_steps: int = MAX_STEPS,
                 modules: Library | None = None, metrics: QueueMetrics | None = None,
                 lex: LexStandIn | None = None, directory: Directory | None = None,
                 connect: Any = None, agent_answers_after_s: int = AGENT_ANSWERS_AFTER_S,
                 draw: int = 1, lambdas: LambdaStandIns | Mapping[str, Any] | None = None) -> None:
        self.functions = functions
        self.instance_arn = instance_arn
        if isinstance(flows, Library):
            self.flows = flows
        else:
            self.flows = Library()
            for key, flow in (flows or {}).items():
                self.flows.add(flow, key)
        self.modules = modules or Library()
        self.hours = hours or Hours(None, {})
        self.queue_names = queue_names or {}
        self.full_queues = set(full_queues)
        self.max_steps = max_steps
        self.metrics = metrics or QueueMetrics()
        self.lex = lex or LexStandIn()
        self.directory = directory or Directory()
        self.connect = connect  # a boto3 Connect client for CreateTask (the recorder, a Stubber)
        self.agent_answers_after_s = agent_answers_after_s
        self.draw = draw  # what DistributeByPercentage draws (1..100): repeatable runs, not chance
        # Functions of other applications: NAME -> the flat string map it answers (ValueError if not one).
        self.lambdas = lambdas if isinstance(lambdas, LambdaStandIns) else LambdaStandIns(dict(lambdas or {}))

    # ---- running ----

    def run(self, flow: dict[str, Any], customer: Customer, contact_id: str | None = None) -> CallResult:
        """Run `flow` for one contact (a new contact id unless `contact_id` names one).
        Raises FlowStop, with a sentence saying why, when it cannot go on faithfully."""
        contact = Contact(customer=customer, instance_arn=self.instance_arn, attributes=dict(customer.attributes))
        if contact_id:
            contact.contact_id = contact_id
        contact.in_queue = (flow.get("Metadata") or {}).get("type") == "customerQueue"
        contact.target_queue = customer.queue or (f"{self.instance_arn}/queue/current" if contact.in_queue else None)
        steps: list[Step] = []
        inputs = list(customer.inputs)
        said = list(customer.said)
        contact.frames.append(Frame(flow, _index(flow), flow_name(flow, "flow")))
        current = flow.get("StartAction")
        outcome = "ended"
        trail: list[str] = []
        for _ in range(self.max_steps):
            if current is None:
                frame = contact.frame
                if not frame.is_module:
                    break
                current = self._leave_module(contact, steps, {})
                continue
            action = contact.frame.actions.get(current)
            if action is None:
                raise FlowStop(f"transition to action {current!r}, which {contact.frame.name} does not contain")
            trail.append(current)
            kind = action.get("Type", "")
            handler = self._handlers().get(kind)
            if handler is None:
                raise FlowStop(f"action {action.get('Identifier')!r} has type {kind!r}: not supported by "
                               f"the simulator (it supports: {', '.join(sorted(self._handlers()))})")
            try:
                next_id, finished = handler(action, contact, steps, (inputs, said))
            except FlowStop:
                raise
            except Exception as e:  # a shape the simulator does not expect: say so, never a traceback
                raise FlowStop(f"action {action.get('Identifier')!r} ({kind}) has parameters the simulator "
                               f"cannot read ({type(e).__name__}: {e}): not supported") from None
            if finished:
                outcome = finished
                break
            current = self._follow(next_id, contact, steps)
        else:
            raise FlowStop(f"the flow ran {self.max_steps} actions without ending: it loops "
                           f"(last actions: {' -> '.join(trail[-8:])})")
        left = inputs + said
        if left:
            steps.append(Step("note", f"never asked for: {', '.join(left)}"))
        return CallResult(steps=steps, attributes=dict(contact.attributes),
                          queue=self._queue_name(contact.target_queue) if outcome == "queued" else None,
                          outcome=outcome, hooks=dict(contact.hooks), contact_id=contact.contact_id,
                          callbacks=contact.callbacks, tags=dict(contact.tags), tasks=contact.tasks,
                          routing=dict(contact.routing), unresolved=list(contact.unresolved))

    def _follow(self, next_id: Next, contact: Contact, steps: list[Step]) -> str | None:
        if isinstance(next_id, Transfer):
            # TransferToFlow: the contact goes on in another flow, with fresh flow attributes.
            contact.frames[-1] = Frame(next_id.flow, _index(next_id.flow), next_id.name)
            return next_id.flow.get("StartAction")
        if isinstance(next_id, EnterModule):
            contact.frames.append(Frame(next_id.module, _index(next_id.module), next_id.name,
                                        module_inputs=next_id.inputs, return_to=next_id.return_to,
                                        is_module=True))
            return next_id.module.get("StartAction")
        if isinstance(next_id, LeaveModule):
            if not contact.frame.is_module:
                return None
            return self._leave_module(contact, steps, next_id.results)
        return next_id

    @staticmethod
    def _leave_module(contact: Contact, steps: list[Step], results: dict[str, str]) -> str | None:
        frame = contact.frames.pop()
        contact.module_results = dict(results)
        steps.append(Step("module", f"back from {frame.name}" + (f" with {pairs(results)}" if results else ""),
                          {"results": results}))
        return frame.return_to

    def _handlers(self) -> dict[str, Callable[..., Outcome]]:
        return {
            "MessageParticipant": self._message,
            "MessageParticipantIteratively": self._message_iteratively,
            "GetParticipantInput": self._input,
            "ConnectParticipantWithLexBot": self._lex_bot,
            "InvokeLambdaFunction": self._invoke,
            "UpdateContactAttributes": self._attributes,
            "UpdateFlowAttributes": self._flow_attributes,
            "Compare": self._compare,
            "DistributeByPercentage": self._distribute,
            "Loop": self._loop,
            "UpdateContactTargetQueue": self._set_queue,
            "TransferContactToQueue": self._transfer_to_queue,
            "DequeueContactAndTransferToQueue": self._dequeue_to_queue,
            "TransferContactToAgent": self._transfer_to_agent,
            "TransferParticipantToThirdParty": self._third_party,
            "CheckHoursOfOperation": self._hours,
            "CheckMetricData": self._check_metric,
            "GetMetricData": self._get_metrics,
            "TransferToFlow": self._transfer_to_flow,
            "InvokeFlowModule": self._invoke_module,
            "EndFlowModuleExecution": self._end_module,
            "UpdateContactTextToSpeechVoice": self._voice,
            "UpdateContactRecordingBehavior": self._recording,
            "UpdateContactRecordingAndAnalyticsBehavior": self._recording_and_analytics,
            "UpdatePreviousContactParticipantState": self._previous_participant,
            "CompleteOutboundCall": self._complete_outbound_call,
            "UpdateContactMediaStreamingBehavior": self._media_streaming,
            "UpdateFlowLoggingBehavior": self._logging,
            "UpdateContactData": self._contact_data,
            "UpdateContactEventHooks": self._event_hooks,
            "UpdateContactRoutingBehavior": self._routing_behavior,
            "UpdateContactRoutingCriteria": self._routing_criteria,
            "UpdateContactCallbackNumber": self._callback_number,
            "CreateCallbackContact": self._create_callback,
            "TagContact": self._tag,
            "UnTagContact": self._untag,
            "CreateTask": self._create_task,
            "GetCustomerProfile": self._get_profile,
            "CreateCustomerProfile": self._create_profile,
            "GetCase": self._get_case,
            "CreateCase": self._create_case,
            "ShowView": self._show_view,
            "CheckVoiceId": self._check_voice_id,
            "StartVoiceIdStream": self._start_voice_id,
            "Wait": self._wait,
            "DisconnectParticipant": self._disconnect,
            "EndFlowExecution": self._end_flow,
        }


def _index(flow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if flow.get("Version") != "2019-10-30" or not isinstance(flow.get("Actions"), list):
        raise FlowStop("not a Connect flow-language document (Version 2019-10-30 with Actions): not supported")
    return {a.get("Identifier"): a for a in flow["Actions"] if isinstance(a, dict)}


def load_flow_document(document: Any) -> tuple[dict[str, Any], list[str]]:
    """A flow-language dict and the names it is known by, from what people save: the flow
    itself, DescribeContactFlow / DescribeContactFlowModule output, or the ContactFlow /
    ContactFlowModule object alone (Content as a string)."""
    names: list[str] = []
    if isinstance(document, dict):
        for wrapper in ("ContactFlow", "ContactFlowModule"):
            inner = document.get(wrapper)
            if isinstance(inner, dict) and "Content" in inner:
                names = [str(inner.get(k)) for k in ("Arn", "Id", "Name") if inner.get(k)]
                content = inner["Content"]
                flow = json.loads(content) if isinstance(content, str) else content
                if inner.get("Settings"):
                    flow = {**flow, "Settings": inner["Settings"]}
                return flow, names
        if "Content" in document and "Actions" not in document:
            # The ContactFlow / ContactFlowModule object on its own, as deployment tools
            # keep it (Name, Type, Content as a string).
            names = [str(document.get(k)) for k in ("Arn", "Id", "Name") if document.get(k)]
            content = document["Content"]
            flow = json.loads(content) if isinstance(content, str) else content
            if not isinstance(flow, dict):
                raise FlowStop("its Content is not a flow-language document: not supported")
            if document.get("Settings"):
                flow = {**flow, "Settings": document["Settings"]}
            return flow, names
    if not isinstance(document, dict):
        raise FlowStop("not a Connect flow-language document (a JSON object): not supported")
    return document, names
