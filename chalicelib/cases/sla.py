"""Service-level clocks of a case: first response, next response, resolution.

A clock starts at an instant with a target in business time, stands still while the
case waits on the customer (pauses) and stops when it is met: a reply *to the
customer* for the response clocks (an internal note never stops one), the case
resolved for resolution. Its warning falls at 80 % of the target and its breach at
100 %, both in business time of the queue's hours; these are the instants the
one-time schedules fire at. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from chalicelib.cases import business_time as bt
from chalicelib.cases.business_time import BusinessHours, Pause

WARNING_SHARE = 0.8
RUNNING, WARNING, BREACHED, PAUSED, MET = "running", "warning", "breached", "paused", "met"


@dataclass(frozen=True)
class Deadline:
    warning_at: datetime
    breach_at: datetime


@dataclass(frozen=True)
class Clock:
    """One target of one case. `stopped` is when it was met (None: still counting)."""

    target: str
    started: datetime
    allowed: timedelta
    pauses: tuple[Pause, ...] = ()
    stopped: datetime | None = None

    @property
    def paused_now(self) -> bool:
        return any(p.end is None for p in self.pauses)

    def pause(self, at: datetime) -> Clock:
        """Stand still from `at` (no change when already paused or stopped)."""
        if self.paused_now or self.stopped is not None:
            return self
        return replace(self, pauses=(*self.pauses, Pause(at)))

    def resume(self, at: datetime) -> Clock:
        if not self.paused_now:
            return self
        *done, open_pause = self.pauses
        return replace(self, pauses=(*done, Pause(open_pause.start, max(at, open_pause.start))))

    def stop(self, at: datetime) -> Clock:
        """Met at `at` (a pause still open ends there)."""
        if self.stopped is not None:
            return self
        return replace(self.resume(at), stopped=at)

    def with_allowed(self, allowed: timedelta) -> Clock:
        """The same clock under another target (the priority changed)."""
        return replace(self, allowed=allowed)

    def deadline(self, hours: BusinessHours) -> Deadline | None:
        """Warning and breach instants, or None while paused or once met."""
        if self.stopped is not None or self.paused_now:
            return None
        warning = timedelta(seconds=round(self.allowed.total_seconds() * WARNING_SHARE))
        return Deadline(warning_at=_due(self, warning, hours), breach_at=_due(self, self.allowed, hours))

    def state(self, hours: BusinessHours, now: datetime) -> str:
        used = bt.elapsed(self.started, self.stopped or now, hours, self.pauses)
        if self.stopped is not None:
            return BREACHED if used > self.allowed else MET
        if used >= self.allowed:
            return BREACHED
        if self.paused_now:
            return PAUSED
        return WARNING if used >= self.allowed * WARNING_SHARE else RUNNING

    def percent_used(self, hours: BusinessHours, now: datetime) -> int:
        used = bt.elapsed(self.started, self.stopped or now, hours, self.pauses)
        return int(used / self.allowed * 100)


def _due(clock: Clock, allowed: timedelta, hours: BusinessHours) -> datetime:
    found = bt.due(clock.started, allowed, hours, clock.pauses)
    assert found is not None  # deadline() returns early while paused
    return found


def at_expression(moment: datetime) -> str:
    """EventBridge Scheduler's one-time expression for an instant (UTC, whole seconds;
    a fraction is rounded up so a schedule never fires before its instant)."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def schedule_name(case_id: str, target: str, kind: str, due: datetime) -> str:
    """One name per (case, target, warning|breach, instant): creating it twice is
    refused by the scheduler (ConflictException), so a retry never schedules twice; a
    moved deadline has a new name and the old one is deleted."""
    return f"case-{case_id}-{target}-{kind}-{int(due.timestamp())}"[:64]


def worst(states: Sequence[str]) -> str:
    """A case's state for the worklist: its worst clock."""
    order = (BREACHED, WARNING, RUNNING, PAUSED, MET)
    return min(states, key=order.index) if states else MET
