"""Unsubscribe links: `GET /unsubscribe/{token}` asks, `POST` records the opt-out
in the customer's consent ({channel: {purpose: false}}).

The link carries a signed token (purpose `unsubscribe`, the customer id, the
channel, the purpose and the language). A GET changes nothing, because mail
scanners follow links; the confirmation button and mail providers' RFC 8058
one-click requests POST. Recording is idempotent. Answers are small localized
HTML pages that never say whose link it was.
"""

from __future__ import annotations

from typing import Any

from chalicelib.db import plain
from chalicelib.errors import Conflict, DependencyFailure, InvalidInput
from chalicelib.notify.render import LANGUAGES, environment
from chalicelib.observability import get_logger
from chalicelib.settings import get_settings

TOPICS = {
    "surveys": {"en": "survey e-mails", "ro": "e-mailuri cu chestionare", "it": "e-mail con questionari",
                "hu": "kérdőíves e-mailek"},
    "marketing": {"en": "marketing e-mails", "ro": "e-mailuri de marketing", "it": "e-mail promozionali",
                  "hu": "marketing célú e-mailek"},
}
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    # The token is in the URL: never hand it to another site.
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}


def language_from(accept_language: str | None) -> str:
    """The first of our languages the browser asks for, English otherwise."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "en"


def _page(state: str, language: str, purpose: str | None) -> str:
    s = get_settings()
    brand = {"name": s.brand_name, "color": s.brand_color, "accent_color": s.brand_accent_color}
    topic = TOPICS.get(purpose or "", TOPICS["surveys"])[language]
    return environment(True).get_template("pages/unsubscribe.j2").render(
        state=state, lang=language, brand=brand, topic=topic)


def _claims(token: str) -> Any:
    from chalicelib import tokens
    from chalicelib.profiles.schema import CHANNELS

    claims = tokens.verify(token, "unsubscribe")
    if claims.data.get("ch") not in CHANNELS or claims.data.get("pu") not in TOPICS:
        raise tokens.TokenError("this link is not valid", code="TOKEN_MALFORMED")
    return claims


def page(token: str, accept_language: str | None) -> tuple[int, str]:
    """The confirmation page; 400 for a link that cannot be used."""
    try:
        claims = _claims(token)
    except InvalidInput:
        return 400, _page("invalid", language_from(accept_language), None)
    language = claims.data.get("l") if claims.data.get("l") in LANGUAGES else language_from(accept_language)
    return 200, _page("ask", language, claims.data["pu"])


def unsubscribe(token: str, accept_language: str | None) -> tuple[int, str]:
    """Record the opt-out and say so; 400 for a link that cannot be used; 503 (a page
    asking to try again) when AWS failed, with nothing recorded."""
    try:
        return _unsubscribe(token, accept_language)
    except DependencyFailure:
        get_logger().warning("unsubscribe not recorded: AWS failed")
        return 503, _page("unavailable", language_from(accept_language), None)


def _unsubscribe(token: str, accept_language: str | None) -> tuple[int, str]:
    from chalicelib.profiles.schema import ProfileInput
    from chalicelib.profiles.service import Profiles

    try:
        claims = _claims(token)
    except InvalidInput:
        return 400, _page("invalid", language_from(accept_language), None)
    language = claims.data.get("l") if claims.data.get("l") in LANGUAGES else language_from(accept_language)
    profiles = Profiles(get_settings())
    change = ProfileInput(consent_change={claims.data["ch"]: {claims.data["pu"]: False}})
    for attempt in range(3):
        customer = profiles.find(claims.subject)
        if customer is None:
            break  # erased or never existed: nothing is sent to them anyway
        if not plain(customer.consent).get(claims.data["ch"], {}).get(claims.data["pu"], True):
            break  # already opted out
        try:
            profiles.update(customer.customer_id, change)
            break
        except Conflict:
            if attempt == 2:
                raise
    return 200, _page("done", language, claims.data["pu"])
