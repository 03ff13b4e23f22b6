"""The contact center's cases (kind "desk"): opened by an agent or a flow for any
contact reason, worked in tiers, timed by service levels.

Every change is checked whole before anything is written, then written as one
transaction: the case's update conditional on the version the agent read, and an
event item that is put only if absent. Two agents acting on the same version: one
wins, the other gets a conflict and reads again; nothing is overwritten.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from chalicelib.cases import playbooks, policies, sla
from chalicelib.cases.business_time import Pause
from chalicelib.db import cancellation_reasons, connection, dynamo_errors, expiry, is_live, utcnow
from chalicelib.errors import Conflict, DependencyFailure, InvalidInput, NotFound, only_fields
from chalicelib.settings import Settings, get_settings

KIND = "desk"
STATUSES = ("open", "pending_customer", "resolved", "closed")
RESOLUTION_CODES = ("solved", "workaround", "no_fault_found", "duplicate", "customer_withdrew", "not_reproducible")
VISIBILITIES = ("internal", "customer")
ESCALATION_REASONS = ("needs_expertise", "needs_authority", "customer_request", "sla_breach")
MAX_RESULT = 500
FIRST_TIER = "L1"
# The scheduled step that finishes an opening a contact flow deferred.
OPENED_STEP = "case_opened"
MAX_SUBJECT, MAX_NOTE = 200, 4000
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTACT_ID = re.compile(r"[A-Za-z0-9-]{1,128}")
_AGENT = re.compile(r"[A-Za-z0-9._@+-]{1,128}")
# The fields each request body may have (POST /cases: `open`; the rest by Desk method);
# the OpenAPI document describes the same ones.
BODY_FIELDS: dict[str, frozenset[str]] = {
    "open": frozenset({"customerId", "reason", "priority", "subject", "note", "contactId", "agent"}),
    "add_note": frozenset({"text", "visibility", "agent", "version"}),
    "set_status": frozenset({"status", "resolutionCode", "agent", "version", "note"}),
    "record_step": frozenset({"step", "result", "note", "agent", "version"}),
    "escalate": frozenset({"reasonCode", "skip", "note", "agent", "version"}),
    "assign": frozenset({"assignee", "agent", "version"}),
    "set_priority": frozenset({"priority", "agent", "version"}),
}
def require_reason(value: object) -> str:
    """The reason id from the catalogue, or InvalidInput naming the known ones."""
    from chalicelib.reasons.catalogue import load

    ids = load().ids
    if not isinstance(value, str) or value not in ids:
        raise InvalidInput(f"reason must be one of {', '.join(ids)}", code="UNKNOWN_REASON")
    return value


def _text(body: Mapping[str, Any], field: str, limit: int, *, required: bool = True) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be non-empty text")
    if len(value) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters")
    return value.strip()


def _matching(body: Mapping[str, Any], field: str, pattern: re.Pattern[str], *, required: bool = True) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"{field} is missing or malformed")
    return value


def _version(body: Mapping[str, Any]) -> int | None:
    value = body.get("version")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput("version must be the case's version as read (a whole number from 1)")
    return value


@dataclass(frozen=True)
class NewDeskCase:
    customer_id: str
    reason_id: str
    priority: str
    subject: str
    note: str
    contact_id: str | None
    agent: str


def read_new_case(body: Any) -> NewDeskCase:
    """POST /cases body, checked whole; InvalidInput names the first wrong field."""
    body = only_fields(body, BODY_FIELDS["open"])
    customer_id = _matching(body, "customerId", _CUSTOMER_ID)
    reason_id = require_reason(body.get("reason"))
    priority = body.get("priority", "normal")
    if priority not in policies.PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(policies.PRIORITIES)}")
    return NewDeskCase(customer_id=customer_id, reason_id=reason_id, priority=priority,
                       subject=_text(body, "subject", MAX_SUBJECT), note=_text(body, "note", MAX_NOTE),
                       contact_id=_matching(body, "contactId", _CONTACT_ID, required=False),
                       agent=_matching(body, "agent", _AGENT, required=False) or "system")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def clock_to_json(clock: sla.Clock) -> dict[str, Any]:
    return {"target": clock.target, "started": _iso(clock.started),
            "allowedMinutes": clock.allowed / timedelta(minutes=1),
            "pauses": [[_iso(p.start), _iso(p.end)] for p in clock.pauses], "stopped": _iso(clock.stopped)}


def clock_from_json(stored: Mapping[str, Any]) -> sla.Clock:
    return sla.Clock(target=stored["target"], started=_instant(stored["started"]),
                     allowed=timedelta(minutes=stored["allowedMinutes"]),
                     pauses=tuple(Pause(_instant(s), _instant(e)) for s, e in stored.get("pauses", [])),
                     stopped=_instant(stored.get("stopped")))


class Desk:
    def __init__(self, settings: Settings, policy_book: policies.Policies | None = None) -> None:
        self.settings = settings
        self.policies = policy_book or policies.load()

    # ---- reading ----

    def get(self, case_id: str) -> Any:
        from chalicelib.cases.models import CaseModel

        with dynamo_errors("reading a case"):
            try:
                case = CaseModel.get(case_id, consistent_read=True)
            except CaseModel.DoesNotExist:
                case = None
        if case is None or not is_live(case) or case.kind != KIND:
            raise NotFound(f"no case {case_id}", code="CASE_NOT_FOUND")
        return case

    def events(self, case: Any) -> list[Any]:
        from chalicelib.cases.models import CaseEventModel

        keys = [f"{case.case_id}#{n}" for n in range(1, int(case.version) + 1)]
        with dynamo_errors("reading a case's events"):
            found = list(CaseEventModel.batch_get(keys))
        return sorted(found, key=lambda e: int(e.event_key.rsplit("#", 1)[1]))

    def customer_cases(self, customer_id: str) -> list[Any]:
        from chalicelib.cases.models import CaseModel

        with dynamo_errors("reading a customer's cases"):
            keys = [hit.case_id for hit in CaseModel.by_customer.query(customer_id, scan_index_forward=False, limit=50)]
            cases = list(CaseModel.batch_get(keys)) if keys else []
        return sorted((c for c in cases if is_live(c) and c.kind == KIND), key=lambda c: c.opened_at, reverse=True)

    def worklist(self, queue: str, *, tier: str | None = None, status: str | None = None,
                 breaching: bool = False, now: datetime | None = None) -> list[Any]:
        """A queue's open cases from its index (never a Scan), oldest first."""
        from chalicelib.cases.models import CaseModel

        now = now or utcnow()
        condition = None
        if tier:
            condition = CaseModel.tier == tier
        if status:
            condition = (CaseModel.status == status) if condition is None else condition & (CaseModel.status == status)
        with dynamo_errors("reading a worklist"):
            found = [c for c in CaseModel.by_queue.query(queue, filter_condition=condition, limit=200) if is_live(c)]
        if breaching:
            found = [c for c in found if self.sla_state(c, now) in (sla.WARNING, sla.BREACHED)]
        return found

    def hours(self, case: Any):
        return self.policies.for_reason(case.reason_id).hours[case.tier]

    def clocks(self, case: Any) -> dict[str, sla.Clock]:
        return {name: clock_from_json(stored) for name, stored in (case.clocks or {}).items()}

    def sla_state(self, case: Any, now: datetime) -> str:
        hours = self.hours(case)
        return sla.worst([clock.state(hours, now) for clock in self.clocks(case).values()])

    # ---- writing ----

    def open(self, new: NewDeskCase, now: datetime | None = None, *, case_id: str | None = None,
             defer: bool = False) -> Any:
        """Open the case at L1 of its reason. With `case_id` (a flow derives it from the
        contact), a repeat finds the case there and raises CaseExists with it. With
        `defer` (a contact flow, whose caller waits in silence), what follows the
        opening runs a minute later as a scheduled step, not now."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        from chalicelib.cases.models import CaseEventModel, CaseModel
        from chalicelib.profiles.models import CustomerModel

        now = now or utcnow()
        policy = self.policies.for_reason(new.reason_id)
        targets = policy.targets_for(new.priority)
        clocks = {"firstResponse": sla.Clock("firstResponse", now, targets.first_response),
                  "resolution": sla.Clock("resolution", now, targets.resolution)}
        case_id = case_id or "C-" + uuid.uuid4().hex[:12].upper()
        queue = policy.queue(FIRST_TIER)
        expires = expiry(self.settings.case_retention_days, now)
        case = CaseModel(
            case_id, kind=KIND, customer_id=new.customer_id, open_customer_id=new.customer_id, status="open",
            opened_by=new.contact_id, opened_at=now, updated_at=now, version=1, expires_at=expires,
            reason_id=new.reason_id, priority=new.priority, subject=new.subject, queue=queue,
            worklist_queue=queue, tier=FIRST_TIER, clocks={k: clock_to_json(c) for k, c in clocks.items()})
        event = CaseEventModel(f"{case_id}#1", case=case_id, at=now, actor=new.agent, action="opened", facts={
            "reason": new.reason_id, "priority": new.priority, "tier": FIRST_TIER, "queue": queue,
            "contactId": new.contact_id, "note": new.note, "visibility": "internal"}, expires_at=expires)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(case, condition=CaseModel.case_id.does_not_exist())
                tx.save(event, condition=CaseEventModel.event_key.does_not_exist())
                tx.condition_check(CustomerModel, new.customer_id,
                                   condition=CustomerModel.customer_id.exists()
                                   & CustomerModel.merged_into.does_not_exist()
                                   & CustomerModel.erasure_started_at.does_not_exist())
                _count(tx, self._counter_change(case, "opened", {}, {}, clocks, now))
        except TransactWriteError as e:
            # PynamoDB sends condition checks first, then puts: the customer is item 0,
            # the case item 1.
            reasons = cancellation_reasons(e)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise InvalidInput("customerId names no customer (or one merged or being erased)",
                                   code="UNKNOWN_CUSTOMER") from e
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                from chalicelib.cases.service import CaseExists

                raise CaseExists(self.get(case_id)) from e
            raise DependencyFailure(f"opening a case failed: {e.cause_response_code or 'unavailable'}") from e
        if defer:
            self.defer_after_opening(case)
        else:
            self.after_opening(case)
        return case

    def defer_after_opening(self, case: Any) -> None:
        """One scheduler call instead of the schedules, timeline, message and mirror
        that follow an opening: they run as the step `case_opened` (see after_opening)."""
        from chalicelib.schedules import Schedules

        Schedules(self.settings).at(f"case-opened-{case.case_id}", utcnow(),
                                    {"step": OPENED_STEP, "caseId": case.case_id})

    def after_opening(self, case: Any) -> None:
        """What follows the opening: its schedules, the customer's timeline, the
        customer told, the Connect Cases mirror. Each is safe to repeat (named
        schedules, keyed entries, the outbox, the mirror's client token and marks), so
        a repeated open finishes what an interrupted one began."""
        from chalicelib.cases.mirror import mirror_after_change

        self._reschedule(None, case)
        _on_timeline(case, "opened", 1, case.opened_at)
        self._tell_customer(case, "opened", 1)
        mirror_after_change(case.case_id, 1, self.settings)

    def add_note(self, case_id: str, body: Any, now: datetime | None = None) -> Any:
        """A note: internal (colleagues only) or to the customer, which is a response
        and stops the response clock; an internal note never does."""
        body = only_fields(body, BODY_FIELDS["add_note"])
        text = _text(body, "text", MAX_NOTE)
        visibility = body.get("visibility")
        if visibility not in VISIBILITIES:
            raise InvalidInput(f"visibility must be one of {', '.join(VISIBILITIES)}")
        agent = _matching(body, "agent", _AGENT)
        expected = _version(body)
        case = self.get(case_id)
        now = now or utcnow()
        clocks = self.clocks(case)
        if visibility == "customer":
            for name in ("firstResponse", "nextResponse"):
                if name in clocks:
                    clocks[name] = clocks[name].stop(now)
        return self._change(case, expected, now, agent, "note", {"text": text, "visibility": visibility},
                            clocks=clocks)

    def set_status(self, case_id: str, body: Any, now: datetime | None = None) -> Any:
        body = only_fields(body, BODY_FIELDS["set_status"])
        status = body.get("status")
        if status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
        code = body.get("resolutionCode")
        if status in ("resolved", "closed"):
            if code not in RESOLUTION_CODES:
                raise InvalidInput(f"resolutionCode must be one of {', '.join(RESOLUTION_CODES)}")
        elif code is not None:
            raise InvalidInput("resolutionCode is only for resolved or closed")
        agent = _matching(body, "agent", _AGENT)
        note = _text(body, "note", MAX_NOTE, required=False)
        expected = _version(body)
        case = self.get(case_id)
        self._refuse_if_closed(case)
        if status == case.status and code == case.resolution_code and note is None:
            return case  # a repeated request: already so, nothing to record or tell
        now = now or utcnow()
        clocks = self.clocks(case)
        if status == "pending_customer":
            clocks = {name: clock.pause(now) for name, clock in clocks.items()}
        elif case.status == "pending_customer":
            clocks = {name: clock.resume(now) for name, clock in clocks.items()}
        if status in ("resolved", "closed"):
            clocks = {name: clock.stop(now) for name, clock in clocks.items()}
        facts = {"from": case.status, "to": status, "resolutionCode": code, "note": note}
        return self._change(case, expected, now, agent, "status", facts, clocks=clocks, status=status,
                            resolution_code=code, close=status == "closed")

    def record_step(self, case_id: str, body: Any, now: datetime | None = None) -> Any:
        """A playbook step of the case's tier done: who, when, what came of it, a note."""
        body = only_fields(body, BODY_FIELDS["record_step"])
        step_id = body.get("step")
        result = _text(body, "result", MAX_RESULT)
        note = _text(body, "note", MAX_NOTE, required=False)
        agent = _matching(body, "agent", _AGENT)
        expected = _version(body)
        case = self.get(case_id)
        playbook = playbooks.for_reason(case.reason_id)
        if not isinstance(step_id, str) or playbook.step(case.tier, step_id) is None:
            known = ", ".join(s.step_id for s in playbook.steps(case.tier))
            raise InvalidInput(f"step must be one of this tier's ({case.tier}) steps: {known}")
        self._refuse_if_closed(case)
        return self._change(case, expected, now or utcnow(), agent, "step",
                            {"tier": case.tier, "step": step_id, "result": result, "note": note},
                            clocks=self.clocks(case))

    def escalate(self, case_id: str, body: Any, now: datetime | None = None, connect: Any = None) -> Any:
        """Move the case to the next tier, with a Connect task in that tier's queue.
        Refused, naming them, while a mandatory step of the current tier is neither
        done nor skipped with a reason."""
        body = only_fields(body, BODY_FIELDS["escalate"])
        code = body.get("reasonCode")
        if code not in ESCALATION_REASONS:
            raise InvalidInput(f"reasonCode must be one of {', '.join(ESCALATION_REASONS)}")
        skip = body.get("skip", {})
        if not isinstance(skip, Mapping) or not all(isinstance(v, str) and v.strip() and len(v) <= MAX_RESULT
                                                    for v in skip.values()):
            raise InvalidInput("skip must map a step id to the reason it was not done")
        note = _text(body, "note", MAX_NOTE, required=False)
        agent = _matching(body, "agent", _AGENT)
        expected = _version(body)
        case = self.get(case_id)
        return self._escalate(case, agent, code, dict(skip), note, expected, now or utcnow(), connect)

    def _escalate(self, case: Any, agent: str, code: str, skip: dict[str, str], note: str | None,
                  expected: int | None, now: datetime, connect: Any, *, skip_missing: str | None = None,
                  extra: dict[str, Any] | None = None) -> Any:
        from chalicelib.connect.client import ConnectClient

        self._refuse_if_closed(case)
        policy = self.policies.for_reason(case.reason_id)
        target = policy.next_tier(case.tier)
        if target is None:
            raise Conflict(f"case {case.case_id} is at {case.tier}, the last tier", code="LAST_TIER")
        playbook = playbooks.for_reason(case.reason_id)
        mandatory = playbook.mandatory(case.tier)
        unknown = sorted(set(skip) - set(mandatory))
        if unknown:
            raise InvalidInput(f"skip names steps that are not mandatory at {case.tier}: {', '.join(unknown)}")
        done = {e.facts.get("step") for e in self.events(case)
                if e.action == "step" and e.facts.get("tier") == case.tier}
        if skip_missing:
            skip = {**{step: skip_missing for step in mandatory if step not in done}, **skip}
        missing = [step for step in mandatory if step not in done and step not in skip]
        if missing:
            raise InvalidInput(f"escalating from {case.tier} needs these steps done or skipped with a reason: "
                               f"{', '.join(missing)}", code="MANDATORY_STEPS_MISSING")
        queue = policy.queue(target)
        # One task per escalation: tiers only go up, so (case, tier) names it, and a
        # retried or concurrent escalation gets Connect's same task back.
        task_id = (connect or ConnectClient(self.settings)).start_task(
            name=f"Case {case.case_id}: {case.reason_id}, escalated to {target}",
            description=note or f"Escalated from {case.tier} ({code}). Read the case's steps before calling.",
            attributes={"caseId": case.case_id, "customerId": case.customer_id, "reason": case.reason_id,
                        "tier": target, "queue": queue, "priority": case.priority},
            references={"caseId": case.case_id, "customerId": case.customer_id, "fromTier": case.tier},
            client_token=f"case-{case.case_id}-{target}")
        facts = {"fromTier": case.tier, "toTier": target, "queue": queue, "reasonCode": code,
                 "skipped": skip or None, "note": note, "taskId": task_id, **(extra or {})}
        return self._change(case, expected, now, agent, "escalated", facts, clocks=self.clocks(case),
                            tier=target, queue=queue)

    @staticmethod
    def _refuse_if_closed(case: Any) -> None:
        if case.status == "closed":
            raise Conflict(f"case {case.case_id} is closed", code="CASE_CLOSED")

    def assign(self, case_id: str, body: Any, now: datetime | None = None) -> Any:
        """Give the case to an agent (`assignee`), or back to its tier's queue (null)."""
        body = only_fields(body, BODY_FIELDS["assign"])
        if "assignee" not in body:
            raise InvalidInput("assignee must name an agent, or be null to give the case back to its queue")
        assignee = _matching(body, "assignee", _AGENT, required=False)
        agent = _matching(body, "agent", _AGENT)
        expected = _version(body)
        case = self.get(case_id)
        self._refuse_if_closed(case)
        return self._change(case, expected, now or utcnow(), agent, "assigned",
                            {"from": case.assignee, "to": assignee, "queue": case.queue},
                            clocks=self.clocks(case), assignee=assignee or "")

    def set_priority(self, case_id: str, body: Any, now: datetime | None = None) -> Any:
        """A new priority: every clock counts against the new targets from when it
        started, so its warning and breach schedules move."""
        body = only_fields(body, BODY_FIELDS["set_priority"])
        priority = body.get("priority")
        if priority not in policies.PRIORITIES:
            raise InvalidInput(f"priority must be one of {', '.join(policies.PRIORITIES)}")
        agent = _matching(body, "agent", _AGENT)
        expected = _version(body)
        case = self.get(case_id)
        self._refuse_if_closed(case)
        targets = self.policies.for_reason(case.reason_id).targets_for(priority)
        allowed = {"firstResponse": targets.first_response, "nextResponse": targets.next_response,
                   "resolution": targets.resolution}
        clocks = {name: clock.with_allowed(allowed[name]) for name, clock in self.clocks(case).items()}
        return self._change(case, expected, now or utcnow(), agent, "priority",
                            {"from": case.priority, "to": priority}, clocks=clocks, priority=priority)

    def customer_replied(self, case_id: str, now: datetime | None = None, *, via: str | None = None) -> Any:
        """The customer wrote (`via`: the contact or message that says so): a waiting
        case reopens and its clocks run again; once they have had a first reply, their
        next reply is timed from the first message still unanswered (a second message
        before the answer does not restart it). Once per `via`; a closed or resolved
        case is left as it is."""
        case = self.get(case_id)
        if case.status not in ("open", "pending_customer"):
            return case
        if via and any(e.action == "customer_replied" and (e.facts or {}).get("via") == via
                       for e in self.events(case)):
            return case
        now = now or utcnow()
        clocks = {name: clock.resume(now) for name, clock in self.clocks(case).items()}
        first, following = clocks.get("firstResponse"), clocks.get("nextResponse")
        if first is not None and first.stopped is not None and (following is None or following.stopped is not None):
            allowed = self.policies.for_reason(case.reason_id).targets_for(case.priority).next_response
            clocks["nextResponse"] = sla.Clock("nextResponse", now, allowed)
        status = "open" if case.status == "pending_customer" else None
        return self._change(case, None, now, "customer", "customer_replied", {"via": via}, clocks=clocks,
                            status=status)

    def _change(self, case: Any, expected: int | None, now: datetime, actor: str, action: str,
                facts: dict[str, Any], *, clocks: dict[str, sla.Clock], status: str | None = None,
                resolution_code: str | None = None, close: bool = False, tier: str | None = None,
                queue: str | None = None, assignee: str | None = None, priority: str | None = None) -> Any:
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        from chalicelib.cases.models import CaseEventModel, CaseModel

        read = int(case.version)
        if expected is not None and expected != read:
            raise Conflict(f"case {case.case_id} is at version {read}, not {expected}; read it again",
                           code="CASE_CHANGED")
        actions = [CaseModel.version.set(read + 1), CaseModel.updated_at.set(now),
                   CaseModel.clocks.set({k: clock_to_json(c) for k, c in clocks.items()})]
        if status:
            actions.append(CaseModel.status.set(status))
        if resolution_code:
            actions.append(CaseModel.resolution_code.set(resolution_code))
        if priority:
            actions.append(CaseModel.priority.set(priority))
        if assignee:
            actions.append(CaseModel.assignee.set(assignee))
        elif assignee == "":
            actions.append(CaseModel.assignee.remove())
        if tier and queue:
            actions += [CaseModel.tier.set(tier), CaseModel.queue.set(queue), CaseModel.worklist_queue.set(queue),
                        CaseModel.assignee.remove()]
        if close:
            actions += [CaseModel.open_customer_id.remove(), CaseModel.worklist_queue.remove(),
                        CaseModel.closed_at.set(now)]
        event = CaseEventModel(f"{case.case_id}#{read + 1}", case=case.case_id, at=now, actor=actor, action=action,
                               facts={k: v for k, v in facts.items() if v is not None}, expires_at=case.expires_at)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(case, actions=actions, condition=CaseModel.version == read)
                tx.save(event, condition=CaseEventModel.event_key.does_not_exist())
                _count(tx, self._counter_change(case, action, facts, self.clocks(case), clocks, now))
        except TransactWriteError as e:
            if "ConditionalCheckFailed" in cancellation_reasons(e):
                raise Conflict(f"case {case.case_id} changed meanwhile; read it again", code="CASE_CHANGED") from e
            raise DependencyFailure(f"changing a case failed: {e.cause_response_code or 'unavailable'}") from e
        changed = self.get(case.case_id)
        self._reschedule(case, changed)
        if action in ("escalated", "status", "sla_breached") or facts.get("visibility") == "customer":
            _on_timeline(changed, "replied" if action == "note" else action, read + 1, now)
        if action == "escalated" or (action == "status" and status in ("pending_customer", "resolved")):
            self._tell_customer(changed, "escalated" if action == "escalated" else status, read + 1)
        from chalicelib.cases.mirror import mirror_after_change

        mirror_after_change(changed.case_id, read + 1, self.settings)
        return changed

    def _counter_change(self, case: Any, action: str, facts: Mapping[str, Any], before: Mapping[str, sla.Clock],
                        after: Mapping[str, sla.Clock], now: datetime) -> Any | None:
        """What this change adds to the KPI counters (chalicelib.cases.kpis), as the
        journal item the transaction writes (none when nothing)."""
        from chalicelib.cases import kpis
        from chalicelib.metrics import journal

        change = kpis.contribution(case, action, facts, self.hours(case), before, after, now,
                                   self.settings.metrics_time_zone)
        return journal.model_item(self.settings, kpi=change)

    def _tell_customer(self, case: Any, change: str, event_number: int) -> None:
        """The customer hears, once per change (the outbox's key names the event), in
        their language. A message that cannot go out now does not undo the change: the
        outbox records why, and the case's events say what happened."""
        from chalicelib.notify.service import notifier
        from chalicelib.observability import get_logger

        reference = f"case:{case.case_id}:{event_number}"
        if change == "opened":
            message, variables = "case_opened", {"case_number": case.case_id, "title": case.subject,
                                                 "opened_at": _iso(case.opened_at)}
        else:
            status = {"escalated": "in_progress", "pending_customer": "waiting_for_customer"}.get(change, change)
            message, variables = "case_updated", {
                "case_number": case.case_id, "title": case.subject, "status": status,
                "update": _update_text(change, self._language(case.customer_id)), "updated_at": _iso(case.updated_at)}
        try:
            notifier(self.settings).send_to_customer(case.customer_id, message, variables, reference)
        except DependencyFailure as e:
            get_logger().warning("case message not sent", extra={"caseId": case.case_id, "error": e.code})

    def _language(self, customer_id: str) -> str:
        """The customer's language (of the profile a merge kept); English for nobody."""
        from chalicelib.profiles.service import Profiles

        customer = Profiles(self.settings).find(customer_id)
        language = (customer.preferred_language if customer is not None else None) or "en"
        return language[:2].lower()

    def _reschedule(self, before: Any, after: Any) -> None:
        """Tell the scheduler which warning and breach schedules moved (a retry of the
        same change creates and cancels the same names: nothing twice)."""
        from chalicelib import events
        from chalicelib.cases import sla_steps

        planned_before = sla_steps.plan(self, before) if before is not None else []
        planned_after = sla_steps.plan(self, after) if after.status != "closed" else []
        moved = sla_steps.changes(planned_before, planned_after)
        if moved["cancel"] or moved["create"]:
            events.announce(events.CASE_CLOCKS_CHANGED, moved)


def finish_opening(step: Mapping[str, Any]) -> dict[str, Any]:
    """The `case_opened` step: what follows an opening deferred by a contact flow."""
    case_id = step.get("caseId")
    if not isinstance(case_id, str):
        raise InvalidInput(f"{OPENED_STEP} needs caseId")
    desk = Desk(get_settings())
    try:
        case = desk.get(case_id)
    except NotFound:
        return {"skipped": "case gone"}
    desk.after_opening(case)
    return {"finished": case_id}


def _count(tx: Any, change: Any | None) -> None:
    """Add the counters' journal item to a PynamoDB transaction: the counters change
    with the case's event item, which is written once, or not at all."""
    if change is not None:
        tx.save(change, condition=type(change).change_id.does_not_exist())


def _on_timeline(case: Any, action: str, event_number: int, at: datetime) -> None:
    """The case's change beside the customer's contacts and messages (ids and states
    only: notes stay on the case)."""
    from chalicelib.interactions import activity

    activity.note_quietly(case.customer_id, channel="API", kind=f"case_{action}",
                          reference=f"{case.case_id}#{event_number}", at=at,
                          detail={"caseId": case.case_id, "reason": case.reason_id, "tier": case.tier,
                                  "status": case.status})


@cache
def _updates() -> dict[str, dict[str, str]]:
    import json
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parent / "customer_updates.json").read_text(encoding="utf-8"))


def _update_text(change: str, language: str) -> str:
    texts = _updates()[change]
    return texts.get(language) or texts["en"]


def document(desk: Desk, case: Any, now: datetime | None = None, *, with_events: bool = True,
             language: str = "en") -> dict[str, Any]:
    """A case as an agent's tool shows it: its facts, each clock's deadline and state,
    and (when asked) its events, oldest first."""
    now = now or utcnow()
    hours = desk.hours(case)
    clocks = {}
    for name, clock in desk.clocks(case).items():
        deadline = clock.deadline(hours)
        clocks[name] = {"state": clock.state(hours, now), "dueAt": _iso(deadline.breach_at) if deadline else None,
                        "warningAt": _iso(deadline.warning_at) if deadline else None}
    found = {"caseId": case.case_id, "customerId": case.customer_id, "reason": case.reason_id,
             "priority": case.priority, "subject": case.subject, "status": case.status, "tier": case.tier,
             "queue": case.queue, "assignee": case.assignee, "resolutionCode": case.resolution_code,
             "openedAt": _iso(case.opened_at), "updatedAt": _iso(case.updated_at), "version": int(case.version),
             "sla": clocks}
    if with_events:
        events = desk.events(case)
        found["events"] = [{"at": _iso(e.at), "actor": e.actor, "action": e.action, **dict(e.facts or {})}
                           for e in events]
        done = {e.facts.get("step"): e for e in events if e.action == "step" and e.facts.get("tier") == case.tier}
        found["playbook"] = [
            {**step.to_document(language),
             "done": {"at": _iso(done[step.step_id].at), "by": done[step.step_id].actor,
                      "result": done[step.step_id].facts.get("result")} if step.step_id in done else None}
            for step in playbooks.for_reason(case.reason_id).steps(case.tier)]
    return found
