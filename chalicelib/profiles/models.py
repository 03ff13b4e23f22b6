"""Customer profiles and the identities that resolve to them."""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.db import BaseModel, table_meta


class CustomerModel(BaseModel):
    """One customer. Derived fields (last contact, open case, recent contacts, last
    survey) are maintained by the timeline and survey capabilities so that a contact
    flow reads everything it routes on in one GetItem."""

    Meta = table_meta("customers_table")

    customer_id = UnicodeAttribute(hash_key=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    preferred_language = UnicodeAttribute()
    time_zone = UnicodeAttribute()
    tier = UnicodeAttribute(default="standard")
    # {channel: {purpose: bool}}: channels email/sms/whatsapp/voice, purposes
    # transactional/surveys/marketing.
    consent = MapAttribute(default=dict)
    # Identity keys this customer owns (phone#..., email#...): erasure and merge find
    # them here without a Scan.
    identities = UnicodeSetAttribute(default=set)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    last_contact_at = UTCDateTimeAttribute(null=True)
    last_channel = UnicodeAttribute(null=True)
    last_agent = UnicodeAttribute(null=True)
    last_reason = UnicodeAttribute(null=True)
    open_case_id = UnicodeAttribute(null=True)
    # ISO timestamps of contacts in the last 30 days, oldest first, trimmed on write.
    recent_contacts = ListAttribute(of=UnicodeAttribute, default=list)
    last_survey_at = UTCDateTimeAttribute(null=True)
    last_survey_scores = MapAttribute(null=True)

    # Set on a profile that was merged into another; reads follow it.
    merged_into = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class IdentityModel(BaseModel):
    """A channel address and the one customer it belongs to. Uniqueness is enforced by
    conditional writes on this key."""

    Meta = table_meta("identities_table")

    identity = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)


class AuditModel(BaseModel):
    """Proof of what was done to profiles (merges, erasures), without personal data:
    ids, kinds and counts only."""

    Meta = table_meta("audit_table")

    audit_id = UnicodeAttribute(hash_key=True)
    action = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    other_id = UnicodeAttribute(null=True)
    identity_kinds = ListAttribute(of=UnicodeAttribute, default=list)
    moved_count = NumberAttribute(default=0)
    at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)


class ContactLinkModel(BaseModel):
    """Which customer a Connect contact belongs to, noted when a flow recognises the
    caller. Contact events carry no customer address, so the timeline resolves them
    through this. Short-lived."""

    Meta = table_meta("contact_links_table")

    contact_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    channel = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
