"""The supervisors' dashboard, `/dashboard`: a day's KPIs against the same weekday a
week before, by queue, agent, channel or reason, 14- and 30-day trends, cost per
contact with how it was computed, and a CSV of what is shown.

The page is a shell (labels in the supervisor's language, no figures); its script
(static/dashboard/dashboard.js) makes one data call, `GET /dashboard/data`, which
reads KPI counters only: the day's total over the last 30 days (one Query per month)
and the chosen grouping over the day and the week before it (one Query per month).
Its cost does not grow with the number of contacts. Charts are drawn with the vendored
uPlot (static/vendor/), each with a table of the same figures for those who do not
read charts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.errors import InvalidInput, NotFound, only_params
from chalicelib.metrics import cost, counters, report
from chalicelib.notify.unsubscribe import language_from
from chalicelib.web.headers import page_headers, script_json

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static"
TREND_DAYS = 30
COMPARE_DAYS = 7
BY = ("queue", "agent", "channel", "reason")
# The KPIs shown, in order: tiles, group columns and CSV columns alike.
KPIS = ("contacts", "serviceLevelPercent", "abandonmentPercent", "averageSpeedOfAnswerSeconds",
        "averageHandleSeconds", "fcrPercent", "repeatContactPercent", "transferPercent", "csatPercent", "npsScore",
        "cesAverage", "deflectionPercent", "predictionAccuracyPercent", "costPerContact")
# The files the page loads, by the name in their URL: nothing else is served.
FILES = {
    "signin.js": STATIC / "signin.js",
    "dashboard.js": STATIC / "dashboard" / "dashboard.js",
    "dashboard.css": STATIC / "dashboard" / "dashboard.css",
    "uplot.min.js": STATIC / "vendor" / "uplot.min.js",
    "uplot.min.css": STATIC / "vendor" / "uplot.min.css",
}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
HEADERS = page_headers(style="'self'", img="'self' blob: data:")
DATA_HEADERS = {"Cache-Control": "no-store"}


@cache
def catalogue() -> dict[str, dict[str, str]]:
    return json.loads((HERE / "words.json").read_text(encoding="utf-8"))


def page(accept_language: str | None) -> str:
    """The page shell in the supervisor's language: labels only, no figures."""
    from chalicelib.notify.render import environment

    language = language_from(accept_language)
    words = catalogue()[language]
    return environment(True).get_template("pages/dashboard.j2").render(
        lang=language, t=words, by=BY, kpis=KPIS, words_json=script_json({**words, "kpis": list(KPIS)}))


def static_file(name: str) -> tuple[str, dict[str, str]]:
    """One of the page's files and its headers; NotFound for any other name."""
    if name not in FILES:
        raise NotFound("no such file")
    return _file(name), {"Content-Type": _TYPES[FILES[name].suffix], "Cache-Control": "public, max-age=300",
                         "X-Content-Type-Options": "nosniff"}


@cache
def _file(name: str) -> str:
    return FILES[name].read_text(encoding="utf-8")


# ---- the data -----------------------------------------------------------------

def _today() -> date:
    from chalicelib.db import utcnow
    from chalicelib.settings import get_settings

    return date.fromisoformat(counters.local_day(utcnow(), get_settings().metrics_time_zone))


def _query(query: Mapping[str, str] | None) -> tuple[date, str]:
    query = only_params(query, ("day", "by"))
    day = report.parse_day("day", query["day"]) if "day" in query else _today()
    by = query.get("by", "queue")
    if by not in BY:
        raise InvalidInput(f"by must be one of {', '.join(BY)}")
    return day, by


def _shown(values: Mapping[str, int]) -> dict[str, Any]:
    """The KPIs of one total or group, and its cost with how it was computed."""
    found = report.document(values)
    shown = {name: found.get(name) for name in KPIS if name != "costPerContact"}
    spent = found.get("cost")
    shown["costPerContact"] = spent["perContact"] if spent else None
    shown["cost"] = spent
    return shown


def data(query: Mapping[str, str] | None) -> dict[str, Any]:
    """Everything the page shows for one day, in one answer."""
    from chalicelib.settings import get_settings

    day, by = _query(query)
    before = day - timedelta(days=COMPARE_DAYS)
    first = day - timedelta(days=TREND_DAYS - 1)
    totals = report.read_days(counters.ALL, first, day)
    groups = report.read_days(by, before, day)
    days = [(first + timedelta(days=n)).isoformat() for n in range(TREND_DAYS)]
    per_day = [_shown(totals.get(d, {}).get(counters.ALL, {})) for d in days]
    today, last_week = groups.get(day.isoformat(), {}), groups.get(before.isoformat(), {})
    values = sorted(set(today) | set(last_week),
                    key=lambda v: (-today.get(v, {}).get("contacts", 0), -last_week.get(v, {}).get("contacts", 0), v))
    model = cost.configured()
    return {
        "day": day.isoformat(), "compareDay": before.isoformat(), "by": by,
        "timeZone": get_settings().metrics_time_zone, "currency": model.currency if model else None,
        "today": per_day[-1], "lastWeek": _shown(totals.get(before.isoformat(), {}).get(counters.ALL, {})),
        "groups": [{"value": v, "today": _shown(today.get(v, {})), "lastWeek": _shown(last_week.get(v, {}))}
                   for v in values],
        "trend": {"days": days, **{name: [d[name] for d in per_day] for name in KPIS}},
    }


# Cells a spreadsheet would run as a formula start with one of these: such text is
# written with a leading apostrophe, so opening the file runs nothing.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


def csv_export(query: Mapping[str, str] | None) -> str:
    """What the page shows as CSV: the total and each group, the day and the same
    weekday a week before, one row each, the KPIs as columns."""
    shown = data(query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["scope", "value", "day", *KPIS])
    rows = [("total", "all", shown["today"], shown["lastWeek"])]
    rows += [(shown["by"], group["value"], group["today"], group["lastWeek"]) for group in shown["groups"]]
    for scope, value, today, last_week in rows:
        for day, figures in ((shown["day"], today), (shown["compareDay"], last_week)):
            writer.writerow([scope, _cell(value), day, *(_cell(figures[name]) for name in KPIS)])
    return out.getvalue()


def csv_headers(query: Mapping[str, str] | None) -> dict[str, str]:
    day, by = _query(query)
    return {"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="dashboard-{day.isoformat()}-by-{by}.csv"',
            "X-Content-Type-Options": "nosniff"}
