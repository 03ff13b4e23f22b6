"""The quality table: the week's candidates for evaluation, evaluations and their
roll-ups, one table with a generic key (`key`, `item`).

| item | key | item | holds |
| --- | --- | --- | --- |
| candidate | `sample#<week>#<agent>` | `<rank>#<contact id>` | channel, queue, reason, start; no customer data |
| evaluation | `evaluation#<contact id>` | `-` | agent, scorecard, ratings, score, comment |
| roll-up | `scores#<week>` | `all`, `agent#<agent>`, `queue#<queue>` | evaluations, score sum, per criterion |

Evaluations and roll-ups per agent are the agent's personal data: every item carries
a TTL (QA_RETENTION_DAYS for evaluations and roll-ups, a few weeks for candidates).
The `by_agent` index is sparse (only evaluations have `evaluated_agent`): an agent's
evaluations, newest first, without a Scan.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.db import BaseModel, table_meta


class ByAgent(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_agent"
        projection = AllProjection()

    evaluated_agent = UnicodeAttribute(hash_key=True)
    evaluated_at = UnicodeAttribute(range_key=True)


class QualityModel(BaseModel):
    Meta = table_meta("quality_table")

    key = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    evaluated_agent = UnicodeAttribute(null=True)
    evaluated_at = UnicodeAttribute(null=True)
    by_agent = ByAgent()
    expires_at = TTLAttribute(null=True)
