"""Personal data held by the timeline: the customer's interactions (registered in
chalicelib.privacy.holders). KPI counters hold none and keep their numbers.

Erasure leaves a tombstone under the contact's id, with nothing about the contact
or the customer, until redeliveries are over (IDEMPOTENCY_RETENTION_DAYS): a contact
record redelivered after the erasure must neither bring the contact back nor count
it in the KPIs a second time."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, expiry, is_live
from chalicelib.interactions.api import interaction_document
from chalicelib.interactions.models import InteractionModel
from chalicelib.privacy.holders import Subject
from chalicelib.settings import get_settings


class Interactions:
    """The customer's contacts on every channel, as the timeline shows them."""

    name = "interactions"
    tables = ("interactions_table",)

    def _items(self, customer_id: str) -> list[InteractionModel]:
        return list(InteractionModel.by_customer.query(customer_id))

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        with dynamo_errors("reading interactions"):
            items = [i for cid in subject.customer_ids for i in self._items(cid)]
        return [interaction_document(i) for i in sorted(items, key=lambda i: i.started_key or "") if is_live(i)]

    def erase(self, subject: Subject) -> int:
        from pynamodb.exceptions import PutError

        erased = 0
        keep_until = expiry(get_settings().idempotency_retention_days)
        with dynamo_errors("erasing interactions"):
            for customer_id in subject.customer_ids:
                for item in self._items(customer_id):
                    tombstone = InteractionModel(item.interaction_id, erased=True, version=(item.version or 0) + 1,
                                                 expires_at=keep_until)
                    try:
                        tombstone.save(condition=InteractionModel.customer_id == customer_id)
                    except PutError as e:
                        if e.cause_response_code != "ConditionalCheckFailedException":
                            raise
                        continue
                    erased += 1
        return erased


INTERACTIONS = Interactions()
