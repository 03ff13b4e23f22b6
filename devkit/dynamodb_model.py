"""DynamoDB behaviours moto does not have, added to real botocore clients through
their `before-send` hook, so the code under test meets them on its real path:

- `TransactionConflicts`: an item that one in-flight TransactWriteItems holds (for
  15-25 ms, the time a transaction is in flight) makes any other transaction that
  touches it fail with a `TransactionConflict` cancellation reason, and a single-item
  write on it fail with `TransactionConflictException`, as DynamoDB does. DynamoDB
  refuses rather than queues, so an item every contact writes caps ingestion.
- `Throttling`: a share of requests answered `ProvisionedThroughputExceededException`,
  which botocore retries as it does in AWS.

Both count what they did, for the load test (`devkit/load.py`) and the tests, in all
and, given a `label(operation, body)`, by who sent the request (the load test tells
the contacts' transactions from the counter aggregator's).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

_TARGET = "X-Amz-Target"
_PREFIX = "DynamoDB_20120810."
_SINGLE_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
_REFUSED = "https://refused.invalid/"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object) -> Any:
        yield self._body


def _answer(request: Any, status: int, body: dict[str, Any]) -> Any:
    from botocore.awsrequest import AWSResponse

    # botocore calls every before-send handler, moto's too: pointed at a host moto
    # does not serve, the request is left alone and this answer is what botocore sees.
    request.url = _REFUSED
    return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0"},
                       _Raw(json.dumps(body).encode()))


def _refused(request: Any) -> bool:
    """Already answered by another behaviour (throttled, say): it never reaches DynamoDB."""
    return str(request.url).startswith(_REFUSED)


def _operation(request: Any) -> str:
    target = request.headers.get(_TARGET, b"")
    target = target.decode() if isinstance(target, bytes) else str(target)
    return target.removeprefix(_PREFIX)


def _body(request: Any) -> dict[str, Any]:
    raw = request.body or b"{}"
    return json.loads(raw.decode() if isinstance(raw, bytes) else raw)


def _kind(key: tuple[str, str]) -> str:
    """What kind of item a key names, for the conflict counts: its table, and for the
    KPI counters their dimension ("metrics all", "metrics wfm"...)."""
    table, values = key
    short = table.rsplit("-", 1)[-1]
    if short != "metrics":
        return short
    try:
        series = json.loads(values)[0]["S"]
    except (ValueError, LookupError, TypeError):
        return short
    return f"{short} {series.split('#', 1)[0]}"


def project_key_names() -> dict[str, tuple[str, ...]]:
    """Table name -> its key attribute names, from the models (the single source)."""
    from chalicelib import tables

    names: dict[str, tuple[str, ...]] = {}
    for model in tables.all_models():
        names[model.Meta.table_name] = tuple(k for k in (model._hash_keyname, model._range_keyname) if k)
    return names


def project_clients() -> list[Any]:
    """Every botocore DynamoDB client the product's code uses."""
    from chalicelib import db, tables

    clients = {id(c): c for c in [model._get_connection().connection.client for model in tables.all_models()]}
    clients[id(db.connection().client)] = db.connection().client
    return list(clients.values())


@dataclass
class TransactionConflicts:
    """The transaction-conflict model (see the module)."""

    hold_ms: tuple[float, float] = (15.0, 25.0)
    key_names: dict[str, tuple[str, ...]] = field(default_factory=project_key_names)
    seed: int | None = None
    transactions: int = 0
    conflicts: int = 0
    single_write_conflicts: int = 0
    # When a list: every transaction that got its items (their keys) and every single
    # write that reached DynamoDB ("write", keys), in order, for devkit.load's ceiling.
    journal: list[tuple[str, list[tuple[str, str]]]] | None = None
    # What the refused transactions met: "<table>" or, for counters, "metrics <dimension>".
    conflicts_by_item: Counter = field(default_factory=Counter)
    # label(operation, request body) -> who sent it; transactions and conflicts by label.
    label: Callable[[str, dict[str, Any]], str] | None = None
    transactions_by: Counter = field(default_factory=Counter)
    conflicts_by: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], float] = {}  # item -> monotonic time its hold ends
        self._rng = random.Random(self.seed)
        self._clients: list[Any] = []

    def _key(self, table: str, item: dict[str, Any]) -> tuple[str, str]:
        names = self.key_names.get(table) or tuple(sorted(item))
        return table, json.dumps([item.get(n) for n in names], sort_keys=True)

    def _items(self, operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
        if operation == "TransactWriteItems":
            keys = []
            for entry in body.get("TransactItems", []):
                (kind, op), = entry.items()
                keys.append(self._key(op["TableName"], op["Item"] if kind == "Put" else op["Key"]))
            return keys
        return [self._key(body["TableName"], body["Item"] if operation == "PutItem" else body["Key"])]

    def before_send(self, request: Any, **_: object) -> Any:
        operation = _operation(request)
        if (operation != "TransactWriteItems" and operation not in _SINGLE_WRITES) or _refused(request):
            return None
        body = _body(request)
        items = self._items(operation, body)
        who = self.label(operation, body) if self.label else None
        now = time.monotonic()
        with self._lock:
            busy = [self._held.get(key, 0.0) > now for key in items]
            if operation in _SINGLE_WRITES:
                if self.journal is not None and not busy[0]:
                    self.journal.append(("write", items))
                if busy[0]:
                    self.single_write_conflicts += 1
                    return _answer(request, 400, {
                        "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
                        "message": "Transaction is ongoing for the item"})
                return None
            self.transactions += 1
            self.transactions_by[who] += 1
            if any(busy):
                self.conflicts += 1
                self.conflicts_by[who] += 1
                for key, held in zip(items, busy, strict=True):
                    if held:
                        self.conflicts_by_item[_kind(key)] += 1
                return _answer(request, 400, {
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
                    "CancellationReasons": [
                        {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                        if b else {"Code": "None"} for b in busy]})
            hold = self._rng.uniform(*self.hold_ms) / 1000
            if self.journal is not None:
                self.journal.append(("transaction", items))
            for key in items:
                self._held[key] = now + hold
            if len(self._held) > 10_000:
                self._held = {k: until for k, until in self._held.items() if until > now}
        # The transaction is in flight; its answer comes after this. The hold is DynamoDB's
        # time, not the embedded AWS's: it ends on time however long moto then takes.
        time.sleep(hold)
        return None

    def install(self, clients: Iterable[Any] | None = None) -> TransactionConflicts:
        for client in clients if clients is not None else project_clients():
            client.meta.events.register_first("before-send.dynamodb", self.before_send,
                                              unique_id="transaction-conflicts")
            self._clients.append(client)
        return self

    def uninstall(self) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-send.dynamodb", unique_id="transaction-conflicts")
        self._clients = []


@dataclass
class Throttling:
    """A share of DynamoDB requests refused with ProvisionedThroughputExceededException."""

    rate: float = 0.2
    seed: int | None = None
    requests: int = 0
    throttled: int = 0
    label: Callable[[str, dict[str, Any]], str] | None = None  # as TransactionConflicts'
    throttled_by: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._clients: list[Any] = []

    def before_send(self, request: Any, **_: object) -> Any:
        if _refused(request):
            return None
        with self._lock:
            self.requests += 1
            refuse = self._rng.random() < self.rate
            if refuse:
                self.throttled += 1
        if refuse and self.label:
            who = self.label(_operation(request), _body(request))
            with self._lock:
                self.throttled_by[who] += 1
        if not refuse:
            return None
        return _answer(request, 400, {
            "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "message": "The level of configured provisioned throughput for the table was exceeded."})

    def install(self, clients: Iterable[Any] | None = None) -> Throttling:
        for client in clients if clients is not None else project_clients():
            client.meta.events.register_first("before-send.dynamodb", self.before_send, unique_id="throttling")
            self._clients.append(client)
        return self

    def uninstall(self) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-send.dynamodb", unique_id="throttling")
        self._clients = []
