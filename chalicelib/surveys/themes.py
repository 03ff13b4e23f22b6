"""What detractors wrote, grouped by contact reason, for the monthly review.

Answered surveys of NPS detractors who left a comment are in the sparse
`detractors_by_month` index under their contact's month: one Query per month reads
them (no Scan), newest days last. Comments are customers' free text: phone numbers
and e-mail addresses are masked before anyone reads them here, and they are gone
with the survey when it expires or the customer is erased.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.db import dynamo_errors, is_live

MAX_PER_REASON = 3
MAX_COMMENT = 280
UNASSIGNED = "unassigned"


def _months(first: date, last: date) -> list[str]:
    months, cursor = [], first.replace(day=1)
    while cursor <= last:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def detractor_comments(first: date, last: date, per_reason: int = MAX_PER_REASON) -> dict[str, list[str]]:
    """Up to `per_reason` masked comments per contact reason, newest first, of
    detractors whose contact was from `first` to `last` (local days)."""
    from chalicelib.observability import mask_pii
    from chalicelib.surveys.models import SurveyModel

    found: dict[str, list[str]] = {}
    for month in _months(first, last):
        with dynamo_errors("reading what detractors wrote"):
            items: list[Any] = list(SurveyModel.detractors_by_month.query(
                month, SurveyModel.contact_day.between(first.isoformat(), last.isoformat()),
                scan_index_forward=False))
        for item in items:
            if not is_live(item):
                continue
            comment = next((v for v in (item.answers or {}).values() if isinstance(v, str) and v.strip()), None)
            reason = item.contact_reason or UNASSIGNED
            if comment and len(found.setdefault(reason, [])) < per_reason:
                found[reason].append(mask_pii(" ".join(comment.split()))[:MAX_COMMENT])
    return found
