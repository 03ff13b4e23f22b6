"""What a customer's open cases say about why they contact us now, for
predict_reason (registered in chalicelib/wiring.py): a return weighs most (its
pickup or refund is what people call about), a desk case by the reason it was opened
for, any other case by its kind's reason, `complaint` otherwise. One indexed query;
`because` and `reference` name ids and ages only."""

from __future__ import annotations

from datetime import datetime

from chalicelib.reasons.catalogue import load as catalogue
from chalicelib.reasons.predict import OPEN_CASE_WEIGHT, PENDING_RETURN_WEIGHT, Evidence


def _ago(moment: datetime, now: datetime) -> str:
    days = (now - moment).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def open_cases(customer_id: str, now: datetime) -> list[Evidence]:
    # The cases table's own query, not the desk: predict_reason's role reads cases and
    # sends nothing (deploy/hardening.py follows what this imports).
    from chalicelib.cases.models import open_cases_of

    known = catalogue()
    evidence = []
    for case in open_cases_of(customer_id)[:3]:
        # A desk case names its reason; a journey's case is one by its kind (a return).
        by_kind = known.normalise(case.kind)
        reason = known.normalise(case.reason_id) or by_kind or "complaint"
        weight = PENDING_RETURN_WEIGHT if by_kind == "return" else OPEN_CASE_WEIGHT
        evidence.append(Evidence(reason, weight, f"open {case.kind} {case.case_id}, {_ago(case.opened_at, now)}",
                                 case.case_id))
    return evidence
