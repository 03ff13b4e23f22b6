"""Customer profiles and the identities that resolve to them."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.db import BaseModel, table_meta


class MergedIntoIndex(GlobalSecondaryIndex):
    """Profiles merged into a given one (sparse: only forwarding stubs have the key),
    so that erasing a customer also finds the stubs that still point at them."""

    class Meta:
        index_name = "merged-into"
        projection = KeysOnlyProjection()

    merged_into = UnicodeAttribute(hash_key=True)


class ContactLinksByCustomer(GlobalSecondaryIndex):
    """A customer's contact links, for export and erasure without a Scan."""

    class Meta:
        index_name = "by-customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)


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
    # Identity keys this customer had and gave up (an address replaced or removed, or
    # one a merged profile had given up): items keyed by address (a suppressed e-mail
    # address, for one) may still hold them, and erasure must reach them too.
    former_identities = UnicodeSetAttribute(null=True)
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
    # When the customer was last invited to a survey: the cooldown between surveys
    # is claimed with a conditional write on it.
    last_survey_invited_at = UTCDateTimeAttribute(null=True)
    # The first-contact-resolution ledger: the customer's recent interactions as the
    # timeline last saw them ({interaction id: facts}, JSON, chalicelib.interactions.ledger),
    # from which the fields above and first-contact resolution are derived.
    # `fcr_ledger_version` orders its writers (conditional writes). Stored under the
    # attribute names "activity" and "activity_version".
    fcr_ledger = JSONAttribute(null=True, attr_name="activity")
    fcr_ledger_version = NumberAttribute(null=True, attr_name="activity_version")
    # When the customer last wrote to us on WhatsApp: free-form replies are allowed
    # for 24 hours after it, approved templates only otherwise.
    whatsapp_last_inbound_at = UTCDateTimeAttribute(null=True)

    # Set on a profile that was merged into another; reads follow it.
    merged_into = UnicodeAttribute(null=True)
    merged_into_index = MergedIntoIndex()
    # Set when an erasure starts: from then on the profile reads as gone (db.is_live)
    # and cannot be changed, merged or linked to new contacts.
    erasure_started_at = UTCDateTimeAttribute(null=True)
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
    """Proof of what was done to profiles (merges, erasures): ids, kinds and counts,
    never an address or a name. An erasure record (`erasure#<hashed id>`) names the
    customer only by a hash of their id and lists what was erased, per holder."""

    Meta = table_meta("audit_table")

    audit_id = UnicodeAttribute(hash_key=True)
    action = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    other_id = UnicodeAttribute(null=True)
    identity_kinds = ListAttribute(of=UnicodeAttribute, default=list)
    moved_count = NumberAttribute(default=0)
    at = UTCDateTimeAttribute()
    # Erasures: "in_progress" until every holder is done, then "done"; items erased
    # per holder ({"identities": 3, ...}); when the last holder finished.
    status = UnicodeAttribute(null=True)
    erased = MapAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class ContactLinkModel(BaseModel):
    """Which customer a Connect contact belongs to, noted when a flow recognises the
    caller. Contact events carry no customer address, so the timeline resolves them
    through this. Short-lived."""

    Meta = table_meta("contact_links_table")

    contact_id = UnicodeAttribute(hash_key=True)
    # None once the customer was erased: the link then says only that this contact was
    # an erased customer's (`erased`), so a late record of it starts nobody again.
    customer_id = UnicodeAttribute(null=True)
    customer_index = ContactLinksByCustomer()
    channel = UnicodeAttribute(null=True)
    erased = BooleanAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
