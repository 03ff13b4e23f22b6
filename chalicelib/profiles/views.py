"""How a profile is shown: whole to agents' tools, as routing facts to a flow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.db import plain, utcnow
from chalicelib.profiles.models import CustomerModel

RECENT_DAYS = 30
_API_KIND = {"phone": "phone", "email": "email", "wa": "whatsapp", "chat": "chatId"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def contacts_in_last_days(customer: CustomerModel, days: int = RECENT_DAYS, now: datetime | None = None) -> int:
    since = ((now or utcnow()) - timedelta(days=days)).isoformat()
    return sum(1 for at in customer.recent_contacts or [] if at >= since)


def days_since_last_contact(customer: CustomerModel, now: datetime | None = None) -> int | None:
    if not customer.last_contact_at:
        return None
    return max(0, ((now or utcnow()) - customer.last_contact_at).days)


def profile_document(customer: CustomerModel) -> dict[str, Any]:
    """The REST representation (camelCase), for agents' tools and integrations."""
    identities: dict[str, list[str]] = {}
    for key in sorted(customer.identities or ()):
        kind, _, value = key.partition("#")
        identities.setdefault(_API_KIND.get(kind, kind), []).append(value)
    return {
        "id": customer.customer_id,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "preferredLanguage": customer.preferred_language,
        "timeZone": customer.time_zone,
        "tier": customer.tier,
        "consent": plain(customer.consent),
        "phone": (identities.get("phone") or [None])[0],
        "email": (identities.get("email") or [None])[0],
        "whatsapp": (identities.get("whatsapp") or [None])[0],
        "chatId": (identities.get("chatId") or [None])[0],
        "identities": identities,
        "createdAt": _iso(customer.created_at),
        "updatedAt": _iso(customer.updated_at),
        "lastContact": {
            "at": _iso(customer.last_contact_at),
            "channel": customer.last_channel,
            "agent": customer.last_agent,
            "reason": customer.last_reason,
        },
        "openCaseId": customer.open_case_id,
        "contactsLast30Days": contacts_in_last_days(customer),
        "lastSurvey": {
            "at": _iso(customer.last_survey_at),
            "scores": plain(customer.last_survey_scores) or None,
        },
    }


def routing_view(customer: CustomerModel, now: datetime | None = None) -> dict[str, str]:
    """What a contact flow routes and greets on. Ids and routing facts only: no
    phone number or e-mail address goes into contact attributes."""
    days = days_since_last_contact(customer, now)
    return {
        "customerId": customer.customer_id,
        "firstName": customer.first_name or "",
        "preferredLanguage": customer.preferred_language or "",
        "tier": customer.tier or "standard",
        "isVip": "true" if customer.tier == "vip" else "false",
        "openCaseId": customer.open_case_id or "",
        "lastContactReason": customer.last_reason or "",
        "lastChannel": customer.last_channel or "",
        "daysSinceLastContact": "" if days is None else str(days),
        "contactsLast30Days": str(contacts_in_last_days(customer, now=now)),
        # Flows branch on these: Connect's Compare cannot test a value for emptiness.
        "hasFirstName": "true" if customer.first_name else "false",
        "hasOpenCase": "true" if customer.open_case_id else "false",
        **survey_view(customer, now),
    }


def survey_view(customer: CustomerModel, now: datetime | None = None) -> dict[str, str]:
    """What a flow routes on from the customer's surveys: their last scores, whether
    they were unhappy lately (a detractor or CSAT 1-2 within the survey cooldown:
    route them with care), and whether to offer the post-call survey (they did not
    opt out of surveys by phone and were not surveyed within the cooldown)."""
    from chalicelib.profiles.schema import consent_given
    from chalicelib.settings import get_settings

    now = now or utcnow()
    cooldown = timedelta(days=get_settings().survey_cooldown_days)
    scores = plain(customer.last_survey_scores)
    last_at = customer.last_survey_at
    recent = last_at is not None and now - last_at < cooldown
    unhappy = (scores.get("nps") is not None and int(scores["nps"]) <= 6) or \
        (scores.get("csat") is not None and int(scores["csat"]) <= 2)
    surveyed = [m for m in (last_at, customer.last_survey_invited_at) if m is not None]
    return {
        "lastNps": "" if scores.get("nps") is None else str(int(scores["nps"])),
        "lastCsat": "" if scores.get("csat") is None else str(int(scores["csat"])),
        "daysSinceLastSurvey": "" if last_at is None else str(max(0, (now - last_at).days)),
        "recentDetractor": "true" if recent and unhappy else "false",
        "offerSurvey": "true" if consent_given(plain(customer.consent), "voice", "surveys")
        and not any(now - m < cooldown for m in surveyed) else "false",
    }
