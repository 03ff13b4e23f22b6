"""A customer who writes again moves their open cases: a case waiting on them
(`pending_customer`) opens and its clocks run again, and once they have had a first
reply, the next reply is timed (chalicelib.cases.desk.Desk.customer_replied).

What counts as the customer writing: an e-mail or chat contact they started
(Amazon Connect contact events, `INBOUND` or `API`, WhatsApp through End User
Messaging arriving as chat), once the contact is known to be theirs, and a WhatsApp
message received through the Meta webhook. Each counts once per case, named by its
contact or message id, however often the events are delivered; the contact that
opened a case is not a reply to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CHANNELS = ("EMAIL", "CHAT")
METHODS = ("INBOUND", "API")
# Early events of a contact: by the time one of them arrives with the customer known
# (the flow's lookup links the contact), the case hears of it.
EVENT_SOURCES = ("ev:INITIATED", "ev:CONNECTED_TO_SYSTEM", "ev:QUEUED")


def contact_event(payload: Mapping[str, Any]) -> int:
    """CONTACT_EVENT subscriber: how many cases heard the customer."""
    observation, customer_id = payload.get("observation"), payload.get("customerId")
    if not customer_id or observation is None or observation.source not in EVENT_SOURCES:
        return 0
    facts = observation.facts
    if facts.get("channel") not in CHANNELS or facts.get("method") not in METHODS:
        return 0
    return customer_wrote(customer_id, observation.interaction_id,
                          skip_opened_by={observation.contact_id, observation.interaction_id})


def whatsapp_message(payload: Mapping[str, Any]) -> None:
    """WHATSAPP_MESSAGE subscriber: the message counts as the customer writing; it
    decides nothing about the message itself (None)."""
    inbound, customer = payload.get("inbound"), payload.get("customer")
    if inbound is not None and customer is not None:
        customer_wrote(customer.customer_id, f"wa-{inbound.message_id}"[:128])


def customer_wrote(customer_id: str, via: str, skip_opened_by: set[str] | frozenset[str] = frozenset()) -> int:
    from chalicelib.cases.desk import KIND, Desk
    from chalicelib.cases.service import Cases
    from chalicelib.errors import Conflict
    from chalicelib.settings import get_settings

    settings = get_settings()
    desk = Desk(settings)
    heard = 0
    for case in Cases(settings).open_cases(customer_id):
        if case.kind != KIND or case.status not in ("open", "pending_customer") or case.opened_by in skip_opened_by:
            continue
        for _ in range(3):
            try:
                desk.customer_replied(case.case_id, via=via)
                heard += 1
                break
            except Conflict as e:
                if e.code != "CASE_CHANGED":
                    break
                # An agent changed the case meanwhile: read it again.
        else:
            raise Conflict(f"case {case.case_id} kept changing", code="CASE_CHANGED")
    return heard
