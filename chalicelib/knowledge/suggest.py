"""GET /kb/suggest?contactId=: what the agent workspace shows beside a contact, the
articles and quick responses for its reason, in the customer's language.

The reason is the one the agent asks for (`reason=`), else the contact's own (set by
the flow or at wrap-up), else the customer's last contact's. The language is the
customer's preferred one. Each suggestion shown is counted once per contact and
reason, with a `searchId` for the agent's "this helped".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.errors import only_params
from chalicelib.knowledge import api
from chalicelib.knowledge import index as kb
from chalicelib.knowledge.reasons import reason_ids, require_reason

MAX_ARTICLES = 5


def contact(contact_id: str) -> tuple[Any, Any]:
    """The contact's interaction and its customer, each None when unknown."""
    from chalicelib.interactions.models import InteractionModel
    from chalicelib.profiles.models import ContactLinkModel
    from chalicelib.profiles.service import Profiles
    from chalicelib.settings import get_settings

    with dynamo_errors("reading the contact"):
        try:
            interaction = InteractionModel.get(contact_id)
        except InteractionModel.DoesNotExist:
            interaction = None
        customer_id = interaction.customer_id if interaction is not None else None
        if customer_id is None:
            try:
                link = ContactLinkModel.get(contact_id)
                customer_id = link.customer_id if is_live(link) else None
            except ContactLinkModel.DoesNotExist:
                pass
    # The live profile, of the survivor when it was merged; None for nobody.
    customer = Profiles(get_settings()).find(customer_id) if customer_id else None
    return interaction, customer


def suggest(query: Mapping[str, str] | None) -> dict[str, Any]:
    from chalicelib.knowledge import quick, usage
    from chalicelib.notify.render import locale_for

    query = only_params(query, ("contactId", "reason"))
    contact_id = api.contact_id_param(query.get("contactId"), required=True)
    asked_reason = require_reason(query["reason"]) if "reason" in query else None
    interaction, customer = contact(contact_id)
    reason, source = asked_reason, "asked"
    if reason is None and interaction is not None and interaction.contact_reason in reason_ids():
        reason, source = interaction.contact_reason, "contact"
    if reason is None and customer is not None and customer.last_reason in reason_ids():
        reason, source = customer.last_reason, "lastContact"
    locale = locale_for(customer.preferred_language if customer else None)
    language = locale.language
    answer: dict[str, Any] = {"contactId": contact_id, "reason": reason, "reasonSource": source if reason else None,
                              "language": language, "articles": [], "quickResponses": []}
    if reason is None:
        return answer
    index = kb.load()
    entries = index.by_reason(reason, language)[:MAX_ARTICLES]
    answer["articles"] = [{"id": e["id"], "title": e["title"], "language": language, "reasons": e["reasons"],
                           "audience": e["audience"], "snippet": kb.snippet(e)} for e in entries]
    from chalicelib.settings import get_settings

    customer_words = quick.Customer(
        first_name=customer.first_name if customer else None,
        time_zone=(customer.time_zone if customer else None) or get_settings().default_time_zone,
        locale=locale.formatting)
    answer["quickResponses"] = quick.offered(reason, language, customer_words)
    key = usage.event_key("suggestion", contact_id, reason)
    usage.record(usage.Asked("suggestion", key, language, reason, None, f"reason:{reason}",
                             entries[0]["id"] if entries else None, None, bool(entries),
                             customer.customer_id if customer else None))
    answer["searchId"] = key
    return answer
