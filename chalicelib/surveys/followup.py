"""Closing the loop: a detractor (NPS 0-6) or a dissatisfied customer (CSAT 1-2)
becomes an Amazon Connect task for the follow-up team, and the supervisors get an
alert e-mail.

The task is started through the Connect client (StartTaskContact): the flow SURVEY_FOLLOW_UP_FLOW_ARN
(templates/flows/survey_follow_up) queues it in the follow-up queue; it is related
to the original contact (RelatedContactId: the agent sees that contact, and its
attributes such as customerId are copied to the task); it carries the customer id,
the survey and the scores as references. Idempotent three times over: the request's
ClientToken is the survey (Connect answers a repeat with the same task), the task's
id is written on the survey only if none is there, and the alert goes through the
outbox under `survey:<contact id>:alert`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.connect.client import ConnectClient
from chalicelib.db import dynamo_errors
from chalicelib.errors import DependencyFailure, InvalidInput
from chalicelib.observability import get_logger
from chalicelib.settings import Settings
from chalicelib.surveys.models import FOLLOW_UP_DONE, FOLLOW_UP_PENDING, SurveyModel

ALERT_KINDS = {"nps": "detractor", "csat": "low_csat"}
CONTACT_WORDS = {"VOICE": "a call", "CHAT": "a chat", "EMAIL": "an e-mail"}
MAX_COMMENT = 1000


def task(survey: SurveyModel) -> dict[str, Any]:
    """The task for a survey that needs following up (ConnectClient.start_task's
    arguments, apart from the flow)."""
    scores = {k: int(v) for k, v in (survey.scores.as_dict() if survey.scores else {}).items()}
    metric = survey.follow_up_metric or "nps"
    kind = ALERT_KINDS.get(metric, "detractor")
    answers = dict(survey.answers or {})
    comment = next((str(v) for k, v in answers.items() if isinstance(v, str)), "")
    shown = ", ".join(f"{name.upper()} {value}" for name, value in sorted(scores.items()))
    contact = " ".join(part for part in (
        CONTACT_WORDS.get(survey.channel or "", "a contact"), f"in queue {survey.queue}" if survey.queue else "",
        f"with agent {survey.agent}" if survey.agent else "", f"on {survey.contact_day}") if part)
    description = f"After {contact}, the customer answered {shown}."
    if comment:
        description += f' They wrote: "{comment[:MAX_COMMENT]}"'
    return {
        "related_contact": survey.survey_id,
        "name": f"Survey follow-up: {metric.upper()} {scores.get(metric, '')} ({kind.replace('_', ' ')})",
        "description": description,
        "references": {"customerId": survey.customer_id or "unknown", "originalContactId": survey.survey_id,
                       **{name.upper(): value for name, value in sorted(scores.items())}},
        "attributes": {"customerId": survey.customer_id or "", "surveyId": survey.survey_id,
                       "followUpReason": kind},
        "client_token": f"survey-follow-up-{survey.survey_id}",
    }


class FollowUp:
    def __init__(self, settings: Settings, connect: Any = None) -> None:
        self.settings = settings
        self._connect = connect

    @property
    def tasks_configured(self) -> bool:
        return bool(self.settings.connect_instance_arn and self.settings.survey_follow_up_flow_arn)

    def run(self, survey_id: str) -> str:
        """Follow a survey up if it still needs it. Returns what happened: done,
        nothing (not needed, or done before)."""
        from chalicelib.surveys.service import Surveys

        survey = Surveys(self.settings).find(survey_id)
        if survey is None or survey.follow_up != FOLLOW_UP_PENDING:
            return "nothing"
        task_id = survey.task_contact_id
        if not task_id and self.tasks_configured:
            task_id = self._start_task(survey)
        elif not task_id:
            get_logger().warning("no Connect instance configured for follow-up tasks; alerting only",
                                 extra={"survey_id": survey_id})
        self._alert(survey, task_id)
        with dynamo_errors("updating a survey"):
            # The version moves too: an answer written from an earlier read is refused and
            # read again, so it cannot put the follow-up back to pending.
            survey.update(actions=[SurveyModel.follow_up.set(FOLLOW_UP_DONE), SurveyModel.version.add(1)])
        get_logger().info("survey followed up", extra={"survey_id": survey_id, "task_contact_id": task_id})
        return "done"

    def _start_task(self, survey: SurveyModel) -> str:
        try:
            task_id = ConnectClient(self.settings, self._connect).start_task(
                flow=self.settings.survey_follow_up_flow_arn, action="starting the follow-up task", **task(survey))
        except InvalidInput as e:  # a refused request is retried like any other failure
            raise DependencyFailure(f"starting the follow-up task failed: {e.code}") from e
        with dynamo_errors("updating a survey"):
            try:
                survey.update(actions=[SurveyModel.task_contact_id.set(task_id), SurveyModel.version.add(1)],
                              condition=SurveyModel.task_contact_id.does_not_exist())
            except Exception as e:
                if getattr(e, "cause_response_code", None) != "ConditionalCheckFailedException":
                    raise
        return task_id

    def _alert(self, survey: SurveyModel, task_id: str | None) -> None:
        from chalicelib.notify.service import notifier
        from chalicelib.surveys.service import message_reference

        scores = {k: int(v) for k, v in (survey.scores.as_dict() if survey.scores else {}).items()}
        metric = survey.follow_up_metric or "nps"
        answers = dict(survey.answers or {})
        comment = next((str(v) for v in answers.values() if isinstance(v, str) and v.strip()), None)
        variables: dict[str, Any] = {
            "alert": ALERT_KINDS.get(metric, "detractor"), "customer_id": survey.customer_id or "anonymous",
            "contact_id": survey.survey_id, "metric": metric, "score": scores.get(metric),
        }
        optional = {"comment": comment[:MAX_COMMENT] if comment else None, "queue": survey.queue,
                    "agent_name": survey.agent,
                    "contact_at": survey.contact_ended_at.isoformat() if survey.contact_ended_at else None}
        variables.update({k: v for k, v in optional.items() if v})
        outcome = notifier(self.settings).send_to_staff("supervisor_alert", variables,
                                                        message_reference(survey.survey_id, ":alert"))
        if outcome.status == "failed":
            # A malformed alert is not retried: the task is there; say so loudly.
            get_logger().error("supervisor alert not sent", extra={"survey_id": survey.survey_id,
                                                                   "error_code": outcome.error_code})
