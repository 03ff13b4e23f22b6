"""The live floor page, `/dashboard/floor`: the floor rendered on the server (useful
before any script runs), then refreshed every 15 s from `GET /floor` by floor.js.

Words come from one catalogue per language (words.json); colour is never the only
signal: each queue's status is also written ("Over threshold").
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.notify.unsubscribe import language_from
from chalicelib.web.headers import SCRIPT_HEADERS as SCRIPT_HEADERS  # served with floor.js
from chalicelib.web.headers import page_headers

HERE = Path(__file__).parent
SCRIPT = HERE / "floor.js"
HEADERS = page_headers()


@cache
def catalogue() -> dict[str, dict[str, str]]:
    return json.loads((HERE / "words.json").read_text(encoding="utf-8"))


def duration(seconds: int | None, words: dict[str, str]) -> str:
    """75 -> "1 min 15 s" (the same rule as floor.js)."""
    if seconds is None:
        return words["nobody"]
    if seconds < 60:
        return f"{seconds} {words['s']}"
    return f"{seconds // 60} {words['min']} {seconds % 60} {words['s']}"


def service_level(figure: dict[str, Any], words: dict[str, str]) -> str:
    """{"percent": 85.7, "thresholdSeconds": 20, ...} -> "85.7 % answered within 20 s" (as floor.js)."""
    if figure["percent"] is None:
        return words["sl_none"]
    return words["sl_figure"].replace("{percent}", f"{figure['percent']:g}").replace(
        "{threshold}", duration(figure["thresholdSeconds"], words))


def staffing(figure: dict[str, Any] | None, words: dict[str, str]) -> str:
    """{"needed": 5, "online": 3, "status": "warn"} -> "needed 5, online 3: too few agents"
    (as floor.js); nothing for a queue without a staffing plan."""
    if figure is None:
        return ""
    text = words["staffing_figure"].replace("{needed}", str(figure["needed"])).replace(
        "{online}", str(figure["online"]))
    return f"{text}: {words['staffing_warn']}" if figure["status"] == "warn" else text


def data(now: datetime | None = None) -> dict[str, Any]:
    """What `GET /floor` answers: the floor, with each planned queue's agents needed now
    from its stored staffing plan (chalicelib/wfm)."""
    from chalicelib.floor import view
    from chalicelib.wfm.plan import agents_needed

    return view.floor(now, needed=agents_needed)


def page(accept_language: str | None) -> str:
    from chalicelib.notify.render import environment

    language = language_from(accept_language)
    words = catalogue()[language]
    return environment(True).get_template("pages/floor.j2").render(
        lang=language, t=words, floor=data(), duration=lambda s: duration(s, words),
        service_level=lambda f: service_level(f, words), staffing=lambda f: staffing(f, words),
        words_json=json.dumps(words, ensure_ascii=False))


@cache
def script() -> str:
    return SCRIPT.read_text(encoding="utf-8")
