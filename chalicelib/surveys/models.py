"""The surveys table: one item per customer contact that was considered for a survey.

The key is the id of the Connect contact that started the interaction (its
InitialContactId), so a contact gets at most one survey however often its events
and records arrive, and whether it was answered in the call or on the web: every
first write is conditional on the key being free. Items hold the customer id, the
answers and a free-text comment, so they carry a retention TTL and the
`by_customer` index lets export and erasure find them without a Scan.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection

from chalicelib.db import BaseModel, table_meta

# What became of the survey of a contact.
SKIPPED = "skipped"  # the policy said no (reason: no_consent, cooldown, not_sampled...)
SCHEDULED = "scheduled"  # quiet hours: an EventBridge Scheduler schedule sends it later
INVITING = "inviting"  # decided; the invitation is being sent
INVITED = "invited"  # the invitation went out; waiting for answers
FAILED = "failed"  # the invitation could not be sent, for good (reason: its error code)
ANSWERED = "answered"
OPEN = (SCHEDULED, INVITING, INVITED)

# Follow-up of a bad score.
FOLLOW_UP_PENDING = "pending"
FOLLOW_UP_DONE = "done"


class SurveysByCustomer(GlobalSecondaryIndex):
    """A customer's surveys, oldest first: export and erasure."""

    class Meta:
        index_name = "by_customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DetractorsByMonth(GlobalSecondaryIndex):
    """Answered surveys of NPS detractors who wrote a comment, by the contact's month
    (sparse: only those have `detractor_month`): the monthly review's detractor
    themes, read per month without a Scan."""

    class Meta:
        index_name = "detractors_by_month"
        projection = IncludeProjection(["contact_reason", "answers", "expires_at"])

    detractor_month = UnicodeAttribute(hash_key=True)
    contact_day = UnicodeAttribute(range_key=True)


class SurveyModel(BaseModel):
    Meta = table_meta("surveys_table")

    survey_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute(null=True)
    by_customer = SurveysByCustomer()
    definition_id = UnicodeAttribute()
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    # How it is answered: email (the web form) or voice (keypad, in the call).
    source = UnicodeAttribute()
    language = UnicodeAttribute(null=True)

    # The contact, as the counters file its answers: its day (in METRICS_TIME_ZONE)
    # and its channel, queue, agent and contact reason.
    channel = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    agent = UnicodeAttribute(null=True)
    contact_reason = UnicodeAttribute(null=True)
    contact_day = UnicodeAttribute()
    contact_ended_at = UTCDateTimeAttribute(null=True)

    created_at = UTCDateTimeAttribute()
    scheduled_for = UTCDateTimeAttribute(null=True)
    invited_at = UTCDateTimeAttribute(null=True)
    link_expires_at = UTCDateTimeAttribute(null=True)
    answered_at = UTCDateTimeAttribute(null=True)
    # The link token that answered it: each link answers once.
    answer_token_id = UnicodeAttribute(null=True)
    # {question id: value}; ratings are whole numbers, comments text.
    answers = JSONAttribute(null=True)
    # {nps|csat|ces: value}
    scores = MapAttribute(null=True)
    # What this survey adds to the KPI counters now (see chalicelib.metrics).
    applied = JSONAttribute(null=True)

    # A bad score is followed up: a Connect task and a supervisor alert.
    follow_up = UnicodeAttribute(null=True)
    follow_up_metric = UnicodeAttribute(null=True)
    task_contact_id = UnicodeAttribute(null=True)

    # "YYYY-MM" of the contact, set only for an NPS detractor who wrote a comment.
    detractor_month = UnicodeAttribute(null=True)
    detractors_by_month = DetractorsByMonth()

    version = NumberAttribute(default=0)
    expires_at = TTLAttribute()
