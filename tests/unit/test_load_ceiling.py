"""The ceiling make load states: the day's transactions replayed at a contact center's
rate, refused when they meet an item another one holds, as DynamoDB does."""

from __future__ import annotations

import json

from devkit import load


def _counter(dimension: str, value: str, shard: int) -> tuple[str, str]:
    return ("cc-local-metrics", json.dumps([{"S": f"{dimension}#2025-05"}, {"S": f"2025-05-14#{value}#{shard:02d}"}]))


# A record's transaction: its interaction, its customer, the day's total and its channel.
JOURNAL = [("transaction", [("cc-local-interactions", json.dumps([{"S": f"c{n}"}])),
                            ("cc-local-customers", json.dumps([{"S": f"customer{n % 40}"}])),
                            _counter("all", "all", n % 16), _counter("channel", "VOICE", n % 16)])
           for n in range(300)]
FEW = load.Sharding({"all": 1, "channel": 1, "queue": 1, "reason": 1}, 1)
MANY = load.Sharding({"all": 256, "channel": 256, "queue": 256, "reason": 256}, 256)


def test_one_item_every_record_writes_refuses_records_long_before_fifty_a_second():
    # One total and one channel item: held 20 ms by each record, at 25 records/s
    conflicts, _ = load.simulate(JOURNAL, 300, 25, FEW)
    assert conflicts > 0.3
    # and the ceiling of 0.05 conflicts per record is a few records a second
    assert load.ceiling(JOURNAL, 300, FEW) < 5


def test_spreading_the_shared_items_moves_the_ceiling_and_per_contact_items_never_count():
    assert load.simulate(JOURNAL, 300, 25, MANY)[0] < 0.05
    assert load.ceiling(JOURNAL, 300, MANY) > 10 * load.ceiling(JOURNAL, 300, FEW)
    # A day with no shared item has no ceiling below the search's end
    alone = [("transaction", items[:2]) for _, items in JOURNAL]
    assert load.simulate(alone, 300, 300, FEW)[0] == 0.0
