"""Self-service on chat and WhatsApp: before a contact waits for an agent, offer the
best customer article for the customer's question when the match is confident, and
ask whether it answered it.

`offer_article` (contact flow): parameters `question` (the customer's words),
`language` (the flow's language), optionally `reason` and `customerId`. Answers `status=OK` with
`offerId`, `articleId`, `articleTitle` and `articleText` (the article's first
paragraph and a link, short enough for a chat bubble) when confident; otherwise
`status=NOT_FOUND`, `errorCode=NO_CONFIDENT_ARTICLE`. Either way `question` comes
back masked (phone numbers and e-mail addresses hidden) for the agent to see.

`answer_article` (contact flow): parameters `offerId`, `answer` (1 yes, 2 talk to
someone) and `customerId`. A yes ends the contact as self-served: the KPI counters
`self_served` (per reason; `deflectionPercent` in GET /metrics) and an entry in the
customer's timeline. A no counts the article as unhelpful, makes the question a gap,
and the flow queues the contact with the question attached. Both are counted once
per contact, however often Connect retries.
"""

from __future__ import annotations

from chalicelib.connect.flow import FlowRequest, FlowResponse, flow_function

OFFER_KEYS = ("offerId", "articleId", "articleTitle", "articleText", "question", "language")
ANSWER_KEYS = ("outcome", "articleId")
MAX_TEXT = 700
YES = {"1", "yes", "y", "da", "sì", "si", "igen"}
NO = {"2", "no", "n", "nu", "nem"}


def _channel(request: FlowRequest) -> str:
    return "whatsapp" if "whatsapp" in request.subtype.lower() else "chat"


@flow_function(keys=OFFER_KEYS)
def offer_article(request: FlowRequest, deadline: object) -> FlowResponse:
    from chalicelib.knowledge import api, usage
    from chalicelib.knowledge.markdown import to_text
    from chalicelib.knowledge.reasons import reason_ids
    from chalicelib.knowledge.text import FALLBACK, LANGUAGES
    raw = request.value("question")
    language = request.value("language", "promptLanguage")[:2].lower()
    language = language if language in LANGUAGES else FALLBACK
    reason = request.value("reason")
    reason = reason if reason in reason_ids() else None
    try:
        question = api.question(raw)
    except Exception:  # no usable question: the contact simply goes on to an agent
        return FlowResponse.not_found("NO_QUESTION", language=language, question=_shown(raw))
    shown = _shown(question)
    channel = _channel(request)
    # Phone numbers and addresses are nobody's search terms, and are not kept.
    hits, found_in = api.find(shown, language, reason=reason, channel=channel, audience="customer", limit=1)
    best = hits[0] if hits and hits[0].confident else None
    key = usage.event_key("offer", request.initial_contact_id or request.contact_id)
    usage.record(usage.Asked("offer", key, language, reason, channel, shown,
                             hits[0].article["id"] if hits else None, hits[0].score if hits else None,
                             best is not None, request.value("customerId") or None))
    if best is None:
        return FlowResponse.not_found("NO_CONFIDENT_ARTICLE", offerId=key, question=shown, language=language)
    entry = best.article
    text = to_text(entry["lead"])
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT].rsplit(" ", 1)[0] + "…"
    return FlowResponse.ok(offerId=key, articleId=entry["id"], articleTitle=entry["title"], articleText=text,
                           question=shown, language=found_in)


def _shown(text: str) -> str:
    """The customer's words as the agent sees them and the contact keeps them: masked."""
    from chalicelib.observability import mask_pii

    return mask_pii(" ".join(text.split()))[:300]


@flow_function(keys=ANSWER_KEYS)
def answer_article(request: FlowRequest, deadline: object) -> FlowResponse:
    from chalicelib.errors import NotFound
    from chalicelib.interactions import activity
    from chalicelib.knowledge import usage
    from chalicelib.knowledge.models import KnowledgeEventModel

    key = request.value("offerId")
    said = request.value("answer").strip().lower()
    if said in YES:
        helped = True
    elif said in NO:
        helped = False
    else:
        return FlowResponse.not_found("UNCLEAR_ANSWER", outcome="TO_AGENT")
    try:
        usage.answer(key, helped, self_served=helped)
    except NotFound:
        return FlowResponse.not_found("UNKNOWN_OFFER", outcome="TO_AGENT")
    if not helped:
        return FlowResponse.ok(outcome="TO_AGENT")
    offer = KnowledgeEventModel.get(key)
    customer_id = request.value("customerId")
    activity.note_quietly(customer_id or None, channel="WHATSAPP" if offer.channel == "whatsapp" else "CHAT",
                          kind="self_served", reference=request.initial_contact_id or request.contact_id,
                          detail={"articleId": offer.article_id, "language": offer.language,
                                  "reason": offer.reason, "contactId": request.contact_id})
    return FlowResponse.ok(outcome="SELF_SERVED", articleId=offer.article_id or "")
