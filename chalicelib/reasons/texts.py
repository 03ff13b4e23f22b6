"""What `predict_reason` read, kept so that the classifier can learn from the reasons
agents set at wrap-up (`make reasons-export`).

Only for a contact of a known customer (export and erasure find the text through
them), only with phone numbers and e-mail addresses masked, control characters
dropped and whitespace folded, at most MAX_TEXT characters, and for
REASON_TEXT_RETENTION_DAYS. One item per contact: a second prediction with text on the
same contact (a transfer, the open question after the menu) replaces the first.
Never logged, never in contact attributes.
"""

from __future__ import annotations

import re
from datetime import datetime

MAX_TEXT = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def masked(text: str) -> str:
    """The text as kept: control and invisible characters dropped, whitespace folded,
    phone numbers and e-mail addresses masked, cut to MAX_TEXT characters."""
    from chalicelib.observability import mask_pii

    folded = " ".join(_CONTROL.sub(" ", text).split())
    # Masked before the cut, so that a number cut in half is not left readable.
    return mask_pii(folded[:MAX_TEXT * 2])[:MAX_TEXT].strip()


def keep(contact_id: str, customer_id: str, channel: str, text: str, language: str, reason: str,
         confidence: float, now: datetime | None = None) -> bool:
    """Keep what the prediction read for this contact. False when there is nothing to
    keep (no contact, no customer, no words). Raises DependencyFailure when DynamoDB
    fails: the caller decides whether that matters."""
    from chalicelib.db import dynamo_errors, expiry, utcnow
    from chalicelib.errors import InvalidInput
    from chalicelib.profiles import schema
    from chalicelib.reasons.models import ReasonTextModel
    from chalicelib.settings import get_settings

    kept = masked(text)
    if not contact_id or not kept:
        return False
    try:
        customer_id = schema.customer_id(customer_id)
    except InvalidInput:
        return False
    now = now or utcnow()
    item = ReasonTextModel(
        contact_id[:128], customer_id=customer_id, channel=channel or None, text=kept, language=language,
        predicted_reason=reason, confidence=round(confidence, 2), at=now,
        expires_at=expiry(get_settings().reason_text_retention_days, now))
    with dynamo_errors("keeping what the customer said"):
        item.save()
    return True
