"""The knowledge table: one item per counted search, suggestion or self-service offer.

An item is keyed by what it counts (`search#<digest>`, `offer#<contact id>`...), so
the same question redelivered or retried is counted once: the item and its counters
are written in one transaction conditional on the item not existing. The
`gaps_by_day` index is sparse: only questions nothing answered (no confident article,
or the article did not help) have a `gap_day`, so the gaps report reads those alone.

The question is kept only with phone numbers and e-mail addresses masked, and for
KNOWLEDGE_RETENTION_DAYS. When the customer is known (a contact's question), the item
names them, so the `by_customer` index (sparse) lets export and erasure reach it.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.db import BaseModel, table_meta


class GapsByDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "gaps_by_day"
        projection = AllProjection()

    gap_day = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class ByCustomer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class KnowledgeEventModel(BaseModel):
    Meta = table_meta("knowledge_table")

    event_key = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # search, suggestion, offer
    at = UnicodeAttribute()  # ISO time, then the key: unique in the index
    day = UnicodeAttribute()  # reporting day (METRICS_TIME_ZONE)
    reason = UnicodeAttribute()  # a reason id or "unassigned"
    language = UnicodeAttribute()
    channel = UnicodeAttribute(null=True)
    article_id = UnicodeAttribute(null=True)  # the best article offered, if any
    score = NumberAttribute(null=True)
    question = UnicodeAttribute(null=True)  # masked
    helped = BooleanAttribute(null=True)
    gap_day = UnicodeAttribute(null=True)
    gaps_by_day = GapsByDay()
    customer_id = UnicodeAttribute(null=True)
    by_customer = ByCustomer()
    expires_at = TTLAttribute(null=True)
