"""Playbooks: what an agent must ask, check, may promise and documents at each tier
of a case, per contact reason, in every language the contact center speaks. Kept
as declarative files (`playbooks/<reason>.json`, `default.json` for the rest),
read and checked once; a mistake names the file and field."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.cases.policies import TIERS

DIRECTORY = Path(__file__).resolve().parent / "playbooks"
LANGUAGES = ("en", "ro", "it", "hu")
KINDS = ("question", "check", "promise")
DEFAULT = "default"
_STEP_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


class PlaybookError(ValueError):
    """A playbook file cannot be used; the message names the field."""


@dataclass(frozen=True)
class Step:
    step_id: str
    kind: str
    mandatory: bool
    text: Mapping[str, str]

    def to_document(self, language: str) -> dict[str, Any]:
        return {"id": self.step_id, "kind": self.kind, "mandatory": self.mandatory,
                "text": self.text.get(language) or self.text["en"]}


@dataclass(frozen=True)
class Playbook:
    reason_id: str
    tiers: Mapping[str, tuple[Step, ...]]

    def steps(self, tier: str) -> tuple[Step, ...]:
        return self.tiers[tier]

    def step(self, tier: str, step_id: str) -> Step | None:
        return next((s for s in self.tiers[tier] if s.step_id == step_id), None)

    def mandatory(self, tier: str) -> list[str]:
        return [s.step_id for s in self.tiers[tier] if s.mandatory]


def parse(raw: Any, where: str) -> Playbook:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("reason"), str):
        raise PlaybookError(f"{where} must be an object naming its reason")
    tiers_document = raw.get("tiers")
    if not isinstance(tiers_document, Mapping) or sorted(tiers_document) != sorted(TIERS):
        raise PlaybookError(f"{where}.tiers must list the steps of each of {', '.join(TIERS)}")
    tiers: dict[str, tuple[Step, ...]] = {}
    for tier in TIERS:
        entries = tiers_document[tier]
        if not isinstance(entries, list):
            raise PlaybookError(f"{where}.tiers.{tier} must be a list of steps")
        steps = []
        for index, entry in enumerate(entries):
            here = f"{where}.tiers.{tier}[{index}]"
            if not isinstance(entry, Mapping):
                raise PlaybookError(f"{here} must be an object")
            step_id, kind, mandatory, text = (entry.get(k) for k in ("id", "kind", "mandatory", "text"))
            if not isinstance(step_id, str) or not _STEP_ID.fullmatch(step_id):
                raise PlaybookError(f"{here}.id must be a lower-case identifier")
            if step_id in (s.step_id for s in steps):
                raise PlaybookError(f"{here}.id {step_id!r} appears twice in {tier}")
            if kind not in KINDS:
                raise PlaybookError(f"{here}.kind must be one of {', '.join(KINDS)}")
            if not isinstance(mandatory, bool):
                raise PlaybookError(f"{here}.mandatory must be true or false")
            if not isinstance(text, Mapping) or any(not isinstance(text.get(lang), str) or not text[lang].strip()
                                                    for lang in LANGUAGES):
                raise PlaybookError(f"{here}.text must say it in each of {', '.join(LANGUAGES)}")
            steps.append(Step(step_id, kind, mandatory, {lang: text[lang] for lang in LANGUAGES}))
        tiers[tier] = tuple(steps)
    return Playbook(raw["reason"], tiers)


@cache
def load_all() -> dict[str, Playbook]:
    found = {}
    for path in sorted(DIRECTORY.glob("*.json")):
        playbook = parse(json.loads(path.read_text(encoding="utf-8")), path.name)
        if playbook.reason_id != path.stem:
            raise PlaybookError(f"{path.name}.reason must be {path.stem!r}")
        found[playbook.reason_id] = playbook
    if DEFAULT not in found:
        raise PlaybookError(f"playbooks need {DEFAULT}.json for reasons without their own")
    return found


def for_reason(reason_id: str) -> Playbook:
    playbooks = load_all()
    return playbooks.get(reason_id) or playbooks[DEFAULT]
