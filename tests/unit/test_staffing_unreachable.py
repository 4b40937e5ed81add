"""An interval whose target no head count meets is marked, and the rest of the day is solved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.model import Demand, ServiceTarget, Shift
from planner.staffing import UNREACHABLE, interval_table, required_agents

HALF_HOUR = 1800
START = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


def test_required_agents_marks_only_the_hopeless_intervals() -> None:
    calls = [300.0, 1e300, 0.0, 1e16, 60.0]
    got = required_agents(calls, 240.0, HALF_HOUR, 0.8, 20.0)
    assert got.tolist() == [
        46,
        UNREACHABLE,
        0,
        UNREACHABLE,
        int(required_agents(60, 240, HALF_HOUR, 0.8, 20)),
    ]
    assert got.dtype == np.int64


@pytest.mark.parametrize(
    ("cap", "patience"), [(None, None), (0.85, None), (None, 60.0), (0.85, 60.0)]
)
def test_every_model_marks_an_enormous_load_instead_of_failing(
    cap: float | None, patience: float | None
) -> None:
    got = required_agents([1e300, 300.0], 240.0, HALF_HOUR, 0.8, 20.0, cap, patience)
    assert got[0] == UNREACHABLE
    assert got[1] == int(required_agents(300.0, 240.0, HALF_HOUR, 0.8, 20.0, cap, patience))


def test_an_infinite_load_is_unreachable() -> None:
    assert int(required_agents(np.inf, 240.0, HALF_HOUR, 0.8, 20.0)) == UNREACHABLE


@settings(max_examples=60, deadline=None)
@given(
    calls=st.lists(st.floats(0.0, 20_000.0), min_size=1, max_size=8),
    goal=st.floats(0.05, 0.95),
    cap=st.one_of(st.none(), st.floats(0.5, 1.0)),
)
def test_a_hopeless_interval_does_not_change_the_answer_for_the_others(
    calls: list[float], goal: float, cap: float | None
) -> None:
    alone = required_agents(calls, 240.0, HALF_HOUR, goal, 20.0, cap)
    mixed = required_agents([*calls, 1e300], 240.0, HALF_HOUR, goal, 20.0, cap)
    assert mixed[:-1].tolist() == alone.tolist()
    assert mixed[-1] == UNREACHABLE
    assert np.all(alone >= 0)


def test_the_interval_table_says_which_interval_is_unreachable() -> None:
    starts = tuple(START + timedelta(minutes=30 * i) for i in range(3))
    demand = Demand(
        interval_starts=starts,
        interval_seconds=HALF_HOUR,
        calls={"cards": (300.0, 1e300, 60.0)},
        aht_seconds={"cards": (240.0, 240.0, 240.0)},
    )
    shifts = [
        Shift(f"a{i}", START.date(), START, START + timedelta(hours=2), "cards") for i in range(40)
    ]
    table = interval_table(demand, shifts, ServiceTarget(max_occupancy=0.85))
    assert table["required"].tolist()[1] == UNREACHABLE
    assert table["gap"].iloc[1] == -np.inf
    assert table["required"].iloc[0] > 0 and table["required"].iloc[2] > 0
    assert np.isfinite(table["gap"].iloc[0]) and np.isfinite(table["gap"].iloc[2])
