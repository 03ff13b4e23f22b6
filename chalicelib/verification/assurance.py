"""What a contact has reached, and the gate every disclosing or changing flow
function wears.

    @requires("next_appointment")
    @flow_function(keys=NEXT_KEYS)
    def next_appointment(request, deadline): ...

- `recognised`: the contact's own address as Connect reports it (the number calling,
  the WhatsApp number writing, the e-mail sender) is on the profile, or the chat was
  started by `POST /chat/start` for a signed-in website session (the contact
  attribute `recognisedBy=session`, which only that route sets). An address typed
  into a form or a flow parameter names a customer but recognises nobody.
- `verified`: the customer proved it in this contact or a contact it was transferred
  from (a `contact#<initial contact id>` item, written by a right code or PIN).

Below the assurance an action needs, the function answers `status=NOT_VERIFIED`,
`errorCode=NOT_VERIFIED`, the assurance reached and needed, and nothing else.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from chalicelib.connect.flow import Deadline, FlowHandler, FlowRequest, FlowResponse
from chalicelib.settings import Settings, get_settings
from chalicelib.verification import levels

STATUS_NOT_VERIFIED = "NOT_VERIFIED"
# Keys every gated function answers with, besides its own.
GATE_KEYS = ("assurance", "assuranceNeeded")
# The attribute POST /chat/start sets on chats it starts for a signed-in session.
SESSION_ATTRIBUTE = "recognisedBy"
SESSION = "session"
_KINDS = {"phone": "phone", "wa": "whatsapp", "email": "email"}


def contact_key(request: FlowRequest) -> str:
    """The contact verification is kept for: its initial contact, shared by its transfers."""
    return request.initial_contact_id or request.contact_id


def customer_of(request: FlowRequest, settings: Settings) -> Any:
    """The customer the flow's lookup named (`customerId`), else whoever owns the
    contact's address; None when nobody."""
    from chalicelib.profiles.callers import caller

    return caller(request, settings)


def recognised_by(request: FlowRequest, customer: Any, settings: Settings) -> str:
    """How the contact itself shows it is this customer: `session`, `phone`,
    `whatsapp`, `email`; "" when it does not."""
    from chalicelib.profiles.identity import contact_addresses

    if customer is None:
        return ""
    if request.channel == "CHAT" and request.attributes.get(SESSION_ATTRIBUTE) == SESSION:
        return SESSION
    endpoint, _ = contact_addresses({}, channel=request.channel, subtype=request.subtype,
                                    address=request.customer_address, address_type=request.customer_address_type,
                                    default_region=settings.default_phone_region)
    owned = set(customer.identities or ())
    whatsapp = request.channel == "CHAT" and "whatsapp" in request.subtype.lower()
    for identity in endpoint:
        if identity.key in owned:
            return "whatsapp" if whatsapp else _KINDS.get(identity.kind, identity.kind)
    return ""


def verified_contact(key: str, customer_id: str) -> Any:
    """The live verification of contact `key` for this customer, or None."""
    from chalicelib.db import dynamo_errors, is_live
    from chalicelib.verification.models import VerificationModel

    if not key:
        return None
    with dynamo_errors("reading a contact's verification"):
        try:
            item = VerificationModel.get(f"contact#{key}", consistent_read=True)
        except VerificationModel.DoesNotExist:
            return None
    return item if is_live(item) and item.customer_id == customer_id else None


@dataclass
class Standing:
    """Who is on the contact and how sure we are of it."""

    request: FlowRequest
    customer: Any
    recognised_by: str
    _verification: Any = field(default=None, repr=False)
    _read: bool = field(default=False, repr=False)

    @property
    def contact_key(self) -> str:
        return contact_key(self.request)

    def verification(self) -> Any:
        """This contact's verification item (read once), or None."""
        if not self._read and self.customer is not None:
            self._verification = verified_contact(self.contact_key, self.customer.customer_id)
            self._read = True
        return self._verification

    def level(self) -> str:
        if self.customer is None:
            return levels.NONE
        if self.verification() is not None:
            return levels.VERIFIED
        return levels.RECOGNISED if self.recognised_by else levels.NONE

    def reaches(self, needed: str) -> bool:
        """Whether the contact has `needed`; reads the verification only when it matters."""
        if needed == levels.NONE:
            return True
        if needed == levels.RECOGNISED and self.customer is not None and self.recognised_by:
            return True
        return levels.rank(self.level()) >= levels.rank(needed)


def establish(request: FlowRequest, settings: Settings) -> Standing:
    customer = customer_of(request, settings)
    return Standing(request, customer, recognised_by(request, customer, settings))


_current: ContextVar[Standing | None] = ContextVar("verification_standing", default=None)


def current(request: FlowRequest) -> Standing | None:
    """The standing the gate established for this very request, if any."""
    standing = _current.get()
    return standing if standing is not None and standing.request is request else None


def not_verified(standing: Standing, needed: str) -> FlowResponse:
    return FlowResponse(STATUS_NOT_VERIFIED, STATUS_NOT_VERIFIED, assurance=standing.level(), assuranceNeeded=needed)


def requires(action: str) -> Any:
    """Gate a flow function (`@requires` above `@flow_function`): below the assurance
    `action` needs, answer NOT_VERIFIED without running it. An unknown customer is
    left to the function, which answers UNKNOWN_CUSTOMER."""
    if action not in levels.DEFAULTS:
        raise ValueError(f"{action} has no assurance in chalicelib/verification/levels.py")

    def wrap(handler: FlowHandler) -> FlowHandler:
        @functools.wraps(handler)
        def gated(request: FlowRequest, deadline: Deadline) -> FlowResponse:
            settings = get_settings()
            needed = levels.required(action, settings)
            standing = establish(request, settings)
            if standing.customer is not None and not standing.reaches(needed):
                return not_verified(standing, needed)
            token = _current.set(standing)
            try:
                return handler(request, deadline)
            finally:
                _current.reset(token)

        gated.response_keys = (*getattr(handler, "response_keys", ()), *GATE_KEYS)  # type: ignore[attr-defined]
        gated.assurance_action = action  # type: ignore[attr-defined]
        return gated

    return wrap
