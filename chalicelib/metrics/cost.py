"""Cost per contact, from the counters and a cost model in the `COST_MODEL` setting.

The model is a JSON object; every part is optional and a part left out costs nothing:

    {"currency": "EUR",
     "agentHour": 21.5,
     "telephonyMinute": {"inbound": {"*": 0.0048, "RO": 0.0061}, "outbound": {"*": 0.031, "IT": 0.022}},
     "chatContact": 0.012,
     "whatsappConversation": {"service": 0, "utility": 0.0188, "marketing": 0.0661, "authentication": 0.0355},
     "emailThousand": 0.10,
     "platformContact": 0.0009}

- `agentHour`: agents' loaded cost per hour (pay, taxes, seats, supervision), charged
  for handle time (talk + hold + after-contact work);
- `telephonyMinute`: per minute of call, inbound by the country of the number called,
  outbound by the country of the customer's number; `"*"` is every other country;
- `chatContact`: per web chat; `whatsappConversation`: per WhatsApp conversation by
  Meta's category (a conversation the customer opens is `service`);
- `emailThousand`: per thousand e-mails sent (counted as `emails_sent` where a sender
  counts them);
- `platformContact`: Lambda and DynamoDB per contact, a flat figure (`make bench`
  measures the DynamoDB part of a contact).

Each figure comes with how it was computed: one part per line of the model that
applied, with its quantity, unit, price and amount, so a supervisor can check it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from chalicelib.settings import SettingsError

DEFAULT = "*"
DIRECTIONS = {"inbound": "in", "outbound": "out"}
WHATSAPP_CATEGORIES = ("service", "utility", "marketing", "authentication")
_KEYS = {"currency", "agentHour", "telephonyMinute", "chatContact", "whatsappConversation", "emailThousand",
         "platformContact"}
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_PHONE_FIELD = re.compile(r"phone_(in|out)_seconds_([a-z]{2})")
MAX_PRICE = 1_000_000


@dataclass(frozen=True)
class CostModel:
    currency: str = "EUR"
    agent_hour: float = 0.0
    # {"in"/"out": {"RO": price, "*": price}}
    telephony_minute: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    chat_contact: float = 0.0
    whatsapp_conversation: Mapping[str, float] = field(default_factory=dict)
    email_thousand: float = 0.0
    platform_contact: float = 0.0

    def minute_price(self, direction: str, country: str) -> float | None:
        prices = self.telephony_minute.get(direction, {})
        return prices.get(country.upper(), prices.get(DEFAULT))


def _price(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_PRICE:
        raise SettingsError(f"COST_MODEL.{where} must be a price from 0 to {MAX_PRICE}")
    return float(value)


def _object(where: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingsError(f"COST_MODEL.{where} must be a JSON object")
    return value


def parse(raw: str) -> CostModel | None:
    """The model, each figure checked (a mistake names where it is); None when unset."""
    try:
        document = json.loads(raw or "{}")
    except json.JSONDecodeError as e:
        raise SettingsError(f"COST_MODEL is not JSON: {e.msg}") from None
    document = _object("", document) if document != {} else {}
    if not document:
        return None
    unknown = sorted(set(document) - _KEYS)
    if unknown:
        raise SettingsError(f"COST_MODEL.{unknown[0]} is not a part of the cost model ({', '.join(sorted(_KEYS))})")
    currency = document.get("currency", "EUR")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise SettingsError("COST_MODEL.currency must be an ISO 4217 code such as EUR")
    telephony: dict[str, dict[str, float]] = {}
    for direction, prices in _object("telephonyMinute", document.get("telephonyMinute", {})).items():
        if direction not in DIRECTIONS:
            raise SettingsError("COST_MODEL.telephonyMinute holds inbound and outbound")
        by_country = {}
        for country, price in _object(f"telephonyMinute.{direction}", prices).items():
            if country != DEFAULT and not _COUNTRY.fullmatch(country):
                raise SettingsError(f"COST_MODEL.telephonyMinute.{direction} is keyed by ISO 3166 country "
                                    f"(RO, IT...) or \"*\", not {country!r}")
            by_country[country] = _price(f"telephonyMinute.{direction}.{country}", price)
        telephony[DIRECTIONS[direction]] = by_country
    whatsapp = {}
    for category, price in _object("whatsappConversation", document.get("whatsappConversation", {})).items():
        if category not in WHATSAPP_CATEGORIES:
            raise SettingsError(f"COST_MODEL.whatsappConversation is keyed by {', '.join(WHATSAPP_CATEGORIES)}")
        whatsapp[category] = _price(f"whatsappConversation.{category}", price)
    return CostModel(
        currency=currency,
        agent_hour=_price("agentHour", document.get("agentHour", 0)),
        telephony_minute=telephony,
        chat_contact=_price("chatContact", document.get("chatContact", 0)),
        whatsapp_conversation=whatsapp,
        email_thousand=_price("emailThousand", document.get("emailThousand", 0)),
        platform_contact=_price("platformContact", document.get("platformContact", 0)),
    )


@cache
def _model(raw: str) -> CostModel | None:
    return parse(raw)


def configured() -> CostModel | None:
    from chalicelib.settings import get_settings

    return _model(get_settings().cost_model)


def _part(name: str, quantity: float, unit: str, price: float, **detail: str) -> dict[str, Any]:
    return {"part": name, **detail, "quantity": round(quantity, 2), "unit": unit, "price": price,
            "amount": round(quantity * price, 4)}


def cost(values: Mapping[str, int], model: CostModel) -> dict[str, Any]:
    """What the contacts counted in `values` cost, in total and per contact, with the
    parts it adds up from. Parts without a price or without anything counted are left out."""
    parts = []
    if model.agent_hour and values.get("handle_seconds"):
        parts.append(_part("agents", values["handle_seconds"] / 3600, "hours", model.agent_hour))
    for name in sorted(values):
        match = _PHONE_FIELD.fullmatch(name)
        if not match or not values[name]:
            continue
        direction, country = match.groups()
        price = model.minute_price(direction, country)
        if price:
            parts.append(_part("telephony", values[name] / 60, "minutes", price,
                               direction="inbound" if direction == "in" else "outbound", country=country.upper()))
    if model.chat_contact and values.get("chats"):
        parts.append(_part("chat", values["chats"], "chats", model.chat_contact))
    for category in WHATSAPP_CATEGORIES:
        counted = values.get(f"whatsapp_{category}", 0)
        if counted and model.whatsapp_conversation.get(category):
            parts.append(_part("whatsapp", counted, "conversations", model.whatsapp_conversation[category],
                               category=category))
    if model.email_thousand and values.get("emails_sent"):
        parts.append(_part("email", values["emails_sent"] / 1000, "thousand e-mails", model.email_thousand))
    contacts = values.get("contacts", 0)
    if model.platform_contact and contacts:
        parts.append(_part("platform", contacts, "contacts", model.platform_contact))
    total = sum(p["amount"] for p in parts)
    return {"currency": model.currency, "total": round(total, 2),
            "perContact": round(total / contacts, 2) if contacts else None, "contacts": contacts, "parts": parts}
