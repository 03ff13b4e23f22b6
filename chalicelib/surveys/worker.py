"""The survey worker: what EventBridge Scheduler calls later.

Input (the schedule's, ids only): `{"action": "invite" | "follow_up", "surveyId": "<contact id>"}`.
Scheduler invokes the function asynchronously: a failure raises, Lambda retries it
and then hands the event to the function's dead-letter queue. Both actions are
idempotent, so a retry or a late duplicate changes nothing.
"""

from __future__ import annotations

from typing import Any

from chalicelib.observability import get_logger

ACTIONS = ("invite", "follow_up")


class UnusableInput(ValueError):
    """Not an input a survey schedule sends."""


def handle(event: Any) -> dict[str, str]:
    from chalicelib.settings import get_settings

    action = event.get("action") if isinstance(event, dict) else None
    survey_id = event.get("surveyId") if isinstance(event, dict) else None
    if action not in ACTIONS or not isinstance(survey_id, str) or not 0 < len(survey_id) <= 128:
        get_logger().error("not a survey schedule's input", extra={"action": str(action)[:32]})
        raise UnusableInput("expected {\"action\": \"invite\" or \"follow_up\", \"surveyId\": \"...\"}")
    settings = get_settings()
    if action == "invite":
        from chalicelib.surveys.service import Surveys

        status = Surveys(settings).invite(survey_id)
    else:
        from chalicelib.surveys.followup import FollowUp

        status = FollowUp(settings).run(survey_id)
    get_logger().info("survey work done", extra={"action": action, "survey_id": survey_id, "status": status})
    return {"action": action, "surveyId": survey_id, "status": status}
