"""Counter changes on their way to the KPI counters: written by the contact's own
transaction, applied a batch at a time by `on_counter_changes`.

Why not ADD to the counters in the contact's transaction: a few counter items (the
day's total, a channel, a busy queue) are in nearly every one, and DynamoDB refuses a
transaction that touches an item another transaction holds. Even spread over 16
shards, a 20,000-agent center's 100 contact records a second would meet more than one
conflict per record (docs/performance.md). So a writer (a contact record, a survey
answer, an appointment, a case, a knowledge-base use, a verification) puts, in the
same transaction as the thing it counts, one journal item of its own describing the
change. The item's id is new, so no two contacts' transactions share an item for the
counters' sake, and the change is made if and only if the thing counted is.

The journal table's stream delivers the new items to `on_counter_changes`, which sums
a batch's changes per counter item and writes each counter item once per transaction
(up to 100 items: the counter items plus a Delete of every journal item summed in).
Each Delete is conditional on the journal item still being there, so:

- a stream record delivered twice (Lambda's delivery is at least once) finds its item
  gone, is left out, and the rest of its batch is applied;
- a transaction that meets another on a counter item is tried again after a jittered
  pause; one that keeps failing is reported (`batchItemFailures`) and the stream
  delivers it again from there, with everything after it, until the event source
  gives up and names the records in its on-failure queue. The journal items are still
  in the table then (kept `COUNTER_CHANGE_RETENTION_DAYS`), to be applied again.

Counter items many contacts share (the day's total, a channel, a queue, a reason, the
agents' "unassigned", a queue's current interval) are spread over shards
(`counters.SHARDS`, `wfm.intervals.SHARDS`); here a whole transaction goes to one
shard, picked from its first journal item, so concurrent invocations (one per stream
shard) rarely meet, and reads still add the shards up.

Counters lag the contact by the stream's delivery, about a second; `GET /metrics` and
the dashboards read them as before.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.db import cancellation_reasons, expiry
from chalicelib.metrics import counters
from chalicelib.observability import count, get_logger
from chalicelib.settings import Settings, get_settings
from chalicelib.wire import counter_update, from_wire, to_wire

COUNTER_CHANGE_RETENTION_DAYS = 14  # the longest an event source's on-failure queue keeps its note
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit
ATTEMPTS = 6
MAX_PAUSE_S = 1.0
# Leave the rest of the invocation to report what is left, rather than be cut off.
RESERVE_MS = 1_000

# {"add": {counter: n}, "set": {attribute: value}, "shards": n}: with "shards", the
# aggregator writes one of n items (slot + "#NN"), picked per transaction.
ItemChange = Mapping[str, Any]


# ---- writers ----

def put(settings: Settings, *, kpi: Mapping[str, Mapping[str, int]] | None = None,
        items: Mapping[str, ItemChange] | None = None) -> list[dict[str, Any]]:
    """The TransactWriteItems entry that records a change of the counters, to add to
    the writer's own transaction; none when nothing changes.

    `kpi`: a `counters.Contribution` to ADD to the daily KPI counters (sharded and given
    their expiry when applied). `items`: changes to other counter items of the KPI
    table, as `{"<series>|<slot>": {"add": {...}, "set": {...}, "shards": n}}`."""
    kpi = {k: {f: int(n) for f, n in v.items() if n} for k, v in (kpi or {}).items()}
    kpi = {k: v for k, v in kpi.items() if v}
    items = {k: {"add": {f: int(n) for f, n in v["add"].items() if n}, "set": dict(v.get("set") or {}),
                 **({"shards": int(v["shards"])} if int(v.get("shards") or 1) > 1 else {})}
             for k, v in (items or {}).items()}
    items = {k: v for k, v in items.items() if v["add"]}
    if not kpi and not items:
        return []
    changes: dict[str, Any] = {}
    if kpi:
        changes["kpi"] = _compact(kpi)
    if items:
        changes["items"] = items
    return [{"Put": {
        "TableName": settings.counter_changes_table,
        "Item": {"change_id": to_wire(uuid.uuid4().hex),
                 "changes": to_wire(json.dumps(changes, sort_keys=True, separators=(",", ":"))),
                 "expires_at": to_wire(int(expiry(COUNTER_CHANGE_RETENTION_DAYS).timestamp()))},
        "ConditionExpression": "attribute_not_exists(change_id)",
    }}]


def model_item(settings: Settings, *, kpi: Mapping[str, Mapping[str, int]] | None = None,
               items: Mapping[str, ItemChange] | None = None) -> Any | None:
    """`put()` as a model item, for writers that use PynamoDB's transactions
    (`tx.save(item, condition=CounterChangeModel.change_id.does_not_exist())`)."""
    from chalicelib.metrics.models import CounterChangeModel

    entries = put(settings, kpi=kpi, items=items)
    return CounterChangeModel.from_raw_data(entries[0]["Put"]["Item"]) if entries else None


def _compact(kpi: Mapping[str, Mapping[str, int]]) -> list[list[Any]]:
    """The KPI change as [day, [dimension#value, ...], {counter: n}] groups: a contact
    adds the same counters to the total and to each of its groups, so the counters
    are written once per group of items they go to. A journal item is billed by the
    KB, twice: written by the contact, deleted by the aggregator."""
    groups: dict[tuple[str, str], list[str]] = {}
    for counter_key, fields in sorted(kpi.items()):
        day, dimension, value = counters.split(counter_key)
        fingerprint = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        groups.setdefault((day, fingerprint), []).append(f"{dimension}#{value}")
    return [[day, targets, json.loads(fingerprint)] for (day, fingerprint), targets in groups.items()]


def _expand(groups: Any) -> dict[str, dict[str, int]]:
    kpi: dict[str, dict[str, int]] = {}
    for day, targets, fields in groups:
        for target in targets:
            dimension, value = str(target).split("#", 1)
            kpi[counters.key(str(day), dimension, value)] = {str(f): int(n) for f, n in fields.items()}
    return kpi


# ---- the aggregator ----

@dataclass
class _Change:
    change_id: str
    sequence: str
    kpi: dict[str, dict[str, int]]
    items: dict[str, dict[str, Any]]

    def size(self) -> int:
        return len(self.kpi) + len(self.items)


class UnreadableChange(ValueError):
    """A stream record that is not a journal item this code wrote."""


def _parse(record: Mapping[str, Any]) -> _Change | None:
    """The change a stream record brings; None for records that bring none (the
    Delete that applied an item, its expiry)."""
    if record.get("eventName") != "INSERT":
        return None
    stream = record.get("dynamodb") or {}
    try:
        image = {k: from_wire(v) for k, v in (stream.get("NewImage") or {}).items()}
        changes = json.loads(image["changes"])
        kpi = _expand(changes.get("kpi") or [])
        items = {str(k): {"add": {str(f): int(n) for f, n in v["add"].items()}, "set": dict(v.get("set") or {}),
                          "shards": max(1, int(v.get("shards") or 1))}
                 for k, v in (changes.get("items") or {}).items()}
        for key in kpi:
            counters.split(key)
        for key in items:
            if "|" not in key:
                raise ValueError(key)
        return _Change(str(image["change_id"]), str(stream["SequenceNumber"]), kpi, items)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise UnreadableChange(f"{type(e).__name__}") from e


@dataclass
class _Chunk:
    """Journal items applied together: their Deletes and the counter items they sum to."""

    changes: list[_Change] = field(default_factory=list)

    def updates(self, settings: Settings) -> list[dict[str, Any]]:
        spread = self.changes[0].change_id
        summed: dict[tuple[str, str], dict[str, Any]] = {}

        def add(series: str, slot: str, fields: Mapping[str, int], also: Mapping[str, Any]) -> None:
            target = summed.setdefault((series, slot), {"add": {}, "set": {}})
            for name, n in fields.items():
                target["add"][name] = target["add"].get(name, 0) + n
            target["set"].update(also)

        for change in self.changes:
            for counter_key, fields in change.kpi.items():
                day, dimension, value = counters.split(counter_key)
                series, slot = counters.storage_key(counter_key, spread)
                add(series, slot, fields, {"day": day, "dimension": dimension, "value": value,
                                           "expires_at": counters.expires_at(day, settings.metrics_retention_days)})
            for key, item in change.items.items():
                series, slot = key.split("|", 1)
                if item["shards"] > 1:
                    slot += f"#{counters.shard(spread, item['shards']):02d}"
                add(series, slot, item["add"], item["set"])
        entries = []
        for (series, slot), item in sorted(summed.items()):
            fields = {name: n for name, n in item["add"].items() if n}
            if fields:  # changes that cancel out (a correction) write nothing
                entries.append(counter_update(settings.metrics_table, {"series": series, "slot": slot}, fields,
                                              item["set"]))
        return entries

    def transaction(self, settings: Settings) -> list[dict[str, Any]]:
        deletes = [{"Delete": {
            "TableName": settings.counter_changes_table,
            "Key": {"change_id": to_wire(change.change_id)},
            "ConditionExpression": "attribute_exists(change_id)",
        }} for change in self.changes]
        return deletes + self.updates(settings)


def _chunks(changes: Sequence[_Change]) -> list[_Chunk]:
    """Consecutive changes grouped so each transaction stays within DynamoDB's 100
    items: one Delete per change plus the counter items they touch (counted before
    sharding and summing, so never under)."""
    chunks: list[_Chunk] = []
    current, size = _Chunk(), 0
    for change in changes:
        if current.changes and size + 1 + change.size() > MAX_TRANSACTION_ITEMS:
            chunks.append(current)
            current, size = _Chunk(), 0
        current.changes.append(change)
        size += 1 + change.size()
    if current.changes:
        chunks.append(current)
    return chunks


class _Failed(Exception):
    pass


class Aggregator:
    """Applies the journal items a stream batch delivers; handed its client for tests."""

    def __init__(self, settings: Settings | None = None, client: Any = None) -> None:
        self.settings = settings or get_settings()
        self._client = client

    @property
    def client(self) -> Any:
        from chalicelib.db import connection

        return self._client or connection().client

    def apply(self, event: Mapping[str, Any], remaining_ms: Any = None) -> dict[str, Any]:
        """Apply every change in the batch; `{"batchItemFailures": [...]}` names the
        first record not applied (the stream delivers it again, with all after it)."""
        changes: list[_Change] = []
        unreadable = None
        for record in event.get("Records") or []:
            try:
                change = _parse(record)
            except UnreadableChange as e:
                # Everything before it is applied; it and what follows come again.
                get_logger().error("counter change unreadable", extra={"reason": str(e), "sequence": _sequence(record)})
                unreadable = _sequence(record)
                break
            if change is not None:
                changes.append(change)
        applied: list[_Change] = []
        for chunk in _chunks(changes):
            try:
                self._apply(chunk, remaining_ms)
            except _Failed:
                return self._report(chunk.changes[0].sequence, applied=applied)
            applied += chunk.changes
        if applied:
            get_logger().info("counter changes applied", extra={"changes": len(applied)})
        if unreadable is not None:
            return self._report(unreadable, applied=applied)
        return {"batchItemFailures": []}

    def _apply(self, chunk: _Chunk, remaining_ms: Any) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        for number in range(ATTEMPTS):
            if not chunk.changes:
                return
            try:
                self.client.transact_write_items(TransactItems=chunk.transaction(self.settings))
                return
            except ClientError as e:
                reasons = cancellation_reasons(e)
                gone = {chunk.changes[i].change_id for i, code in enumerate(reasons[:len(chunk.changes)])
                        if code == "ConditionalCheckFailed"}
                if gone:
                    # Applied before (a record delivered again): leave those out, at once.
                    chunk.changes = [c for c in chunk.changes if c.change_id not in gone]
                    continue
                get_logger().warning("counter changes refused", extra={"code": e.response.get("Error", {}).get("Code"),
                                                                 "reasons": [r for r in reasons if r]})
            except BotoCoreError as e:
                get_logger().warning("counter changes not written", extra={"error": type(e).__name__})
            if remaining_ms is not None and remaining_ms() < RESERVE_MS:
                break
            time.sleep(min(MAX_PAUSE_S, 0.02 * 2 ** number) * random.random())  # noqa: S311 (jitter)
        raise _Failed()

    @staticmethod
    def _report(sequence: str, applied: Sequence[_Change]) -> dict[str, Any]:
        count("CounterChangesDelayed")
        get_logger().warning("counter changes left for the stream to deliver again",
                       extra={"applied": len(applied), "from_sequence": sequence})
        return {"batchItemFailures": [{"itemIdentifier": sequence}]}


def _sequence(record: Mapping[str, Any]) -> str:
    return str((record.get("dynamodb") or {}).get("SequenceNumber") or "")


def on_counter_changes(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return Aggregator().apply(event, remaining)
