"""Agents on the floor, from Amazon Connect's agent event stream (Kinesis).

Each event (STATE_CHANGE, HEART_BEAT, LOGIN, LOGOUT) carries the agent's whole
current snapshot, so the newest event alone says what the agent is doing: on a
contact (a contact connecting or connected), in after-contact work (a contact
ended, not yet cleared), available (a routable status and no contact), offline
(logged out or the Offline status), or in a custom status ("Break"). The state is
kept once per queue of the agent's routing profile, conditional on the event being
newer than the one kept, so redelivered and reordered records change nothing.

A record that cannot be read, or not kept, is reported in `batchItemFailures`
(ReportBatchItemFailures is enabled by infra/agent-events.json); the rest are kept.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.db import dynamo_errors, is_live, utcnow
from chalicelib.interactions.parse import UnusableInput, get, iso, parse_time, resource_name, text

AVAILABLE, ON_CONTACT, AFTER_CONTACT_WORK, OFFLINE, CUSTOM = (
    "available", "on_contact", "after_contact_work", "offline", "custom")
STATES = (AVAILABLE, ON_CONTACT, AFTER_CONTACT_WORK, CUSTOM)  # the ones the floor counts
_BUSY = {"INCOMING", "PENDING", "CONNECTING", "CONNECTED", "CONNECTED_ONHOLD"}
# Connect sends a heartbeat every 120 s; an agent silent for longer is gone.
AGENT_SECONDS = 600


@dataclass(frozen=True)
class AgentState:
    agent_id: str
    at: datetime
    state: str
    status_name: str
    since: datetime
    queues: tuple[str, ...]


def read(event: object) -> AgentState:
    """One agent event as the agent's state now."""
    if not isinstance(event, Mapping):
        raise UnusableInput("an agent event is a JSON object")
    agent_id = resource_name(get(event, "AgentARN"))
    at = parse_time(get(event, "EventTimestamp"))
    if not agent_id or at is None:
        raise UnusableInput("an agent event names its agent and its time")
    kind = text(get(event, "EventType"), 32).upper()
    snapshot = get(event, "CurrentAgentSnapshot") or {}
    status = get(snapshot, "AgentStatus") or {}
    status_name = text(get(status, "Name"), 64)
    status_type = text(get(status, "Type"), 32).upper()
    since = parse_time(get(status, "StartTimestamp")) or at
    profile = get(get(snapshot, "Configuration"), "RoutingProfile")
    queues = tuple(sorted({resource_name(get(q, "ARN")) for q in (get(profile, "InboundQueues") or [])
                           if isinstance(q, Mapping) and get(q, "ARN")}))
    contacts = [c for c in (get(snapshot, "Contacts") or []) if isinstance(c, Mapping)]
    busy = [c for c in contacts if text(get(c, "State"), 32).upper() in _BUSY]
    ended = [c for c in contacts if text(get(c, "State"), 32).upper() == "ENDED"]
    if kind == "LOGOUT" or status_type == "OFFLINE":
        state = OFFLINE
    elif busy or ended:
        state = ON_CONTACT if busy else AFTER_CONTACT_WORK
        starts = [parse_time(get(c, "StateStartTimestamp")) for c in (busy or ended)]
        since = min([s for s in starts if s is not None], default=since)
    elif status_type == "ROUTABLE":
        state = AVAILABLE
    else:
        state = CUSTOM
    return AgentState(agent_id, at, state, status_name, since, queues)


def keep(agent: AgentState) -> int:
    """Write the agent's state to each queue of their routing profile; how many changed."""
    from pynamodb.exceptions import PutError

    from chalicelib.floor.models import FloorAgentModel

    changed = 0
    for queue in agent.queues:
        item = FloorAgentModel(queue, agent.agent_id, rank=iso(agent.at), state=agent.state,
                               status_name=agent.status_name or None, since=iso(agent.since),
                               expires_at=agent.at + timedelta(seconds=AGENT_SECONDS))
        with dynamo_errors("keeping an agent's state"):
            try:
                item.save(condition=FloorAgentModel.rank.does_not_exist() | (FloorAgentModel.rank < item.rank))
                changed += 1
            except PutError as e:
                if e.cause_response_code != "ConditionalCheckFailedException":
                    raise
    return changed


def agent_events(event: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Keep a batch of agent events; report the records that failed."""
    from chalicelib.observability import get_logger

    logger = get_logger()
    failures: list[str] = []
    for record in event.get("Records") or []:
        sequence = str(get(get(record, "kinesis"), "sequenceNumber") or "")
        try:
            try:
                document = json.loads(base64.b64decode(record["kinesis"]["data"], validate=True))
            except (KeyError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as e:
                raise UnusableInput(f"not a base64 JSON agent event ({type(e).__name__})") from None
            keep(read(document))
        except Exception as e:  # one bad record must not take the batch down
            logger.error("agent event not kept; reported for retry",
                         extra={"problem": str(e)[:200], "sequence_number": sequence})
            failures.append(sequence)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failures]}


def on_queue(queue: str, now: datetime | None = None) -> dict[str, int]:
    """How many agents of the queue are in each state now: one Query."""
    from chalicelib.floor.models import FloorAgentModel

    now = now or utcnow()
    counts = dict.fromkeys(STATES, 0)
    with dynamo_errors("reading the floor's agents"):
        for item in FloorAgentModel.query(queue):
            if is_live(item, now) and item.state in counts:
                counts[item.state] += 1
    return counts
