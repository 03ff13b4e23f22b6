"""Channel addresses, normalised into identity keys.

An identity key names one way of reaching a customer: `phone#+40712345678`,
`email#ana@example.ro`, `wa#+40712345678` (WhatsApp), `chat#<widget visitor id>`.
The same person calling from `0712 345 678` and `+40 712-345-678` must resolve to
one key, so phone numbers go through libphonenumber into E.164.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.errors import InvalidInput

KINDS = ("phone", "email", "wa", "chat")

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\Z")
_CHAT_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}\Z")

# Language and time zone a new profile starts with, from the caller's country.
# Markets served today; anyone else gets the deployment's defaults.
REGION_DEFAULTS = {
    "RO": ("ro-RO", "Europe/Bucharest"),
    "MD": ("ro-RO", "Europe/Chisinau"),
    "IT": ("it-IT", "Europe/Rome"),
    "HU": ("hu-HU", "Europe/Budapest"),
    "GB": ("en-GB", "Europe/London"),
    "IE": ("en-IE", "Europe/Dublin"),
    "US": ("en-US", "America/New_York"),
}


@dataclass(frozen=True)
class Identity:
    kind: str
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}#{self.value}"

    @classmethod
    def from_key(cls, key: str) -> Identity:
        kind, _, value = key.partition("#")
        if kind not in KINDS or not value:
            raise InvalidInput(f"not an identity key: kind must be one of {', '.join(KINDS)}")
        return cls(kind, value)


def normalize_phone(raw: object, default_region: str) -> str:
    """E.164 form of a dialable number, or InvalidInput saying why not."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("phone must be a non-empty string")
    if len(raw) > 40:
        raise InvalidInput("phone is too long")
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("phone is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("phone is not a valid number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of(e164: str) -> str | None:
    """ISO country of an E.164 number (RO, IT, HU ...), None when unknown."""
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None


def normalize_email(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("email must be a non-empty string")
    value = raw.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput("email is not a valid e-mail address")
    return value


def normalize_chat_id(raw: object) -> str:
    if not isinstance(raw, str) or not _CHAT_ID.match(raw.strip()):
        raise InvalidInput("chatId must be 1-128 letters, digits or . _ : @ -")
    return raw.strip()


def identity(kind: str, raw: object, default_region: str) -> Identity:
    """Normalise an address of the given kind into an Identity."""
    if kind == "phone":
        return Identity("phone", normalize_phone(raw, default_region))
    if kind == "wa":
        return Identity("wa", normalize_phone(raw, default_region))
    if kind == "email":
        return Identity("email", normalize_email(raw))
    if kind == "chat":
        return Identity("chat", normalize_chat_id(raw))
    raise InvalidInput(f"unknown identity kind {kind!r}")


_WHATSAPP_SUBTYPES = {"connect:whatsapp"}
_SMS_SUBTYPES = {"connect:sms"}


def contact_addresses(given: Mapping[str, str], *, channel: str, subtype: str, address: str, address_type: str,
                      default_region: str) -> tuple[list[Identity], bool]:
    """Identities of a contact to try, best first, and whether an address was present
    but unusable (a withheld or malformed number).

    `given` holds what the flow passed (`phone`, `whatsapp`, `email`, `chatId`); then
    comes Connect's CustomerEndpoint (`address` of `address_type`). A number on
    WhatsApp is also tried as a phone and the other way round, so a customer who
    phoned last week is recognised when she writes on WhatsApp today."""
    found: list[Identity] = []
    unusable = False

    def add(kind: str, raw: str) -> None:
        nonlocal unusable
        if not raw:
            return
        try:
            ident = identity(kind, raw, default_region)
        except InvalidInput:
            unusable = True
            return
        if ident not in found:
            found.append(ident)

    add("phone", (given.get("phone") or "").strip())
    add("wa", (given.get("whatsapp") or "").strip())
    add("email", (given.get("email") or "").strip())
    add("chat", (given.get("chatId") or "").strip())

    subtype = subtype.lower()
    if address and address_type in ("TELEPHONE_NUMBER", ""):
        if address_type == "" and "@" in address:
            add("email", address)
        elif channel == "CHAT" and subtype in _WHATSAPP_SUBTYPES:
            add("wa", address)
            add("phone", address)
        elif channel == "VOICE" or subtype in _SMS_SUBTYPES or address_type == "TELEPHONE_NUMBER":
            add("phone", address)
            add("wa", address)
    elif address and address_type == "EMAIL_ADDRESS":
        add("email", address)
    return found, unusable and not found
