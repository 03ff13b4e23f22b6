"""Who is on the line, for contact-flow functions that act on an existing customer's
data (returns, appointments, cases): the customer the flow's lookup named (the
`customerId` attribute it set), else whoever owns the contact's address. A flow that
skipped the lookup still works; an unknown caller is None (these functions never
create profiles)."""

from __future__ import annotations

from typing import Any

from chalicelib.connect.flow import FlowRequest
from chalicelib.errors import InvalidInput
from chalicelib.settings import Settings


def caller(request: FlowRequest, settings: Settings) -> Any:
    from chalicelib.profiles import schema
    from chalicelib.profiles.lookup import candidate_identities
    from chalicelib.profiles.service import Profiles

    profiles = Profiles(settings)
    named = request.value("customerId")
    if named:
        try:
            return profiles.find(schema.customer_id(named))
        except InvalidInput:
            return None
    candidates, _ = candidate_identities(request, settings.default_phone_region)
    return profiles.identify(candidates, create=False)
