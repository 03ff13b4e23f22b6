"""Personal data in the built-in order source: the customer's orders. Registered in
chalicelib.privacy.holders. (A shop that plugs in its own order system erases there.)"""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.privacy.holders import Subject, delete_if, iso


class OrderHolder:
    name = "orders"
    tables = ("orders_table",)

    def _keys(self, subject: Subject) -> list[str]:
        from chalicelib.retail.models import OrderModel

        with dynamo_errors("reading orders"):
            return [hit.order_key for cid in subject.customer_ids for hit in OrderModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from chalicelib.retail.models import OrderModel

        keys = self._keys(subject)
        with dynamo_errors("reading orders"):
            orders = list(OrderModel.batch_get(keys)) if keys else []
        return [{"orderNumber": o.order_number, "status": o.status, "placedAt": iso(o.placed_at),
                 "deliveredAt": iso(o.delivered_at)}
                for o in sorted(orders, key=lambda o: o.placed_at)
                if is_live(o) and o.customer_id in subject.customer_ids]

    def erase(self, subject: Subject) -> int:
        from chalicelib.retail.models import OrderModel

        with dynamo_errors("erasing orders"):
            return sum(delete_if(OrderModel(key), OrderModel.customer_id.is_in(*subject.customer_ids))
                       for key in self._keys(subject))


ORDERS = OrderHolder()
