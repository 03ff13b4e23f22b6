"""Contact-flow function `lookup_customer`: who is this, on whatever channel?

Addresses are taken, in order, from the block's parameters, the contact's
attributes, then Connect's CustomerEndpoint. A number called in on WhatsApp is
also tried as a phone identity and the other way round, so a customer who phoned
last week is recognised when she writes on WhatsApp today.
"""

from __future__ import annotations

import contextlib

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, Workers, flow_function
from chalicelib.errors import InvalidInput
from chalicelib.observability import get_logger
from chalicelib.profiles import schema
from chalicelib.profiles.callers import candidate_identities
from chalicelib.profiles.service import Profiles
from chalicelib.profiles.views import routing_view
from chalicelib.settings import get_settings

RESPONSE_KEYS = (
    "customerId", "firstName", "preferredLanguage", "tier", "isVip", "openCaseId",
    "lastContactReason", "lastChannel", "daysSinceLastContact", "contactsLast30Days",
    "hasFirstName", "hasOpenCase",
    # surveys
    "lastNps", "lastCsat", "daysSinceLastSurvey", "recentDetractor", "offerSurvey",
)
# Creating a profile is one more round trip; below this, answer without it.
MIN_MS_TO_CREATE = 300

# The contact link is written while the profile is read: two round trips, not three.
# A link write stuck behind a DynamoDB stall never holds up the next caller's.
_side = Workers(8)


@flow_function(keys=RESPONSE_KEYS)
def lookup_customer(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    settings = get_settings()
    profiles = Profiles(settings)
    explicit_id = request.value("customerId")
    if explicit_id:
        try:
            customer = profiles.find(schema.customer_id(explicit_id))
        except InvalidInput:
            return FlowResponse.not_found("INVALID_CUSTOMER_ID")
        if customer is None:
            return FlowResponse.not_found("UNKNOWN_CUSTOMER")
        _link(profiles, request, customer.customer_id)
        profiles.in_touch(customer)  # no I/O unless half the retention has passed
        return FlowResponse.ok(**routing_view(customer))

    candidates, unusable = candidate_identities(request, settings.default_phone_region)
    if not candidates:
        return FlowResponse.not_found("INVALID_ADDRESS" if unusable else "NO_ADDRESS")

    owners: list[str] = []
    links: list = []

    def link_meanwhile(owner: str) -> None:
        owners.append(owner)
        links.append(_side.submit(_link, profiles, request, owner))

    # Creating a profile is one more round trip: only with the time for it.
    customer = profiles.identify(
        candidates, meanwhile=link_meanwhile,
        create=lambda: settings.auto_create_profiles and deadline.remaining_ms() >= MIN_MS_TO_CREATE)
    for link in links:
        # The caller's answer matters more than the link: do not wait past the budget.
        with contextlib.suppress(TimeoutError):
            link.result(timeout=deadline.remaining_ms() / 1000)
    if customer is None:
        # Nobody, or the address is still held by a profile that expired or is being
        # erased: nobody to greet, and the address is not free for a new profile yet.
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    if owners:
        if customer.customer_id != owners[0]:  # followed a merge
            _link(profiles, request, customer.customer_id)
        profiles.in_touch(customer)  # no I/O unless half the retention has passed
        return FlowResponse.ok(**routing_view(customer))
    _link(profiles, request, customer.customer_id)
    get_logger().info("profile created for unknown contact", extra={"customer_id": customer.customer_id})
    return FlowResponse.not_found("UNKNOWN_CUSTOMER", **routing_view(customer))


def _link(profiles: Profiles, request: FlowRequest, customer_id: str) -> None:
    # Losing the link only costs the timeline a fallback to the contact record, so a
    # failure here must not cost the caller their routing.
    try:
        profiles.link_contact(request.contact_id, customer_id, request.channel)
    except Exception:
        get_logger().warning("could not link contact to customer", exc_info=True)
