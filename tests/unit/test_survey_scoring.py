"""NPS, CSAT and CES: their bounds, how answers split, and why the counters (which
only add) always give the same scores as computing them from every answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.metrics import counters
from chalicelib.surveys import scoring

nps_answers = st.lists(st.integers(0, 10), max_size=60)
csat_answers = st.lists(st.integers(1, 5), max_size=60)
ces_answers = st.lists(st.integers(1, 7), max_size=60)
DAY = "2026-03-02"
GROUPS = {"queue": "Billing", "agent": "ioana.m", "channel": "VOICE", "reason": "billing"}


def rates(total: dict[str, int]) -> dict[str, float | None]:
    scoring.register_rates()
    from chalicelib.metrics import report

    return {name: report.DERIVED[name](total) for name in
            ("npsScore", "csatPercent", "csatAverage", "cesAverage", "cesEasyPercent")}


@given(nps_answers)
def test_nps_is_between_minus_100_and_100_and_promoters_passives_detractors_partition_the_answers(answers):
    groups = [scoring.nps_group(v) for v in answers]
    assert len(groups) == groups.count("promoter") + groups.count("passive") + groups.count("detractor")
    score = scoring.nps(answers)
    if not answers:
        assert score is None
        return
    assert -100 <= score <= 100
    assert score == round((groups.count("promoter") - groups.count("detractor")) * 100 / len(answers), 1)
    # Every answer counts in exactly one group of the counters too
    fields = [scoring.fields("nps", v) for v in answers]
    assert all(f["nps_promoters"] + f["nps_passives"] + f["nps_detractors"] == 1 for f in fields)


def test_the_boundaries_of_each_group():
    assert [scoring.nps_group(v) for v in (0, 6, 7, 8, 9, 10)] == \
        ["detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert scoring.nps([10, 9, 0]) == 33.3 and scoring.nps([7, 8]) == 0.0 and scoring.nps([6]) == -100.0
    assert scoring.csat_percent([4, 5, 3, 1]) == 50.0
    assert (scoring.ces_average([5, 7, 1]), scoring.ces_easy_percent([5, 7, 1, 4])) == (4.33, 50.0)


@given(csat_answers, ces_answers)
def test_csat_and_ces_stay_within_their_scales(csat, ces):
    for percent in (scoring.csat_percent(csat), scoring.ces_easy_percent(ces)):
        assert percent is None or 0 <= percent <= 100
    average = scoring.ces_average(ces)
    assert average is None or 1 <= average <= 7


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(1, 5), st.integers(1, 7)), max_size=40))
def test_summed_contributions_give_the_scores_of_all_answers(surveys):
    # Given each survey's contribution, added up as the counters add them
    total = counters.combine([scoring.contribution(DAY, GROUPS, {"nps": n, "csat": c, "ces": e})
                              for n, c, e in surveys])
    for counter_key in [f"{DAY}#all#all", f"{DAY}#queue#Billing", f"{DAY}#agent#ioana.m"]:
        shown = rates(total.get(counter_key, {}))
        # Then the scores read from counters equal those computed from the answers
        assert shown["npsScore"] == scoring.nps([n for n, _, _ in surveys])
        assert shown["csatPercent"] == scoring.csat_percent([c for _, c, _ in surveys])
        assert shown["cesAverage"] == scoring.ces_average([e for _, _, e in surveys])
        assert shown["cesEasyPercent"] == scoring.ces_easy_percent([e for _, _, e in surveys])
        assert total.get(counter_key, {}).get("surveys_answered", 0) == len(surveys)


answer_event = st.tuples(st.integers(0, 5), st.sampled_from(["nps", "csat", "ces"]), st.integers(0, 10))


@given(st.lists(answer_event, max_size=80), st.randoms())
def test_incremental_updates_equal_a_batch_recomputation(events, rnd):
    """Answers arrive one at a time, some redelivered, some changed (a caller who
    re-enters a key): each change writes only the difference, and the counters end
    equal to a recomputation from the final answers."""
    events = [(s, q, v) for s, q, v in events if scoring.in_range(q, v)]
    events = events + [rnd.choice(events) for _ in range(len(events) // 3)] if events else []  # redeliveries
    applied: dict[int, counters.Contribution] = {}
    answers: dict[int, dict[str, int]] = {}
    running: counters.Contribution = {}
    for survey, question, value in events:
        answers.setdefault(survey, {})[question] = value
        new = scoring.contribution(DAY, GROUPS, answers[survey])
        running = counters.combine([running, counters.delta(applied.get(survey), new)])
        applied[survey] = new
    batch = counters.combine([scoring.contribution(DAY, GROUPS, final) for final in answers.values()])
    assert running == batch


def test_which_score_calls_for_a_follow_up():
    assert scoring.needs_follow_up({"nps": 6, "csat": 5}) == "nps"
    assert scoring.needs_follow_up({"nps": 7, "csat": 2}) == "csat"
    assert scoring.needs_follow_up({"nps": 0, "csat": 1}) == "nps"
    assert scoring.needs_follow_up({"nps": 7, "csat": 3, "ces": 1}) is None
    assert scoring.needs_follow_up({}) is None
