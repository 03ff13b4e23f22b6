"""Contact events and contact records, read tolerantly into observations of one leg.

Amazon Connect adds fields and event types over time, older samples spell keys with
capitals (`AgentInfo`, `AgentArn`) and newer ones in camel case (`agentInfo`), and
CustomerEndpoint, Queue or Agent may be null. Everything here is read from the raw
dict, keys case-insensitively; unknown values are kept as they come.

An observation is what one event or record says about one contact (one transfer leg):
a `source` (`ev:<eventType>` or `ctr`), a `stamp` that orders copies of the same
source (newest wins) and normalised `facts`. No customer address is kept in facts.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CONTACT_EVENT_SOURCE = "aws.connect"
CONTACT_EVENT_DETAIL_TYPE = "Amazon Connect Contact Event"
CTR = "ctr"

# Contact attributes the flow or the agent's tools set, read by the timeline.
ATTR_CUSTOMER_ID = "customerId"
ATTR_REASON = "contactReason"
# The reason the inbound flow predicted (predict_reason), kept beside the agent's.
ATTR_PREDICTED_REASON = "predictedReason"
ATTR_DISPOSITION = "disposition"
ATTR_RESOLVED = "resolved"
ATTR_CASE_ID = "caseId"

# Calls the contact center places: billed at the customer's country's outbound price.
OUTBOUND_METHODS = frozenset({"OUTBOUND", "CALLBACK", "AGENT_REPLY", "CAMPAIGN"})

_TRUE = {"true", "yes", "1", "y", "resolved"}
_FALSE = {"false", "no", "0", "n", "unresolved"}


def reason_id(raw: object) -> str:
    """The catalogue id a contact reason set by a flow or an agent means (older free
    strings such as `refund` included); "" for one the catalogue does not know, which is
    then counted under no reason rather than under a reason of its own."""
    from chalicelib.reasons.catalogue import load

    value = text(raw, 64)
    if not value:
        return ""
    known = load().normalise(value)
    if known is None:
        from chalicelib.observability import get_logger

        get_logger().warning("contact reason not in the catalogue, not counted", extra={
            "known_reasons": ",".join(load().ids)})
    return known or ""


class UnusableInput(ValueError):
    """An event or record that can never be processed (no contact id, not JSON...)."""


def get(mapping: object, *names: str) -> Any:
    """mapping[name] for the first of `names` present, keys compared case-insensitively."""
    if not isinstance(mapping, Mapping):
        return None
    for name in names:
        if name in mapping and mapping[name] is not None:
            return mapping[name]
    lowered = {k.lower(): v for k, v in mapping.items() if isinstance(k, str)}
    for name in names:
        found = lowered.get(name.lower())
        if found is not None:
            return found
    return None


def text(value: object, limit: int = 256) -> str:
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable()).strip()[:limit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)[:limit]
    return ""


def seconds(value: object) -> int:
    """A duration in whole seconds; anything that is not a finite number reads as 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return 0
    if isinstance(value, int | float) and math.isfinite(value):
        return max(0, round(min(value, _LONGEST_SECONDS)))
    return 0


# No contact lasts longer than this; a larger duration is a corrupt value, capped so
# that sums of it stay numbers DynamoDB can hold.
_LONGEST_SECONDS = 10 * 365 * 86400
# Times outside these years are corrupt values: read as unknown, so that shifting them
# into a time zone or adding a retention period to them cannot overflow.
_FIRST_YEAR, _LAST_YEAR = 1970, 2999


def parse_time(value: object) -> datetime | None:
    """ISO 8601 with Z or an offset, with or without fractions; epoch seconds or ms."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        try:
            moment = datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif not isinstance(value, str) or not value.strip():
        return None
    else:
        raw = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            moment = datetime.fromisoformat(raw)
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except (ValueError, OverflowError):  # 9999-12-31T23:59:59-01:00 is past the calendar's end in UTC
            return None
    return moment if _FIRST_YEAR <= moment.year <= _LAST_YEAR else None


def iso(moment: datetime) -> str:
    """A sortable UTC timestamp, millisecond precision: 2025-05-14T09:30:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def time_text(value: object) -> str:
    moment = parse_time(value)
    return iso(moment) if moment else ""


def resource_name(arn: object) -> str:
    """The last part of an ARN (`.../queue/abc` -> `abc`); non-ARNs as they are."""
    value = text(arn)
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def billed_country(record: object, channel: str, method: str) -> str:
    """The country whose per-minute price a call is billed at (ISO 3166, e.g. "RO"):
    the number called for a call the customer made, the customer's number for one the
    contact center made (outbound, callback). Only the country is kept, never the number."""
    if channel != "VOICE":
        return ""
    endpoint = get(record, "CustomerEndpoint" if method in OUTBOUND_METHODS else "SystemEndpoint")
    if str(get(endpoint, "Type") or "").upper() != "TELEPHONE_NUMBER":
        return ""
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(text(get(endpoint, "Address"), 32), None)) or ""
    except phonenumbers.NumberParseException:
        return ""


def resolved_flag(value: object) -> str:
    word = text(value, 32).lower()
    return "true" if word in _TRUE else "false" if word in _FALSE else ""


def _attributes(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {k: text(v, 1024) for k, v in list(value.items())[:300] if isinstance(k, str) and text(v, 1024)}


def fingerprint(facts: Mapping[str, Any]) -> str:
    """Breaks ties between two copies with the same stamp, the same way everywhere."""
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Observation:
    contact_id: str
    interaction_id: str
    source: str
    stamp: str
    facts: dict[str, Any]
    # Only contact records carry these: where the customer can be found.
    attributes: dict[str, str] = field(default_factory=dict)
    customer_address: str = ""
    customer_address_type: str = ""
    subtype: str = ""

    @property
    def copy(self) -> dict[str, Any]:
        """What is stored for this source on the leg."""
        return {"at": self.stamp, "fp": fingerprint(self.facts), **self.facts}


def _compact(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if v not in ("", None, 0, False) or k in ("queue_wait",)}


def _ids(contact_id: object, initial: object) -> tuple[str, str]:
    contact = text(contact_id, 128)
    if not contact:
        raise UnusableInput("no contact id")
    return contact, text(initial, 128) or contact


def contact_event(event: object) -> Observation:
    """An EventBridge `Amazon Connect Contact Event` as an observation of its contact."""
    if not isinstance(event, Mapping):
        raise UnusableInput("a contact event is a JSON object")
    detail = get(event, "detail")
    if not isinstance(detail, Mapping):
        raise UnusableInput("a contact event has a detail object")
    contact_id, interaction_id = _ids(get(detail, "contactId"), get(detail, "initialContactId"))
    event_type = text(get(detail, "eventType"), 64).upper() or "UNKNOWN"
    queue = get(detail, "queueInfo")
    agent = get(detail, "agentInfo")
    previous = text(get(detail, "previousContactId"), 128)
    facts = _compact({
        "channel": text(get(detail, "channel"), 32).upper(),
        "method": text(get(detail, "initiationMethod"), 32).upper(),
        "previous": previous if previous != contact_id else "",
        "initiated_at": time_text(get(detail, "initiationTimestamp")),
        "queue": resource_name(get(queue, "queueName", "queueArn")),
        "enqueued_at": time_text(get(queue, "enqueueTimestamp")),
        "agent": resource_name(get(agent, "agentArn")),
        "connected_at": time_text(get(agent, "connectedToAgentTimestamp")),
        "disconnected_at": time_text(get(detail, "disconnectTimestamp")),
        "disconnect_reason": text(get(detail, "disconnectReason"), 64).upper(),
    })
    stamp = time_text(get(event, "time")) or facts.get("disconnected_at") or facts.get("initiated_at") or ""
    return Observation(contact_id, interaction_id, "ev:" + event_type, stamp, facts)


def contact_record(record: object) -> Observation:
    """A contact record (CTR) as an observation of its contact: the authoritative
    account of durations, queue, agent and the attributes the flow and agent set."""
    if not isinstance(record, Mapping):
        raise UnusableInput("a contact record is a JSON object")
    contact_id, interaction_id = _ids(get(record, "ContactId"), get(record, "InitialContactId"))
    queue = get(record, "Queue")
    agent = get(record, "Agent")
    attributes = _attributes(get(record, "Attributes"))
    endpoint = get(record, "CustomerEndpoint")
    previous = text(get(record, "PreviousContactId"), 128)
    following = text(get(record, "NextContactId"), 128)
    segment = get(record, "SegmentAttributes")
    subtype = get(get(segment, "connect:Subtype"), "ValueString")
    channel, method = text(get(record, "Channel"), 32).upper(), text(get(record, "InitiationMethod"), 32).upper()
    facts = _compact({
        "channel": channel,
        "method": method,
        "country": billed_country(record, channel, method),
        # WhatsApp conversations are priced apart from web chats.
        "whatsapp": channel == "CHAT" and "whatsapp" in text(subtype, 64).lower(),
        "previous": previous if previous != contact_id else "",
        "next": following if following != contact_id else "",
        "initiated_at": time_text(get(record, "InitiationTimestamp")),
        "queue": text(get(queue, "Name")) or resource_name(get(queue, "ARN")),
        "enqueued_at": time_text(get(queue, "EnqueueTimestamp")),
        "queue_wait": seconds(get(queue, "Duration")),
        "agent": text(get(agent, "Username")) or resource_name(get(agent, "ARN")),
        "connected_at": time_text(get(agent, "ConnectedToAgentTimestamp")),
        "talk": seconds(get(agent, "AgentInteractionDuration")),
        "hold": seconds(get(agent, "CustomerHoldDuration")),
        "acw": seconds(get(agent, "AfterContactWorkDuration")),
        "disconnected_at": time_text(get(record, "DisconnectTimestamp")),
        "disconnect_reason": text(get(record, "DisconnectReason"), 64).upper(),
        "reason": reason_id(attributes.get(ATTR_REASON)),
        "predicted_reason": reason_id(attributes.get(ATTR_PREDICTED_REASON)),
        "disposition": text(attributes.get(ATTR_DISPOSITION), 64),
        "resolved": resolved_flag(attributes.get(ATTR_RESOLVED)),
        "case_id": text(attributes.get(ATTR_CASE_ID), 64),
    })
    if "enqueued_at" not in facts:
        facts.pop("queue_wait", None)
    stamp = (time_text(get(record, "LastUpdateTimestamp")) or facts.get("disconnected_at")
             or facts.get("initiated_at") or "")
    return Observation(
        contact_id, interaction_id, CTR, stamp, facts, attributes=attributes,
        customer_address=text(get(endpoint, "Address")), customer_address_type=text(get(endpoint, "Type"), 32).upper(),
        subtype=text(subtype, 64),
    )
