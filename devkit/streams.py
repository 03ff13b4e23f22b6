"""Lambda's DynamoDB stream event source, for the embedded AWS.

Deployed, Lambda reads the counter-changes table's stream and invokes
`on_counter_changes` with up to 100 new records at a time. moto keeps a table's
stream records but invokes none of our functions, so the local run, the demo and the
tests deliver them here: `StreamDelivery.deliver()` reads what each subscribed
table's stream holds since the last delivery, through the DynamoDB Streams API of
the embedded AWS, and hands it to the function in Lambda's event shape
(`eventSourceARN`, `ApproximateCreationDateTime` in epoch seconds), a batch at a
time. A batch whose answer names a failed record is delivered again from that
record, as Lambda does; one that still fails stays pending for the next delivery and
is counted in `failures`.

`Client` is Chalice's test client delivering before and after every call it makes,
so a route or a function that reads counters sees the changes every earlier call
made, as a person looking a second later would. `make serve` delivers every second
instead (`in_background`), as Lambda polls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import chalice.test

TRIES_PER_DELIVERY = 3


@dataclass(frozen=True)
class Subscription:
    function: str
    table: str
    batch_size: int


def subscriptions(app: Any) -> list[Subscription]:
    """The app's DynamoDB stream event sources, with the table each stream belongs to.
    The ARN the app gives is replaced when the app is packaged; it names the table by
    its setting (`...:table/counter-changes/stream/...`: the `counter_changes_table`
    setting), or by its name."""
    from chalice.app import DynamoDBEventConfig

    from chalicelib.settings import get_settings

    settings = get_settings()
    found = []
    for source in app.event_sources:
        if isinstance(source, DynamoDBEventConfig):
            named = source.stream_arn.split(":table/", 1)[1].split("/stream/", 1)[0]
            table = getattr(settings, named.replace("-", "_") + "_table", named)
            found.append(Subscription(source.name, table, source.batch_size))
    return found


class StreamDelivery:
    """Delivers the app's DynamoDB streams to their functions through `invoke(name,
    event) -> answer`."""

    def __init__(self, app: Any, invoke: Callable[[str, dict[str, Any]], Any]) -> None:
        self.subscriptions = subscriptions(app)
        self.invoke = invoke
        self.failures: list[dict[str, Any]] = []  # batches that kept reporting failures
        self.delivered = 0
        self._lock = threading.RLock()
        self._busy = threading.local()
        self._clients: tuple[Any, Any] | None = None
        self._streams: dict[str, str] = {}  # table -> its stream's ARN
        self._iterators: dict[str, str | None] = {}  # stream ARN -> where the last read left off
        # stream ARN -> (shard id, sequence number of the last record delivered, or None)
        self._positions: dict[str, tuple[str, str | None]] = {}

    def _aws(self) -> tuple[Any, Any]:
        if self._clients is None:
            import boto3
            from botocore.config import Config

            from chalicelib.settings import get_settings

            region = get_settings().region
            # botocore would address the stream by account id, a host moto does not serve.
            self._clients = (boto3.client("dynamodb", region_name=region),
                             boto3.client("dynamodbstreams", region_name=region,
                                          config=Config(account_id_endpoint_mode="disabled")))
        return self._clients

    def deliver(self) -> int:
        """Deliver every stream record not delivered yet; returns how many were. A call
        made by a function this delivers (it writes, the stream grows) delivers nothing."""
        if getattr(self._busy, "on", False):
            return 0
        with self._lock:
            self._busy.on = True
            try:
                return sum(self._deliver(subscription) for subscription in self.subscriptions)
            finally:
                self._busy.on = False

    def _deliver(self, subscription: Subscription) -> int:
        dynamodb, streams = self._aws()
        stream_arn = self._streams.get(subscription.table)
        if stream_arn is None:
            try:
                stream_arn = dynamodb.describe_table(TableName=subscription.table)["Table"].get("LatestStreamArn")
            except dynamodb.exceptions.ResourceNotFoundException:
                return 0  # not created yet (a test without AWS, a stack coming up)
            if not stream_arn:
                return 0
            self._streams[subscription.table] = stream_arn
        if stream_arn not in self._positions:
            shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
            self._positions[stream_arn] = (shard, None)
        delivered, tries = 0, 0
        while True:
            shard, last = self._positions[stream_arn]
            iterator = self._iterators.pop(stream_arn, None)
            if iterator is None:
                start = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last} if last
                         else {"ShardIteratorType": "TRIM_HORIZON"})
                iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, **start)["ShardIterator"]
            page = streams.get_records(ShardIterator=iterator, Limit=subscription.batch_size)
            records = page["Records"]
            if not records:
                # Where the next delivery reads on from (one request instead of two).
                self._iterators[stream_arn] = page.get("NextShardIterator")
                return delivered
            # The deployed event source passes new items only (its FilterCriteria,
            # infra/counter-changes.json); Lambda drops the others without a call.
            wanted = [r for r in records if r.get("eventName") == "INSERT"]
            failed: set[str] = set()
            if wanted:
                event = {"Records": [_lambda_shape(record, stream_arn) for record in wanted]}
                answer = self.invoke(subscription.function, event)
                failed = {f.get("itemIdentifier") for f in (answer or {}).get("batchItemFailures") or []}
            done = records
            if failed:
                done = records[:next(i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failed)]
            if done:
                self._positions[stream_arn] = (shard, done[-1]["dynamodb"]["SequenceNumber"])
                inserted = sum(1 for r in done if r.get("eventName") == "INSERT")
                delivered += inserted
                self.delivered += inserted
            if not failed:
                self._iterators[stream_arn] = page.get("NextShardIterator")
            if failed:
                tries += 1
                if tries >= TRIES_PER_DELIVERY:
                    self.failures.append({"function": subscription.function, "failed": sorted(failed)})
                    return delivered

    @contextmanager
    def in_background(self, every_s: float = 1.0) -> Iterator[None]:
        """Deliver every `every_s` seconds while the block runs (a served local stack)."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    self.deliver()
                except Exception:  # the served stack keeps running; the next round tries again
                    import logging

                    logging.getLogger(__name__).warning("stream delivery failed", exc_info=True)

        thread = threading.Thread(target=loop, name="stream-delivery", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def _lambda_shape(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it to a function."""
    shaped = {**record, "eventSourceARN": stream_arn, "dynamodb": dict(record["dynamodb"])}
    moment = shaped["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(moment, datetime):
        shaped["dynamodb"]["ApproximateCreationDateTime"] = moment.timestamp()
    return shaped


class _Delivering:
    """A test client's `http` or `lambda_`, delivering streams around each call."""

    def __init__(self, inner: Any, streams: StreamDelivery) -> None:
        self._inner = inner
        self._streams = streams

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value) or name.startswith("_"):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            self._streams.deliver()
            try:
                return value(*args, **kwargs)
            finally:
                self._streams.deliver()

        return call


class Client(chalice.test.Client):
    """Chalice's test client over the app, with its DynamoDB streams delivered before
    and after every HTTP request and function call (see the module)."""

    def __init__(self, app: Any, stage_name: str = "dev", project_dir: str = ".") -> None:
        super().__init__(app, stage_name=stage_name, project_dir=project_dir)
        raw = super().lambda_
        self.streams = StreamDelivery(app, lambda name, event: raw.invoke(name, event).payload)

    @property
    def http(self) -> Any:
        return _Delivering(super().http, self.streams)

    @property
    def lambda_(self) -> Any:
        return _Delivering(super().lambda_, self.streams)
