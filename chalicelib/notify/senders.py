"""What every channel's sender provides, so e-mail, SMS and WhatsApp share one
outbox, one idempotency rule and one consent and suppression policy.

A sender knows its channel's addresses, turns a checked message into something its
provider accepts (`prepare`: no I/O, raises Rejected for anything wrong with the
message) and hands it over (`deliver`). The Notifier (service.py) does the rest.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.errors import DependencyFailure, InvalidInput
from chalicelib.notify.messages import MessageType
from chalicelib.settings import Settings


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


class ProviderSender:
    """The settings and provider client every sender keeps: the client it is handed
    (a stubbed one in tests) or else the channel's own (`provider_client`), made on
    first use and shared by the container."""

    channel: str

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or self.provider_client()

    def provider_client(self) -> Any:
        raise NotImplementedError


@contextmanager
def handing_over(what: str, provider: str, permanent: Collection[str], *, refused_by: str | None = None,
                 with_reason: bool = False) -> Iterator[None]:
    """Tells a provider's failure to take a message apart, for the Notifier: Rejected
    for a `permanent` error code (sending again would not help), Unconfirmed when its
    answer did not come back (the message may have gone out: never sent again),
    DependencyFailure otherwise (not sent; tried again later). `what` is what was
    being sent ("e-mail"), `provider` who failed to answer, `refused_by` who refused
    (the provider unless said); `with_reason` quotes the provider's `Reason`."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    try:
        yield
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if code in permanent:
            reason = (e.response.get("Reason") or code) if with_reason else code
            raise Rejected(f"{refused_by or provider} refused the message: {reason}",
                           code="PROVIDER_REJECTED") from e
        raise DependencyFailure(f"sending {what} failed: {code or 'unavailable'}") from e
    except (ReadTimeoutError, ConnectionClosedError) as e:
        raise Unconfirmed(f"{provider} did not answer in time ({type(e).__name__})") from e
    except (ConnectTimeoutError, EndpointConnectionError, BotoCoreError) as e:
        raise DependencyFailure(f"sending {what} failed: {type(e).__name__}") from e


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
