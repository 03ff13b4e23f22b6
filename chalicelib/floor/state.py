"""Keeping and reading who waits in which queue.

`contact_event` is subscribed to `events.CONTACT_EVENT`; `waiting` reads one queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.db import dynamo_errors, is_live, utcnow

JOINS = frozenset({"QUEUED"})
LEAVES = frozenset({"CONNECTED_TO_AGENT", "DISCONNECTED", "COMPLETED"})
# Long enough to outlast every redelivery of a contact event (EventBridge retries for
# 24 h) and any wait in a queue; short enough that the table holds about a day.
RETENTION = timedelta(hours=26)
WAITING, LEFT = "waiting", "left"


def _when(text: str) -> datetime | None:
    from chalicelib.interactions.parse import parse_time

    return parse_time(text)


def contact_event(payload: dict[str, Any]) -> bool:
    """Apply one contact event to the floor; True if it changed it.

    An event older than (or the same as) what the contact's item already holds
    changes nothing, so redelivered and reordered events leave the same floor."""
    from pynamodb.exceptions import PutError

    from chalicelib.floor.models import FloorContactModel

    observation = payload["observation"]
    event_type = observation.source.removeprefix("ev:")
    facts = observation.facts
    queue = facts.get("queue")
    if not queue or event_type not in JOINS | LEAVES:
        return False  # a contact that never queued is not on the floor
    joining = event_type in JOINS
    # The event's own millisecond time where it has one (the envelope's is in seconds).
    own = facts.get("enqueued_at") if joining else (
        facts.get("connected_at") if event_type == "CONNECTED_TO_AGENT" else facts.get("disconnected_at"))
    at = own or observation.stamp
    moment = _when(at)
    if moment is None:
        return False
    item = FloorContactModel(queue, observation.contact_id, rank=f"{at}#{0 if joining else 1}",
                             state=WAITING if joining else LEFT, channel=facts.get("channel") or None,
                             enqueued_at=facts.get("enqueued_at") or at,
                             waiting_queue=queue if joining else None, expires_at=moment + RETENTION)
    condition = FloorContactModel.rank.does_not_exist() | (FloorContactModel.rank < item.rank)
    with dynamo_errors("keeping the floor"):
        try:
            item.save(condition=condition)
        except PutError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                return False  # the item already holds this event or a newer one
            raise
    return True


@dataclass(frozen=True)
class Waiting:
    """The contacts waiting in one queue now."""

    queue: str
    by_channel: dict[str, int]
    oldest_since: datetime | None

    @property
    def count(self) -> int:
        return sum(self.by_channel.values())


def waiting(queue: str, now: datetime | None = None) -> Waiting:
    """One Query on the queue's part of the sparse `waiting` index, oldest first."""
    from chalicelib.floor.models import FloorContactModel

    now = now or utcnow()
    by_channel: dict[str, int] = {}
    oldest: datetime | None = None
    with dynamo_errors("reading the floor"):
        for item in FloorContactModel.waiting.query(queue):
            if not is_live(item, now):
                continue
            channel = item.channel or "VOICE"
            by_channel[channel] = by_channel.get(channel, 0) + 1
            since = _when(item.enqueued_at or "")
            if since is not None and (oldest is None or since < oldest):
                oldest = since
    return Waiting(queue, by_channel, oldest)
