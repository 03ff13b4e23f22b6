"""The ceiling make load states: the counter aggregator at a contact center's rate,
one invocation per stream shard at once, its transactions refused when they meet an
item another shard's transaction holds, as DynamoDB does."""

from __future__ import annotations

import pytest

from devkit import load

DAY = "2025-05-14"
# A contact record's change: the day's total, its channel, queue and reason (spread
# over the counters' shards), its agent; and its queue's current interval (spread too).
RECORD = (("spread", f"{DAY}#all#all"), ("spread", f"{DAY}#channel#VOICE"), ("spread", f"{DAY}#queue#Billing"),
          ("spread", f"{DAY}#reason#billing"), ("agent", DAY))
INTERVAL = (("spread", "wfm#Billing#VOICE|now"),)
CHANGES = [RECORD, INTERVAL]


def test_one_stream_shard_never_meets_itself_and_applies_every_change():
    figures = load.simulate(CHANGES, 2.0, 300, 1)
    assert figures.conflicts == 0
    assert figures.applied == figures.changes > 10_000
    # and its counters follow the contacts within about the batching window
    assert figures.lag_s < 1.0


def test_concurrent_shards_meet_on_the_days_total_unless_it_is_spread():
    alone = load.simulate([RECORD], 1.0, 100, 16, shards=1)
    spread = load.simulate([RECORD], 1.0, 100, 16)
    assert alone.conflicts_per_record > load.GOAL_CONFLICTS_PER_RECORD
    assert spread.conflicts_per_record < alone.conflicts_per_record / 3
    assert alone.met["all"] > 0


def test_the_current_interval_every_contact_ends_in_is_spread_like_the_days_total():
    # A batch sums many contacts' interval changes into one item of its queue's interval
    alone = load.simulate([INTERVAL], 1.0, 100, 16, shards=1)
    spread = load.simulate([INTERVAL], 1.0, 100, 16)
    assert alone.met == {"interval": alone.conflicts} and alone.conflicts_per_record > 0.02
    assert spread.conflicts_per_record < alone.conflicts_per_record / 3


def test_an_agents_counters_are_as_rare_as_in_a_center_the_size_of_the_rate():
    # 100 records/s is 20,000 agents, each on a contact every five minutes
    figures = load.simulate([(("agent", DAY),)], 1.0, 100, 16)
    assert figures.conflicts_per_record < 0.001
    # while the contacts no agent handled share one counter: met all the time unless spread
    unassigned = (("spread", f"{DAY}#agent#unassigned"),)
    shared = load.simulate([unassigned], 1.0, 100, 16, shards=1)
    assert shared.conflicts_per_record > 10 * max(figures.conflicts_per_record, 0.001)
    assert shared.met == {"agent unassigned": shared.conflicts}
    assert load.simulate([unassigned], 1.0, 100, 16).conflicts_per_record < shared.conflicts_per_record / 3


def test_a_batch_refused_every_try_is_delivered_again_and_nothing_is_lost():
    # Sixteen shards on one item: some batches use up their tries
    figures = load.simulate([(("item", f"{DAY}#channel#VOICE"),)], 1.0, 300, 16, shards=1)
    assert figures.batches_failed > 0
    assert figures.applied == figures.changes


def test_the_aggregators_own_limit_is_its_transactions_one_after_another():
    # Five counter items and a Delete a change: 16 changes fill a transaction of 100 items
    per_transaction, per_second, records = load.throughput([RECORD] * 160, 1.0, hold_ms=20, request_ms=10)
    assert per_transaction == 16
    assert per_second == pytest.approx(33.3, abs=0.1)
    assert records == pytest.approx(533, abs=1)
    # and a shard given more than that falls behind
    behind = load.simulate([RECORD], 1.0, 1.5 * records, 1)
    assert behind.lag_s > 2 and behind.busy > 1


def test_the_items_a_journal_item_touches_are_read_from_what_the_product_writes():
    import json

    from chalicelib.metrics import journal
    from chalicelib.settings import get_settings

    [put] = journal.put(get_settings(), kpi={
        f"{DAY}#all#all": {"contacts": 1}, f"{DAY}#channel#VOICE": {"contacts": 1},
        f"{DAY}#agent#ioana.m": {"contacts": 1}, f"{DAY}#agent#unassigned": {"abandoned": 1}},
        items={"wfm#Billing#VOICE#2025-05|2025-05-14T09:15Z": {"add": {"offered": 1}, "shards": 8}})
    touched = load.touched(put["Put"]["Item"]["changes"]["S"])
    assert sorted(touched) == sorted([
        ("spread", f"{DAY}#all#all"), ("spread", f"{DAY}#channel#VOICE"), ("agent", DAY),
        ("spread", f"{DAY}#agent#unassigned"), ("spread", "wfm#Billing#VOICE|now")])
    assert json.loads(put["Put"]["Item"]["changes"]["S"])  # (the journal item as written)
