"""The agent panel's words, one catalogue for English, Romanian, Italian and
Hungarian (`templates/pages/agent_words.json`): the page's labels come from it, and
so do the lines of the timeline the data call writes, so both speak the agent's
language and stay in step."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from chalicelib.notify.render import FALLBACK_LANGUAGE, LANGUAGES, TEMPLATES

_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*")


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    return json.loads((TEMPLATES / "pages" / "agent_words.json").read_text(encoding="utf-8"))


def words(language: str) -> dict[str, Any]:
    return catalogue()[language if language in LANGUAGES else FALLBACK_LANGUAGE]


def agent_language(explicit: str | None, accept_language: str | None) -> str:
    """The agent's language: `?lang=` when it names one we write, else the first
    of the browser's languages we write, else English."""
    if explicit in LANGUAGES:
        return str(explicit)
    for part in (accept_language or "").split(",")[:10]:
        match = _TAG.fullmatch(part.split(";")[0].strip())
        if match and match.group(1).lower() in LANGUAGES:
            return match.group(1).lower()
    return FALLBACK_LANGUAGE
