"""Closing the loop: a detractor (NPS 0-6) or a dissatisfied customer (CSAT 1-2)
becomes an Amazon Connect task for the follow-up team, and the supervisors get an
alert e-mail.

The task is started with StartTaskContact: the flow SURVEY_FOLLOW_UP_FLOW_ARN
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

from chalicelib import aws
from chalicelib.db import dynamo_errors
from chalicelib.errors import DependencyFailure
from chalicelib.observability import get_logger
from chalicelib.settings import Settings
from chalicelib.surveys.models import FOLLOW_UP_DONE, FOLLOW_UP_PENDING, SurveyModel

ALERT_KINDS = {"nps": "detractor", "csat": "low_csat"}
CONTACT_WORDS = {"VOICE": "a call", "CHAT": "a chat", "EMAIL": "an e-mail"}
MAX_COMMENT = 1000


def resource_id(arn: str, kind: str) -> str:
    """The id after `<kind>/` in a Connect ARN (`arn:...:instance/<id>`,
    `arn:...:instance/<id>/contact-flow/<id>`); an id is returned as it is."""
    for marker in (f"/{kind}/", f":{kind}/"):
        if marker in arn:
            return arn.rsplit(marker, 1)[1].split("/", 1)[0]
    return arn


def task_request(survey: SurveyModel, settings: Settings) -> dict[str, Any]:
    """The StartTaskContact request for a survey that needs following up."""
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
    references = {
        "customerId": {"Value": survey.customer_id or "unknown", "Type": "STRING"},
        "originalContactId": {"Value": survey.survey_id, "Type": "STRING"},
        **{name.upper(): {"Value": str(value), "Type": "NUMBER"} for name, value in sorted(scores.items())},
    }
    return {
        "InstanceId": resource_id(settings.connect_instance_arn, "instance"),
        "ContactFlowId": resource_id(settings.survey_follow_up_flow_arn, "contact-flow"),
        "RelatedContactId": survey.survey_id,
        "Name": f"Survey follow-up: {metric.upper()} {scores.get(metric, '')} ({kind.replace('_', ' ')})",
        "Description": description,
        "References": references,
        "Attributes": {"customerId": survey.customer_id or "", "surveyId": survey.survey_id,
                       "followUpReason": kind},
        "ClientToken": f"survey-follow-up-{survey.survey_id}"[:500],
    }


class FollowUp:
    def __init__(self, settings: Settings, connect: Any = None) -> None:
        self.settings = settings
        self._connect = connect

    @property
    def connect(self) -> Any:
        return self._connect or aws.client("connect")

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
            survey.update(actions=[SurveyModel.follow_up.set(FOLLOW_UP_DONE)])
        get_logger().info("survey followed up", extra={"survey_id": survey_id, "task_contact_id": task_id})
        return "done"

    def _start_task(self, survey: SurveyModel) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.connect.start_task_contact(**task_request(survey, self.settings))
        except (BotoCoreError, ClientError) as e:
            code = e.response.get("Error", {}).get("Code") if isinstance(e, ClientError) else type(e).__name__
            raise DependencyFailure(f"starting the follow-up task failed: {code}") from e
        task_id = answer["ContactId"]
        with dynamo_errors("updating a survey"):
            try:
                survey.update(actions=[SurveyModel.task_contact_id.set(task_id)],
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
