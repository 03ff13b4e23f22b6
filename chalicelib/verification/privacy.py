"""Personal data held by verification: a customer's PIN hash, their tries and locks,
codes waiting to be used and verified contacts (all found through the by_customer
index). Registered in chalicelib.privacy.holders."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.privacy.holders import Subject, delete_if, iso


class VerificationHolder:
    name = "verification"
    tables = ("verification_table",)

    def _keys(self, subject: Subject) -> list[str]:
        from chalicelib.verification.models import VerificationModel

        with dynamo_errors("reading verification items"):
            return [item.key for cid in subject.customer_ids for item in VerificationModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        """What is kept, never a hash or a salt."""
        from chalicelib.verification.models import VerificationModel

        found = []
        with dynamo_errors("reading verification items"):
            for key in self._keys(subject):
                item = VerificationModel.get(key)
                if is_live(item):
                    found.append({"kind": key.partition("#")[0], "channel": item.channel, "method": item.method,
                                  "at": iso(item.at), "lockedUntil": iso(item.locked_until)})
        return found

    def erase(self, subject: Subject) -> int:
        from chalicelib.verification.models import VerificationModel

        erased = 0
        with dynamo_errors("erasing verification items"):
            for key in self._keys(subject):
                erased += delete_if(VerificationModel(key), VerificationModel.customer_id.is_in(*subject.customer_ids))
        return erased


VERIFICATIONS = VerificationHolder()
