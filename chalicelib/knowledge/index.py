"""The search index: built from the article sources, shipped as one compact JSON
file, loaded once per container, searched with BM25.

Per language it holds each article's metadata, text and term frequencies (title
words count TITLE_WEIGHT times: a title says what an article is about) and the
postings of every term, so a search touches only the articles sharing a term with
the question.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.knowledge import source
from chalicelib.knowledge.text import FALLBACK, LANGUAGES, terms, word_terms

INDEX_FILE = Path(__file__).resolve().parent / "index.json"
FORMAT = 1
TITLE_WEIGHT = 3
# BM25 parameters: the usual ones; short articles of similar length make b matter little.
K1, B = 1.2, 0.75
# How much a reason the caller gives raises the articles that carry it.
REASON_BOOST = 1.5
# A search answers "confident" when its best article carries at least half of the
# question's words, scores at least CONFIDENT_SCORE and clearly beats the runner-up:
# what the self-service offer and the gap counting rely on. Tuned on the labelled
# questions in tests/knowledge/queries.json and on greetings that must not match.
CONFIDENT_COVERAGE = 0.5
CONFIDENT_SCORE = 3.0
CONFIDENT_LEAD = 1.25
SNIPPET_LENGTH = 220


def build(root: Path = source.SOURCES) -> dict[str, Any]:
    """The index document of every article under `root` (ArticleError on a fault)."""
    articles = source.read_all(root)
    document: dict[str, Any] = {"format": FORMAT, "languages": {}}
    for language in LANGUAGES:
        entries, postings = [], {}
        for article in sorted((a for a in articles if a.language == language), key=lambda a: a.id):
            counts = Counter(terms(article.title, language) * TITLE_WEIGHT + terms(_plain(article.body), language))
            number = len(entries)
            for term, count in counts.items():
                postings.setdefault(term, []).append([number, count])
            entries.append({
                "id": article.id, "title": article.title, "reasons": list(article.reasons),
                "channels": list(article.channels), "audience": article.audience, "tier": article.tier,
                "owner": article.owner, "reviewed": article.reviewed.isoformat(),
                "reviewDays": article.review_days, "lead": article.lead, "body": article.body,
                "length": sum(counts.values()), "path": article.path,
            })
        average = sum(e["length"] for e in entries) / len(entries) if entries else 0.0
        document["languages"][language] = {"articles": entries, "postings": postings,
                                           "averageLength": round(average, 3)}
    return document


def write(path: Path = INDEX_FILE, root: Path = source.SOURCES) -> int:
    """Build and write the index file; its size in bytes."""
    data = json.dumps(build(root), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    path.write_bytes(data)
    return len(data)


_MARKUP = re.compile(r"[#*_`>\[\]()]|https?://\S+")


def _plain(markdown: str) -> str:
    return _MARKUP.sub(" ", markdown)


@dataclass(frozen=True)
class Hit:
    article: dict[str, Any]
    language: str
    score: float
    coverage: float
    # How many times the runner-up's score this one is (the best hit only; 0 for the rest).
    lead: float = 0.0

    @property
    def confident(self) -> bool:
        return (self.coverage >= CONFIDENT_COVERAGE and self.score >= CONFIDENT_SCORE
                and self.lead >= CONFIDENT_LEAD)


@dataclass
class Index:
    """A loaded index: search and look up articles."""

    document: dict[str, Any]
    _by_id: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for language, part in self.document["languages"].items():
            for entry in part["articles"]:
                self._by_id.setdefault(entry["id"], {})[language] = entry

    def article(self, article_id: str, language: str) -> dict[str, Any] | None:
        return self._by_id.get(article_id, {}).get(language)

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def all_articles(self) -> list[dict[str, Any]]:
        return [entry for part in self.document["languages"].values() for entry in part["articles"]]

    def search(self, question: str, language: str, *, reason: str | None = None, channel: str | None = None,
               audience: str | None = None, limit: int = 5) -> list[Hit]:
        """The best articles of one language for a question, best first."""
        part = self.document["languages"][language]
        groups = word_terms(question, language)
        wanted = list(dict.fromkeys(term for group in groups for term in group))
        if not wanted or not part["articles"]:
            return []
        articles, postings = part["articles"], part["postings"]
        # Coverage counts words, not numbers: an order or phone number in a question
        # says nothing about which article answers it.
        words = [set(group) for group in dict.fromkeys(groups) if not group[0].isdigit()]
        total, average = len(articles), part["averageLength"] or 1.0
        scores: dict[int, float] = {}
        matched: dict[int, set[str]] = {}
        for term in wanted:
            found = postings.get(term)
            if not found:
                continue
            idf = math.log(1 + (total - len(found) + 0.5) / (len(found) + 0.5))
            for number, count in found:
                length = articles[number]["length"]
                gain = idf * count * (K1 + 1) / (count + K1 * (1 - B + B * length / average))
                scores[number] = scores.get(number, 0.0) + gain
                matched.setdefault(number, set()).add(term)
        hits = []
        for number, score in scores.items():
            entry = articles[number]
            if channel and channel not in entry["channels"]:
                continue
            if audience and entry["audience"] != audience:
                continue
            if reason and reason in entry["reasons"]:
                score *= REASON_BOOST
            hits.append(Hit(entry, language, round(score, 4),
                            round(sum(bool(w & matched[number]) for w in words) / len(words), 3) if words else 0.0))
        hits.sort(key=lambda h: (-h.score, h.article["id"]))
        if hits:
            runner_up = hits[1].score if len(hits) > 1 else 0.0
            lead = round(hits[0].score / runner_up, 3) if runner_up else float("inf")
            hits[0] = replace(hits[0], lead=lead)
        return hits[:limit]

    def by_reason(self, reason: str, language: str, *, audience: str | None = None,
                  channel: str | None = None) -> list[dict[str, Any]]:
        """Articles of one language that carry a reason, in id order."""
        return [e for e in self.document["languages"][language]["articles"]
                if reason in e["reasons"] and (audience is None or e["audience"] == audience)
                and (channel is None or channel in e["channels"])]


@cache
def load() -> Index:
    """The index of this deployment: the packaged file, or the sources when there is
    none (tests, the local run)."""
    if INDEX_FILE.exists():
        document = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
        if document.get("format") == FORMAT:
            return Index(document)
    return Index(build())


def snippet(entry: dict[str, Any]) -> str:
    lead = entry["lead"]
    return lead if len(lead) <= SNIPPET_LENGTH else lead[:SNIPPET_LENGTH].rsplit(" ", 1)[0] + "…"


__all__ = ["FALLBACK", "Hit", "Index", "build", "load", "snippet", "write"]
