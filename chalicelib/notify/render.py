"""Messages rendered from Jinja2 templates, in the customer's language, with dates,
times, numbers and money formatted for their locale and time zone (Babel).

Templates live in `chalicelib/templates/<channel>/<language>/<message type>.j2`,
next to a `_words.j2` of the language's common phrases. Each message template is
written once and rendered twice, to HTML (autoescaped) and to plain text, through
mode-aware macros (`m.p`, `m.facts`, `m.button`, ...); its `subject` block is
rendered as text. Undefined variables raise (StrictUndefined): a template that
asks for something it was not given fails in the tests, never in a customer's
inbox as an empty hole.

The language comes from the customer's preferred language (`ro-RO` -> `ro`), `en`
when there is no template language for it; formatting keeps the region (`en-US`
gets 2:30 PM, `en-GB` 14:30).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.notify.messages import MessageType, Money

LANGUAGES = ("en", "ro", "it", "hu")
FALLBACK_LANGUAGE = "en"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[0-9]{3}))?\Z")


class RenderError(InvalidInput):
    """The message cannot be written: unknown template or language, a template fault."""

    code = "RENDER_FAILED"


@dataclass(frozen=True)
class Locale:
    language: str  # template language: en, ro, it, hu
    formatting: str  # Babel locale for dates and numbers: en_GB, ro_RO ...


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str
    locale: Locale


def locale_for(preferred: str | None) -> Locale:
    """The customer's locale: their language if we write it, English otherwise."""
    from babel import Locale as BabelLocale
    from babel import UnknownLocaleError

    match = _TAG.match(preferred or "")
    language = match.group(1).lower() if match else FALLBACK_LANGUAGE
    region = match.group(2).upper() if match and match.group(2) else None
    if language not in LANGUAGES:
        language = FALLBACK_LANGUAGE
    formatting = language
    if region:
        try:
            BabelLocale.parse(f"{language}_{region}")
            formatting = f"{language}_{region}"
        except (UnknownLocaleError, ValueError):
            pass
    return Locale(language, formatting)


def explicit_locale(language: object) -> Locale:
    """A locale asked for by name (a setting, a preview): unknown ones are an error."""
    if not isinstance(language, str) or language not in LANGUAGES:
        raise RenderError(f"unknown locale {str(language)[:16]!r}; locales are {', '.join(LANGUAGES)}",
                          code="UNKNOWN_LOCALE")
    return Locale(language, language)


# ---- formatting filters ------------------------------------------------------

def _zone(context: Any) -> Any:
    return context["_zone"]


def _format_datetime(context: Any, value: datetime | None, style: str = "full") -> str:
    """Date and time in the recipient's zone: `joi, 12 martie 2026, 14:30`."""
    if value is None:
        return ""
    from babel import dates

    local = value.astimezone(_zone(context))
    fmt = context["_format_locale"]
    pattern = dates.get_datetime_format(style, locale=fmt)
    return pattern.replace("{1}", dates.format_date(local, style, locale=fmt)).replace(
        "{0}", dates.format_time(local, "short", locale=fmt))


def _format_date(context: Any, value: date | datetime | None, style: str = "full") -> str:
    if value is None:
        return ""
    from babel import dates

    if isinstance(value, datetime):
        value = value.astimezone(_zone(context)).date()
    return dates.format_date(value, style, locale=context["_format_locale"])


def _format_time(context: Any, value: datetime | None) -> str:
    if value is None:
        return ""
    from babel import dates

    return dates.format_time(value.astimezone(_zone(context)), "short", locale=context["_format_locale"])


def _format_money(context: Any, value: Money | None) -> str:
    if value is None:
        return ""
    from babel import numbers

    return numbers.format_currency(value.amount, value.currency, locale=context["_format_locale"])


def _format_number(context: Any, value: int | float | None) -> str:
    if value is None:
        return ""
    from babel import numbers

    return numbers.format_decimal(value, locale=context["_format_locale"])


@cache
def environment(html: bool) -> Any:
    """The Jinja2 environment for one output mode, made once per container."""
    import jinja2
    from markupsafe import Markup, escape

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        # Escaping is on for the HTML part and off for the plain-text part, where
        # `&amp;` would be a visible mistake, not a protection.
        autoescape=jinja2.select_autoescape(enabled_extensions=(), disabled_extensions=(),
                                            default_for_string=html, default=html),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["html"] = html
    for name, function in (("datetime", _format_datetime), ("date", _format_date), ("time", _format_time),
                           ("money", _format_money), ("number", _format_number)):
        env.filters[name] = jinja2.pass_context(function)
    if html:
        env.filters["lines"] = lambda text: Markup("<br>\n").join(escape(text).split("\n")) if text else ""
    else:
        env.filters["lines"] = lambda text: text or ""
    return env


_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"


def render(channel: str, kind: MessageType, variables: dict[str, Any], *, locale: Locale, time_zone: str,
           brand: dict[str, Any], first_name: str | None = None, unsubscribe_url: str | None = None) -> Rendered:
    """Subject, HTML and text of one message. `variables` must have been checked
    (messages.check_variables): templates rely on their types."""
    import jinja2

    zone = _zone_info(time_zone)
    name = f"{channel}/{locale.language}/{kind.name}.j2"
    base = {
        **variables,
        "lang": locale.language,
        "brand": brand,
        "first_name": first_name,
        "purpose": kind.purpose,
        "audience": kind.audience,
        "unsubscribe_url": unsubscribe_url,
        "_zone": zone,
        "_format_locale": locale.formatting,
    }
    try:
        text_ctx = _with_modules(environment(False), channel, locale.language, base)
        template = environment(False).get_template(name)
        subject = "".join(template.blocks["subject"](template.new_context(text_ctx))).strip()
        html_ctx = _with_modules(environment(True), channel, locale.language, {**base, "subject": subject})
        html = environment(True).get_template(name).render(html_ctx)
        text = template.render({**text_ctx, "subject": subject})
    except jinja2.TemplateNotFound as e:
        raise RenderError(f"there is no {channel} template {kind.name} in {locale.language}",
                          code="UNKNOWN_TEMPLATE") from e
    except jinja2.TemplateError as e:
        raise RenderError(f"{kind.name} ({locale.language}) could not be rendered: {e}") from e
    return Rendered(subject=subject, html=html, text=_tidy_text(text), locale=locale)


def _with_modules(env: Any, channel: str, language: str, context: dict[str, Any]) -> dict[str, Any]:
    """The context with the macro modules `m` (layout pieces) and `w` (the language's
    words) in it, so blocks rendered on their own (the subject) can use them too."""
    context = dict(context)
    context["m"] = env.get_template(f"{channel}/_macros.j2").make_module(context)
    context["w"] = env.get_template(f"{channel}/{language}/_words.j2").make_module(context)
    return context


def plain_context(variables: dict[str, Any], locale: Locale, time_zone: str, first_name: str | None,
                  brand_name: str) -> dict[str, Any]:
    """The context of a one-part plain message (WhatsApp text, SMS): the variables,
    the customer's first name, the brand, and the locale and zone the filters use."""
    return {**variables, "first_name": first_name, "brand": {"name": brand_name}, "lang": locale.language,
            "_zone": _zone_info(time_zone), "_format_locale": locale.formatting}


def _zone_info(name: str) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
