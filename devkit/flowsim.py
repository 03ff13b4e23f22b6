"""An offline Amazon Connect: runs flow-language JSON (Version 2019-10-30) for one
simulated contact, against this application's real contact-flow functions.

It interprets the actions our flows use and the common ones of flows exported from
a Connect instance, the way Connect documents them: what the customer hears or
reads, the keys they press or the text they type, each Lambda call (a real handler,
invoked in-process with a ContactFlowEvent built like Connect's, its answer checked
like Connect checks it: flat string map, under 32 KB, within the block's time limit,
or the Error branch), contact attributes, the working queue, opening hours against a
configurable clock, transfers to other flows, voice and recording settings.

An action type it does not know stops the run with a message naming the type and
the action, rather than guessing. Runs are bounded: a flow that loops stops after
MAX_STEPS actions.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

MAX_STEPS = 300
MAX_RESPONSE_BYTES = 32 * 1024
MAX_ATTRIBUTE_BYTES = 32 * 1024
_PATH = re.compile(r"\$\.[A-Za-z]+(?:\.[A-Za-z0-9_-]+)*")
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SSML_TAG = re.compile(r"<[^>]+>")


class FlowStop(Exception):
    """The simulator cannot go on faithfully (an unknown action type, a broken flow)."""


@dataclass
class Customer:
    """Who contacts us, how, and what they will press or type when asked."""

    channel: str = "VOICE"
    address: str | None = "+40712345678"
    address_type: str = "TELEPHONE_NUMBER"
    inputs: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    subtype: str | None = None
    # An e-mail's subject (Connect names an EMAIL contact by it).
    subject: str | None = None
    system_address: str = "+40312345000"
    initiation_method: str = "INBOUND"


@dataclass
class Step:
    kind: str  # hear, input, lambda, attributes, queue, voice, recording, logging, flow, hours, hook, note, end
    text: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallResult:
    steps: list[Step]
    attributes: dict[str, str]
    queue: str | None
    outcome: str  # queued, disconnected, ended
    # Event hooks the flows set ({"CustomerRemaining": <flow>}): what runs next for the contact.
    hooks: dict[str, str] = field(default_factory=dict)
    contact_id: str = ""  # the simulated contact's id, as Connect would have given it

    def heard(self) -> list[str]:
        return [s.text for s in self.steps if s.kind == "hear"]

    def lambda_calls(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "lambda"]

    def transcript(self) -> str:
        return "\n".join(format_step(s) for s in self.steps)


_LABELS = {
    "hear": "hears", "input": "enters", "lambda": "lambda", "attributes": "attributes", "queue": "queue",
    "voice": "voice", "recording": "recording", "logging": "logging", "flow": "flow", "hours": "hours",
    "hook": "hook", "note": "note", "end": "end",
}


def format_step(step: Step) -> str:
    line = f"{_LABELS.get(step.kind, step.kind):>10}  {step.text}"
    if step.kind == "lambda" and "answer" in step.detail:
        line += "\n" + " " * 12 + "answer " + json.dumps(step.detail["answer"], ensure_ascii=False, sort_keys=True)
    return line


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


@dataclass
class Contact:
    """The flow run data of one contact, as flow actions read and change it."""

    customer: Customer
    instance_arn: str
    contact_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attributes: dict[str, str] = field(default_factory=dict)
    external: Any = field(default_factory=dict)
    stored_input: str = ""
    lex: dict[str, str] = field(default_factory=dict)
    target_queue: str | None = None
    language_code: str = "en-US"
    hooks: dict[str, str] = field(default_factory=dict)

    def event(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """A ContactFlowEvent built like the one Connect sends an InvokeLambdaFunction."""
        c = self.customer
        return {"Name": "ContactFlowEvent", "Details": {"Parameters": parameters, "ContactData": {
            "Attributes": dict(self.attributes),
            "AwsRegion": self.instance_arn.split(":")[3] if self.instance_arn.count(":") >= 3 else "",
            "Channel": c.channel,
            "ContactId": self.contact_id,
            "CustomerEndpoint": {"Address": c.address, "Type": c.address_type} if c.address else None,
            "CustomerId": None,
            "Description": None,
            "InitialContactId": self.contact_id,
            "InitiationMethod": c.initiation_method,
            "InstanceARN": self.instance_arn,
            "LanguageCode": self.language_code,
            "MediaStreams": {"Customer": {"Audio": None}} if c.channel == "VOICE" else {},
            "Name": c.subject,
            "PreviousContactId": self.contact_id,
            "Queue": {"ARN": self.target_queue, "Name": self.target_queue.rsplit("/", 1)[-1]}
            if self.target_queue else None,
            "References": {},
            "SegmentAttributes": {"connect:Subtype": {"ValueString": c.subtype}} if c.subtype else {},
            "SystemEndpoint": {"Address": c.system_address, "Type": "TELEPHONE_NUMBER"}
            if c.channel == "VOICE" else None,
        }}}

    def lookup(self, path: str) -> tuple[str, bool]:
        """Value of a JSONPath reference and whether the simulator knows its namespace."""
        parts = path[2:].split(".")
        root, rest = parts[0], parts[1:]
        c = self.customer
        if root == "External":
            return _walk(self.external, rest), True
        if root == "Lex":
            return (self.lex.get(rest[0], "") if rest else ""), True
        if root == "Attributes":
            return (self.attributes.get(rest[0], "") if rest else ""), True
        if root == "CustomerEndpoint":
            values = {"Address": c.address or "", "Type": c.address_type if c.address else ""}
            return (values.get(rest[0], "") if rest else ""), True
        if root == "SystemEndpoint":
            values = {"Address": c.system_address if c.channel == "VOICE" else "", "Type": "TELEPHONE_NUMBER"}
            return (values.get(rest[0], "") if rest else ""), True
        if root == "Queue":
            values = {"ARN": self.target_queue or "", "Name": (self.target_queue or "").rsplit("/", 1)[-1]}
            return (values.get(rest[0], "") if rest else ""), True
        simple = {"Channel": c.channel, "ContactId": self.contact_id, "InitialContactId": self.contact_id,
                  "InstanceARN": self.instance_arn, "InitiationMethod": c.initiation_method,
                  "LanguageCode": self.language_code, "StoredCustomerInput": self.stored_input}
        if root in simple and not rest:
            return simple[root], True
        return "", False


def _walk(value: Any, keys: list[str]) -> str:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def condition_holds(operator: str, value: str, operands: list[Any]) -> bool:
    """Connect's condition operators (flow language Transitions.Conditions)."""
    operand = str(operands[0]) if operands else ""
    if operator == "Equals":
        return value == operand
    if operator == "TextStartsWith":
        return value.startswith(operand)
    if operator == "TextEndsWith":
        return value.endswith(operand)
    if operator == "TextContains":
        return operand in value
    numeric = {"NumberGreaterThan": lambda a, b: a > b, "NumberGreaterOrEqualTo": lambda a, b: a >= b,
               "NumberLessThan": lambda a, b: a < b, "NumberLessOrEqualTo": lambda a, b: a <= b}
    if operator in numeric:
        left, right = _number(value), _number(operand)
        return left is not None and right is not None and numeric[operator](left, right)
    raise FlowStop(f"condition operator {operator!r} is not one the simulator knows")


Outcome = tuple[str | None, str | None]  # (next action id, outcome when the contact leaves the flows)


class Simulator:
    """Runs flows for one contact at a time. `flows` maps every way a TransferToFlow may
    name a flow (ARN, id, name) to its flow-language dict."""

    def __init__(self, *, functions: AppFunctions | None, instance_arn: str,
                 flows: dict[str, dict[str, Any]] | None = None, hours: Hours | None = None,
                 queue_names: dict[str, str] | None = None,
                 full_queues: Iterable[str] = (), max_steps: int = MAX_STEPS) -> None:
        self.functions = functions
        self.instance_arn = instance_arn
        self.flows = flows or {}
        self.hours = hours or Hours(None, {})
        self.queue_names = queue_names or {}
        self.full_queues = set(full_queues)
        self.max_steps = max_steps

    # ---- running ----

    def run(self, flow: dict[str, Any], customer: Customer, contact_id: str | None = None) -> CallResult:
        """Run `flow` for one contact (a new contact id unless `contact_id` names one)."""
        contact = Contact(customer=customer, instance_arn=self.instance_arn, attributes=dict(customer.attributes))
        if contact_id:
            contact.contact_id = contact_id
        steps: list[Step] = []
        inputs = list(customer.inputs)
        actions = _index(flow)
        current = flow.get("StartAction")
        outcome = "ended"
        trail: list[str] = []
        for _ in range(self.max_steps):
            if current is None:
                break
            action = actions.get(current)
            if action is None:
                raise FlowStop(f"transition to action {current!r}, which the flow does not contain")
            trail.append(current)
            handler = self._handlers().get(action.get("Type", ""))
            if handler is None:
                raise FlowStop(f"action {action.get('Identifier')!r} has type {action.get('Type')!r}, which the "
                               f"simulator does not support (it supports: {', '.join(sorted(self._handlers()))})")
            next_id, finished = handler(action, contact, steps, inputs)
            if isinstance(next_id, dict):  # TransferToFlow: continue in another flow
                flow, next_id = next_id, next_id.get("StartAction")
                actions = _index(flow)
            if finished:
                outcome = finished
                break
            current = next_id
        else:
            raise FlowStop(f"the flow ran {self.max_steps} actions without ending: it loops "
                           f"(last actions: {' -> '.join(trail[-8:])})")
        if inputs:
            steps.append(Step("note", f"never asked for: {', '.join(inputs)}"))
        return CallResult(steps=steps, attributes=dict(contact.attributes),
                          queue=self._queue_name(contact.target_queue) if outcome == "queued" else None,
                          outcome=outcome, hooks=dict(contact.hooks), contact_id=contact.contact_id)

    def _handlers(self) -> dict[str, Callable[..., Any]]:
        return {
            "MessageParticipant": self._message,
            "GetParticipantInput": self._input,
            "ConnectParticipantWithLexBot": self._lex,
            "InvokeLambdaFunction": self._invoke,
            "UpdateContactAttributes": self._attributes,
            "Compare": self._compare,
            "UpdateContactTargetQueue": self._set_queue,
            "TransferContactToQueue": self._transfer_to_queue,
            "CheckHoursOfOperation": self._hours,
            "TransferToFlow": self._transfer_to_flow,
            "UpdateContactTextToSpeechVoice": self._voice,
            "UpdateContactRecordingBehavior": self._recording,
            "UpdateFlowLoggingBehavior": self._logging,
            "UpdateContactData": self._contact_data,
            "UpdateContactEventHooks": self._event_hooks,
            "DisconnectParticipant": self._disconnect,
            "EndFlowExecution": self._end_flow,
        }

    # ---- values ----

    def _value(self, contact: Contact, raw: Any, steps: list[Step]) -> str:
        """A parameter value: static, a single JSONPath, or text with JSONPath references in it."""
        if not isinstance(raw, str):
            return "" if raw is None else str(raw)

        def substitute(match: re.Match[str]) -> str:
            value, known = contact.lookup(match.group(0))
            if not known:
                steps.append(Step("note", f"{match.group(0)} is not a namespace the simulator knows: read as empty"))
            return value

        return _PATH.sub(substitute, raw)

    def _queue_name(self, arn: str | None) -> str | None:
        if arn is None:
            return None
        return self.queue_names.get(arn, arn.rsplit("/", 1)[-1])

    # ---- transitions ----

    @staticmethod
    def _next(action: dict[str, Any]) -> str | None:
        return (action.get("Transitions") or {}).get("NextAction")

    @staticmethod
    def _error(action: dict[str, Any], error_type: str) -> str:
        errors = (action.get("Transitions") or {}).get("Errors") or []
        for wanted in (error_type, "NoMatchingError"):
            for error in errors:
                if error.get("ErrorType") == wanted:
                    return error["NextAction"]
        raise FlowStop(f"action {action.get('Identifier')!r} ({action.get('Type')}) failed with {error_type} "
                       "and has no Errors branch for it")

    def _match(self, action: dict[str, Any], value: str) -> str:
        for branch in (action.get("Transitions") or {}).get("Conditions") or []:
            condition = branch.get("Condition") or {}
            if condition_holds(condition.get("Operator", ""), value, condition.get("Operands") or []):
                return branch["NextAction"]
        return self._error(action, "NoMatchingCondition")

    # ---- actions ----

    def _prompt(self, contact: Contact, parameters: dict[str, Any], steps: list[Step]) -> None:
        if "Text" in parameters:
            text = self._value(contact, parameters["Text"], steps)
        elif "SSML" in parameters:
            text = _SSML_TAG.sub("", self._value(contact, parameters["SSML"], steps)).strip()
        elif "PromptId" in parameters:
            text = f"[recorded prompt {parameters['PromptId']}]"
        else:
            return
        steps.append(Step("hear", text))

    def _message(self, action, contact, steps, inputs) -> Outcome:
        self._prompt(contact, action.get("Parameters") or {}, steps)
        return self._next(action), None

    def _input(self, action, contact, steps, inputs) -> Outcome:
        parameters = action.get("Parameters") or {}
        if "LexV2Bot" in parameters or "LexBot" in parameters:
            raise FlowStop(f"action {action.get('Identifier')!r} talks to an Amazon Lex bot, which the simulator "
                           "does not run")
        self._prompt(contact, parameters, steps)
        limit = parameters.get("InputTimeLimitSeconds") or parameters.get("InputTimeoutSeconds") or "5"
        if not inputs:
            steps.append(Step("input", f"(nothing within {limit} s)"))
            return self._error(action, "InputTimeLimitExceeded"), None
        entered = inputs.pop(0)
        steps.append(Step("input", entered))
        if str(parameters.get("StoreInput", "False")).lower() == "true":
            contact.stored_input = entered
            return self._next(action), None
        return self._match(action, entered), None

    def _lex(self, action, contact, steps, inputs) -> Outcome:
        """An Amazon Lex V2 bot whose only intent is its fallback: it turns what the
        customer says into `$.Lex.InputTranscript`. The simulator runs no bot: the
        customer's next typed input stands in for the transcript."""
        parameters = action.get("Parameters") or {}
        if not (parameters.get("LexV2Bot") or {}).get("AliasArn"):
            raise FlowStop(f"action {action.get('Identifier')!r} names no Lex V2 bot alias")
        self._prompt(contact, parameters, steps)
        contact.lex = {}
        if not inputs:
            steps.append(Step("input", "(said nothing)"))
            return self._error(action, "NoMatchingError"), None
        entered = inputs.pop(0)
        contact.lex = {"InputTranscript": entered, "IntentName": "FallbackIntent"}
        steps.append(Step("input", entered, {"lex": True}))
        if (action.get("Transitions") or {}).get("Conditions"):
            return self._match(action, "FallbackIntent"), None
        return self._next(action), None

    def _invoke(self, action, contact, steps, inputs) -> Outcome:
        parameters = action.get("Parameters") or {}
        arn = self._value(contact, parameters.get("LambdaFunctionARN", ""), steps)
        limit = int(parameters.get("InvocationTimeLimitSeconds", 3))
        validation = (parameters.get("ResponseValidation") or {}).get("ResponseType", "STRING_MAP")
        given = parameters.get("LambdaInvocationAttributes") or {}
        payload = {k: self._value(contact, v, steps) for k, v in given.items()}
        name = self.functions.resolve(arn) if self.functions else None
        contact.external = {}
        if name is None:
            steps.append(Step("lambda", f"{arn} is not a function of this application: Error branch"))
            return self._error(action, "NoMatchingError"), None
        started = time.monotonic()
        try:
            answer = self.functions.invoke(name, contact.event(payload))
        except Exception as e:  # Connect sees a failed invocation, whatever the cause
            steps.append(Step("lambda", f"{name} raised {type(e).__name__}: Error branch"))
            return self._error(action, "NoMatchingError"), None
        elapsed = time.monotonic() - started
        problem = _response_problem(answer, validation)
        if elapsed > limit:
            problem = f"no answer within the block's {limit} s (took {elapsed:.1f} s)"
        detail = {"function": name, "parameters": payload, "answer": answer, "elapsed_ms": int(elapsed * 1000)}
        if problem:
            steps.append(Step("lambda", f"{name} in {int(elapsed * 1000)} ms: {problem}: Error branch", detail))
            return self._error(action, "NoMatchingError"), None
        contact.external = answer
        steps.append(Step("lambda", f"{name} answered in {int(elapsed * 1000)} ms", detail))
        return self._next(action), None

    def _attributes(self, action, contact, steps, inputs) -> Outcome:
        parameters = action.get("Parameters") or {}
        values = {k: self._value(contact, v, steps) for k, v in (parameters.get("Attributes") or {}).items()}
        bad = [k for k in values if not _KEY.match(k)]
        merged = {**contact.attributes, **values}
        if bad or len(json.dumps(merged, ensure_ascii=False).encode("utf-8")) > MAX_ATTRIBUTE_BYTES:
            steps.append(Step("note", f"attributes rejected ({'bad keys ' + ', '.join(bad) if bad else 'over 32 KB'})"))
            return self._error(action, "NoMatchingError"), None
        contact.attributes = merged
        steps.append(Step("attributes", ", ".join(f"{k}={v}" for k, v in values.items()), {"set": values}))
        return self._next(action), None

    def _compare(self, action, contact, steps, inputs) -> Outcome:
        value = self._value(contact, (action.get("Parameters") or {}).get("ComparisonValue", ""), steps)
        return self._match(action, value), None

    def _set_queue(self, action, contact, steps, inputs) -> Outcome:
        parameters = action.get("Parameters") or {}
        queue = self._value(contact, parameters.get("QueueId") or parameters.get("AgentId") or "", steps)
        if not queue:
            return self._error(action, "NoMatchingError"), None
        contact.target_queue = queue
        steps.append(Step("queue", f"working queue: {self._queue_name(queue)}", {"arn": queue}))
        return self._next(action), None

    def _transfer_to_queue(self, action, contact, steps, inputs) -> Outcome:
        if not contact.target_queue:
            steps.append(Step("note", "no working queue set"))
            return self._error(action, "NoMatchingError"), None
        name = self._queue_name(contact.target_queue)
        if contact.target_queue in self.full_queues or name in self.full_queues:
            steps.append(Step("queue", f"{name} is at capacity"))
            return self._error(action, "QueueAtCapacity"), None
        steps.append(Step("end", f"queued in {name}, waiting for an agent"))
        return None, "queued"

    def _hours(self, action, contact, steps, inputs) -> Outcome:
        hours_id = (action.get("Parameters") or {}).get("HoursOfOperationId")
        queue = contact.target_queue
        if not hours_id and not queue:
            steps.append(Step("note", "no hours of operation and no working queue"))
            return self._error(action, "NoMatchingError"), None
        is_open = self.hours.is_open(hours_id or queue)
        when = self.hours.at.strftime("%a %Y-%m-%d %H:%M %Z")
        if is_open is None:
            steps.append(Step("hours", f"hours of {self._queue_name(hours_id or queue)} unknown here: treated as open"))
            is_open = True
        else:
            steps.append(Step("hours", f"{hours_id or self._queue_name(queue)} "
                                       f"{'open' if is_open else 'closed'} at {when}"))
        return self._match(action, "True" if is_open else "False"), None

    def _transfer_to_flow(self, action, contact, steps, inputs) -> Outcome:
        target = self._value(contact, (action.get("Parameters") or {}).get("ContactFlowId", ""), steps)
        flow = self.flows.get(target)
        if flow is None:
            steps.append(Step("note", f"flow {target} is not loaded in the simulator: Error branch"))
            return self._error(action, "NoMatchingError"), None
        steps.append(Step("flow", f"transfer to flow {(flow.get('Metadata') or {}).get('name', target)}"))
        return flow, None  # type: ignore[return-value]

    def _voice(self, action, contact, steps, inputs) -> Outcome:
        parameters = action.get("Parameters") or {}
        voice = parameters.get("TextToSpeechVoice") or parameters.get("Voice") or "?"
        engine = parameters.get("TextToSpeechEngine")
        steps.append(Step("voice", f"{voice}{' (' + engine + ')' if engine else ''}", dict(parameters)))
        return self._next(action), None

    def _recording(self, action, contact, steps, inputs) -> Outcome:
        behavior = (action.get("Parameters") or {}).get("RecordingBehavior") or {}
        who = behavior.get("RecordedParticipants") or []
        steps.append(Step("recording", f"records {', '.join(who) if who else 'nobody'}", dict(behavior)))
        return self._next(action), None

    def _logging(self, action, contact, steps, inputs) -> Outcome:
        steps.append(Step("logging", str((action.get("Parameters") or {}).get("FlowLoggingBehavior", ""))))
        return self._next(action), None

    def _contact_data(self, action, contact, steps, inputs) -> Outcome:
        parameters = action.get("Parameters") or {}
        if parameters.get("LanguageCode"):
            contact.language_code = self._value(contact, parameters["LanguageCode"], steps)
        steps.append(Step("note", "contact data: " + json.dumps(parameters, ensure_ascii=False)))
        return self._next(action), None

    def _event_hooks(self, action, contact, steps, inputs) -> Outcome:
        hooks = (action.get("Parameters") or {}).get("EventHooks") or {}
        if len(hooks) != 1:
            steps.append(Step("note", "UpdateContactEventHooks sets exactly one hook"))
            return self._error(action, "NoMatchingError"), None
        for event, target in hooks.items():
            flow = self.flows.get(self._value(contact, target, steps))
            name = (flow or {}).get("Metadata", {}).get("name", target)
            contact.hooks[event] = name
            steps.append(Step("hook", f"{event}: {name}", {"event": event, "flow": target}))
        return self._next(action), None

    def _disconnect(self, action, contact, steps, inputs) -> Outcome:
        steps.append(Step("end", "disconnected"))
        return None, "disconnected"

    def _end_flow(self, action, contact, steps, inputs) -> Outcome:
        steps.append(Step("end", "flow ended"))
        return None, "ended"


def _index(flow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if flow.get("Version") != "2019-10-30" or not isinstance(flow.get("Actions"), list):
        raise FlowStop("not a Connect flow-language document (Version 2019-10-30 with Actions)")
    return {a.get("Identifier"): a for a in flow["Actions"]}


def _response_problem(answer: Any, validation: str) -> str:
    """Why Connect would reject this Lambda answer, or '' if it takes it."""
    if not isinstance(answer, dict):
        return f"answer is {type(answer).__name__}, not an object"
    if len(json.dumps(answer, ensure_ascii=False).encode("utf-8")) >= MAX_RESPONSE_BYTES:
        return "answer is 32 KB or more"
    if validation == "STRING_MAP":
        nested = [k for k, v in answer.items() if not isinstance(v, str)]
        if nested:
            return f"not a flat string map (values of {', '.join(nested[:5])} are not strings)"
    return ""
