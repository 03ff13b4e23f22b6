"""The KPI counters table.

One item per day, dimension and value, holding numeric counters that are only ever
changed with atomic ADDs. Items of one dimension and month share a partition
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
