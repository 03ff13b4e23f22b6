"""The floor table: one item per contact per queue it waited in.

An item keeps only ids and times (no customer data). `rank` orders the events of
one contact: the event's own time, then 0 for joining and 1 for leaving, so a
contact connected in the same millisecond it was queued is not left waiting. The
`waiting` index is sparse: only items whose newest event put the contact in the
queue have `waiting_queue`, so reading a queue reads its waiting contacts alone,
oldest first. Items expire FLOOR_RETENTION_HOURS after their event (TTL); DynamoDB
deletes them late, so reads also skip expired items.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.db import BaseModel, table_meta


class Waiting(GlobalSecondaryIndex):
    class Meta:
        index_name = "waiting"
        projection = AllProjection()

    waiting_queue = UnicodeAttribute(hash_key=True)
    enqueued_at = UnicodeAttribute(range_key=True)


class FloorContactModel(BaseModel):
    Meta = table_meta("floor_table")

    queue = UnicodeAttribute(hash_key=True)  # the queue's id (last part of its ARN)
    contact_id = UnicodeAttribute(range_key=True)
    rank = UnicodeAttribute()  # "<event time>#<0 joined|1 left>": the newest wins
    state = UnicodeAttribute()  # waiting, left
    channel = UnicodeAttribute(null=True)
    enqueued_at = UnicodeAttribute(null=True)
    waiting_queue = UnicodeAttribute(null=True)  # set only while waiting (sparse index)
    waiting = Waiting()
    expires_at = TTLAttribute()


class FloorAgentModel(BaseModel):
    """One item per agent per queue of their routing profile: what they are doing and
    since when. Only the agent's id is kept (no name, no user name). Connect sends a
    heartbeat every 120 s, so an item expires FLOOR_AGENT_SECONDS after its event:
    an agent whose events stop (or who left the queue's routing profile) drops off
    the floor on their own."""

    Meta = table_meta("floor_agents_table")

    queue = UnicodeAttribute(hash_key=True)
    agent_id = UnicodeAttribute(range_key=True)
    rank = UnicodeAttribute()  # the event's time: the newest wins
    state = UnicodeAttribute()  # available, on_contact, after_contact_work, offline, custom
    status_name = UnicodeAttribute(null=True)  # the agent status's name (custom states: "Break")
    since = UnicodeAttribute()
    expires_at = TTLAttribute()
