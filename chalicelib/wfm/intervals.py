"""Contacts per queue, channel and 15-minute interval: the history forecasts and
service levels are computed from.

Each contact record (one transfer leg) contributes to the interval it was queued in,
in the contact center's time zone: offered 1; handled, handle seconds (talk, hold,
after-contact work) and answered within the queue's service-level time when an agent
took it; abandoned when the caller left the queue unanswered; queue-wait seconds.
No personal data: counts and durations under a queue name.

Idempotent without touching the interaction's transaction. A leg's current
contribution is kept on a small ledger item under its contact id; a newer copy of the
record writes, in one transaction, the ledger (conditional on the copy it replaces)
and the *difference* as a journal item of the counters (chalicelib.metrics.journal),
which the aggregator applies. Redelivered or older copies change nothing.

No hot item. No contact's transaction writes an interval's counter items; the
aggregator sums a stream batch's changes and writes each item once. Every contact in
flight ends in the current interval, so its items are spread too: each aggregator
transaction adds to one of `SHARDS` items of the interval, picked per transaction.
Reads stay O(1) in the number of contacts: one query per local month returns every
shard of every interval of the days asked for (96 × SHARDS items a day at most),
summed on read.

Storage: the KPI counters' table. Series `wfm#<queue>#<channel>#<local month>`,
slot `<interval start, UTC ISO>#<shard>`, kept METRICS_RETENTION_DAYS after their
interval like the daily KPIs; ledger series `wfm-leg#<hash of the contact id>`, kept
IDEMPOTENCY_RETENTION_DAYS (past every redelivery). Holding no personal data, they
stay through a customer's erasure like the daily KPIs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.db import connection, dynamo_errors, put_conditional, retry_contended, transact_write
from chalicelib.errors import DependencyFailure
from chalicelib.metrics import counters
from chalicelib.wfm import forecast
from chalicelib.wire import from_wire, to_wire

SHARDS = 8
READ_TIMEOUT_S = 10.0
FIELDS = ("offered", "handled", "abandoned", "handle_seconds", "answered_in_service_level", "wait_seconds")
_ATTEMPTS = 5


@dataclass(frozen=True)
class IntervalCounts:
    """One interval of one queue and channel, all shards summed."""

    start: datetime  # UTC
    offered: int = 0
    handled: int = 0
    abandoned: int = 0
    handle_seconds: int = 0
    answered_in_service_level: int = 0
    wait_seconds: int = 0

    def observed(self) -> forecast.Observed:
        return forecast.Observed(offered=self.offered, handled=self.handled, handle_seconds=self.handle_seconds)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def series(queue: str, channel: str, month: str) -> str:
    return f"wfm#{queue}#{channel}#{month}"


def _ledger_key(contact_id: str) -> str:
    # A hash: the table holds no contact ids, only what counting each once needs.
    return "wfm-leg#" + hashlib.sha256(contact_id.encode()).hexdigest()[:40]


def contribution(contact_id: str, leg: Mapping[str, Any], *, time_zone: str,
                 service_level_seconds: float) -> dict[str, dict[str, int]]:
    """What one leg's contact record adds: `{"<series>|<slot>": {field: n}}`, empty for
    a leg that never queued (outbound calls, tasks routed straight to an agent)."""
    queue = counters.clean_value(leg.get("queue"))
    enqueued = _parse_time(leg.get("enqueued_at"))
    if enqueued is None or queue == counters.UNASSIGNED:
        return {}
    channel = counters.clean_value(leg.get("channel"))
    start = forecast.interval_start(enqueued, time_zone)
    month = forecast.local_day(start, time_zone).isoformat()[:7]
    handled = bool(leg.get("connected_at"))
    wait = int(leg.get("queue_wait") or 0)
    fields = {
        "offered": 1,
        "handled": int(handled),
        "abandoned": int(not handled and bool(leg.get("disconnected_at")) and not leg.get("next")),
        "handle_seconds": sum(int(leg.get(k) or 0) for k in ("talk", "hold", "acw")) if handled else 0,
        "answered_in_service_level": int(handled and wait <= service_level_seconds),
        "wait_seconds": wait,
    }
    key = f"{series(queue, channel, month)}|{start.strftime('%Y-%m-%dT%H:%MZ')}"
    return {key: {name: n for name, n in fields.items() if n}}


class IntervalCounters:
    """Writes leg contributions and reads intervals back; handed its client for tests."""

    def __init__(self, table: str, retention_days: int, ledger_days: int, client: Any = None) -> None:
        self.table = table
        self.retention_days = retention_days
        self.ledger_days = ledger_days
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or connection().client

    @property
    def reader(self) -> Any:
        """Reads of weeks of intervals serve planning, not a caller on the line: a
        longer read timeout than the contact path's."""
        from chalicelib import aws

        return self._client or aws.client("dynamodb", attempts=3, read_timeout=READ_TIMEOUT_S)

    def record(self, contact_id: str, stamp: str, new: Mapping[str, Mapping[str, int]]) -> bool:
        """Make the counters hold `new` for this leg, once per newer copy of its record.
        True if anything changed."""
        return retry_contended(lambda: self._record_once(contact_id, stamp, new), attempts=_ATTEMPTS, max_pause=0.5,
                               failure="counting a contact per interval failed: its items kept changing meanwhile")

    def _record_once(self, contact_id: str, stamp: str, new: Mapping[str, Mapping[str, int]]) -> bool:
        ledger = self._ledger(contact_id)
        if ledger is not None and ledger["stamp"] >= stamp:
            return False
        if ledger is None and not new:
            return False  # never queued: nothing to count, nothing to remember
        old = json.loads(ledger["contribution"]) if ledger else {}
        self._commit(contact_id, stamp, new, counters.delta(old, new), ledger["stamp"] if ledger else None)
        return True

    def _ledger(self, contact_id: str) -> dict[str, Any] | None:
        with dynamo_errors("reading a contact's interval contribution"):
            found = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                         Key={"series": to_wire(_ledger_key(contact_id)), "slot": to_wire("-")})
        item = found.get("Item")
        return {k: from_wire(v) for k, v in item.items()} if item else None

    def _commit(self, contact_id: str, stamp: str, new: Mapping[str, Any], change: Mapping[str, Mapping[str, int]],
                previous: str | None) -> None:
        now = datetime.now(UTC)
        ledger: dict[str, Any] = {"Put": {
            "TableName": self.table,
            "Item": {"series": to_wire(_ledger_key(contact_id)), "slot": to_wire("-"), "stamp": to_wire(stamp),
                     "contribution": to_wire(json.dumps(new, sort_keys=True)),
                     "expires_at": to_wire(int((now + timedelta(days=self.ledger_days)).timestamp()))},
        }}
        if previous is None:
            ledger["Put"]["ConditionExpression"] = "attribute_not_exists(series)"
        else:
            ledger["Put"]["ConditionExpression"] = "stamp = :previous"
            ledger["Put"]["ExpressionAttributeValues"] = {":previous": to_wire(previous)}
        changed = self._changes(change)
        with dynamo_errors("counting a contact per interval"):
            if changed:
                transact_write(self.client, [ledger, *changed])
                return
            put_conditional(self.client, ledger["Put"])

    def _changes(self, change: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
        """The counters' journal item for `change` (chalicelib.metrics.journal): the
        interval items are written by the aggregator, never in this transaction."""
        from chalicelib.metrics import journal
        from chalicelib.settings import get_settings

        items = {}
        for key, fields in sorted(change.items()):
            slot = key.split("|", 1)[1]
            start = datetime.strptime(slot.split("#", 1)[0], "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
            expires = int((start + timedelta(days=self.retention_days + 1)).timestamp())
            items[key] = {"add": fields, "set": {"expires_at": expires}, "shards": SHARDS}
        return journal.put(get_settings(), items=items)

    def add_history(self, queue: str, channel: str, history: Mapping[datetime, IntervalCounts],
                    time_zone: str) -> int:
        """Store intervals counted elsewhere (a queue's past from Amazon Connect's
        historical metrics, a generated history) in a shard of their own, beside what
        contact records count. Importing an interval again replaces its import.
        Returns the number of items written."""
        items = []
        for start, counts in sorted(history.items()):
            month = forecast.local_day(start, time_zone).isoformat()[:7]
            fields = {name: int(getattr(counts, name)) for name in FIELDS if getattr(counts, name)}
            if not fields:
                continue
            slot = f"{start.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}#import"
            expires = int((start + timedelta(days=self.retention_days + 1)).timestamp())
            items.append({"series": to_wire(series(counters.clean_value(queue), counters.clean_value(channel), month)),
                          "slot": to_wire(slot), "expires_at": to_wire(expires),
                          **{name: to_wire(n) for name, n in fields.items()}})
        with dynamo_errors("importing interval history"):
            for i in range(0, len(items), 25):
                pending = {self.table: [{"PutRequest": {"Item": item}} for item in items[i:i + 25]]}
                for attempt in range(_ATTEMPTS + 3):
                    pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                    if not pending:
                        break
                    time.sleep(min(1.0, 0.05 * 2 ** attempt))
                else:
                    raise DependencyFailure("importing interval history failed: DynamoDB kept throttling")
        return len(items)

    def read(self, queue: str, channel: str, first: date, last: date, time_zone: str) -> dict[datetime, IntervalCounts]:
        """Every interval with contacts from local day `first` to `last`, by UTC start."""
        begin = forecast.day_intervals(first, time_zone)[0]
        end = forecast.day_intervals(last + timedelta(days=1), time_zone)[0]
        months = sorted({(first + timedelta(days=i)).isoformat()[:7] for i in range((last - first).days + 1)})
        sums: dict[datetime, dict[str, int]] = {}
        now = int(datetime.now(UTC).timestamp())
        for month in months:
            for item in self._query(series(counters.clean_value(queue), counters.clean_value(channel), month),
                                    begin.strftime("%Y-%m-%dT%H:%MZ"), end.strftime("%Y-%m-%dT%H:%MZ")):
                if int(item.get("expires_at") or now + 1) <= now:
                    continue  # past its retention: DynamoDB deletes it lazily
                start = datetime.strptime(item["slot"].split("#", 1)[0], "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
                total = sums.setdefault(start, {})
                for name in FIELDS:
                    total[name] = total.get(name, 0) + int(item.get(name) or 0)
        return {start: IntervalCounts(start, **fields) for start, fields in sorted(sums.items())}

    def _query(self, series_key: str, low: str, high: str) -> list[dict[str, Any]]:
        return query_all(self.reader, "reading interval counters", {
            "TableName": self.table,
            # `high` is the next day's first interval: "#" sorts before any shard
            # number, so its shards stay out.
            "KeyConditionExpression": "series = :series AND slot BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":series": to_wire(series_key), ":low": to_wire(low),
                                          ":high": to_wire(high + "#")},
        })


def query_all(client: Any, action: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item a Query finds, page after page, as plain values."""
    items: list[dict[str, Any]] = []
    with dynamo_errors(action):
        while True:
            page = client.query(**request)
            items += [{k: from_wire(v) for k, v in item.items()} for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def counters_store() -> IntervalCounters:
    from chalicelib.settings import get_settings

    settings = get_settings()
    return IntervalCounters(settings.metrics_table, settings.metrics_retention_days,
                            settings.idempotency_retention_days)


def record_leg(contact_id: str, stamp: str, leg: Mapping[str, Any]) -> bool:
    """Count one leg's contact record in its queue's interval (settings of its queue)."""
    from chalicelib.wfm.queues import planning

    queue = planning(counters.clean_value(leg.get("queue")))
    new = contribution(contact_id, leg, time_zone=queue.time_zone, service_level_seconds=queue.target_seconds)
    return counters_store().record(contact_id, stamp, new)


def contact_ended(payload: Mapping[str, Any]) -> bool:
    """Subscriber of "contact ended": a contact record was kept. Copies are ordered
    as the timeline orders them: newest update first, then content. An error
    propagates, so the record is reported for retry."""
    observation = payload["observation"]
    return record_leg(observation.contact_id, f"{observation.stamp}|{observation.copy['fp']}", observation.facts)
