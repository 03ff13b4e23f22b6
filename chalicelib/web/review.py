"""The monthly review, `/dashboard/review?month=YYYY-MM`: one printable page for the
meeting with the business, over the counters only (never the contacts themselves).

- the month in figures against the previous month (contacts, FCR, repeat contacts,
  NPS, CSAT), from `GET /metrics`'s report;
- top contact reasons and how their share moved; the reasons customers come back for;
- detractor themes: NPS detractors per contact reason, with what detractors wrote
  (their comments, masked, from the surveys' detractor index);
- knowledge gaps: questions the knowledge base did not answer, and articles marked
  unhelpful (`GET /kb/gaps`);
- cost per contact over six months, when the metrics report gives it
  (`costPerContact` in its totals);
- the quality score per week (chalicelib.quality roll-ups).

No script at all: the page prints as it is shown (print CSS drops the navigation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from chalicelib.errors import InvalidInput, only_params
from chalicelib.web.headers import page_headers
from chalicelib.web.quality import catalogue, language

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
TOP = 10
COST_MONTHS = 6
HEADERS = page_headers(script="'none'", connect=None)


def month_of(raw: str | None, today: date) -> date:
    if raw is None:
        return today.replace(day=1)
    match = _MONTH.fullmatch(raw) if isinstance(raw, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2999:
        raise InvalidInput("month must be YYYY-MM, e.g. 2026-11")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def _share(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def reasons(now: Mapping[str, Mapping[str, int]], before: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Top reasons with their share and change, and the reasons of repeat contacts."""
    total_now = sum(v.get("contacts", 0) for v in now.values())
    total_before = sum(v.get("contacts", 0) for v in before.values())
    top = []
    for reason, values in sorted(now.items(), key=lambda r: (-r[1].get("contacts", 0), r[0])):
        contacts = values.get("contacts", 0)
        if not contacts:
            continue
        earlier = before.get(reason, {}).get("contacts", 0)
        share, share_before = _share(contacts, total_now), _share(earlier, total_before)
        top.append({"reason": reason, "contacts": contacts, "share": share, "previous": earlier,
                    "shareChange": round(share - share_before, 1) if share is not None and earlier else None})
    repeats = []
    for reason, values in now.items():
        repeated = values.get("repeat_contacts", 0)
        if repeated:
            earlier = before.get(reason, {})
            repeats.append({"reason": reason, "repeats": repeated, "rate": _share(repeated, values.get("contacts", 0)),
                            "previousRate": _share(earlier.get("repeat_contacts", 0), earlier.get("contacts", 0))})
    repeats.sort(key=lambda r: (-r["repeats"], r["reason"]))
    return {"top": top[:TOP], "repeats": repeats[:TOP]}


def detractors(now: Mapping[str, Mapping[str, int]], comments: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    found = []
    for reason, values in now.items():
        count = values.get("nps_detractors", 0)
        if count:
            found.append({"reason": reason, "detractors": count,
                          "share": _share(count, values.get("nps_responses", 0)),
                          "comments": list(comments.get(reason, []))})
    return sorted(found, key=lambda d: (-d["detractors"], d["reason"]))[:TOP]


def cost(answer: Mapping[str, Any]) -> float | None:
    """Cost per contact from a metrics report, when it has one."""
    value = (answer.get("totals") or {}).get("costPerContact", answer.get("costPerContact"))
    if isinstance(value, Mapping):
        value = value.get("perContact", value.get("total"))
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def collect(first: date) -> dict[str, Any]:
    """Everything the page shows for the month starting `first`."""
    from chalicelib.metrics import report
    from chalicelib.quality import evaluations
    from chalicelib.quality.sampling import Week
    from chalicelib.settings import get_settings

    settings = get_settings()
    last, before = month_end(first), previous_month(first)
    period = {"from": first.isoformat(), "to": last.isoformat()}
    totals = report.kpis(period)
    totals_before = report.kpis({"from": before.isoformat(), "to": month_end(before).isoformat()})
    by_reason = report.read("reason", first, last)
    by_reason_before = report.read("reason", before, month_end(before))
    costs = []
    month = first
    for _ in range(COST_MONTHS):
        answer = totals if month == first else report.kpis({"from": month.isoformat(),
                                                            "to": month_end(month).isoformat()})
        costs.append({"month": month.strftime("%Y-%m"), "cost": cost(answer), "currency": answer.get("currency")})
        month = previous_month(month)
    costs.reverse()
    weeks, week = [], Week.of(before)
    while week.first <= last:
        values = evaluations.rollups(week, settings).get("all", {})
        weeks.append({"week": week.name, "evaluations": values.get("evaluations", 0),
                      "averageScore": evaluations.average(values)})
        week = Week.of(week.first + timedelta(days=7))
    return {"month": first.strftime("%Y-%m"), "previous": before.strftime("%Y-%m"),
            "timeZone": settings.metrics_time_zone,
            "totals": totals["totals"], "totalsBefore": totals_before["totals"],
            "reasons": reasons(by_reason, by_reason_before),
            "detractors": detractors(by_reason, _detractor_comments(first, last)),
            "gaps": _gaps(first, last), "costs": costs if any(c["cost"] is not None for c in costs) else [],
            "quality": weeks}


def _detractor_comments(first: date, last: date) -> dict[str, list[str]]:
    from chalicelib.surveys.themes import detractor_comments

    return detractor_comments(first, last)


def _gaps(first: date, last: date) -> dict[str, Any]:
    from chalicelib.knowledge import api

    found = api.gaps({"from": first.isoformat(), "to": last.isoformat()})
    return {"unanswered": [g for g in found["unanswered"] if g["gaps"]][:TOP],
            "unhelpful": found["unhelpfulArticles"][:TOP]}


def page(query: Mapping[str, str] | None, accept_language: str | None) -> str:
    from chalicelib.db import utcnow
    from chalicelib.metrics import counters
    from chalicelib.notify.render import environment
    from chalicelib.settings import get_settings

    query = only_params(query, ("month", "lang"))
    lang = language(query, accept_language)
    today = date.fromisoformat(counters.local_day(utcnow(), get_settings().metrics_time_zone))
    first = month_of(query.get("month"), today)
    review = collect(first)
    following = month_end(first) + timedelta(days=1)
    return environment(True).get_template("pages/review.j2").render(
        lang=lang, t=catalogue()[lang], review=review,
        next=following.strftime("%Y-%m") if following <= today else None)
