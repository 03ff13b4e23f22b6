"""Self-service on WhatsApp: a customer's question answered by an article, before
anyone at the front desk sees it (subscribed, first, to the "whatsapp message" event
that chalicelib.notify.whatsapp_inbound announces; the first handler that answers is
the only one that acts).

- A written question (not a button) whose predicted reason the catalogue marks
  self-service capable, and for which the best customer article for WhatsApp is a
  confident match, gets that article's answer in the language the customer wrote in
  (English when nothing in it matches), with "Did this answer your question? Reply 1
  for yes, or 2 to talk to someone". The offer is counted like the chat's
  (`kbOffers`, per reason and language). Anything else is not answered here: the
  message goes on to the next handler (the clinic's front desk, routed on the
  predicted reason's queue), and a question no article answered is counted as a gap.
- The customer's reply to the newest article offered them on WhatsApp in the last
  24 hours: a yes (1, yes, da, sì, igen...) counts the contact as self-served (the
  `selfServed` KPI, a `self_served` entry in their timeline) and is answered here; a
  no (2, no, nu, nem...) counts the article as unhelpful, makes the question a gap,
  and leaves the question itself (masked) in the event's "asked" for the front desk.

Sent once: the reply's outbox key derives from the message id, the offer is counted
once per message id and the answer once per offer, so a redelivered message is
answered as it was the first time and nothing is sent or counted twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

CHANNEL = "whatsapp"
MESSAGE_TYPE = "kb_answer"
# The answer's length in a WhatsApp bubble (the message itself may hold 4096).
MAX_ANSWER = 1500
# How long an offer waits for its "did this help?" (WhatsApp's own reply window).
ANSWER_WINDOW = timedelta(hours=24)
RECENT_QUESTIONS = 5


def answer(event: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """What the knowledge base did with the message, or None when it is not its to answer."""
    inbound, customer, settings = event["inbound"], event["customer"], event["settings"]
    if inbound.type != "text" or inbound.payload or not inbound.text.strip():
        return None
    said = inbound.text.strip().lower().rstrip(".!")
    from chalicelib.knowledge.selfservice import NO, YES

    if said in YES or said in NO:
        offer = _latest_offer(customer.customer_id, inbound.at)
        if offer is not None:
            return _answered(event, offer, helped=said in YES)
    if not settings.whatsapp_self_service:
        return None
    return _offer(inbound, customer, settings)


def _offer(inbound: Any, customer: Any, settings: Any) -> tuple[str, dict[str, str]] | None:
    from chalicelib.errors import DependencyFailure, InvalidInput
    from chalicelib.knowledge import api, usage
    from chalicelib.knowledge.reasons import self_service
    from chalicelib.notify.outbox import QUEUED
    from chalicelib.notify.service import notifier
    from chalicelib.observability import mask_pii
    from chalicelib.reasons.predict import predict, resolve_language

    try:
        question = api.question(" ".join(inbound.text.split()))
    except InvalidInput:  # too long to be a question for an article: people read it
        return None
    language = resolve_language("", customer.preferred_language or "", question)
    prediction = predict(question, language, threshold=settings.reason_confidence_percent / 100)
    if not self_service(prediction.reason):
        return None
    # Phone numbers and addresses are nobody's search terms, and are not kept.
    shown = mask_pii(question)[:usage.MAX_QUERY]
    hits, found_in = api.find(shown, language, reason=prediction.reason, channel=CHANNEL, audience="customer",
                              limit=1)
    best = hits[0] if hits and hits[0].confident else None
    key = usage.event_key("offer", inbound.message_id)
    asked = usage.Asked("offer", key, language, prediction.reason, CHANNEL, shown,
                        hits[0].article["id"] if hits else None, hits[0].score if hits else None,
                        best is not None, customer.customer_id)
    if best is None:
        usage.record(asked, settings)
        return None
    entry = best.article
    outcome = notifier().send_to_customer(
        customer.customer_id, MESSAGE_TYPE, {"title": entry["title"], "answer": _answer_text(entry)},
        f"kb:{hashlib.sha256(inbound.message_id.encode()).hexdigest()[:32]}", channel=CHANNEL, language=found_in)
    if outcome.status == QUEUED:
        # Another delivery of this message is sending it right now: ask again later
        # rather than pass the message on as if nothing had been sent.
        raise DependencyFailure("the article's answer is being sent by another delivery of the message")
    if not outcome.sent:  # opted out, no number, outside the window...: people answer instead
        return None
    usage.record(asked, settings)
    return "kb_answer", {"articleId": entry["id"], "reason": prediction.reason, "language": found_in}


def _answer_text(entry: dict[str, Any]) -> str:
    """The article as one bubble: its first paragraph, then as much of the rest as fits."""
    from chalicelib.knowledge.markdown import to_text

    text = " ".join(f"{to_text(entry['lead'])} {to_text(entry.get('body') or '')}".split())
    if len(text) > MAX_ANSWER:
        text = text[:MAX_ANSWER].rsplit(" ", 1)[0] + "…"
    return text


def _latest_offer(customer_id: str, now: datetime) -> Any:
    """The newest article offered to the customer on WhatsApp within the answer window,
    if their newest question was one (a question since then is what they wait on)."""
    from chalicelib.db import dynamo_errors, is_live
    from chalicelib.knowledge.models import KnowledgeEventModel

    since = (now - ANSWER_WINDOW).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with dynamo_errors("reading the customer's questions"):
        recent = list(KnowledgeEventModel.by_customer.query(
            customer_id, KnowledgeEventModel.at >= since, scan_index_forward=False, limit=RECENT_QUESTIONS))
    for item in recent:
        if not is_live(item) or item.kind != "offer":
            continue
        # Confident offers were sent (no gap when counted); one answered "no" became a gap.
        sent = item.channel == CHANNEL and item.article_id and (item.gap_day is None or item.helped is False)
        return item if sent else None
    return None


def _answered(event: dict[str, Any], offer: Any, *, helped: bool) -> tuple[str, dict[str, str]] | None:
    from chalicelib.interactions import activity
    from chalicelib.knowledge import usage

    usage.answer(offer.event_key, helped, event["settings"], self_served=helped)  # the first answer counts
    if not helped:
        event["asked"] = offer.question or ""
        return None
    activity.note_quietly(event["customer"].customer_id, channel="WHATSAPP", kind="self_served",
                          reference=offer.event_key, detail={"articleId": offer.article_id or "",
                                                             "language": offer.language, "reason": offer.reason})
    return "kb_helped", {"articleId": offer.article_id or "", "reason": offer.reason}
