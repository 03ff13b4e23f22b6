"""Consent as the agent sees it and records it on a call.

The panel shows, per channel the customer can be reached on (e-mail with an e-mail
address; SMS and phone with a phone number; WhatsApp with a WhatsApp number), what
each purpose is allowed, as every sender decides it (`chalicelib.privacy.consent.allows`,
the one consent rule). When the customer states a change on the call, the agent
records it: the profile's consent changes, and the customer's timeline keeps the
evidence, one entry per change naming the contact it was stated on, what changed and
that an agent recorded it. The entry is written before the profile, keyed by the
contact and the profile's version the change applies to: a retry after a failure
writes no second entry, and the evidence never lacks a change that was made.
"""

from __future__ import annotations

from typing import Any

from chalicelib.db import plain
from chalicelib.profiles.schema import CHANNELS, PURPOSES, consent_given

# Which address lets a message reach the customer on each consent channel.
_REACHED_BY = {"email": "email", "sms": "phone", "whatsapp": "wa", "voice": "phone"}
KIND = "consent_changed"


def reachable(customer: Any) -> list[str]:
    """The consent channels the customer has an address for, in the usual order."""
    kinds = {key.partition("#")[0] for key in customer.identities or ()}
    return [channel for channel in CHANNELS if _REACHED_BY[channel] in kinds]


def shown(customer: Any, t: dict[str, Any]) -> list[dict[str, Any]]:
    """Per reachable channel, each purpose and whether a message of it may be sent."""
    from chalicelib.privacy.consent import allows

    return [{"channel": channel, "label": t["consent_channels"][channel],
             "purposes": [{"purpose": purpose, "label": t["purposes"][purpose],
                           "given": allows(customer, channel, purpose)} for purpose in PURPOSES]}
            for channel in reachable(customer)]


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, dict[str, bool]]:
    """What a consent change really changes: {channel: {purpose: now}}."""
    found: dict[str, dict[str, bool]] = {}
    for channel in CHANNELS:
        for purpose in PURPOSES:
            now = consent_given(after, channel, purpose)
            if now != consent_given(before, channel, purpose):
                found.setdefault(channel, {})[purpose] = now
    return found


def record(customer: Any, contact_id: str, contact_channel: str, change: dict[str, Any]) -> dict[str, Any]:
    """Note on the timeline that the customer stated `change` on this contact; returns
    what it changes (empty: nothing to record)."""
    from chalicelib.interactions import activity
    from chalicelib.profiles.schema import consent as apply

    before = plain(customer.consent)
    changed = changes(before, apply(change, base=before))
    if not changed:
        return {}
    channel = contact_channel.upper() if contact_channel.upper() in activity.CHANNELS else "VOICE"
    version = activity.timestamp(customer.updated_at) if customer.updated_at else "new"
    detail = {"contactId": contact_id, "source": "agent",
              **{ch: ",".join(f"{p}={'yes' if v else 'no'}" for p, v in purposes.items())
                 for ch, purposes in changed.items()}}
    activity.note(customer.customer_id, channel=channel, kind=KIND, reference=f"{contact_id}#{version}",
                  detail=detail)
    return changed


def line(detail: dict[str, Any], t: dict[str, Any]) -> str:
    """`e-mail: marketing yes; SMS: surveys no` in the agent's language."""
    parts = []
    for channel in CHANNELS:
        if not detail.get(channel):
            continue
        said = []
        for pair in str(detail[channel]).split(","):
            purpose, _, value = pair.partition("=")
            said.append(f"{t['purposes'].get(purpose, purpose)} {t['yes'] if value == 'yes' else t['no']}")
        parts.append(f"{t['consent_channels'].get(channel, channel)}: {', '.join(said)}")
    return "; ".join(parts)
