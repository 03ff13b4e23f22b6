"""The message outbox and the suppression list, shared by every channel.

Neither table holds a message's content or its recipient's address: the outbox
keeps what was sent to whom by ids (customer id, the caller's reference) and its
delivery status; the suppression list keys addresses by a hash.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.db import BaseModel, table_meta


class ByCustomer(GlobalSecondaryIndex):
    """Every message of a customer, newest last: export and erasure."""

    class Meta:
        index_name = "by_customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ByProviderMessage(GlobalSecondaryIndex):
    """The entry a provider's delivery feedback (SES message id) refers to."""

    class Meta:
        index_name = "by_provider_message"
        projection = KeysOnlyProjection()

    provider_message_id = UnicodeAttribute(hash_key=True)


class OutboxModel(BaseModel):
    """One message, keyed by its idempotency key `<channel>#<message type>#<reference>`.

    status: queued (handed to the provider right now), sent, bounced, complained,
    suppressed (consent or suppression list), failed (error_code says why;
    `retryable` failures may be attempted again under the same key).
    """

    Meta = table_meta("outbox_table")

    message_key = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute()
    message_type = UnicodeAttribute()
    reference = UnicodeAttribute()
    purpose = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    error_code = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    retryable = BooleanAttribute(default=False)
    # The attempt that holds the entry while it is `queued`, and until when.
    claim_id = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    provider_message_id = UnicodeAttribute(null=True)
    feedback = UnicodeAttribute(null=True)
    feedback_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()

    by_customer = ByCustomer()
    by_provider_message = ByProviderMessage()


class SuppressionModel(BaseModel):
    """An address nothing more is sent to on a channel: it bounced hard or its owner
    complained. Keyed `<channel>#<sha256 of the normalised address>`."""

    Meta = table_meta("suppressions_table")

    suppression_key = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute()
    reason = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
