"""Staffing an interval with Erlang C and Erlang A, as a planner reads the figures."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.wfm import erlang
from chalicelib.wfm.erlang import Demand

# The worked example: 100 calls in 30 minutes, 180 s average handle time, 80 % in 20 s.
EXAMPLE = Demand(contacts=100, interval_seconds=1800, average_handle_seconds=180,
                 target_service_level=0.8, target_seconds=20, shrinkage=0.3)


def exact_erlang_c(agents: int, traffic: Fraction) -> Fraction:
    """The textbook formula in exact arithmetic: an oracle independent of the recursion.

    C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), every term scaled by
    q^N·N! (A = p/q) so that the sum is of integers, fast enough for thousands of agents."""
    p, q = traffic.numerator, traffic.denominator
    falling = [1] * (agents + 1)  # N!/k!
    for k in range(agents - 1, -1, -1):
        falling[k] = falling[k + 1] * (k + 1)
    below = sum(p**k * q ** (agents - k) * falling[k] for k in range(agents))
    top = Fraction(p**agents * agents, 1) / (agents - traffic)
    return top / (below + top)


def test_the_worked_example_needs_14_agents_and_20_staff():
    # Given the worked example, when it is staffed
    plan = erlang.staff(EXAMPLE)
    # Then 14 agents answer 88.8 % within 20 s, in 7.8 s on average, busy 71.4 % of the time
    assert plan.agents == 14
    assert round(plan.service_level * 100, 1) == 88.8
    assert round(plan.average_speed_of_answer_seconds, 1) == 7.8
    assert round(plan.occupancy * 100, 1) == 71.4
    # and with 30 % shrinkage 20 people are rostered
    assert plan.staff == 20
    # and the fractional need lies between the 13 agents that fall short and the 14
    assert 13 < plan.agents_fractional < 14
    assert plan.staff_fractional == pytest.approx(plan.agents_fractional / 0.7)


def test_13_agents_fall_short_of_the_target():
    short = erlang.performance(13, EXAMPLE)
    assert round(short.service_level * 100, 1) == 79.6
    assert short.service_level < 0.8


@pytest.mark.parametrize("agents,traffic", [(1, Fraction(1, 2)), (5, Fraction(37, 10)), (14, Fraction(10)),
                                             (40, Fraction(355, 10)), (60, Fraction(5999, 100))])
def test_waiting_probability_matches_the_textbook_formula(agents, traffic):
    assert erlang.erlang_c(agents, float(traffic)) == pytest.approx(float(exact_erlang_c(agents, traffic)),
                                                                    rel=1e-12)


def test_two_thousand_agents_are_computed_without_overflow():
    # Given a large contact center: 1,900 Erlangs offered
    demand = Demand(contacts=19_000, interval_seconds=1800, average_handle_seconds=180)
    # When it is staffed
    plan = erlang.staff(demand)
    # Then the answer is a finite number of agents just above the load, meeting the target
    assert 1900 < plan.agents < 2000
    assert plan.service_level >= 0.8
    assert erlang.performance(plan.agents - 1, demand).service_level < 0.8
    assert math.isfinite(plan.average_speed_of_answer_seconds)
    # and it is the fewest agents by the textbook formula computed exactly
    def exact_service_level(agents: int) -> float:
        waiting = exact_erlang_c(agents, Fraction(1900))
        return 1 - float(waiting) * math.exp(-(agents - 1900) * 20 / 180)

    assert exact_service_level(plan.agents) >= 0.8 > exact_service_level(plan.agents - 1)
    assert plan.service_level == pytest.approx(exact_service_level(plan.agents), rel=1e-9)


@pytest.mark.parametrize("agents,traffic", [(2000, Fraction(1900)), (2000, Fraction(39_995, 20)),
                                            (2000, Fraction(1, 4)), (1000, Fraction(9_501, 10))])
def test_waiting_probability_matches_the_textbook_formula_up_to_two_thousand_agents(agents, traffic):
    # The recursion's 2,000 steps keep full precision, busy (1,999.75 Erlangs) or idle alike
    assert erlang.erlang_c(agents, float(traffic)) == pytest.approx(float(exact_erlang_c(agents, traffic)),
                                                                    rel=1e-9, abs=1e-300)


def test_the_occupancy_cap_adds_agents():
    # Given a cap of 70 % occupancy on the worked example (14 agents would be 71.4 % busy)
    capped = erlang.staff(Demand(**{**EXAMPLE.__dict__, "max_occupancy": 0.7}))
    # Then 15 agents are needed, and the fractional figure is the load over the cap
    assert capped.agents == 15
    assert capped.occupancy <= 0.7
    assert capped.agents_fractional == pytest.approx(10 / 0.7)


def test_chat_concurrency_divides_the_load():
    # Given the worked example as chats, three at a time per agent
    chats = erlang.staff(Demand(**{**EXAMPLE.__dict__, "concurrency": 3}))
    # Then the load is a third, and far fewer agents are needed
    assert chats.traffic == pytest.approx(10 / 3)
    assert chats.agents < 14 / 2


def test_no_contacts_need_no_agents():
    plan = erlang.staff(Demand(contacts=0, interval_seconds=900, average_handle_seconds=300, shrinkage=0.3))
    assert (plan.agents, plan.staff, plan.service_level) == (0, 0, 1.0)


def test_erlang_a_converges_to_erlang_c_as_patience_grows():
    c = erlang.staff(EXAMPLE)
    gaps = []
    for patience in (600, 6_000, 60_000, 600_000):
        a = erlang.staff(Demand(**{**EXAMPLE.__dict__, "patience_seconds": patience}))
        gaps.append(abs(a.service_level - c.service_level) + abs(a.agents_fractional - c.agents_fractional))
        last = a
    assert gaps == sorted(gaps, reverse=True)
    assert last.agents == c.agents
    assert last.service_level == pytest.approx(c.service_level, abs=1e-3)
    assert last.average_speed_of_answer_seconds == pytest.approx(c.average_speed_of_answer_seconds, rel=1e-3)


def test_impatient_callers_leave_and_fewer_agents_reach_the_answered_target():
    # Given callers who give up after 30 s on average
    a = erlang.staff(Demand(**{**EXAMPLE.__dict__, "patience_seconds": 30}))
    # Then some abandon, and the target (answered within 20 s) needs no more agents than Erlang C
    assert 0 < a.abandonment < 0.2
    assert a.agents <= 14


def tagged_caller_answered_within(agents: int, demand: Demand, j: int, steps: int = 4000) -> float:
    """Independent oracle: integrate the tagged caller's chain (j callers ahead) in small
    Euler steps, without the closed form used by the module."""
    mu, gamma = 1 / demand.service_seconds, 1 / demand.patience_seconds
    position = [0.0] * (j + 1)
    position[j] = 1.0
    answered = 0.0
    dt = demand.target_seconds / steps
    for _ in range(steps):
        new = position[:]
        for i, p in enumerate(position):
            forward = (agents * mu + i * gamma) * p * dt
            leave = gamma * p * dt
            new[i] -= forward + leave
            if i == 0:
                answered += forward
            else:
                new[i - 1] += forward
        position = new
    return answered


def test_erlang_a_waiting_time_matches_a_direct_integration():
    # Given 8 agents, callers with 60 s patience, and a caller with 0..5 callers ahead
    demand = Demand(**{**EXAMPLE.__dict__, "patience_seconds": 60})
    mu, gamma = 1 / demand.service_seconds, 1 / demand.patience_seconds
    agents = 8
    x = -math.expm1(-gamma * demand.target_seconds)
    b = agents * mu / gamma + 1
    within = 1 - (1 - x) ** b
    term = b * x * (1 - x) ** b
    for j in range(6):
        answered = agents * mu / (agents * mu + (j + 1) * gamma)
        # The module's closed form (answered share x incomplete beta) for this position
        closed = answered * within
        assert closed == pytest.approx(tagged_caller_answered_within(agents, demand, j), abs=2e-4)
        within -= term
        term *= x * (j + 1 + b) / (j + 2)


@given(st.floats(1, 5000), st.floats(0.5, 5000), st.sampled_from([60, 180, 300, 600]),
       st.floats(0.5, 0.95), st.sampled_from([10, 20, 60]))
def test_more_contacts_never_need_fewer_agents(contacts, extra, aht, target, seconds):
    base = Demand(contacts=contacts, interval_seconds=900, average_handle_seconds=aht,
                  target_service_level=target, target_seconds=seconds)
    more = Demand(**{**base.__dict__, "contacts": contacts + extra})
    assert erlang.staff(more).agents >= erlang.staff(base).agents
    assert erlang.staff(more).agents_fractional >= erlang.staff(base).agents_fractional - 1e-9


@given(st.floats(1, 3000), st.sampled_from([60, 180, 300]), st.floats(0.5, 0.95),
       st.integers(1, 120), st.integers(1, 120))
def test_a_longer_target_time_never_needs_more_agents(contacts, aht, target, seconds, extra):
    base = Demand(contacts=contacts, interval_seconds=900, average_handle_seconds=aht,
                  target_service_level=target, target_seconds=seconds)
    longer = Demand(**{**base.__dict__, "target_seconds": seconds + extra})
    assert erlang.staff(longer).agents <= erlang.staff(base).agents


@given(st.floats(1, 2000), st.floats(5, 3600), st.integers(1, 60))
def test_erlang_a_meets_its_target_with_the_agents_it_names(contacts, patience, extra):
    demand = Demand(contacts=contacts, interval_seconds=1800, average_handle_seconds=180, patience_seconds=patience)
    plan = erlang.staff(demand)
    assert plan.service_level >= 0.8 - 1e-9
    if plan.agents > 1:
        assert erlang.performance(plan.agents - 1, demand).service_level < 0.8
    more = Demand(**{**demand.__dict__, "contacts": contacts + extra})
    assert erlang.staff(more).agents >= plan.agents
