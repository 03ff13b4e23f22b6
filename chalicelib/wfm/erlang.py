"""Staffing from queueing theory: Erlang C, and Erlang A when callers give up.

Everything here is pure arithmetic on floats, stable from 1 to many thousands of
agents: the waiting probability comes from the Erlang B recursion
(B0 = 1, Bk = A·Bk-1 / (k + A·Bk-1)), never from factorials or powers of the load.

- Erlang C (M/M/N): callers wait as long as it takes.
  C = N·B / (N − A(1 − B)); SL(t) = 1 − C·e^(−(N−A)·t/AHT); ASA = C·AHT/(N−A); occupancy A/N.
- Erlang A (M/M/N+M): callers give up after an exponentially distributed patience
  (mean `patience_seconds`, estimated from the abandonment a queue saw). The service
  level is the share of offered contacts answered within the target time; as the
  patience grows the figures converge to Erlang C's.
- Chat: an agent handles `concurrency` chats at once, so a chat occupies a
  1/concurrency share of an agent for its handle time: the load is divided by it.

`staff()` finds the fewest agents that meet the service-level target without
exceeding the maximum occupancy, then the people to roster once shrinkage (breaks,
training, absence) is allowed for. Fractional agents, where the service level curve
between N−1 and N agents crosses the target, are reported beside the rounded number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Above this many agents one interval's load is outside what a single queue staffs;
# inputs that would need more are refused rather than looped over.
MAX_AGENTS = 20_000
_EPSILON = 1e-9


@dataclass(frozen=True)
class Demand:
    """One interval's work and the queue's goals for it."""

    contacts: float
    interval_seconds: float
    average_handle_seconds: float
    target_service_level: float = 0.8
    target_seconds: float = 20.0
    shrinkage: float = 0.0
    max_occupancy: float = 1.0
    patience_seconds: float | None = None
    concurrency: int = 1

    @property
    def traffic(self) -> float:
        """The offered load in Erlangs (agents fully busy), after chat concurrency."""
        return self.contacts * self.average_handle_seconds / self.interval_seconds / self.concurrency

    @property
    def service_seconds(self) -> float:
        """How long one contact holds one agent's whole capacity."""
        return self.average_handle_seconds / self.concurrency


@dataclass(frozen=True)
class Performance:
    """What `agents` agents achieve on an interval's load."""

    agents: int
    service_level: float
    average_speed_of_answer_seconds: float
    occupancy: float
    waiting_probability: float
    abandonment: float = 0.0


@dataclass(frozen=True)
class Staffing:
    """The agents an interval needs, what they achieve, and the staff to roster."""

    agents: int
    agents_fractional: float
    service_level: float
    average_speed_of_answer_seconds: float
    occupancy: float
    staff: int
    staff_fractional: float
    traffic: float
    abandonment: float = 0.0


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of `agents` servers offered `traffic` Erlangs."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact waits (1 when the agents cannot keep up)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(agents, traffic)
    return _waiting_from_blocking(agents, traffic, blocking)


def _waiting_from_blocking(agents: int, traffic: float, blocking: float) -> float:
    return agents * blocking / (agents - traffic * (1 - blocking))


def _erlang_c_performance(agents: int, demand: Demand, blocking: float) -> Performance:
    traffic = demand.traffic
    if traffic <= 0:
        return Performance(agents, 1.0, 0.0, 0.0, 0.0)
    if agents <= traffic:
        return Performance(agents, 0.0, math.inf, 1.0 if agents else 0.0, 1.0)
    waiting = _waiting_from_blocking(agents, traffic, blocking)
    surplus = agents - traffic
    service_level = 1 - waiting * math.exp(-surplus * demand.target_seconds / demand.service_seconds)
    asa = waiting * demand.service_seconds / surplus
    return Performance(agents, _unit(service_level), asa, traffic / agents, waiting)


def _erlang_a_performance(agents: int, demand: Demand, blocking: float) -> Performance:
    """M/M/N+M by its birth-death chain, with the waiting time of a caller who finds
    j callers ahead in closed form.

    A caller with i callers ahead moves up at rate N·μ + i·γ (a service ends or one
    ahead gives up) and gives up itself at rate γ. So it is answered with
    probability Π (Nμ + iγ)/(Nμ + (i+1)γ), its waiting time is a sum of exponentials
    with rates Nμ + (i+1)γ, i = 0..j, independent of whether it is answered, and that
    sum is below t with probability I_x(j+1, Nμ/γ + 1), x = 1 − e^(−γt) (a regularised
    incomplete beta, computed by its recursion in j).
    """
    traffic = demand.traffic
    if traffic <= 0:
        return Performance(agents, 1.0, 0.0, 0.0, 0.0)
    assert demand.patience_seconds is not None
    mu = 1.0 / demand.service_seconds
    gamma = 1.0 / demand.patience_seconds
    arrival = traffic * mu
    capacity = agents * mu
    t = demand.target_seconds
    if agents == 0:
        # Nobody answers: every caller gives up.
        return Performance(0, 0.0, math.inf, 0.0, 1.0, 1.0)

    x = -math.expm1(-gamma * t)
    b = capacity / gamma + 1
    # log of the first incomplete-beta term and I_x(1, b) = 1 − (1 − x)^b
    log_1mx = -gamma * t
    log_term = math.log(b) + (math.log(x) if x > 0 else -math.inf) + b * log_1mx
    within = -math.expm1(b * log_1mx)

    rescaled = False
    weight = 1.0          # π(N + j) / π(N), rescaled when it grows past 1e200
    answered = 1.0        # P(answered | j ahead)
    waited = 0.0          # Σ 1/rate over the phases
    sum_weight = sum_answered = sum_within = sum_wait = 0.0
    j = 0
    while True:
        rate = capacity + (j + 1) * gamma
        answered *= (capacity + j * gamma) / rate
        waited += 1.0 / rate
        sum_weight += weight
        sum_answered += weight * answered
        sum_within += weight * answered * within
        sum_wait += weight * answered * waited
        # next: j + 1 ahead
        within -= math.exp(log_term) if log_term > -745 else 0.0
        within = max(within, 0.0)
        log_term += math.log(x * (j + 1 + b) / (j + 2)) if x > 0 else 0.0
        j += 1
        weight *= arrival / (capacity + j * gamma)
        if weight > 1e200:
            # Past the point where the queue would grow without abandonment the
            # weights climb before they fall: rescale (only ratios of sums matter).
            weight /= 1e200
            sum_weight /= 1e200
            sum_answered /= 1e200
            sum_within /= 1e200
            sum_wait /= 1e200
            rescaled = True
        if weight < 1e-17 * sum_weight and arrival < capacity + j * gamma:
            break
        if j > 1_000_000:  # patience so long and load so high that the queue never settles
            break

    # Arrivals find N or more in the system with probability P(wait) (PASTA); the
    # truncated Erlang B gives π(N) relative to the states below N.
    wait_share = 1.0 if rescaled else blocking * sum_weight / (1 - blocking + blocking * sum_weight)
    answered_all = (1 - wait_share) + wait_share * sum_answered / sum_weight
    within_all = (1 - wait_share) + wait_share * sum_within / sum_weight
    asa = wait_share * sum_wait / sum_weight / answered_all if answered_all > 0 else math.inf
    occupancy = min(1.0, traffic * answered_all / agents)
    return Performance(agents, _unit(within_all), asa, occupancy, wait_share, _unit(1 - answered_all))


def performance(agents: int, demand: Demand) -> Performance:
    """What `agents` agents achieve on `demand` (Erlang A when a patience is given)."""
    return _performance(agents, demand, erlang_b(agents, demand.traffic))


def _performance(agents: int, demand: Demand, blocking: float) -> Performance:
    if demand.patience_seconds is None:
        return _erlang_c_performance(agents, demand, blocking)
    return _erlang_a_performance(agents, demand, blocking)


def staff(demand: Demand) -> Staffing:
    """The fewest agents meeting the service level within the maximum occupancy,
    and the staff to roster after shrinkage."""
    traffic = demand.traffic
    if traffic <= 0:
        return Staffing(0, 0.0, 1.0, 0.0, 0.0, 0, 0.0, 0.0)
    target, cap = demand.target_service_level, demand.max_occupancy
    # Erlang B for 0, 1, 2... agents, extended as the search climbs: each step of the
    # recursion is computed once per interval, not once per agent count tried.
    blocking = [1.0]

    def performance_of(agents: int) -> Performance:
        while len(blocking) <= agents:
            k = len(blocking)
            blocking.append(traffic * blocking[-1] / (k + traffic * blocking[-1]))
        return _performance(agents, demand, blocking[agents])

    def meets(agents: int) -> bool:
        if agents > MAX_AGENTS:
            raise ValueError(f"the load needs more than {MAX_AGENTS} agents")
        achieved = performance_of(agents)
        return achieved.service_level >= target - _EPSILON and achieved.occupancy <= cap + _EPSILON

    # `failing` never meets the target: Erlang C needs N > A/cap, and under Erlang A at
    # most N/A of the callers are answered, so fewer than target·A agents never do.
    if demand.patience_seconds is None:
        failing = max(math.floor(traffic), math.ceil(traffic / cap - _EPSILON) - 1)
    else:
        failing = max(0, math.ceil(target * traffic - _EPSILON) - 1)
    # Both the service level and the idle share grow with N: gallop up to an N that
    # meets both, then bisect.
    agents, step = failing + 1, 1
    while not meets(agents):
        failing, agents = agents, agents + step
        step *= 2
    while agents - failing > 1:
        middle = (failing + agents) // 2
        if meets(middle):
            agents = middle
        else:
            failing = middle

    # Fractional agents: where each curve crosses its limit between N-1 and N agents.
    above = performance_of(agents)
    below = performance_of(agents - 1) if agents > 1 else Performance(0, 0.0, math.inf, 1.0, 1.0)
    by_service_level = _crossing(agents, below.service_level, above.service_level, target)
    if demand.patience_seconds is None:
        by_occupancy = traffic / cap
    else:
        by_occupancy = _crossing(agents, -below.occupancy, -above.occupancy, -cap)
    agents_fractional = max(by_service_level, by_occupancy)
    achieved = performance_of(agents)
    return Staffing(
        agents=agents,
        agents_fractional=agents_fractional,
        service_level=achieved.service_level,
        average_speed_of_answer_seconds=achieved.average_speed_of_answer_seconds,
        occupancy=achieved.occupancy,
        staff=math.ceil(agents / (1 - demand.shrinkage) - _EPSILON),
        staff_fractional=agents_fractional / (1 - demand.shrinkage),
        traffic=traffic,
        abandonment=achieved.abandonment,
    )


def _crossing(agents: int, below: float, above: float, limit: float) -> float:
    """Where a quantity rising from `below` (N-1 agents) to `above` (N) reaches `limit`."""
    if below >= limit - _EPSILON:
        return agents - 1.0
    fraction = (limit - below) / (above - below) if above > below else 1.0
    return agents - 1 + min(1.0, max(0.0, fraction))


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))
