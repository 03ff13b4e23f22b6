"""Service-level warnings and breaches when their time comes.

`plan(case)` says which one-time schedules a case needs now: a warning and a breach
per running clock, named by case, target, kind and instant, so a deadline that
moves (a pause, a new priority) gets a new name and the old one is cancelled; an
unchanged one keeps its name and is left alone. After every change the desk
announces CASE_CLOCKS_CHANGED with the schedules to cancel and to create.

`sla_due` is the step those schedules run (scheduled_step): it reads the case again
and acts only if the clock still falls due at that instant and nothing was
recorded for it, so a redelivered or stale schedule changes nothing. A breach moves
the case per its policy: escalated to the next tier (with a task), or its tier's
supervisor alerted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.cases import sla
from chalicelib.db import utcnow
from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.settings import get_settings

STEP = "case_sla"
KINDS = ("warning", "breach")
# A schedule may fire a little early (whole seconds, clock skew): this much is on time.
_EARLY = timedelta(seconds=5)


@dataclass(frozen=True)
class Planned:
    name: str
    at: datetime
    step: dict[str, Any]


def plan(desk: Any, case: Any) -> list[Planned]:
    """The schedules the case's running clocks need (none while paused or met)."""
    hours = desk.hours(case)
    planned = []
    for target, clock in desk.clocks(case).items():
        deadline = clock.deadline(hours)
        if deadline is None:
            continue
        for kind, at in (("warning", deadline.warning_at), ("breach", deadline.breach_at)):
            planned.append(Planned(sla.schedule_name(case.case_id, target, kind, at), at, {
                "step": STEP, "caseId": case.case_id, "target": target, "kind": kind, "dueAt": _iso(at)}))
    return planned


def changes(before: list[Planned], after: list[Planned]) -> dict[str, Any]:
    """The CASE_CLOCKS_CHANGED payload: names to cancel, schedules to create."""
    kept = {p.name for p in after}
    old = {p.name for p in before}
    return {"cancel": sorted(old - kept), "create": [p for p in after if p.name not in old]}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sla_due(step: Mapping[str, Any], *, desk: Any = None, now: datetime | None = None,
            connect: Any = None) -> dict[str, Any]:
    from chalicelib.cases.desk import Desk

    case_id, target, kind = step.get("caseId"), step.get("target"), step.get("kind")
    if not isinstance(case_id, str) or not isinstance(target, str) or kind not in KINDS:
        raise InvalidInput(f"{STEP} needs caseId, target and kind ({', '.join(KINDS)})")
    desk = desk or Desk(get_settings())
    for _ in range(3):
        try:
            return _fire(desk, case_id, target, kind, now or utcnow(), connect)
        except Conflict as e:
            if e.code != "CASE_CHANGED":
                return {"skipped": e.code}
            # Someone changed the case meanwhile: read it again and decide again.
    raise Conflict(f"case {case_id} kept changing", code="CASE_CHANGED")


def _fire(desk: Any, case_id: str, target: str, kind: str, now: datetime, connect: Any) -> dict[str, Any]:
    try:
        case = desk.get(case_id)
    except NotFound:
        return {"skipped": "case gone"}
    clock = desk.clocks(case).get(target)
    deadline = clock.deadline(desk.hours(case)) if clock else None
    if case.status == "closed" or deadline is None:
        return {"skipped": "clock not running"}
    due = deadline.warning_at if kind == "warning" else deadline.breach_at
    if now + _EARLY < due:
        return {"skipped": "deadline moved"}
    mark = {"target": target, "kind": kind, "dueAt": _iso(due)}
    recorded = [e for e in desk.events(case) if dict(e.facts or {}).get("sla") == mark]
    if recorded:
        if kind == "breach" and recorded[0].action == "sla_breached":
            _alert_supervisor(desk, case, mark)  # sent already (the outbox says so), or left unsent by a failed try
        return {"skipped": "already recorded"}
    policy = desk.policies.for_reason(case.reason_id)
    if kind == "breach" and policy.on_breach == "escalate" and policy.next_tier(case.tier):
        moved = desk._escalate(case, "sla", "sla_breach", {}, None, int(case.version), now, connect,
                               skip_missing="service level breached", extra={"sla": mark})
        return {"escalated": moved.tier}
    action = "sla_warning" if kind == "warning" else "sla_breached"
    alerted = f"{case.queue} supervisor" if kind == "breach" else None
    desk._change(case, int(case.version), now, "sla", action, {"sla": mark, "alerted": alerted},
                 clocks=desk.clocks(case))
    if kind == "breach":
        _alert_supervisor(desk, case, mark)
    return {"recorded": action}


def _alert_supervisor(desk: Any, case: Any, mark: Mapping[str, str]) -> None:
    """The supervisors hear of a breach by e-mail (SUPERVISOR_EMAIL, in their
    language), once: the outbox's key names the case, target and instant, so a
    redelivered schedule finds the alert sent. A message that cannot go now does not
    undo the breach recorded on the case."""
    from chalicelib.errors import DependencyFailure
    from chalicelib.notify.service import notifier
    from chalicelib.observability import get_logger

    variables = {"alert": "sla_breach", "customer_id": case.customer_id, "case_number": case.case_id,
                 "due_at": mark["dueAt"], "queue": case.queue}
    if case.opened_by:
        variables["contact_id"] = case.opened_by
    reference = f"case:{case.case_id}:{mark['target']}:breach:{mark['dueAt']}"
    try:
        outcome = notifier(desk.settings).send_to_staff("supervisor_alert", variables, reference)
    except DependencyFailure as e:
        get_logger().warning("case breach alert not sent", extra={"caseId": case.case_id, "error": e.code})
        raise
    if outcome.status == "failed":
        get_logger().error("case breach alert not sent", extra={"caseId": case.case_id,
                                                                "error_code": outcome.error_code})
