"""What the knowledge base is used for, and where it falls short.

Every search, suggestion and self-service offer is counted once per natural key
(`record`), in the KPI counters per reason and language; whether it helped (an
agent's "this helped", a customer's yes or no) is counted once per key too
(`answer`: the first answer wins). A question with no confident article, or whose
article did not help, is a gap: kept, masked, for the gaps report.

Counter names (GET /metrics shows them in camel case): kb_searches, kb_suggestions,
kb_offers, kb_gaps, kb_answered, kb_helped, kb_unhelpful, self_served. Dimensions:
`reason`, `kb` (`<reason>:<language>`) and `kbarticle` (`<article>:<language>`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.db import dynamo_errors, utcnow, write_counted
from chalicelib.errors import NotFound
from chalicelib.settings import Settings, get_settings

KINDS = {"search": "kb_searches", "suggestion": "kb_suggestions", "offer": "kb_offers"}
MAX_QUERY = 300


def event_key(kind: str, *parts: str) -> str:
    """A key that says nothing by itself: kind and a digest of what identifies the event."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{kind}#{digest}"


@dataclass(frozen=True)
class Asked:
    """One question put to the knowledge base and what it answered."""

    kind: str  # search, suggestion, offer
    key: str
    language: str
    reason: str | None
    channel: str | None
    question: str
    article_id: str | None  # the best article, if any
    score: float | None
    confident: bool
    customer_id: str | None = None  # when the question is a known customer's


def _masked(question: str) -> str:
    from chalicelib.observability import mask_pii

    return mask_pii(" ".join(question.split()))[:MAX_QUERY]


def _day(moment: datetime, settings: Settings) -> str:
    from chalicelib.metrics import counters

    return counters.local_day(moment, settings.metrics_time_zone)


def _groups(reason: str | None, language: str, article_id: str | None) -> dict[str, str]:
    from chalicelib.metrics import counters

    reason = counters.clean_value(reason)
    groups = {"reason": reason, "kb": f"{reason}:{language}"}
    if article_id:
        groups["kbarticle"] = f"{article_id}:{language}"
    return groups


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record(asked: Asked, settings: Settings | None = None, now: datetime | None = None) -> bool:
    """Count a question once: True when counted now, False when its key was counted
    before (a redelivered event, a retried call)."""
    from chalicelib.db import expiry
    from chalicelib.knowledge.models import KnowledgeEventModel
    from chalicelib.metrics import counters, journal

    settings = settings or get_settings()
    now = now or utcnow()
    day = _day(now, settings)
    gap = not asked.confident
    item = KnowledgeEventModel(
        asked.key, kind=asked.kind, at=f"{_iso(now)}#{asked.key}", day=day,
        reason=counters.clean_value(asked.reason), language=asked.language, channel=asked.channel,
        article_id=asked.article_id, score=asked.score, question=_masked(asked.question),
        gap_day=day if gap else None, customer_id=asked.customer_id or None,
        expires_at=expiry(settings.knowledge_retention_days, now))
    contribution: counters.Contribution = {}
    counters.add(contribution, day, _groups(asked.reason, asked.language, asked.article_id if not gap else None),
                 {KINDS[asked.kind]: 1, "kb_gaps": int(gap)})
    transaction = [{"Put": {"TableName": settings.knowledge_table, "Item": item.serialize(),
                            "ConditionExpression": "attribute_not_exists(event_key)"}}]
    transaction += journal.put(settings, kpi=contribution)
    return write_counted(transaction, "counting a knowledge base question")


def answer(key: str, helped: bool, settings: Settings | None = None, *, self_served: bool = False) -> bool:
    """Whether the article offered for question `key` helped: counted once, the first
    answer wins. A "no" makes the question a gap. `self_served` counts the contact
    as ended without an agent. True when counted now."""
    from chalicelib.knowledge.models import KnowledgeEventModel
    from chalicelib.metrics import counters, journal
    from chalicelib.wire import to_wire

    settings = settings or get_settings()
    with dynamo_errors("reading a knowledge base question"):
        try:
            item = KnowledgeEventModel.get(key)
        except KnowledgeEventModel.DoesNotExist:
            raise NotFound("no question with that id was counted; search again") from None
    if item.helped is not None:
        return False
    becomes_gap = not helped and item.gap_day is None
    contribution: counters.Contribution = {}
    counters.add(contribution, item.day, _groups(item.reason, item.language, item.article_id),
                 {"kb_answered": 1, "kb_helped": int(helped), "kb_unhelpful": int(not helped),
                  "kb_gaps": int(becomes_gap), "self_served": int(helped and self_served)})
    update = "SET helped = :helped" + (", gap_day = :day" if becomes_gap else "")
    values: dict[str, Any] = {":helped": to_wire(helped)}
    if becomes_gap:
        values[":day"] = to_wire(item.day)
    transaction = [{"Update": {"TableName": settings.knowledge_table, "Key": {"event_key": to_wire(key)},
                               "UpdateExpression": update,
                               "ConditionExpression": "attribute_exists(event_key) AND attribute_not_exists(helped)",
                               "ExpressionAttributeValues": values}}]
    transaction += journal.put(settings, kpi=contribution)
    return write_counted(transaction, "counting whether an article helped")


def gaps_on(day: str, limit: int) -> list[Any]:
    """The gaps of one reporting day, newest first."""
    from chalicelib.knowledge.models import KnowledgeEventModel

    now = utcnow()
    with dynamo_errors("reading knowledge base gaps"):
        found = []
        for item in KnowledgeEventModel.gaps_by_day.query(day, scan_index_forward=False, limit=limit):
            if item.expires_at is None or item.expires_at > now:
                found.append(item)
            if len(found) >= limit:
                break
    return found


def register_rates() -> None:
    """The knowledge base's rates in GET /metrics: contacts self-served among those
    offered an article (deflection), and articles that helped among those answered."""
    from chalicelib.metrics.report import derive

    derive("deflectionPercent", "self_served", "kb_offers", 100)
    derive("kbHelpedPercent", "kb_helped", "kb_answered", 100)
