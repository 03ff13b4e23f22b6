"""The staffing plan of a queue and channel: per interval, the contacts forecast, their
handle time, and the agents and staff needed to meet the queue's service level.

A daily job (`plan_all`) forecasts every planned queue from its interval history and
stores one item per queue, channel and local day, so that reading a plan for up to
28 days is one query. Voice is staffed with Erlang A when callers abandoned in the
last four weeks (their patience estimated as the time waited in queue per abandoned
call), Erlang C otherwise; chats divide the load by the queue's chat concurrency.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.db import connection, dynamo_errors
from chalicelib.metrics import counters
from chalicelib.wfm import erlang, forecast
from chalicelib.wfm.intervals import IntervalCounters, IntervalCounts, query_all
from chalicelib.wfm.queues import QueuePlanning
from chalicelib.wire import to_wire

INTERVAL_SECONDS = 900
# A queue that has handled nothing yet is planned with this handle time.
DEFAULT_HANDLE_SECONDS = 300.0
# Fewer abandoned calls than this say too little about callers' patience.
MIN_ABANDONED_FOR_PATIENCE = 5
PATIENCE_SECONDS = (5.0, 3600.0)


@dataclass(frozen=True)
class PlannedInterval:
    start: datetime  # UTC
    contacts: float
    average_handle_seconds: float
    staffing: erlang.Staffing


@dataclass(frozen=True)
class PlannedDay:
    day: date
    intervals: list[PlannedInterval]
    history_days: int
    history_from: date
    history_to: date
    holiday: str | None
    patience_seconds: float | None


def patience(history: dict[datetime, IntervalCounts], since: datetime) -> float | None:
    """Mean patience of callers (exponential), estimated as the seconds waited in queue
    per abandoned call: each waiting second is a chance to give up."""
    recent = [counts for start, counts in history.items() if start >= since]
    abandoned = sum(c.abandoned for c in recent)
    if abandoned < MIN_ABANDONED_FOR_PATIENCE:
        return None
    waited = sum(c.wait_seconds for c in recent)
    return min(PATIENCE_SECONDS[1], max(PATIENCE_SECONDS[0], waited / abandoned))


def build(queue: QueuePlanning, channel: str, start: date, days: int, today: date,
          history: dict[datetime, IntervalCounts]) -> list[PlannedDay]:
    """Plan `days` local days from `start`, from the history up to yesterday."""
    yesterday = today - timedelta(days=1)
    result = forecast.forecast({s: c.observed() for s, c in history.items()}, last_day=yesterday, start=start,
                               days=days, time_zone=queue.time_zone, country=queue.country,
                               subdivision=queue.subdivision)
    since = forecast.day_intervals(today - timedelta(days=28), queue.time_zone)[0]
    waiting = patience(history, since) if channel == "VOICE" else None
    planned: dict[date, list[PlannedInterval]] = {}
    for interval in result.intervals:
        handle = interval.average_handle_seconds or DEFAULT_HANDLE_SECONDS
        demand = erlang.Demand(
            contacts=interval.contacts, interval_seconds=INTERVAL_SECONDS, average_handle_seconds=handle,
            target_service_level=queue.target_service_level, target_seconds=queue.target_seconds,
            shrinkage=queue.shrinkage, max_occupancy=queue.max_occupancy, patience_seconds=waiting,
            concurrency=queue.concurrency(channel))
        day = forecast.local_day(interval.start, queue.time_zone)
        planned.setdefault(day, []).append(PlannedInterval(interval.start, interval.contacts, handle,
                                                           erlang.staff(demand)))
    return [PlannedDay(day, intervals, result.history_days, result.history_from, result.history_to,
                       result.holidays.get(day), waiting) for day, intervals in sorted(planned.items())]


def interval_document(interval: PlannedInterval, time_zone: str) -> dict[str, Any]:
    staffing = interval.staffing
    return {
        "start": interval.start.astimezone(forecast.zone(time_zone)).isoformat(),
        "forecastContacts": round(interval.contacts, 2),
        "averageHandleSeconds": round(interval.average_handle_seconds, 1),
        "agents": staffing.agents,
        "agentsFractional": round(staffing.agents_fractional, 3),
        "staff": staffing.staff,
        "serviceLevel": round(staffing.service_level, 4),
        "averageSpeedOfAnswerSeconds": round(staffing.average_speed_of_answer_seconds, 2),
        "occupancy": round(staffing.occupancy, 4),
    }


class Plans:
    """Stored plans: one item per queue, channel and local day in the KPI table."""

    def __init__(self, table: str, retention_days: int, client: Any = None) -> None:
        self.table = table
        self.retention_days = retention_days
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or connection().client

    @staticmethod
    def series(queue: str, channel: str) -> str:
        return f"wfmplan#{counters.clean_value(queue)}#{counters.clean_value(channel)}"

    def store(self, queue: QueuePlanning, channel: str, days: list[PlannedDay], made_at: datetime) -> None:
        with dynamo_errors("storing a staffing plan"):
            for planned in days:
                expires = datetime.combine(planned.day, datetime.min.time(), UTC) + timedelta(days=self.retention_days)
                self.client.put_item(TableName=self.table, Item={
                    "series": to_wire(self.series(queue.name, channel)),
                    "slot": to_wire(planned.day.isoformat()),
                    "made_at": to_wire(made_at.isoformat()),
                    "history": to_wire({"days": planned.history_days, "from": planned.history_from.isoformat(),
                                        "to": planned.history_to.isoformat()}),
                    "holiday": to_wire(planned.holiday),
                    "patience_seconds": to_wire(round(planned.patience_seconds, 1)
                                                if planned.patience_seconds else None),
                    # One attribute, compact: 96 intervals of a day fit in a few kilobytes.
                    "intervals": to_wire(json.dumps([interval_document(i, queue.time_zone)
                                                     for i in planned.intervals], separators=(",", ":"))),
                    "expires_at": to_wire(int(expires.timestamp())),
                })

    def read(self, queue: str, channel: str, first: date, last: date) -> list[dict[str, Any]]:
        """The stored days from `first` to `last`: one query."""
        return query_all(self.client, "reading a staffing plan", {
            "TableName": self.table,
            "KeyConditionExpression": "series = :series AND slot BETWEEN :first AND :last",
            "ExpressionAttributeValues": {":series": to_wire(self.series(queue, channel)),
                                          ":first": to_wire(first.isoformat()), ":last": to_wire(last.isoformat())},
        })


def plans_store() -> Plans:
    from chalicelib.settings import get_settings

    settings = get_settings()
    return Plans(settings.metrics_table, settings.metrics_retention_days)


def plan_queue(queue: QueuePlanning, channel: str, days: int, now: datetime,
               counts: IntervalCounters | None = None, plans: Plans | None = None) -> list[PlannedDay]:
    """Forecast and staff `days` days from today (the queue's today) and store them."""
    from chalicelib.wfm.intervals import counters_store

    today = now.astimezone(forecast.zone(queue.time_zone)).date()
    history = (counts or counters_store()).read(queue.name, channel, today - timedelta(days=forecast.MAX_HISTORY_DAYS),
                                               today - timedelta(days=1), queue.time_zone)
    planned = build(queue, channel, today, days, today, history)
    (plans or plans_store()).store(queue, channel, planned, now)
    return planned


def plan_all(now: datetime | None = None) -> dict[str, Any]:
    """The daily job: plan every planned queue and channel. A queue with too little
    history is reported and skipped; a failure of one does not stop the others."""
    from chalicelib.observability import get_logger
    from chalicelib.settings import get_settings
    from chalicelib.wfm.queues import planned as planned_queues

    logger = get_logger()
    now = now or datetime.now(UTC)
    days = get_settings().wfm_plan_days
    outcome: dict[str, Any] = {"planned": [], "tooLittleHistory": [], "failed": []}
    for queue in planned_queues():
        for channel in queue.channels:
            name = f"{queue.name}/{channel}"
            try:
                plan_queue(queue, channel, days, now)
            except forecast.NotEnoughHistory as e:
                logger.info("queue not planned: too little history", extra={"queue": name, "problem": str(e)})
                outcome["tooLittleHistory"].append(name)
                continue
            except Exception:
                logger.exception("queue not planned", extra={"queue": name})
                outcome["failed"].append(name)
                continue
            outcome["planned"].append(name)
    if outcome["failed"]:
        # Raise so the schedule's failure shows in the function's errors and alarms;
        # the queues that succeeded are stored.
        raise RuntimeError(f"staffing plans failed for {', '.join(outcome['failed'])}")
    return outcome


def agents_needed(queue: str, now: datetime, plans: Plans | None = None) -> int | None:
    """The agents the stored plan needs in `queue` in the 15-minute interval holding
    `now`, over the queue's planned channels; None when no plan covers it (the queue
    is not planned, or no plan was stored for its day). One Query per channel."""
    from chalicelib.wfm.queues import planned as planned_queues

    settings = next((q for q in planned_queues() if q.name == queue), None)
    if settings is None:
        return None
    today = now.astimezone(forecast.zone(settings.time_zone)).date()
    store = plans or plans_store()
    needed = None
    for channel in settings.channels:
        for day in store.read(settings.name, channel, today, today):
            for interval in json.loads(day["intervals"]):
                start = datetime.fromisoformat(interval["start"])
                if start <= now < start + timedelta(seconds=INTERVAL_SECONDS):
                    needed = (needed or 0) + int(interval["agents"])
    return needed
