"""Survey definitions: small declarative files in chalicelib/surveys/definitions/.

    {"id": "post_contact", "invitation": "email",
     "appliesTo": {"channels": ["VOICE", "EMAIL"], "queues": ["*"]},
     "samplePercent": 50,                                  (optional)
     "title": {"en": ..., "ro": ..., "it": ..., "hu": ...},
     "questions": [{"id": "nps", "type": "nps", "required": true, "text": {...}}, ...]}

- `invitation`: `email` (a link to the web form after the contact) or `voice`
  (asked in the call by the post-call survey flow, answered with the keypad; its
  `voice` block holds the intro, "not a valid answer" and goodbye prompts).
- `appliesTo` chooses the e-mailed survey for an ended contact: its channel must be
  listed, and a survey naming the contact's queue wins over one for every queue
  (`*`). Two surveys that would tie are refused when the definitions load.
- Question types: `nps` (0-10), `csat` (1-5), `ces` (1-7), `text` (free text, web
  only); each rated type at most once per survey, since it is that survey's score.
  `{brand}` in a text is replaced by the brand name.
- Every text in every language the product writes (en, ro, it, hu).

A definition error is found when the files load (tests load them all), never while
a customer is answering.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.surveys.scoring import RANGES, RATED, TEXT, TYPES

DIRECTORY = Path(__file__).resolve().parent / "definitions"
LANGUAGES = ("en", "ro", "it", "hu")
INVITATIONS = ("email", "voice")
ANY_QUEUE = "*"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")
_VOICE_PROMPTS = ("intro", "invalid", "not_recorded", "thanks")


class DefinitionError(ValueError):
    """A survey definition file is not usable; the message names the file and the field."""


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    required: bool
    text: dict[str, str]

    @property
    def rated(self) -> bool:
        return self.type in RATED

    @property
    def scale(self) -> tuple[int, int]:
        return RANGES[self.type]

    def text_in(self, language: str, brand: str = "") -> str:
        return self.text.get(language, self.text["en"]).replace("{brand}", brand)


@dataclass(frozen=True)
class Survey:
    id: str
    invitation: str
    title: dict[str, str]
    questions: tuple[Question, ...]
    channels: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    sample_percent: int | None = None
    voice: dict[str, dict[str, str]] | None = None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def applies_to(self, channel: str, queue: str | None) -> int:
        """0 when it does not apply; 2 for a survey naming the queue, 1 for any queue."""
        if self.invitation != "email" or channel not in self.channels:
            return 0
        if queue and queue in self.queues:
            return 2
        return 1 if ANY_QUEUE in self.queues else 0


def _texts(where: str, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) != set(LANGUAGES):
        raise DefinitionError(f"{where} must give a text in each of {', '.join(LANGUAGES)}")
    if not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise DefinitionError(f"{where} has an empty text")
    return dict(raw)


def parse(name: str, raw: Any) -> Survey:
    """A definition document as a Survey, or DefinitionError naming what is wrong."""
    if not isinstance(raw, dict):
        raise DefinitionError(f"{name}: a survey definition is a JSON object")
    known = {"id", "invitation", "appliesTo", "samplePercent", "title", "questions", "voice"}
    if set(raw) - known:
        raise DefinitionError(f"{name}: unknown field(s) {', '.join(sorted(set(raw) - known))}")
    survey_id = raw.get("id")
    if not isinstance(survey_id, str) or not _ID.match(survey_id) or survey_id != name:
        raise DefinitionError(f"{name}: id must be a lower-case name equal to the file name")
    invitation = raw.get("invitation")
    if invitation not in INVITATIONS:
        raise DefinitionError(f"{name}: invitation must be one of {', '.join(INVITATIONS)}")
    questions = []
    for i, q in enumerate(raw.get("questions") or []):
        where = f"{name}: question {i + 1}"
        if not isinstance(q, dict) or set(q) - {"id", "type", "required", "text"}:
            raise DefinitionError(f"{where} must have id, type, required and text only")
        if not isinstance(q.get("id"), str) or not _ID.match(q["id"]):
            raise DefinitionError(f"{where}: id must be a lower-case name")
        if q.get("type") not in TYPES:
            raise DefinitionError(f"{where}: type must be one of {', '.join(TYPES)}")
        if invitation == "voice" and q["type"] == TEXT:
            raise DefinitionError(f"{where}: a voice survey cannot ask for free text")
        if not isinstance(q.get("required", False), bool):
            raise DefinitionError(f"{where}: required is true or false")
        questions.append(Question(q["id"], q["type"], q.get("required", False), _texts(f"{where} text", q.get("text"))))
    if not questions:
        raise DefinitionError(f"{name}: a survey asks at least one question")
    if len({q.id for q in questions}) != len(questions):
        raise DefinitionError(f"{name}: question ids must be unique")
    rated = [q.type for q in questions if q.rated]
    if len(set(rated)) != len(rated) or not rated:
        raise DefinitionError(f"{name}: ask at least one rated question, and each of nps, csat, ces at most once")
    channels: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    applies = raw.get("appliesTo")
    if invitation == "email":
        if not isinstance(applies, dict) or set(applies) != {"channels", "queues"}:
            raise DefinitionError(f"{name}: appliesTo must list channels and queues")
        channels = tuple(applies["channels"]) if isinstance(applies["channels"], list) else ()
        queues = tuple(applies["queues"]) if isinstance(applies["queues"], list) else ()
        if not channels or not all(c in ("VOICE", "CHAT", "EMAIL") for c in channels):
            raise DefinitionError(f"{name}: appliesTo.channels lists VOICE, CHAT or EMAIL")
        if not queues or not all(isinstance(q, str) and q for q in queues):
            raise DefinitionError(f"{name}: appliesTo.queues lists queue names or *")
    elif applies is not None:
        raise DefinitionError(f"{name}: a voice survey is started by its flow; appliesTo does not apply")
    voice = None
    if invitation == "voice":
        prompts = raw.get("voice")
        if not isinstance(prompts, dict) or set(prompts) != set(_VOICE_PROMPTS):
            raise DefinitionError(f"{name}: voice must give the prompts {', '.join(_VOICE_PROMPTS)}")
        voice = {key: _texts(f"{name}: voice.{key}", prompts[key]) for key in _VOICE_PROMPTS}
    sample = raw.get("samplePercent")
    if sample is not None and (not isinstance(sample, int) or isinstance(sample, bool) or not 0 <= sample <= 100):
        raise DefinitionError(f"{name}: samplePercent is a whole number from 0 to 100")
    return Survey(id=survey_id, invitation=invitation, title=_texts(f"{name}: title", raw.get("title")),
                  questions=tuple(questions), channels=channels, queues=queues, sample_percent=sample, voice=voice)


def check_unambiguous(surveys: dict[str, Survey]) -> None:
    """Two e-mailed surveys must never tie for the same channel and queue."""
    for channel in ("VOICE", "CHAT", "EMAIL"):
        for queue in {q for s in surveys.values() for q in s.queues} | {"(another queue)"}:
            ranked = [s.id for s in surveys.values() if s.applies_to(channel, queue) == 2] or \
                     [s.id for s in surveys.values() if s.applies_to(channel, queue) == 1]
            if len(ranked) > 1:
                raise DefinitionError(f"surveys {', '.join(sorted(ranked))} all apply to {channel} contacts "
                                      f"in queue {queue}: make one more specific")


@cache
def load_all() -> dict[str, Survey]:
    surveys = {}
    for path in sorted(DIRECTORY.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise DefinitionError(f"{path.name}: not valid JSON ({e})") from None
        survey = parse(path.stem, raw)
        surveys[survey.id] = survey
    check_unambiguous(surveys)
    return surveys


def get(survey_id: str) -> Survey | None:
    return load_all().get(survey_id)


def for_contact(channel: str, queue: str | None) -> Survey | None:
    """The e-mailed survey for a contact of `channel` that ended in `queue`."""
    ranked = sorted(((s.applies_to(channel, queue), s.id) for s in load_all().values()), reverse=True)
    if not ranked or ranked[0][0] == 0:
        return None
    return load_all()[ranked[0][1]]
