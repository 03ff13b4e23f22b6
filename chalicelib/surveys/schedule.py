"""One-time EventBridge Scheduler schedules that call the survey worker later: an
invitation held back by quiet hours, a follow-up to retry.

A schedule is named after what it does and the survey (`survey-invite-<id>`), and
the name is its idempotency key: creating it again finds it there and changes
nothing. It runs once at a wall-clock time in the customer's own time zone
(`at(...)` with ScheduleExpressionTimezone, so daylight saving is Scheduler's
business), deletes itself afterwards, and its input holds ids only.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from chalicelib import aws
from chalicelib.errors import DependencyFailure
from chalicelib.settings import Settings, SettingsError

_NAME = re.compile(r"^[0-9A-Za-z_.-]{1,64}\Z")
# Scheduler retries a failed delivery to the worker for up to a day.
RETRY_POLICY = {"MaximumEventAgeInSeconds": 24 * 3600, "MaximumRetryAttempts": 185}


def schedule_name(action: str, survey_id: str) -> str:
    name = f"survey-{action}-{survey_id}"
    if _NAME.match(name):
        return name
    return f"survey-{action}-" + hashlib.sha256(survey_id.encode()).hexdigest()[:40]


def at_expression(moment: datetime) -> str:
    """`at(2026-03-02T09:00:00)`: a wall-clock time, read in the schedule's time zone."""
    return f"at({moment.replace(tzinfo=None, microsecond=0).isoformat()})"


class Scheduler:
    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or aws.client("scheduler")

    @property
    def configured(self) -> bool:
        return bool(self.settings.survey_worker_arn and self.settings.survey_scheduler_role_arn)

    def once(self, action: str, survey_id: str, at: datetime, zone: str) -> str:
        """Have the survey worker do `action` for `survey_id` at wall-clock time `at`
        in `zone`. Returns the schedule's name; safe to call again."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not self.configured:
            raise SettingsError("SURVEY_WORKER_ARN and SURVEY_SCHEDULER_ROLE_ARN are needed to schedule survey work")
        name = schedule_name(action, survey_id)
        target: dict[str, Any] = {
            "Arn": self.settings.survey_worker_arn,
            "RoleArn": self.settings.survey_scheduler_role_arn,
            "Input": json.dumps({"action": action, "surveyId": survey_id}),
            "RetryPolicy": RETRY_POLICY,
        }
        if self.settings.survey_dead_letter_queue_arn:
            target["DeadLetterConfig"] = {"Arn": self.settings.survey_dead_letter_queue_arn}
        try:
            self.client.create_schedule(
                Name=name,
                GroupName=self.settings.survey_schedule_group,
                ScheduleExpression=at_expression(at),
                ScheduleExpressionTimezone=zone,
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Description=f"survey {action}",
                ClientToken=name,
                Target=target,
            )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "ConflictException":
                raise DependencyFailure(f"scheduling survey work failed: {e.response['Error'].get('Code')}") from e
        except BotoCoreError as e:
            raise DependencyFailure(f"scheduling survey work failed: {type(e).__name__}") from e
        return name
