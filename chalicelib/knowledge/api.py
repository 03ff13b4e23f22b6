"""The knowledge base's REST answers: search, an article, suggestions for a contact,
"this helped", and the gaps report.

Every parameter is checked before anything is read or written; a question is text
to match, never markup: it is tokenised, never echoed back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from chalicelib.errors import InvalidInput, NotFound, only_fields, only_params
from chalicelib.knowledge import index as kb
from chalicelib.knowledge.reasons import require_reason
from chalicelib.knowledge.source import CHANNELS
from chalicelib.knowledge.text import FALLBACK, LANGUAGES

MAX_QUESTION = 500
MAX_LIMIT = 20
DEFAULT_LIMIT = 5
MAX_GAP_DAYS = 92
MAX_GAP_EXAMPLES = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_ARTICLE_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
_CONTACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,127}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEY = re.compile(r"(search|suggestion|offer)#[0-9a-f]{32}")


def question(raw: str | None) -> str:
    """A question as people type it: 1-500 characters, no control characters."""
    if raw is None or not raw.strip():
        raise InvalidInput("q is required: the question, 1 to 500 characters")
    if len(raw) > MAX_QUESTION:
        raise InvalidInput(f"q must be at most {MAX_QUESTION} characters")
    if _CONTROL.search(raw):
        raise InvalidInput("q must not contain control characters")
    return raw.strip()


def language(raw: str | None, name: str = "lang") -> str:
    if raw is None:
        return FALLBACK
    if raw not in LANGUAGES:
        raise InvalidInput(f"{name} must be one of {', '.join(LANGUAGES)}")
    return raw


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def _channel(raw: str | None) -> str | None:
    if raw is None:
        return None
    if raw not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
    return raw


def contact_id_param(raw: str | None, required: bool = False) -> str | None:
    if raw is None and not required:
        return None
    if raw is None or not _CONTACT_ID.fullmatch(raw):
        raise InvalidInput("contactId must be an Amazon Connect contact id")
    return raw


def result(hit: kb.Hit) -> dict[str, Any]:
    entry = hit.article
    return {"id": entry["id"], "title": entry["title"], "language": hit.language, "reasons": entry["reasons"],
            "audience": entry["audience"], "score": hit.score, "snippet": kb.snippet(entry)}


def find(text: str, lang: str, *, reason: str | None = None, channel: str | None = None,
         audience: str | None = None, limit: int = DEFAULT_LIMIT) -> tuple[list[kb.Hit], str]:
    """The best articles and the language they are in: the one asked for, or English
    when nothing in that language matches."""
    index = kb.load()
    hits = index.search(text, lang, reason=reason, channel=channel, audience=audience, limit=limit)
    if not hits and lang != FALLBACK:
        hits = index.search(text, FALLBACK, reason=reason, channel=channel, audience=audience, limit=limit)
        if hits:
            return hits, FALLBACK
    return hits, lang


def search(query: Mapping[str, str] | None, request_id: str = "") -> dict[str, Any]:
    """GET /kb/search?q=&lang=&reason=&channel=&limit=&contactId="""
    from chalicelib.knowledge import usage

    query = only_params(query, ("q", "lang", "reason", "channel", "limit", "contactId"))
    text = question(query.get("q"))
    lang = language(query.get("lang"))
    reason = require_reason(query["reason"]) if "reason" in query else None
    channel = _channel(query.get("channel"))
    limit = _limit(query.get("limit"))
    contact_id = contact_id_param(query.get("contactId"))
    hits, found_in = find(text, lang, reason=reason, channel=channel, limit=limit)
    # The same question about the same contact is one search, however often it is sent;
    # without a contact, each request is one (API Gateway's request id, else a fresh one).
    import uuid

    key = usage.event_key("search", contact_id or request_id or uuid.uuid4().hex, lang, reason or "",
                          " ".join(text.lower().split()))
    best = hits[0] if hits else None
    customer_id = None
    if contact_id:  # the question is about this contact's customer: erased with them
        from chalicelib.knowledge.suggest import contact

        customer = contact(contact_id)[1]
        customer_id = customer.customer_id if customer is not None else None
    usage.record(usage.Asked("search", key, lang, reason, channel, text, best.article["id"] if best else None,
                             best.score if best else None, bool(best and best.confident), customer_id))
    answer: dict[str, Any] = {"results": [result(h) for h in hits], "language": found_in,
                              "fallback": found_in != lang, "searchId": key}
    if found_in != lang:
        answer["note"] = f"nothing in {lang} matched; these articles are in English"
    return answer


def _article_id(raw: str) -> str:
    if not _ARTICLE_ID.fullmatch(raw or ""):
        raise InvalidInput("article id must be lower-case letters, digits and '-'")
    return raw


def article(article_id: str, query: Mapping[str, str] | None) -> dict[str, Any]:
    """GET /kb/articles/{id}?lang=: the article, its text as Markdown and as safe HTML."""
    from chalicelib.knowledge.markdown import to_html

    query = only_params(query, ("lang", "format"))
    lang = language(query.get("lang"))
    entry = kb.load().article(_article_id(article_id), lang)
    if entry is None:
        raise NotFound(f"there is no article {article_id} in {lang}")
    return {"id": entry["id"], "language": lang, "title": entry["title"], "reasons": entry["reasons"],
            "channels": entry["channels"], "audience": entry["audience"], "tier": entry["tier"],
            "owner": entry["owner"], "reviewed": entry["reviewed"], "reviewDue": review_due(entry).isoformat(),
            "markdown": entry["body"], "html": to_html(entry["body"])}


def review_due(entry: Mapping[str, Any]) -> date:
    return date.fromisoformat(entry["reviewed"]) + timedelta(days=int(entry["reviewDays"]))


def wants_html(query: Mapping[str, str] | None, accept: str | None) -> bool:
    fmt = (query or {}).get("format")
    if fmt is not None:
        if fmt not in ("html", "json"):
            raise InvalidInput("format must be html or json")
        return fmt == "html"
    return "text/html" in (accept or "") and "application/json" not in (accept or "")


def article_page(document: Mapping[str, Any]) -> str:
    """The article as a page of its own, in its language (the text is already safe HTML)."""
    from html import escape

    return (f'<!doctype html>\n<html lang="{document["language"]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(document['title'])}</title></head>\n<body><main><article>"
            f"<h1>{escape(document['title'])}</h1>\n{document['html']}\n</article></main></body></html>\n")


PAGE_HEADERS = {"Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": "default-src 'none'; style-src 'self'; base-uri 'none'; "
                                           "form-action 'none'; frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def feedback(body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /kb/feedback {"searchId", "helped": true|false}: an agent's "this helped"."""
    from chalicelib.knowledge import usage

    only_fields(body, {"searchId", "helped"})
    key = body.get("searchId")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidInput("searchId must be the searchId a search or suggestion answered")
    helped = body.get("helped")
    if not isinstance(helped, bool):
        raise InvalidInput("helped must be true or false")
    counted = usage.answer(key, helped)
    return {"searchId": key, "helped": helped, "counted": counted}


def _day(name: str, raw: str | None) -> date:
    from chalicelib.metrics.report import FIRST_DAY, LAST_DAY

    if raw is None or not _DATE.fullmatch(raw):
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} is not a calendar date") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        # the days the counters are kept for; also keeps the walk back a day at a time
        # from running off the calendar (year 1)
        raise InvalidInput(f"{name} must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def gaps(query: Mapping[str, str] | None, today: date | None = None) -> dict[str, Any]:
    """GET /kb/gaps?from=&to=: the reasons and languages whose questions go
    unanswered, the articles marked unhelpful, examples of unanswered questions
    (masked), and the articles past their review date, by owner."""
    from chalicelib.db import utcnow
    from chalicelib.knowledge import usage
    from chalicelib.metrics import report

    query = only_params(query, ("from", "to"))
    start = _day("from", query.get("from"))
    end = _day("to", query.get("to", query.get("from")))
    if end < start:
        raise InvalidInput("to must not be before from")
    if (end - start).days + 1 > MAX_GAP_DAYS:
        raise InvalidInput(f"a gaps report covers at most {MAX_GAP_DAYS} days")
    unanswered = []
    for group, counts in report.read("kb", start, end).items():
        asked = sum(counts.get(name, 0) for name in usage.KINDS.values())
        reason, _, lang = group.partition(":")
        unanswered.append({"reason": reason, "language": lang, "questions": asked, "gaps": counts.get("kb_gaps", 0),
                           "gapPercent": round(100 * counts.get("kb_gaps", 0) / asked, 1) if asked else None,
                           "helped": counts.get("kb_helped", 0), "unhelpful": counts.get("kb_unhelpful", 0)})
    unanswered.sort(key=lambda g: (-g["gaps"], g["reason"], g["language"]))
    index = kb.load()
    unhelpful = []
    for group, counts in report.read("kbarticle", start, end).items():
        article_id, _, lang = group.partition(":")
        if counts.get("kb_unhelpful", 0):
            entry = index.article(article_id, lang) or {}
            unhelpful.append({"id": article_id, "language": lang, "title": entry.get("title"),
                              "owner": entry.get("owner"), "unhelpful": counts.get("kb_unhelpful", 0),
                              "helped": counts.get("kb_helped", 0)})
    unhelpful.sort(key=lambda a: (-a["unhelpful"], a["id"], a["language"]))
    examples: list[dict[str, Any]] = []
    day = end
    while day >= start and len(examples) < MAX_GAP_EXAMPLES:
        for item in usage.gaps_on(day.isoformat(), MAX_GAP_EXAMPLES - len(examples)):
            examples.append({"at": item.at.split("#", 1)[0], "reason": item.reason, "language": item.language,
                             "question": item.question, "articleId": item.article_id,
                             "helped": item.helped})
        day -= timedelta(days=1)
    return {"from": start.isoformat(), "to": end.isoformat(), "unanswered": unanswered,
            "unhelpfulArticles": unhelpful, "questions": examples,
            "reviewsDue": reviews_due(today or utcnow().date())}


def reviews_due(today: date) -> list[dict[str, Any]]:
    """Articles past their review date, each owner's together, most overdue first."""
    due = [{"id": e["id"], "language": lang, "title": e["title"], "owner": e["owner"], "reviewed": e["reviewed"],
            "reviewDue": review_due(e).isoformat()}
           for lang in LANGUAGES for e in kb.load().document["languages"][lang]["articles"] if review_due(e) < today]
    return sorted(due, key=lambda d: (d["owner"], d["reviewDue"], d["id"], d["language"]))
