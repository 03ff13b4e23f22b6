"""The surveys' scheduled steps (registered in chalicelib/wiring.py, run by
`scheduled_step`): an invitation held back by quiet hours, a follow-up to retry.

Input (the schedule's, ids only): `{"step": "invite" | "follow_up", "surveyId": "<contact id>"}`.
Both steps are idempotent, so a retry or a late duplicate changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.settings import get_settings
from chalicelib.steps import text


def invite(step: Mapping[str, Any]) -> dict[str, str]:
    from chalicelib.surveys.service import Surveys

    survey_id = text(step, "surveyId", longest=128)
    return {"surveyId": survey_id, "status": Surveys(get_settings()).invite(survey_id)}


def follow_up(step: Mapping[str, Any]) -> dict[str, str]:
    from chalicelib.surveys.followup import FollowUp

    survey_id = text(step, "surveyId", longest=128)
    return {"surveyId": survey_id, "status": FollowUp(get_settings()).run(survey_id)}
