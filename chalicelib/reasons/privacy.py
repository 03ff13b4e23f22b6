"""Personal data held by the contact reasons: what a customer said or wrote when
`predict_reason` read it (masked, but free text), found through the `by_customer`
index. Registered in chalicelib.privacy.holders."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.privacy.holders import Subject, delete_if, iso


class TextHolder:
    name = "reasonTexts"
    tables = ("reason_texts_table",)

    def _contact_ids(self, subject: Subject) -> list[str]:
        from chalicelib.reasons.models import ReasonTextModel

        with dynamo_errors("reading what customers said"):
            return [item.contact_id for cid in subject.customer_ids for item in ReasonTextModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from chalicelib.reasons.models import ReasonTextModel

        ids = self._contact_ids(subject)
        with dynamo_errors("reading what customers said"):
            items = list(ReasonTextModel.batch_get(ids)) if ids else []
        return [{"contactId": item.contact_id, "at": iso(item.at), "channel": item.channel, "text": item.text,
                 "language": item.language, "predictedReason": item.predicted_reason,
                 "confidence": float(item.confidence), "expiresAt": iso(item.expires_at)}
                for item in sorted(items, key=lambda item: item.at)
                if is_live(item) and item.customer_id in subject.customer_ids]

    def erase(self, subject: Subject) -> int:
        from chalicelib.reasons.models import ReasonTextModel

        erased = 0
        with dynamo_errors("erasing what customers said"):
            for contact_id in self._contact_ids(subject):
                erased += delete_if(ReasonTextModel(contact_id),
                                    ReasonTextModel.customer_id.is_in(*subject.customer_ids))
        return erased


TEXTS = TextHolder()
