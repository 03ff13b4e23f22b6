"""Where the timeline hands ended contacts to surveys.

Surveys start from contact records, not contact events: a record arrives once the
contact is over (after-contact work included), it tells whether an agent handled
it, and a transferred call's first leg says it continues elsewhere (NextContactId),
whereas its DISCONNECTED event looks like the end of the call. A contact is
considered once it ended, an agent handled it, the customer started it (an inbound
call, chat or e-mail; not a task or an outbound call) and the customer is known.
Called for every record, redeliveries included, after the timeline took it: the
survey service makes repeats cheap (one read) and harmless.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalicelib.interactions.parse import CTR, Observation, parse_time

SURVEYED_CHANNELS = ("VOICE", "CHAT", "EMAIL")


def ended_contact(item: Mapping[str, Any] | None) -> Any:
    """The EndedContact of an interaction (its stored attributes, plain), or None if
    it is not one to survey."""
    from chalicelib.interactions.fold import fold
    from chalicelib.surveys.service import EndedContact

    if not item or not item.get("customer_id"):
        return None
    legs = item.get("legs") or {}
    kpi = fold(item["interaction_id"], json.loads(legs) if isinstance(legs, str) else legs, kpi=True)
    if not (kpi.has_initial and kpi.ended and kpi.handled and kpi.customer_contact):
        return None
    if kpi.channel not in SURVEYED_CHANNELS:
        return None
    started = parse_time(kpi.started_at)
    if started is None:
        return None
    return EndedContact(
        survey_id=item["interaction_id"], customer_id=item["customer_id"], channel=kpi.channel, queue=kpi.queue,
        agent=kpi.agent, reason=kpi.reason, started_at=started,
        ended_at=parse_time(kpi.legs[-1][1].get("disconnected_at")))


def contact_ended(event: Mapping[str, Any]) -> str | None:
    """Subscriber of "contact ended" (chalicelib.events)."""
    return contact_recorded(event["observation"], event.get("interaction"))


def contact_recorded(observation: Observation, interaction: Mapping[str, Any] | None = None) -> str | None:
    """Consider the contact a record just ended for a survey; the survey's status.
    `interaction` is the item the timeline just wrote (or found unchanged); it is
    read when not given."""
    # Any record may be the one that completes the contact: transfer legs arrive in any
    # order, so whether it ended is read from the whole interaction, not this leg.
    if observation.source != CTR:
        return None
    from chalicelib.settings import get_settings
    from chalicelib.surveys.service import Surveys

    if interaction is None or interaction.get("interaction_id") != observation.interaction_id:
        interaction = _read(observation.interaction_id)
    contact = ended_contact(interaction)
    if contact is None:
        return None
    return Surveys(get_settings()).consider(contact)


def _read(interaction_id: str) -> dict[str, Any] | None:
    from chalicelib.db import connection, dynamo_errors
    from chalicelib.settings import get_settings
    from chalicelib.wire import item_from_wire

    with dynamo_errors("reading an interaction"):
        found = connection().client.get_item(TableName=get_settings().interactions_table,
                                             Key={"interaction_id": {"S": interaction_id}}, ConsistentRead=True)
    return item_from_wire(found["Item"]) if found.get("Item") else None
