"""Personal data held by messaging: the outbox (what was sent to a customer, by ids)
and the suppression list (addresses that bounced or complained, by hash; a hash of
an address still identifies its owner, so it goes with them). Registered in
chalicelib.privacy.holders."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.notify.models import OutboxModel, SuppressionModel
from chalicelib.notify.suppressions import suppression_key
from chalicelib.privacy.holders import Subject, delete_if, iso

# Which of a customer's addresses each messaging channel is suppressed by.
_CHANNEL_ADDRESSES = {"email": "email", "sms": "phone", "whatsapp": "wa"}


class Outbox:
    """Every message sent or refused to the customer: type, reference, status."""

    name = "messages"
    tables = ("outbox_table",)

    def _keys(self, subject: Subject) -> list[str]:
        return [entry.message_key for cid in subject.customer_ids for entry in OutboxModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        with dynamo_errors("reading the outbox"):
            keys = self._keys(subject)
            entries = list(OutboxModel.batch_get(keys)) if keys else []
        return [{"channel": e.channel, "messageType": e.message_type, "reference": e.reference,
                 "purpose": e.purpose, "status": e.status, "errorCode": e.error_code,
                 "at": iso(e.created_at), "sentAt": iso(e.sent_at), "feedback": e.feedback}
                for e in sorted(entries, key=lambda e: e.created_at)
                if is_live(e) and e.customer_id in subject.customer_ids]

    def erase(self, subject: Subject) -> int:
        with dynamo_errors("erasing outbox entries"):
            return sum(delete_if(OutboxModel(key), OutboxModel.customer_id.is_in(*subject.customer_ids))
                       for key in self._keys(subject))


class Suppressions:
    """The customer's addresses on the suppression list, and why."""

    name = "suppressions"
    tables = ("suppressions_table",)

    def _keys(self, subject: Subject) -> list[str]:
        """The entries of the customer's addresses, those they gave up included, but
        not of an address that is someone else's now: its bounce or complaint protects
        its new owner, and is theirs to see."""
        from chalicelib.profiles.directory import Directory
        from chalicelib.profiles.identity import Identity
        from chalicelib.settings import get_settings

        addresses = [(channel, Identity(kind, address)) for channel, kind in _CHANNEL_ADDRESSES.items()
                     for address in subject.addresses(kind)]
        owners = Directory(get_settings()).owners([identity for _, identity in addresses])
        return [suppression_key(channel, identity.value) for channel, identity in addresses
                if owners.get(identity.key, subject.customer_id) in subject.customer_ids]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        keys = self._keys(subject)
        with dynamo_errors("reading the suppression list"):
            entries = list(SuppressionModel.batch_get(keys)) if keys else []
        return [{"channel": e.channel, "reason": e.reason, "since": iso(e.created_at)}
                for e in sorted(entries, key=lambda e: e.created_at) if is_live(e)]

    def erase(self, subject: Subject) -> int:
        with dynamo_errors("erasing suppression entries"):
            return sum(delete_if(SuppressionModel(key), SuppressionModel.suppression_key.exists())
                       for key in self._keys(subject))


OUTBOX = Outbox()
SUPPRESSIONS = Suppressions()
