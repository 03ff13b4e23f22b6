"""The orders table: the built-in order source (chalicelib/retail/orders.py), a copy
of the shop's orders that its order system keeps current."""

from __future__ import annotations

import re

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.db import BaseModel, table_meta
from chalicelib.errors import InvalidInput

_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}\Z")


def order_key(raw: object) -> str:
    """An order number as a keypad or a chat gives it, normalised: `100-4821`,
    `100 4821` and `1004821` are the same order."""
    if not isinstance(raw, str) or not _NUMBER.match(raw.strip()):
        raise InvalidInput("an order number is 2-40 letters and digits", code="INVALID_ORDER_NUMBER")
    key = re.sub(r"[^A-Za-z0-9]", "", raw).upper()
    if not 2 <= len(key) <= 32:
        raise InvalidInput("an order number is 2-32 letters and digits", code="INVALID_ORDER_NUMBER")
    return key


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
