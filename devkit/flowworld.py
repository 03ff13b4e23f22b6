"""What the simulated contact center around a flow answers: queue metrics, an Amazon Lex
bot, Lambda functions of other applications, Customer Profiles and Cases reads, and tasks.

Each is a small stand-in with a documented, deterministic answer, so a run is
repeatable: the same flow, customer and options give the same transcript.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.flowrun import PLACEHOLDER

# CheckMetricData's MetricType -> the field of QueueState it reads.
METRIC_TYPES = {
    "NumberOfContactsInQueue": "waiting",
    "OldestContactInQueueAgeSeconds": "oldest_age_seconds",
    "NumberOfAgentsAvailable": "agents_available",
    "NumberOfAgentsStaffed": "agents_staffed",
    "NumberOfAgentsOnline": "agents_online",
}


@dataclass
class QueueState:
    """A queue as the real-time metrics would show it. By default nobody waits and one
    agent is online and available, so a flow that checks for agents routes to the queue."""

    waiting: int = 0
    oldest_age_seconds: int = 0
    agents_available: int = 1
    agents_online: int = 1
    agents_staffed: int = 1

    def flow_metrics(self, name: str, arn: str) -> dict[str, Any]:
        """The `$.Metrics` namespace GetMetricData loads (queue and agent counts)."""
        return {
            "Queue": {"Name": name, "ARN": arn, "Size": str(self.waiting),
                      "OldestContactAge": str(self.oldest_age_seconds)},
            "Agents": {"Online": {"Count": str(self.agents_online)},
                       "Available": {"Count": str(self.agents_available)},
                       "Staffed": {"Count": str(self.agents_staffed)},
                       "AfterContactWork": {"Count": "0"}, "Busy": {"Count": "0"},
                       "Missed": {"Count": "0"}, "NonProductive": {"Count": "0"}},
        }


class QueueMetrics:
    """Real-time queue metrics from the simulator's options (`--queue-waiting billing=12`,
    `--agents-available billing=0`), per queue name, ARN or id."""

    def __init__(self, queues: dict[str, QueueState] | None = None) -> None:
        self._queues = dict(queues or {})

    @classmethod
    def from_options(cls, waiting: Iterable[str] = (), available: Iterable[str] = ()) -> QueueMetrics:
        queues: dict[str, QueueState] = {}
        for option, attribute in ((waiting, "waiting"), (available, "agents_available")):
            for item in option:
                queue, count = parse_count(item)
                state = queues.setdefault(queue, QueueState())
                setattr(state, attribute, count)
                if attribute == "waiting":
                    # Someone waiting has waited a little: a minute per contact ahead.
                    state.oldest_age_seconds = 60 * count
                if attribute == "agents_available":
                    state.agents_online = max(state.agents_online, count)
                    state.agents_staffed = max(state.agents_staffed, count)
        return cls(queues)

    def of(self, *names: str | None) -> QueueState:
        for name in names:
            if name and name in self._queues:
                return self._queues[name]
        return QueueState()


class FloorMetrics(QueueMetrics):
    """Queue metrics from the live floor this application keeps from Amazon Connect's
    contact and agent events (what `GET /floor` shows), for a queue no option names;
    a queue the floor has never seen reads like QueueMetrics' default."""

    def __init__(self, given: QueueMetrics | None = None) -> None:
        super().__init__(given._queues if given else None)

    def of(self, *names: str | None) -> QueueState:
        for name in names:
            if name and name in self._queues:
                return self._queues[name]
        # The floor keys a queue by its id (the last part of its ARN), or its name.
        for name in dict.fromkeys(n for n in names if n and not n.startswith("arn:")):
            state = _on_the_floor(name)
            if state is not None:
                return state
        return QueueState()


def _on_the_floor(queue: str) -> QueueState | None:
    from chalicelib.db import utcnow
    from chalicelib.floor import agents, state

    now = utcnow()
    try:
        waiting = state.waiting(queue, now)
        staff = agents.on_queue(queue, now)
    except Exception:  # no floor here (no table, no AWS): the options and defaults answer
        return None
    if not waiting.count and not any(staff.values()):
        return None
    oldest = int((now - waiting.oldest_since).total_seconds()) if waiting.oldest_since else 0
    online = sum(staff.values())
    return QueueState(waiting=waiting.count, oldest_age_seconds=max(oldest, 0),
                      agents_available=staff.get(agents.AVAILABLE, 0), agents_online=online, agents_staffed=online)


def parse_count(item: str) -> tuple[str, int]:
    """`billing=12` -> ("billing", 12); anything else is a usage error naming the item."""
    queue, sep, count = item.partition("=")
    if not sep or not queue or not count.isdigit():
        raise ValueError(f"{item!r}: expected QUEUE=COUNT, e.g. billing=12")
    return queue, int(count)


@dataclass(frozen=True)
class LexAnswer:
    intent: str
    confidence: str
    slots: dict[str, str] = field(default_factory=dict)


class LexStandIn:
    """Answers for an Amazon Lex bot: the customer's words go to `classify` (text ->
    intent name or None); an intent named on the command line (`--intent`) wins; nothing
    recognised is Lex's FallbackIntent."""

    def __init__(self, intent: str | None = None, classify: Callable[[str], str | None] | None = None) -> None:
        self.intent = intent
        self.classify = classify

    def answer(self, text: str) -> LexAnswer:
        if self.intent:
            return LexAnswer(self.intent, "1.00")
        found = self.classify(text) if self.classify else None
        return LexAnswer(found, "0.80") if found else LexAnswer("FallbackIntent", "0.00")


def default_classifier() -> Callable[[str], str | None] | None:
    """The application's contact-reason predictor as a Lex stand-in, when the application
    has one (chalicelib.reasons): the predicted reason is the intent; "other" is none."""
    try:
        from chalicelib.reasons import predict as reasons
    except ImportError:
        return None
    predict = getattr(reasons, "predict", None)
    resolve_language = getattr(reasons, "resolve_language", None)
    if predict is None:
        return None

    def intent_of(text: str) -> str | None:
        language = resolve_language("", "", text) if resolve_language else "en"
        reason = getattr(predict(text, language), "reason", None)
        return reason if reason and reason != "other" else None

    return intent_of


# Lambda's own rule for a function name, and what a flow block takes as an answer.
_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_MARK = re.compile("\0([0-9]+)\0")
MAX_LAMBDA_ANSWER_BYTES = 32 * 1024
LAMBDA_MATCHING = (
    "NAME is the function name at the end of the block's LambdaFunctionARN (after ':function:', "
    "without a :version or :alias), or the whole value when it is no ARN; where a deployment "
    "tool left a placeholder (${...}, {{...}}, <<...>>) in it, NAME also matches what is left "
    "of that name around the placeholders (${Stage}-checkBalance), a word of a placeholder in "
    "it ({{lambdas.checkBalance.arn}}, ${checkBalance.Arn}), or the name the flow's designer "
    "gave the function in the export's metadata"
)


class LambdaStandIns:
    """Answers for Lambda functions that are not this application's: each NAME answers
    the flat string map it was given, as the function would to Connect's
    InvokeLambdaFunction (default STRING_MAP response validation). Which function a
    NAME stands in for: LAMBDA_MATCHING."""

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.answers: dict[str, dict[str, str]] = {}
        for name, answer in (answers or {}).items():
            self.answers[_function_name(name)] = _string_map(name, answer)

    @classmethod
    def from_options(cls, items: Iterable[str]) -> LambdaStandIns:
        """`NAME=JSON` or `NAME=@file.json` each; anything else is a ValueError naming the item."""
        answers: dict[str, Any] = {}
        for item in items:
            name, sep, given = item.partition("=")
            if not sep or not _FUNCTION_NAME.fullmatch(name):
                raise ValueError(f"{item!r}: expected NAME=JSON or NAME=@file.json, NAME a Lambda function name "
                                 """(letters, digits, - and _), e.g. checkBalance='{"status":"OK"}'""")
            if name in answers:
                raise ValueError(f"{item!r}: {name} is given twice")
            if given.startswith("@"):
                try:
                    given = Path(given[1:]).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as e:
                    raise ValueError(f"{item!r}: cannot read {given[1:]} ({type(e).__name__})") from None
            try:
                answers[name] = json.loads(given)
            except ValueError as e:
                raise ValueError(f"{item!r}: not JSON ({e})") from None
            try:
                _string_map(name, answers[name])
            except ValueError as e:
                raise ValueError(f"{item!r}: {e}") from None
        return cls(answers)

    def answer_for(self, arn: str, designer_name: str | None = None) -> tuple[str, dict[str, str]] | None:
        """(NAME, answer) of the stand-in a LambdaFunctionARN names (LAMBDA_MATCHING), or None."""
        if not self.answers:
            return None
        for candidate in _names_in(arn, designer_name):
            if candidate in self.answers:
                return candidate, dict(self.answers[candidate])
        return None


def _function_name(name: Any) -> str:
    if not isinstance(name, str) or not _FUNCTION_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a Lambda function name (1 to 64 letters, digits, - and _)")
    return name


def _string_map(name: str, answer: Any) -> dict[str, str]:
    """The answer as Connect takes it from a function, or a ValueError saying why not."""
    if not isinstance(answer, dict):
        raise ValueError(f"the answer for {name} is a JSON {_json_kind(answer)}, not an object of strings "
                         "(Connect takes a flat string map from a Lambda)")
    nested = [str(k) for k, v in answer.items() if not isinstance(v, str)]
    if nested:
        raise ValueError(f"the answer for {name} is not a flat map of strings (the values of "
                         f"{', '.join(nested[:5])} are not strings: Connect's STRING_MAP validation "
                         "takes the Error branch on such an answer)")
    if len(json.dumps(answer, ensure_ascii=False).encode("utf-8")) >= MAX_LAMBDA_ANSWER_BYTES:
        raise ValueError(f"the answer for {name} is 32 KB or more (Connect refuses it)")
    return dict(answer)


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _names_in(arn: str, designer_name: str | None) -> list[str]:
    """The names a LambdaFunctionARN can be answered under, most exact first."""
    value = arn.strip()
    found = PLACEHOLDER.findall(value)
    # Placeholders hold colons (${AWS::Region}): each is set aside as a numbered mark first.
    counter = iter(range(len(found)))
    marked = PLACEHOLDER.sub(lambda _: f"\0{next(counter)}\0", value)
    if ":function:" in marked:
        marked = marked.split(":function:", 1)[1].split(":", 1)[0]
    in_name = [found[int(i)] for i in _MARK.findall(marked)]
    names = [_MARK.sub(lambda m: found[int(m.group(1))], marked)]
    if found:
        names.extend(part.strip("-_.") for part in _MARK.split(marked)[::2])
        names.extend(word for placeholder in in_name for word in _WORD.findall(placeholder))
        names.append(designer_name or "")
    return [n for n in dict.fromkeys(names) if n]


class Directory:
    """Customer Profiles and Cases reads. This base answers "none found"; the local run
    answers from the application's own profiles and cases."""

    def profiles(self, request: dict[str, str]) -> list[dict[str, str]]:
        return []

    def cases(self, request: dict[str, str]) -> list[dict[str, str]]:
        return []


class FixedDirectory(Directory):
    """Profiles and cases given as lists of flat dicts (Customer Profiles' field names,
    Cases' field ids); a request matches the records whose fields equal all its values."""

    def __init__(self, profiles: list[dict[str, str]] = (), cases: list[dict[str, str]] = ()) -> None:  # type: ignore[assignment]
        self._profiles = list(profiles)
        self._cases = list(cases)

    @staticmethod
    def _matching(records: list[dict[str, str]], request: dict[str, str]) -> list[dict[str, str]]:
        return [r for r in records if request and all(r.get(k) == v for k, v in request.items())]

    def profiles(self, request: dict[str, str]) -> list[dict[str, str]]:
        return self._matching(self._profiles, request)

    def cases(self, request: dict[str, str]) -> list[dict[str, str]]:
        return self._matching(self._cases, request)


class LocalDirectory(Directory):
    """Customer Profiles and Cases reads answered from this application's profiles and
    cases (DynamoDB): a phone number, e-mail address or profile id finds the customer;
    a case id or the customer's open case finds the case."""

    def profiles(self, request: dict[str, str]) -> list[dict[str, str]]:
        from chalicelib.profiles.identity import identity
        from chalicelib.profiles.service import Profiles
        from chalicelib.settings import get_settings

        settings = get_settings()
        profiles = Profiles(settings)
        customer = None
        if request.get("ProfileId"):
            customer = profiles.find(request["ProfileId"])
        else:
            wanted = [(kind, request[key]) for key, kind in (("PhoneNumber", "phone"), ("EmailAddress", "email"))
                      if request.get(key)]
            for kind, raw in wanted:
                try:
                    customer = profiles.identify([identity(kind, raw, settings.default_phone_region)], create=False)
                except ValueError:
                    customer = None
                if customer is not None:
                    break
        if customer is None:
            return []
        return [{"ProfileId": customer.customer_id, "FirstName": customer.first_name or "",
                 "LastName": customer.last_name or "", "PartyType": "INDIVIDUAL",
                 "ProfileARN": f"profile/{customer.customer_id}",
                 "PhoneNumber": request.get("PhoneNumber", ""), "EmailAddress": request.get("EmailAddress", ""),
                 "OpenCaseId": customer.open_case_id or ""}]

    def cases(self, request: dict[str, str]) -> list[dict[str, str]]:
        from chalicelib.cases.service import Cases
        from chalicelib.settings import get_settings

        cases = Cases(get_settings())
        found = []
        if request.get("case_id"):
            case = cases.get(request["case_id"])
            found = [case] if case is not None else []
        elif request.get("customer_id"):
            found = cases.open_cases(_profile_id(request["customer_id"]))
        return [{"case_id": c.case_id, "status": c.status, "title": f"{c.kind} {c.reference or ''}".strip(),
                 "reference_number": c.reference or "", "customer_id": c.customer_id,
                 "created_datetime": c.opened_at.isoformat(), "summary": ""} for c in found]


def _profile_id(value: str) -> str:
    return re.sub(r"^.*profile/", "", value)
