"""The interactions table: one item per customer-visible contact.

An interaction is keyed by the id of the contact that started it (Connect's
InitialContactId), so every transfer leg, contact event and contact record of a call
lands on the same item whether or not the customer is known yet. The `by_customer`
index (sparse: only items with a customer) serves the timeline, newest first.

The same table holds what happened outside Connect (messages sent and received, a
return opened by a self-service flow): `activity.py` writes those, keyed by what they
are about, and they never count in the contact KPIs.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from chalicelib.db import BaseModel, table_meta

# What the timeline, export and erasure read from the index: everything but the
# bookkeeping only the writer reads (`legs`, `applied`, `ledgered`), which is most of
# the item. Every write of an interaction is also a write of its index entry, billed by
# the projected size: projecting the bookkeeping would double the cost of a contact.
SHOWN = ("channel", "initiation_method", "started_at", "ended_at", "status", "queue", "agent",
         "queue_wait_seconds", "talk_seconds", "hold_seconds", "after_contact_work_seconds", "handle_seconds",
         "disconnect_reason", "abandoned", "contact_reason", "predicted_reason", "disposition", "resolved", "case_id",
         "transfers",
         "contact_ids", "fcr", "erased", "kind", "reference", "detail", "version", "expires_at")
BOOKKEEPING = ("legs", "applied", "ledgered")


class ByCustomer(GlobalSecondaryIndex):
    """A customer's interactions ordered by start (`<ISO start>#<interaction id>`)."""

    class Meta:
        index_name = "by_customer"
        projection = IncludeProjection(list(SHOWN))

    customer_id = UnicodeAttribute(hash_key=True)
    started_key = UnicodeAttribute(range_key=True)


class InteractionModel(BaseModel):
    """What happened on one contact, its transfer legs folded in.

    `legs` keeps, per Connect contact id, the newest copy of each contact event type
    and of the contact record; everything else is derived from it, so redelivered or
    reordered input leaves the same item. `applied` is what this interaction currently
    contributes to the KPI counters; `version` orders concurrent writers."""

    Meta = table_meta("interactions_table")

    interaction_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute(null=True)
    started_key = UnicodeAttribute(null=True)
    by_customer = ByCustomer()

    channel = UnicodeAttribute(null=True)
    initiation_method = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    agent = UnicodeAttribute(null=True)
    queue_wait_seconds = NumberAttribute(null=True)
    talk_seconds = NumberAttribute(null=True)
    hold_seconds = NumberAttribute(null=True)
    after_contact_work_seconds = NumberAttribute(null=True)
    handle_seconds = NumberAttribute(null=True)
    disconnect_reason = UnicodeAttribute(null=True)
    abandoned = BooleanAttribute(null=True)
    contact_reason = UnicodeAttribute(null=True)
    predicted_reason = UnicodeAttribute(null=True)
    disposition = UnicodeAttribute(null=True)
    resolved = BooleanAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    transfers = NumberAttribute(null=True)
    contact_ids = ListAttribute(of=UnicodeAttribute, null=True)
    # First-contact resolution as last computed: {"repeatContact": bool, "repeated": bool}.
    fcr = MapAttribute(null=True)

    # Bookkeeping only this package reads, stored as JSON text: smaller and cheaper to
    # write than nested maps, and read whole anyway.
    legs = JSONAttribute(null=True)
    applied = JSONAttribute(null=True)
    # The customer's data was erased; only this mark is left, so that redelivered
    # events and records change nothing (see privacy.py).
    erased = BooleanAttribute(null=True)
    # Set once the interaction has an entry in its customer's ledger (see ledger.py).
    ledgered = BooleanAttribute(null=True)
    # Interactions outside Amazon Connect (a WhatsApp message, an e-mail, a status
    # check: see activity.py) say what happened and what it was about; contacts have none.
    kind = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    detail = JSONAttribute(null=True)
    version = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)
