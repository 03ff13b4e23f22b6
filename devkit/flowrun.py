"""The run data of one simulated contact: who calls, what happens (steps), the contact
as flow actions read and change it (attributes, flow attributes, modules, Lex, profile,
case, metrics, views), and the result of the run."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

# Left in flows by deployment tools: CloudFormation Fn::Sub, mustache-style templates,
# and <<...>> markers of hand-edited exports.
PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\{\{.*?\}\}|<<.*?>>")


class FlowStop(Exception):
    """The simulator cannot go on faithfully (an action type it does not support, a
    broken flow, a flow that loops on its own)."""


@dataclass
class Customer:
    """Who contacts us, how, and what they will press, type or say when asked."""

    channel: str = "VOICE"
    address: str | None = "+40712345678"
    address_type: str = "TELEPHONE_NUMBER"
    # What they key in when asked; a callable is asked at that moment (a code just sent to their phone).
    inputs: list[Any] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    subtype: str | None = None
    # An e-mail's subject (Connect names an EMAIL contact by it).
    subject: str | None = None
    system_address: str = "+40312345000"
    initiation_method: str = "INBOUND"
    # Words said to a bot or typed at an open question (--say), before any --press.
    said: list[str] = field(default_factory=list)
    # The queue the contact already waits in, for queue flows (ARN or name).
    queue: str | None = None


@dataclass
class Step:
    # hear, input, lambda, attributes, queue, voice, recording, logging, flow, hours, hook,
    # module, loop, metrics, callback, routing, tags, task, lex, profile, case, view, note, end
    kind: str
    text: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallResult:
    steps: list[Step]
    attributes: dict[str, str]
    queue: str | None
    outcome: str  # queued, disconnected, ended, customer hung up, connected to an agent, transferred
    # Event hooks the flows set ({"CustomerRemaining": <flow>}): what runs next for the contact.
    hooks: dict[str, str] = field(default_factory=dict)
    contact_id: str = ""  # the simulated contact's id, as Connect would have given it
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    routing: dict[str, Any] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)  # placeholders left by deployment tools

    def heard(self) -> list[str]:
        return [s.text for s in self.steps if s.kind == "hear"]

    def lambda_calls(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "lambda"]

    def of(self, kind: str) -> list[Step]:
        return [s for s in self.steps if s.kind == kind]

    def transcript(self) -> str:
        return "\n".join(format_step(s) for s in self.steps)

    def as_json(self) -> dict[str, Any]:
        """The run for other tools: every step, the outcome and what it left behind."""
        return json.loads(json.dumps(asdict(self), default=str))


_LABELS = {
    "hear": "hears", "input": "enters", "lambda": "lambda", "attributes": "attributes", "queue": "queue",
    "voice": "voice", "recording": "recording", "logging": "logging", "flow": "flow", "hours": "hours",
    "hook": "hook", "note": "note", "end": "end", "module": "module", "loop": "loop", "metrics": "metrics",
    "callback": "callback", "routing": "routing", "tags": "tags", "task": "task", "lex": "lex bot",
    "profile": "profile", "case": "case", "view": "agent sees", "say": "says",
}


def format_step(step: Step) -> str:
    line = f"{_LABELS.get(step.kind, step.kind):>10}  {step.text}"
    if step.kind == "lambda" and "answer" in step.detail:
        line += "\n" + " " * 12 + "answer " + json.dumps(step.detail["answer"], ensure_ascii=False, sort_keys=True)
    if step.kind == "view" and step.detail.get("data"):
        line += "\n" + " " * 12 + "data " + json.dumps(step.detail["data"], ensure_ascii=False, sort_keys=True)
    return line


@dataclass
class Frame:
    """One running flow or flow module: its actions, its flow attributes, its loops."""

    flow: dict[str, Any]
    actions: dict[str, dict[str, Any]]
    name: str
    flow_attributes: dict[str, str] = field(default_factory=dict)
    loops: dict[str, int] = field(default_factory=dict)
    module_inputs: dict[str, str] = field(default_factory=dict)
    return_to: str | None = None  # in a module: where the invoking flow goes on
    is_module: bool = False


@dataclass
class Contact:
    """The flow run data of one contact, as flow actions read and change it."""

    customer: Customer
    instance_arn: str
    contact_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attributes: dict[str, str] = field(default_factory=dict)
    external: Any = field(default_factory=dict)
    stored_input: str = ""
    target_queue: str | None = None
    language_code: str = "en-US"
    hooks: dict[str, str] = field(default_factory=dict)
    frames: list[Frame] = field(default_factory=list)
    module_results: dict[str, str] = field(default_factory=dict)
    lex: dict[str, Any] = field(default_factory=dict)
    customer_profile: dict[str, str] = field(default_factory=dict)
    case: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict)
    callback_number: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    routing: dict[str, Any] = field(default_factory=dict)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    views_shown: dict[str, int] = field(default_factory=dict)
    silent_at: set[str] = field(default_factory=set)  # prompts met with nothing to press or say
    waited_s: int = 0  # seconds spent hearing queue messages
    in_queue: bool = False

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

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
        nested = {"External": self.external, "FlowAttributes": self.frame.flow_attributes if self.frames else {},
                  "Lex": self.lex, "Customer": self.customer_profile, "Case": self.case,
                  "Metrics": self.metrics, "Views": self.views, "Tags": self.tags}
        if root in nested:
            return walk(nested[root], rest), True
        if root == "Modules":
            if rest[:1] == ["Input"]:
                return walk(self.frame.module_inputs if self.frames else {}, rest[1:]), True
            if rest[:1] == ["Result"]:
                return walk(self.module_results, rest[1:]), True
            return walk(self.module_results, rest), True
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
                  "LanguageCode": self.language_code, "StoredCustomerInput": self.stored_input,
                  "CallbackNumber": self.callback_number or (c.address or ""),
                  "CustomerId": self.customer_profile.get("ProfileId", ""),
                  "AwsRegion": self.instance_arn.split(":")[3] if self.instance_arn.count(":") >= 3 else "",
                  "PreviousContactId": self.contact_id, "Name": c.subject or ""}
        if root in simple and not rest:
            return simple[root], True
        return "", False


def walk(value: Any, keys: list[str]) -> str:
    for key in keys:
        if isinstance(value, list):
            value = value[int(key)] if key.isdigit() and int(key) < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def as_number(text: str) -> float | None:
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
        left, right = as_number(value), as_number(operand)
        return left is not None and right is not None and numeric[operator](left, right)
    raise FlowStop(f"condition operator {operator!r}: not supported by the simulator")


@dataclass(frozen=True)
class Transfer:
    """TransferToFlow: the contact goes on in another flow."""

    flow: dict[str, Any]
    name: str


@dataclass(frozen=True)
class EnterModule:
    """InvokeFlowModule: the module runs, then the flow goes on at `return_to`."""

    module: dict[str, Any]
    name: str
    return_to: str | None
    inputs: dict[str, str]


@dataclass(frozen=True)
class LeaveModule:
    """EndFlowModuleExecution: back to the invoking flow with the module's results."""

    results: dict[str, str]


Next = str | None | Transfer | EnterModule | LeaveModule
Outcome = tuple[Next, str | None]  # (what runs next, outcome when the contact leaves the flows)


def pairs(values: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def how_many(records: list[Any], what: str) -> str:
    return f"no {what} found" if not records else f"{len(records)} {what}s found"


def field_names(request: dict[str, str]) -> str:
    return ", ".join(sorted(request)) or "nothing"


def flow_name(flow: dict[str, Any], fallback: str) -> str:
    return str((flow.get("Metadata") or {}).get("name") or fallback)
