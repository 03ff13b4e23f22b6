"""The suppression list: addresses that bounced hard or complained are not sent to
again, on any channel. (Whether the customer allows a channel and purpose is
chalicelib.privacy.consent.allows.)"""

from __future__ import annotations

import hashlib
from datetime import datetime

from chalicelib.db import dynamo_errors, expiry, is_live, utcnow
from chalicelib.notify.models import SuppressionModel
from chalicelib.settings import Settings

BOUNCE = "bounce"
COMPLAINT = "complaint"


def suppression_key(channel: str, address: str) -> str:
    """The address is hashed: the list must work without holding it."""
    digest = hashlib.sha256(f"{channel}:{address.strip().lower()}".encode()).hexdigest()
    return f"{channel}#{digest}"


class Suppressions:
    """The suppression list (bounces and complaints), one item per address."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def find(self, channel: str, address: str) -> SuppressionModel | None:
        with dynamo_errors("reading the suppression list"):
            try:
                item = SuppressionModel.get(suppression_key(channel, address), consistent_read=True)
            except SuppressionModel.DoesNotExist:
                return None
        return item if is_live(item) else None

    def add(self, channel: str, address: str, reason: str, detail: str | None = None,
            now: datetime | None = None) -> None:
        """Suppress the address. Repeating it changes nothing but the refresh time; a
        complaint outranks a bounce as the recorded reason."""
        now = now or utcnow()
        item = SuppressionModel(suppression_key(channel, address))
        actions = [
            SuppressionModel.channel.set(channel),
            SuppressionModel.created_at.set(SuppressionModel.created_at | now),
            SuppressionModel.updated_at.set(now),
            SuppressionModel.expires_at.set(expiry(self.settings.suppression_retention_days, now)),
        ]
        if reason == COMPLAINT:
            actions += [SuppressionModel.reason.set(reason), SuppressionModel.detail.set(detail or "")]
        else:
            actions += [SuppressionModel.reason.set(SuppressionModel.reason | reason),
                        SuppressionModel.detail.set(SuppressionModel.detail | (detail or ""))]
        with dynamo_errors("updating the suppression list"):
            item.update(actions=actions)

    def remove(self, channel: str, address: str) -> None:
        with dynamo_errors("updating the suppression list"):
            SuppressionModel(suppression_key(channel, address)).delete()
