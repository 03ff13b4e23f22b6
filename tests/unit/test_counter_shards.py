"""No counter item that every contact writes: the few-valued dimensions are spread
over shards, the many-valued (agents) are not."""

from __future__ import annotations

from chalicelib.metrics import counters


def test_the_days_total_and_few_valued_groups_are_spread_over_shards_by_the_thing_counted():
    change = {f"2025-05-14#{dimension}#{value}": {"contacts": 1}
              for dimension, value in [("all", "all"), ("channel", "VOICE"), ("queue", "Billing"),
                                       ("reason", "billing"), ("agent", "ioana.m")]}
    # Given many contacts counted on the same day, channel, queue and reason
    slots: dict[str, set[str]] = {}
    for n in range(400):
        for update in counters.updates("metrics", change, 400, spread_key=f"contact-{n}"):
            key = update["Update"]["Key"]
            slots.setdefault(key["series"]["S"].split("#")[0], set()).add(key["slot"]["S"])
    # Then each few-valued counter lands on every one of its shards, an agent's on one item
    for dimension in ("all", "channel", "queue", "reason"):
        assert len(slots[dimension]) == counters.SHARDS
    assert slots["agent"] == {"2025-05-14#ioana.m"}
    # and one thing counted always lands on the same shard (its changes add up in place)
    again = counters.updates("metrics", change, 400, spread_key="contact-7")
    assert again == counters.updates("metrics", change, 400, spread_key="contact-7")
