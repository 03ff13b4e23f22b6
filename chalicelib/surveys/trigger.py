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

from typing import Any

from chalicelib.interactions.parse import CTR, Observation, parse_time

SURVEYED_CHANNELS = ("VOICE", "CHAT", "EMAIL")


def ended_contact(item: Any) -> Any:
    """The EndedContact of an interaction item, or None if it is not one to survey."""
    from chalicelib.interactions.fold import fold
    from chalicelib.surveys.service import EndedContact

    if item is None or not item.customer_id:
        return None
    kpi = fold(item.interaction_id, dict(item.legs or {}), kpi=True)
    if not (kpi.has_initial and kpi.ended and kpi.handled and kpi.customer_contact):
        return None
    if kpi.channel not in SURVEYED_CHANNELS:
        return None
    started = parse_time(kpi.started_at)
    if started is None:
        return None
    return EndedContact(
        survey_id=item.interaction_id, customer_id=item.customer_id, channel=kpi.channel, queue=kpi.queue,
        agent=kpi.agent, reason=kpi.reason, started_at=started,
        ended_at=parse_time(kpi.legs[-1][1].get("disconnected_at")))


def contact_recorded(observation: Observation) -> str | None:
    """Consider the contact a record just ended for a survey; the survey's status."""
    if observation.source != CTR or not observation.facts.get("disconnected_at") or observation.facts.get("next"):
        return None
    from chalicelib.db import dynamo_errors
    from chalicelib.interactions.models import InteractionModel
    from chalicelib.settings import get_settings
    from chalicelib.surveys.service import Surveys

    with dynamo_errors("reading an interaction"):
        try:
            item = InteractionModel.get(observation.interaction_id, consistent_read=True)
        except InteractionModel.DoesNotExist:
            return None
    contact = ended_contact(item)
    if contact is None:
        return None
    return Surveys(get_settings()).consider(contact)
