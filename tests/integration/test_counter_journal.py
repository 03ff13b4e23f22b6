"""The KPI counters are written by the aggregator, never by a contact's transaction:
a contact record puts one journal item of its own; the journal table's stream,
delivered as Lambda delivers it (devkit/streams.py), sums each batch into the counter
items. What a supervisor reads must stay exact when the stream delivers a batch
twice, when DynamoDB refuses the aggregator's transaction, and when a batch is too
big for one transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.db import utcnow
from tests.agent_panel import contact_record, records
from tests.integration.test_timeline import counters


def _transactions(client: Any) -> list[list[dict[str, Any]]]:
    """Every TransactWriteItems the product's DynamoDB client sends from now on."""
    from chalicelib.db import connection

    sent: list[list[dict[str, Any]]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(params["TransactItems"])

    connection().client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", record)
    return sent


def _tables(entries: list[dict[str, Any]]) -> list[str]:
    return [next(iter(entry.values()))["TableName"] for entry in entries]


def _aggregations(sent: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """The aggregator's transactions: they delete the journal items they apply."""
    return [t for t in sent if any("Delete" in entry for entry in t)]


def _counter_adds(transaction: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    return [e["Update"] for e in transaction if "Update" in e and e["Update"]["TableName"] == table
            and " ADD " in f" {e['Update']['UpdateExpression']}"]


def _captured(client: Any) -> list[dict[str, Any]]:
    """The stream events delivered to on_counter_changes from now on (still delivered)."""
    seen: list[dict[str, Any]] = []
    deliver = client.streams.invoke

    def invoke(name: str, event: dict[str, Any]) -> Any:
        seen.append(event)
        return deliver(name, event)

    client.streams.invoke = invoke
    return seen


def _calls(n: int, start=None) -> list[dict[str, Any]]:
    start = start or utcnow().replace(microsecond=0) - timedelta(hours=3)
    return [contact_record(f"call-{i}", start + timedelta(minutes=i), address=f"+4072100{i:04d}",
                           contactReason="billing") for i in range(n)]


def test_a_contact_records_transaction_writes_no_counter_item_and_the_stream_brings_the_counters(client):
    from chalicelib.settings import get_settings

    settings = get_settings()
    sent = _transactions(client)
    # When three calls' records arrive
    assert records(client, *_calls(3)) == {"batchItemFailures": []}
    # Then no transaction of the ingestion touched a counter item: each put one journal item
    applied = _aggregations(sent)
    contact_path = [t for t in sent if t not in applied]
    assert len([t for t in contact_path if settings.interactions_table in _tables(t)]) == 3
    journal_puts = 0
    for transaction in contact_path:
        assert _counter_adds(transaction, settings.metrics_table) == []
        assert _tables(transaction).count(settings.counter_changes_table) <= 1
        journal_puts += _tables(transaction).count(settings.counter_changes_table)
    # (each call's interaction and its queue interval)
    assert journal_puts == 6
    # And the aggregator's one transaction applied them all and emptied the journal
    assert len(applied) == 1 and _tables(applied[0]).count(settings.counter_changes_table) == journal_puts
    assert _counter_adds(applied[0], settings.metrics_table)
    day = next(k for k in counters() if k.endswith("#all#all"))
    assert counters()[day]["contacts"] == 3 and counters()[day]["handled"] == 3
    assert _journal() == []


def test_a_stream_batch_delivered_twice_is_counted_once(client):
    seen = _captured(client)
    records(client, *_calls(4))
    before = counters()
    [event] = seen
    # When Lambda delivers the same batch again (its delivery is at least once)
    answer = client.streams.invoke("on_counter_changes", event)
    # Then it succeeds and changes nothing
    assert answer == {"batchItemFailures": []}
    assert counters() == before


def _refuse_aggregations() -> Any:
    """DynamoDB cancels every transaction of the aggregator (another writer holds a
    counter item) until the returned `heal` is called."""
    import json

    from botocore.awsrequest import AWSResponse

    from chalicelib.db import connection
    from tests.conftest import _Raw

    client = connection().client

    def refuse(request: Any, **_: Any) -> Any:
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        if '"Delete"' not in body:
            return None
        items = json.loads(body)["TransactItems"]
        reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                   if "Update" in item else {"Code": "None"} for item in items]
        answer = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                             "Message": "Transaction cancelled", "CancellationReasons": reasons}).encode()
        request.url = "https://refused.invalid/"  # moto leaves it alone (see dynamodb_fault)
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(answer))

    client.meta.events.register("before-send.dynamodb.TransactWriteItems", refuse, unique_id="refuse-aggregations")
    return lambda: client.meta.events.unregister("before-send.dynamodb.TransactWriteItems",
                                                 unique_id="refuse-aggregations")


def test_a_refused_aggregation_is_reported_and_counted_when_the_stream_delivers_it_again(client):
    seen = _captured(client)
    # Given the aggregator's transactions keep meeting other writers while four calls arrive
    heal = _refuse_aggregations()
    assert records(client, *_calls(4)) == {"batchItemFailures": []}  # the contacts themselves are in
    # Then the aggregator reports the batch from its first record, and nothing is lost
    first = seen[0]["Records"][0]["dynamodb"]["SequenceNumber"]
    assert client.streams.failures and client.streams.failures[0]["failed"] == [first]
    heal()
    assert counters() == {} and len(_journal()) == 8  # each call's interaction and queue interval
    # When DynamoDB recovers, the next delivery counts each call once
    client.streams.deliver()
    day = next(k for k in counters() if k.endswith("#all#all"))
    assert counters()[day]["contacts"] == 4
    assert _journal() == []


def test_a_batch_too_big_for_one_transaction_is_applied_in_several(client):
    sent = _transactions(client)
    # Forty calls with forty agents: more counter items than one transaction may hold
    calls = _calls(40)
    for n, call in enumerate(calls):
        call["Agent"]["Username"] = f"agent-{n}"
        call["Queue"]["Name"] = f"Queue {n % 7}"
    records(client, *calls)
    applied = _aggregations(sent)
    assert len(applied) > 1 and all(len(t) <= 100 for t in applied)
    day = next(k for k in counters() if k.endswith("#all#all"))
    assert counters()[day]["contacts"] == 40
    assert sum(1 for k in counters() if "#agent#" in k) == 40
    assert _journal() == []


def test_an_unreadable_record_is_reported_and_the_ones_before_it_are_counted(client):
    from chalicelib.metrics.journal import Aggregator
    from chalicelib.settings import get_settings
    from chalicelib.wire import to_wire

    # Given two calls whose changes the stream holds, not delivered yet
    held: list[dict[str, Any]] = []

    def hold(name: str, event: dict[str, Any]) -> dict[str, Any]:
        held.append(event)
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]}

    client.streams.invoke = hold
    records(client, *_calls(2))
    good = held[0]["Records"]
    broken = {**good[0], "dynamodb": {**good[0]["dynamodb"], "SequenceNumber": "999",
                                      "NewImage": {"change_id": to_wire("x"), "changes": to_wire("{not json")}}}
    answer = Aggregator(get_settings()).apply({"Records": [*good, broken]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    day = next(k for k in counters() if k.endswith("#all#all"))
    assert counters()[day]["contacts"] == 2


def test_the_aggregators_transactions_spread_the_days_total_over_its_shards(client):
    from chalicelib.metrics import counters as kpi

    # Many small batches (one call each), as many stream shards' invocations would be
    for call in _calls(60):
        records(client, call)
    from chalicelib.db import connection
    from chalicelib.settings import get_settings

    items = connection().client.scan(TableName=get_settings().metrics_table)["Items"]
    totals = {i["slot"]["S"] for i in items if i["series"]["S"].startswith("all#")}
    assert len(totals) > kpi.SHARDS // 2
    assert all(i["slot"]["S"].count("#") == 2 for i in items if i["series"]["S"].startswith("all#"))


def _journal() -> list[dict[str, Any]]:
    from chalicelib.db import connection
    from chalicelib.settings import get_settings

    return connection().client.scan(TableName=get_settings().counter_changes_table)["Items"]
