"""Profile input from the REST API, validated completely before anything is written.

Every rejection says which field is wrong and why, so the agent tool or the
integration that sent it can fix the request. Unknown fields are rejected rather
than ignored: a typo such as `firstname` must not silently drop data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import InvalidInput, only_fields
from chalicelib.profiles.identity import Identity, identity
from chalicelib.settings import TIERS

CHANNELS = ("email", "sms", "whatsapp", "voice")
PURPOSES = ("transactional", "surveys", "marketing")
# Transactional messages and surveys are sent unless the customer opts out;
# marketing needs an explicit opt-in.
DEFAULT_CONSENT = {ch: {"transactional": True, "surveys": True, "marketing": False} for ch in CHANNELS}


def consent_given(consent: dict[str, Any] | None, channel: str, purpose: str) -> bool:
    """Whether a consent map ({channel: {purpose: bool}}) allows this channel and
    purpose, defaults applied. Senders ask chalicelib.privacy.consent.allows, which
    also refuses merged and erased profiles."""
    default = DEFAULT_CONSENT.get(channel, {}).get(purpose, False)
    value = (consent or {}).get(channel, {}).get(purpose, default)
    return bool(value)

IDENTITY_FIELDS = {"phone": "phone", "email": "email", "whatsapp": "wa", "chatId": "chat"}
PROFILE_FIELDS = ("firstName", "lastName", "preferredLanguage", "timeZone", "tier", "consent")
ALLOWED = set(PROFILE_FIELDS) | set(IDENTITY_FIELDS)

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[0-9]{3}))?\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def customer_id(raw: object) -> str:
    if not isinstance(raw, str) or not _ID.match(raw):
        raise InvalidInput("customer id must be 1-64 letters, digits, '-' or '_'")
    return raw


def language_tag(raw: object) -> str:
    """A BCP 47 language tag, normalised: `ro-ro` -> `ro-RO`."""
    match = _LANG.match(raw) if isinstance(raw, str) else None
    if not match:
        raise InvalidInput("preferredLanguage must be a BCP 47 tag such as ro-RO, it-IT, hu-HU or en-GB")
    lang, region = match.group(1).lower(), match.group(2)
    return f"{lang}-{region.upper()}" if region else lang


def time_zone(raw: object) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(raw, str) or not raw or len(raw) > 64 or ".." in raw or raw.startswith("/"):
        raise InvalidInput("timeZone must be an IANA time zone such as Europe/Bucharest")
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"timeZone {raw!r} is not a known IANA time zone") from None
    return raw


def _name(key: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidInput(f"{key} must be a string")
    value = raw.strip()
    if not value or len(value) > 100 or _CONTROL.search(value):
        raise InvalidInput(f"{key} must be 1-100 printable characters")
    return value


def consent(raw: object, base: dict[str, Any] | None = None) -> dict[str, dict[str, bool]]:
    """Apply a consent change ({channel: {purpose: bool}}) on top of `base`."""
    if not isinstance(raw, dict):
        raise InvalidInput("consent must be an object of channels")
    merged = {ch: dict((base or DEFAULT_CONSENT).get(ch, DEFAULT_CONSENT[ch])) for ch in CHANNELS}
    for channel, purposes in raw.items():
        if channel not in CHANNELS:
            raise InvalidInput(f"consent: unknown channel {channel!r}; channels are {', '.join(CHANNELS)}")
        if not isinstance(purposes, dict):
            raise InvalidInput(f"consent.{channel} must be an object of purposes")
        for purpose, allowed in purposes.items():
            if purpose not in PURPOSES:
                raise InvalidInput(
                    f"consent.{channel}: unknown purpose {purpose!r}; purposes are {', '.join(PURPOSES)}")
            if not isinstance(allowed, bool):
                raise InvalidInput(f"consent.{channel}.{purpose} must be true or false")
            merged[channel][purpose] = allowed
    return merged


@dataclass
class ProfileInput:
    """A validated create or change request. For a change, only the fields present
    in the request are set; `None` in `identities` removes that kind."""

    values: dict[str, Any] = field(default_factory=dict)
    identities: dict[str, Identity | None] = field(default_factory=dict)
    consent_change: dict[str, Any] | None = None


def parse(body: object, *, default_region: str, partial: bool) -> ProfileInput:
    body = only_fields(body, ALLOWED)
    if not partial and not any(body.get(k) for k in IDENTITY_FIELDS):
        raise InvalidInput("a new customer needs at least one of phone, email, whatsapp, chatId")
    if partial and not body:
        raise InvalidInput("nothing to change: the body has no fields")
    parsed = ProfileInput()
    for key in ("firstName", "lastName"):
        if key in body:
            attr = "first_name" if key == "firstName" else "last_name"
            parsed.values[attr] = None if body[key] is None and partial else _name(key, body[key])
    if "preferredLanguage" in body:
        parsed.values["preferred_language"] = language_tag(body["preferredLanguage"])
    if "timeZone" in body:
        parsed.values["time_zone"] = time_zone(body["timeZone"])
    if "tier" in body:
        if body["tier"] not in TIERS:
            raise InvalidInput(f"tier must be one of {', '.join(TIERS)}")
        parsed.values["tier"] = body["tier"]
    if "consent" in body:
        consent(body["consent"])  # validate now; applied on top of the stored consent
        parsed.consent_change = body["consent"]
    for key, kind in IDENTITY_FIELDS.items():
        if key not in body:
            continue
        if body[key] is None and partial:
            parsed.identities[kind] = None
            continue
        try:
            parsed.identities[kind] = identity(kind, body[key], default_region)
        except InvalidInput as e:
            raise InvalidInput(e.message.replace("phone", key, 1) if kind == "wa" else e.message) from None
    return parsed
