"""Erlang C and Erlang A: exact against arbitrary precision and the birth-death chain."""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from statistics import fmean, stdev

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.stats import t as student_t

from planner.erlang import (
    erlang_a_metrics,
    erlang_a_occupancy,
    erlang_a_required_agents,
    erlang_a_service_level,
    erlang_c_asa,
    erlang_c_required_agents,
    erlang_c_service_level,
    erlang_c_wait_probability,
    occupancy,
    offered_load,
)
from planner.staffing import required_agents

AHT = 240.0
REL = 1e-9


def mp_erlang_c(agents: int, load: float, aht: float, target: float) -> tuple[mp.mpf, ...]:
    """(P(wait), SL, ASA) at 40 digits from the Erlang B recurrence 1/B_k = 1 + k/A / B_(k-1)."""
    with mp.workdps(40):
        a = mp.mpf(load)
        inverse_b = mp.mpf(1)
        for k in range(1, agents + 1):
            inverse_b = 1 + inverse_b * k / a
        b = 1 / inverse_b
        c = b / (1 - a / agents * (1 - b))
        level = 1 - c * mp.exp(-(agents - a) * mp.mpf(target) / aht)
        asa = c * aht / (agents - a)
        return c, level, asa


def assert_close(got: float, exact: mp.mpf, rel: float = REL, floor: float = 0.0) -> None:
    error = abs(mp.mpf(got) - exact)
    assert error <= rel * abs(exact) + floor, f"got {got!r}, exact {mp.nstr(exact, 20)}"


ERLANG_C_GRID = [
    (load, agents)
    for load in (0.1, 0.5, 1.0, 2.5, 7.3, 20.0, 40.0, 99.9, 250.0, 800.0, 2000.0, 5000.0)
    for agents in sorted(
        {
            math.floor(load) + 1,
            math.floor(load) + 2,
            math.floor(load) + math.ceil(math.sqrt(load)) + 1,
            math.floor(load + 3 * math.sqrt(load)) + 4,
        }
    )
]


@pytest.mark.parametrize(("load", "agents"), ERLANG_C_GRID)
def test_erlang_c_matches_forty_digit_arithmetic_from_a_tenth_to_five_thousand_erlangs(
    load: float, agents: int
) -> None:
    for target in (0.0, 20.0):
        wait, level, asa = mp_erlang_c(agents, load, AHT, target)
        assert_close(float(erlang_c_wait_probability(agents, load)), wait)
        assert_close(float(erlang_c_service_level(agents, load, AHT, target)), level)
        assert_close(float(erlang_c_asa(agents, load, AHT)), asa)


def test_erlang_c_is_vectorised_and_broadcasts_agents_against_intervals() -> None:
    loads = np.array([[5.0, 40.0, 700.0]])
    agents = np.array([[8], [50], [760]])
    level = erlang_c_service_level(agents, loads, AHT, 20.0)
    assert level.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            single = erlang_c_service_level(int(agents[i, 0]), float(loads[0, j]), AHT, 20.0)
            assert level[i, j] == single


def test_no_agents_or_too_few_agents_means_every_call_waits_and_none_is_on_time() -> None:
    agents = np.array([0, 10, 40, 40])
    load = np.array([3.0, 12.0, 40.0, 39.99])
    np.testing.assert_array_equal(erlang_c_wait_probability(agents, load)[:3], 1.0)
    np.testing.assert_array_equal(erlang_c_service_level(agents, load, AHT, 20)[:3], 0.0)
    np.testing.assert_array_equal(erlang_c_asa(agents, load, AHT)[:3], np.inf)
    np.testing.assert_array_equal(occupancy(agents, load)[:3], 1.0)
    assert 0.0 < erlang_c_service_level(40, 39.99, AHT, 20) < 1.0


def test_an_interval_without_calls_is_perfect_whatever_the_staffing() -> None:
    agents = np.array([0, 1, 25])
    np.testing.assert_array_equal(erlang_c_wait_probability(agents, 0.0), 0.0)
    np.testing.assert_array_equal(erlang_c_service_level(agents, 0.0, AHT, 20), 1.0)
    np.testing.assert_array_equal(erlang_c_asa(agents, 0.0, AHT), 0.0)
    np.testing.assert_array_equal(occupancy(agents, 0.0), 0.0)
    metrics = erlang_a_metrics(agents, 0.0, AHT, 120.0, 20.0)
    np.testing.assert_array_equal(metrics.service_level, 1.0)
    np.testing.assert_array_equal(metrics.abandon_probability, 0.0)


def test_a_zero_second_target_counts_only_calls_answered_at_once() -> None:
    level = erlang_c_service_level(46, 40.0, AHT, 0.0)
    assert level == pytest.approx(1.0 - float(erlang_c_wait_probability(46, 40.0)), rel=1e-15)


def test_offered_load_is_calls_times_handling_time_over_interval_length() -> None:
    np.testing.assert_allclose(offered_load([300, 0, 45], 240, 1800), [40.0, 0.0, 6.0])
    with pytest.raises(ValueError, match="interval_seconds"):
        offered_load(10, 240, 0)
    with pytest.raises(ValueError, match="calls"):
        offered_load(-1, 240, 1800)


def test_five_thousand_erlangs_on_six_thousand_agents_stay_finite_and_in_range() -> None:
    agents = np.array([1, 4000, 4999, 5000, 5001, 5050, 6000])
    c_level = erlang_c_service_level(agents, 5000.0, AHT, 20.0)
    c_wait = erlang_c_wait_probability(agents, 5000.0)
    a = erlang_a_metrics(agents, 5000.0, AHT, 180.0, 20.0)
    for values in (c_level, c_wait, a.wait_probability, a.abandon_probability):
        assert np.all(np.isfinite(values))
        assert np.all((values >= 0) & (values <= 1))
    assert np.all(np.isfinite(a.service_level)) and np.all(a.service_level <= 1)
    assert np.all(np.isfinite(a.asa_seconds)) and np.all(a.occupancy <= 1)
    assert c_level[-1] == 1.0 and a.service_level[-1] == 1.0
    assert 0.0 < c_level[4] < c_level[5] < 1.0


def test_a_tenth_of_an_erlang_is_handled_without_underflow() -> None:
    level = erlang_c_service_level([1, 2, 30], 0.1, AHT, 20.0)
    assert np.all((level > 0.9) & (level <= 1.0))
    a = erlang_a_metrics([1, 2, 30], 0.1, AHT, 60.0, 20.0)
    assert np.all(np.isfinite(a.asa_seconds))
    assert np.all((a.service_level > 0.9) & (a.service_level <= 1.0))


# Erlang A against the birth-death chain ------------------------------------------------


@dataclass(frozen=True)
class ChainAnswer:
    wait: float
    abandon: float
    service_level: float
    asa: float
    occupancy: float


def chain_erlang_a(
    agents: int, load: float, aht: float, patience: float, target: float
) -> ChainAnswer:
    """Solve the truncated M/M/n+M chain directly, without any closed form.

    The stationary distribution of states 0..n+K comes from detailed balance at 50 digits,
    truncated where the tail is below 1e-25. Arrivals see it (PASTA): P(wait) is the mass of
    states >= n and P(abandon) = theta E[queue] / lambda. Service level and ASA condition on
    the number k of callers waiting ahead: the tagged caller's absorbing chain (k ahead ->
    k - 1 at rate n mu + k theta, -> abandoned at rate theta, -> answered from 0 at rate
    n mu) gives P(answered by t | k) from its matrix exponential and E[wait; answered | k]
    as Q^-2 r.
    """
    with mp.workdps(50):
        mu, theta = mp.mpf(1) / aht, mp.mpf(1) / patience
        lam = mp.mpf(load) * mu
        weights = [mp.mpf(1)]
        for j in range(1, agents + 1):
            weights.append(weights[-1] * lam / (j * mu))
        k = 0
        while True:
            k += 1
            weights.append(weights[-1] * lam / (agents * mu + k * theta))
            if lam < agents * mu + k * theta and weights[-1] < mp.mpf(10) ** -25 * max(weights):
                break
        total = mp.fsum(weights)
        pi = [w / total for w in weights]
        queue = pi[agents:]
        wait = mp.fsum(queue)
        abandon = theta * mp.fsum(i * p for i, p in enumerate(queue)) / lam
    size = len(queue)
    service, impatience = agents / aht, 1.0 / patience
    generator = np.zeros((size, size))
    for ahead in range(size):
        generator[ahead, ahead] = -(service + ahead * impatience + impatience)
        if ahead:
            generator[ahead, ahead - 1] = service + ahead * impatience
    exits = np.zeros(size)
    exits[0] = service
    block = np.zeros((size + 1, size + 1))
    block[:size, :size] = generator * target
    block[:size, size] = exits * target
    on_time = expm(block)[:size, size] if target > 0 else np.zeros(size)
    answered_wait = np.linalg.solve(generator, np.linalg.solve(generator, exits))
    seen = np.array([float(p) for p in queue])
    answered = 1.0 - float(abandon)
    return ChainAnswer(
        wait=float(wait),
        abandon=float(abandon),
        service_level=float(1 - wait) + float(seen @ on_time),
        asa=float(seen @ answered_wait) / answered,
        occupancy=load * answered / agents,
    )


ERLANG_A_GRID = [
    (0.1, 1, 60.0),
    (0.1, 3, 600.0),
    (1.0, 1, 180.0),
    (1.0, 2, 30.0),
    (4.5, 3, 180.0),
    (4.5, 5, 180.0),
    (4.5, 8, 900.0),
    (12.0, 6, 300.0),
    (12.0, 12, 120.0),
    (12.0, 15, 60.0),
    (30.0, 25, 240.0),
    (30.0, 31, 600.0),
    (30.0, 40, 90.0),
    (80.0, 75, 200.0),
    (80.0, 95, 200.0),
]


@pytest.mark.parametrize(("load", "agents", "patience"), ERLANG_A_GRID)
def test_erlang_a_matches_the_birth_death_chain_solved_directly(
    load: float, agents: int, patience: float
) -> None:
    for target in (0.0, 20.0, 60.0):
        chain = chain_erlang_a(agents, load, AHT, patience, target)
        got = erlang_a_metrics(agents, load, AHT, patience, target)
        assert float(got.wait_probability) == pytest.approx(chain.wait, rel=REL)
        assert float(got.abandon_probability) == pytest.approx(chain.abandon, rel=REL)
        assert float(got.service_level) == pytest.approx(chain.service_level, rel=REL, abs=1e-13)
        assert float(got.asa_seconds) == pytest.approx(chain.asa, rel=REL)
        assert float(got.occupancy) == pytest.approx(chain.occupancy, rel=REL)


def test_erlang_a_service_level_and_occupancy_shortcuts_agree_with_the_full_metrics() -> None:
    agents = np.arange(1, 60)
    full = erlang_a_metrics(agents, 40.0, AHT, 150.0, 20.0)
    np.testing.assert_array_equal(
        erlang_a_service_level(agents, 40.0, AHT, 150.0, 20.0), full.service_level
    )
    np.testing.assert_allclose(
        erlang_a_occupancy(agents, 40.0, AHT, 150.0), full.occupancy, rtol=1e-14
    )


def test_callers_who_never_hang_up_give_erlang_c_and_patient_ones_approach_it() -> None:
    agents = np.arange(41, 60)
    a = erlang_a_metrics(agents, 40.0, AHT, np.inf, 20.0)
    np.testing.assert_array_equal(a.service_level, erlang_c_service_level(agents, 40.0, AHT, 20))
    np.testing.assert_array_equal(a.abandon_probability, 0.0)
    for patience, rtol in ((1e7, 1e-2), (1e9, 1e-4), (1e11, 1e-6)):
        nearly = erlang_a_metrics(agents, 40.0, AHT, patience, 20.0)
        np.testing.assert_allclose(nearly.service_level, a.service_level, rtol=rtol)
        np.testing.assert_allclose(nearly.wait_probability, a.wait_probability, rtol=rtol)
        np.testing.assert_allclose(nearly.asa_seconds, a.asa_seconds, rtol=rtol)


def test_with_impatient_callers_fewer_agents_than_the_load_still_answer_calls() -> None:
    a = erlang_a_metrics(35, 40.0, AHT, 120.0, 20.0)
    assert 0.0 < float(a.service_level) < 1.0
    assert 0.0 < float(a.abandon_probability) < 1.0
    assert np.isfinite(a.asa_seconds)
    nobody = erlang_a_metrics(0, 40.0, AHT, 120.0, 20.0)
    assert float(nobody.service_level) == 0.0 and float(nobody.abandon_probability) == 1.0


@settings(max_examples=60, deadline=None)
@given(
    load=st.floats(0.05, 3000.0),
    patience=st.one_of(st.none(), st.floats(5.0, 3600.0)),
    target=st.floats(0.0, 120.0),
    aht=st.floats(30.0, 900.0),
)
def test_service_level_never_drops_when_an_agent_is_added(
    load: float, patience: float | None, target: float, aht: float
) -> None:
    low = max(0, math.floor(load - 4 * math.sqrt(load)) - 2)
    agents = np.arange(low, math.ceil(load + 6 * math.sqrt(load)) + 8)
    if patience is None:
        level = erlang_c_service_level(agents, load, aht, target)
    else:
        level = erlang_a_service_level(agents, load, aht, patience, target)
    assert np.all(np.isfinite(level)) and np.all((level >= 0) & (level <= 1))
    assert np.all(np.diff(level) >= -1e-12)


# Erlang A against a simulation -----------------------------------------------------------


def simulate_erlang_a(
    agents: int,
    load: float,
    aht: float,
    patience: float,
    target: float,
    calls: int,
    batches: int,
    seed: int,
) -> dict[str, list[float]]:
    """FCFS M/M/n+M by the virtual-wait recursion; one estimate per batch of calls."""
    rng = random.Random(seed)
    rate = load / aht
    free_at = [0.0] * agents
    clock = 0.0
    per_batch = calls // batches
    warm_up = per_batch
    stats: dict[str, list[float]] = {"wait": [], "abandon": [], "sl": [], "asa": []}
    waited = abandoned = on_time = answered = 0
    answered_wait = 0.0
    for i in range(warm_up + per_batch * batches):
        clock += rng.expovariate(rate)
        offered_wait = max(0.0, free_at[0] - clock)
        if rng.expovariate(1.0 / patience) > offered_wait:
            heapq.heapreplace(free_at, clock + offered_wait + rng.expovariate(1.0 / aht))
            answered += 1
            answered_wait += offered_wait
            on_time += offered_wait <= target
        else:
            abandoned += 1
        waited += offered_wait > 0
        if i >= warm_up and (i - warm_up + 1) % per_batch == 0:
            stats["wait"].append(waited / per_batch)
            stats["abandon"].append(abandoned / per_batch)
            stats["sl"].append(on_time / per_batch)
            stats["asa"].append(answered_wait / answered)
            waited = abandoned = on_time = answered = 0
            answered_wait = 0.0
        elif i + 1 == warm_up:
            waited = abandoned = on_time = answered = 0
            answered_wait = 0.0
    return stats


@pytest.mark.slow
def test_erlang_a_lies_inside_the_99_percent_interval_of_a_simulation() -> None:
    agents, load, patience, target = 6, 5.5, 150.0, 20.0
    stats = simulate_erlang_a(agents, load, AHT, patience, target, 1_500_000, 50, seed=20240611)
    exact = erlang_a_metrics(agents, load, AHT, patience, target)
    expected = {
        "wait": float(exact.wait_probability),
        "abandon": float(exact.abandon_probability),
        "sl": float(exact.service_level),
        "asa": float(exact.asa_seconds),
    }
    quantile = float(student_t.ppf(0.995, df=len(stats["wait"]) - 1))
    for name, values in stats.items():
        half_width = quantile * stdev(values) / math.sqrt(len(values))
        assert abs(fmean(values) - expected[name]) <= half_width, (
            name,
            fmean(values),
            half_width,
            expected[name],
        )


# Required agents ---------------------------------------------------------------------------

SLACK = 1e-12


def brute_force_erlang_c(
    load: float, aht: float, goal: float, target: float, cap: float | None
) -> int:
    """First head count from floor(A) + 1 that meets the goal (and the cap), one at a time."""
    if load == 0:
        return 0
    n = math.floor(load) + 1
    while True:
        level = float(erlang_c_service_level(n, load, aht, target))
        if level >= goal and (cap is None or float(occupancy(n, load)) <= cap + SLACK):
            return n
        n += 1


def brute_force_erlang_a(
    load: float, aht: float, patience: float, goal: float, target: float, cap: float | None
) -> int:
    """First head count from 1 that meets the goal (and the cap) with impatient callers."""
    if load == 0:
        return 0
    n = 1
    while True:
        level = float(erlang_a_service_level(n, load, aht, patience, target))
        busy = float(erlang_a_occupancy(n, load, aht, patience))
        if level >= goal and (cap is None or busy <= cap + SLACK):
            return n
        n += 1


def forty_digit_erlang_c_required(
    load: float, aht: float, goal: float, target: float, cap: float | None
) -> int:
    n = math.floor(load) + 1
    while True:
        _, level, _ = mp_erlang_c(n, load, aht, target)
        if level >= goal and (cap is None or load / n <= cap + SLACK):
            return n
        n += 1


small_loads = st.one_of(
    st.just(0.0),
    st.floats(1e-3, 60.0),
    st.integers(1, 60).map(float),
    st.floats(60.0, 400.0),
)
goals = st.one_of(st.just(0.0), st.floats(0.0, 0.999), st.sampled_from([0.5, 0.8, 0.9, 0.95]))
targets = st.one_of(st.just(0.0), st.floats(0.0, 300.0), st.sampled_from([10.0, 20.0, 60.0]))
caps = st.one_of(st.none(), st.just(1.0), st.floats(0.3, 1.0), st.sampled_from([0.8, 0.85]))


@settings(max_examples=150, deadline=None)
@given(
    loads=st.lists(small_loads, min_size=1, max_size=30),
    aht=st.floats(150.0, 600.0),
    goal=goals,
    target=targets,
    cap=caps,
)
def test_erlang_c_required_agents_are_the_first_head_count_above_the_load_that_passes(
    loads: list[float], aht: float, goal: float, target: float, cap: float | None
) -> None:
    got = erlang_c_required_agents(loads, aht, goal, target, cap)
    assert got.dtype == np.int64 and got.shape == (len(loads),)
    expected = [brute_force_erlang_c(a, aht, goal, target, cap) for a in loads]
    assert got.tolist() == expected


@settings(max_examples=120, deadline=None)
@given(
    loads=st.lists(small_loads, min_size=1, max_size=20),
    aht=st.floats(150.0, 600.0),
    patience=st.one_of(st.floats(1.0, 1800.0), st.sampled_from([30.0, 180.0, math.inf])),
    goal=goals,
    target=targets,
    cap=caps,
)
def test_erlang_a_required_agents_are_the_first_head_count_from_one_that_passes(
    loads: list[float],
    aht: float,
    patience: float,
    goal: float,
    target: float,
    cap: float | None,
) -> None:
    got = erlang_a_required_agents(loads, aht, patience, goal, target, cap)
    if math.isinf(patience):
        expected = [brute_force_erlang_c(a, aht, goal, target, cap) for a in loads]
    else:
        expected = [brute_force_erlang_a(a, aht, patience, goal, target, cap) for a in loads]
    assert got.tolist() == expected


@pytest.mark.parametrize("cap", [None, 0.85])
@pytest.mark.parametrize("target", [0.0, 20.0])
def test_erlang_c_required_agents_equal_a_forty_digit_linear_search_at_small_loads(
    target: float, cap: float | None
) -> None:
    loads = [0.05, 0.7, 1.0, 2.5, 5.0, 6.0, 7.3, 11.9, 20.0, 40.0, 63.0, 64.5]
    for goal in (0.5, 0.8, 0.95):
        got = erlang_c_required_agents(loads, AHT, goal, target, cap)
        expected = [forty_digit_erlang_c_required(a, AHT, goal, target, cap) for a in loads]
        assert got.tolist() == expected, goal


def test_a_goal_equal_to_the_service_level_of_n_agents_is_met_by_exactly_n() -> None:
    # The shortcut cannot tell these apart from the goal; the exact functions decide.
    for load, n in ((6.0, 9), (40.0, 46), (0.3, 2)):
        goal = float(erlang_c_service_level(n, load, AHT, 20.0))
        assert int(erlang_c_required_agents(load, AHT, goal, 20.0)) == n
        assert int(erlang_c_required_agents(load, AHT, np.nextafter(goal, 1.0), 20.0)) == n + 1
        goal_a = float(erlang_a_service_level(n, load, AHT, 120.0, 20.0))
        assert int(erlang_a_required_agents(load, AHT, 120.0, goal_a, 20.0)) == n
        above = np.nextafter(goal_a, 1.0)
        assert int(erlang_a_required_agents(load, AHT, 120.0, above, 20.0)) == n + 1


def test_required_agents_meet_a_decimal_tie_at_the_occupancy_cap() -> None:
    # 122.4 Erlangs on 144 agents is exactly 85% busy, although 122.4 / 144 rounds above 0.85.
    assert int(erlang_c_required_agents(offered_load(918, 240, 1800), 240, 0.2, 20, 0.85)) == 144
    assert int(erlang_c_required_agents(offered_load(919, 240, 1800), 240, 0.2, 20, 0.85)) == 145
    assert int(erlang_c_required_agents(42.5, 60.0, 0.2, 20, 0.85)) == 50


def test_intervals_without_calls_need_nobody_with_either_model() -> None:
    np.testing.assert_array_equal(erlang_c_required_agents([0.0, 0.0], [240, 0], 0.8, 20), 0)
    got = erlang_a_required_agents([0.0, 3.0], 240, 60.0, 0.8, 20)
    assert got.tolist() == [0, brute_force_erlang_a(3.0, 240, 60.0, 0.8, 20, None)]


def test_a_year_of_small_forecast_loads_is_staffed_as_by_the_bisection_search() -> None:
    rng = np.random.default_rng(11)
    loads = rng.gamma(2.0, 3.6, 17_520)
    aht = rng.uniform(150.0, 600.0, 17_520)
    calls = loads * 1800 / aht
    load = offered_load(calls, aht, 1800)
    for cap in (None, 0.85):
        expected_c = required_agents(calls, aht, 1800, 0.8, 20.0, cap)
        np.testing.assert_array_equal(
            erlang_c_required_agents(load, aht, 0.8, 20.0, cap), expected_c
        )
        expected_a = required_agents(calls, aht, 1800, 0.8, 20.0, cap, 180.0)
        got_a = erlang_a_required_agents(load, aht, 180.0, 0.8, 20.0, cap)
        np.testing.assert_array_equal(got_a, expected_a)


def test_large_loads_are_staffed_as_by_the_bisection_search() -> None:
    loads = np.array([150.0, 999.9, 2000.0, 5000.0])
    calls = loads * 1800 / AHT
    for cap in (None, 0.9):
        np.testing.assert_array_equal(
            erlang_c_required_agents(loads, AHT, 0.8, 20.0, cap),
            required_agents(calls, AHT, 1800, 0.8, 20.0, cap),
        )
        np.testing.assert_array_equal(
            erlang_a_required_agents(loads, AHT, 180.0, 0.8, 20.0, cap),
            required_agents(calls, AHT, 1800, 0.8, 20.0, cap, 180.0),
        )


def test_required_agents_broadcast_and_keep_their_shape() -> None:
    loads = np.array([[4.0], [40.0]])
    goals = np.array([0.5, 0.8, 0.95])
    got = erlang_c_required_agents(loads, AHT, goals, 20.0)
    assert got.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert got[i, j] == int(erlang_c_required_agents(loads[i, 0], AHT, goals[j], 20.0))
    got_a = erlang_a_required_agents(loads, AHT, [[60.0, 180.0, np.inf]], 0.8, 20.0)
    assert got_a.shape == (2, 3)
    assert got_a[1, 2] == got[1, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"load": -1.0}, "load"),
        ({"aht_seconds": 0.0}, "aht_seconds"),
        ({"service_level": 1.0}, "service_level"),
        ({"target_seconds": -1.0}, "target_seconds"),
        ({"max_occupancy": 0.0}, "max_occupancy"),
        ({"patience_seconds": 0.0}, "patience_seconds"),
    ],
)
def test_impossible_inputs_are_refused_with_the_parameter_named(
    kwargs: dict[str, float], message: str
) -> None:
    values: dict[str, float] = {
        "load": 10.0,
        "aht_seconds": 240.0,
        "patience_seconds": 120.0,
        "service_level": 0.8,
        "target_seconds": 20.0,
    }
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        erlang_a_required_agents(**values)
    if "patience_seconds" not in kwargs:
        values.pop("patience_seconds")
        with pytest.raises(ValueError, match=message):
            erlang_c_required_agents(**values)


def test_erlang_a_answers_do_not_depend_on_earlier_calls_or_other_threads() -> None:
    """The scan reuses a per-thread buffer: sizes and threads must not leak into answers."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    batches = [rng.gamma(2.0, 4.0, size) for size in (3_000, 40, 12_000, 1)]

    def solve(load: np.ndarray) -> list[int]:
        return erlang_a_required_agents(load, 300.0, 180.0, 0.8, 20.0).tolist()

    alone = [solve(load) for load in batches]
    assert [solve(load) for load in reversed(batches)] == alone[::-1]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(solve, batches * 3)) == alone * 3
