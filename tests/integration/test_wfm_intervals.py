"""Contacts per queue interval, as the forecast and a supervisor read them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from chalicelib.wfm import forecast
from tests.helpers import kinesis_event, load_json

ZONE = "Europe/Bucharest"


def records(client, *documents):
    return client.lambda_.invoke("on_contact_record", kinesis_event(list(documents))).payload


def intervals(queue="Billing", channel="VOICE", first=date(2025, 5, 14), last=date(2025, 5, 14)):
    from chalicelib.wfm.intervals import counters_store

    return counters_store().read(queue, channel, first, last, ZONE)


def answered_call(contact_id="c-1", enqueued="2025-05-14T08:07:00Z", wait=12, stamp="2025-05-14T08:20:00Z"):
    document = load_json("contact-records/voice_abandoned.json")
    document.update({"ContactId": contact_id, "LastUpdateTimestamp": stamp, "DisconnectReason": "AGENT_DISCONNECT",
                     "Agent": {"Username": "maria.t", "ConnectedToAgentTimestamp": "2025-05-14T08:08:00Z",
                               "AgentInteractionDuration": 200, "CustomerHoldDuration": 10,
                               "AfterContactWorkDuration": 30}})
    document["Queue"] = {**document["Queue"], "EnqueueTimestamp": enqueued, "Duration": wait}
    return document


def test_each_contact_counts_once_in_its_local_interval(client, settings_env):
    settings_env(WFM_QUEUES=json.dumps({"Billing": {"timeZone": ZONE, "serviceLevel": {"target": 0.8, "seconds": 20}}}))
    # Given an abandoned call queued at 14:00 Bucharest time and a call answered in 12 s at 11:07
    abandoned = load_json("contact-records/voice_abandoned.json")
    answered = answered_call()
    # When their records arrive, then arrive again (at least once), in one batch and later
    assert records(client, abandoned, answered, answered) == {"batchItemFailures": []}
    assert records(client, answered, abandoned) == {"batchItemFailures": []}
    # Then each is counted once, in its interval of the contact center's day
    seen = intervals()
    by_label = {forecast.label(start, ZONE): counts for start, counts in seen.items()}
    assert set(by_label) == {"11:00", "14:00"}
    late = by_label["14:00"]
    assert (late.offered, late.abandoned, late.handled, late.wait_seconds) == (1, 1, 0, 164)
    early = by_label["11:00"]
    assert (early.offered, early.handled, early.abandoned, early.handle_seconds) == (1, 1, 0, 240)
    assert early.answered_in_service_level == 1


def test_a_newer_copy_of_a_record_replaces_what_the_older_counted(client):
    # Given a call first recorded while waiting in the 11:00 interval, then answered after 40 s
    waiting = answered_call(stamp="2025-05-14T08:08:00Z", wait=40)
    waiting.pop("Agent")
    waiting["DisconnectTimestamp"] = None
    answered = answered_call(stamp="2025-05-14T08:20:00Z", wait=40)
    # When the newer copy arrives first and the older one after it
    records(client, answered)
    records(client, waiting)
    # Then the interval shows the call answered, outside the 20 s service level
    (counts,) = intervals().values()
    assert (counts.offered, counts.handled, counts.abandoned, counts.answered_in_service_level) == (1, 1, 0, 0)


def test_many_contacts_spread_over_shards_add_up(client):
    # Given twenty-four calls in one interval
    calls = [answered_call(contact_id=f"c-{i}") for i in range(24)]
    records(client, *calls)
    # Then the interval holds all of them, whichever items they were written to
    (counts,) = intervals().values()
    assert counts.offered == 24
    assert counts.handle_seconds == 24 * 240


def test_the_hour_that_happens_twice_keeps_two_intervals(client):
    # Given two calls at 03:10 Bucharest time on the night the clocks go back: one each side
    first = answered_call(contact_id="c-a", enqueued="2026-10-25T00:10:00Z")
    second = answered_call(contact_id="c-b", enqueued="2026-10-25T01:10:00Z")
    records(client, first, second)
    # Then they are two intervals named 03:00, an hour apart
    seen = intervals(first=date(2026, 10, 25), last=date(2026, 10, 25))
    assert [forecast.label(s, ZONE) for s in seen] == ["03:00", "03:00"]
    assert list(seen) == [datetime(2026, 10, 25, 0, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]


def test_an_interval_that_cannot_be_counted_is_reported_for_retry(client, dynamodb_fault):
    from chalicelib.settings import get_settings

    heal = dynamodb_fault("throttle", table=get_settings().metrics_table)
    result = records(client, answered_call())
    heal()
    assert len(result["batchItemFailures"]) == 1
    assert records(client, answered_call()) == {"batchItemFailures": []}
    (counts,) = intervals().values()
    assert counts.offered == 1


def test_a_customers_erasure_leaves_the_interval_counts_and_a_redelivery_counts_nothing(client):
    from tests.helpers import create_customer

    # Given a counted call of a known customer
    customer_id = create_customer(client)
    call = answered_call()
    call["Attributes"] = {"customerId": customer_id}
    records(client, call)
    # When the customer is erased and the record is delivered again afterwards
    assert client.http.post(f"/customers/{customer_id}/erase").status_code == 200
    records(client, call)
    # Then the queue's interval still counts the call, once
    (counts,) = intervals().values()
    assert (counts.offered, counts.handled) == (1, 1)


def test_interval_counts_expire_with_the_metrics_and_the_ledger_with_the_idempotency_retention(client):
    from chalicelib.db import connection
    from chalicelib.settings import get_settings
    from chalicelib.wfm.intervals import series

    settings = get_settings()
    # Given a call queued at 11:07 on 14 May 2025, counted
    records(client, answered_call())
    # Then its interval's items are kept METRICS_RETENTION_DAYS (and a day) after the interval
    dynamodb = connection().client
    items = dynamodb.query(TableName=settings.metrics_table, KeyConditionExpression="series = :series",
                           ExpressionAttributeValues={":series": {"S": series("Billing", "VOICE", "2025-05")}})["Items"]
    interval = datetime(2025, 5, 14, 8, 0, tzinfo=UTC)
    assert items and {int(item["expires_at"]["N"]) for item in items} == {
        int((interval + timedelta(days=settings.metrics_retention_days + 1)).timestamp())}
    # and what counting it once needs (a hash of its contact id) only IDEMPOTENCY_RETENTION_DAYS from now
    ledgers = [item for item in dynamodb.scan(TableName=settings.metrics_table)["Items"]
               if item["series"]["S"].startswith("wfm-leg#")]
    assert len(ledgers) == 1 and "c-1" not in json.dumps(ledgers)
    kept = datetime.fromtimestamp(int(ledgers[0]["expires_at"]["N"]), UTC) - datetime.now(UTC)
    assert timedelta(days=settings.idempotency_retention_days) - timedelta(minutes=5) < kept <= timedelta(
        days=settings.idempotency_retention_days)


def test_an_interval_past_its_retention_is_no_longer_read(client, settings_env):
    # Given a contact center that keeps its metrics 400 days, and a call of 14 May 2025 counted today
    settings_env(METRICS_RETENTION_DAYS="400")
    assert records(client, answered_call()) == {"batchItemFailures": []}
    # Then that day's intervals are past their retention: the plan and the floor no longer see them
    assert intervals() == {}
