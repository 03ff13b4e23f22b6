"""The KPI counters table, and the journal of changes on their way to it.

One item per day, dimension and value (and shard, for the few-valued dimensions),
holding numeric counters that are only ever changed with atomic ADDs, by the
aggregator (journal.py). Items of one dimension and month share a partition
(`series` = `queue#2025-05`) and sort by `slot` = `2025-05-14#Billing`, so a report
over a range of days costs one query per dimension and month, whatever the number of
contacts. Counter attributes are not declared here: any capability adds its own
(contacts, handled, ... today; survey scores next) without a schema change.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute

from chalicelib.db import BaseModel, table_meta


class MetricCounterModel(BaseModel):
    Meta = table_meta("metrics_table")

    series = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    day = UnicodeAttribute(null=True)
    dimension = UnicodeAttribute(null=True)
    value = UnicodeAttribute(null=True)
    # Counters hold no personal data; they are kept METRICS_RETENTION_DAYS after their day.
    expires_at = TTLAttribute(null=True)


class CounterChangeModel(BaseModel):
    """A change to the KPI counters on its way to them (see `journal`): written by the
    transaction that made it, deleted by the transaction that applies it. Its stream
    (new images) feeds `on_counter_changes`."""

    class Meta(table_meta("counter_changes_table")):
        stream_view_type = "NEW_IMAGE"

    change_id = UnicodeAttribute(hash_key=True)
    # {"kpi": [[day, ["<dimension>#<value>", ...], {counter: n}], ...],
    #  "items": {"<series>|<slot>": {"add": {counter: n}, "set": {attribute: value}}}}
    changes = UnicodeAttribute()
    # Applied within seconds; one that could not be stays this long for an operator.
    expires_at = TTLAttribute(null=True)
