"""An interaction keeps every contact event and record of its legs, compacted: what
the timeline shows and what the counters count must not depend on the order its
copies arrived in, nor on the compaction."""

from __future__ import annotations

import itertools
import json

from chalicelib.interactions import fold, parse

CONTACT = "call-1"
EVENTS = [
    ("INITIATED", "2025-05-14T09:00:00Z", {}),
    ("QUEUED", "2025-05-14T09:00:02Z", {"queueInfo": {"queueArn": "arn:aws:connect:x:1:instance/i/queue/Billing",
                                                       "enqueueTimestamp": "2025-05-14T09:00:02Z"}}),
    ("CONNECTED_TO_AGENT", "2025-05-14T09:00:40Z", {"agentInfo": {
        "agentArn": "arn:aws:connect:x:1:instance/i/agent/ioana.m",
        "connectedToAgentTimestamp": "2025-05-14T09:00:40Z"}}),
    ("DISCONNECTED", "2025-05-14T09:06:00Z", {"disconnectTimestamp": "2025-05-14T09:06:00Z",
                                              "disconnectReason": "CUSTOMER_DISCONNECT"}),
]


def _event(kind: str, at: str, extra: dict) -> parse.Observation:
    return parse.contact_event({"time": at, "detail": {
        "contactId": CONTACT, "initialContactId": CONTACT, "channel": "VOICE", "initiationMethod": "INBOUND",
        "initiationTimestamp": "2025-05-14T09:00:00Z", "eventType": kind, **extra}})


RECORD = parse.contact_record({
    "ContactId": CONTACT, "Channel": "VOICE", "InitiationMethod": "INBOUND",
    "InitiationTimestamp": "2025-05-14T09:00:00Z", "DisconnectTimestamp": "2025-05-14T09:06:00Z",
    "LastUpdateTimestamp": "2025-05-14T09:07:00Z", "DisconnectReason": "CUSTOMER_DISCONNECT",
    "Queue": {"Name": "Billing", "Duration": 38, "EnqueueTimestamp": "2025-05-14T09:00:02Z"},
    "Agent": {"Username": "ioana.m", "ConnectedToAgentTimestamp": "2025-05-14T09:00:40Z",
              "AgentInteractionDuration": 300, "AfterContactWorkDuration": 20},
    "Attributes": {"contactReason": "billing"}})


def _stored(observations: list[parse.Observation]) -> dict:
    """The legs as the timeline stores them after taking `observations` in this order."""
    legs: dict = {}
    for observation in observations:
        leg = legs.setdefault(observation.contact_id, {})
        stored = leg.get(observation.source)
        if isinstance(stored, dict) and (stored["at"], stored["fp"]) >= (observation.copy["at"],
                                                                           observation.copy["fp"]):
            continue
        leg[observation.source] = observation.copy
        fold.compact(leg)
    return legs


def test_the_stored_legs_and_the_timeline_are_the_same_whatever_order_events_and_record_arrive_in():
    observations = [_event(*e) for e in EVENTS] + [RECORD]
    orders = list(itertools.permutations(observations))
    stored = {json.dumps(_stored(list(order)), sort_keys=True) for order in orders}
    # Every order leaves the same item
    assert len(stored) == 1
    legs = json.loads(stored.pop())
    # and it reads as the record and events together say
    assert fold.fold(CONTACT, legs).summary() == fold.fold(CONTACT, {CONTACT: {
        **{o.source: o.copy for o in observations}}}).summary()


def test_events_keep_what_they_share_once_and_nothing_the_record_already_says():
    events = [_event(*e) for e in EVENTS]
    before_record = _stored(events)[CONTACT]
    # Before the record: the facts every event repeats are kept once
    assert before_record[fold.SHARED] == {"channel": "VOICE", "method": "INBOUND",
                                          "initiated_at": "2025-05-14T09:00:00.000Z"}
    assert all("channel" not in copy for source, copy in before_record.items() if source.startswith("ev:"))
    # and the call reads as the events say: queued in Billing, with Ioana, ended
    summary = fold.fold(CONTACT, {CONTACT: before_record}).summary()
    assert (summary["queue"], summary["agent"], summary["status"]) == ("Billing", "ioana.m", "ended")
    # Once the record is in, events that say nothing else are gone
    assert set(_stored([*events, RECORD])[CONTACT]) == {parse.CTR}
