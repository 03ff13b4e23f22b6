"""`make load`: a generated day of contacts ingested by K concurrent workers, the way
Kinesis shards and EventBridge deliver them, on the embedded AWS with DynamoDB's
transaction conflicts and 20 % throttling (devkit/dynamodb_model.py).

For each K it prints records per second, transaction conflicts and retries per
record, and the records that still failed after Kinesis's retries, then checks that
the KPI counters equal a recomputation from the generated truth (nothing lost,
nothing counted twice). Records/s on moto measure the code and moto, not DynamoDB;
conflicts per record are what carries over to AWS: a conflict is a refused
transaction, and a record whose transaction keeps being refused drops out of the KPIs.

    .venv/bin/python -m devkit.load                     # K = 1, 4, 8, 16
    .venv/bin/python -m devkit.load --contacts 200 --workers 4 --hold-ms 20
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devkit import localenv

KINESIS_RETRIES = 10  # MaximumRetryAttempts of the contact records' event source
EVENT_ATTEMPTS = 3  # asynchronous invocation: the first try and two retries
BATCH = 25
DUPLICATES = 0.1  # share of deliveries that arrive twice
GOAL_CONFLICTS_PER_RECORD = 0.05
REPEAT_WINDOW_HOURS = 4  # the replay test's truth counts repeats within this window


@dataclass
class Outcome:
    workers: int
    records: int = 0
    events: int = 0
    seconds: float = 0.0
    conflicts: int = 0
    single_write_conflicts: int = 0
    throttled: int = 0
    redelivered: int = 0
    failed_records: int = 0
    failed_events: int = 0
    exact: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def per_record(self, n: int) -> float:
        return n / self.records if self.records else 0.0


def _deliveries(contacts: int, seed: int) -> tuple[list[Any], dict[str, str], list[tuple[str, dict]], datetime]:
    """Customers, the generated day and its deliveries in the order they happen
    (events as each step occurs, records a minute or two after each leg ends)."""
    from chalicelib.db import utcnow
    from chalicelib.profiles import schema
    from chalicelib.profiles.identity import Identity
    from chalicelib.profiles.service import Profiles
    from chalicelib.settings import get_settings

    # The replay test's generator and its truth, written without the product's code.
    from tests.integration.test_replay import contact_events, contact_record, generate

    rng = random.Random(seed)
    profiles = Profiles(get_settings())
    known = {}
    for n in range(max(10, contacts // 4)):
        phone, email = f"+40721{n:06d}", f"customer{n}@example.ro"
        customer = profiles.create(schema.ProfileInput(identities={
            "phone": Identity("phone", phone), "email": Identity("email", email)}))
        known[customer.customer_id] = {"phone": phone, "email": email}
    unknown = [f"+39333{n:07d}" for n in range(max(3, contacts // 12))]
    day = datetime.combine(utcnow().date() - timedelta(days=1), datetime.min.time(), UTC)
    interactions = generate(rng, day, known, unknown, contacts)
    for interaction in interactions:
        if interaction.linked:
            profiles.link_contact(interaction.id, interaction.customer, interaction.channel)
    timed: list[tuple[str, str, dict]] = []
    for interaction in interactions:
        for leg in interaction.legs:
            for event in contact_events(interaction, leg, rng):
                timed.append((event["time"], "event", event))
            final = leg.end + timedelta(seconds=rng.randrange(60, 180))
            timed.append((final.isoformat(), "record", contact_record(interaction, leg, final)))
    timed.sort(key=lambda t: t[0])
    deliveries = []
    for _, kind, document in timed:
        deliveries.append((kind, document))
        if rng.random() < DUPLICATES:
            deliveries.append((kind, document))
    owner = {customer: customer for customer in known}
    for number in unknown:
        owner[number] = number  # resolved after ingestion, when the profile exists
    return interactions, owner, deliveries, day


def _worker_queues(deliveries: list[tuple[str, dict]], workers: int) -> list[list[tuple[str, dict]]]:
    """Records by shard (the contact id is the partition key), events spread evenly."""
    queues: list[list[tuple[str, dict]]] = [[] for _ in range(workers)]
    spread = 0
    for kind, document in deliveries:
        if kind == "record":
            queues[zlib.crc32(document["ContactId"].encode()) % workers].append((kind, document))
        else:
            queues[spread % workers].append((kind, document))
            spread += 1
    return queues


def _ingest(queue: list[tuple[str, dict]], outcome: Outcome, lock: threading.Lock) -> None:
    from chalicelib.interactions import handlers
    from tests.helpers import FIRST_SEQUENCE, kinesis_event

    def send_records(batch: list[dict]) -> None:
        pending = batch
        for attempt in range(KINESIS_RETRIES + 1):
            answer = handlers.contact_records(kinesis_event(pending))
            failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
            pending = [r for i, r in enumerate(pending) if str(FIRST_SEQUENCE + i) in failed]
            if not pending:
                return
            with lock:
                outcome.redelivered += len(pending) if attempt < KINESIS_RETRIES else 0
        with lock:
            outcome.failed_records += len(pending)

    batch: list[dict] = []
    for kind, document in queue:
        if kind == "record":
            batch.append(document)
            if len(batch) == BATCH:
                send_records(batch)
                batch = []
            continue
        for _attempt in range(EVENT_ATTEMPTS):
            try:
                handlers.contact_event(document)
                break
            except Exception:  # noqa: S112 (Lambda retries any failure, then the dead-letter queue)
                continue
        else:
            with lock:
                outcome.failed_events += 1
    if batch:
        send_records(batch)


def run(workers: int, contacts: int, hold_ms: float, throttle: float, seed: int) -> Outcome:
    import moto

    from chalicelib.settings import get_settings
    from devkit import moto_transactions
    from devkit.dynamodb_model import Throttling, TransactionConflicts
    from tests.integration.test_replay import WINDOW_HOURS, expected_counters
    from tests.integration.test_timeline import counters

    assert get_settings().repeat_window_hours == WINDOW_HOURS == REPEAT_WINDOW_HOURS
    moto_transactions.install()
    outcome = Outcome(workers)
    with moto.mock_aws():
        from chalicelib import tables
        from chalicelib.profiles.identity import Identity
        from chalicelib.profiles.service import Profiles
        from devkit.embedded_aws import _create_schedule_group, _verify_email_sender

        tables.create_all()
        _verify_email_sender()
        _create_schedule_group()
        interactions, owner, deliveries, _ = _deliveries(contacts, seed)
        outcome.records = sum(1 for kind, _ in deliveries if kind == "record")
        outcome.events = len(deliveries) - outcome.records
        spread = max(1.0, hold_ms * 0.25)
        conflicts = TransactionConflicts(hold_ms=(hold_ms - spread, hold_ms + spread), seed=seed).install()
        throttling = Throttling(rate=throttle, seed=seed).install()
        lock = threading.Lock()
        threads = [threading.Thread(target=_ingest, args=(queue, outcome, lock), daemon=True)
                   for queue in _worker_queues(deliveries, workers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcome.seconds = time.perf_counter() - started
        throttling.uninstall()
        conflicts.uninstall()
        outcome.conflicts, outcome.single_write_conflicts = conflicts.conflicts, conflicts.single_write_conflicts
        outcome.throttled = throttling.throttled

        profiles = Profiles(get_settings())
        for customer in list(owner):
            if customer.startswith("+"):
                found = profiles.identify([Identity("phone", customer)])
                owner[customer] = found.customer_id if found else customer
        expected, found = expected_counters(interactions, owner), counters()
        outcome.exact = expected == found
        if not outcome.exact:
            for key in sorted(set(expected) | set(found)):
                if expected.get(key) != found.get(key):
                    outcome.problems.append(f"{key}: expected {expected.get(key)}, counted {found.get(key)}")
    return outcome


def _print(outcomes: list[Outcome], hold_ms: float, throttle: float, out: Any = sys.stdout) -> None:
    print(f"\nIngestion under DynamoDB's transaction conflicts ({hold_ms:g} ms hold) and "
          f"{throttle:.0%} throttling", file=out)
    print(f"{'K':>3} {'records':>8} {'events':>7} {'rec/s':>7} {'conflicts/rec':>14} {'single-write':>13} "
          f"{'throttled/rec':>14} {'redelivered':>12} {'failed rec':>11} {'events to DLQ':>14}  counters", file=out)
    for o in outcomes:
        print(f"{o.workers:>3} {o.records:>8} {o.events:>7} {o.records_per_second:>7.1f} "
              f"{o.per_record(o.conflicts):>14.3f} {o.single_write_conflicts:>13} "
              f"{o.per_record(o.throttled):>14.2f} {o.redelivered:>12} {o.failed_records:>11} "
              f"{o.failed_events:>14}  {'exact' if o.exact else 'WRONG'}", file=out)
        for problem in o.problems[:10]:
            print(f"      {problem}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=150, help="customer contacts in the generated day")
    parser.add_argument("--workers", default="1,4,8,16", help="comma-separated K values")
    parser.add_argument("--hold-ms", type=float, default=20.0, help="how long a transaction holds its items")
    parser.add_argument("--throttle", type=float, default=0.2, help="share of DynamoDB requests throttled")
    parser.add_argument("--seed", type=int, default=20250514)
    args = parser.parse_args(argv)
    localenv.apply()
    # Failures are counted, not logged; first-contact resolution as the truth counts it.
    os.environ.update(POWERTOOLS_LOG_LEVEL="CRITICAL", REPEAT_WINDOW_HOURS=str(REPEAT_WINDOW_HOURS))
    outcomes = []
    for workers in [int(k) for k in args.workers.split(",")]:
        outcomes.append(run(workers, args.contacts, args.hold_ms, args.throttle, args.seed))
        _print(outcomes[-1:], args.hold_ms, args.throttle)
    _print(outcomes, args.hold_ms, args.throttle)
    widest = max(outcomes, key=lambda o: o.workers)
    met = widest.failed_records == 0 and widest.per_record(widest.conflicts) <= GOAL_CONFLICTS_PER_RECORD
    print(f"\ngoal at K={widest.workers}: 0 failed and <= {GOAL_CONFLICTS_PER_RECORD} conflicts per record: "
          f"{'met' if met else 'NOT met'}")
    return 0 if all(o.exact for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
