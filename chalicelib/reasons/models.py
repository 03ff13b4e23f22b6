"""The reason texts table: what a customer said or wrote when `predict_reason` read it.

One item per contact (its initial contact id, the key of its interaction in the
timeline), written by `predict_reason` when it was given text for a known customer:
the text with phone numbers and e-mail addresses masked, the language it was read
in, the reason predicted and its confidence. `make reasons-export` joins these with
the reason the agent set at wrap-up into training examples for the classifier.

Personal data: kept REASON_TEXT_RETENTION_DAYS (TTL `expires_at`, and reads filter
expired items), never for a contact without a customer, and reached by export and
erasure through the `by_customer` index (chalicelib/reasons/privacy.py).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.db import BaseModel, table_meta


class ByCustomer(GlobalSecondaryIndex):
    """A customer's kept texts, for export and erasure (never on the contact path)."""

    class Meta:
        index_name = "by_customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)


class ReasonTextModel(BaseModel):
    Meta = table_meta("reason_texts_table")

    contact_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    by_customer = ByCustomer()
    channel = UnicodeAttribute(null=True)
    # Masked (phone numbers and e-mail addresses), whitespace folded to single spaces.
    text = UnicodeAttribute()
    language = UnicodeAttribute()
    predicted_reason = UnicodeAttribute()
    confidence = NumberAttribute()
    at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
