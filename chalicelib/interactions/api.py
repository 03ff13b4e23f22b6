"""The timeline route: a customer's interactions on every channel, newest first."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, only_params
from chalicelib.interactions.models import InteractionModel
from chalicelib.settings import get_settings

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    from chalicelib.http import whole_number

    limit = whole_number(raw, 1, MAX_LIMIT)
    if limit is None:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def interaction_document(item: InteractionModel) -> dict[str, Any]:
    fcr = dict(item.fcr.as_dict()) if item.fcr is not None else None
    handled = bool(item.agent) and not item.abandoned
    return {
        "id": item.interaction_id,
        # "contact" for Amazon Connect contacts; what happened, for activities
        # outside Connect (activity.py): message_sent, message_received, ...
        "kind": item.kind or "contact",
        "reference": item.reference,
        "detail": item.detail,
        "channel": item.channel,
        "initiationMethod": item.initiation_method,
        "startedAt": item.started_at,
        "endedAt": item.ended_at,
        "status": item.status,
        "queue": item.queue,
        "agent": item.agent,
        "queueWaitSeconds": _number(item.queue_wait_seconds),
        "talkSeconds": _number(item.talk_seconds),
        "holdSeconds": _number(item.hold_seconds),
        "afterContactWorkSeconds": _number(item.after_contact_work_seconds),
        "handleSeconds": _number(item.handle_seconds),
        "disconnectReason": item.disconnect_reason,
        "abandoned": bool(item.abandoned),
        "contactReason": item.contact_reason,
        "predictedReason": item.predicted_reason,
        "disposition": item.disposition,
        "resolved": item.resolved,
        "caseId": item.case_id,
        "transfers": _number(item.transfers) or 0,
        "contactIds": list(item.contact_ids or []),
        "repeatContact": fcr["repeatContact"] if fcr else None,
        "resolvedAtFirstContact": (not fcr["repeated"] and item.resolved is not False) if fcr and handled else None,
    }


def _number(value: Any) -> int | None:
    return None if value is None else int(value)


def timeline(customer_id: str, query: dict[str, str] | None) -> dict[str, Any]:
    from chalicelib.interactions.service import Timeline
    from chalicelib.profiles.service import Profiles

    query = only_params(query, ("limit", "cursor"))
    limit = _limit(query.get("limit"))
    settings = get_settings()
    customer = Profiles(settings).get(customer_id)
    items, cursor = Timeline(settings).page(customer.customer_id, limit, query.get("cursor"))
    return {
        "customerId": customer.customer_id,
        "interactions": [interaction_document(item) for item in items],
        "nextCursor": cursor,
    }
