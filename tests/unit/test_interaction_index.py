"""The timeline's index carries every attribute the timeline, export and erasure show."""

from __future__ import annotations

from chalicelib.interactions.models import BOOKKEEPING, SHOWN, InteractionModel


def test_every_interaction_attribute_is_in_the_timeline_index_or_is_writer_bookkeeping():
    keys = {"interaction_id", "customer_id", "started_key"}
    attributes = set(InteractionModel.get_attributes())
    # A new attribute must be shown on the timeline (projected) or declared bookkeeping.
    assert attributes - keys == set(SHOWN) | set(BOOKKEEPING)
    assert not set(SHOWN) & set(BOOKKEEPING)
    [index] = InteractionModel._get_schema()["global_secondary_indexes"]
    assert index["projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(SHOWN)}
