"""What happened, told to whoever listens, inside one Lambda invocation.

A lower layer announces an event ("contact ended", "customers merged", "WhatsApp
message received") and the capabilities above it subscribe, so the timeline never
names surveys and WhatsApp inbound never names the clinic. The subscriptions are
declared in one place, `chalicelib/wiring.py`, which every entry point imports.

A handler is a callable or a "module:function" name loaded on first use, so an
entry point that never announces an event never imports its subscribers (cold
start). Two ways to announce, chosen by the event:

- `announce`: every handler hears it (a contact ended: surveys and the interval
  history both act), in the order they subscribed;
- `first_answer`: the handlers are asked in the order they subscribed and the
  first that answers (returns anything but None) wins: the ones after it are not
  called. A customer's message is then answered by exactly one capability, never by
  two (the knowledge base and the front desk) and, as long as one handler always
  answers, never by none. A handler that does not answer may leave a note in the
  payload for the ones after it (the event's docstring says which).

Either way an error propagates to the entry point, whose retry (Kinesis, SNS, the
scheduler) announces the event again, so an error is never taken for "not mine"
and passed on; each subscriber stays idempotent by its own natural key (one survey
per contact, one task per message id, one reply per message id), and answers a
redelivery as it answered the first time.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

CONTACT_ENDED = "contact ended"
"""A contact record says a contact ended. Payload: {"observation", "interaction"}."""
CONTACT_EVENT = "contact event"
"""A contact event (queued, connected, disconnected...) was read. Payload: {"observation",
"customerId"} (None while the contact is nobody's yet)."""
CUSTOMERS_MERGED = "customers merged"
"""A duplicate profile was folded into a survivor. Payload: {"duplicateId", "survivorId"}."""
WHATSAPP_MESSAGE = "whatsapp message"
"""A customer wrote on WhatsApp (not an opt-out). Announced with `first_answer`.
Payload: {"inbound", "customer", "settings"}; the handler that answers (action,
detail) is the one that acted. One that does not answer may set "asked": what the
customer is still asking when their message only said an earlier answer did not
help (the knowledge base's article), for the next handler to act on."""
SMS_MESSAGE = "sms message"
"""A customer wrote an SMS to our number (not an opt-out, not a help word). Payload:
{"inbound", "customer", "settings"}; the first handler that answers (action, detail)
decides what was done."""

CASE_CLOCKS_CHANGED = "case clocks changed"
"""A case's service-level deadlines moved. Payload: {"cancel": [schedule names],
"create": [chalicelib.cases.sla_steps.Planned]}."""

Handler = Callable[[dict[str, Any]], Any]
_subscribers: dict[str, list[Handler | str]] = {}
_loaded: dict[str, Handler] = {}


def subscribe(event_name: str, handler: Handler | str) -> None:
    """Add a handler for an event; subscribing the same handler again changes nothing."""
    handlers = _subscribers.setdefault(event_name, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribers(event_name: str) -> tuple[Handler | str, ...]:
    return tuple(_subscribers.get(event_name, ()))


def _resolve(handler: Handler | str) -> Handler:
    if not isinstance(handler, str):
        return handler
    if handler not in _loaded:
        module, _, name = handler.partition(":")
        _loaded[handler] = getattr(importlib.import_module(module), name)
    return _loaded[handler]


def announce(event_name: str, payload: dict[str, Any]) -> list[Any]:
    """Call every subscriber of the event with the payload; their answers, in order."""
    return [_resolve(handler)(payload) for handler in _subscribers.get(event_name, ())]


def first_answer(event_name: str, payload: dict[str, Any]) -> Any:
    """Ask the subscribers in order until one answers (anything but None) and return
    that answer; None when none did. The subscribers after the one that answered are
    not called; an error propagates and stops the asking."""
    for handler in _subscribers.get(event_name, ()):
        answer = _resolve(handler)(payload)
        if answer is not None:
            return answer
    return None
