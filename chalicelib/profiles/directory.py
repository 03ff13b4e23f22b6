"""Reading the customer directory: who owns an address, and a customer by id.

`Directory` is what a function that only recognises a caller loads (the journeys'
contact-flow functions that tell a caller something): it reads the identities and
customers tables and nothing else, so their roles may read profiles but not write
them. `chalicelib.profiles.service.Profiles` adds creating, changing and merging.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chalicelib.db import dynamo_errors, is_live
from chalicelib.profiles.identity import Identity
from chalicelib.profiles.models import CustomerModel, IdentityModel
from chalicelib.settings import Settings

MAX_MERGE_HOPS = 3


class Directory:
    """The customer directory over the customers and identities tables, read-only."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def find(self, customer_id: str, consistent: bool = False) -> CustomerModel | None:
        """The live profile for an id, following merges; None if there is none.
        `consistent` for a reader that must see a write made just before."""
        for _ in range(MAX_MERGE_HOPS + 1):
            with dynamo_errors("reading a customer"):
                try:
                    customer = CustomerModel.get(customer_id, consistent_read=consistent)
                except CustomerModel.DoesNotExist:
                    return None
            if not is_live(customer):
                return None
            if not customer.merged_into:
                return customer
            customer_id = customer.merged_into
        return None

    def owners(self, identities: Sequence[Identity]) -> dict[str, str]:
        """Identity key -> id of the live customer owning it, for those of
        `identities` that are known; one read whatever their number."""
        keys = list(dict.fromkeys(i.key for i in identities))
        if not keys:
            return {}
        with dynamo_errors("resolving an identity"):
            if len(keys) == 1:
                try:
                    items = [IdentityModel.get(keys[0])]
                except IdentityModel.DoesNotExist:
                    items = []
            else:
                items = list(IdentityModel.batch_get(keys))
        return {item.identity: item.customer_id for item in items if is_live(item)}

    def owner_of(self, identities: Sequence[Identity]) -> str | None:
        """Id of the customer owning the first of `identities` that is known."""
        owners = self.owners(identities)
        return next((owners[i.key] for i in identities if i.key in owners), None)

    def identify(self, addresses: Sequence[Identity], *, consistent: bool = False,
                 meanwhile: Callable[[str], object] | None = None) -> CustomerModel | None:
        """Who owns these addresses (best first): the live customer owning the first
        known one, following merges; None for nobody. An address still held by a
        profile that expired or is being erased names nobody.

        - `consistent`: for a reader that must see a write made just before.
        - `meanwhile(owner_id)` runs once the owner is known, before the profile is
          read (the lookup writes its contact link alongside)."""
        owner = self.owner_of(addresses)
        if owner is None:
            return None
        if meanwhile is not None:
            meanwhile(owner)
        return self.find(owner, consistent=consistent)
