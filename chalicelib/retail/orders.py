"""Where orders come from.

The journey asks an `OrderSource` for one order by number and needs nothing else.
The built-in source reads the orders table, which the shop's order system keeps
current (`TableOrderSource.save`); a shop that would rather be asked directly plugs
in its own class with ORDER_SOURCE=package.module:Class (constructed with the
settings). Whatever the source, the journey's rules (who may return what, until
when, once) stay here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.db import dynamo_errors, expiry, is_live, utcnow
from chalicelib.errors import InvalidInput
from chalicelib.retail.models import order_key
from chalicelib.settings import Settings

STATUSES = ("placed", "shipped", "delivered", "cancelled", "returned")


@dataclass(frozen=True)
class Order:
    number: str  # as printed on the invoice
    key: str  # normalised (order_key)
    customer_id: str
    status: str
    placed_at: datetime
    delivered_at: datetime | None = None
    total_minor: int | None = None
    currency: str | None = None


class OrderSource(Protocol):
    def find(self, key: str) -> Order | None:
        """The order with this normalised number, or None if there is none."""


class TableOrderSource:
    """Orders from the orders table."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def find(self, key: str) -> Order | None:
        from chalicelib.retail.models import OrderModel

        with dynamo_errors("reading an order"):
            try:
                item = OrderModel.get(key)
            except OrderModel.DoesNotExist:
                return None
        if not is_live(item):
            return None
        return Order(number=item.order_number, key=item.order_key, customer_id=item.customer_id, status=item.status,
                     placed_at=item.placed_at, delivered_at=item.delivered_at,
                     total_minor=int(item.total_minor) if item.total_minor is not None else None,
                     currency=item.currency)

    def save(self, order: Order) -> None:
        """Store or replace an order (the shop's order system keeps the table current)."""
        from chalicelib.retail.models import OrderModel

        if order.status not in STATUSES:
            raise InvalidInput(f"order status must be one of {', '.join(STATUSES)}")
        with dynamo_errors("writing an order"):
            OrderModel(order_key(order.number), order_number=order.number, customer_id=order.customer_id,
                       status=order.status, placed_at=order.placed_at, delivered_at=order.delivered_at,
                       total_minor=order.total_minor, currency=order.currency,
                       expires_at=expiry(self.settings.order_retention_days,
                                         max(order.delivered_at or order.placed_at, utcnow()))).save()


def plug_in(setting: str, value: str, built_in: dict[str, type], settings: Settings) -> Any:
    """An instance of a built-in class by name, or of `package.module:Class`."""
    if value in built_in:
        return built_in[value](settings)
    module_name, _, name = value.partition(":")
    if not name:
        raise InvalidInput(f"{setting} must be one of {', '.join(built_in)} or package.module:Class")
    return getattr(importlib.import_module(module_name), name)(settings)


def order_source(settings: Settings) -> OrderSource:
    return plug_in("ORDER_SOURCE", settings.order_source, {"table": TableOrderSource}, settings)
