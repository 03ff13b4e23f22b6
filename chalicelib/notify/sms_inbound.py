"""What AWS End User Messaging SMS publishes to the SMS events topic
(SMS_EVENTS_TOPIC_ARN), read by on_sms_event. Each SNS message is one of:

- an SMS a customer sent to our number (two-way SMS): {"originationNumber",
  "destinationNumber", "messageKeyword", "messageBody", "inboundMessageId",
  "previousPublishedMessageId"};
- a delivery event of a message we sent (the configuration set's event
  destination): {"eventType": "TEXT_DELIVERED" | "TEXT_INVALID" | ..., "messageId",
  "destinationPhoneNumber", "messageStatus", "isFinal", ...}.

For an SMS a customer wrote:
- the sender is recognised by their number (a profile is started for an unknown one
  when AUTO_CREATE_PROFILES is on, as for WhatsApp);
- an opt-out word (STOP, OPRIRE, DEZABONARE, DISISCRIVIMI, LEIRATKOZÁS, ...:
  chalicelib/privacy/consent.py) withdraws SMS consent, every purpose;
- a help word (HELP, AJUTOR, AIUTO, SEGÍTSÉG, INFO) is answered with the `sms_help`
  text in the customer's language (support number, how to stop);
- anything else is announced as an "sms message" (chalicelib.events): the clinic
  passes it to its front desk as an Amazon Connect task, routed to the queue its
  predicted contact reason names;
- the message lands in their timeline, which is also how a redelivery is known: a
  message id already there is not handled again.

A delivery event that ends a message undelivered marks its outbox entry `bounced`;
an invalid or blocked number is also put on the suppression list, so nothing more
is sent to it by SMS. Other events change nothing.

A message that can never be handled (not JSON, not an SMS event, a number that is
no phone number) is logged without its content and kept alone in the SMS
dead-letter queue (SMS_DEAD_LETTER_QUEUE_ARN). A failure that may pass (AWS) raises,
so SNS and Lambda deliver again; every step is idempotent.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.notify import inbound as messages_in
from chalicelib.notify.inbound import reference
from chalicelib.observability import get_logger
from chalicelib.settings import Settings, get_settings

CHANNEL = "SMS"
MAX_TEXT = 1600
HELP_KEYWORDS = frozenset({"HELP", "INFO", "AJUTOR", "AIUTO", "SEGITSEG"})
# Delivery events that end a message undelivered; the first two mean the number
# itself cannot be reached by SMS.
UNREACHABLE_NUMBER = frozenset({"TEXT_INVALID", "TEXT_BLOCKED"})
UNDELIVERED = UNREACHABLE_NUMBER | {
    "TEXT_CARRIER_BLOCKED", "TEXT_SPAM", "TEXT_INVALID_MESSAGE", "TEXT_TTL_EXPIRED", "TEXT_UNREACHABLE",
    "TEXT_CARRIER_UNREACHABLE", "TEXT_UNKNOWN", "TEXT_PROTECT_BLOCKED"}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9/+=_-]{0,127}")


@dataclass(frozen=True)
class Inbound:
    """One SMS a customer wrote. `payload` is empty (SMS has no buttons); the fields
    match WhatsApp's, so the capabilities read both alike."""

    message_id: str
    sender: str  # E.164
    at: datetime
    text: str
    type: str = "text"
    payload: str = ""
    channel: str = CHANNEL


def is_help(text: object) -> bool:
    """Whether an inbound SMS asks for help ("help", "Ajutor!", "Segítség")."""
    if not isinstance(text, str) or len(text) > 40:
        return False
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(ch if ch.isalnum() else " " for ch in folded.upper()).split()
    return " ".join(words) in HELP_KEYWORDS


def handle(event: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """One SNS delivery. Raises Forbidden for another topic's message (reported by
    the function's retries and dead-letter queue, never acted on)."""
    from chalicelib.security import sns_message

    settings = settings or get_settings()
    sns = sns_message(event, settings.sms_events_topic_arn)
    try:
        return handle_notification(sns.get("Message"), _published_at(sns.get("Timestamp")), settings)
    except InvalidInput as e:
        get_logger().error("sms event not handled; dead-lettered",
                           extra={"problem": e.message, "message_ref": reference(sns.get("MessageId"))})
        _dead_letter(sns.get("Message"), e.message, settings)
        return {"action": "unusable"}


def _published_at(raw: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def handle_notification(message: Any, at: datetime, settings: Settings) -> dict[str, Any]:
    """An inbound SMS or a delivery event; InvalidInput for anything else."""
    try:
        note = json.loads(message)
    except (TypeError, ValueError, RecursionError):
        raise InvalidInput("the SNS message is not JSON") from None
    if not isinstance(note, dict):
        raise InvalidInput("the SNS message is not an SMS event")
    if "inboundMessageId" in note:
        outcome = receive(_inbound(note, at), settings)
    elif isinstance(note.get("eventType"), str):
        outcome = delivery_event(note, settings)
    else:
        raise InvalidInput("not an SMS event: neither inboundMessageId nor eventType")
    get_logger().info("sms event", extra={"action": outcome["action"]})
    return outcome


def _inbound(note: dict[str, Any], at: datetime) -> Inbound:
    message_id, sender, body = note.get("inboundMessageId"), note.get("originationNumber"), note.get("messageBody")
    if not isinstance(message_id, str) or not _ID.fullmatch(message_id):
        raise InvalidInput("inboundMessageId must be an id")
    if not isinstance(sender, str) or not re.fullmatch(r"\+?[0-9]{6,18}", sender):
        raise InvalidInput("originationNumber must be a phone number in E.164")
    if body is not None and not isinstance(body, str):
        raise InvalidInput("messageBody must be text")
    return Inbound(message_id=message_id, sender="+" + sender.lstrip("+"), at=at, text=(body or "")[:MAX_TEXT])


def _dead_letter(raw: Any, problem: str, settings: Settings) -> None:
    from chalicelib.notify import dead_letters

    dead_letters.keep(raw, problem, queue_arn=settings.sms_dead_letter_queue_arn, source="on_sms_event",
                      setting="SMS_DEAD_LETTER_QUEUE_ARN")


# ---- an SMS a customer wrote ------------------------------------------------------

def receive(inbound: Inbound, settings: Settings) -> dict[str, Any]:
    return messages_in.receive(CHANNEL, inbound, _sender(inbound, settings),
                               lambda customer: _act(inbound, customer, settings))


def _sender(inbound: Inbound, settings: Settings) -> Any:
    from chalicelib.profiles.identity import identity

    try:
        phone = identity("phone", inbound.sender, settings.default_phone_region)
    except InvalidInput:
        raise InvalidInput("originationNumber is not a phone number") from None
    return messages_in.sender([phone], settings)


def _act(inbound: Inbound, customer: Any, settings: Settings) -> tuple[str, dict[str, str]]:
    from chalicelib import events
    from chalicelib.privacy import consent

    if consent.is_opt_out(inbound.text):
        consent.withdraw(customer.customer_id, "sms")
        return "opted_out", {}
    if is_help(inbound.text):
        return "help_answered", {"status": _answer_help(inbound, customer, settings)}
    answers = events.announce(events.SMS_MESSAGE, {"inbound": inbound, "customer": customer, "settings": settings})
    for answer in answers:
        if answer is not None:
            return answer
    return "unhandled", {}


def _answer_help(inbound: Inbound, customer: Any, settings: Settings) -> str:
    """The help text, to the number that asked, in the customer's language. Sent even
    after an opt-out: the customer asked for it (and it tells them how to stop)."""
    from chalicelib.notify.render import locale_for
    from chalicelib.notify.sms import SmsSender

    outcome = SmsSender(settings).send(
        inbound.sender, "sms_help", {}, reference=f"sms-help:{reference(inbound.message_id)}",
        language=locale_for(customer.preferred_language).language)
    return outcome.status


# ---- delivery events of our own messages ------------------------------------------

def delivery_event(note: dict[str, Any], settings: Settings) -> dict[str, Any]:
    from chalicelib.notify.outbox import BOUNCED, Outbox
    from chalicelib.notify.suppressions import BOUNCE, Suppressions

    kind, message_id = note["eventType"], note.get("messageId")
    if kind not in UNDELIVERED:
        return {"action": "ignored"}
    if not isinstance(message_id, str) or not _ID.fullmatch(message_id):
        raise InvalidInput(f"a {kind[:40]} event without a messageId")
    suppressed = 0
    if kind in UNREACHABLE_NUMBER:
        number = note.get("destinationPhoneNumber")
        if not isinstance(number, str) or not re.fullmatch(r"\+?[0-9]{6,18}", number):
            raise InvalidInput(f"a {kind} event without a destinationPhoneNumber")
        Suppressions(settings).add("sms", "+" + number.lstrip("+"), BOUNCE, kind)
        suppressed = 1
    updated = Outbox(settings).feedback(message_id, BOUNCED, kind)
    return {"action": "undelivered", "suppressed": suppressed, "entriesUpdated": updated}
