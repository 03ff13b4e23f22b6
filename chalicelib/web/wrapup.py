"""The agent's wrap-up of a contact: reason, disposition, resolved yes/no and a note.

`POST /agent/contacts/{contactId}/wrap-up` writes it to the contact as attributes
through Amazon Connect's UpdateContactAttributes (`contactReason`, `disposition`,
`resolved`: the names the contact-record logic reads, so the contact record, the
timeline and first-contact resolution follow the agent's `resolved`), and to the
customer's timeline as one entry per contact (`wrapup#<contactId>`).

Once per contact however often it is sent: the same wrap-up again changes nothing
and calls nothing; a different one replaces it (attributes and the timeline entry),
until the contact record arrives, after which the contact is settled and a change is
refused (409). The note stays in the timeline, for colleagues; it never goes into
contact attributes, which Connect keeps for two years, and is kept only for a contact
linked to a customer (so that export and erasure reach it).

Order of effects: everything is validated first; then Connect; then the timeline
entry. If Connect fails nothing is written; if the entry fails, sending again sets
the same attributes again (harmless) and writes the entry.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.db import dynamo_errors, expiry, utcnow
from chalicelib.errors import Conflict, DependencyFailure, InvalidInput, NotFound, only_fields
from chalicelib.interactions.models import InteractionModel
from chalicelib.interactions.parse import ATTR_DISPOSITION, ATTR_REASON, ATTR_RESOLVED, CTR
from chalicelib.settings import get_settings

_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
DISPOSITIONS = ("answered", "callback", "escalated", "transferred", "follow_up")
MAX_NOTE = 1000
FIELDS = {"reason", "disposition", "resolved", "note"}


def entry_id(contact_id: str) -> str:
    return f"wrapup#{contact_id}"


def parse(body: dict[str, Any]) -> dict[str, Any]:
    only_fields(body, FIELDS)
    reason = body.get("reason")
    if not isinstance(reason, str) or not _ID.fullmatch(reason):
        raise InvalidInput("reason must be a reason id: lower-case letters, digits, '_', '.' or '-', up to 64")
    disposition = body.get("disposition")
    if disposition not in DISPOSITIONS:
        raise InvalidInput(f"disposition must be one of {', '.join(DISPOSITIONS)}")
    resolved = body.get("resolved")
    if not isinstance(resolved, bool):
        raise InvalidInput("resolved must be true or false")
    note = body.get("note")
    note = "" if note is None else note  # {} or 0 is not "no note": it is refused below
    if not isinstance(note, str) or len(note) > MAX_NOTE or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", note):
        raise InvalidInput(f"note must be text of at most {MAX_NOTE} characters")
    return {"reason": reason, "disposition": disposition, "resolved": "true" if resolved else "false",
            "note": note.strip()}


def settled(contact_id: str, interaction: InteractionModel | None) -> bool:
    """Whether the contact record of this contact has arrived."""
    legs = interaction.legs if interaction is not None else None
    return bool(isinstance(legs, dict) and isinstance(legs.get(contact_id), dict) and legs[contact_id].get(CTR))


def _document(item: InteractionModel | None, editable: bool) -> dict[str, Any] | None:
    if item is None:
        return None
    detail = item.detail or {}
    return {"reason": detail.get("reason"), "disposition": detail.get("disposition"),
            "resolved": detail.get("resolved") == "true", "note": detail.get("note", ""),
            "savedAt": item.ended_at, "editable": editable}


def current(contact_id: str, interaction: InteractionModel | None,
            stored: InteractionModel | None) -> dict[str, Any] | None:
    """The wrap-up saved for the contact, as the panel shows it."""
    return _document(stored, not settled(contact_id, interaction))


def save(contact_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """201 when saved for the first time, 200 when replaced or unchanged."""
    from chalicelib.connect.client import ConnectClient
    from chalicelib.web.agent import ContactCustomer
    from chalicelib.web.agent import contact_id as valid_contact_id

    contact = valid_contact_id(contact_id)
    wrap = parse(body)
    found = ContactCustomer(contact)
    if settled(contact, found.interaction):
        raise Conflict("the contact record has arrived: the wrap-up can no longer be changed")
    stored = found.wrap_up
    customer_id = found.customer.customer_id if found.customer is not None else None
    if customer_id is None and wrap["note"]:
        # A note is kept in the customer's timeline, where export and erasure find it:
        # without a customer it would be personal data nobody could reach.
        raise InvalidInput("link the contact to a customer before keeping a note; or save without a note")
    if stored is not None and dict(stored.detail or {}) == _detail(wrap) and stored.customer_id == customer_id:
        return 200, {"status": "unchanged", "wrapUp": _document(stored, True)}

    settings = get_settings()
    # Setting the same values again changes nothing: a retry is harmless.
    try:
        ConnectClient(settings).call(
            "saving the contact's attributes", "update_contact_attributes", InitialContactId=contact,
            Attributes={ATTR_REASON: wrap["reason"], ATTR_DISPOSITION: wrap["disposition"],
                        ATTR_RESOLVED: wrap["resolved"]})
    except DependencyFailure as e:
        if _unknown_contact(e):
            raise NotFound("Amazon Connect has no such contact in this instance") from e
        raise

    now = utcnow()
    first = stored.started_at if stored is not None and stored.started_at else _timestamp(now)
    item = InteractionModel(
        entry_id(contact), customer_id=customer_id,
        started_key=f"{first}#{entry_id(contact)}" if customer_id else None,
        channel=(found.channel or "VOICE").upper(), started_at=first, ended_at=_timestamp(now), status="done",
        kind="wrap_up", reference=contact, detail=_detail(wrap),
        version=(int(stored.version or 0) + 1) if stored is not None else 1,
        expires_at=expiry(settings.interaction_retention_days, now))
    condition = (InteractionModel.version == stored.version) if stored is not None \
        else InteractionModel.interaction_id.does_not_exist()
    from pynamodb.exceptions import PutError

    with dynamo_errors("saving a wrap-up"):
        try:
            item.save(condition=condition)
        except PutError as e:
            if getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException":
                raise Conflict("the wrap-up was changed meanwhile (another tab?); reload and save again") from e
            raise
    return (201 if stored is None else 200), {"status": "saved", "wrapUp": _document(item, True)}


def _detail(wrap: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in wrap.items() if v != ""}


def _timestamp(moment: Any) -> str:
    from chalicelib.interactions.activity import timestamp

    return timestamp(moment)


def _unknown_contact(failure: Exception) -> bool:
    """Amazon Connect answered that the contact does not exist (not that it failed)."""
    from botocore.exceptions import ClientError

    cause = failure.__cause__
    if not isinstance(cause, ClientError):
        return False
    code = cause.response.get("Error", {}).get("Code", "")
    status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code == "ResourceNotFoundException" or status == 404
