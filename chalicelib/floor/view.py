"""What `GET /floor` answers: per queue, who waits, the oldest wait and its status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.db import utcnow
from chalicelib.floor import agents, state, thresholds


def floor(now: datetime | None = None) -> dict[str, Any]:
    """The floor now: two Queries per configured queue (contacts, agents), whatever the number of contacts."""
    now = now or utcnow()
    queues = []
    for queue in thresholds.configured():
        waiting = state.waiting(queue.queue, now)
        staff = agents.on_queue(queue.queue, now)
        oldest = None if waiting.oldest_since is None else max(0, int((now - waiting.oldest_since).total_seconds()))
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
        })
    return {"at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "queues": queues}
