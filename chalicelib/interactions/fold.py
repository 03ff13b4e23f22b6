"""Folding the legs of an interaction into what the timeline shows and what the KPI
counters count. Pure functions of the stored legs: the same legs give the same
interaction and the same contribution, whatever order they arrived in.

Two views of a leg:
- the *display* view merges every contact event with the contact record (the record
  wins), so the timeline and the profile are current within seconds of a change;
- the *KPI* view is the contact record alone. Contact events are best effort and can
  be lost; contact records are delivered at least once and carry the durations, so
  counters are built from records only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.interactions.parse import CTR, OUTBOUND_METHODS, parse_time
from chalicelib.metrics import counters
from chalicelib.metrics.service_level import threshold_seconds

_META = ("at", "fp")

# Contacts the customer started: they count for first-contact resolution. Tasks,
# outbound calls, monitoring and transfers do not.
CUSTOMER_INITIATED = {
    "VOICE": {"INBOUND", "CALLBACK", "WEBRTC_API"},
    "CHAT": {"INBOUND", "API", "WEBRTC_API"},
    "EMAIL": {"INBOUND"},
    "TASK": set(),
}


# Facts every contact event of a leg repeats (its channel, initiation method and
# start), kept once per leg under this name instead of in each event's copy.
SHARED = "shared"


def _events(leg: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The leg's contact-event copies, whole (the shared facts put back in each)."""
    shared = leg.get(SHARED) if isinstance(leg.get(SHARED), Mapping) else {}
    return {source: {**shared, **copy} for source, copy in leg.items()
            if source.startswith("ev:") and isinstance(copy, Mapping)}


def display_view(leg: Mapping[str, Any]) -> dict[str, Any]:
    copies = sorted(_events(leg).values(), key=lambda c: (c.get("at", ""), c.get("fp", "")))
    view: dict[str, Any] = {}
    for copy in copies:
        view.update({k: v for k, v in copy.items() if k not in _META})
    view.update(kpi_view(leg))
    return view


def compact(leg: dict[str, Any]) -> dict[str, Any]:
    """The leg as stored, the same whatever order its copies arrived in. Facts every
    event copy repeats are kept once (SHARED). Once the contact record is in, an event
    copy keeps only the facts the record does not repeat, with what orders it against
    its redeliveries (`at`, `fp`), and a copy with none left goes: the display view
    lets the record win, so it reads the same, and such a copy arriving later changes
    nothing. Each write of an interaction is billed by the KB: a call with a transfer
    stays near 1 KB a leg instead of carrying every fact four or five times."""
    events = _events(leg)
    record = leg.get(CTR) if isinstance(leg.get(CTR), Mapping) else {}
    for source, copy in list(events.items()):
        rest = {k: v for k, v in copy.items() if k in _META or record.get(k) != v}
        if record and set(rest) <= set(_META):
            del events[source], leg[source]
        else:
            events[source] = rest
    shared: dict[str, Any] = {}
    if len(events) > 1:
        first, *others = events.values()
        shared = {k: v for k, v in first.items()
                  if k not in _META and all(k in other and other[k] == v for other in others)}
    leg.pop(SHARED, None)
    for source, copy in events.items():
        leg[source] = {k: v for k, v in copy.items() if k not in shared}
    if shared:
        leg[SHARED] = shared
    return leg


def kpi_view(leg: Mapping[str, Any]) -> dict[str, Any]:
    record = leg.get(CTR)
    return {k: v for k, v in record.items() if k not in _META} if isinstance(record, Mapping) else {}


@dataclass
class Folded:
    """One projection of an interaction's legs."""

    interaction_id: str
    legs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Some leg's contact record is in: durations are known, not just missing.
    with_record: bool = False

    @property
    def known(self) -> bool:
        return bool(self.legs)

    @property
    def has_initial(self) -> bool:
        """The contact that started the interaction has been seen: its start is final."""
        return any(cid == self.interaction_id for cid, _ in self.legs)

    def last(self, name: str) -> Any:
        return next((view[name] for _, view in reversed(self.legs) if view.get(name)), None)

    def _sum(self, name: str) -> int:
        return sum(int(view.get(name) or 0) for _, view in self.legs)

    @property
    def first(self) -> dict[str, Any]:
        return self.legs[0][1] if self.legs else {}

    @property
    def started_at(self) -> str | None:
        if self.has_initial:
            return self.first.get("initiated_at") or None
        starts = [view["initiated_at"] for _, view in self.legs if view.get("initiated_at")]
        return min(starts) if starts else None

    @property
    def channel(self) -> str | None:
        return self.first.get("channel") or self.last("channel")

    @property
    def initiation_method(self) -> str | None:
        return self.first.get("method") if self.has_initial else None

    @property
    def queue(self) -> str | None:
        return self.last("queue")

    @property
    def agent(self) -> str | None:
        return self.last("agent")

    @property
    def reason(self) -> str | None:
        return self.last("reason")

    @property
    def predicted_reason(self) -> str | None:
        return self.last("predicted_reason")

    @property
    def handled(self) -> bool:
        return any(view.get("connected_at") for _, view in self.legs)

    @property
    def ended(self) -> bool:
        last = self.legs[-1][1] if self.legs else {}
        return bool(last.get("disconnected_at")) and not last.get("next")

    @property
    def customer_contact(self) -> bool:
        method = self.initiation_method or ""
        return method in CUSTOMER_INITIATED.get(self.channel or "", {"INBOUND"})

    @property
    def resolved(self) -> bool | None:
        flag = self.last("resolved")
        return None if not flag else flag == "true"

    def summary(self) -> dict[str, Any]:
        """The interaction as stored on its item (attribute name -> value)."""
        queued = any(view.get("enqueued_at") for _, view in self.legs)
        talk, hold, acw = self._sum("talk"), self._sum("hold"), self._sum("acw")
        timed = self.with_record or None
        return {
            "channel": self.channel,
            "initiation_method": self.initiation_method,
            "started_at": self.started_at,
            "ended_at": self.legs[-1][1].get("disconnected_at") if self.ended else None,
            "status": "ended" if self.ended else "in_progress",
            "queue": self.queue,
            "agent": self.agent,
            "queue_wait_seconds": self._sum("queue_wait") if queued and timed else None,
            "talk_seconds": talk if timed else None,
            "hold_seconds": hold if timed else None,
            "after_contact_work_seconds": acw if timed else None,
            "handle_seconds": talk + hold + acw if timed and self.handled else None,
            "disconnect_reason": self.legs[-1][1].get("disconnect_reason") if self.legs else None,
            "abandoned": queued and not self.handled and self.ended,
            "contact_reason": self.reason,
            "predicted_reason": self.predicted_reason,
            "disposition": self.last("disposition"),
            "resolved": self.resolved,
            "case_id": self.last("case_id"),
            "transfers": max(0, len(self.legs) - 1),
            "contact_ids": [cid for cid, _ in self.legs],
        }


def fold(interaction_id: str, legs: Mapping[str, Any] | None, kpi: bool = False) -> Folded:
    """The legs in chain order (the starting contact first, then by start)."""
    view = kpi_view if kpi else display_view
    views = [(cid, view(leg)) for cid, leg in (legs or {}).items() if isinstance(leg, Mapping)]
    views = [(cid, v) for cid, v in views if v]
    views.sort(key=lambda item: (item[0] != interaction_id, item[1].get("initiated_at") or "~", item[0]))
    with_record = any(isinstance(leg, Mapping) and CTR in leg for leg in (legs or {}).values())
    return Folded(interaction_id, views, with_record)


def _day(view: Mapping[str, Any], time_zone: str) -> str | None:
    moment = parse_time(view.get("initiated_at") or view.get("disconnected_at"))
    return counters.local_day(moment, time_zone) if moment else None


def _seconds_between(start: object, end: object) -> int:
    started, ended = parse_time(start), parse_time(end)
    return max(0, int((ended - started).total_seconds())) if started and ended else 0


def volume_contribution(interaction: Folded, time_zone: str, wfm_queues: str = "{}") -> counters.Parts:
    """What an interaction adds to the volume counters, from its contact records, in
    the compact form its item keeps (`counters.expand` gives the counters).

    Per leg (each transfer leg is work a queue and an agent did): queued, queue wait,
    answered (queued and reached an agent) and its wait, answered within the queue's
    service-level threshold, handled, handle time (talk + hold + after-contact work),
    abandoned (queued, never reached an agent, not transferred on), transfers, and for
    calls the billed seconds by direction and country (`phone_in_seconds_ro`). Per
    interaction, once its first contact's record is in: one contact, in the queue and
    with the agent it ended with, and one chat or WhatsApp conversation.
    """
    contribution: counters.Parts = []
    reason, channel = interaction.reason, interaction.channel
    direction = "out" if (interaction.first.get("method") or "") in OUTBOUND_METHODS else "in"
    for _, view in interaction.legs:
        day = _day(view, time_zone)
        if day is None:
            continue
        queued = bool(view.get("enqueued_at"))
        handled = bool(view.get("connected_at"))
        wait = int(view.get("queue_wait") or 0) if queued else 0
        fields = {
            "queued": int(queued),
            "queue_wait_seconds": wait,
            "answered": int(queued and handled),
            "answer_wait_seconds": wait if handled else 0,
            "answered_in_threshold": int(queued and handled and wait <= threshold_seconds(view.get("queue"),
                                                                                          wfm_queues)),
            "handled": int(handled),
            "handle_seconds": sum(int(view.get(k) or 0) for k in ("talk", "hold", "acw")) if handled else 0,
            "abandoned": int(queued and not handled and not view.get("next")),
            "transfers": int(bool(view.get("next"))),
        }
        if channel == "VOICE":
            country = str(view.get("country") or "xx").lower()
            fields[f"phone_{direction}_seconds_{country}"] = _seconds_between(view.get("initiated_at"),
                                                                              view.get("disconnected_at"))
        counters.add_part(contribution, day, {
            "channel": channel, "reason": reason, "queue": view.get("queue"), "agent": view.get("agent"),
        }, fields)
    if interaction.has_initial:
        day = _day(interaction.first, time_zone)
        if day is not None:
            # Whether the flow's predicted reason was the one the agent set at wrap-up:
            # per reason (the agent's), the routing's accuracy.
            checked = bool(interaction.predicted_reason and reason)
            whatsapp = channel == "CHAT" and bool(interaction.first.get("whatsapp"))
            # A WhatsApp conversation the customer opened is a "service" conversation;
            # one the business opened through Connect is a "utility" one.
            category = "utility" if direction == "out" else "service"
            counters.add_part(contribution, day, {
                "channel": channel, "reason": reason, "queue": interaction.queue, "agent": interaction.agent,
            }, {"contacts": 1, "predictions_checked": int(checked),
                "predictions_right": int(checked and interaction.predicted_reason == reason),
                "chats": int(channel == "CHAT" and not whatsapp),
                f"whatsapp_{category}": int(whatsapp)})
    return contribution
