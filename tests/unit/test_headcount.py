"""Headcount (定編): FTE needed per skill and week against the FTE the team has."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from planner.headcount import HEADCOUNT_COLUMNS, fte_by_skill, headcount

WEEK = date(2026, 11, 23)
NEXT_WEEK = date(2026, 11, 30)


def hours(*rows: tuple[date, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["week_start", "skill", "agent_hours"])


def test_280_agent_hours_with_30_percent_shrinkage_need_10_full_timers_of_40_hours() -> None:
    result = headcount(hours((WEEK, "cards", 280.0)), 0.30, 40.0, {"cards": 12.0})
    [row] = result.to_dict("records")
    assert row["week_start"] == WEEK
    assert row["skill"] == "cards"
    assert row["required_hours"] == pytest.approx(280.0)
    assert row["fte_needed"] == pytest.approx(10.0)
    assert row["fte_available"] == pytest.approx(12.0)
    assert row["surplus"] == pytest.approx(2.0)


def test_a_shortfall_is_a_negative_surplus_and_nothing_is_rounded() -> None:
    result = headcount(hours((WEEK, "loans", 100.0)), 0.30, 40.0, {"loans": 3.0})
    row = result.iloc[0]
    assert row["fte_needed"] == pytest.approx(100 / 0.7 / 40)
    assert row["fte_needed"] != round(row["fte_needed"], 2)
    assert row["surplus"] == pytest.approx(3.0 - 100 / 0.7 / 40)
    assert row["surplus"] < 0


def test_rows_cover_every_week_and_every_required_or_staffed_skill_sorted() -> None:
    required = hours(
        (NEXT_WEEK, "cards", 560.0),
        (WEEK, "cards", 280.0),
        (WEEK, "loans", 56.0),
        (WEEK, "loans", 56.0),
    )
    result = headcount(required, 0.30, 40.0, {"cards": 10.0, "wealth": 2.5})
    assert list(result.columns) == list(HEADCOUNT_COLUMNS)
    keys = list(zip(result["week_start"], result["skill"], strict=True))
    assert keys == [
        (WEEK, "cards"),
        (WEEK, "loans"),
        (WEEK, "wealth"),
        (NEXT_WEEK, "cards"),
        (NEXT_WEEK, "loans"),
        (NEXT_WEEK, "wealth"),
    ]
    by_key = result.set_index(["week_start", "skill"])
    assert by_key.loc[(WEEK, "loans"), "required_hours"] == pytest.approx(112.0)
    assert by_key.loc[(WEEK, "loans"), "fte_available"] == 0.0
    assert by_key.loc[(NEXT_WEEK, "wealth"), "surplus"] == pytest.approx(2.5)
    assert by_key.loc[(NEXT_WEEK, "cards"), "surplus"] == pytest.approx(-10.0)


def test_no_shrinkage_means_agent_hours_are_paid_hours() -> None:
    result = headcount(hours((WEEK, "cards", 120.0)), 0.0, 40.0, {})
    assert result.iloc[0]["fte_needed"] == pytest.approx(3.0)


def test_an_empty_week_list_gives_an_empty_table() -> None:
    result = headcount(hours(), 0.3, 40.0, {"cards": 4.0})
    assert result.empty
    assert list(result.columns) == list(HEADCOUNT_COLUMNS)


@pytest.mark.parametrize(
    ("shrinkage", "weekly_hours"), [(1.0, 40.0), (-0.1, 40.0), (0.3, 0.0), (0.3, -40.0)]
)
def test_impossible_shrinkage_or_weekly_hours_are_refused(
    shrinkage: float, weekly_hours: float
) -> None:
    with pytest.raises(ValueError):
        headcount(hours((WEEK, "cards", 10.0)), shrinkage, weekly_hours, {})


def test_missing_columns_are_refused_with_their_names() -> None:
    with pytest.raises(ValueError, match="agent_hours"):
        headcount(pd.DataFrame({"week_start": [WEEK], "skill": ["cards"]}), 0.3, 40.0, {})


def test_a_full_timer_is_one_fte_and_part_timers_count_by_their_hours() -> None:
    team = [
        (frozenset({"cards"}), 40.0),
        (frozenset({"cards"}), 20.0),
        (frozenset({"loans"}), 30.0),
    ]
    assert fte_by_skill(team, 40.0) == pytest.approx({"cards": 1.5, "loans": 0.75})


def test_a_multi_skilled_agent_is_split_evenly_across_their_skills() -> None:
    team = [
        (frozenset({"cards", "loans"}), 40.0),
        (frozenset({"cards", "loans", "wealth"}), 30.0),
    ]
    result = fte_by_skill(team, 40.0)
    assert result == pytest.approx({"cards": 0.75, "loans": 0.75, "wealth": 0.25})
    assert sum(result.values()) == pytest.approx(70 / 40)


def test_agents_without_skills_add_nothing_and_unknown_hours_count_as_full_time() -> None:
    team = [(frozenset(), 40.0), (frozenset({"wealth"}), None)]
    assert fte_by_skill(team, 40.0) == pytest.approx({"wealth": 1.0})


def test_fte_by_skill_refuses_a_non_positive_standard_week() -> None:
    with pytest.raises(ValueError):
        fte_by_skill([(frozenset({"cards"}), 40.0)], 0.0)


def test_fte_by_skill_feeds_headcount() -> None:
    team = [(frozenset({"cards"}), 40.0)] * 8 + [(frozenset({"cards", "loans"}), 40.0)] * 4
    result = headcount(hours((WEEK, "cards", 280.0)), 0.30, 40.0, fte_by_skill(team, 40.0))
    cards = result[result["skill"] == "cards"].iloc[0]
    assert cards["fte_available"] == pytest.approx(10.0)
    assert cards["surplus"] == pytest.approx(0.0)
