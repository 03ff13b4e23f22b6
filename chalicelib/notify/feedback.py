"""SES feedback (bounces and complaints) arriving through SNS.

A hard bounce or a complaint puts the address on the suppression list, so nothing
more is sent to it on this channel, and marks the outbox entry of the message it
concerns. Transient bounces, deliveries, opens and types not known yet change
nothing. Both SES's notification format (`notificationType`) and its event
publishing format (`eventType`) are read; unknown fields are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.notify.outbox import BOUNCED, COMPLAINED, Outbox
from chalicelib.notify.suppressions import BOUNCE, COMPLAINT, Suppressions
from chalicelib.observability import get_logger
from chalicelib.settings import Settings, get_settings

CHANNEL = "email"


@dataclass
class FeedbackResult:
    kind: str
    suppressed: int = 0
    entries_updated: int = 0
    ignored: str | None = None
    skipped_addresses: int = 0
    details: list[str] = field(default_factory=list)


def _addresses(recipients: Any) -> tuple[list[str], int]:
    from chalicelib.profiles.identity import normalize_email

    found, skipped = [], 0
    for recipient in recipients if isinstance(recipients, list) else []:
        raw = recipient.get("emailAddress") if isinstance(recipient, dict) else None
        try:
            found.append(normalize_email(parseaddr(raw or "")[1]))
        except InvalidInput:
            skipped += 1
    return found, skipped


def handle_delivery(event: dict[str, Any], settings: Settings | None = None) -> FeedbackResult:
    """One SNS delivery to on_ses_feedback. Raises Forbidden for a message published on
    any topic but SES_FEEDBACK_TOPIC_ARN: a bounce from someone else's topic must not
    suppress our customers' addresses."""
    from chalicelib.security import sns_message

    settings = settings or get_settings()
    sns = sns_message(event, settings.ses_feedback_topic_arn)
    return handle(sns.get("Message"), settings)


def handle(message: str, settings: Settings | None = None) -> FeedbackResult:
    """Apply one SES notification (the SNS message body). Raises InvalidInput for a
    message that is not an SES notification at all, so it is reported, not lost."""
    settings = settings or get_settings()
    try:
        note = json.loads(message)
    except (TypeError, ValueError):
        raise InvalidInput("the SNS message is not JSON") from None
    if not isinstance(note, dict) or not isinstance(note.get("mail"), dict):
        raise InvalidInput("the SNS message is not an SES notification (no mail object)")
    kind = str(note.get("notificationType") or note.get("eventType") or "")
    message_id = note["mail"].get("messageId")
    result = FeedbackResult(kind=kind)

    if kind == "Bounce":
        bounce = note.get("bounce") if isinstance(note.get("bounce"), dict) else {}
        bounce_type, subtype = str(bounce.get("bounceType", "")), str(bounce.get("bounceSubType", ""))
        if bounce_type != "Permanent":
            result.ignored = f"{bounce_type or 'unknown'} bounce: the address may work again"
            return result
        addresses, result.skipped_addresses = _addresses(bounce.get("bouncedRecipients"))
        status, reason, detail = BOUNCED, BOUNCE, f"Permanent/{subtype}"
    elif kind == "Complaint":
        complaint = note.get("complaint") if isinstance(note.get("complaint"), dict) else {}
        feedback_type = str(complaint.get("complaintFeedbackType") or "complaint")
        if feedback_type == "not-spam":
            result.ignored = "the recipient marked the message as not spam"
            return result
        addresses, result.skipped_addresses = _addresses(complaint.get("complainedRecipients"))
        status, reason, detail = COMPLAINED, COMPLAINT, feedback_type
    else:
        result.ignored = f"{kind or 'unknown'} notifications change nothing"
        return result

    suppressions = Suppressions(settings)
    for address in addresses:
        suppressions.add(CHANNEL, address, reason, detail)
        result.suppressed += 1
    if isinstance(message_id, str) and message_id:
        result.entries_updated = Outbox(settings).feedback(message_id, status, detail)
    get_logger().info("ses feedback", extra={"kind": kind, "suppressed": result.suppressed,
                                             "entries_updated": result.entries_updated,
                                             "skipped_addresses": result.skipped_addresses})
    return result
