"""Erasing a customer (GDPR art. 17) across every table, provably and resumably.

An erasure is a record in the audit table keyed by a one-way hash of the customer
id. It is created before anything is deleted, notes each holder as it finishes, and
stays when the work is done, as proof: when it was asked for, when it finished and
how many items each holder erased, with no address, name or id in clear.

- Idempotent: erasing again a customer whose erasure is done answers the same
  record and touches nothing.
- Resumable: if the work stops half way (a timeout, a throttle), asking again skips
  the holders already done and carries on; each holder is itself safe to rerun.
- Immediate: the first write marks the profile, and from then on it reads as gone
  (lookup, API, timeline), so nothing new attaches to it while holders run.

The customer id is a random 128-bit value, so an unkeyed SHA-256 of it cannot be
reversed by guessing, and whoever holds the id (the customer, the data protection
officer) can recompute the hash and find the proof without us keeping the id.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from chalicelib.db import dynamo_errors, expiry, plain, utcnow
from chalicelib.errors import Conflict, NotFound
from chalicelib.observability import get_logger
from chalicelib.privacy.holders import Subject, holders, iso, load_subject
from chalicelib.profiles import schema
from chalicelib.profiles.models import AuditModel, CustomerModel
from chalicelib.settings import get_settings

IN_PROGRESS = "in_progress"
DONE = "done"
ACTION = "erasure"
# API Gateway gives a route 29 s; stop starting new holders after this and answer
# "in progress" so the caller asks again rather than getting a gateway timeout.
ROUTE_BUDGET_S = 20.0


def subject_hash(customer_id: str) -> str:
    return hashlib.sha256(f"customer:{customer_id}".encode()).hexdigest()


def record_key(customer_id: str) -> str:
    return f"{ACTION}#{subject_hash(customer_id)}"


def erase_customer(customer_id: str, *, budget_s: float = ROUTE_BUDGET_S) -> dict[str, Any]:
    """Erase, or carry on erasing, a customer. Returns the erasure record as a
    document; its status is "done" or, when the budget ran out first, "in_progress"
    (ask again to continue). A profile merged into another is refused: erase the
    profile it was merged into, which takes the merged ones with it."""
    started = time.monotonic()
    customer_id = schema.customer_id(customer_id)
    record = _read(customer_id)
    if record is not None and record.status == DONE:
        return document(record)

    subject = load_subject(customer_id)
    if record is None:
        if subject.profile is None:
            raise NotFound(f"no customer {customer_id}")
        if subject.profile.merged_into:
            raise Conflict(f"customer {customer_id} was merged into {subject.profile.merged_into}; erase that one")
        record = _start(customer_id, subject)
    if subject.profile is not None:
        _mark(subject)

    log = get_logger()
    done = plain(record.erased)
    ran = 0
    for holder in holders():
        if holder.name in done:
            continue
        # Always make progress, then stop starting holders once the budget is spent.
        if ran and time.monotonic() - started > budget_s:
            log.info("customer erasure paused", extra={"subject": record.subject_id, "done": sorted(done)})
            return document(record, erased=done)
        done[holder.name] = holder.erase(subject)
        ran += 1
        with dynamo_errors("recording erasure progress"):
            record.update(actions=[AuditModel.erased[holder.name].set(done[holder.name])])

    now = utcnow()
    with dynamo_errors("finishing an erasure"):
        record.update(actions=[AuditModel.status.set(DONE), AuditModel.completed_at.set(now)])
    log.info("customer erased", extra={"subject": record.subject_id, "erased": done})
    return document(record, erased=done)


def find_erasure(customer_id: str) -> dict[str, Any] | None:
    """The erasure record of a customer id, if it was ever erased."""
    record = _read(schema.customer_id(customer_id))
    return document(record) if record is not None else None


def document(record: AuditModel, erased: dict[str, Any] | None = None) -> dict[str, Any]:
    counts = erased if erased is not None else plain(record.erased)
    return {
        "erasureId": record.audit_id,
        "subjectHash": record.subject_id,
        "status": record.status,
        "requestedAt": iso(record.at),
        "completedAt": iso(record.completed_at),
        "addressKinds": list(record.identity_kinds or []),
        "erased": {name: int(count) for name, count in sorted(counts.items())},
    }


def _read(customer_id: str) -> AuditModel | None:
    with dynamo_errors("reading an erasure record"):
        try:
            return AuditModel.get(record_key(customer_id), consistent_read=True)
        except AuditModel.DoesNotExist:
            return None


def _start(customer_id: str, subject: Subject) -> AuditModel:
    from pynamodb.exceptions import PutError

    now = utcnow()
    kinds = sorted({key.partition("#")[0] for key in subject.identity_keys})
    record = AuditModel(
        record_key(customer_id), action=ACTION, subject_id=subject_hash(customer_id), identity_kinds=kinds,
        moved_count=0, at=now, status=IN_PROGRESS, erased={},
        expires_at=expiry(get_settings().erasure_record_retention_days, now),
    )
    try:
        record.save(condition=AuditModel.audit_id.does_not_exist())
    except PutError as e:
        # A concurrent request started the same erasure first: carry on with its record.
        found = _read(customer_id) if e.cause_response_code == "ConditionalCheckFailedException" else None
        if found is not None:
            return found
        with dynamo_errors("starting an erasure"):
            raise
    get_logger().info("customer erasure started", extra={"subject": record.subject_id})
    return record


def _mark(subject: Subject) -> None:
    """From now on the profile reads as gone and refuses changes (updated_at moves,
    so a change or merge read before this fails its condition)."""
    profile = subject.profile
    if profile is None or profile.erasure_started_at is not None:
        return
    from pynamodb.exceptions import UpdateError

    now = utcnow()
    try:
        profile.update(actions=[CustomerModel.erasure_started_at.set(now), CustomerModel.updated_at.set(now)],
                       condition=CustomerModel.customer_id.exists())
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return  # already deleted by an earlier run
        with dynamo_errors("marking a profile for erasure"):
            raise
