"""Scorecards: what a supervisor rates in a contact, and how ratings make a score.

A scorecard is a JSON file in `scorecards/` (its id is the file name): criteria, each
with a weight and a label and help text in every language the pages speak, and the
rating scale (0 = not done ... the highest = excellent) with its labels. A criterion
marked `critical` (compliance and data protection) that is rated 0 makes the
contact's score 0, whatever the rest: a contact that leaked personal data is not a
70 % contact.

The score is the weighted mean of the ratings, as a percentage of the highest
rating, rounded to a whole number: 0-100. Files are read and checked once per
container; a broken file fails loudly at first use (and in the unit tests), never
with a half-loaded scorecard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.notify.render import FALLBACK_LANGUAGE, LANGUAGES

HERE = Path(__file__).resolve().parent / "scorecards"
_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")


class ScorecardError(ValueError):
    """A scorecard file does not describe a usable scorecard."""


@dataclass(frozen=True)
class Criterion:
    id: str
    weight: int
    label: Mapping[str, str]
    help: Mapping[str, str]
    critical: bool = False


@dataclass(frozen=True)
class Scorecard:
    id: str
    version: int
    name: Mapping[str, str]
    ratings: tuple[int, ...]
    rating_labels: Mapping[int, Mapping[str, str]]
    criteria: tuple[Criterion, ...]

    @property
    def top(self) -> int:
        return self.ratings[-1]

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def score(self, ratings: Mapping[str, int]) -> int:
        """0-100 from a rating for every criterion (checked by the caller)."""
        if any(c.critical and ratings[c.id] == 0 for c in self.criteria):
            return 0
        total = sum(c.weight for c in self.criteria)
        earned = sum(c.weight * ratings[c.id] for c in self.criteria)
        # Half up, not Python's banker's rounding: 62.5 is 63 on every page.
        return int(earned * 100 / (total * self.top) + 0.5)

    def document(self, language: str) -> dict[str, Any]:
        """The scorecard in one language, as the pages and the API show it."""
        lang = language if language in LANGUAGES else FALLBACK_LANGUAGE
        return {"id": self.id, "version": self.version, "name": self.name[lang],
                "ratings": [{"value": r, "label": self.rating_labels[r][lang]} for r in self.ratings],
                "criteria": [{"id": c.id, "weight": c.weight, "critical": c.critical, "label": c.label[lang],
                              "help": c.help[lang]} for c in self.criteria]}


def _words(where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise ScorecardError(f"{where} must give text in exactly {', '.join(LANGUAGES)}")
    for language, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise ScorecardError(f"{where}.{language} must be non-empty text")
    return dict(value)


def parse(scorecard_id: str, raw: Mapping[str, Any]) -> Scorecard:
    """A scorecard from its file's content; ScorecardError naming what is wrong."""
    if raw.get("id") != scorecard_id:
        raise ScorecardError(f"scorecard {scorecard_id}: id must be {scorecard_id!r}, the file's name")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ScorecardError(f"scorecard {scorecard_id}: version must be a whole number from 1")
    ratings_raw = raw.get("ratings")
    if not isinstance(ratings_raw, dict) or not ratings_raw:
        raise ScorecardError(f"scorecard {scorecard_id}: ratings must map 0, 1, ... to their labels")
    ratings = tuple(range(len(ratings_raw)))
    if sorted(ratings_raw) != [str(r) for r in ratings] or len(ratings) < 2:
        raise ScorecardError(f"scorecard {scorecard_id}: ratings must be 0 to N (N at least 1), each once")
    labels = {r: _words(f"{scorecard_id}.ratings.{r}", ratings_raw[str(r)]) for r in ratings}
    criteria_raw = raw.get("criteria")
    if not isinstance(criteria_raw, list) or not criteria_raw:
        raise ScorecardError(f"scorecard {scorecard_id}: criteria must be a non-empty list")
    criteria: list[Criterion] = []
    for index, item in enumerate(criteria_raw):
        where = f"{scorecard_id}.criteria[{index}]"
        if not isinstance(item, dict):
            raise ScorecardError(f"{where} must be an object")
        unknown = sorted(set(item) - {"id", "weight", "label", "help", "critical"})
        if unknown:
            raise ScorecardError(f"{where}: unknown field(s) {', '.join(unknown)}")
        criterion_id = item.get("id")
        if not isinstance(criterion_id, str) or not _ID.fullmatch(criterion_id):
            raise ScorecardError(f"{where}.id must be lower-case letters, digits, '_' or '-'")
        if any(c.id == criterion_id for c in criteria):
            raise ScorecardError(f"{where}.id {criterion_id!r} appears twice")
        weight = item.get("weight")
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
            raise ScorecardError(f"{where}.weight must be a whole number from 1 to 100")
        critical = item.get("critical", False)
        if not isinstance(critical, bool):
            raise ScorecardError(f"{where}.critical must be true or false")
        criteria.append(Criterion(criterion_id, weight, _words(f"{where}.label", item.get("label")),
                                  _words(f"{where}.help", item.get("help")), critical))
    unknown = sorted(set(raw) - {"id", "version", "name", "ratings", "criteria"})
    if unknown:
        raise ScorecardError(f"scorecard {scorecard_id}: unknown field(s) {', '.join(unknown)}")
    return Scorecard(scorecard_id, version, _words(f"{scorecard_id}.name", raw.get("name")), ratings, labels,
                     tuple(criteria))


@cache
def all_scorecards() -> dict[str, Scorecard]:
    """Every scorecard shipped, by id, read and checked once."""
    found = {}
    for path in sorted(HERE.glob("*.json")):
        if not _ID.fullmatch(path.stem):
            raise ScorecardError(f"scorecard file {path.name}: the name must be a scorecard id")
        found[path.stem] = parse(path.stem, json.loads(path.read_text(encoding="utf-8")))
    return found


def get(scorecard_id: str) -> Scorecard | None:
    return all_scorecards().get(scorecard_id)
