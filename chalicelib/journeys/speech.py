"""Dates, times and codes as a contact flow says them: in the language the flow
speaks (`$.Attributes.promptLanguage`, passed as the `language` parameter) or the
customer's own, in the customer's time zone."""

from __future__ import annotations

from datetime import date, datetime


def _locale(language: str | None) -> str:
    from chalicelib.notify.render import locale_for

    return locale_for(language).formatting


def spoken_date(day: date | None, language: str | None) -> str:
    if day is None:
        return ""
    from babel import dates

    return dates.format_date(day, "full", locale=_locale(language))


def spoken_time(moment: datetime, language: str | None, time_zone: str) -> str:
    from zoneinfo import ZoneInfo

    from babel import dates

    return dates.format_time(moment.astimezone(ZoneInfo(time_zone)), "short", locale=_locale(language))


def local_date(moment: datetime, time_zone: str) -> date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(time_zone)).date()


def spelled(code: str) -> str:
    """A code read out one character at a time, in groups of four:
    "LC0123456789RO" -> "L C 0 1, 2 3 4 5, 6 7 8 9, R O"."""
    characters = [c for c in code if c.isalnum()]
    groups = [" ".join(characters[i:i + 4]) for i in range(0, len(characters), 4)]
    return ", ".join(groups)
