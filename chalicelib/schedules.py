"""Work done later: one-time EventBridge Scheduler schedules that run a named step
(chalicelib/steps.py) in the `scheduled_step` function.

A schedule's input is the step: `{"step": "<name>", ...ids}`, ids only. Its name is
its idempotency key: creating it again finds it there and changes nothing
(`at` answers False), and `cancel` deletes it before it runs. It runs once, at a
wall-clock time read in the zone given (UTC unless a customer's own zone matters,
so daylight saving is Scheduler's business), and deletes itself afterwards.
Scheduler retries a delivery that failed; what it cannot deliver, and what the
function keeps failing on, ends in the one dead-letter queue.

What a step does is registered by its capability (chalicelib/steps.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import aws
from chalicelib.errors import DependencyFailure, InvalidInput
from chalicelib.settings import Settings

NAME = re.compile(r"[0-9a-zA-Z._-]{1,64}")
# Scheduler's own retries of the target (besides Lambda's), for up to a day: an
# invitation held back by quiet hours still goes out after a short outage.
RETRY_POLICY = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 24 * 3600}


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

    @property
    def configured(self) -> bool:
        s = self.settings
        return bool(s.schedule_group and s.scheduled_step_arn and s.scheduler_role_arn)

    def _require(self) -> None:
        s = self.settings
        missing = [name.upper() for name in ("schedule_group", "scheduled_step_arn", "scheduler_role_arn")
                   if not getattr(s, name)]
        if missing:
            raise DependencyFailure(f"scheduling needs {', '.join(missing)}")

    def at(self, name: str, when: datetime, step: Mapping[str, Any], zone: str = "UTC") -> bool:
        """Run `step` at `when` (not before now + 1 minute), written as a wall-clock
        time in `zone`. True if the schedule was created, False if one of that name
        was already there."""
        from zoneinfo import ZoneInfo

        from botocore.exceptions import BotoCoreError, ClientError

        if not NAME.fullmatch(name):
            raise InvalidInput("a schedule name is 1-64 letters, digits, '.', '_' or '-'")
        if not isinstance(step.get("step"), str):
            raise InvalidInput("a scheduled step needs its name as step")
        self._require()
        soonest = datetime.now(UTC) + timedelta(minutes=1)
        when = max(when.astimezone(UTC), soonest).astimezone(ZoneInfo(zone)).replace(microsecond=0)
        target: dict[str, Any] = {
            "Arn": self.settings.scheduled_step_arn,
            "RoleArn": self.settings.scheduler_role_arn,
            "Input": json.dumps(dict(step), sort_keys=True, separators=(",", ":")),
            "RetryPolicy": RETRY_POLICY,
        }
        if self.settings.schedule_dead_letter_queue_arn:
            target["DeadLetterConfig"] = {"Arn": self.settings.schedule_dead_letter_queue_arn}
        try:
            self.client.create_schedule(
                Name=name, GroupName=self.settings.schedule_group,
                ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})", ScheduleExpressionTimezone=zone,
                FlexibleTimeWindow={"Mode": "OFF"}, Target=target, ActionAfterCompletion="DELETE",
                Description=str(step["step"])[:100], ClientToken=name)
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
            self.client.delete_schedule(Name=name, GroupName=self.settings.schedule_group)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise DependencyFailure(f"cancelling a schedule failed: {e.response.get('Error', {}).get('Code', '')}") \
                from e
        except BotoCoreError as e:
            raise DependencyFailure(f"cancelling a schedule failed: {type(e).__name__}") from e
        return True
