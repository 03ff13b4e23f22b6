"""The registry of personal-data holders and what each one is handed.

To register a holder, write an object with `name`, `tables`, `export(subject)` and
`erase(subject)` (see `PersonalDataHolder`) in your capability's package and register
its "module:attribute" in `chalicelib/wiring.py` (`holders.register(...)`): this
package sits below the capabilities and never names them. A table that holds no
personal data at all goes into NO_PERSONAL_DATA with the reason. The tests read every
table after an erasure and check each table is covered by one of the two, so a new
table cannot be forgotten.

Order matters for erasure: the profile's own holders (OWN_HOLDERS) run first, then
the registered ones in the order registered, and the profile holder last, because
the others find their items through the profile (its identities, the profiles
merged into it) and an interrupted erasure resumes from the same profile.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chalicelib.profiles.models import CustomerModel

# The profile's own holders, first; every capability that stores personal data
# registers its holder after them (`register`, from chalicelib/wiring.py).
OWN_HOLDERS: tuple[str, ...] = (
    "chalicelib.privacy.profile_holders:IDENTITIES",
    "chalicelib.privacy.profile_holders:CONTACT_LINKS",
    "chalicelib.privacy.profile_holders:MERGE_RECORDS",
)
_registered: list[str] = []
# Erased last: see the module docstring.
PROFILE_HOLDER = "chalicelib.privacy.profile_holders:PROFILE"

# Tables (Settings field of their name) that hold no personal data, and why.
NO_PERSONAL_DATA: dict[str, str] = {
    "metrics_table": "KPI counters per day and queue, agent, channel or contact reason, and per queue interval "
                     "(a hash of each contact id counted, to count it once); no customer in them",
    "counter_changes_table": "changes to the KPI counters on their way to them: counts under a day, queue, agent, "
                             "channel or reason; deleted once applied",
    "floor_table": "the live floor: contact ids, queue ids, channels and times only; kept 26 hours",
    "floor_agents_table": "the live floor: an agent's Connect id, current state and since when, no name; "
                          "kept 10 minutes",
}


@dataclass(frozen=True)
class Subject:
    """The customer whose data is exported or erased, as holders need them.

    `profile` is the stored profile item, read as is (also when expired: expired
    items still exist until DynamoDB deletes them, and erasure must reach them).
    `merged_ids` are the profiles merged into this one, directly or through another
    merge: their ids still key items in other tables."""

    customer_id: str
    profile: CustomerModel | None
    merged_ids: tuple[str, ...] = ()

    @property
    def customer_ids(self) -> tuple[str, ...]:
        """This customer's id and every id merged into it."""
        return (self.customer_id, *self.merged_ids)

    @property
    def identity_keys(self) -> list[str]:
        """Every identity key the customer has or had (`phone#+40...`, `email#...`):
        the addresses the profile owns, those it gave up, and those of the profiles
        merged into it (moved to it by the merge)."""
        if self.profile is None:
            return []
        return sorted(set(self.profile.identities or ()) | set(self.profile.former_identities or ()))

    def addresses(self, kind: str) -> list[str]:
        """The customer's addresses of one kind (phone, email, wa, chat), e.g. to find
        items keyed by address such as suppression entries."""
        prefix = kind + "#"
        return [key[len(prefix):] for key in self.identity_keys if key.startswith(prefix)]


class PersonalDataHolder(Protocol):
    """One capability's personal data about customers."""

    # Section name in the export document and key in the erasure record
    # (letters and digits, camelCase).
    name: str
    # Settings fields of the tables whose items this holder exports and erases.
    tables: tuple[str, ...]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        """Every live item held about the subject, as JSON-ready documents."""
        ...

    def erase(self, subject: Subject) -> int:
        """Delete (or strip of personal fields) every item held about the subject,
        expired ones included; return how many items were erased. Must be safe to
        run again after an interruption: a second run erases what is left."""
        ...


def _load(target: str) -> PersonalDataHolder:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def register(target: str) -> None:
    """Add a capability's holder ("module:attribute"), erased after those registered
    before it; registering it again changes nothing."""
    if target not in _registered:
        _registered.append(target)
        holders.cache_clear()


@cache
def holders() -> tuple[PersonalDataHolder, ...]:
    """Every holder, in erasure order (the profile last). Refuses to answer before the
    capabilities registered theirs: an export or erasure must never miss their data."""
    if not _registered:
        raise RuntimeError("no capability has registered its personal-data holder: import chalicelib.wiring")
    return tuple(_load(target) for target in (*OWN_HOLDERS, *_registered, PROFILE_HOLDER))


def delete_if(item: Any, condition: Any) -> int:
    """Delete one item if `condition` holds: 1 if it was deleted, 0 if it was already
    gone or no longer belongs to the customer (so a rerun counts nothing twice)."""
    from pynamodb.exceptions import DeleteError

    try:
        item.delete(condition=condition)
    except DeleteError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return 0
        raise
    return 1


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def jsonable(value: Any) -> Any:
    """A stored value as plain JSON: datetimes as ISO 8601, sets as sorted lists,
    DynamoDB numbers as int or float, map attributes as dicts."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    as_dict = getattr(value, "as_dict", None)
    if callable(as_dict):
        return jsonable(as_dict())
    return value


# A merge chain is short (reads follow at most a few hops); this bounds the walk.
MAX_MERGED_PROFILES = 100


def load_subject(customer_id: str) -> Subject:
    """Read the profile as stored and walk the profiles merged into it."""
    from chalicelib.db import dynamo_errors
    from chalicelib.profiles.models import CustomerModel

    with dynamo_errors("reading a customer"):
        try:
            profile = CustomerModel.get(customer_id, consistent_read=True)
        except CustomerModel.DoesNotExist:
            profile = None
        merged: list[str] = []
        pending = [customer_id]
        while pending and len(merged) < MAX_MERGED_PROFILES:
            current = pending.pop()
            for stub in CustomerModel.merged_into_index.query(current):
                if stub.customer_id != customer_id and stub.customer_id not in merged:
                    merged.append(stub.customer_id)
                    pending.append(stub.customer_id)
    return Subject(customer_id=customer_id, profile=profile, merged_ids=tuple(merged))
