"""Retrieval quality on the labelled questions in queries.json: recall@3 and MRR
per language (a hit is an article carrying one of the reasons the answer must have)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

QUERIES = Path(__file__).parent / "queries.json"


def labelled() -> dict[str, list[dict[str, Any]]]:
    return {k: v for k, v in json.loads(QUERIES.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def quality(index: Any) -> dict[str, dict[str, Any]]:
    """{language: {"recall@3", "mrr", "queries", "misses": [question...]}}"""
    found: dict[str, dict[str, Any]] = {}
    for language, queries in labelled().items():
        recalled, reciprocal, misses = 0, 0.0, []
        for query in queries:
            hits = index.search(query["q"], language, limit=10)
            ranks = [n for n, hit in enumerate(hits, 1) if set(hit.article["reasons"]) & set(query["reasons"])]
            if ranks and ranks[0] <= 3:
                recalled += 1
            else:
                misses.append(query["q"])
            reciprocal += 1 / ranks[0] if ranks else 0.0
        found[language] = {"recall@3": round(recalled / len(queries), 3), "mrr": round(reciprocal / len(queries), 3),
                           "queries": len(queries), "misses": misses}
    return found
