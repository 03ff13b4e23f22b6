"""The outbox: one entry per message, keyed by its idempotency key, whatever the
channel. Every write is conditional, so two deliveries of the same event racing
each other cannot both send.

Life of an entry: a decision not to send is written at once as `suppressed` or
`failed`; a message to send is first claimed (`queued`, with a lease and the id of
the attempt holding it), handed to the provider, then marked `sent` (or `failed`).
Provider feedback later turns `sent` into `bounced` or `complained`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.db import dynamo_errors, expiry, is_live, utcnow
from chalicelib.notify.models import OutboxModel
from chalicelib.settings import Settings

QUEUED, SENT, BOUNCED, COMPLAINED, SUPPRESSED, FAILED = (
    "queued", "sent", "bounced", "complained", "suppressed", "failed")
STATUSES = (QUEUED, SENT, BOUNCED, COMPLAINED, SUPPRESSED, FAILED)
# Longer than any attempt can take (the Lambda is stopped before), so an expired
# lease means the attempt holding it is gone.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Entry:
    """What is written about a message besides its status."""

    key: str
    channel: str
    message_type: str
    reference: str
    purpose: str
    customer_id: str | None = None
    locale: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass(frozen=True)
class Outcome:
    """What became of a send request. `duplicate` is true when the key had been
    seen before and nothing was done this time."""

    key: str
    channel: str
    message_type: str
    status: str
    customer_id: str | None = None
    error_code: str | None = None
    error: str | None = None
    provider_message_id: str | None = None
    sent_at: datetime | None = None
    duplicate: bool = False

    @property
    def sent(self) -> bool:
        return self.status in (SENT, BOUNCED, COMPLAINED)

    @classmethod
    def of(cls, item: OutboxModel, duplicate: bool) -> Outcome:
        return cls(key=item.message_key, channel=item.channel, message_type=item.message_type, status=item.status,
                   customer_id=item.customer_id, error_code=item.error_code, error=item.error,
                   provider_message_id=item.provider_message_id, sent_at=item.sent_at, duplicate=duplicate)

    def document(self) -> dict[str, Any]:
        """The REST representation."""
        return {"messageKey": self.key, "channel": self.channel, "messageType": self.message_type,
                "status": self.status, "customerId": self.customer_id, "errorCode": self.error_code,
                "error": self.error, "sentAt": _iso(self.sent_at), "duplicate": self.duplicate}


class LostRace(Exception):
    """Another attempt wrote the entry first."""


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


class Outbox:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def get(self, key: str) -> OutboxModel | None:
        """The live entry for `key`. One past its retention counts as gone (DynamoDB
        deletes expired items days late): the key may be used again."""
        with dynamo_errors("reading the outbox"):
            try:
                item = OutboxModel.get(key, consistent_read=True)
            except OutboxModel.DoesNotExist:
                return None
        return item if is_live(item) else None

    def _open(self, entry: Entry, status: str, previous: OutboxModel | None, now: datetime,
              extra: list[Any]) -> OutboxModel:
        """Create the entry, or take over a retryable failure, exactly once."""
        from pynamodb.exceptions import UpdateError

        m = OutboxModel
        if previous is None:
            condition = m.message_key.does_not_exist() | (m.expires_at < now)
        else:
            condition = (m.status == FAILED) & (m.retryable == True) & (m.attempts == previous.attempts)  # noqa: E712
        actions = [
            m.channel.set(entry.channel), m.message_type.set(entry.message_type), m.reference.set(entry.reference),
            m.purpose.set(entry.purpose), m.status.set(status), m.attempts.add(1),
            m.created_at.set(m.created_at | now), m.updated_at.set(now),
            m.expires_at.set(expiry(self.settings.outbox_retention_days, now)),
            m.customer_id.set(entry.customer_id) if entry.customer_id else m.customer_id.remove(),
            m.locale.set(entry.locale) if entry.locale else m.locale.remove(),
            *extra,
        ]
        item = OutboxModel(entry.key)
        with dynamo_errors("writing the outbox"):
            try:
                item.update(actions=actions, condition=condition)
            except UpdateError as e:
                if _conditional_failed(e):
                    raise LostRace(entry.key) from None
                raise
        return item

    def record(self, entry: Entry, status: str, code: str, error: str, previous: OutboxModel | None = None,
               now: datetime | None = None) -> OutboxModel:
        """Write a decision not to send (suppressed, or failed for good)."""
        m = OutboxModel
        return self._open(entry, status, previous, now or utcnow(), [
            m.error_code.set(code), m.error.set(error[:500]), m.retryable.set(False),
            m.claim_id.remove(), m.lease_until.remove()])

    def claim(self, entry: Entry, previous: OutboxModel | None = None, now: datetime | None = None) -> str:
        """Hold the entry for one attempt at sending; the attempt's claim id."""
        now = now or utcnow()
        claim_id = uuid.uuid4().hex
        m = OutboxModel
        self._open(entry, QUEUED, previous, now, [
            m.claim_id.set(claim_id), m.lease_until.set(now + LEASE), m.retryable.set(False),
            m.error_code.remove(), m.error.remove()])
        return claim_id

    def _finish(self, key: str, claim_id: str, actions: list[Any]) -> bool:
        """Close an attempt; False if the claim is no longer ours."""
        from pynamodb.exceptions import UpdateError

        m = OutboxModel
        actions = [*actions, m.updated_at.set(utcnow()), m.claim_id.remove(), m.lease_until.remove()]
        with dynamo_errors("writing the outbox"):
            try:
                OutboxModel(key).update(actions=actions, condition=(m.claim_id == claim_id))
            except UpdateError as e:
                if _conditional_failed(e):
                    return False
                raise
        return True

    def mark_sent(self, key: str, claim_id: str, provider_message_id: str, now: datetime | None = None) -> bool:
        m = OutboxModel
        now = now or utcnow()
        return self._finish(key, claim_id, [m.status.set(SENT), m.provider_message_id.set(provider_message_id),
                                            m.sent_at.set(now)])

    def mark_failed(self, key: str, claim_id: str, code: str, error: str, retryable: bool) -> bool:
        m = OutboxModel
        return self._finish(key, claim_id, [m.status.set(FAILED), m.error_code.set(code), m.error.set(error[:500]),
                                            m.retryable.set(retryable)])

    def abandon(self, item: OutboxModel) -> OutboxModel:
        """An attempt that held the entry past its lease is gone, and whether the
        provider took the message is unknown: mark it so, never resend it."""
        self._finish(item.message_key, item.claim_id or "", [
            OutboxModel.status.set(FAILED), OutboxModel.error_code.set("SEND_UNCONFIRMED"),
            OutboxModel.error.set("an earlier attempt stopped while handing the message over; "
                                  "not sent again to avoid a duplicate"),
            OutboxModel.retryable.set(False)])
        return self.get(item.message_key) or item

    def feedback(self, provider_message_id: str, status: str, detail: str, at: datetime | None = None) -> int:
        """Record a bounce or complaint on the entry the provider's message id names;
        how many entries changed (0 when already recorded or unknown)."""
        from pynamodb.exceptions import UpdateError

        m = OutboxModel
        # A complaint outranks a bounce, which outranks a plain send; repeats change nothing.
        allowed_from = (SENT,) if status == BOUNCED else (SENT, BOUNCED)
        changed = 0
        with dynamo_errors("recording delivery feedback"):
            keys = [hit.message_key for hit in OutboxModel.by_provider_message.query(provider_message_id, limit=5)]
            for key in keys:
                try:
                    OutboxModel(key).update(
                        actions=[m.status.set(status), m.feedback.set(detail[:200]),
                                 m.feedback_at.set(at or utcnow()), m.updated_at.set(utcnow())],
                        condition=m.status.is_in(*allowed_from))
                    changed += 1
                except UpdateError as e:
                    if not _conditional_failed(e):
                        raise
        return changed
