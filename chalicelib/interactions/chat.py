"""`POST /chat/start`: the website's chat widget (through its backend) starts an
Amazon Connect chat for a customer it knows, and the agent who picks it up sees who
it is and, when they chatted before, the whole earlier conversation above the new
one (persistent chat, rehydrated from the customer's last ended chat session).

Body: exactly one of `customerId`, `email`, `chatId`, `phone` (who the customer is),
optionally `displayName` (what the agent sees; default their first name) and
`clientToken` (a retried request starts the same chat). Answer: what the widget
needs to join (contactId, participantId, participantToken), the earlier chat session
it continues (`rehydratedFrom`, its initial contact id) and the contact Connect says
it continued from (`continuedFromContactId`), both null for a fresh chat.

Contact attributes are ids and routing facts only (customer id, tier, language,
open case, last reason), never an address or a name.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.errors import InvalidInput, NotFound, only_fields
from chalicelib.settings import get_settings

_FIELDS = {"customerId", "email", "chatId", "phone", "displayName", "clientToken"}
_WHO = ("customerId", "email", "chatId", "phone")
_TOKEN = re.compile(r"^[A-Za-z0-9_.:-]{1,500}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# How far back the timeline is searched for the customer's last chat.
CHAT_LOOKBACK = 50


def _customer(body: dict[str, Any]) -> Any:
    from chalicelib.profiles import schema
    from chalicelib.profiles.identity import identity
    from chalicelib.profiles.service import Profiles

    given = [name for name in _WHO if body.get(name) not in (None, "")]
    if len(given) != 1:
        raise InvalidInput("say who is chatting with exactly one of customerId, email, chatId, phone")
    settings = get_settings()
    profiles = Profiles(settings)
    name = given[0]
    if name == "customerId":
        return profiles.get(schema.customer_id(body[name]))
    kind = {"email": "email", "chatId": "chat", "phone": "phone"}[name]
    found = profiles.identify([identity(kind, body[name], settings.default_phone_region)], create=False)
    if found is None:
        raise NotFound(f"no customer with that {name}")
    return found


def last_chat(customer_id: str) -> str | None:
    """The initial contact id of the customer's last ended chat, from the timeline."""
    from chalicelib.interactions.service import Timeline

    items, _ = Timeline(get_settings()).page(customer_id, CHAT_LOOKBACK, None)
    for item in items:
        if item.channel == "CHAT" and item.kind is None and item.status == "ended":
            return item.interaction_id
    return None


def start(body: Any) -> dict[str, Any]:
    from chalicelib.connect.client import ConnectClient
    from chalicelib.profiles.views import routing_view

    body = only_fields(body, _FIELDS)
    display = body.get("displayName")
    if display is not None and (not isinstance(display, str) or not display.strip() or len(display) > 256
                                or _CONTROL.search(display)):
        raise InvalidInput("displayName must be 1-256 printable characters")
    token = body.get("clientToken")
    if token is not None and (not isinstance(token, str) or not _TOKEN.match(token)):
        raise InvalidInput("clientToken must be 1-500 letters, digits or _ . : -")
    customer = _customer(body)
    view = routing_view(customer)
    attributes = {"customerId": customer.customer_id, "tier": view.get("tier"),
                  "preferredLanguage": view.get("preferredLanguage"), "openCaseId": view.get("openCaseId"),
                  "lastContactReason": view.get("lastContactReason"), "isVip": view.get("isVip"),
                  # Only this route says so: the website's backend signed the customer in.
                  "recognisedBy": "session"}
    previous = last_chat(customer.customer_id)
    connect = ConnectClient(get_settings())
    display_name = (display or customer.first_name or "Customer").strip()
    try:
        chat = connect.start_chat(display_name=display_name, attributes=attributes, customer_id=customer.customer_id,
                                  previous_chat=previous, client_token=token)
    except InvalidInput:
        if previous is None:
            raise
        # The earlier session can no longer be continued (too old, or not ended on
        # Connect's side yet): the customer still gets their chat, without it.
        previous = None
        chat = connect.start_chat(display_name=display_name, attributes=attributes, customer_id=customer.customer_id,
                                  previous_chat=None, client_token=token)
    from chalicelib.profiles.service import Profiles

    # Contact events of this chat then find the customer without an address.
    Profiles(get_settings()).link_contact(chat.contact_id, customer.customer_id, "CHAT")
    return {"contactId": chat.contact_id, "participantId": chat.participant_id,
            "participantToken": chat.participant_token, "customerId": customer.customer_id,
            "rehydratedFrom": previous, "continuedFromContactId": chat.continued_from if previous else None}
