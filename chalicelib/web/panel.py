"""The agent panel's page shell and its script files.

`GET /agent` renders a shell that holds no customer data: the labels in the agent's
language and the place the customer appears. Its script (static/agent/panel.js)
learns the contact id from the agent workspace (`AmazonConnectApp.init` -> onCreate)
or, opened on its own, from `?contactId=`, then makes one data call for everything
the agent needs first (`GET /agent/contacts/{contactId}`, agent.py).

Headers: no inline script (`script-src 'self'`); the page may be framed only by the
instance's agent workspace (AGENT_WORKSPACE_ORIGIN), never `X-Frame-Options: DENY`,
which would keep it out of the workspace too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from chalicelib.errors import NotFound
from chalicelib.settings import get_settings
from chalicelib.web import headers
from chalicelib.web.words import agent_language, words

STATIC = Path(__file__).resolve().parent.parent / "static"
# The files the panel loads, by the name in their URL: nothing else under static/ is served.
FILES = {
    "signin.js": STATIC / "signin.js",
    "panel.js": STATIC / "agent" / "panel.js",
    "panel.css": STATIC / "agent" / "panel.css",
    "amazon-connect-sdk.js": STATIC / "vendor" / "amazon-connect-sdk.js",
}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _frame_ancestors() -> str:
    origins = get_settings().agent_workspace_origin.split()
    return " ".join(origins) if origins else "'self'"


def page_headers() -> dict[str, str]:
    """The panel's headers: framed by the agent workspace only."""
    return headers.page_headers(style="'self'", img="'self'", frame_ancestors=_frame_ancestors())


def page(query: dict[str, str] | None, accept_language: str | None) -> str:
    """The page shell in the agent's language."""
    from chalicelib.notify.render import environment

    language = agent_language((query or {}).get("lang"), accept_language)
    settings = get_settings()
    brand = {"name": settings.brand_name, "color": settings.brand_color}
    from chalicelib.reasons.catalogue import load as catalogue

    reasons = [(reason.id, reason.label(language)) for reason in catalogue()]
    return environment(True).get_template("pages/agent.j2").render(
        lang=language, t=words(language), brand=brand, words_json=headers.script_json(words(language)),
        sign_in_url=settings.agent_sign_in_url, reasons=reasons)


@cache
def _file(name: str) -> str:
    return FILES[name].read_text(encoding="utf-8")


def static_file(name: str) -> tuple[str, dict[str, str]]:
    """One of the panel's files and its headers; NotFound for any other name."""
    if name not in FILES:
        raise NotFound("no such file")
    return _file(name), {
        "Content-Type": _TYPES[FILES[name].suffix],
        # Names are fixed, not versioned: short caching keeps a deployment visible soon.
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
    }
