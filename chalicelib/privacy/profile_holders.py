"""Personal data held by the profiles capability: identities, contact links, merge
records and the profile itself (registered in chalicelib.privacy.holders). They live
here, not in profiles/, because privacy builds on profiles: a profile never needs
to know how it is exported or erased."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, expiry, is_live, utcnow
from chalicelib.privacy.holders import Subject, delete_if, iso, jsonable
from chalicelib.profiles.models import AuditModel, ContactLinkModel, CustomerModel, IdentityModel
from chalicelib.profiles.views import profile_document
from chalicelib.settings import get_settings

_API_KIND = {"phone": "phone", "email": "email", "wa": "whatsapp", "chat": "chatId"}


class Identities:
    """Channel addresses (phone, e-mail, WhatsApp, chat id) that resolve to the customer."""

    name = "identities"
    tables = ("identities_table",)

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        keys = subject.identity_keys
        with dynamo_errors("reading identities"):
            items = list(IdentityModel.batch_get(keys)) if keys else []
        owned = [i for i in items if is_live(i) and i.customer_id in subject.customer_ids]
        return [{"kind": _API_KIND.get(i.kind, i.kind), "value": i.identity.partition("#")[2],
                 "since": iso(i.created_at)} for i in sorted(owned, key=lambda i: i.identity)]

    def erase(self, subject: Subject) -> int:
        erased = 0
        with dynamo_errors("erasing identities"):
            for key in subject.identity_keys:
                # Only while it is still ours: an expired address may have been
                # claimed by someone else since.
                erased += delete_if(IdentityModel(key), IdentityModel.customer_id.is_in(*subject.customer_ids))
        return erased


class ContactLinks:
    """Which Connect contacts belong to the customer (ids and channel only)."""

    name = "contactLinks"
    tables = ("contact_links_table",)

    def _contact_ids(self, subject: Subject) -> list[str]:
        return [link.contact_id for cid in subject.customer_ids
                for link in ContactLinkModel.customer_index.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        with dynamo_errors("reading contact links"):
            contact_ids = self._contact_ids(subject)
            links = list(ContactLinkModel.batch_get(contact_ids)) if contact_ids else []
        return [{"contactId": link.contact_id, "channel": link.channel, "at": iso(link.created_at)}
                for link in sorted(links, key=lambda link: link.created_at)
                if is_live(link) and link.customer_id in subject.customer_ids]

    def erase(self, subject: Subject) -> int:
        """Each link becomes a mark with the contact id only, kept while the contact's
        late records may come (IDEMPOTENCY_RETENTION_DAYS): a record that names nobody
        must not fall through to the caller's address and start the customer again."""
        from pynamodb.exceptions import PutError

        erased = 0
        keep_until = expiry(get_settings().idempotency_retention_days)
        with dynamo_errors("erasing contact links"):
            for contact_id in self._contact_ids(subject):
                mark = ContactLinkModel(contact_id, erased=True, created_at=utcnow(), expires_at=keep_until)
                try:
                    mark.save(condition=ContactLinkModel.customer_id.is_in(*subject.customer_ids))
                except PutError as e:
                    if e.cause_response_code != "ConditionalCheckFailedException":
                        raise
                    continue  # already marked, or no longer theirs
                erased += 1
        return erased


class MergeRecords:
    """Audit records of profiles merged into the customer's. They hold ids, kinds of
    address and counts, no address or name, but the ids are pseudonyms of this
    person (Connect keeps them in contact attributes for two years), so they are
    personal data and go with the customer. Erasure records are not theirs: those
    name the customer only by a one-way hash."""

    name = "mergeRecords"
    tables = ("audit_table",)

    def _records(self, subject: Subject) -> list[AuditModel]:
        keys = [f"merge#{merged_id}" for merged_id in subject.merged_ids]
        with dynamo_errors("reading merge records"):
            return list(AuditModel.batch_get(keys)) if keys else []

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        return [{"at": iso(r.at), "mergedCustomerId": r.other_id, "into": r.subject_id,
                 "addressKinds": list(r.identity_kinds or []), "addressesMoved": int(r.moved_count or 0)}
                for r in sorted(self._records(subject), key=lambda r: r.at) if is_live(r)]

    def erase(self, subject: Subject) -> int:
        erased = 0
        with dynamo_errors("erasing merge records"):
            for merged_id in subject.merged_ids:
                erased += delete_if(AuditModel(f"merge#{merged_id}"), AuditModel.action == "merge")
        return erased


class Profile:
    """The profile (name, language, tier, consent, derived contact facts) and the
    forwarding stubs of profiles merged into it."""

    name = "profile"
    tables = ("customers_table",)

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        if subject.profile is None or not is_live(subject.profile):
            return []
        document = profile_document(subject.profile)
        document["mergedCustomerIds"] = list(subject.merged_ids)
        # Addresses the customer gave up, still known because items may be keyed by them.
        document["formerAddresses"] = [{"kind": _API_KIND.get(k.partition("#")[0], k.partition("#")[0]),
                                        "value": k.partition("#")[2]}
                                       for k in sorted(subject.profile.former_identities or ())]
        document["expiresAt"] = iso(subject.profile.expires_at)
        return [jsonable(document)]

    def erase(self, subject: Subject) -> int:
        erased = 0
        with dynamo_errors("erasing a profile"):
            # Stubs first: they are how an interrupted erasure finds them again.
            for merged_id in reversed(subject.merged_ids):
                erased += delete_if(CustomerModel(merged_id), CustomerModel.merged_into.exists())
            # Only a profile whose erasure was declared is deleted.
            erased += delete_if(CustomerModel(subject.customer_id), CustomerModel.erasure_started_at.exists())
        return erased


IDENTITIES = Identities()
CONTACT_LINKS = ContactLinks()
MERGE_RECORDS = MergeRecords()
PROFILE = Profile()
