"""WhatsApp messages customers send us, as AWS End User Messaging Social publishes
them to the SNS topic of the WhatsApp Business Account (WHATSAPP_EVENTS_TOPIC_ARN).

Each SNS message is one event: AWS's header (`context`, `aws_account_id`,
`message_timestamp`, `messageId`) and Meta's webhook entry as a JSON string in
`whatsAppWebhookEntry` ({"id": <WABA>, "changes": [{"field": "messages", "value":
{"messages": [...], "contacts": [...], "statuses": [...]}}]}).

For every message a customer wrote (delivery statuses of our own messages are
ignored):
- the sender is recognised by their WhatsApp number (a profile is started for an
  unknown one, like the contact flow's lookup does);
- the time is kept on the profile: free-form replies are allowed for 24 hours;
- an opt-out keyword (STOP, OPRIRE, DEZABONARE, DISISCRIVIMI, ANNULLA ISCRIZIONE,
  LEIRATKOZÁS, ...: chalicelib/privacy/consent.py) withdraws WhatsApp consent;
- anything else is announced as a "whatsapp message" (chalicelib.events), whose
  first handler to answer is the only one to act: the knowledge base answers a
  question an article answers confidently, for a reason customers may serve
  themselves (chalicelib.knowledge.whatsapp); the clinic answers a reminder's button
  (Confirm / Reschedule / Cancel) and passes anything else they write to its front
  desk as an Amazon Connect task (chalicelib.clinic.whatsapp);
- the message lands in their timeline, which is also how a redelivery is known:
  a message id already there is not handled again. Every step is itself idempotent
  (conditional updates, outbox keys, task client tokens), so a failure part-way
  raises, SNS delivers again, and the rest is done.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.notify import inbound as messages_in
from chalicelib.observability import get_logger
from chalicelib.settings import Settings, get_settings

CHANNEL = "WHATSAPP"
_IGNORED_TYPES = {"reaction", "unknown", "unsupported", "system", "request_welcome"}
MAX_TEXT = 4000


@dataclass(frozen=True)
class Inbound:
    message_id: str
    sender: str  # E.164
    at: datetime
    type: str
    text: str  # what they wrote, or the tapped button's title
    payload: str  # a button's payload


def _entries(note: dict[str, Any]) -> list[Any]:
    raw = note.get("whatsAppWebhookEntry")
    if isinstance(raw, str):
        try:
            return [json.loads(raw)]
        except ValueError:
            raise InvalidInput("whatsAppWebhookEntry is not JSON") from None
    if isinstance(raw, dict):
        return [raw]
    if isinstance(note.get("entry"), list):  # Meta's own webhook body, passed through as is
        return note["entry"]
    raise InvalidInput("not a WhatsApp event: no whatsAppWebhookEntry")


def _part(raw: dict[str, Any], name: str) -> dict[str, Any]:
    """An object inside a message (`text`, `button`, `interactive`...); a message whose
    part is not an object cannot be read."""
    part = raw.get(name)
    if part is None:
        return {}
    if not isinstance(part, dict):
        raise InvalidInput(f"a {raw.get('type')} message whose {name} is not an object")
    return part


def _message(raw: Any) -> Inbound | None:
    """One customer message; None for what is not one; InvalidInput for a message
    that cannot be read."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("from"), str):
        return None
    kind = str(raw.get("type") or "unknown")
    text, payload = "", ""
    if kind == "text":
        text = str(_part(raw, "text").get("body") or "")
    elif kind == "button":
        button = _part(raw, "button")
        text, payload = str(button.get("text") or ""), str(button.get("payload") or "")
    elif kind == "interactive":
        reply = _part(raw, "interactive")
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        if not isinstance(chosen, dict):
            raise InvalidInput("an interactive message whose reply is not an object")
        text, payload = str(chosen.get("title") or ""), str(chosen.get("id") or "")
    try:
        at = datetime.fromtimestamp(int(raw.get("timestamp")), UTC)
    except (TypeError, ValueError, OverflowError):
        at = datetime.now(UTC)
    digits = re.sub(r"\D", "", raw["from"])
    return Inbound(message_id=raw["id"][:200], sender=f"+{digits}", at=at, type=kind, text=text[:MAX_TEXT],
                   payload=payload[:200])


def raw_messages(message: str) -> list[Any]:
    """The customers' messages in one notification, as they came (none for delivery
    statuses). InvalidInput when the notification itself cannot be read."""
    try:
        note = json.loads(message)
    except (TypeError, ValueError, RecursionError):
        raise InvalidInput("the SNS message is not JSON") from None
    if not isinstance(note, dict):
        raise InvalidInput("the SNS message is not a WhatsApp event")
    found = []
    for entry in _entries(note):
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or not isinstance(value.get("messages") or [], list):
                continue
            found.extend(value.get("messages") or [])
    return found



def handle(event: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """One SNS delivery. Raises Forbidden for another topic's message, InvalidInput
    for one that is not a WhatsApp event (both reported, not lost)."""
    from chalicelib.security import sns_message

    settings = settings or get_settings()
    sns = sns_message(event, settings.whatsapp_events_topic_arn)
    return handle_notification(sns.get("Message"), settings)


def handle_notification(message: Any, settings: Settings) -> dict[str, Any]:
    """The customers' messages in one notification: an End User Messaging Social
    event, or Meta's own webhook body (chalicelib/notify/meta_webhook.py).

    Each message is handled on its own. One that can never be handled (unreadable,
    refused) is logged without its content, counted and dead-lettered alone; the
    others take effect (a STOP in the same delivery included). A failure that may
    pass (AWS) is raised after the others were handled, so the delivery is retried
    and the messages already handled are recognised and skipped."""
    logger = get_logger()
    outcomes: list[dict[str, Any]] = []
    unusable = 0
    retry: Exception | None = None
    for raw in raw_messages(message):
        try:
            inbound = _message(raw)
            if inbound is not None:
                outcomes.append(receive(inbound, settings))
        except InvalidInput as e:
            unusable += 1
            logger.error("whatsapp message not handled; dead-lettered",
                         extra={"problem": e.message, "message_ref": _reference(raw)})
            _dead_letter(raw, e.message, settings)
        except Exception as e:
            logger.exception("whatsapp message not handled; the delivery will be retried",
                             extra={"message_ref": _reference(raw)})
            retry = retry or e
    summary = {"messages": len(outcomes), "unusable": unusable, "actions": [o["action"] for o in outcomes]}
    logger.info("whatsapp event", extra=summary)
    if retry is not None:
        raise retry
    return summary


def _reference(raw: Any) -> str:
    """Which message, without what it says or who sent it: a hash of its id."""
    return messages_in.reference(raw.get("id") if isinstance(raw, dict) else None)


def _dead_letter(raw: Any, problem: str, settings: Settings) -> None:
    from chalicelib.notify import dead_letters

    dead_letters.keep(raw, problem, queue_arn=settings.whatsapp_dead_letter_queue_arn, source="on_whatsapp_event",
                      setting="WHATSAPP_DEAD_LETTER_QUEUE_ARN")


def receive(inbound: Inbound, settings: Settings) -> dict[str, Any]:
    def act(customer: Any) -> tuple[str, dict[str, str]]:
        _keep_window_open(customer.customer_id, inbound.at)
        return _act(inbound, customer, settings)

    return messages_in.receive(CHANNEL, inbound, _sender(inbound, settings), act)


def _sender(inbound: Inbound, settings: Settings) -> Any:
    from chalicelib.profiles.identity import identity

    try:
        wa = identity("wa", inbound.sender, settings.default_phone_region)
    except InvalidInput:
        get_logger().warning("whatsapp message from an unusable number")
        return None
    return messages_in.sender([wa, identity("phone", wa.value, settings.default_phone_region)], settings)


def _keep_window_open(customer_id: str, at: datetime) -> None:
    """Remember their latest message (an older one arriving late changes nothing)."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.db import dynamo_errors
    from chalicelib.profiles.models import CustomerModel

    m = CustomerModel
    with dynamo_errors("updating a customer"):
        try:
            m(customer_id).update(actions=[m.whatsapp_last_inbound_at.set(at)],
                                  condition=m.customer_id.exists() & (m.whatsapp_last_inbound_at.does_not_exist()
                                                                      | (m.whatsapp_last_inbound_at < at)))
        except UpdateError as e:
            if getattr(e, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise


def _act(inbound: Inbound, customer: Any, settings: Settings) -> tuple[str, dict[str, str]]:
    from chalicelib import events
    from chalicelib.privacy import consent

    if inbound.type in _IGNORED_TYPES:
        return "ignored", {}
    if consent.is_opt_out(inbound.text):
        consent.withdraw(customer.customer_id, "whatsapp")
        return "opted_out", {}
    # What the message means is for the capabilities to say, and exactly one acts on
    # it (the knowledge base answers what an article answers, the clinic answers
    # appointment buttons and passes anything else to its front desk).
    answer = events.first_answer(events.WHATSAPP_MESSAGE, {"inbound": inbound, "customer": customer,
                                                           "settings": settings})
    return answer if answer is not None else ("unhandled", {})
