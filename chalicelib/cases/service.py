"""Opening, advancing and closing cases.

A case and the profile's `open_case_id` change together, in one transaction, so a
contact flow never routes on a case that does not exist; every later change is
conditional on the case's `version`, so two writers never overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.db import cancellation_reasons, connection, dynamo_errors, expiry, utcnow
from chalicelib.errors import Conflict, DependencyFailure
from chalicelib.settings import Settings

OPEN = "open"
CLOSED = "closed"
# At most this many steps are kept on a case (oldest dropped): a case is read whole.
MAX_STEPS = 50


class CaseExists(Conflict):
    """A case with this id is already there (see `existing`)."""

    def __init__(self, existing: Any) -> None:
        super().__init__(f"case {existing.case_id} already exists", code="CASE_EXISTS")
        self.existing = existing


@dataclass(frozen=True)
class NewCase:
    case_id: str
    kind: str
    customer_id: str
    status: str
    reference: str | None = None
    opened_by: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    first_step: str = "opened"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def step(name: str, note: str | None = None, at: datetime | None = None) -> dict[str, str]:
    found = {"at": _iso(at or utcnow()), "step": name}
    if note:
        found["note"] = note[:200]
    return found


class Cases:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def get(self, case_id: str) -> Any:
        """The live case with this id, or None."""
        from chalicelib.cases.models import live_case

        return live_case(case_id)

    def open(self, new: NewCase, now: datetime | None = None) -> Any:
        """Create the case and make it the customer's open case, or raise CaseExists
        (nothing written) when the id is taken by a live case."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        from chalicelib.cases.models import CaseModel
        from chalicelib.profiles.models import CustomerModel

        now = now or utcnow()
        case = CaseModel(
            new.case_id, kind=new.kind, customer_id=new.customer_id, open_customer_id=new.customer_id,
            status=new.status, reference=new.reference, opened_by=new.opened_by, details=dict(new.details),
            steps=[step(new.first_step, at=now)], opened_at=now, updated_at=now, version=1,
            expires_at=expiry(self.settings.case_retention_days, now))
        customer = CustomerModel(new.customer_id)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(case, condition=CaseModel.case_id.does_not_exist() | (CaseModel.expires_at < now))
                tx.update(customer, actions=[CustomerModel.open_case_id.set(new.case_id)],
                          condition=CustomerModel.customer_id.exists() & CustomerModel.merged_into.does_not_exist()
                          & CustomerModel.erasure_started_at.does_not_exist())
        except TransactWriteError as e:
            reasons = cancellation_reasons(e)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                existing = self.get(new.case_id)
                if existing is not None:
                    raise CaseExists(existing) from e
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise Conflict("the customer was merged or erased meanwhile", code="CUSTOMER_CHANGED") from e
            raise DependencyFailure(f"opening a case failed: {e.cause_response_code or 'unavailable'}") from e
        return case

    def update(self, case: Any, *, status: str | None = None, details: dict[str, Any] | None = None,
               note: tuple[str, str | None] | None = None, close: bool = False) -> Any:
        """Change the case (as read, version-checked); returns it updated. `details`
        are merged into the stored ones; `note` is a (step, note) added to the log."""
        from pynamodb.exceptions import UpdateError

        from chalicelib.cases.models import CaseModel

        now = utcnow()
        merged = {**(case.details or {}), **(details or {})}
        steps = list(case.steps or [])
        if note:
            steps = [*steps, step(note[0], note[1], now)][-MAX_STEPS:]
        actions = [CaseModel.details.set(merged), CaseModel.steps.set(steps), CaseModel.updated_at.set(now),
                   CaseModel.version.set(int(case.version) + 1)]
        if status:
            actions.append(CaseModel.status.set(status))
        if close:
            actions += [CaseModel.open_customer_id.remove(), CaseModel.closed_at.set(now)]
        with dynamo_errors("updating a case"):
            try:
                case.update(actions=actions, condition=CaseModel.version == case.version)
            except UpdateError as e:
                if getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException":
                    raise Conflict(f"case {case.case_id} changed meanwhile; read it again", code="CASE_CHANGED") from e
                raise
        if close:
            self._forget_open_case(case.customer_id, case.case_id)
        return case

    def open_cases(self, customer_id: str) -> list[Any]:
        from chalicelib.cases.models import open_cases_of

        return open_cases_of(customer_id)

    @staticmethod
    def _forget_open_case(customer_id: str, case_id: str) -> None:
        """The profile no longer routes on a closed case (unless another is named)."""
        from pynamodb.exceptions import UpdateError

        from chalicelib.profiles.models import CustomerModel

        with dynamo_errors("updating a customer"):
            try:
                CustomerModel(customer_id).update(actions=[CustomerModel.open_case_id.remove()],
                                                  condition=CustomerModel.open_case_id == case_id)
            except UpdateError as e:
                if getattr(e, "cause_response_code", None) != "ConditionalCheckFailedException":
                    raise
