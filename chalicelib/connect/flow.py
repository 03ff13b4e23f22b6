"""The contract every contact-flow Lambda keeps with Amazon Connect.

Connect calls a flow Lambda synchronously and waits at most 8 s (the block's
InvocationTimeLimitSeconds) while the caller hears silence. A timeout, an exception
or a response that is not a flat map of strings sends the contact down the block's
Error branch, and throttles are retried inside that limit. So a flow function here:

- never raises: any failure becomes `status=ERROR` with an `errorCode`;
- answers within its budget (setting FLOW_BUDGET_MS, and never later than the
  Lambda's own remaining time): the work runs on a worker thread and the answer is
  sent when the budget runs out, whatever the work is doing;
- returns a flat map of strings with keys in [A-Za-z0-9_-], every declared key
  present (empty when unknown, so `$.External.x` always resolves), under 32 KB.

This module imports nothing heavy: it is on every contact-flow cold start.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import DomainError

STATUS_OK = "OK"
STATUS_NOT_FOUND = "NOT_FOUND"
STATUS_ERROR = "ERROR"

MAX_RESPONSE_BYTES = 32 * 1024
# Room between our answer and the Lambda's hard stop, for serialising the response.
LAMBDA_MARGIN_MS = 250
DEFAULT_BUDGET_MS = 2500

_KEY_OK = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")
_KEY_BAD_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def _text(value: object, limit: int = 1024) -> str:
    """A short string from whatever Connect or a flow author put in a field."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)[:limit]
    return ""


def _string_map(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k)[:128]: _text(v) for k, v in list(value.items())[:200] if isinstance(k, str)}


def _get(mapping: object, key: str) -> object:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


@dataclass(frozen=True)
class FlowRequest:
    """What a flow function needs from a ContactFlowEvent, read tolerantly.

    Fields are read from the raw dict: CustomerEndpoint, SystemEndpoint and Queue
    may be null, and Channel and InitiationMethod take values (TASK, EMAIL,
    WEBRTC_API...) that typed wrappers reject."""

    contact_id: str = ""
    initial_contact_id: str = ""
    previous_contact_id: str = ""
    channel: str = ""
    initiation_method: str = ""
    instance_arn: str = ""
    customer_address: str = ""
    customer_address_type: str = ""
    system_address: str = ""
    queue_name: str = ""
    subtype: str = ""
    # The contact's name: an inbound e-mail's subject.
    name: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: object) -> FlowRequest:
        details = _get(event, "Details")
        data = _get(details, "ContactData")
        customer = _get(data, "CustomerEndpoint")
        system = _get(data, "SystemEndpoint")
        queue = _get(data, "Queue")
        subtype = _get(_get(_get(data, "SegmentAttributes"), "connect:Subtype"), "ValueString")
        return cls(
            contact_id=_text(_get(data, "ContactId"), 128),
            initial_contact_id=_text(_get(data, "InitialContactId"), 128),
            previous_contact_id=_text(_get(data, "PreviousContactId"), 128),
            channel=_text(_get(data, "Channel"), 32).upper(),
            initiation_method=_text(_get(data, "InitiationMethod"), 32).upper(),
            instance_arn=_text(_get(data, "InstanceARN"), 256),
            customer_address=_text(_get(customer, "Address"), 256).strip(),
            customer_address_type=_text(_get(customer, "Type"), 32).upper(),
            system_address=_text(_get(system, "Address"), 256),
            queue_name=_text(_get(queue, "Name"), 256),
            subtype=_text(subtype, 64),
            name=_text(_get(data, "Name"), 512),
            attributes=_string_map(_get(data, "Attributes")),
            parameters=_string_map(_get(details, "Parameters")),
        )

    def value(self, *names: str) -> str:
        """First non-empty value among block parameters, then contact attributes."""
        for source in (self.parameters, self.attributes):
            for name in names:
                found = source.get(name, "").strip()
                if found:
                    return found
        return ""


class FlowResponse:
    """The flat string map a flow reads as `$.External.<key>`."""

    def __init__(self, status: str, error_code: str = "", **values: object) -> None:
        self.status = status
        self.error_code = error_code
        self.values = values

    @classmethod
    def ok(cls, **values: object) -> FlowResponse:
        return cls(STATUS_OK, **values)

    @classmethod
    def not_found(cls, error_code: str, **values: object) -> FlowResponse:
        return cls(STATUS_NOT_FOUND, error_code, **values)

    @classmethod
    def error(cls, error_code: str, **values: object) -> FlowResponse:
        return cls(STATUS_ERROR, error_code, **values)

    def to_map(self, keys: tuple[str, ...] = ()) -> dict[str, str]:
        """Render under Connect's rules: declared keys always present, values as
        strings, keys sanitised, total under 32 KB (long values are cut, never the
        status)."""
        out = {key: "" for key in keys}
        for key, value in self.values.items():
            out[key] = _text(value, 4096)
        out = {_safe_key(k): v for k, v in out.items()}
        out["status"] = self.status
        if self.status != STATUS_OK:
            out["errorCode"] = self.error_code or self.status
        else:
            out.pop("errorCode", None)
        return _fit(out)


def _safe_key(key: str) -> str:
    return key if _KEY_OK.match(key) else (_KEY_BAD_CHARS.sub("_", key)[:128] or "_")


def _size(mapping: dict[str, str]) -> int:
    return len(json.dumps(mapping, ensure_ascii=False).encode("utf-8"))


def _fit(mapping: dict[str, str]) -> dict[str, str]:
    if _size(mapping) < MAX_RESPONSE_BYTES:
        return mapping
    # Cut the longest values first until the map fits; status keys are tiny.
    for key in sorted(mapping, key=lambda k: len(mapping[k]), reverse=True):
        if key in ("status", "errorCode"):
            continue
        mapping[key] = mapping[key][:256]
        if _size(mapping) < MAX_RESPONSE_BYTES:
            return mapping
    return {"status": mapping["status"], "errorCode": mapping.get("errorCode", "RESPONSE_TOO_LARGE")}


class Deadline:
    """Time left in this invocation's budget."""

    def __init__(self, budget_ms: int) -> None:
        self.budget_ms = budget_ms
        self._ends = time.monotonic() + budget_ms / 1000

    def remaining_ms(self) -> int:
        return max(0, int((self._ends - time.monotonic()) * 1000))


FlowHandler = Callable[[FlowRequest, Deadline], FlowResponse]


def flow_function(*, keys: tuple[str, ...]) -> Callable[[FlowHandler], FlowHandler]:
    """Declare a flow function's response keys: the contract flows are checked against."""

    def declare(handler: FlowHandler) -> FlowHandler:
        handler.response_keys = keys  # type: ignore[attr-defined]
        return handler

    return declare


class Workers:
    """Threads that run flow functions, so the answer can go when the budget ends.

    A call that outlives its budget keeps its thread until its bounded AWS client
    gives up (a DynamoDB stall can last many seconds). The next call never waits
    behind it: an idle thread takes the call, or a new thread is started, up to
    `limit` threads at once."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._calls: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = queue.SimpleQueue()
        self._threads = 0
        self._idle = 0

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            self._calls.put((future, function, args))
            if self._idle:
                self._idle -= 1  # that idle thread takes this call
            elif self._threads < self._limit:
                self._threads += 1
                threading.Thread(target=self._work, name=f"flow-{self._threads}", daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            future, function, args = self._calls.get()
            if not future.set_running_or_notify_cancel():
                self._rest()
                continue
            try:
                result = function(*args)
            except BaseException as e:  # handed to the caller, who turns it into an answer
                self._rest()
                future.set_exception(e)
            else:
                # Idle before the caller hears the answer, so the caller's next call
                # takes this thread instead of starting another.
                self._rest()
                future.set_result(result)

    def _rest(self) -> None:
        with self._lock:
            self._idle += 1

    @property
    def threads(self) -> int:
        return self._threads


# Far more than one container ever needs at once (Lambda gives it one call at a time):
# room for many calls stuck behind a stalled dependency.
MAX_WORKERS = 32
_pool: Workers | None = None


def _worker_pool() -> Workers:
    global _pool
    if _pool is None:
        _pool = Workers(MAX_WORKERS)
    return _pool


def _budget_ms(context: Any) -> int:
    try:
        from chalicelib.settings import get_settings

        budget = get_settings().flow_budget_ms
    except Exception:  # settings are reported by the handler itself
        budget = DEFAULT_BUDGET_MS
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        with contextlib.suppress(TypeError, ValueError):
            budget = min(budget, int(remaining()) - LAMBDA_MARGIN_MS)
    return max(budget, 50)


def _log() -> Any:
    try:
        from chalicelib.observability import get_logger

        return get_logger()
    except Exception:  # a broken logger must not break the answer to Connect
        return logging.getLogger("contact-center")


def _resolve(target: str) -> FlowHandler:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def run(event: object, context: Any, target: str) -> dict[str, str]:
    """Serve one Connect invocation with the flow function at `target`
    ("package.module:function"), which is imported on first use so that a cold
    start pays only for what this function needs."""
    deadline = Deadline(_budget_ms(context))
    request = FlowRequest.from_event(event)
    keys: tuple[str, ...] = ()
    logger = _log()
    try:
        from chalicelib.observability import bind_contact

        bind_contact(request.contact_id)
        handler = _resolve(target)
        keys = getattr(handler, "response_keys", ())
        future = _worker_pool().submit(handler, request, deadline)
        response = future.result(timeout=deadline.remaining_ms() / 1000)
        if not isinstance(response, FlowResponse):
            raise TypeError(f"{target} returned {type(response).__name__}, not FlowResponse")
    except FutureTimeout:
        logger.warning("flow function ran out of budget", extra={
            "function": target, "budget_ms": deadline.budget_ms})
        response = FlowResponse.error("TIMEOUT")
    except DomainError as e:
        logger.warning("flow function failed", extra={"function": target, "error_code": e.code})
        response = FlowResponse.error(e.code)
    except Exception:
        # Nothing may escape to Connect, not even a logging failure.
        with contextlib.suppress(Exception):
            logger.exception("flow function crashed", extra={"function": target})
        response = FlowResponse.error("INTERNAL")
    result = response.to_map(keys)
    with contextlib.suppress(Exception):
        logger.info("flow answered", extra={
            "function": target, "status": result["status"], "error_code": result.get("errorCode", ""),
            "channel": request.channel, "elapsed_ms": deadline.budget_ms - deadline.remaining_ms()})
    with contextlib.suppress(Exception):
        from chalicelib.observability import count

        count("FlowAnswers", function=target.rpartition(":")[2], status=result["status"])
    return result
