"""The cases table."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.db import BaseModel, dynamo_errors, is_live, table_meta


class CasesByCustomer(GlobalSecondaryIndex):
    """Every case of a customer, oldest first: export and erasure."""

    class Meta:
        index_name = "by_customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    opened_at = UTCDateTimeAttribute(range_key=True)


class OpenCasesByCustomer(GlobalSecondaryIndex):
    """A customer's open cases (sparse: `open_customer_id` is set only while open)."""

    class Meta:
        index_name = "open_by_customer"
        projection = AllProjection()

    open_customer_id = UnicodeAttribute(hash_key=True)
    opened_at = UTCDateTimeAttribute(range_key=True)


class CasesByQueue(GlobalSecondaryIndex):
    """A queue's worklist, oldest first (sparse: `worklist_queue` is set only on a case
    of the contact center's desk until it is closed)."""

    class Meta:
        index_name = "by_queue"
        projection = AllProjection()

    worklist_queue = UnicodeAttribute(hash_key=True)
    opened_at = UTCDateTimeAttribute(range_key=True)


class CaseModel(BaseModel):
    """One case. `kind` says what it is (return); `reference` what it is about (the
    order number); `details` the kind's own facts (carrier, AWB, label link, pickup);
    `steps` what happened, oldest first ([{"at", "step", "note"}]). `version` orders
    writers (every update is conditional on it)."""

    Meta = table_meta("cases_table")

    case_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    open_customer_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    reference = UnicodeAttribute(null=True)
    # The Connect contact (or other request) that opened the case: a retried request
    # from the same contact gets the same answer instead of "already returned".
    opened_by = UnicodeAttribute(null=True)
    details = JSONAttribute(default=dict)
    steps = JSONAttribute(default=list)
    opened_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    closed_at = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=1)
    expires_at = TTLAttribute()
    # A desk case (kind "desk"): why the customer contacted us, how urgent, where it
    # waits and its service-level clocks ({target: clock}, see chalicelib.cases.sla).
    reason_id = UnicodeAttribute(null=True)
    priority = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    worklist_queue = UnicodeAttribute(null=True)
    tier = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    resolution_code = UnicodeAttribute(null=True)
    clocks = JSONAttribute(null=True)
    # The case's mirror in Amazon Connect Cases (chalicelib.cases.mirror): its id there,
    # the last event mirrored, and the event whose comment may have gone out unconfirmed.
    connect_case_id = UnicodeAttribute(null=True)
    mirrored = NumberAttribute(null=True)
    mirror_pending = NumberAttribute(null=True)

    by_customer = CasesByCustomer()
    open_by_customer = OpenCasesByCustomer()
    by_queue = CasesByQueue()


class CaseEventModel(BaseModel):
    """One change of a desk case, never rewritten: `event_key` is "<case id>#<n>" where n
    is the case's version the change produced, written only if absent, in the same
    transaction as the case's update conditional on the version before. Two agents who
    act on the same version: one succeeds, the other is told to read again. Kept in the
    cases table (the key cannot collide with a case id, which has no '#')."""

    Meta = table_meta("cases_table")

    event_key = UnicodeAttribute(hash_key=True, attr_name="case_id")
    case = UnicodeAttribute(attr_name="event_of")
    at = UTCDateTimeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    facts = JSONAttribute(default=dict)
    expires_at = TTLAttribute()


def open_cases_of(customer_id: str) -> list[CaseModel]:
    """A customer's open cases, newest first (the 20 newest), expired ones left out:
    one query of the open-case index, and nothing else loaded (predict_reason reads
    it on the contact-flow path)."""
    with dynamo_errors("reading open cases"):
        found = list(CaseModel.open_by_customer.query(customer_id, scan_index_forward=False, limit=20))
    return [c for c in found if is_live(c)]


def live_case(case_id: str) -> CaseModel | None:
    """The live case with this id, or None: one consistent read, and nothing else
    loaded (return_status reads it on the contact-flow path)."""
    with dynamo_errors("reading a case"):
        try:
            case = CaseModel.get(case_id, consistent_read=True)
        except CaseModel.DoesNotExist:
            return None
    return case if is_live(case) else None
