"""Question types, what an answer counts for, and the scores supervisors read.

- NPS (0-10): promoters answer 9-10, passives 7-8, detractors 0-6;
  NPS = % promoters - % detractors, from -100 to 100.
- CSAT (1-5): % of answers 4-5 ("satisfied"), and the average.
- CES (1-7, "it was easy to get my issue handled", 7 = strongly agree): the
  average, and % of answers 5-7 ("easy").

Scores are never computed by reading answers back. Each answered survey describes
what it adds to the KPI counters (`contribution`, counts and sums only), kept on the
survey next to its answers; the counters hold the sums, and the rates are derived
from them when `GET /metrics` reads them (registered here with the metrics report).
Counts add up, rates do not: that is why only counts are stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.metrics import counters

NPS, CSAT, CES, TEXT = "nps", "csat", "ces", "text"
RANGES: dict[str, tuple[int, int]] = {NPS: (0, 10), CSAT: (1, 5), CES: (1, 7)}
RATED = tuple(RANGES)
TYPES = (*RATED, TEXT)

# What a supervisor must look at: an NPS detractor, or a customer dissatisfied (CSAT 1-2).
FOLLOW_UP_AT_MOST = {NPS: 6, CSAT: 2}


def in_range(question_type: str, value: int) -> bool:
    low, high = RANGES[question_type]
    return low <= value <= high


def nps_group(value: int) -> str:
    return "promoter" if value >= 9 else "passive" if value >= 7 else "detractor"


def fields(question_type: str, value: int) -> dict[str, int]:
    """The counters one rated answer adds to."""
    if question_type == NPS:
        group = nps_group(value)
        return {"nps_responses": 1, "nps_promoters": int(group == "promoter"),
                "nps_passives": int(group == "passive"), "nps_detractors": int(group == "detractor")}
    if question_type == CSAT:
        return {"csat_responses": 1, "csat_sum": value, "csat_satisfied": int(value >= 4)}
    if question_type == CES:
        return {"ces_responses": 1, "ces_sum": value, "ces_easy": int(value >= 5)}
    raise ValueError(f"{question_type} answers are not counted")


def contribution(day: str, groups: Mapping[str, str | None], scores: Mapping[str, int]) -> counters.Contribution:
    """What one answered survey adds to the counters of `day` (the contact's day) in
    every dimension of `groups` ({"queue": ..., "agent": ..., "channel": ...,
    "reason": ...}) and in the total. `scores` maps a question type to its answer."""
    total: dict[str, int] = {}
    for question_type, value in scores.items():
        for name, n in fields(question_type, value).items():
            total[name] = total.get(name, 0) + n
    if not total:
        return {}
    total["surveys_answered"] = 1
    found: counters.Contribution = {}
    counters.add(found, day, groups, total)
    return found


def needs_follow_up(scores: Mapping[str, int]) -> str | None:
    """Which score calls for a supervisor, if any: `nps` (a detractor) before `csat`."""
    for question_type, limit in FOLLOW_UP_AT_MOST.items():
        if question_type in scores and scores[question_type] <= limit:
            return question_type
    return None


# ---- the scores, from counters ------------------------------------------------

@dataclass(frozen=True)
class NetPromoterScore:
    """% promoters minus % detractors, rounded to one decimal; None without answers."""

    def __call__(self, values: Mapping[str, int]) -> float | None:
        responses = values.get("nps_responses", 0)
        if not responses:
            return None
        return round((values.get("nps_promoters", 0) - values.get("nps_detractors", 0)) * 100 / responses, 1)


def register_rates() -> None:
    """Add the survey scores to every total and group of `GET /metrics`."""
    from chalicelib.metrics import report

    report.DERIVED["npsScore"] = NetPromoterScore()
    report.derive("csatPercent", "csat_satisfied", "csat_responses", 100)
    report.derive("csatAverage", "csat_sum", "csat_responses", digits=2)
    report.derive("cesAverage", "ces_sum", "ces_responses", digits=2)
    report.derive("cesEasyPercent", "ces_easy", "ces_responses", 100)


# ---- the same scores from raw answers (tests, and anyone checking the counters) ----

def nps(values: Iterable[int]) -> float | None:
    answers = list(values)
    if not answers:
        return None
    promoters = sum(1 for v in answers if v >= 9)
    detractors = sum(1 for v in answers if v <= 6)
    return round((promoters - detractors) * 100 / len(answers), 1)


def csat_percent(values: Iterable[int]) -> float | None:
    answers = list(values)
    return round(sum(1 for v in answers if v >= 4) * 100 / len(answers), 1) if answers else None


def ces_average(values: Iterable[int]) -> float | None:
    answers = list(values)
    return round(sum(answers) / len(answers), 2) if answers else None


def ces_easy_percent(values: Iterable[int]) -> float | None:
    answers = list(values)
    return round(sum(1 for v in answers if v >= 5) * 100 / len(answers), 1) if answers else None
