"""What `GET /floor` answers: per queue, who waits, the oldest wait and its status,
the service level today, and the agents online against those the staffing plan needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from chalicelib.db import utcnow
from chalicelib.floor import agents, state, thresholds

# needed(queue name, now) -> the agents the staffing plan needs now, None without a plan
Needed = Callable[[str, datetime], "int | None"]


def service_level_today(now: datetime) -> tuple[dict[str, dict[str, int]], Callable[[str], int]]:
    """The KPI counters of every queue today (the reporting day, METRICS_TIME_ZONE),
    read with one Query whatever the number of contacts, and each queue's threshold."""
    from chalicelib.metrics import counters, report, service_level
    from chalicelib.settings import get_settings

    settings = get_settings()
    day = date.fromisoformat(counters.local_day(now, settings.metrics_time_zone))
    return (report.read("queue", day, day),
            lambda queue: service_level.threshold_seconds(queue, settings.wfm_queues))


def _service_level(counts: dict[str, int], threshold_seconds: int) -> dict[str, Any]:
    offered, inside = counts.get("queued", 0), counts.get("answered_in_threshold", 0)
    return {"percent": round(inside * 100 / offered, 1) if offered else None,
            "answeredInThreshold": inside, "offered": offered, "thresholdSeconds": threshold_seconds}


def floor(now: datetime | None = None, needed: Needed | None = None) -> dict[str, Any]:
    """The floor now: two Queries per configured queue (contacts, agents) and one for
    today's counters, whatever the number of contacts; `needed` adds the staffing plan.

    The service level and the plan are those of the queue's `name` (as contact records
    and WFM_QUEUES name the queue)."""
    now = now or utcnow()
    today, threshold = service_level_today(now)
    queues = []
    for queue in thresholds.configured():
        waiting = state.waiting(queue.queue, now)
        staff = agents.on_queue(queue.queue, now)
        oldest = None if waiting.oldest_since is None else max(0, int((now - waiting.oldest_since).total_seconds()))
        online = staff[agents.AVAILABLE] + staff[agents.ON_CONTACT] + staff[agents.AFTER_CONTACT_WORK]
        wanted = needed(queue.name, now) if needed else None
        queues.append({
            "queue": queue.queue,
            "name": queue.name,
            "waiting": waiting.count,
            "waitingByChannel": dict(sorted(waiting.by_channel.items())),
            "oldestWaitSeconds": oldest,
            "agents": {"available": staff[agents.AVAILABLE], "onContact": staff[agents.ON_CONTACT],
                       "afterContactWork": staff[agents.AFTER_CONTACT_WORK], "custom": staff[agents.CUSTOM]},
            "warnSeconds": queue.warn_seconds,
            "alertSeconds": queue.alert_seconds,
            "status": queue.status(oldest),
            "serviceLevelToday": _service_level(today.get(queue.name, {}), threshold(queue.name)),
            "staffing": None if wanted is None else {
                "needed": wanted, "online": online,
                "status": thresholds.WARN if online < wanted else thresholds.OK},
        })
    return {"at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "queues": queues}
