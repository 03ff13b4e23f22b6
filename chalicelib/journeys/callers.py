"""Who is on the line, for the journeys' contact-flow functions: the customer the
verification gate already found when it ran, else the one the contact names (see
chalicelib.profiles.callers, which the cases' flow function shares)."""

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
