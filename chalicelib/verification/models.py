"""The verification table: one item per thing kept, keyed by what it is about.

- `code#<contact>`: the one-time code of a contact (its initial contact id, so a
  transfer keeps it): the customer, the channel, a per-code salt and the scrypt hash
  of the code, never the code; expires (TTL and read filter) after
  VERIFICATION_CODE_MINUTES; deleted when used.
- `profile#<customer>`: wrong answers since the last success or lock, and until when
  the profile is locked; kept a day past the lock.
- `contact#<contact>`: the contact is verified: the customer, the method, when; kept
  a day (a contact and its transfers).
- `pin#<customer>`: the salted scrypt hash of the PIN the customer set; kept as long
  as the profile (PROFILE_RETENTION_DAYS from when it was set).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.db import BaseModel, table_meta


class ByCustomer(GlobalSecondaryIndex):
    """A customer's items, for export and erasure (never on the contact path)."""

    class Meta:
        index_name = "by_customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)


class VerificationModel(BaseModel):
    Meta = table_meta("verification_table")

    key = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    method = UnicodeAttribute(null=True)
    salt = UnicodeAttribute(null=True)  # hex
    digest = UnicodeAttribute(null=True)  # hex of scrypt(secret, salt)
    sends = NumberAttribute(null=True)
    tries = NumberAttribute(null=True)
    locks = NumberAttribute(null=True)
    locked_until = UTCDateTimeAttribute(null=True)
    at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()
    by_customer = ByCustomer()
