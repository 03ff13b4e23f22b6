"""The orders table: the built-in order source (chalicelib/retail/orders.py), a copy
of the shop's orders that its order system keeps current."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.db import BaseModel, table_meta


class OrdersByCustomer(GlobalSecondaryIndex):
    """A customer's orders: export and erasure."""

    class Meta:
        index_name = "by_customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)


class OrderModel(BaseModel):
    """One order, keyed by its number as a keypad can enter it (letters and digits
    only, upper case: `100-4821` is `1004821`); `order_number` keeps it as printed."""

    Meta = table_meta("orders_table")

    order_key = UnicodeAttribute(hash_key=True)
    order_number = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    by_customer = OrdersByCustomer()
    # placed, shipped, delivered, cancelled, returned
    status = UnicodeAttribute()
    placed_at = UTCDateTimeAttribute()
    delivered_at = UTCDateTimeAttribute(null=True)
    # Minor units (bani, cents) and ISO 4217 currency: what a refund would be.
    total_minor = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
