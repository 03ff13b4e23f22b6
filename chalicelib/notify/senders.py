"""What every channel's sender provides, so e-mail, SMS and WhatsApp share one
outbox, one idempotency rule and one consent and suppression policy.

A sender knows its channel's addresses, turns a checked message into something its
provider accepts (`prepare`: no I/O, raises Rejected for anything wrong with the
message) and hands it over (`deliver`). The Notifier (service.py) does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.errors import InvalidInput
from chalicelib.notify.messages import MessageType


class Rejected(InvalidInput):
    """This message cannot be sent as it is; sending it again would not help.
    Recorded on the outbox entry as `failed` with the code."""


class Unconfirmed(Exception):
    """The provider may or may not have accepted the message (a timeout on the way
    back). Never retried: a duplicate is worse than a message an operator resends."""


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to. `customer_id` and `profile` (the customer as just read,
    for the consent check) are None for staff."""

    address: str | None
    name: str | None = None
    first_name: str | None = None
    preferred_language: str | None = None
    time_zone: str = "UTC"
    customer_id: str | None = None
    profile: Any = None
    # When the customer last wrote to us on WhatsApp: free-form WhatsApp messages are
    # allowed for 24 hours after it (notify/whatsapp.py).
    whatsapp_last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class Outgoing:
    key: str
    channel: str
    kind: MessageType
    variables: dict[str, Any]
    recipient: Recipient
    # A language asked for explicitly (staff mail); otherwise the recipient's.
    language: str | None = None


class Sender(Protocol):
    channel: str

    def address_of(self, customer: Any) -> str | None:
        """The customer's address on this channel, if they have one."""

    def prepare(self, message: Outgoing) -> Any:
        """The message ready for the provider; Rejected if it cannot be."""

    def deliver(self, prepared: Any) -> str:
        """Hand over; the provider's message id. Raises Rejected (permanent),
        DependencyFailure (not sent, retry later) or Unconfirmed."""

    def describe(self, prepared: Any) -> dict[str, Any]:
        """What was prepared, for logs and previews, without the address."""


def phone_recipient(message: Outgoing, default_region: str, *, channel: str, origin: str,
                    origin_setting: str) -> tuple[str, Any]:
    """The number a message to a phone-number channel (SMS, WhatsApp) goes to, in E.164,
    and the locale it is written in. Rejected when the customer has no number on the
    channel, it is not a valid number, or nothing is configured to send from."""
    from chalicelib.notify.render import explicit_locale, locale_for
    from chalicelib.profiles.identity import normalize_phone

    recipient = message.recipient
    if not recipient.address:
        raise Rejected(f"the customer has no number for {channel}", code="NO_ADDRESS")
    try:
        to = normalize_phone(recipient.address, default_region)
    except InvalidInput:
        raise Rejected(f"the {channel} number is not a valid phone number", code="INVALID_ADDRESS") from None
    if not origin:
        raise Rejected(f"{origin_setting} is not set: there is no number to send {channel} from",
                       code="NOT_CONFIGURED")
    locale = explicit_locale(message.language) if message.language else locale_for(recipient.preferred_language)
    return to, locale
