"""When a survey's work waits: an invitation held back by quiet hours (at their end,
in the customer's own time zone), a follow-up to retry. The schedule is named after
what it does and the survey (`survey-invite-<id>`), so creating it again changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from chalicelib.schedules import NAME, Schedules
from chalicelib.settings import Settings


def schedule_name(action: str, survey_id: str) -> str:
    name = f"survey-{action}-{survey_id}"
    if NAME.fullmatch(name):
        return name
    return f"survey-{action}-" + hashlib.sha256(survey_id.encode()).hexdigest()[:40]


def later(settings: Settings, action: str, survey_id: str, at: datetime, zone: str) -> str:
    """Have `scheduled_step` run `action` ("invite", "follow_up") for `survey_id` at
    `at`, written in `zone`. Returns the schedule's name; safe to call again."""
    name = schedule_name(action, survey_id)
    Schedules(settings).at(name, at, {"step": action, "surveyId": survey_id}, zone)
    return name
