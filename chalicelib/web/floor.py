"""The live floor page, `/dashboard/floor`: the floor rendered on the server (useful
before any script runs), then refreshed every 15 s from `GET /floor` by floor.js.

Words come from one catalogue per language (words.json); colour is never the only
signal: each queue's status is also written ("Over threshold").
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from chalicelib.notify.unsubscribe import language_from

HERE = Path(__file__).parent
SCRIPT = HERE / "floor.js"
_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
           "Content-Security-Policy": _CSP, "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
SCRIPT_HEADERS = {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store",
                  "Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"}


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


def page(accept_language: str | None) -> str:
    from chalicelib.floor import view
    from chalicelib.notify.render import environment

    language = language_from(accept_language)
    words = catalogue()[language]
    return environment(True).get_template("pages/floor.j2").render(
        lang=language, t=words, floor=view.floor(), duration=lambda s: duration(s, words),
        words_json=json.dumps(words, ensure_ascii=False))


@cache
def script() -> str:
    return SCRIPT.read_text(encoding="utf-8")
