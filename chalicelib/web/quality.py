"""Quality pages: `/dashboard/qa` for supervisors (the week's sampled contacts per
agent, and the scorecard to evaluate one), `/dashboard/qa/mine?agent=` for agents
(their own evaluations).

Rendered whole on the server in the reader's language (`?lang=` or the browser's);
qa.js only sends the evaluation form as JSON to `POST /qa/evaluations` and shows the
answer. Words come from quality_words.json, criteria from the scorecard file. No
inline script, `no-store` (evaluations are the agent's personal data).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.web.headers import SCRIPT_HEADERS as SCRIPT_HEADERS  # served with qa.js
from chalicelib.web.headers import page_headers, script_json
from chalicelib.web.words import agent_language

HERE = Path(__file__).parent
HEADERS = page_headers()


@cache
def catalogue() -> dict[str, dict[str, str]]:
    return json.loads((HERE / "quality_words.json").read_text(encoding="utf-8"))


def language(query: Mapping[str, str] | None, accept_language: str | None) -> str:
    return agent_language((query or {}).get("lang"), accept_language)


def duration(seconds: int | None, words: Mapping[str, str]) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds} {words['s']}"
    return f"{seconds // 60} {words['min']} {seconds % 60} {words['s']}"


def _render(template: str, **values: Any) -> str:
    from chalicelib.notify.render import environment

    return environment(True).get_template(f"pages/{template}").render(**values)


def supervisor_page(query: Mapping[str, str] | None, accept_language: str | None) -> str:
    from chalicelib.quality import api, scorecards
    from chalicelib.quality.sampling import parse_week
    from chalicelib.settings import get_settings

    query = dict(query or {})
    lang = language(query, accept_language)
    query.pop("lang", None)
    words = catalogue()[lang]
    settings = get_settings()
    queue = api.queue(query, settings)
    scorecard = scorecards.get(settings.qa_scorecard)
    if scorecard is None:
        raise InvalidInput(f"QA_SCORECARD names no scorecard; there are {', '.join(scorecards.all_scorecards())}")
    week = parse_week(queue["week"])
    this_week = parse_week(None, settings)
    return _render("qa.j2", lang=lang, t=words, queue=queue, scorecard=scorecard.document(lang),
                   previous=week.previous().name,
                   next=week.following().name if week.first < this_week.first else None,
                   duration=lambda s: duration(s, words), words_json=script_json(words))


def agent_page(query: Mapping[str, str] | None, accept_language: str | None,
               request_context: Mapping[str, Any] | None) -> str:
    """The agent's evaluations; the agent is `?agent=`, or the signed-in Cognito user."""
    from chalicelib.quality import api, scorecards

    query = dict(query or {})
    lang = language(query, accept_language)
    query.pop("lang", None)
    words = catalogue()[lang]
    if "agent" not in query:
        claims = ((request_context or {}).get("authorizer") or {}).get("claims") or {}
        if isinstance(claims, Mapping) and claims.get("cognito:username"):
            query["agent"] = str(claims["cognito:username"])
    found = api.of_agent(query, request_context) if "agent" in query else None
    cards: dict[str, Any] = {}
    for evaluation in (found or {}).get("evaluations", []):
        card = scorecards.get(evaluation["scorecard"])
        if card is not None and card.id not in cards:
            cards[card.id] = card.document(lang)
    return _render("qa_mine.j2", lang=lang, t=words, found=found, cards=cards)


@cache
def script() -> str:
    return (HERE / "qa.js").read_text(encoding="utf-8")
