"""Answers AWS calls that moto has no backend for, in the local run, and records them.

Amazon Connect's contact APIs (StartTaskContact, StartChatContact, ...), End User
Messaging Social (WhatsApp) and SMS v2 have no moto backend. In `make demo` these
calls go through boto3 as in production: botocore validates the parameters against
the service model (a wrong parameter still fails loudly), then, instead of sending the
request, this recorder keeps the validated parameters and answers with a response
shaped by the operation's output model. The demo prints what would have been sent.

Tests use botocore's Stubber instead, asserting exact requests.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Operations moto lacks, by botocore service id (hyphenized). Everything else of these
# services still goes to the embedded moto server.
UNSUPPORTED = {
    "connect": {
        "StartTaskContact", "StartChatContact", "StartOutboundVoiceContact", "UpdateContactAttributes",
        "CreatePersistentContactAssociation", "StopContact", "DescribeContact", "StartContactStreaming",
        "UpdateContact", "TransferContact", "StartOutboundChatContact", "StartEmailContact",
        "StartOutboundEmailContact",
    },
    "socialmessaging": None,  # the whole service
    "connectcases": None,
    "pinpoint-sms-voice-v2": None,
}


@dataclass(frozen=True)
class RecordedCall:
    service: str
    operation: str
    params: dict[str, Any]
    response: dict[str, Any]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self._lock = threading.Lock()
        self._pending = threading.local()

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def of(self, operation: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.operation == operation]

    # botocore hooks -------------------------------------------------------------

    def _intercepted(self, service: str, operation: str) -> bool:
        if service not in UNSUPPORTED:
            return False
        operations = UNSUPPORTED[service]
        return operations is None or operation in operations

    def before_parameter_build(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        # The caller's parameters; botocore validates them next, and before-send only
        # fires if they were valid.
        service = model.service_model.service_id.hyphenize()
        if self._intercepted(service, model.name):
            self._pending.call = (model, _json_safe(params))

    def before_send(self, request: Any, event_name: str = "", **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        _, service, operation = [*event_name.split("."), "", ""][:3]
        if not self._intercepted(service, operation):
            return None
        model, params = getattr(self._pending, "call", (None, {}))
        self._pending.call = None
        response = synthesize(model.output_shape if model is not None else None)
        with self._lock:
            self.calls.append(RecordedCall(service, operation, params, response))
        body = json.dumps(response).encode()
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any):
        yield self._body


def _json_safe(value: Any) -> Any:
    def default(item: Any) -> str:
        return item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)

    return json.loads(json.dumps(value, default=default))


def synthesize(shape: Any, depth: int = 0, name: str = "") -> Any:
    """A plausible response value for an output shape: ids are fresh UUIDs."""
    if shape is None:
        return {}
    kind = shape.type_name
    if kind == "structure":
        if depth > 3:
            return {}
        return {member: synthesize(sub, depth + 1, member) for member, sub in shape.members.items()
                if sub.type_name in ("string", "structure") and not sub.serialization.get("location")}
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        lowered = name.lower()
        if lowered.endswith("id") or lowered.endswith("token"):
            return str(uuid.uuid4())
        if lowered.endswith("url"):
            return "wss://participant.connect.eu-central-1.amazonaws.com/recorded"
        if "expir" in lowered or "time" in lowered:
            return datetime.now(UTC).isoformat()
        return "recorded"
    if kind == "list":
        return []
    return None


_installed: Recorder | None = None


def _hooks(recorder: Recorder) -> list[tuple[str, Any]]:
    return [("before-parameter-build", recorder.before_parameter_build), ("before-send", recorder.before_send)]


def install() -> Recorder:
    """Hook the recorder into every botocore session created from now on, once per
    process. Clients made before this call are not affected: install it first."""
    global _installed
    if _installed is None:
        from botocore.handlers import BUILTIN_HANDLERS

        _installed = Recorder()
        # First in line: in-process moto (mock_aws) answers every AWS request it sees,
        # with a 404 for operations it lacks; the recorder must answer those first.
        BUILTIN_HANDLERS[:0] = _hooks(_installed)
    return _installed


def uninstall() -> None:
    """Stop recording for sessions created from now on."""
    global _installed
    if _installed is not None:
        from botocore.handlers import BUILTIN_HANDLERS

        for hook in _hooks(_installed):
            BUILTIN_HANDLERS.remove(hook)
        _installed = None


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """The recorder for the duration of a block, for clients created inside it (the
    product's cached clients are dropped on the way in and out); left installed if it
    was before."""
    from chalicelib import aws

    was_installed = _installed is not None
    found = install()
    aws.reset()
    try:
        yield found
    finally:
        if not was_installed:
            uninstall()
        aws.reset()
