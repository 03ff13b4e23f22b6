"""Whether, and when, a customer is invited to a survey after a contact.

In order: a survey applies to the contact's channel and queue; the contact ended
recently (a record replayed days later does not surprise anyone); the customer has
not opted out of surveys by e-mail; we know an e-mail address; the contact is in
the sample (decided by its id, so every redelivery decides the same); the customer
was not surveyed within SURVEY_COOLDOWN_DAYS; and it is not night where the
customer lives (SURVEY_QUIET_HOURS in their time zone: the invitation then waits
until the quiet hours end).

Pure functions of what they are given: the service reads, decides, then writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.settings import Settings
from chalicelib.surveys.definitions import Survey

INVITE, SCHEDULE, SKIP = "invite", "schedule", "skip"


@dataclass(frozen=True)
class Decision:
    action: str
    reason: str = ""
    # For SCHEDULE: when to send, as a wall-clock time in `zone`.
    send_at: datetime | None = None
    zone: str = ""


def zone_of(customer: Any, default: str) -> ZoneInfo:
    for name in (getattr(customer, "time_zone", None), default, "UTC"):
        try:
            return ZoneInfo(name) if name else ZoneInfo("UTC")
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, zone: ZoneInfo, quiet_hours: str) -> datetime | None:
    """When the quiet hours that `now` falls in end, in `zone`; None if it is not quiet.
    `quiet_hours` is "HH:MM-HH:MM" and may run over midnight (21:00-09:00)."""
    if not quiet_hours:
        return None
    start, end = (_clock(part) for part in quiet_hours.split("-"))
    local = now.astimezone(zone)
    moment = local.time().replace(second=0, microsecond=0, tzinfo=None)
    if start < end:
        quiet, end_day = start <= moment < end, local.date()
    else:
        quiet = moment >= start or moment < end
        end_day = local.date() if moment < end else local.date() + timedelta(days=1)
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=zone)


def sampled(survey_id: str, percent: int) -> bool:
    """The same answer for the same contact, every time: a hash of its id."""
    if percent >= 100:
        return True
    bucket = int(hashlib.sha256(survey_id.encode()).hexdigest()[:8], 16) % 100
    return bucket < percent


def last_surveyed(customer: Any) -> datetime | None:
    moments = [m for m in (getattr(customer, "last_survey_invited_at", None),
                           getattr(customer, "last_survey_at", None)) if m is not None]
    return max(moments) if moments else None


def has_email(customer: Any) -> bool:
    return any(key.startswith("email#") for key in (getattr(customer, "identities", None) or ()))


def decide(*, survey_id: str, survey: Survey | None, customer: Any, ended_at: datetime | None,
           settings: Settings, now: datetime) -> Decision:
    from chalicelib.privacy.consent import allows

    if survey is None:
        return Decision(SKIP, "no_survey")
    if ended_at is not None and now - ended_at > timedelta(hours=settings.survey_max_delay_hours):
        return Decision(SKIP, "too_late")
    if not allows(customer, "email", "surveys"):
        return Decision(SKIP, "no_consent")
    if not has_email(customer):
        return Decision(SKIP, "no_address")
    percent = survey.sample_percent if survey.sample_percent is not None else settings.survey_sample_percent
    if not sampled(survey_id, percent):
        return Decision(SKIP, "not_sampled")
    last = last_surveyed(customer)
    if last is not None and now - last < timedelta(days=settings.survey_cooldown_days):
        return Decision(SKIP, "cooldown")
    zone = zone_of(customer, settings.default_time_zone)
    send_at = quiet_until(now, zone, settings.survey_quiet_hours)
    if send_at is not None:
        return Decision(SCHEDULE, "quiet_hours", send_at, zone.key)
    return Decision(INVITE)
