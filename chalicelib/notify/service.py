"""Sending a message: the one entry point journeys, surveys, alerts and the REST API
call, whatever the channel.

    from chalicelib.notify.service import notifier
    outcome = notifier().send_to_customer(customer_id, "return_label", variables,
                                          reference=f"return:{return_id}")

The idempotency key is `<channel>#<message type>#<reference>`; the reference names
the natural event (`contact:<id>`, `case:<id>:opened`, `appointment:<id>:reminder-24h`).
The same key is sent at most once, however often the event behind it arrives.

What can happen, and what the caller sees:
- sent: the provider accepted it (later bounced/complained from its feedback);
- suppressed: the customer opted out of this purpose, or the address bounced hard
  or complained; nothing sent;
- failed with a code, nothing sent, never retried: NO_ADDRESS, INVALID_ADDRESS,
  HEADER_INJECTION, UNKNOWN_TEMPLATE, UNKNOWN_LOCALE, INVALID_VARIABLES,
  RENDER_FAILED, CUSTOMER_NOT_FOUND, PROVIDER_REJECTED, SEND_UNCONFIRMED;
- DependencyFailure raised: an AWS service failed and nothing was sent; the event
  should be retried (the entry stays open for the retry);
- Conflict (IN_FLIGHT) raised: another attempt is sending this key right now.
With `strict=True` (the REST API) a problem with the request itself raises
InvalidInput and writes nothing, so the caller can correct it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.db import utcnow
from chalicelib.errors import Conflict, DependencyFailure, InvalidInput
from chalicelib.notify import messages
from chalicelib.notify.outbox import (
    FAILED,
    QUEUED,
    SUPPRESSED,
    Entry,
    LostRace,
    Outbox,
    Outcome,
)
from chalicelib.notify.senders import Outgoing, Recipient, Rejected, Sender, Unconfirmed
from chalicelib.notify.suppressions import Suppressions
from chalicelib.observability import count, get_logger
from chalicelib.privacy.consent import allows
from chalicelib.settings import Settings, get_settings

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._/-]{0,159}\Z")
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}\Z")


def check_reference(reference: object) -> str:
    if not isinstance(reference, str) or not _REFERENCE.match(reference):
        raise InvalidInput("the idempotency reference must be 1-160 letters, digits or : . _ / - "
                           "naming the event, such as contact:<contact id> or case:<id>:opened")
    return reference


class Notifier:
    def __init__(self, settings: Settings, senders: dict[str, Sender] | None = None) -> None:
        self.settings = settings
        if senders is None:
            from chalicelib.notify.ses import EmailSender
            from chalicelib.notify.sms import SmsSender
            from chalicelib.notify.whatsapp import WhatsAppSender

            senders = {"email": EmailSender(settings), "whatsapp": WhatsAppSender(settings),
                       "sms": SmsSender(settings)}
        self.senders = senders
        self.outbox = Outbox(settings)
        self.suppressions = Suppressions(settings)

    # ---- public API ----------------------------------------------------------

    def send_to_customer(self, customer_id: str, message_type: str, variables: dict[str, Any] | None,
                         reference: str, *, channel: str = "email", strict: bool = False,
                         language: str | None = None) -> Outcome:
        """Send a customer message through `channel`, honouring consent and suppression,
        in `language` when given (the language the customer wrote in), else in their
        preferred one."""
        sender = self._sender(channel)

        def recipient() -> Recipient:
            from chalicelib.profiles.service import Profiles

            # Consistent: consent or the WhatsApp window may have changed a moment ago.
            customer = Profiles(self.settings).find(customer_id, consistent=True)
            if customer is None:
                raise Rejected(f"there is no customer {customer_id}", code="CUSTOMER_NOT_FOUND")
            name = " ".join(p for p in (customer.first_name, customer.last_name) if p) or None
            return Recipient(
                address=sender.address_of(customer), name=name, first_name=customer.first_name,
                preferred_language=customer.preferred_language,
                time_zone=customer.time_zone or self.settings.default_time_zone,
                customer_id=customer.customer_id, profile=customer,
                whatsapp_last_inbound_at=customer.whatsapp_last_inbound_at,
            )

        return self._send(channel, message_type, variables, reference, recipient, messages.CUSTOMER,
                          strict=strict, customer_id=customer_id, language=language)

    def send_to_address(self, address: str, message_type: str, variables: dict[str, Any] | None, reference: str,
                        *, channel: str, language: str | None = None, customer_id: str | None = None) -> Outcome:
        """Send a customer message to an address the caller chose rather than the
        profile's first one on the channel (a one-time code goes to the number on the
        profile that the caller picked, never to whatever number is calling). With
        `customer_id`, that customer's consent, time zone and language apply
        (`language` overrides the language)."""
        self._sender(channel)

        def recipient() -> Recipient:
            if customer_id is None:
                return Recipient(address=address, time_zone=self.settings.default_time_zone)
            from chalicelib.profiles.service import Profiles

            customer = Profiles(self.settings).find(customer_id, consistent=True)
            if customer is None:
                raise Rejected(f"there is no customer {customer_id}", code="CUSTOMER_NOT_FOUND")
            return Recipient(
                address=address, first_name=customer.first_name, preferred_language=customer.preferred_language,
                time_zone=customer.time_zone or self.settings.default_time_zone, customer_id=customer.customer_id,
                profile=customer, whatsapp_last_inbound_at=customer.whatsapp_last_inbound_at)

        return self._send(channel, message_type, variables, reference, recipient, messages.CUSTOMER,
                          language=language, customer_id=customer_id)

    def send_to_staff(self, message_type: str, variables: dict[str, Any] | None, reference: str, *,
                      channel: str = "email", address: str | None = None) -> Outcome:
        """Send an internal message (supervisor alert) to `address`, by default the
        supervisors' address from settings, in SUPERVISOR_LANGUAGE."""
        self._sender(channel)

        def recipient() -> Recipient:
            return Recipient(address=address or self.settings.supervisor_email or None,
                             time_zone=self.settings.default_time_zone)

        return self._send(channel, message_type, variables, reference, recipient, messages.STAFF,
                          language=self.settings.supervisor_language)

    # ---- the one path every message takes ------------------------------------

    def _sender(self, channel: str) -> Sender:
        if not isinstance(channel, str) or channel not in self.senders:
            raise InvalidInput(f"unknown channel {str(channel)[:16]!r}; channels: {', '.join(self.senders)}",
                               code="UNKNOWN_CHANNEL")
        return self.senders[channel]

    def _send(self, channel: str, type_name: str, variables: Any, reference: str,
              recipient: Callable[[], Recipient], audience: str, *, strict: bool = False,
              language: str | None = None, customer_id: str | None = None) -> Outcome:
        sender = self._sender(channel)
        reference = check_reference(reference)
        if not isinstance(type_name, str) or not _TYPE_NAME.match(type_name):
            raise InvalidInput("message type must be a lower-case name such as case_opened", code="UNKNOWN_TEMPLATE")
        key = f"{channel}#{type_name}#{reference}"
        previous = self.outbox.get(key)
        if previous is not None:
            replayed = self._replay(previous)
            if replayed is not None:
                return replayed

        kind = messages.TYPES.get(type_name)
        entry = Entry(key, channel, type_name, reference, kind.purpose if kind else "unknown", customer_id)
        decision: tuple[str, str, str] | None = None  # (status, code, error) when not sending
        prepared = None
        try:
            kind = messages.message_type(type_name)
            if kind.audience != audience:
                raise InvalidInput(f"{type_name} is a {kind.audience} message", code="WRONG_AUDIENCE")
            if channel not in kind.channels:
                raise InvalidInput(f"{type_name} is not sent by {channel}; it goes by {', '.join(kind.channels)}",
                                   code="UNKNOWN_TEMPLATE")
            checked = messages.check_variables(kind, variables)
            to = recipient()
            entry = Entry(key, channel, type_name, reference, kind.purpose, to.customer_id or customer_id)
            if to.customer_id and not allows(to.profile, channel, kind.purpose):
                decision = (SUPPRESSED, "OPTED_OUT", f"the customer opted out of {channel} messages for {kind.purpose}")
            else:
                prepared = sender.prepare(Outgoing(key, channel, kind, checked, to, language))
                suppressed = self.suppressions.find(channel, to.address or "")
                if suppressed is not None:
                    decision = (SUPPRESSED, suppressed.reason.upper(),
                                f"the address is on the suppression list ({suppressed.reason})")
        except InvalidInput as e:
            if strict:
                raise
            decision = (FAILED, e.code, e.message)

        if decision is not None:
            status, code, error = decision
            try:
                item = self.outbox.record(entry, status, code, error, previous)
            except LostRace:
                return self._replay_current(key)
            self._log(key, status, code)
            return Outcome.of(item, duplicate=False)

        describe = sender.describe(prepared)
        entry = Entry(entry.key, entry.channel, entry.message_type, entry.reference, entry.purpose,
                      entry.customer_id, describe.get("locale"))
        try:
            claim_id = self.outbox.claim(entry, previous)
        except LostRace:
            return self._replay_current(key)
        return self._deliver(sender, prepared, entry, claim_id, describe)

    def _deliver(self, sender: Sender, prepared: Any, entry: Entry, claim_id: str,
                 describe: dict[str, Any] | None = None) -> Outcome:
        key = entry.key
        try:
            provider_id = sender.deliver(prepared)
        except Rejected as e:
            self.outbox.mark_failed(key, claim_id, e.code, e.message, retryable=False)
            self._log(key, FAILED, e.code)
            return self._current(key)
        except Unconfirmed as e:
            self.outbox.mark_failed(key, claim_id, "SEND_UNCONFIRMED", str(e), retryable=False)
            self._log(key, FAILED, "SEND_UNCONFIRMED")
            return self._current(key)
        except DependencyFailure as e:
            # Nothing went out: leave the entry open for the event's retry.
            self.outbox.mark_failed(key, claim_id, "PROVIDER_UNAVAILABLE", e.message, retryable=True)
            self._log(key, FAILED, "PROVIDER_UNAVAILABLE")
            raise
        sent_at = utcnow()
        self._mark_sent(key, claim_id, provider_id, sent_at)
        self._log(key, "sent", None, describe)
        self._note(entry, sent_at)
        return Outcome(key=key, channel=entry.channel, message_type=entry.message_type, status="sent",
                       customer_id=entry.customer_id, provider_message_id=provider_id, sent_at=sent_at)

    def _mark_sent(self, key: str, claim_id: str, provider_id: str, sent_at: datetime) -> None:
        # The message is out: a failure to note it must not make the event retry (it
        # could not send again anyway). Try twice, then leave the entry to expire
        # into SEND_UNCONFIRMED and say so in the logs.
        for attempt in range(2):
            try:
                self.outbox.mark_sent(key, claim_id, provider_id, sent_at)
                return
            except DependencyFailure:
                if attempt == 1:
                    get_logger().error("message sent but not recorded", extra={"message_key": key,
                                                                              "provider_message_id": provider_id})

    @staticmethod
    def _note(entry: Entry, sent_at: datetime) -> None:
        """The message goes in the customer's timeline, next to their contacts (ids and
        type only). Keyed by the outbox key, so it is there once however often the
        event behind it arrives."""
        from chalicelib.interactions import activity

        activity.note_quietly(entry.customer_id, channel=entry.channel.upper(), kind="message_sent",
                              reference=entry.key, at=sent_at,
                              detail={"messageType": entry.message_type, "locale": entry.locale})

    def _replay(self, item: Any, now: datetime | None = None) -> Outcome | None:
        """The answer for a key seen before; None when it may be attempted again."""
        if item.status == QUEUED:
            if item.lease_until and item.lease_until > (now or utcnow()):
                raise Conflict("this message is being sent right now; try again in a few minutes",
                               code="IN_FLIGHT")
            return Outcome.of(self.outbox.abandon(item), duplicate=True)
        if item.status == FAILED and item.retryable:
            return None
        return Outcome.of(item, duplicate=True)

    def _replay_current(self, key: str) -> Outcome:
        item = self.outbox.get(key)
        if item is None:
            raise DependencyFailure("the outbox entry changed meanwhile; retry")
        return self._replay(item) or Outcome.of(item, duplicate=True)

    def _current(self, key: str) -> Outcome:
        item = self.outbox.get(key)
        if item is None:
            raise DependencyFailure("the outbox entry could not be read back")
        return Outcome.of(item, duplicate=False)

    @staticmethod
    def _log(key: str, status: str, code: str | None, describe: dict[str, Any] | None = None) -> None:
        # What an SMS cost (encoding, parts); nothing of any message's content.
        size = {k: v for k, v in (describe or {}).items() if k in ("encoding", "segments")}
        get_logger().info("message outcome", extra={"message_key": key, "status": status, "error_code": code,
                                                    **size})
        count("MessagesSent", channel=key.partition("#")[0], outcome=status)


def notifier(settings: Settings | None = None) -> Notifier:
    """A Notifier over the container's settings and clients."""
    return Notifier(settings or get_settings())
