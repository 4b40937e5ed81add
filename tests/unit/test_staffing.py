"""Staffing: required agents are the exact minimum, coverage counts what is on the phones."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.erlang import (
    erlang_a_occupancy,
    erlang_a_service_level,
    erlang_c_service_level,
    occupancy,
    offered_load,
)
from planner.model import Demand, ServiceTarget, Shift, Window
from planner.staffing import (
    TABLE_COLUMNS,
    coverage,
    interval_table,
    positions_after_shrinkage,
    projected_service_level,
    required_agents,
    weighted_service_level,
)

TPE = ZoneInfo("Asia/Taipei")
HALF_HOUR = 1800
_ids = itertools.count(1)


def make_shift(
    agent_id: str,
    day: str,
    start: str,
    end: str,
    skill: str = "cards",
    breaks: Sequence[tuple[str, str]] = (),
    tz: ZoneInfo = TPE,
) -> Shift:
    """A shift from local wall-clock times; ``end <= start`` ends the next day."""
    d = date.fromisoformat(day)
    begin = datetime.combine(d, time.fromisoformat(start), tzinfo=tz)
    finish = datetime.combine(
        d + timedelta(days=1) if end <= start else d, time.fromisoformat(end), tzinfo=tz
    )
    windows = []
    for b_start, b_end in breaks:
        b_day = d + timedelta(days=1) if b_start < start else d
        b0 = datetime.combine(b_day, time.fromisoformat(b_start), tzinfo=tz)
        b1 = datetime.combine(
            b_day + timedelta(days=1) if b_end <= b_start else b_day,
            time.fromisoformat(b_end),
            tzinfo=tz,
        )
        windows.append(Window(b0.astimezone(UTC), b1.astimezone(UTC)))
    return Shift(
        agent_id=agent_id,
        local_date=d,
        start=begin.astimezone(UTC),
        end=finish.astimezone(UTC),
        skill=skill,
        breaks=tuple(windows),
        id=next(_ids),
    )


def local_intervals(
    day: str, count: int, first: str = "00:00", tz: ZoneInfo = TPE
) -> list[datetime]:
    begin = datetime.combine(date.fromisoformat(day), time.fromisoformat(first), tzinfo=tz)
    return [(begin + timedelta(seconds=HALF_HOUR * i)).astimezone(UTC) for i in range(count)]


# Exact minimum -----------------------------------------------------------------------------


def exact_erlang_c_required(
    load: float, aht: float, goal: float, target: float, cap: float | None
) -> int:
    """Linear search from floor(A) + 1 with 40-digit Erlang C; the cap is A / n <= cap.

    The cap comparison allows 1e-12 for binary rounding of decimal ties (see required_agents).
    """
    with mp.workdps(40):
        a = mp.mpf(load)
        inverse_b = mp.mpf(1)
        n = math.floor(load)
        for k in range(1, n + 1):
            inverse_b = 1 + inverse_b * k / a
        while True:
            n += 1
            inverse_b = 1 + inverse_b * n / a
            b = 1 / inverse_b
            c = b / (1 - a / n * (1 - b))
            level = 1 - c * mp.exp(-(n - a) * mp.mpf(target) / aht)
            if level >= goal and (cap is None or load / n <= cap + 1e-12):
                return n


def test_the_textbook_interval_needs_46_agents_and_66_positions_at_30_percent_shrinkage() -> None:
    assert float(offered_load(300, 240, HALF_HOUR)) == 40.0
    agents = int(required_agents(300, 240, HALF_HOUR, 0.80, 20))
    assert agents == exact_erlang_c_required(40.0, 240, 0.80, 20, None) == 46
    assert float(erlang_c_service_level(45, 40.0, 240, 20)) < 0.80
    assert float(erlang_c_service_level(46, 40.0, 240, 20)) >= 0.80
    assert int(positions_after_shrinkage(agents, 0.3)) == math.ceil(agents / 0.7) == 66


EXACT_GRID = [
    (calls, aht, goal, target, cap)
    for calls, aht in (
        (1, 18.0),
        (3, 180.0),
        (4, 450.0),
        (25, 237.6),
        (90, 240.0),
        (300, 240.0),
        (312, 240.0),
        (1125, 240.0),
        (2750, 480.0),
        (15000, 240.0),
        (37500, 240.0),
    )
    for goal in (0.5, 0.8, 0.95)
    for target in (0.0, 20.0)
    for cap in (None, 0.85)
]


def test_required_agents_equal_a_forty_digit_linear_search_in_every_case() -> None:
    calls, aht, goal, target, cap = (np.array(column) for column in zip(*EXACT_GRID, strict=True))
    capped = np.array([c is not None for c in cap])
    got_free = required_agents(calls, aht, HALF_HOUR, goal, target)
    got_capped = required_agents(calls, aht, HALF_HOUR, goal, target, max_occupancy=0.85)
    for i, (c, h, g, t, m) in enumerate(EXACT_GRID):
        load = float(offered_load(c, h, HALF_HOUR))
        expected = exact_erlang_c_required(load, h, g, t, m)
        got = got_capped[i] if capped[i] else got_free[i]
        assert got == expected, (c, h, g, t, m, got, expected)


def test_the_occupancy_cap_is_met_exactly_at_its_boundary() -> None:
    # 42.5 Erlangs at an 85% cap: 50 agents are exactly 85% busy, so 50 (not 51) suffice.
    agents = required_agents(1275, 60.0, HALF_HOUR, 0.2, 20, max_occupancy=0.85)
    assert int(agents) == 50
    assert float(occupancy(50, 42.5)) == 0.85
    # 918 calls of 240 s are 122.4 Erlangs: 144 agents are exactly 85% busy, even though
    # 122.4 / 144 rounds to a double just above 0.85.
    assert float(offered_load(918, 240, HALF_HOUR)) / 144 > 0.85
    assert int(required_agents(918, 240, HALF_HOUR, 0.2, 20, max_occupancy=0.85)) == 144
    # One call more is genuinely over the cap at 144.
    assert int(required_agents(919, 240, HALF_HOUR, 0.2, 20, max_occupancy=0.85)) == 145
    assert int(required_agents(300, 240, HALF_HOUR, 0.0, 20, max_occupancy=0.8)) == 50


def test_intervals_without_traffic_need_nobody() -> None:
    got = required_agents([0, 0, 12, 5], [240, 0, 0, 240], HALF_HOUR, 0.8, 20)
    np.testing.assert_array_equal(
        got, [0, 0, 0, exact_erlang_c_required(5 * 240 / 1800, 240, 0.8, 20, None)]
    )
    assert got.dtype == np.int64
    assert int(required_agents(0, 240, HALF_HOUR, 0.8, 20, patience_seconds=60)) == 0


def test_a_target_time_of_zero_asks_for_calls_answered_immediately() -> None:
    agents = int(required_agents(300, 240, HALF_HOUR, 0.8, 0))
    assert 1 - float(erlang_c_service_level(agents - 1, 40.0, 240, 0)) > 0.2
    assert 1 - float(erlang_c_service_level(agents, 40.0, 240, 0)) <= 0.2
    assert agents > int(required_agents(300, 240, HALF_HOUR, 0.8, 20))


def test_even_a_loose_target_staffs_above_the_load_with_erlang_c() -> None:
    assert int(required_agents(300, 240, HALF_HOUR, 0.0, 20)) == 41
    assert int(required_agents(1, 18.0, HALF_HOUR, 0.0, 20)) == 1


def test_impatient_callers_can_be_staffed_below_the_offered_load() -> None:
    agents = int(required_agents(300, 240, HALF_HOUR, 0.5, 60, patience_seconds=60))
    assert agents < 40
    assert float(erlang_a_service_level(agents, 40.0, 240, 60, 60)) >= 0.5
    assert float(erlang_a_service_level(agents - 1, 40.0, 240, 60, 60)) < 0.5


def brute_force_erlang_a(
    load: float, aht: float, patience: float, goal: float, target: float, cap: float | None
) -> int:
    n = 1
    while True:
        level = float(erlang_a_service_level(n, load, aht, patience, target))
        busy = float(erlang_a_occupancy(n, load, aht, patience))
        if level >= goal and (cap is None or busy <= cap + 1e-12):
            return n
        n += 1


@pytest.mark.parametrize("cap", [None, 0.8])
@pytest.mark.parametrize("target", [0.0, 20.0])
def test_erlang_a_required_agents_equal_a_linear_search(target: float, cap: float | None) -> None:
    cases = [
        (load, patience, goal)
        for load in (0.1, 2.2, 17.0, 40.0, 155.5)
        for patience in (15.0, 120.0, 900.0)
        for goal in (0.5, 0.9)
    ]
    load, patience, goal = (np.array(column) for column in zip(*cases, strict=True))
    calls = load * HALF_HOUR / 240.0
    got = required_agents(calls, 240.0, HALF_HOUR, goal, target, cap, patience)
    for i, (_, p, g) in enumerate(cases):
        a_exact = float(offered_load(calls[i], 240.0, HALF_HOUR))
        assert got[i] == brute_force_erlang_a(a_exact, 240.0, p, g, target, cap), cases[i]


def test_a_year_of_half_hour_intervals_is_staffed_exactly_in_one_call() -> None:
    rng = np.random.default_rng(2024)
    loads = rng.uniform(1.0, 2000.0, 17_520)
    calls = loads * HALF_HOUR / 240.0
    agents = required_agents(calls, 240.0, HALF_HOUR, 0.8, 20.0, max_occupancy=0.9)
    assert agents.shape == (17_520,)
    load = offered_load(calls, 240.0, HALF_HOUR)
    ok = (erlang_c_service_level(agents, load, 240.0, 20.0) >= 0.8) & (
        occupancy(agents, load) <= 0.9 + 1e-12
    )
    below = (erlang_c_service_level(agents - 1, load, 240.0, 20.0) >= 0.8) & (
        occupancy(agents - 1, load) <= 0.9 + 1e-12
    )
    assert ok.all() and not below.any()


def test_inputs_broadcast_and_keep_their_shape() -> None:
    calls = np.array([[100.0], [300.0]])
    goals = np.array([0.7, 0.8, 0.9])
    got = required_agents(calls, 240, HALF_HOUR, goals, 20)
    assert got.shape == (2, 3)
    for i, j in itertools.product(range(2), range(3)):
        assert got[i, j] == required_agents(float(calls[i, 0]), 240, HALF_HOUR, goals[j], 20)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"service_level": 1.0}, "service_level"),
        ({"service_level": -0.1}, "service_level"),
        ({"target_seconds": -1.0}, "target_seconds"),
        ({"max_occupancy": 0.0}, "max_occupancy"),
        ({"max_occupancy": 1.2}, "max_occupancy"),
        ({"patience_seconds": 0.0}, "patience_seconds"),
        ({"calls": -3.0}, "calls"),
    ],
)
def test_impossible_targets_are_refused_with_the_parameter_named(
    kwargs: dict[str, float], message: str
) -> None:
    arguments: dict[str, float] = {
        "calls": 300.0,
        "aht_seconds": 240.0,
        "interval_seconds": HALF_HOUR,
        "service_level": 0.8,
        "target_seconds": 20.0,
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        required_agents(**arguments)


@settings(max_examples=80, deadline=None)
@given(
    calls=st.floats(0.5, 20_000.0),
    aht=st.floats(20.0, 900.0),
    goal=st.floats(0.01, 0.99),
    target=st.sampled_from([0.0, 10.0, 20.0, 30.0, 60.0, 180.0]),
    cap=st.one_of(st.none(), st.floats(0.5, 1.0)),
    patience=st.one_of(st.none(), st.floats(10.0, 1200.0)),
)
def test_required_agents_meet_the_target_and_one_fewer_does_not(
    calls: float,
    aht: float,
    goal: float,
    target: float,
    cap: float | None,
    patience: float | None,
) -> None:
    n = int(required_agents(calls, aht, HALF_HOUR, goal, target, cap, patience))
    load = float(offered_load(calls, aht, HALF_HOUR))

    def meets(agents: int) -> bool:
        if patience is None:
            level = float(erlang_c_service_level(agents, load, aht, target))
            busy = float(occupancy(agents, load))
        else:
            level = float(erlang_a_service_level(agents, load, aht, patience, target))
            busy = float(erlang_a_occupancy(agents, load, aht, patience))
        return level >= goal and (cap is None or busy <= cap + 1e-12)

    assert meets(n)
    if n > 1:
        assert not meets(n - 1)
    if patience is None:
        assert n >= math.floor(load) + 1


# Shrinkage -------------------------------------------------------------------------------


def test_positions_after_shrinkage_are_not_inflated_by_float_noise() -> None:
    assert 21 / (1 - 0.3) > 30.0
    np.testing.assert_array_equal(
        positions_after_shrinkage([0, 7, 21, 46, 47, 1], [0.3, 0.3, 0.3, 0.3, 0.0, 0.5]),
        [0, 10, 30, 66, 47, 2],
    )
    assert positions_after_shrinkage([14, 21], 0.3).dtype == np.int64
    with pytest.raises(ValueError, match="shrinkage"):
        positions_after_shrinkage(10, 1.0)


# Coverage --------------------------------------------------------------------------------


def test_a_shift_starting_half_way_through_an_interval_counts_half_an_agent() -> None:
    starts = local_intervals("2025-03-03", 4, first="08:00")
    shift = make_shift("alice", "2025-03-03", "08:15", "09:15")
    got = coverage([shift], starts, HALF_HOUR)
    np.testing.assert_allclose(got["cards"], [0.5, 1.0, 0.5, 0.0])


def test_breaks_are_taken_off_the_phones() -> None:
    starts = local_intervals("2025-03-03", 6, first="09:00")
    shifts = [
        make_shift("alice", "2025-03-03", "09:00", "12:00", breaks=[("10:00", "10:15")]),
        make_shift("bob", "2025-03-03", "09:00", "12:00", breaks=[("10:30", "11:00")]),
    ]
    got = coverage(shifts, starts, HALF_HOUR)
    np.testing.assert_allclose(got["cards"], [2.0, 2.0, 1.5, 1.0, 2.0, 2.0])


def test_a_shift_crossing_midnight_counts_on_both_days() -> None:
    starts = local_intervals("2025-03-03", 96)
    night = make_shift("carol", "2025-03-03", "22:00", "06:00", breaks=[("02:00", "02:30")])
    got = coverage([night], starts, HALF_HOUR)["cards"]
    day_one, day_two = got[:48], got[48:]
    assert day_one[44:].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert day_one[:44].sum() == 0.0
    assert day_two[:12].tolist() == [1.0] * 4 + [0.0] + [1.0] * 7
    assert day_two[12:].sum() == 0.0
    assert got.sum() * 0.5 == 7.5


def test_a_night_shift_over_the_spring_dst_change_counts_its_five_real_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    night = make_shift("erik", "2025-03-30", "00:00", "06:00", tz=berlin)
    first = datetime(2025, 3, 29, 22, 0, tzinfo=UTC)
    starts = [first + timedelta(seconds=HALF_HOUR * i) for i in range(16)]
    got = coverage([night], starts, HALF_HOUR)["cards"]
    assert got.tolist() == [0.0] * 2 + [1.0] * 10 + [0.0] * 4
    assert got.sum() * HALF_HOUR / 3600 == 5.0


def test_skills_are_counted_separately_and_listed_skills_without_shifts_get_zeros() -> None:
    starts = local_intervals("2025-03-03", 2, first="10:00")
    shifts = [
        make_shift("alice", "2025-03-03", "10:00", "11:00", skill="cards"),
        make_shift("carol", "2025-03-03", "10:00", "10:30", skill="loans"),
        make_shift("dave", "2025-03-03", "10:00", "11:00", skill="cards"),
    ]
    got = coverage(shifts, starts, HALF_HOUR, skills=["cards", "loans", "wealth"])
    assert set(got) == {"cards", "loans", "wealth"}
    np.testing.assert_allclose(got["cards"], [2.0, 2.0])
    np.testing.assert_allclose(got["loans"], [1.0, 0.0])
    np.testing.assert_allclose(got["wealth"], [0.0, 0.0])


def test_coverage_follows_the_given_interval_order_even_with_gaps() -> None:
    starts = local_intervals("2025-03-03", 8, first="08:00")
    chosen = [starts[5], starts[0], starts[2]]
    shift = make_shift("alice", "2025-03-03", "08:10", "10:40")
    got = coverage([shift], chosen, HALF_HOUR)["cards"]
    np.testing.assert_allclose(got, [1 / 3, 2 / 3, 1.0])


def test_coverage_of_many_shifts_matches_counting_minute_by_minute() -> None:
    rng = np.random.default_rng(5)
    starts = local_intervals("2025-03-03", 48)
    shifts = []
    on_phone = np.zeros(48 * 30)
    for i in range(60):
        begin = int(rng.integers(0, 40 * 30))
        length = int(rng.integers(60, 9 * 60))
        brk = begin + int(rng.integers(30, 50))
        first = datetime(2025, 3, 3, tzinfo=TPE).astimezone(UTC) + timedelta(minutes=begin)
        shift = Shift(
            agent_id=f"a{i}",
            local_date=date(2025, 3, 3),
            start=first,
            end=first + timedelta(minutes=length),
            skill="cards",
            breaks=(
                Window(
                    first + timedelta(minutes=brk - begin),
                    first + timedelta(minutes=brk - begin + 15),
                ),
            ),
        )
        shifts.append(shift)
        minutes = np.arange(begin, min(begin + length, 48 * 30))
        minutes = minutes[(minutes < brk) | (minutes >= brk + 15)]
        np.add.at(on_phone, minutes, 1.0)
    expected = on_phone.reshape(48, 30).mean(axis=1)
    np.testing.assert_allclose(coverage(shifts, starts, HALF_HOUR)["cards"], expected, atol=1e-12)


# Projected service level and the interval table ------------------------------------------


def test_projected_service_level_floors_fractional_coverage_and_is_perfect_without_calls() -> None:
    got = projected_service_level(
        [46.0, 46.99, 45.9999999999, 3.0], [300, 300, 300, 0], 240, 1800, 20
    )
    exact_46 = float(erlang_c_service_level(46, 40.0, 240, 20))
    np.testing.assert_allclose(got, [exact_46, exact_46, exact_46, 1.0], rtol=1e-15)
    with_patience = projected_service_level(38.5, 300, 240, 1800, 20, patience_seconds=90)
    assert float(with_patience) == float(erlang_a_service_level(38, 40.0, 240, 90, 20))


def make_day() -> tuple[Demand, list[Shift]]:
    starts = tuple(local_intervals("2025-03-03", 4, first="09:00"))
    demand = Demand(
        interval_starts=starts,
        interval_seconds=HALF_HOUR,
        calls={"cards": (300.0, 150.0, 0.0, 60.0), "loans": (30.0, 30.0, 30.0, 30.0)},
        aht_seconds={"cards": (240.0, 240.0, 240.0, 240.0), "loans": (360.0,) * 4},
    )
    shifts = [make_shift(f"c{i}", "2025-03-03", "09:00", "11:00") for i in range(44)]
    shifts += [make_shift("late", "2025-03-03", "09:15", "11:00")]
    shifts += [make_shift(f"l{i}", "2025-03-03", "09:00", "10:00", skill="loans") for i in range(9)]
    shifts += [make_shift("w", "2025-03-03", "09:30", "10:30", skill="wealth")]
    return demand, shifts


def test_the_interval_table_has_one_row_per_interval_and_skill_with_the_gap() -> None:
    demand, shifts = make_day()
    target = ServiceTarget(service_level=0.8, target_seconds=20)
    table = interval_table(demand, shifts, target)
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert len(table) == 4 * 3
    assert str(table["interval_start"].dt.tz) == "UTC"
    assert table["required"].dtype == np.int64
    first = table.iloc[0]
    assert first["skill"] == "cards" and first["interval_start"] == pd.Timestamp(
        demand.interval_starts[0]
    )
    assert first["required"] == 46
    assert first["scheduled"] == pytest.approx(44.5)
    assert first["gap"] == pytest.approx(-1.5)
    assert first["service_level"] == pytest.approx(float(erlang_c_service_level(44, 40, 240, 20)))
    quiet = table[(table["skill"] == "cards") & (table["calls"] == 0)].iloc[0]
    assert quiet["required"] == 0 and quiet["service_level"] == 1.0 and quiet["occupancy"] == 0.0
    wealth = table[table["skill"] == "wealth"]
    assert wealth["calls"].sum() == 0 and wealth["scheduled"].tolist() == [0.0, 1.0, 1.0, 0.0]
    loans = table[table["skill"] == "loans"]
    assert loans["scheduled"].tolist() == [9.0, 9.0, 0.0, 0.0]
    assert np.isinf(loans["asa_seconds"].iloc[2])


def test_the_day_service_level_is_weighted_by_calls() -> None:
    demand, shifts = make_day()
    table = interval_table(demand, shifts, ServiceTarget())
    calls = table["calls"].to_numpy()
    expected = float((calls * table["service_level"].to_numpy()).sum() / calls.sum())
    assert weighted_service_level(table) == pytest.approx(expected)
    empty = interval_table(
        Demand(interval_starts=demand.interval_starts, interval_seconds=HALF_HOUR),
        [],
        ServiceTarget(),
    )
    assert len(empty) == 0
    assert weighted_service_level(empty) == 1.0


def test_the_interval_table_honours_the_occupancy_cap_and_impatient_callers() -> None:
    demand, shifts = make_day()
    capped = interval_table(demand, shifts, ServiceTarget(max_occupancy=0.8))
    assert capped["required"].iloc[0] == 50
    impatient = interval_table(demand, shifts, ServiceTarget(), patience_seconds=60.0)
    assert impatient["required"].iloc[0] < 46
    staffed = impatient["scheduled"] >= 1
    assert np.all(np.isfinite(impatient["asa_seconds"][staffed]))
    unstaffed = impatient[~staffed & (impatient["calls"] > 0)]
    assert len(unstaffed) == 2 and np.all(np.isinf(unstaffed["asa_seconds"]))
    assert np.all(unstaffed["service_level"] == 0.0)
