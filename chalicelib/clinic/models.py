"""The appointments table."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.db import BaseModel, dynamo_errors, is_live, table_meta, utcnow


class AppointmentsByCustomer(GlobalSecondaryIndex):
    """A patient's appointments by time: the next one, export and erasure."""

    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    starts_at = UTCDateTimeAttribute(range_key=True)


class AppointmentModel(BaseModel):
    """One appointment, keyed by the clinic system's own id.

    status: booked, confirmed, reschedule_requested, cancelled, attended, no_show.
    `fingerprint` is the booking request as first received (a repeated request is
    answered, a different one under the same id refused); `steps` what happened
    ([{"at", "step", "note"}]); `applied` what it adds to the KPI counters (see
    chalicelib/metrics); `version` orders writers."""

    Meta = table_meta("appointments_table")

    appointment_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    by_customer = AppointmentsByCustomer()
    starts_at = UTCDateTimeAttribute()
    duration_minutes = NumberAttribute()
    service = UnicodeAttribute()
    practitioner = UnicodeAttribute(null=True)
    location = UnicodeAttribute()
    address = UnicodeAttribute()
    instructions = ListAttribute(of=UnicodeAttribute, null=True)
    arrive_minutes_early = NumberAttribute(null=True)
    status = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    steps = JSONAttribute(default=list)
    applied = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute(default=1)
    expires_at = TTLAttribute()


def next_appointment_of(customer_id: str, now: datetime | None = None) -> AppointmentModel | None:
    """The customer's next appointment that is still on: one query of the by-customer
    index, and nothing else loaded (predict_reason reads it on the contact-flow path)."""
    from chalicelib.clinic.statuses import UPCOMING

    now = now or utcnow()
    with dynamo_errors("reading appointments"):
        for item in AppointmentModel.by_customer.query(customer_id, AppointmentModel.starts_at >= now, limit=20):
            if is_live(item) and item.status in UPCOMING:
                return item
    return None
