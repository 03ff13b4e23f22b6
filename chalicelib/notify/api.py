"""REST: an agent's tool (or the business's system) sends a customer a message."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, only_fields
from chalicelib.notify.service import notifier
from chalicelib.profiles import schema
from chalicelib.profiles.service import Profiles
from chalicelib.settings import get_settings

_FIELDS = {"template", "variables", "idempotencyKey", "channel"}


def send_message(customer_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST /customers/{id}/messages {template, variables, idempotencyKey, channel?}.
    201 with the outbox entry when this request decided it, 200 when the key had
    been used before (nothing was sent again)."""
    only_fields(body, _FIELDS)
    for required in ("template", "idempotencyKey"):
        if not body.get(required):
            raise InvalidInput(f"{required} is required")
    for name in ("template", "idempotencyKey", "channel"):
        if name in body and not isinstance(body[name], str):
            raise InvalidInput(f"{name} must be a string")
    settings = get_settings()
    customer = Profiles(settings).get(schema.customer_id(customer_id))
    outcome = notifier(settings).send_to_customer(
        customer.customer_id, body["template"], body.get("variables") or {}, body["idempotencyKey"],
        channel=body.get("channel") or "email", strict=True)
    return (200 if outcome.duplicate else 201), outcome.document()
