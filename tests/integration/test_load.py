"""A short run of `make load`: concurrent ingestion under DynamoDB's transaction
conflicts and throttling, the counter changes' stream delivered meanwhile as Lambda
delivers it, loses nothing and counts nothing twice."""

from __future__ import annotations

from devkit import load


def test_concurrent_ingestion_under_conflicts_and_throttling_counts_every_contact_once(settings_env):
    # Given a generated morning of contacts (transfers, events, redelivered copies), and
    # DynamoDB holding each transaction's items for 20 ms and throttling a fifth of requests
    settings_env(REPEAT_WINDOW_HOURS=str(load.REPEAT_WINDOW_HOURS), WFM_QUEUES=load.wfm_queues())
    # When four workers ingest it at once
    outcome = load.run(workers=4, contacts=16, hold_ms=20, throttle=0.2, seed=7)
    # Then every record was recorded
    assert outcome.records > 16 and outcome.throttled > 0
    assert outcome.failed_records == 0
    # And every survey answer and appointment step got through its retries (a contact
    # event that fails every try waits in the dead-letter queue: the KPIs do not read it)
    assert outcome.failed_other == 0
    # And the aggregator applied the counter changes as they came, under the same
    # conflicts and throttling, and left none behind once the stream was drained
    assert outcome.applied_while_ingesting > 0 and outcome.aggregator_transactions > 0
    assert outcome.journal_left == 0
    # And the KPI counters equal the recomputed truth
    assert outcome.problems == [] and outcome.exact
