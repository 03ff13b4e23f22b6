"""Personal data held in cases (what was followed up for the customer, its steps).
Registered in chalicelib.privacy.holders."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.privacy.holders import Subject, delete_if, iso


class CaseHolder:
    name = "cases"
    tables = ("cases_table",)

    def _ids(self, subject: Subject) -> list[str]:
        from chalicelib.cases.models import CaseModel

        with dynamo_errors("reading cases"):
            return [hit.case_id for cid in subject.customer_ids for hit in CaseModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from chalicelib.cases.models import CaseModel

        ids = self._ids(subject)
        with dynamo_errors("reading cases"):
            cases = list(CaseModel.batch_get(ids)) if ids else []
        return [{"caseId": c.case_id, "kind": c.kind, "status": c.status, "reference": c.reference,
                 "details": dict(c.details or {}), "steps": list(c.steps or []), "openedAt": iso(c.opened_at),
                 "closedAt": iso(c.closed_at)}
                for c in sorted(cases, key=lambda c: c.opened_at)
                if is_live(c) and c.customer_id in subject.customer_ids]

    def erase(self, subject: Subject) -> int:
        from chalicelib.cases.models import CaseModel

        with dynamo_errors("erasing cases"):
            return sum(delete_if(CaseModel(case_id), CaseModel.customer_id.is_in(*subject.customer_ids))
                       for case_id in self._ids(subject))


CASES = CaseHolder()
