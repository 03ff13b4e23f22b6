"""Personal data held in cases (what was followed up for the customer, its steps,
and a desk case's events: notes may quote the customer). Registered in
chalicelib.privacy.holders."""

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
                 "closedAt": iso(c.closed_at), **_desk_export(c)}
                for c in sorted(cases, key=lambda c: c.opened_at)
                if is_live(c) and c.customer_id in subject.customer_ids]

    def erase(self, subject: Subject) -> int:
        from chalicelib.cases.models import CaseModel

        ids = self._ids(subject)
        with dynamo_errors("erasing cases"):
            cases = list(CaseModel.batch_get(ids)) if ids else []
            # A desk case's events first: their keys follow from the case's version,
            # so a rerun after a failure still finds them through the case.
            for case in cases:
                if case.customer_id in subject.customer_ids:
                    _erase_events(case)
                    # Its copy in Amazon Connect Cases goes before the case that names it.
                    if case.connect_case_id:
                        from chalicelib.cases.mirror import erase_copy

                        erase_copy(case.connect_case_id)
            return sum(delete_if(CaseModel(case_id), CaseModel.customer_id.is_in(*subject.customer_ids))
                       for case_id in ids)


def _event_keys(case: Any) -> list[str]:
    return [f"{case.case_id}#{n}" for n in range(1, int(case.version) + 1)] if case.kind == "desk" else []


def _desk_export(case: Any) -> dict[str, Any]:
    from chalicelib.cases.models import CaseEventModel

    keys = _event_keys(case)
    if not keys:
        return {}
    events = sorted(CaseEventModel.batch_get(keys), key=lambda e: int(e.event_key.rsplit("#", 1)[1]))
    return {"reason": case.reason_id, "priority": case.priority, "subject": case.subject,
            "events": [{"at": iso(e.at), "actor": e.actor, "action": e.action, **dict(e.facts or {})}
                       for e in events]}


def _erase_events(case: Any) -> None:
    from chalicelib.cases.models import CaseEventModel

    keys = _event_keys(case)
    if keys:
        with CaseEventModel.batch_write() as batch:
            for key in keys:
                batch.delete(CaseEventModel(key))


CASES = CaseHolder()
