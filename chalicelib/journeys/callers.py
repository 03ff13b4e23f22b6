"""Who is on the line, for the journeys' contact-flow functions: the customer the
flow's lookup named (the `customerId` attribute it set), else whoever owns the
contact's address. A flow that skipped the lookup still works; an unknown caller is
None (the journeys do not create profiles: they act on existing customers' data)."""

from __future__ import annotations

from typing import Any

from chalicelib.connect.flow import FlowRequest
from chalicelib.settings import Settings


def caller(request: FlowRequest, settings: Settings) -> Any:
    """The caller; the one the verification gate already found, when it ran."""
    from chalicelib.verification.assurance import current, customer_of

    standing = current(request)
    if standing is not None:
        return standing.customer
    return customer_of(request, settings)
