"""What happened outside Amazon Connect, in the same timeline as the contacts: a
WhatsApp message sent or received, an e-mail, a return opened, a status checked.

    from chalicelib.interactions import activity
    activity.note(customer_id, channel="WHATSAPP", kind="message_received", reference=wamid)

An activity is keyed by what it is about (a hash of channel, kind and reference, so
the key itself says nothing once the item is erased), so noting the same thing twice
(a redelivered event, a retried send) leaves one item: the first write wins. It
carries ids and short facts only, never a message's text. Activities are not
contacts: they are shown in the timeline and exported and erased with it, but never
enter first-contact resolution, the profile's "last contact" or the KPI counters,
which stay Connect's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from chalicelib.db import dynamo_errors, expiry, is_live, utcnow
from chalicelib.errors import InvalidInput
from chalicelib.interactions.models import InteractionModel
from chalicelib.settings import get_settings

CHANNELS = ("VOICE", "CHAT", "TASK", "EMAIL", "WHATSAPP", "SMS", "WEB", "API")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,47}\Z")
_REFERENCE = re.compile(r"^[A-Za-z0-9:._/#@+=-]{1,200}\Z")
_DETAIL_VALUE_LIMIT = 200
_DETAIL_KEYS = 12


def activity_id(channel: str, kind: str, reference: str) -> str:
    import hashlib

    digest = hashlib.sha256(f"{channel}#{kind}#{reference}".encode()).hexdigest()[:40]
    return f"activity#{digest}"


def timestamp(moment: datetime) -> str:
    """The timeline's time format (the one contact events use), so activities and
    contacts sort together: 2025-05-14T07:58:02.000Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _check(channel: str, kind: str, reference: str, detail: dict[str, Any] | None) -> dict[str, str]:
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
    if not _KIND.match(kind or ""):
        raise InvalidInput("kind must be a lower-case name such as message_sent")
    if not _REFERENCE.match(reference or ""):
        raise InvalidInput("reference must be 1-200 letters, digits or : . _ / # @ + = -")
    facts = {str(k)[:40]: str(v)[:_DETAIL_VALUE_LIMIT] for k, v in (detail or {}).items() if v not in (None, "")}
    if len(facts) > _DETAIL_KEYS:
        raise InvalidInput(f"an activity keeps at most {_DETAIL_KEYS} facts")
    return facts


def note(customer_id: str, *, channel: str, kind: str, reference: str, at: datetime | None = None,
         detail: dict[str, Any] | None = None) -> bool:
    """Add an activity to the customer's timeline; False when it was already there."""
    from pynamodb.exceptions import PutError

    facts = _check(channel, kind, reference, detail)
    at = at or utcnow()
    started = timestamp(at)
    identifier = activity_id(channel, kind, reference)
    item = InteractionModel(
        identifier, customer_id=customer_id, started_key=f"{started}#{identifier}", channel=channel,
        started_at=started, ended_at=started, status="done", kind=kind, reference=reference,
        detail=facts or None, version=1,
        expires_at=expiry(get_settings().interaction_retention_days, at))
    with dynamo_errors("noting an activity"):
        try:
            # Noted before, or an expired copy DynamoDB has not deleted yet: the first
            # live note stands.
            item.save(condition=InteractionModel.interaction_id.does_not_exist()
                      | (InteractionModel.expires_at < utcnow()))
        except PutError as e:
            if getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
    return True


def noted(channel: str, kind: str, reference: str) -> InteractionModel | None:
    """The live activity with this key, if it was noted."""
    with dynamo_errors("reading an activity"):
        try:
            item = InteractionModel.get(activity_id(channel, kind, reference), consistent_read=True)
        except InteractionModel.DoesNotExist:
            return None
    return item if is_live(item) else None


def note_quietly(customer_id: str | None, **fields: Any) -> None:
    """`note`, for callers whose own work is done and must not fail because the
    timeline could not be written (the message is sent; the call is answered)."""
    if not customer_id:
        return
    try:
        note(customer_id, **fields)
    except Exception:
        from chalicelib.observability import get_logger

        get_logger().warning("could not note an activity on the timeline",
                             extra={"kind": fields.get("kind"), "channel": fields.get("channel")}, exc_info=True)
