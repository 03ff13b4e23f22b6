"""Routes for data-subject requests: export everything held about a customer
(GDPR art. 15 and 20) and erase it (art. 17)."""

from __future__ import annotations

from typing import Any

from chalicelib.db import utcnow
from chalicelib.errors import InvalidInput
from chalicelib.privacy import erasure
from chalicelib.privacy.holders import holders, iso, jsonable, load_subject
from chalicelib.profiles.service import Profiles
from chalicelib.settings import get_settings

EXPORT_FORMAT = "contact-center.customer-export.v1"


def export_customer(customer_id: str) -> dict[str, Any]:
    """One JSON document with every live item each holder keeps about the customer.
    A merged id exports the profile it was merged into, like GET /customers/{id}."""
    customer = Profiles(get_settings()).get(customer_id)
    subject = load_subject(customer.customer_id)
    return {
        "format": EXPORT_FORMAT,
        "customerId": customer.customer_id,
        "exportedAt": iso(utcnow()),
        "data": {holder.name: jsonable(holder.export(subject)) for holder in holders()},
    }


def erase_customer(customer_id: str, body: object) -> dict[str, Any]:
    if body not in (None, {}):
        raise InvalidInput("erasure takes no request body")
    return erasure.erase_customer(customer_id)
