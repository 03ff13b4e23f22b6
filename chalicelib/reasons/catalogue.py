"""The catalogue of contact reasons: why customers contact us.

One declarative file, `catalogue.json` beside this module, lists every reason: its
id, its label in each language the product speaks, the queue it routes to (per
language where queues are per language), whether it can be served without an agent,
the knowledge-base tags and case policy it maps to, its choice in the flows'
fallback menu, and the older free strings (`returns`, `refund`, …) that mean it.

    from chalicelib.reasons.catalogue import load
    reason = load().require("return")          # UnknownReason (a 400) names the known ids
    reason.label("ro-RO"), reason.queue("it")  # "Retururi și rambursări", "orders"
    load().normalise("Refund")                 # "return"

The file is read and checked once per container; a mistake in it is a
`CatalogueError` naming the file and the field, found by the tests, never by a caller.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.errors import InvalidInput

PATH = Path(__file__).resolve().parent / "catalogue.json"
LANGUAGES = ("en", "ro", "it", "hu")
DEFAULT_LANGUAGE = "en"
CASE_POLICIES = ("none", "optional", "always")
REQUIRED_IDS = ("billing", "delivery", "return", "appointment", "technical", "account",
                "complaint", "cancellation", "sales", "other")
OTHER = "other"
ANY_LANGUAGE = "*"
_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_QUEUE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MENU = re.compile(r"[0-9]")
_TAG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_FIELDS = {"id", "menu", "labels", "queue", "selfService", "kbTags", "casePolicy", "aliases"}


class CatalogueError(ValueError):
    """The catalogue file is not usable; the message names the file and the field."""


class UnknownReason(InvalidInput):
    """A flow, a wrap-up or an API call named a reason the catalogue does not have."""

    code = "UNKNOWN_REASON"


def language_of(tag: str | None) -> str:
    """The catalogue language of a BCP 47 tag (`ro-RO` → `ro`), or "" when not one of ours."""
    primary = (tag or "").strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else ""


def _key(text: str) -> str:
    """A free string as an id would spell it: `Order Status` → `order_status`."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


@dataclass(frozen=True)
class Reason:
    id: str
    labels: dict[str, str]
    queues: dict[str, str]
    self_service: bool
    kb_tags: tuple[str, ...]
    case_policy: str
    menu: str
    aliases: tuple[str, ...] = ()

    def label(self, language: str | None = None) -> str:
        """The label in `language` (a BCP 47 tag or a bare code); English otherwise."""
        return self.labels.get(language_of(language), self.labels[DEFAULT_LANGUAGE])

    def queue(self, language: str | None = None) -> str:
        """The routing key of the queue this reason's contacts wait in, in `language`."""
        return self.queues.get(language_of(language)) or self.queues[ANY_LANGUAGE]

    def to_document(self, language: str | None = None) -> dict[str, Any]:
        lang = language_of(language) or DEFAULT_LANGUAGE
        return {"id": self.id, "label": self.label(lang), "queue": self.queue(lang), "menu": self.menu,
                "selfService": self.self_service, "kbTags": list(self.kb_tags), "casePolicy": self.case_policy}


class Catalogue:
    """The reasons, in the file's order (the order menus and reports list them in)."""

    def __init__(self, reasons: tuple[Reason, ...]) -> None:
        self._reasons = {reason.id: reason for reason in reasons}
        self._by_alias = {alias: reason.id for reason in reasons for alias in reason.aliases}
        self._by_menu = {reason.menu: reason.id for reason in reasons}
        self.ids: tuple[str, ...] = tuple(self._reasons)

    def __iter__(self):
        return iter(self._reasons.values())

    def get(self, reason_id: str) -> Reason | None:
        return self._reasons.get(reason_id) if isinstance(reason_id, str) else None

    def require(self, reason_id: object) -> Reason:
        """The reason named `reason_id`, or UnknownReason naming the known ones."""
        reason = self.get(reason_id) if isinstance(reason_id, str) else None
        if reason is None:
            shown = reason_id[:40] if isinstance(reason_id, str) else type(reason_id).__name__
            raise UnknownReason(f"unknown contact reason {shown!r}: known reasons are {', '.join(self.ids)}")
        return reason

    def normalise(self, text: object) -> str | None:
        """The id a free string means (an id, an alias such as `refund`, any case or
        spacing), or None when it means none of them."""
        if not isinstance(text, str):
            return None
        key = _key(text[:64])
        if key in self._reasons:
            return key
        return self._by_alias.get(key)

    def by_menu(self, choice: object) -> str | None:
        """The reason a fallback-menu choice (a keypad digit) stands for."""
        return self._by_menu.get(choice.strip()) if isinstance(choice, str) else None

    def to_document(self, language: str | None = None) -> dict[str, Any]:
        lang = language_of(language) or DEFAULT_LANGUAGE
        return {"language": lang, "reasons": [reason.to_document(lang) for reason in self]}


def _fail(field: str, problem: str) -> CatalogueError:
    return CatalogueError(f"{PATH.name}: {field} {problem}")


def _texts(where: str, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) != set(LANGUAGES):
        raise _fail(where, f"must give a text in each of {', '.join(LANGUAGES)}")
    if not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise _fail(where, "has an empty text")
    return dict(raw)


def _queues(where: str, raw: object) -> dict[str, str]:
    if isinstance(raw, str):
        raw = {ANY_LANGUAGE: raw}
    if not isinstance(raw, dict) or ANY_LANGUAGE not in raw or set(raw) - {*LANGUAGES, ANY_LANGUAGE}:
        raise _fail(where, "is a queue key, or a map of languages to queue keys with '*' for the others")
    if not all(isinstance(v, str) and _QUEUE.fullmatch(v) for v in raw.values()):
        raise _fail(where, "names queue keys in lower case (letters, digits, _)")
    return dict(raw)


def _strings(where: str, raw: object, pattern: re.Pattern[str]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) and pattern.fullmatch(v) for v in raw):
        raise _fail(where, f"is a list of names matching {pattern.pattern}")
    if len(set(raw)) != len(raw):
        raise _fail(where, "repeats a name")
    return tuple(raw)


def parse(raw: Any) -> Catalogue:
    """The catalogue document as a Catalogue, or CatalogueError naming what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("reasons"), list):
        raise _fail("reasons", "must be a list of reasons")
    if raw.get("languages") != list(LANGUAGES):
        raise _fail("languages", f"must be {list(LANGUAGES)}")
    reasons: list[Reason] = []
    for i, entry in enumerate(raw["reasons"]):
        where = f"reasons[{i}]"
        if not isinstance(entry, dict):
            raise _fail(where, "must be an object")
        if set(entry) != _FIELDS:
            missing, extra = _FIELDS - set(entry), set(entry) - _FIELDS
            raise _fail(where, f"must have the fields {', '.join(sorted(_FIELDS))}"
                        + (f" (missing {', '.join(sorted(missing))})" if missing else "")
                        + (f" (unknown {', '.join(sorted(extra))})" if extra else ""))
        reason_id = entry["id"]
        if not isinstance(reason_id, str) or not _ID.fullmatch(reason_id):
            raise _fail(f"{where}.id", "must be a lower-case name")
        where = f"reasons[{reason_id}]"
        if not isinstance(entry["menu"], str) or not _MENU.fullmatch(entry["menu"]):
            raise _fail(f"{where}.menu", "must be one keypad digit")
        if not isinstance(entry["selfService"], bool):
            raise _fail(f"{where}.selfService", "must be true or false")
        if entry["casePolicy"] not in CASE_POLICIES:
            raise _fail(f"{where}.casePolicy", f"must be one of {', '.join(CASE_POLICIES)}")
        reasons.append(Reason(
            id=reason_id, labels=_texts(f"{where}.labels", entry["labels"]),
            queues=_queues(f"{where}.queue", entry["queue"]), self_service=entry["selfService"],
            kb_tags=_strings(f"{where}.kbTags", entry["kbTags"], _TAG), case_policy=entry["casePolicy"],
            menu=entry["menu"], aliases=_strings(f"{where}.aliases", entry["aliases"], _ID)))
    ids = [r.id for r in reasons]
    for field, values in (("id", ids), ("menu", [r.menu for r in reasons])):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise _fail(f"reasons[].{field}", f"repeats {', '.join(repeated)}")
    missing = [r for r in REQUIRED_IDS if r not in ids]
    if missing:
        raise _fail("reasons", f"lacks {', '.join(missing)}")
    aliases = [a for r in reasons for a in r.aliases]
    clashes = sorted({a for a in aliases if aliases.count(a) > 1 or a in ids})
    if clashes:
        raise _fail("reasons[].aliases", f"name {', '.join(clashes)} twice or as an id")
    return Catalogue(tuple(reasons))


@cache
def load() -> Catalogue:
    """The catalogue, read and checked once per container."""
    try:
        raw = json.loads(PATH.read_text(encoding="utf-8"))
    except ValueError as e:
        raise CatalogueError(f"{PATH.name}: not valid JSON ({e})") from None
    return parse(raw)
