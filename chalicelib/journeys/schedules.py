"""One-time schedules on EventBridge Scheduler that invoke `journey_step` later."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import aws
from chalicelib.errors import DependencyFailure, InvalidInput
from chalicelib.settings import Settings

_NAME = re.compile(r"^[0-9a-zA-Z._-]{1,64}\Z")
# Scheduler's retries of a delivery to Lambda that failed (throttled, for example);
# a step that runs and fails is retried by Lambda, then kept by the function's
# dead-letter queue.
RETRY_ATTEMPTS = 5
MAX_EVENT_AGE_S = 6 * 3600


def client() -> Any:
    """The Scheduler client (tests stub it or run it on moto)."""
    return aws.client("scheduler")


class Schedules:
    def __init__(self, settings: Settings, scheduler: Any = None) -> None:
        self.settings = settings
        self._client = scheduler

    @property
    def client(self) -> Any:
        return self._client or client()

    def _require(self) -> None:
        s = self.settings
        missing = [name.upper() for name in ("journey_schedule_group", "journey_step_function_arn",
                                              "journey_scheduler_role_arn") if not getattr(s, name)]
        if missing:
            raise DependencyFailure(f"scheduling needs {', '.join(missing)}")

    def at(self, name: str, when: datetime, step: dict[str, Any]) -> bool:
        """Run `step` at `when` (not before now + 1 minute). True if the schedule was
        created, False if one of that name was already there."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not _NAME.match(name):
            raise InvalidInput("a schedule name is 1-64 letters, digits, '.', '_' or '-'")
        self._require()
        soonest = datetime.now(UTC) + timedelta(minutes=1)
        when = max(when.astimezone(UTC), soonest).replace(microsecond=0)
        target: dict[str, Any] = {
            "Arn": self.settings.journey_step_function_arn,
            "RoleArn": self.settings.journey_scheduler_role_arn,
            "Input": json.dumps(step, sort_keys=True, separators=(",", ":")),
            "RetryPolicy": {"MaximumRetryAttempts": RETRY_ATTEMPTS, "MaximumEventAgeInSeconds": MAX_EVENT_AGE_S},
        }
        if self.settings.journey_dead_letter_queue_arn:
            target["DeadLetterConfig"] = {"Arn": self.settings.journey_dead_letter_queue_arn}
        try:
            self.client.create_schedule(
                Name=name, GroupName=self.settings.journey_schedule_group,
                ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})", ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"}, Target=target, ActionAfterCompletion="DELETE",
                Description=str(step.get("step", ""))[:100])
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ConflictException":
                return False
            raise DependencyFailure(f"scheduling failed: {e.response.get('Error', {}).get('Code', '')}") from e
        except BotoCoreError as e:
            raise DependencyFailure(f"scheduling failed: {type(e).__name__}") from e
        return True

    def cancel(self, name: str) -> bool:
        """Delete a schedule; False if there was none (it ran, or never existed)."""
        from botocore.exceptions import BotoCoreError, ClientError

        self._require()
        try:
            self.client.delete_schedule(Name=name, GroupName=self.settings.journey_schedule_group)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise DependencyFailure(f"cancelling a schedule failed: {e.response.get('Error', {}).get('Code', '')}") \
                from e
        except BotoCoreError as e:
            raise DependencyFailure(f"cancelling a schedule failed: {type(e).__name__}") from e
        return True
