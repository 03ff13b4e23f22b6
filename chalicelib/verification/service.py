"""Sending and checking one-time codes and PINs.

- A code goes only to an address already on the profile, through the channel's
  sender in `SENDERS` (never to whatever number is calling), in the customer's
  language; it is valid VERIFICATION_CODE_MINUTES, kept as a salted hash, used once.
  A contact may ask for VERIFICATION_MAX_TRIES codes.
- Every answer (code or PIN) first takes a try on the profile, atomically, so
  concurrent guesses cannot exceed VERIFICATION_MAX_TRIES; the last wrong one locks
  the profile for VERIFICATION_LOCK_MINUTES (every method, every contact), notes it
  in the timeline and alerts SUPERVISOR_EMAIL once per lock through the outbox.
- A right answer marks the contact (its initial contact id) verified, resets the
  tries and notes it in the timeline (method only, never the code or the PIN).
- `GET /metrics` counts verificationsAttempted, verificationsSucceeded,
  verificationsFailed and verificationsLocked.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.db import dynamo_errors, expiry, is_live, utcnow
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.observability import get_logger
from chalicelib.settings import Settings, verification_channels
from chalicelib.verification import codes
from chalicelib.verification.assurance import Standing

# How each channel's code is delivered: the notify sender that owns the channel's
# addresses, outbox, consent and suppression ("module:Class", built with the settings).
SENDERS: dict[str, str] = {
    "whatsapp": "chalicelib.notify.whatsapp:WhatsAppSender",
    "email": "chalicelib.notify.ses:EmailSender",
    "sms": "chalicelib.notify.sms:SmsSender",
}
MESSAGE_TYPE = "verification_code"
# A verified contact stays verified this long: a call, or a chat, and its transfers.
CONTACT_HOURS = 24
# The profile's tries and lock are kept this long after the last answer.
PROFILE_HOURS = 24


class Refused(Exception):
    """A verification step that did not go through; `code` is what the flow branches on."""

    def __init__(self, code: str, tries_left: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.tries_left = tries_left


@dataclass(frozen=True)
class Sent:
    channel: str
    valid_minutes: int
    address: str = ""  # where it went (the profile's own address), for a masked confirmation


@dataclass(frozen=True)
class Verified:
    method: str
    at: datetime


def _load(target: str, settings: Settings) -> Any:
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)(settings)


class Verifications:
    def __init__(self, settings: Settings, senders: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self._senders = senders

    # ---- codes -----------------------------------------------------------------

    def send_code(self, standing: Standing, channel: str = "") -> Sent:
        """Send a new code for this contact to the profile's address on `channel`
        (else the first of VERIFICATION_CHANNELS the profile has an address on)."""
        from chalicelib.notify.service import Notifier
        from chalicelib.verification.models import VerificationModel

        customer = self._customer(standing)
        key = self._contact(standing)
        self._not_locked(customer.customer_id)
        senders = self._delivery()
        chosen = self._channel(customer, channel, senders)
        code, salt = codes.new_code(), codes.new_salt()
        now = utcnow()
        minutes = self.settings.verification_code_minutes
        item = VerificationModel(f"code#{key}")
        limit = self.settings.verification_max_tries
        with dynamo_errors("keeping a verification code"):
            try:
                item.update(actions=[
                    VerificationModel.sends.add(1), VerificationModel.customer_id.set(customer.customer_id),
                    VerificationModel.channel.set(chosen), VerificationModel.salt.set(salt),
                    VerificationModel.digest.set(codes.digest(code, salt)), VerificationModel.at.set(now),
                    VerificationModel.expires_at.set(now + timedelta(minutes=minutes))],
                    condition=VerificationModel.sends.does_not_exist() | (VerificationModel.sends < limit))
            except Exception as e:
                if getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException":
                    raise Refused("TOO_MANY_CODES") from None
                raise
        outcome = Notifier(self.settings, senders).send_to_customer(
            customer.customer_id, MESSAGE_TYPE, {"code": code, "valid_minutes": minutes},
            reference=f"verification:{key}:{int(item.sends)}", channel=chosen)
        if outcome.status != "sent":
            get_logger().warning("verification code not sent", extra={"channel": chosen, "status": outcome.status})
            raise Refused("NOT_SENT")
        return Sent(chosen, minutes, senders[chosen].address_of(customer) or "")

    def check_code(self, standing: Standing, given: str) -> Verified:
        from chalicelib.verification.models import VerificationModel

        customer = self._customer(standing)
        key = self._contact(standing)
        tries = self._take_try(standing)
        with dynamo_errors("reading a verification code"):
            try:
                item = VerificationModel.get(f"code#{key}", consistent_read=True)
            except VerificationModel.DoesNotExist:
                item = None
        if item is None or item.customer_id != customer.customer_id or not item.digest:
            return self._wrong(standing, tries, "NO_CODE")
        if not is_live(item):
            return self._wrong(standing, tries, "CODE_EXPIRED")
        if not (codes.is_code(given) and codes.matches(given, item.salt, item.digest)):
            return self._wrong(standing, tries, "WRONG_CODE")
        # Used once: only the answer that deletes this very code verifies.
        if not self._delete(item, VerificationModel.digest == item.digest):
            return self._wrong(standing, tries, "NO_CODE")
        return self._verified(standing, f"code_{item.channel}")

    # ---- PIN (a knowledge check the customer set) -------------------------------

    def set_pin(self, customer_id: str, pin: object) -> dict[str, Any]:
        from chalicelib.profiles.service import Profiles
        from chalicelib.verification.models import VerificationModel

        if not isinstance(pin, str) or not codes.is_pin(pin):
            raise InvalidInput("pin must be 4 to 8 digits")
        if Profiles(self.settings).find(customer_id) is None:
            raise NotFound("no customer with that id")
        salt, now = codes.new_salt(), utcnow()
        with dynamo_errors("keeping a PIN"):
            VerificationModel(f"pin#{customer_id}", customer_id=customer_id, method="pin", salt=salt,
                              digest=codes.digest(pin, salt), at=now,
                              expires_at=expiry(self.settings.profile_retention_days, now)).save()
        return {"customerId": customer_id, "pinSet": True}

    def check_pin(self, standing: Standing, given: str) -> Verified:
        from chalicelib.verification.models import VerificationModel

        customer = self._customer(standing)
        self._contact(standing)
        with dynamo_errors("reading a PIN"):
            try:
                item = VerificationModel.get(f"pin#{customer.customer_id}", consistent_read=True)
            except VerificationModel.DoesNotExist:
                item = None
        if item is None or not is_live(item) or not item.digest:
            raise Refused("NO_PIN")
        tries = self._take_try(standing)
        if not (codes.is_pin(given) and codes.matches(given, item.salt, item.digest)):
            return self._wrong(standing, tries, "WRONG_PIN")
        return self._verified(standing, "pin")

    # ---- tries, locks, outcomes ------------------------------------------------

    def _take_try(self, standing: Standing) -> int:
        """Count an answer before checking it; LOCKED when the profile is locked."""
        from chalicelib.verification.models import VerificationModel

        customer_id = standing.customer.customer_id
        now = utcnow()
        item = VerificationModel(f"profile#{customer_id}")
        self._count(standing, verifications_attempted=1)
        with dynamo_errors("counting a verification try"):
            try:
                item.update(actions=[
                    VerificationModel.tries.add(1), VerificationModel.customer_id.set(customer_id),
                    VerificationModel.expires_at.set(now + timedelta(hours=PROFILE_HOURS))],
                    condition=VerificationModel.locked_until.does_not_exist() | (VerificationModel.locked_until < now))
            except Exception as e:
                if getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException":
                    raise Refused("LOCKED", 0) from None
                raise
        tries = int(item.tries or 0)
        if tries > self.settings.verification_max_tries:  # a concurrent answer took the last try
            raise Refused("LOCKED", 0)
        return tries

    def _wrong(self, standing: Standing, tries: int, code: str) -> Verified:
        from chalicelib.interactions import activity

        left = self.settings.verification_max_tries - tries
        self._count(standing, verifications_failed=1)
        customer_id = standing.customer.customer_id
        key = standing.contact_key
        activity.note_quietly(customer_id, channel=self._channel_name(standing), kind="verification_failed",
                              reference=f"{key}:{tries}", detail={"contactId": key, "reason": code})
        if left > 0:
            raise Refused(code, left)
        self._lock(standing)
        raise Refused("LOCKED", 0)

    def _lock(self, standing: Standing) -> None:
        from chalicelib.interactions import activity
        from chalicelib.verification.models import VerificationModel

        customer_id = standing.customer.customer_id
        now = utcnow()
        until = now + timedelta(minutes=self.settings.verification_lock_minutes)
        with dynamo_errors("locking verification"):
            VerificationModel(f"profile#{customer_id}").update(actions=[
                VerificationModel.tries.set(0), VerificationModel.locks.add(1),
                VerificationModel.locked_until.set(until),
                VerificationModel.expires_at.set(until + timedelta(hours=PROFILE_HOURS))])
            self._delete(VerificationModel(f"code#{standing.contact_key}"), None)
        self._count(standing, verifications_locked=1)
        get_logger().warning("verification locked after wrong answers", extra={"customer_id": customer_id})
        activity.note_quietly(customer_id, channel=self._channel_name(standing), kind="verification_locked",
                              reference=f"{standing.contact_key}:lock",
                              detail={"contactId": standing.contact_key, "lockedUntil": until.isoformat()})
        self._alert(standing, until)

    def _alert(self, standing: Standing, until: datetime) -> None:
        """Tell the supervisors, once per lock (the outbox key names it)."""
        from chalicelib.notify.service import notifier

        customer_id = standing.customer.customer_id
        variables = {"alert": "verification_locked", "customer_id": customer_id}
        if standing.request.contact_id:
            variables["contact_id"] = standing.request.contact_id
        try:
            notifier(self.settings).send_to_staff(
                "supervisor_alert", variables, reference=f"verification:{customer_id}:locked:{int(until.timestamp())}")
        except Exception:  # the caller's answer matters more; the lock is in the timeline
            get_logger().warning("could not alert supervisors of a verification lock", exc_info=True)

    def _verified(self, standing: Standing, method: str) -> Verified:
        from chalicelib.interactions import activity
        from chalicelib.verification.models import VerificationModel

        customer_id = standing.customer.customer_id
        now = utcnow()
        with dynamo_errors("keeping a contact's verification"):
            VerificationModel(f"contact#{standing.contact_key}", customer_id=customer_id, method=method, at=now,
                              expires_at=now + timedelta(hours=CONTACT_HOURS)).save()
            VerificationModel(f"profile#{customer_id}").update(actions=[VerificationModel.tries.set(0)])
        self._count(standing, verifications_succeeded=1)
        activity.note_quietly(customer_id, channel=self._channel_name(standing), kind="verified",
                              reference=f"{standing.contact_key}:verified",
                              detail={"contactId": standing.contact_key, "method": method})
        return Verified(method, now)

    # ---- helpers -----------------------------------------------------------------

    @staticmethod
    def _customer(standing: Standing) -> Any:
        if standing.customer is None:
            raise Refused("UNKNOWN_CUSTOMER")
        return standing.customer

    @staticmethod
    def _contact(standing: Standing) -> str:
        if not standing.contact_key:
            raise Refused("NO_CONTACT")
        return standing.contact_key

    def _not_locked(self, customer_id: str) -> None:
        from chalicelib.verification.models import VerificationModel

        with dynamo_errors("reading verification tries"):
            try:
                item = VerificationModel.get(f"profile#{customer_id}", consistent_read=True)
            except VerificationModel.DoesNotExist:
                return
        if item.locked_until is not None and item.locked_until > utcnow():
            raise Refused("LOCKED", 0)

    def _delivery(self) -> dict[str, Any]:
        if self._senders is None:
            self._senders = {name: _load(target, self.settings) for name, target in SENDERS.items()}
        return self._senders

    def _channel(self, customer: Any, asked: str, senders: dict[str, Any]) -> str:
        if asked:
            if asked not in ("whatsapp", "email", "sms"):
                raise Refused("UNKNOWN_CHANNEL")
            if asked not in senders:
                raise Refused("CHANNEL_UNAVAILABLE")
            if not senders[asked].address_of(customer):
                raise Refused("NO_ADDRESS")
            return asked
        for name in verification_channels(self.settings.verification_channels):
            if name in senders and senders[name].address_of(customer):
                return name
        raise Refused("NO_ADDRESS")

    @staticmethod
    def _delete(item: Any, condition: Any) -> bool:
        from pynamodb.exceptions import DeleteError

        try:
            item.delete(condition=condition)
        except DeleteError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @staticmethod
    def _channel_name(standing: Standing) -> str:
        channel = standing.request.channel or "VOICE"
        return channel if channel in ("VOICE", "CHAT", "TASK", "EMAIL") else "VOICE"

    def _count(self, standing: Standing, **fields: int) -> None:
        """Add to the verification counters of today (sharded by contact); a counter
        that cannot be written costs the report, never the caller's answer."""
        from chalicelib.db import connection
        from chalicelib.metrics import counters, journal

        try:
            day = counters.local_day(utcnow(), self.settings.metrics_time_zone)
            contribution: counters.Contribution = {}
            counters.add(contribution, day, {"channel": standing.request.channel or None}, fields)
            for entry in journal.put(self.settings, kpi=contribution):
                connection().client.put_item(**entry["Put"])
        except Exception:
            get_logger().warning("could not count a verification", exc_info=True)
