"""Customer profiles: recognise, create, change and merge.

`Profiles.identify` is the one answer to "who is this customer" for every channel
(the contact-flow lookup, the timeline, the journeys, WhatsApp inbound, chat
start); `Profiles.find` the one read of a customer by id. Both follow merges to the
surviving profile and treat an expired or erased profile as nobody.

Uniqueness of channel addresses is enforced by DynamoDB, not by a read-then-write:
a profile and its identities are written in one transaction whose conditions fail
if any address already belongs to someone else. Resolving an address costs one
read of the identity table and one of the customer table, never a Scan.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.db import cancellation_reasons, connection, dynamo_errors, expiry, is_live, plain, utcnow
from chalicelib.errors import Conflict, DependencyFailure, InvalidInput, NotFound
from chalicelib.observability import get_logger
from chalicelib.profiles import schema
from chalicelib.profiles.directory import Directory
from chalicelib.profiles.identity import REGION_DEFAULTS, Identity, region_of
from chalicelib.profiles.models import AuditModel, ContactLinkModel, CustomerModel, IdentityModel
from chalicelib.settings import TIERS

# A transaction holds at most 100 items; a merge moves every identity at once.
MAX_IDENTITIES = 40


def new_customer_id() -> str:
    return uuid.uuid4().hex


class Profiles(Directory):
    """The customer directory over the customers and identities tables: reading
    (`Directory`), creating, changing and merging."""

    def get(self, customer_id: str) -> CustomerModel:
        customer = self.find(schema.customer_id(customer_id))
        if customer is None:
            raise NotFound(f"no customer {customer_id}")
        return customer

    def identify(self, addresses: Sequence[Identity], *, create: bool | Callable[[], bool] = False,
                 consistent: bool = False, meanwhile: Callable[[str], object] | None = None,
                 ) -> CustomerModel | None:
        """`Directory.identify`, and with `create` a profile for addresses nobody owns
        (with the first one); a callable is asked only then (the lookup checks its
        time left). A concurrent contact that created one first wins, and that one
        is returned. An address still held by a profile that expired or is being
        erased is not free for a new profile yet: nothing is created."""
        if not addresses:
            return None
        owner = self.owner_of(addresses)
        if owner:
            if meanwhile is not None:
                meanwhile(owner)
            return self.find(owner, consistent=consistent)
        if not (create() if callable(create) else create):
            return None
        created = self.create_for_contact(list(addresses))
        return (self.find(created.customer_id, consistent=True) or created) if consistent else created

    # ---- creating ------------------------------------------------------------

    def defaults_for(self, identities: Iterable[Identity]) -> tuple[str, str]:
        """Language and time zone for a new profile, from its phone's country."""
        for ident in identities:
            if ident.kind in ("phone", "wa"):
                found = REGION_DEFAULTS.get(region_of(ident.value) or "")
                if found:
                    return found
        return self.settings.default_language, self.settings.default_time_zone

    def create(self, request: schema.ProfileInput, now: datetime | None = None) -> CustomerModel:
        now = now or utcnow()
        identities = [i for i in request.identities.values() if i is not None]
        language, zone = self.defaults_for(identities)
        customer = CustomerModel(
            new_customer_id(),
            first_name=request.values.get("first_name"),
            last_name=request.values.get("last_name"),
            preferred_language=request.values.get("preferred_language", language),
            time_zone=request.values.get("time_zone", zone),
            tier=request.values.get("tier", "standard"),
            consent=schema.consent(request.consent_change or {}),
            identities={i.key for i in identities},
            created_at=now,
            updated_at=now,
            expires_at=self._expiry(now),
        )
        self._write(
            "creating a customer",
            saves=[(customer, CustomerModel.customer_id.does_not_exist())]
            + [(self._identity_item(i, customer.customer_id, now), self._identity_free(now)) for i in identities],
            identities=identities,
            offset=1,
        )
        return customer

    def withdraw_new(self, customer: CustomerModel) -> None:
        """Delete a profile this request has just created, with its addresses, because
        the request ends in an error: nothing may stay of it. Only while nobody else
        has changed it or taken over an address."""
        deletes = [(CustomerModel(customer.customer_id), CustomerModel.updated_at == customer.updated_at)]
        deletes += [(IdentityModel(key), IdentityModel.customer_id == customer.customer_id)
                    for key in sorted(customer.identities or ())]
        try:
            self._write("withdrawing a new customer", deletes=deletes)
        except Conflict:
            get_logger().warning("new customer kept: changed meanwhile", extra={"customer_id": customer.customer_id})

    def create_for_contact(self, identities: list[Identity]) -> CustomerModel:
        """A profile for an unknown caller's address. If a concurrent contact created
        one for the same address first, that one is returned."""
        try:
            return self.create(schema.ProfileInput(identities={i.kind: i for i in identities[:1]}))
        except Conflict:
            owner = self.owner_of(identities)
            existing = self.find(owner) if owner else None
            if existing is None:
                raise
            return existing

    # ---- changing ------------------------------------------------------------

    def update(self, customer_id: str, request: schema.ProfileInput) -> CustomerModel:
        now = utcnow()
        customer = self._writable(customer_id)
        previous_update = customer.updated_at
        actions: list[Any] = []
        for attr, value in request.values.items():
            column = getattr(CustomerModel, attr)
            actions.append(column.remove() if value is None else column.set(value))
            setattr(customer, attr, value)
        if request.consent_change is not None:
            customer.consent = schema.consent(request.consent_change, base=plain(customer.consent))
            actions.append(CustomerModel.consent.set(customer.consent))

        saves, deletes = [], []
        owned = set(customer.identities or ())
        given_up: set[str] = set()
        for kind, replacement in request.identities.items():
            current = {k for k in owned if k.startswith(kind + "#")}
            if replacement is not None and current == {replacement.key}:
                continue
            for key in current:
                deletes.append(IdentityModel(key, customer_id=customer.customer_id, kind=kind, created_at=now))
            given_up |= current
            owned -= current
            if replacement is not None:
                saves.append((self._identity_item(replacement, customer.customer_id, now), self._identity_free(now)))
                owned.add(replacement.key)
        if len(owned) > MAX_IDENTITIES:
            raise InvalidInput(f"a customer can have at most {MAX_IDENTITIES} addresses")
        if owned != set(customer.identities or ()):
            customer.identities = owned
            actions.append(CustomerModel.identities.set(owned) if owned else CustomerModel.identities.remove())
        given_up -= owned
        if given_up:
            customer.former_identities = set(customer.former_identities or ()) | given_up
            actions.append(CustomerModel.former_identities.set(customer.former_identities))
        customer.updated_at = now
        actions.append(CustomerModel.updated_at.set(now))
        actions.append(CustomerModel.expires_at.set(self._expiry(now)))
        self._write(
            "changing a customer",
            updates=[(customer, actions, CustomerModel.updated_at == previous_update)],
            saves=saves,
            deletes=[(d, IdentityModel.customer_id == customer.customer_id) for d in deletes],
            identities=[s[0] for s in saves],
            offset=1,
        )
        return customer

    def merge(self, survivor_id: str, duplicate_id: str) -> CustomerModel:
        """Move the duplicate's addresses and history into the survivor and leave a
        forwarding stub. Repeating a merge that already happened is a no-op."""
        survivor_id, duplicate_id = schema.customer_id(survivor_id), schema.customer_id(duplicate_id)
        if survivor_id == duplicate_id:
            raise InvalidInput("a customer cannot be merged into itself")
        survivor = self._writable(survivor_id)
        with dynamo_errors("reading a customer"):
            try:
                duplicate = CustomerModel.get(duplicate_id)
            except CustomerModel.DoesNotExist:
                raise NotFound(f"no customer {duplicate_id}") from None
        if duplicate.merged_into == survivor_id:
            return survivor
        if duplicate.merged_into or not is_live(duplicate):
            raise Conflict(f"customer {duplicate_id} was already merged or erased")
        moved = sorted(duplicate.identities or ())
        if len(moved) + len(survivor.identities or ()) > MAX_IDENTITIES:
            raise InvalidInput(f"a customer can have at most {MAX_IDENTITIES} addresses")

        now = utcnow()
        previous_update = survivor.updated_at
        _absorb(survivor, duplicate)
        survivor.identities = set(survivor.identities or ()) | set(moved)
        former = (set(survivor.former_identities or ()) | set(duplicate.former_identities or ())) - survivor.identities
        survivor.former_identities = former or None
        survivor.updated_at = now
        survivor_actions = [
            getattr(CustomerModel, name).set(getattr(survivor, name))
            for name in _MERGED_FIELDS if getattr(survivor, name) not in (None, [], {}, set())
        ] + [CustomerModel.identities.set(survivor.identities) if survivor.identities
             else CustomerModel.identities.remove(), CustomerModel.updated_at.set(now),
             CustomerModel.expires_at.set(self._expiry(now))] + (
            [CustomerModel.former_identities.set(former)] if former else [])
        duplicate_actions = [
            CustomerModel.merged_into.set(survivor_id),
            CustomerModel.updated_at.set(now),
        ] + [getattr(CustomerModel, name).remove() for name in _PERSONAL_FIELDS]
        identity_updates = [
            (IdentityModel(key, customer_id=duplicate_id, kind=key.partition("#")[0], created_at=now),
             [IdentityModel.customer_id.set(survivor_id)],
             IdentityModel.customer_id == duplicate_id)
            for key in moved
        ]
        audit = AuditModel(
            f"merge#{duplicate_id}", action="merge", subject_id=survivor_id, other_id=duplicate_id,
            identity_kinds=sorted({k.partition("#")[0] for k in moved}), moved_count=len(moved), at=now,
            expires_at=self._expiry(now),
        )
        self._write(
            "merging customers",
            updates=[
                (survivor, survivor_actions, CustomerModel.updated_at == previous_update),
                (duplicate, duplicate_actions,
                 CustomerModel.merged_into.does_not_exist() & CustomerModel.erasure_started_at.does_not_exist()),
                *identity_updates,
            ],
            saves=[(audit, None)],
        )
        return survivor

    def keep_alive(self, customer: CustomerModel, now: datetime | None = None) -> bool:
        """Renew the retention of a customer who is still in touch, and of their
        addresses, once half the retention period has gone by (so it is a rare
        write, not one per contact). Without it, the phone number of a loyal
        customer would expire under a live profile and the next call would create a
        duplicate. Returns whether anything was renewed."""
        now = now or utcnow()
        half = timedelta(days=self.settings.profile_retention_days / 2)
        if customer.expires_at is not None and customer.expires_at - now > half:
            return False
        expires = self._expiry(now)
        updates = [(customer, [CustomerModel.expires_at.set(expires)], CustomerModel.customer_id.exists())]
        updates += [
            (IdentityModel(key, customer_id=customer.customer_id, kind=key.partition("#")[0], created_at=now),
             [IdentityModel.expires_at.set(expires)], IdentityModel.customer_id == customer.customer_id)
            for key in sorted(customer.identities or ())
        ]
        self._write("renewing retention", updates=updates)
        customer.expires_at = expires
        return True

    def in_touch(self, customer: CustomerModel) -> None:
        """The customer was in touch (a call, a chat, a WhatsApp message, a contact
        record): renew their retention as keep_alive does. Every channel calls this;
        a failure is logged, never the contact's failure (the next contact renews)."""
        try:
            self.keep_alive(customer)
        except Exception:
            get_logger().warning("could not renew a customer's retention", exc_info=True)

    def link_contact(self, contact_id: str, customer_id: str, channel: str) -> None:
        """Remember that a Connect contact belongs to this customer."""
        if not contact_id:
            return
        now = utcnow()
        with dynamo_errors("linking a contact"):
            ContactLinkModel(
                contact_id, customer_id=customer_id, channel=channel or None, created_at=now,
                expires_at=expiry(self.settings.contact_link_retention_days, now),
            ).save()

    # ---- helpers -------------------------------------------------------------

    def _expiry(self, now: datetime) -> datetime:
        return expiry(self.settings.profile_retention_days, now)

    def _identity_item(self, ident: Identity, customer_id: str, now: datetime) -> IdentityModel:
        return IdentityModel(ident.key, customer_id=customer_id, kind=ident.kind, created_at=now,
                             expires_at=self._expiry(now))

    @staticmethod
    def _identity_free(now: datetime) -> Any:
        # An expired identity that DynamoDB has not deleted yet is free to claim.
        return IdentityModel.identity.does_not_exist() | (IdentityModel.expires_at < now)

    def _writable(self, customer_id: str) -> CustomerModel:
        customer_id = schema.customer_id(customer_id)
        with dynamo_errors("reading a customer"):
            try:
                customer = CustomerModel.get(customer_id)
            except CustomerModel.DoesNotExist:
                raise NotFound(f"no customer {customer_id}") from None
        if not is_live(customer):
            raise NotFound(f"no customer {customer_id}")
        if customer.merged_into:
            raise Conflict(f"customer {customer_id} was merged into {customer.merged_into}; change that one")
        return customer

    def _write(self, action: str, *, saves=(), updates=(), deletes=(), identities=(), offset=0) -> None:
        """One DynamoDB transaction. A failed identity condition becomes a Conflict
        naming the kind of address (never the address itself)."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        try:
            with TransactWrite(connection=connection()) as tx:
                for item, condition in saves:
                    tx.save(item, condition=condition)
                for item, actions, condition in updates:
                    tx.update(item, actions=actions, condition=condition)
                for item, condition in deletes:
                    tx.delete(item, condition=condition)
        except TransactWriteError as e:
            reasons = cancellation_reasons(e)
            if "ConditionalCheckFailed" in reasons:
                index = reasons.index("ConditionalCheckFailed")
                taken = identities[index - offset] if 0 <= index - offset < len(identities) else None
                if taken is not None:
                    label = {"wa": "whatsapp", "chat": "chatId"}.get(taken.kind, taken.kind)
                    raise Conflict(f"this {label} already belongs to another customer") from e
                raise Conflict("the customer changed meanwhile; read it again and retry") from e
            raise DependencyFailure(f"{action} failed: {e.cause_response_code or 'unavailable'}") from e
        except Exception as e:
            if isinstance(e, Conflict | InvalidInput):
                raise
            with dynamo_errors(action):
                raise


_PERSONAL_FIELDS = ("first_name", "last_name", "identities", "former_identities", "consent", "recent_contacts",
                    "last_survey_scores")
_MERGED_FIELDS = ("first_name", "last_name", "tier", "consent", "recent_contacts", "last_contact_at",
                  "last_channel", "last_agent", "last_reason", "open_case_id", "last_survey_at",
                  "last_survey_scores")


def _absorb(survivor: CustomerModel, duplicate: CustomerModel) -> None:
    """Fold the duplicate's profile into the survivor: the survivor's own values win,
    gaps are filled, the higher tier is kept, an opt-out on either side stands, and
    contact history is combined."""
    for name in ("first_name", "last_name", "open_case_id"):
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
    if TIERS.index(duplicate.tier or "standard") > TIERS.index(survivor.tier or "standard"):
        survivor.tier = duplicate.tier
    ours, theirs = plain(survivor.consent), plain(duplicate.consent)
    survivor.consent = {
        ch: {p: bool(ours.get(ch, {}).get(p, dflt)) and bool(theirs.get(ch, {}).get(p, dflt))
             for p, dflt in purposes.items()}
        for ch, purposes in schema.DEFAULT_CONSENT.items()
    }
    survivor.recent_contacts = sorted(set(survivor.recent_contacts or []) | set(duplicate.recent_contacts or []))
    if duplicate.last_contact_at and (
            not survivor.last_contact_at or duplicate.last_contact_at > survivor.last_contact_at):
        for name in ("last_contact_at", "last_channel", "last_agent", "last_reason"):
            setattr(survivor, name, getattr(duplicate, name))
    if duplicate.last_survey_at and (not survivor.last_survey_at or duplicate.last_survey_at > survivor.last_survey_at):
        survivor.last_survey_at, survivor.last_survey_scores = duplicate.last_survey_at, duplicate.last_survey_scores
