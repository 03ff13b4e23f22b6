"""Which contacts supervisors evaluate: a deterministic sample of each agent's
handled contacts of the week.

Every customer contact an agent handled becomes, when its contact record says it
ended, a candidate of its agent's week (weeks are ISO weeks, Monday to Sunday, in
the contact center's zone, METRICS_TIME_ZONE). A candidate's rank is a hash of the
week and the contact id, and the week's sample of an agent is their QA_SAMPLE_PER_AGENT
candidates of lowest rank: one Query with a limit, the same answer for every
supervisor, fair to the agent (no cherry-picking) and without a Scan. Which agents
worked the week comes from the KPI counters per agent (one Query per month).

Writing a candidate is one idempotent put per handled contact, outside the
interaction's own write: redelivered records put the same item again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.db import connection, dynamo_errors, utcnow
from chalicelib.errors import InvalidInput
from chalicelib.interactions.parse import CTR, parse_time
from chalicelib.metrics import counters
from chalicelib.settings import Settings, get_settings
from chalicelib.wire import from_wire, to_wire

_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
# Candidates are kept long enough to evaluate last month's weeks, no longer.
CANDIDATE_DAYS = 45


@dataclass(frozen=True)
class Week:
    year: int
    number: int

    @property
    def name(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def first(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=6)

    @classmethod
    def of(cls, day: date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    def previous(self) -> Week:
        return Week.of(self.first - timedelta(days=7))

    def following(self) -> Week:
        return Week.of(self.first + timedelta(days=7))


def parse_week(raw: str | None, settings: Settings | None = None) -> Week:
    """`2026-W48`, or this week in the contact center's zone when not given."""
    if raw is None:
        settings = settings or get_settings()
        return Week.of(date.fromisoformat(counters.local_day(utcnow(), settings.metrics_time_zone)))
    match = _WEEK.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise InvalidInput("week must be an ISO week as YYYY-Www, e.g. 2026-W48")
    try:
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise InvalidInput(f"week {raw} does not exist (weeks run from W01 to W52 or W53)") from None
    if not 2000 <= int(match.group(1)) <= 2999:
        raise InvalidInput("week must be between 2000 and 2999")
    return Week(int(match.group(1)), int(match.group(2)))


def rank(week: Week, contact_id: str) -> str:
    return hashlib.sha256(f"{week.name}#{contact_id}".encode()).hexdigest()[:16]


def candidate_key(week: Week, agent: str) -> str:
    return f"sample#{week.name}#{agent}"


@dataclass(frozen=True)
class HandledContact:
    """What QA needs of a contact an agent handled (no customer data)."""

    contact_id: str
    agent: str
    week: Week
    started_at: str
    channel: str
    queue: str
    reason: str | None
    handle_seconds: int


def handled_contact(item: Mapping[str, Any] | None, time_zone: str) -> HandledContact | None:
    """The handled customer contact an interaction item (plain values) is, or None:
    not ended, not handled by an agent, not started by the customer, or erased."""
    from chalicelib.interactions.fold import fold

    if not item or item.get("erased") or not item.get("interaction_id"):
        return None
    legs = item.get("legs") or {}
    kpi = fold(item["interaction_id"], json.loads(legs) if isinstance(legs, str) else legs, kpi=True)
    if not (kpi.has_initial and kpi.ended and kpi.handled and kpi.customer_contact and kpi.agent):
        return None
    started = parse_time(kpi.started_at)
    if started is None:
        return None
    day = date.fromisoformat(counters.local_day(started, time_zone))
    handle = sum(int(view.get(k) or 0) for _, view in kpi.legs for k in ("talk", "hold", "acw"))
    return HandledContact(
        contact_id=item["interaction_id"], agent=counters.clean_value(kpi.agent), week=Week.of(day),
        started_at=started.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        channel=counters.clean_value(kpi.channel), queue=counters.clean_value(kpi.queue),
        reason=kpi.reason or None, handle_seconds=handle)


def read_interaction(contact_id: str, settings: Settings) -> dict[str, Any] | None:
    with dynamo_errors("reading a contact"):
        found = connection().client.get_item(TableName=settings.interactions_table, ConsistentRead=True,
                                              Key={"interaction_id": to_wire(contact_id)})
    item = found.get("Item")
    return {k: from_wire(v) for k, v in item.items()} if item else None


def contact_ended(event: Mapping[str, Any]) -> bool:
    """Subscriber of "contact ended" (chalicelib.events): keep a handled customer
    contact as a candidate of its agent's week. True if it is one."""
    observation = event["observation"]
    if observation.source != CTR:
        return False
    settings = get_settings()
    interaction = event.get("interaction")
    if interaction is None or interaction.get("interaction_id") != observation.interaction_id:
        interaction = read_interaction(observation.interaction_id, settings)
    contact = handled_contact(interaction, settings.metrics_time_zone)
    if contact is None:
        return False
    expires = int((datetime.combine(contact.week.last, datetime.min.time(), UTC)
                   + timedelta(days=CANDIDATE_DAYS)).timestamp())
    item = {"key": candidate_key(contact.week, contact.agent), "item": f"{rank(contact.week, contact.contact_id)}#"
            f"{contact.contact_id}", "contact_id": contact.contact_id, "started_at": contact.started_at,
            "channel": contact.channel, "queue": contact.queue, "handle_seconds": contact.handle_seconds,
            "expires_at": expires}
    if contact.reason:
        item["reason"] = contact.reason
    with dynamo_errors("keeping a contact for quality evaluation"):
        connection().client.put_item(TableName=settings.quality_table,
                                     Item={k: to_wire(v) for k, v in item.items()})
    return True


def agents_of(week: Week) -> dict[str, int]:
    """Agents who handled contacts in the week, with how many (KPI counters per agent)."""
    from chalicelib.metrics import report

    handled = report.read("agent", week.first, week.last)
    return {agent: values["handled"] for agent, values in handled.items()
            if agent != counters.UNASSIGNED and values.get("handled")}


def sample(week: Week, agent: str, size: int, settings: Settings) -> list[dict[str, Any]]:
    """The agent's sampled contacts of the week, lowest rank first."""
    now = utcnow().timestamp()
    with dynamo_errors("reading the contacts sampled for evaluation"):
        page = connection().client.query(
            TableName=settings.quality_table, Limit=size,
            KeyConditionExpression="#k = :key", ExpressionAttributeNames={"#k": "key"},
            ExpressionAttributeValues={":key": to_wire(candidate_key(week, agent))})
    found = [{k: from_wire(v) for k, v in raw.items()} for raw in page.get("Items", [])]
    return [item for item in found if int(item.get("expires_at") or now + 1) > now]
