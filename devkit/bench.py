"""`make bench`: performance figures, each a ratio against a baseline measured in the
same run on the same machine, so the numbers mean the same on a laptop and in CI.

Each section is a function in SECTIONS taking the shared Bench (embedded AWS
endpoint, app, helpers) and printing its lines. Targets are printed next to the
figures; the benchmark reports, it does not fail.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit import localenv

COLD_RUNS = 7
WARM_RUNS = 300


@dataclass
class Bench:
    endpoint: str
    app: Any  # the app module: its handlers are called as Lambda calls them

    def line(self, label: str, value: str, target: str = "") -> None:
        print(f"  {label:<52} {value:>22}   {target}")


class LambdaContext:
    """What Lambda hands a handler, as far as our handlers look at it."""

    def __init__(self, remaining_ms: int = 8000) -> None:
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p99_ms(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] * 1000


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def verdict(ratio: float, target: float) -> str:
    return f"target <= {target:g}x: {'met' if ratio <= target else 'MISSED'}"


@contextmanager
def dynamodb_calls() -> Iterator[Counter]:
    """Count DynamoDB operations made by the app's clients, through botocore's own
    event hook."""
    from chalicelib import db, tables

    counts: Counter = Counter()

    def count(model: Any, **_: Any) -> None:
        counts[model.name] += 1

    clients = [m._get_connection().connection.client for m in tables.all_models()] + [db.connection().client]
    for client in clients:
        client.meta.events.register("before-call.dynamodb", count, unique_id="bench-count")
    try:
        yield counts
    finally:
        for client in clients:
            client.meta.events.unregister("before-call.dynamodb", unique_id="bench-count")


# ---- cold start ---------------------------------------------------------------

_IMPORT_TIMER = ("import time, sys; t = time.perf_counter(); import {module};"
                 " sys.stdout.write(str(time.perf_counter() - t))")


def _fresh_import(module: str) -> float:
    return _fresh_run(_IMPORT_TIMER.format(module=module))


def _fresh_run(code: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "POWERTOOLS_LOG_LEVEL": "WARNING"},
        cwd=localenv.PROJECT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def section_cold_start(bench: Bench) -> None:
    print(f"Cold start (fresh process each run, median of {COLD_RUNS})")
    for module in ("boto3", "app"):  # warm the OS file cache once
        _fresh_import(module)
    boto3_s = statistics.median(_fresh_import("boto3") for _ in range(COLD_RUNS))
    app_s = statistics.median(_fresh_import("app") for _ in range(COLD_RUNS))
    bench.line("import boto3 (baseline)", f"{boto3_s * 1000:.0f} ms")
    ratio = app_s / boto3_s
    bench.line("import app", f"{app_s * 1000:.0f} ms = {ratio:.2f}x", verdict(ratio, 1.5))


# ---- warm lookup ----------------------------------------------------------------

def _flow_event(address: str) -> dict[str, Any]:
    return {"Name": "ContactFlowEvent", "Details": {"Parameters": {}, "ContactData": {
        "Channel": "VOICE", "ContactId": "bench-contact", "InitiationMethod": "INBOUND", "Attributes": {},
        "CustomerEndpoint": {"Address": address, "Type": "TELEPHONE_NUMBER"}, "Queue": None}}}


def section_warm_lookup(bench: Bench) -> None:
    import boto3

    from chalicelib.profiles import schema
    from chalicelib.profiles.identity import Identity
    from chalicelib.profiles.service import Profiles
    from chalicelib.settings import get_settings

    print(f"Warm lookup_customer against the embedded AWS ({WARM_RUNS} calls each)")
    settings = get_settings()
    customer = Profiles(settings).create(schema.ProfileInput(
        values={"first_name": "Ana"}, identities={"phone": Identity("phone", "+40712345678")}))
    raw = boto3.client("dynamodb", region_name=settings.region)
    key = {"customer_id": {"S": customer.customer_id}}
    event, context = _flow_event("+40712345678"), LambdaContext()

    def lookup() -> None:
        answer = bench.app.lookup_customer(event, context)
        assert answer["status"] == "OK", answer

    def get_item() -> None:
        raw.get_item(TableName=settings.customers_table, Key=key)

    for fn in (lookup, get_item):
        timed(fn, 20)  # connections and caches warm
    baseline = timed(get_item, WARM_RUNS)
    ours = timed(lookup, WARM_RUNS)
    ratio = median_ms(ours) / median_ms(baseline)
    bench.line("raw boto3 GetItem (baseline)", f"median {median_ms(baseline):.2f} ms",
               f"p99 {p99_ms(baseline):.2f} ms")
    bench.line("lookup_customer, known caller", f"median {median_ms(ours):.2f} ms = {ratio:.2f}x",
               f"p99 {p99_ms(ours):.2f} ms; {verdict(ratio, 2.5)}")

    first_call = (
        "import time, sys; t = time.perf_counter(); import app; from devkit.bench import _flow_event, LambdaContext;"
        " a = app.lookup_customer(_flow_event('+40712345678'), LambdaContext()); assert a['status'] == 'OK', a;"
        " sys.stdout.write(str(time.perf_counter() - t))")
    first_get = (
        "import time, sys; t = time.perf_counter(); import boto3;"
        f" boto3.client('dynamodb').get_item(TableName='{settings.customers_table}', Key={key!r});"
        " sys.stdout.write(str(time.perf_counter() - t))")
    cold_get = statistics.median(_fresh_run(first_get) for _ in range(COLD_RUNS))
    cold_lookup = statistics.median(_fresh_run(first_call) for _ in range(COLD_RUNS))
    bench.line("fresh process: import boto3 + first GetItem", f"{cold_get * 1000:.0f} ms")
    bench.line("fresh process: import app + first lookup", f"{cold_lookup * 1000:.0f} ms = "
               f"{cold_lookup / cold_get:.2f}x", "what a cold Lambda really pays (no target)")

    with dynamodb_calls() as counts:
        lookup()
    reads = sum(n for op, n in counts.items() if op in ("GetItem", "BatchGetItem", "Query"))
    writes = sum(counts.values()) - reads - counts["Scan"]
    bench.line("DynamoDB reads per lookup", str(reads), f"target <= 2: {'met' if reads <= 2 else 'MISSED'}")
    bench.line("DynamoDB writes per lookup (contact link)", str(writes), "written in parallel with the read")
    bench.line("Scans per lookup", str(counts["Scan"]), "target 0")
    bench.line("operations", ", ".join(f"{op} x{n}" for op, n in sorted(counts.items())))


# Lambda's limits on a deployment package: 50 MB zipped (direct upload), 250 MB unzipped.
ZIP_LIMIT_MB, UNZIPPED_LIMIT_MB = 50, 250


@contextmanager
def _restored_endpoint(endpoint: str | None) -> Iterator[None]:
    try:
        yield
    finally:
        if endpoint:
            os.environ["AWS_ENDPOINT_URL"] = endpoint


def section_package_size(bench: Bench) -> None:
    """The deployment zip `chalice package` builds: its size against Lambda's limits,
    and what takes the room."""
    import tempfile
    import zipfile

    from deploy import infra

    print("Deployment package (chalice package, stage dev)")
    # Packaging resets the local environment; later sections still need the embedded AWS.
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    with tempfile.TemporaryDirectory() as out, _restored_endpoint(endpoint):
        path = infra.package("dev", Path(out)) / "deployment.zip"
        entries = zipfile.ZipFile(path).infolist()
        zipped_mb = path.stat().st_size / 1e6
    unzipped_mb = sum(e.file_size for e in entries) / 1e6
    by_top: Counter = Counter()
    for entry in entries:
        by_top[entry.filename.split("/")[0].split("-")[0]] += entry.file_size
    ours = sum(by_top[name] for name in ("app.py", "chalicelib")) / 1e6
    bench.line("deployment.zip", f"{zipped_mb:.1f} MB zipped", f"{zipped_mb / ZIP_LIMIT_MB:.0%} of Lambda's 50 MB")
    bench.line("unzipped", f"{unzipped_mb:.1f} MB", f"{unzipped_mb / UNZIPPED_LIMIT_MB:.0%} of Lambda's 250 MB")
    bench.line("of which app.py + chalicelib", f"{ours:.2f} MB", f"{len(entries)} files in all")
    bench.line("largest", ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in by_top.most_common(4)))


# ---- contact records ------------------------------------------------------------

@contextmanager
def _time_in_dynamodb() -> Iterator[dict[str, float]]:
    """Wall time spent inside DynamoDB calls, through botocore's event hooks."""
    from chalicelib.db import connection

    spent = {"seconds": 0.0}
    started: list[float] = []

    def before(**_: Any) -> None:
        started.append(time.perf_counter())

    def after(**_: Any) -> None:
        spent["seconds"] += time.perf_counter() - started.pop()

    client = connection().client
    client.meta.events.register("before-call.dynamodb", before, unique_id="bench-time-before")
    client.meta.events.register("after-call.dynamodb", after, unique_id="bench-time-after")
    try:
        yield spent
    finally:
        client.meta.events.unregister("before-call.dynamodb", unique_id="bench-time-before")
        client.meta.events.unregister("after-call.dynamodb", unique_id="bench-time-after")

RECORDS = 300


def _contact_record(n: int, customer_id: str, start: Any) -> dict[str, Any]:
    from datetime import timedelta

    def stamp(seconds: int) -> str:
        return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    queue, agent = ("Billing", "Support", "Sales")[n % 3], f"agent{n % 12}"
    return {
        "AWSContactTraceRecordFormatVersion": "2017-03-10", "ContactId": f"bench-{n:05d}", "Channel": "VOICE",
        "InitiationMethod": "INBOUND", "InitiationTimestamp": stamp(0), "DisconnectTimestamp": stamp(400),
        "LastUpdateTimestamp": stamp(460), "DisconnectReason": "CUSTOMER_DISCONNECT",
        "Attributes": {"customerId": customer_id, "contactReason": ("billing", "delivery")[n % 2]},
        "CustomerEndpoint": None,
        "Queue": {"Name": queue, "ARN": f"arn:aws:connect:::queue/{queue}", "Duration": 40,
                  "EnqueueTimestamp": stamp(10), "DequeueTimestamp": stamp(50)},
        "Agent": {"Username": agent, "ARN": f"arn:aws:connect:::agent/{agent}", "ConnectedToAgentTimestamp": stamp(50),
                  "AgentInteractionDuration": 300, "CustomerHoldDuration": 20, "AfterContactWorkDuration": 60},
    }


def _kinesis(records: list[dict[str, Any]], offset: int) -> dict[str, Any]:
    import base64
    import json

    return {"Records": [{"kinesis": {"sequenceNumber": str(offset + i), "partitionKey": "connect",
                                     "kinesisSchemaVersion": "1.0", "approximateArrivalTimestamp": 0,
                                     "data": base64.b64encode(json.dumps(r).encode()).decode()},
                         "eventSource": "aws:kinesis"} for i, r in enumerate(records)]}


def section_contact_records(bench: Bench) -> None:
    from datetime import timedelta

    import boto3

    from chalicelib.db import utcnow
    from chalicelib.profiles import schema
    from chalicelib.profiles.identity import Identity
    from chalicelib.profiles.service import Profiles
    from chalicelib.settings import get_settings

    print(f"Contact-record ingestion ({RECORDS} records in Kinesis batches of 100, each a new contact)")
    settings = get_settings()
    profiles = Profiles(settings)
    customers = [profiles.create(schema.ProfileInput(identities={
        "phone": Identity("phone", f"+40722{n:06d}")})).customer_id for n in range(60)]
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    records = [_contact_record(n, customers[n % len(customers)], start + timedelta(minutes=7 * n))
               for n in range(RECORDS)]
    context = LambdaContext(120_000)

    def ingest(batch: list[dict[str, Any]], offset: int) -> None:
        answer = bench.app.on_contact_record(_kinesis(batch, offset), context)
        assert answer == {"batchItemFailures": []}, answer

    ingest([_contact_record(99999, customers[0], start)], 10**6)  # warm connections and imports
    with dynamodb_calls() as counts, _time_in_dynamodb() as in_dynamodb:
        started = time.perf_counter()
        for i in range(0, RECORDS, 100):
            ingest(records[i:i + 100], i)
        ours = time.perf_counter() - started
    with dynamodb_calls() as again:
        ingest(records[:100], 0)

    raw = boto3.client("dynamodb", region_name=settings.region, endpoint_url=bench.endpoint)
    written = []
    for page in raw.get_paginator("scan").paginate(TableName=settings.interactions_table):
        written += [{**item, "interaction_id": {"S": "copy-" + item["interaction_id"]["S"]}}
                    for item in page["Items"] if item["interaction_id"]["S"].startswith("bench-0")]
    started = time.perf_counter()
    for i in range(0, len(written), 25):
        raw.batch_write_item(RequestItems={settings.interactions_table: [
            {"PutRequest": {"Item": item}} for item in written[i:i + 25]]})
    baseline = time.perf_counter() - started

    bench.line("raw boto3 BatchWriteItem of the same items (baseline)", f"{len(written) / baseline:.0f} items/s")
    bench.line("on_contact_record", f"{RECORDS / ours:.0f} records/s = {ours / baseline:.1f}x",
               "one transaction per record (interaction, ledger, counters)")
    bench.line("  of which waiting on DynamoDB", f"{in_dynamodb['seconds'] / ours:.0%}",
               "moto copies every table a transaction touches, per item: a real table is far faster")
    calls = sum(counts.values()) / RECORDS
    bench.line("DynamoDB calls per new record", f"{calls:.1f}",
               ", ".join(f"{op} x{n / RECORDS:.1f}" for op, n in sorted(counts.items())))
    redelivered = sum(again.values()) / 100
    bench.line("DynamoDB calls per redelivered record", f"{redelivered:.1f}",
               ", ".join(f"{op} x{n / 100:.1f}" for op, n in sorted(again.items())) + "; nothing written")


# ---- contact reasons --------------------------------------------------------------

def section_reasons(bench: Bench) -> None:
    from devkit import reasons

    print("Contact-reason classifier (held-out examples: every fifth of each section, never trained on)")
    for s in reasons.evaluate():
        bench.line(f"{s.language}: accuracy, macro-F1, top-2 ({s.examples} examples)",
                   f"{s.accuracy:.1%} {s.macro_f1:.2f} {s.top2:.1%}",
                   f"target accuracy >= 90%: {'met' if s.accuracy >= 0.9 else 'MISSED'}")
        bench.line(f"{s.language}: routed at the default threshold, of which right",
                   f"{s.routed:.1%} {s.routed_right:.1%}", "the rest goes to the menu as `other`")
    raw, zipped = reasons.model_size()
    bench.line("model.json", f"{raw / 1024:.0f} KB ({zipped / 1024:.0f} KB gzip)")
    loads = [reasons.load_ms() for _ in range(COLD_RUNS)]
    baseline = [reasons.json_baseline_ms() for _ in range(COLD_RUNS)]
    ratio = statistics.median(loads) / statistics.median(baseline)
    bench.line("json.loads of model.json (baseline)", f"median {statistics.median(baseline):.1f} ms")
    bench.line("model load", f"median {statistics.median(loads):.1f} ms = {ratio:.2f}x",
               f"target well under 100 ms: {'met' if statistics.median(loads) < 50 else 'MISSED'}")
    first = statistics.median(_fresh_run(reasons.FIRST_PREDICTION) for _ in range(COLD_RUNS))
    bench.line("fresh process: imports, model, stemmer, first prediction", f"{first * 1000:.0f} ms",
               "once per container")
    predicting, stemming = reasons.prediction_times()
    bench.line("stemming the text alone (baseline)", f"median {stemming:.2f} ms")
    bench.line("one prediction (stems, features, centroids)", f"median {predicting:.2f} ms = "
               f"{predicting / stemming:.1f}x")


SECTIONS: list[Callable[[Bench], None]] = [
    section_cold_start,
    section_warm_lookup,
    section_package_size,
    section_contact_records,
    section_reasons,
]


def main() -> int:
    localenv.apply()
    from devkit.embedded_aws import embedded_aws

    print(f"Benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    with embedded_aws() as endpoint:
        import app
        from chalicelib.observability import get_logger

        # The service's logs would drown the figures.
        logging.getLogger(get_logger().name).setLevel(logging.WARNING)
        bench = Bench(endpoint=endpoint, app=app)
        for section in SECTIONS:
            section(bench)
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
