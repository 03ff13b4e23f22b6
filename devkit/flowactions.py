"""What each action of the Amazon Connect flow language does in the simulator, as the
flow language reference documents it: its parameters, its Conditions and its Errors
branches. The Simulator (devkit.flowsim) runs them; the world around the flow (metrics,
Lex, profiles and cases, tasks) comes from devkit.flowworld.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from devkit.flowrun import (
    PLACEHOLDER,
    Contact,
    EnterModule,
    FlowStop,
    LeaveModule,
    Outcome,
    Step,
    Transfer,
    as_number,
    condition_holds,
    field_names,
    flow_name,
    how_many,
    pairs,
)
from devkit.flowworld import METRIC_TYPES, Directory, LambdaStandIns, LexStandIn, QueueMetrics

MAX_RESPONSE_BYTES = 32 * 1024
MAX_ATTRIBUTE_BYTES = 32 * 1024
_PATH = re.compile(r"\$\.[A-Za-z]+(?:\.[A-Za-z0-9_-]+)*")
_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SSML_TAG = re.compile(r"<[^>]+>")
_TAG_KEY = re.compile(r"[\w.:/=+@ -]{1,128}")


class Actions:
    """The flow-language actions, one method each: (action, contact, steps, (keys,
    words)) -> (what runs next, outcome when the contact leaves the flows)."""

    functions: Any
    flows: Any
    modules: Any
    hours: Any
    queue_names: dict[str, str]
    full_queues: set[str]
    metrics: QueueMetrics
    lex: LexStandIn
    directory: Directory
    connect: Any
    instance_arn: str
    agent_answers_after_s: int
    draw: int
    lambdas: LambdaStandIns

    # ---- values ----

    def _value(self, contact: Contact, raw: Any, steps: list[Step]) -> str:
        """A parameter value: static, a single JSONPath, or text with JSONPath references in it.
        Placeholders a deployment tool left unreplaced are reported once and kept as text."""
        if not isinstance(raw, str):
            return "" if raw is None else str(raw)
        for placeholder in PLACEHOLDER.findall(raw):
            if placeholder not in contact.unresolved:
                contact.unresolved.append(placeholder)
                steps.append(Step("note", f"{placeholder} is a placeholder a deployment tool did not replace: "
                                          "kept as text"))

        def substitute(match: re.Match[str]) -> str:
            value, known = contact.lookup(match.group(0))
            if not known:
                steps.append(Step("note", f"{match.group(0)} is not a namespace the simulator knows: read as empty"))
            return value

        return _PATH.sub(substitute, raw)

    def _values(self, contact: Contact, raw: Any, steps: list[Step]) -> Any:
        """`_value` through nested dicts and lists (view data, task attributes)."""
        if isinstance(raw, dict):
            return {k: self._values(contact, v, steps) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self._values(contact, v, steps) for v in raw]
        return self._value(contact, raw, steps)

    def _queue_name(self, arn: str | None) -> str | None:
        if arn is None:
            return None
        return self.queue_names.get(arn, arn.rsplit("/", 1)[-1])

    @staticmethod
    def _designer_name(contact: Contact, action: dict[str, Any], parameter: str) -> str | None:
        """How the flow's designer named what a parameter points at (exported flows keep
        it in Metadata, also where a deployment tool templated the ARN)."""
        meta = ((contact.frame.flow.get("Metadata") or {}).get("ActionMetadata") or {}).get(
            action.get("Identifier"), {})
        meta = meta if isinstance(meta, dict) else {}
        named = ((meta.get("parameters") or {}).get(parameter) or {})
        name = named.get("displayName") if isinstance(named, dict) else None
        for key in ("ContactFlow", "FlowModule", "Queue", "queue", "audio"):
            item = meta.get(key)
            if not name and isinstance(item, dict):
                name = item.get("text") or item.get("displayName")
        return str(name) if name else None

    @classmethod
    def _display_name(cls, contact: Contact, action: dict[str, Any], parameter: str, value: str) -> str:
        """The designer's name and the value, for reporting an ARN the simulator does not know."""
        name = cls._designer_name(contact, action, parameter)
        return f"{name!r} ({value})" if name and name != value else repr(value)

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

    def _match_or_next(self, action: dict[str, Any], value: str) -> str | None:
        """Conditions when the action has any, else its NextAction."""
        if (action.get("Transitions") or {}).get("Conditions"):
            return self._match(action, value)
        return self._next(action)

    # ---- what the customer hears, says and presses ----

    def _prompt(self, contact: Contact, parameters: dict[str, Any], steps: list[Step]) -> None:
        if "Text" in parameters:
            text = self._value(contact, parameters["Text"], steps)
        elif "SSML" in parameters:
            text = _SSML_TAG.sub("", self._value(contact, parameters["SSML"], steps)).strip()
        elif "PromptId" in parameters:
            text = f"[recorded prompt {self._value(contact, parameters['PromptId'], steps)}]"
        elif "Media" in parameters:
            text = f"[audio {(parameters['Media'] or {}).get('Uri', '')}]"
        else:
            return
        steps.append(Step("hear", text))

    def _message(self, action, contact, steps, heard) -> Outcome:
        self._prompt(contact, action.get("Parameters") or {}, steps)
        return self._next(action), None

    def _message_iteratively(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        for message in parameters.get("Messages") or []:
            self._prompt(contact, message or {}, steps)
        contact.in_queue = True
        every = parameters.get("InterruptFrequencySeconds")
        seconds = int(as_number(self._value(contact, every, steps)) or 0) if every not in (None, "") else 0
        if seconds <= 0 or contact.waited_s + seconds >= self.agent_answers_after_s:
            # The messages repeat until an agent takes the contact.
            steps.append(Step("end", f"waits in queue, hearing these messages, until an agent answers "
                                     f"(after {self.agent_answers_after_s} s)"))
            return None, "connected to an agent"
        contact.waited_s += seconds
        steps.append(Step("queue", f"still waiting after {contact.waited_s} s: messages interrupted"))
        return self._match_or_next(action, "MessagesInterrupted"), None

    def _silence(self, action: dict[str, Any], contact: Contact, steps: list[Step], limit: str) -> Outcome:
        """Nothing left to press or say: the timeout branch; asked the same thing again,
        the caller hangs up (a survey that moves on to its next question goes on)."""
        ident = action.get("Identifier", "")
        if ident in contact.silent_at:
            steps.append(Step("end", "customer hangs up (nothing more to press or say)"))
            return None, "customer hung up"
        contact.silent_at.add(ident)
        steps.append(Step("input", f"(nothing within {limit} s)"))
        return self._error(action, "InputTimeLimitExceeded"), None

    def _input(self, action, contact, steps, heard) -> Outcome:
        inputs, said = heard
        parameters = action.get("Parameters") or {}
        if "LexV2Bot" in parameters or "LexBot" in parameters:
            return self._lex_bot(action, contact, steps, heard)
        self._prompt(contact, parameters, steps)
        limit = parameters.get("InputTimeLimitSeconds") or parameters.get("InputTimeoutSeconds") or "5"
        source = inputs if inputs else said
        if not source:
            return self._silence(action, contact, steps, str(limit))
        entered = source.pop(0)
        if callable(entered):  # what the customer reads off their phone at this moment (a code just sent)
            entered = entered()
        steps.append(Step("input", entered))
        if str(parameters.get("StoreInput", "False")).lower() == "true":
            validation = (parameters.get("InputValidation") or {}).get("PhoneNumberValidation")
            if validation and not _phone_number_ok(entered, validation):
                steps.append(Step("note", f"{entered!r} is not a phone number ({validation.get('NumberFormat', '')})"))
                return self._error(action, "InvalidPhoneNumber"), None
            contact.stored_input = entered
            return self._next(action), None
        return self._match(action, entered), None

    def _lex_bot(self, action, contact, steps, heard) -> Outcome:
        inputs, said = heard
        parameters = action.get("Parameters") or {}
        bot = parameters.get("LexV2Bot") or parameters.get("LexBot") or {}
        bot_name = self._value(contact, bot.get("AliasArn") or bot.get("Name") or "", steps)
        self._prompt(contact, parameters, steps)
        source = said if said else inputs
        if not source:
            limit = str((parameters.get("LexTimeoutSeconds") or {}).get("Text", "5"))
            return self._silence(action, contact, steps, limit)
        words = source.pop(0)
        steps.append(Step("say", words))
        answer = self.lex.answer(words)
        contact.lex = {"InputTranscript": words, "IntentName": answer.intent,
                       "IntentConfidence": {"Score": answer.confidence},
                       "Slots": dict(answer.slots), "SessionAttributes": {
                           k: self._value(contact, v, steps)
                           for k, v in (parameters.get("LexSessionAttributes") or {}).items()},
                       "SentimentResponse": {"Label": "NEUTRAL"}}
        bot_name = bot_name.split("bot-alias/", 1)[-1]
        steps.append(Step("lex", f"{bot_name or 'bot'} understood intent {answer.intent} "
                                 f"(confidence {answer.confidence})", {"intent": answer.intent}))
        return self._match_or_next(action, answer.intent), None

    # ---- data ----

    def _invoke(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        arn = self._value(contact, parameters.get("LambdaFunctionARN", ""), steps)
        limit = int(as_number(str(parameters.get("InvocationTimeLimitSeconds", 3))) or 3)
        validation = (parameters.get("ResponseValidation") or {}).get("ResponseType", "STRING_MAP")
        given = parameters.get("LambdaInvocationAttributes") or {}
        payload = {k: self._value(contact, v, steps) for k, v in given.items()}
        name = self.functions.resolve(arn) if self.functions else None
        contact.external = {}
        if name is None:
            designer = self._designer_name(contact, action, "LambdaFunctionARN")
            shown = self._display_name(contact, action, "LambdaFunctionARN", arn)
            stand_in = self.lambdas.answer_for(arn, designer)
            if stand_in is None:
                steps.append(Step("lambda", f"{shown} is not a function of this application: Error branch"))
                return self._error(action, "NoMatchingError"), None
            stand_in_name, answer = stand_in
            contact.external = answer
            steps.append(Step("lambda", f"{shown} is not a function of this application: answered by its "
                                        f"stand-in {stand_in_name}",
                              {"function": arn, "stand_in": stand_in_name, "parameters": payload, "answer": answer}))
            return self._next(action), None
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

    def _attributes(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        values = {k: self._value(contact, v, steps) for k, v in (parameters.get("Attributes") or {}).items()}
        bad = [k for k in values if not _KEY.fullmatch(k)]
        merged = {**contact.attributes, **values}
        if bad or len(json.dumps(merged, ensure_ascii=False).encode("utf-8")) > MAX_ATTRIBUTE_BYTES:
            steps.append(Step("note", f"attributes rejected ({'bad keys ' + ', '.join(bad) if bad else 'over 32 KB'})"))
            return self._error(action, "NoMatchingError"), None
        contact.attributes = merged
        steps.append(Step("attributes", pairs(values), {"set": values}))
        return self._next(action), None

    def _flow_attributes(self, action, contact, steps, heard) -> Outcome:
        given = (action.get("Parameters") or {}).get("FlowAttributes") or {}
        values = {k: self._value(contact, v.get("Value") if isinstance(v, dict) else v, steps)
                  for k, v in given.items()}
        bad = [k for k in values if not _KEY.fullmatch(k)]
        if bad or not values:
            steps.append(Step("note", f"flow attributes rejected ({'bad keys ' + ', '.join(bad) if bad else 'none'})"))
            return self._error(action, "NoMatchingError"), None
        contact.frame.flow_attributes.update(values)
        steps.append(Step("attributes", "flow: " + pairs(values), {"flow": values}))
        return self._next(action), None

    def _compare(self, action, contact, steps, heard) -> Outcome:
        value = self._value(contact, (action.get("Parameters") or {}).get("ComparisonValue", ""), steps)
        return self._match(action, value), None

    def _distribute(self, action, contact, steps, heard) -> Outcome:
        # Connect draws 1..100 at random; the simulator draws what it is told (--draw), so
        # a run repeats, and each branch can be tried in turn.
        steps.append(Step("note", f"distribute by percentage: draws {self.draw} of 1..100"))
        return self._match(action, str(self.draw)), None

    def _loop(self, action, contact, steps, heard) -> Outcome:
        raw = self._value(contact, (action.get("Parameters") or {}).get("LoopCount", ""), steps)
        count = as_number(raw)
        if count is None or not 0 <= count <= 100 or count != int(count):
            steps.append(Step("note", f"loop count {raw!r} is not a whole number 0..100"))
            return self._error(action, "NoMatchingError"), None
        ident = action.get("Identifier", "")
        done = contact.frame.loops.get(ident, 0)
        if done < int(count):
            contact.frame.loops[ident] = done + 1
            steps.append(Step("loop", f"round {done + 1} of {int(count)}"))
            return self._match(action, "ContinueLooping"), None
        contact.frame.loops.pop(ident, None)  # done once, then the counter starts again
        steps.append(Step("loop", f"done after {int(count)}"))
        return self._match(action, "DoneLooping"), None

    # ---- queues and agents ----

    def _set_queue(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        queue = self._value(contact, parameters.get("QueueId") or parameters.get("AgentId") or "", steps)
        if not queue:
            given = parameters.get("QueueId") or parameters.get("AgentId")
            steps.append(Step("note", f"no queue to work with ({given or 'none given'} is empty): Error branch"))
            return self._error(action, "NoMatchingError"), None
        contact.target_queue = queue
        known = queue in self.queue_names or queue in self.queue_names.values()
        shown = self._queue_name(queue) if known else (
            self._display_name(contact, action, "QueueId", queue) + ", not a queue of this instance")
        steps.append(Step("queue", f"working queue: {shown}", {"arn": queue}))
        return self._next(action), None

    def _enqueue(self, action: dict[str, Any], contact: Contact, steps: list[Step]) -> Outcome:
        name = self._queue_name(contact.target_queue)
        if contact.target_queue in self.full_queues or name in self.full_queues:
            steps.append(Step("queue", f"{name} is at capacity"))
            return self._error(action, "QueueAtCapacity"), None
        steps.append(Step("end", f"queued in {name}, waiting for an agent"))
        return None, "queued"

    def _transfer_to_queue(self, action, contact, steps, heard) -> Outcome:
        if not contact.target_queue:
            steps.append(Step("note", "no working queue set"))
            return self._error(action, "NoMatchingError"), None
        return self._enqueue(action, contact, steps)

    def _dequeue_to_queue(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        queue = self._value(contact, parameters.get("QueueId") or parameters.get("AgentId") or "", steps)
        if not queue:
            steps.append(Step("note", "no queue to move the contact to"))
            return self._error(action, "NoMatchingError"), None
        contact.target_queue = queue
        steps.append(Step("queue", f"moved from its queue to {self._queue_name(queue)}"))
        return self._enqueue(action, contact, steps)

    def _transfer_to_agent(self, action, contact, steps, heard) -> Outcome:
        steps.append(Step("end", "connected to the agent"))
        return None, "connected to an agent"

    def _third_party(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        number = self._value(contact, parameters.get("ThirdPartyPhoneNumber", ""), steps)
        if not number or _placeholder_only(number):
            steps.append(Step("note", f"no number to transfer to ({number!r})"))
            return self._error(action, "CallFailed"), None
        steps.append(Step("end" if str(parameters.get("ContinueFlowExecution", "")).lower() != "true" else "queue",
                          f"transferred to {number}"))
        if str(parameters.get("ContinueFlowExecution", "")).lower() == "true":
            return self._next(action), None  # the third party hung up; the flow goes on
        return None, "transferred"

    def _hours(self, action, contact, steps, heard) -> Outcome:
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

    def _metrics_queue(self, action: dict[str, Any], contact: Contact, steps: list[Step]) -> tuple[str, str] | None:
        parameters = action.get("Parameters") or {}
        queue = self._value(contact, parameters.get("QueueId") or parameters.get("AgentId") or "", steps)
        queue = queue or contact.target_queue or ""
        if not queue:
            steps.append(Step("note", "no queue to read metrics of (no QueueId and no working queue)"))
            return None
        return queue, self._queue_name(queue) or queue

    def _check_metric(self, action, contact, steps, heard) -> Outcome:
        metric = (action.get("Parameters") or {}).get("MetricType", "")
        if metric not in METRIC_TYPES:
            steps.append(Step("note", f"metric {metric!r} is not one CheckMetricData reads"))
            return self._error(action, "NoMatchingError"), None
        found = self._metrics_queue(action, contact, steps)
        if found is None:
            return self._error(action, "NoMatchingError"), None
        arn, name = found
        value = getattr(self.metrics.of(arn, name, arn.rsplit("/", 1)[-1]), METRIC_TYPES[metric])
        steps.append(Step("metrics", f"{metric} of {name}: {value}", {"metric": metric, "value": value}))
        return self._match(action, str(value)), None

    def _get_metrics(self, action, contact, steps, heard) -> Outcome:
        found = self._metrics_queue(action, contact, steps)
        if found is None:
            return self._error(action, "NoMatchingError"), None
        arn, name = found
        state = self.metrics.of(arn, name, arn.rsplit("/", 1)[-1])
        contact.metrics = state.flow_metrics(name, arn)
        steps.append(Step("metrics", f"{name}: {state.waiting} waiting (oldest {state.oldest_age_seconds} s), "
                                     f"{state.agents_available} agents available of {state.agents_online} online"))
        return self._next(action), None

    def _routing_behavior(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        changes: dict[str, Any] = {}
        for key, label, low, high in (("QueuePriority", "priority", 1, 10**6),
                                      ("QueueTimeAdjustmentSeconds", "age_adjustment_s", -86400, 86400)):
            if key not in parameters:
                continue
            raw = self._value(contact, parameters[key], steps)
            if raw == "":
                steps.append(Step("note", f"{key} is empty here: left unchanged"))
                continue
            value = as_number(raw)
            if value is None or not low <= value <= high or value != int(value):
                steps.append(Step("note", f"{key} {raw!r} is not a whole number {low}..{high}"))
                return self._error(action, "NoMatchingError"), None
            changes[label] = int(value)
        for key in ("RoutingCriteria", "RoutingProficiencies"):
            if key in parameters:
                changes[key] = parameters[key]
        contact.routing.update(changes)
        steps.append(Step("routing", pairs({k: str(v) for k, v in changes.items()}) or "unchanged", changes))
        return self._next(action), None

    def _routing_criteria(self, action, contact, steps, heard) -> Outcome:
        criteria = self._values(contact, (action.get("Parameters") or {}).get("RoutingCriteria") or {}, steps)
        contact.routing["criteria"] = criteria
        steps.append(Step("routing", f"routing criteria: {len(criteria.get('Steps') or [])} step(s)", criteria))
        return self._next(action), None

    # ---- callbacks, tags, tasks ----

    def _callback_number(self, action, contact, steps, heard) -> Outcome:
        raw = self._value(contact, (action.get("Parameters") or {}).get("CallbackNumber", ""), steps)
        problem = _callback_problem(raw)
        if problem:
            steps.append(Step("callback", f"number {raw!r} {problem[1]}"))
            return self._error(action, problem[0]), None
        contact.callback_number = raw
        steps.append(Step("callback", f"callback number: {raw}"))
        return self._next(action), None

    def _create_callback(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        number = contact.callback_number or (contact.customer.address or "")
        queue = self._value(contact, parameters.get("QueueId", ""), steps) or contact.target_queue
        if not queue or _callback_problem(number):
            steps.append(Step("note", "a callback needs a working queue and a dialable number"))
            return self._error(action, "NoMatchingError"), None
        callback = {"number": number, "queue": self._queue_name(queue),
                    "initial_delay_s": int(as_number(str(parameters.get("InitialCallDelaySeconds", "0"))) or 0),
                    "retry_delay_s": int(as_number(str(parameters.get("RetryDelaySeconds", "0"))) or 0),
                    "attempts": int(as_number(str(parameters.get("MaximumConnectionAttempts", "1"))) or 0)}
        contact.callbacks.append(callback)
        steps.append(Step("callback", f"callback to {number} queued in {callback['queue']}, first call in "
                                      f"{callback['initial_delay_s']} s", callback))
        return self._next(action), None

    def _tag(self, action, contact, steps, heard) -> Outcome:
        given = (action.get("Parameters") or {}).get("Tags") or {}
        tags = {k: self._value(contact, v, steps) for k, v in given.items()}
        merged = {**contact.tags, **tags}
        bad = [k for k, v in tags.items() if not _TAG_KEY.fullmatch(k) or k.startswith("aws:") or len(v) > 256]
        if bad or not tags or len(merged) > 6:
            why = ", ".join(bad) if bad else "more than 6" if tags else "none"
            steps.append(Step("note", f"tags rejected ({why})"))
            return self._error(action, "NoMatchingError"), None
        contact.tags = merged
        steps.append(Step("tags", pairs(tags), {"tags": tags}))
        return self._next(action), None

    def _untag(self, action, contact, steps, heard) -> Outcome:
        keys = [self._value(contact, k, steps) for k in (action.get("Parameters") or {}).get("TagKeys") or []]
        if not keys:
            steps.append(Step("note", "no tag keys to remove"))
            return self._error(action, "NoMatchingError"), None
        for key in keys:
            contact.tags.pop(key, None)
        steps.append(Step("tags", f"removed {', '.join(keys)}", {"removed": keys}))
        return self._next(action), None

    def _create_task(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        request: dict[str, Any] = {
            "InstanceId": self.instance_arn.rsplit("/", 1)[-1],
            "ContactFlowId": self._value(contact, parameters.get("ContactFlowId", ""), steps).rsplit("/", 1)[-1],
            "Name": self._value(contact, parameters.get("Name", ""), steps),
            "PreviousContactId": contact.contact_id,
        }
        if parameters.get("Description"):
            request["Description"] = self._value(contact, parameters["Description"], steps)
        if parameters.get("Attributes"):
            request["Attributes"] = {k: self._value(contact, v, steps) for k, v in parameters["Attributes"].items()}
        if parameters.get("References"):
            request["References"] = self._values(contact, parameters["References"], steps)
        if self.connect is None:
            steps.append(Step("note", "no Connect client to create the task with"))
            return self._error(action, "NoMatchingError"), None
        try:
            answer = self.connect.start_task_contact(**request)
        except Exception as e:  # botocore's validation or the service said no: the Error branch, like Connect
            steps.append(Step("task", f"task {request['Name']!r} refused ({type(e).__name__}: {e})"))
            return self._error(action, "NoMatchingError"), None
        task = {**request, "ContactId": answer.get("ContactId", "")}
        contact.tasks.append(task)
        steps.append(Step("task", f"task {request['Name']!r} created ({task['ContactId']})", task))
        return self._next(action), None

    # ---- profiles, cases, views ----

    def _get_profile(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        request = {k: self._value(contact, v, steps) for k, v in (parameters.get("ProfileRequestData") or {}).items()}
        request = {k: v for k, v in request.items() if v}
        found = self.directory.profiles(request) if request else []
        if len(found) != 1:
            error = "NoneFoundError" if not found else "MultipleFoundError"
            steps.append(Step("profile", f"{how_many(found, 'profile')} by {field_names(request)}"))
            return self._error(action, error), None
        wanted = parameters.get("ProfileResponseData") or list(found[0])
        contact.customer_profile = {k: found[0].get(k, "") for k in {*wanted, "ProfileId", "ProfileARN"}}
        steps.append(Step("profile", f"profile {found[0].get('ProfileId', '')} found by {field_names(request)}"))
        return self._next(action), None

    def _create_profile(self, action, contact, steps, heard) -> Outcome:
        request = {k: self._value(contact, v, steps)
                   for k, v in ((action.get("Parameters") or {}).get("ProfileRequestData") or {}).items()}
        profile_id = str(uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(request, sort_keys=True)))
        contact.customer_profile = {**request, "ProfileId": profile_id, "ProfileARN": f"profile/{profile_id}"}
        steps.append(Step("profile", f"a profile would be created with {field_names(request)} (not written)"))
        return self._next(action), None

    def _get_case(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        request = {k: self._value(contact, v, steps) for k, v in (parameters.get("CaseRequestFields") or {}).items()}
        request = {k: v for k, v in request.items() if v}
        if not request and not contact.customer_profile:
            steps.append(Step("case", "no case fields to search by"))
            return self._error(action, "NoneFound"), None
        if not request:
            request = {"customer_id": contact.customer_profile.get("ProfileId", "")}
        found = self.directory.cases(request)
        if str(parameters.get("GetLastUpdatedCase", "")).lower() == "true":
            found = found[:1]
        if len(found) != 1:
            steps.append(Step("case", f"{how_many(found, 'case')} by {field_names(request)}"))
            return self._error(action, "NoneFound" if not found else "MultipleFound"), None
        wanted = parameters.get("CaseResponseFields") or list(found[0])
        contact.case = {k: found[0].get(k, "") for k in wanted}
        steps.append(Step("case", f"case {found[0].get('case_id', '')} ({found[0].get('status', '')})"))
        return self._next(action), None

    def _create_case(self, action, contact, steps, heard) -> Outcome:
        fields = {k: self._value(contact, v, steps)
                  for k, v in ((action.get("Parameters") or {}).get("CaseRequestFields") or {}).items()}
        case_id = str(uuid.uuid5(uuid.NAMESPACE_URL, contact.contact_id + json.dumps(fields, sort_keys=True)))
        contact.case = {**fields, "case_id": case_id}
        steps.append(Step("case", f"a case would be opened: {fields.get('title', '')!r} (not written)"))
        return self._next(action), None

    def _show_view(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        view = self._value(contact, (parameters.get("ViewResource") or {}).get("Id", ""), steps)
        data = self._values(contact, parameters.get("ViewData") or {}, steps)
        name = view.split(":$")[0].rsplit("/", 1)[-1] or "?"
        ident = action.get("Identifier", "")
        shown = contact.views_shown.get(ident, 0)
        contact.views_shown[ident] = shown + 1
        if shown >= 2:
            # Like the caller with nothing more to say, the simulated agent does not click
            # through the same view forever.
            steps.append(Step("end", f"the agent closes view {name} (seen {shown} times)"))
            return None, "ended"
        if shown == 1:
            steps.append(Step("view", f"view {name} again: the agent lets it time out", {"view": view, "data": data}))
            return self._error(action, "TimeLimitExceeded"), None
        conditions = (action.get("Transitions") or {}).get("Conditions") or []
        # The agent takes the view's first action (its first branch).
        choice = str(((conditions[0].get("Condition") or {}).get("Operands") or [""])[0]) if conditions else ""
        contact.views = {"Action": choice, "ViewResultData": {"actionName": choice, "FormData": {}}}
        steps.append(Step("view", f"view {name}" + (f", chooses {choice}" if choice else ""),
                          {"view": view, "data": data}))
        return self._match_or_next(action, choice), None

    def _check_voice_id(self, action, contact, steps, heard) -> Outcome:
        steps.append(Step("note", "Voice ID has no voiceprints here: NotEnrolled"))
        return self._match_or_next(action, "NotEnrolled"), None

    def _start_voice_id(self, action, contact, steps, heard) -> Outcome:
        steps.append(Step("note", "Voice ID stream started (nothing is analysed here)"))
        return self._next(action), None

    def _wait(self, action, contact, steps, heard) -> Outcome:
        limit = self._value(contact, (action.get("Parameters") or {}).get("TimeLimitSeconds", ""), steps)
        steps.append(Step("note", f"waits {limit or '?'} s; the customer does not come back"))
        return self._match_or_next(action, "WaitCompleted"), None

    # ---- flows and modules ----

    def _transfer_to_flow(self, action, contact, steps, heard) -> Outcome:
        target = self._value(contact, (action.get("Parameters") or {}).get("ContactFlowId", ""), steps)
        # A flow loaded under the ARN, id or name; else under the name its designer gave it
        # (exports whose ARNs a deployment tool templated still reach their flows).
        flow = self.flows.get(target) or self.flows.get(self._designer_name(contact, action, "ContactFlowId"))
        if flow is None:
            shown = self._display_name(contact, action, "ContactFlowId", target)
            steps.append(Step("note", f"flow {shown} is not loaded in the simulator: Error branch"))
            return self._error(action, "NoMatchingError"), None
        name = flow_name(flow, target)
        steps.append(Step("flow", f"transfer to flow {name}"))
        return Transfer(flow, name), None

    def _invoke_module(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        target = self._value(contact, parameters.get("FlowModuleId", ""), steps)
        shown = self._display_name(contact, action, "FlowModuleId", target)
        display = self._designer_name(contact, action, "FlowModuleId")
        module = self.modules.get(target, display) or self.flows.get(target, display)
        if module is None:
            steps.append(Step("note", f"flow module {shown} is not loaded in the simulator (--module): Error branch"))
            return self._error(action, "NoMatchingError"), None
        if len(contact.frames) > 10:
            raise FlowStop(f"action {action.get('Identifier')!r}: flow modules nested more than 10 deep")
        inputs = {**_module_defaults(module),
                  **{k: self._value(contact, v, steps)
                     for k, v in (parameters.get("InvocationModuleInputs") or parameters.get("Inputs") or {}).items()}}
        name = flow_name(module, target)
        steps.append(Step("module", f"runs module {name}" + (f" with {pairs(inputs)}" if inputs else ""),
                          {"inputs": inputs}))
        return EnterModule(module, name, self._next(action), inputs), None

    def _end_module(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        results = {k: self._value(contact, v, steps)
                   for k, v in (parameters.get("Results") or parameters.get("Outputs") or {}).items()}
        if not contact.frame.is_module:
            steps.append(Step("end", "module ended (run on its own)"))
            return None, "ended"
        return LeaveModule(results), None

    # ---- settings ----

    def _voice(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        voice = parameters.get("TextToSpeechVoice") or parameters.get("Voice") or "?"
        engine = parameters.get("TextToSpeechEngine")
        steps.append(Step("voice", f"{voice}{' (' + engine + ')' if engine else ''}", dict(parameters)))
        return self._next(action), None

    def _recording(self, action, contact, steps, heard) -> Outcome:
        behavior = (action.get("Parameters") or {}).get("RecordingBehavior") or {}
        who = behavior.get("RecordedParticipants") or []
        steps.append(Step("recording", f"records {', '.join(who) if who else 'nobody'}", dict(behavior)))
        return self._next(action), None

    def _recording_and_analytics(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        steps.append(Step("recording", "recording and analytics: " + json.dumps(parameters, ensure_ascii=False,
                                                                                  sort_keys=True), dict(parameters)))
        return self._next(action), None

    def _previous_participant(self, action, contact, steps, heard) -> Outcome:
        state = (action.get("Parameters") or {}).get("PreviousContactParticipantState", "")
        said = {"AgentOnHold": "the agent is put on hold", "CustomerOnHold": "the customer is put on hold",
                "OffHold": "the agent and the customer are off hold, together again"}
        if contact.customer.channel != "VOICE" or state not in said:
            why = "only calls have a hold" if contact.customer.channel != "VOICE" else f"unknown state {state!r}"
            steps.append(Step("note", f"hold customer or agent: {why}"))
            return self._error(action, "NoMatchingError"), None
        steps.append(Step("note", said[state], {"state": state}))
        return self._next(action), None

    def _complete_outbound_call(self, action, contact, steps, heard) -> Outcome:
        caller_id = self._value(contact, ((action.get("Parameters") or {}).get("CallerId") or {}).get("Number"), steps)
        steps.append(Step("note", f"calls {contact.customer.address or 'the customer'}"
                                  + (f" from {caller_id}" if caller_id else "") + "; the customer answers"))
        return self._next(action), None

    def _media_streaming(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        steps.append(Step("recording", f"media streaming {str(parameters.get('MediaStreamingState', '?')).lower()}",
                          dict(parameters)))
        return self._next(action), None

    def _logging(self, action, contact, steps, heard) -> Outcome:
        steps.append(Step("logging", str((action.get("Parameters") or {}).get("FlowLoggingBehavior", ""))))
        return self._next(action), None

    def _contact_data(self, action, contact, steps, heard) -> Outcome:
        parameters = action.get("Parameters") or {}
        if parameters.get("LanguageCode"):
            contact.language_code = self._value(contact, parameters["LanguageCode"], steps)
        steps.append(Step("note", "contact data: " + json.dumps(parameters, ensure_ascii=False)))
        return self._next(action), None

    def _event_hooks(self, action, contact, steps, heard) -> Outcome:
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

    def _disconnect(self, action, contact, steps, heard) -> Outcome:
        steps.append(Step("end", "disconnected"))
        return None, "disconnected"

    def _end_flow(self, action, contact, steps, heard) -> Outcome:
        steps.append(Step("end", "flow ended"))
        return None, "ended"


def _placeholder_only(value: str) -> bool:
    return bool(PLACEHOLDER.fullmatch(value.strip()))


def _phone_number_ok(entered: str, validation: dict[str, Any]) -> bool:
    """GetParticipantInput's PhoneNumberValidation: E.164, or Local in CountryCode."""
    import phonenumbers

    region = validation.get("CountryCode") if validation.get("NumberFormat") == "Local" else None
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(entered, region))
    except phonenumbers.NumberParseException:
        return False


def _callback_problem(number: str) -> tuple[str, str] | None:
    """Why Connect would refuse this callback number (its error type and a reason), or None."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "InvalidCallbackNumber", "is not a number in E.164 (+country code)"
    if not phonenumbers.is_valid_number(parsed):
        return "InvalidCallbackNumber", "is not a valid number"
    if phonenumbers.number_type(parsed) in (phonenumbers.PhoneNumberType.PREMIUM_RATE,
                                            phonenumbers.PhoneNumberType.SHARED_COST):
        return "CallbackNumberNotDialable", "is a premium-rate number the instance does not dial"
    return None


def _module_defaults(module: dict[str, Any]) -> dict[str, str]:
    """Default inputs a flow module's settings declare (the module's Settings document:
    InputParameters as a JSON schema with defaults)."""
    settings = module.get("Settings") or {}
    if isinstance(settings, str):
        try:
            settings = json.loads(settings)
        except ValueError:
            return {}
    properties = ((settings.get("InputParameters") or {}).get("properties") or {}) if isinstance(settings, dict) else {}
    return {k: str(v.get("default")) for k, v in properties.items() if isinstance(v, dict) and "default" in v}


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
