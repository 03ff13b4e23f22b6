"""Customer profile routes, for agents' tools and the business's own systems."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, NotFound, only_fields, only_params
from chalicelib.profiles import schema
from chalicelib.profiles.identity import identity
from chalicelib.profiles.service import Profiles
from chalicelib.profiles.views import profile_document
from chalicelib.settings import get_settings

_SEARCH_KEYS = {"phone": "phone", "email": "email", "whatsapp": "wa", "chatId": "chat"}


def _profiles() -> Profiles:
    return Profiles(get_settings())


def get_customer(customer_id: str) -> dict[str, Any]:
    return profile_document(_profiles().get(customer_id))


def find_customer(query: dict[str, str] | None) -> dict[str, Any]:
    query = only_params(query, _SEARCH_KEYS)
    given = list(query)
    if len(given) != 1:
        raise InvalidInput("search with exactly one of ?phone=, ?email=, ?whatsapp=, ?chatId=")
    key = given[0]
    ident = identity(_SEARCH_KEYS[key], query[key], get_settings().default_phone_region)
    customer = _profiles().identify([ident], create=False)
    if customer is None:
        raise NotFound(f"no customer with that {key}")
    return profile_document(customer)


def create_customer(body: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    request = schema.parse(body, default_region=settings.default_phone_region, partial=False)
    return profile_document(Profiles(settings).create(request))


def update_customer(customer_id: str, body: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    schema.customer_id(customer_id)
    request = schema.parse(body, default_region=settings.default_phone_region, partial=True)
    return profile_document(Profiles(settings).update(customer_id, request))


def merge_customers(survivor_id: str, body: dict[str, Any]) -> dict[str, Any]:
    only_fields(body, {"duplicateId"})
    if "duplicateId" not in body:
        raise InvalidInput('merge takes {"duplicateId": "<id of the profile to fold into this one>"}')
    survivor = _profiles().merge(survivor_id, body["duplicateId"])
    # The duplicate's contact history follows it (repeating the merge repeats this too).
    from chalicelib import events

    events.announce(events.CUSTOMERS_MERGED, {"duplicateId": body["duplicateId"], "survivorId": survivor.customer_id})
    return profile_document(_profiles().get(survivor.customer_id))
