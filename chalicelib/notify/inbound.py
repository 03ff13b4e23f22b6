"""What a message a customer writes us does, whatever it came by (SMS,
WhatsApp): the sender is recognised by their address, a redelivered message is
known by its id in their timeline and answered as before, a new one is acted on
once and lands in their timeline with what was done."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from chalicelib.settings import Settings


class Message(Protocol):
    message_id: str
    at: datetime
    type: str


def reference(message_id: object) -> str:
    """Which message, without what it says or who sent it: a hash of its id."""
    return hashlib.sha256(str(message_id).encode()).hexdigest()[:16] if message_id else ""


def sender(addresses: Sequence[Any], settings: Settings) -> Any:
    """The customer owning the first known of `addresses` (best first), a new
    profile for them when AUTO_CREATE_PROFILES is on, else None."""
    from chalicelib.profiles.service import Profiles

    profiles = Profiles(settings)
    customer = profiles.identify(addresses, create=settings.auto_create_profiles)
    if customer is not None:
        profiles.in_touch(customer)  # no I/O unless half the retention has passed
    return customer


def receive(channel: str, message: Message, customer: Any,
            act: Callable[[Any], tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """Act on a message of `customer` once (`act(customer)` answers the action and its
    detail) and keep it in their timeline; a redelivery changes nothing."""
    from chalicelib.interactions import activity

    if customer is None:
        return {"action": "unknown_sender"}
    if activity.noted(channel, "message_received", message.message_id) is not None:
        return {"action": "duplicate"}
    action, detail = act(customer)
    activity.note(customer.customer_id, channel=channel, kind="message_received", reference=message.message_id,
                  at=message.at, detail={"type": message.type, "action": action, **detail})
    return {"action": action}
