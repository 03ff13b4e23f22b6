"""Who is on the line, for contact-flow functions that act on an existing customer's
data (returns, appointments, cases): the customer the flow's lookup named (the
`customerId` attribute it set), else whoever owns the contact's address. A flow that
skipped the lookup still works; an unknown caller is None (these functions never
create profiles: they read the directory only)."""

from __future__ import annotations

from typing import Any

from chalicelib.connect.flow import FlowRequest
from chalicelib.errors import InvalidInput
from chalicelib.profiles.identity import Identity, contact_addresses
from chalicelib.settings import Settings


def candidate_identities(request: FlowRequest, default_region: str) -> tuple[list[Identity], bool]:
    """Identities to try, best first, and whether an address was present but unusable
    (a withheld or malformed number)."""
    return contact_addresses(
        {name: request.value(name) for name in ("phone", "whatsapp", "email", "chatId")},
        channel=request.channel, subtype=request.subtype, address=request.customer_address,
        address_type=request.customer_address_type, default_region=default_region)


def caller(request: FlowRequest, settings: Settings) -> Any:
    from chalicelib.profiles import schema
    from chalicelib.profiles.directory import Directory

    profiles = Directory(settings)
    named = request.value("customerId")
    if named:
        try:
            return profiles.find(schema.customer_id(named))
        except InvalidInput:
            return None
    candidates, _ = candidate_identities(request, settings.default_phone_region)
    return profiles.identify(candidates)
