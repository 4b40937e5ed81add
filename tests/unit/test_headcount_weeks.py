"""Headcount is reported for whole ISO weeks: a range is extended to its Mondays and Sundays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.headcount import whole_weeks


@pytest.mark.parametrize(
    ("first", "last", "monday", "sunday"),
    [
        (date(2026, 12, 2), date(2026, 12, 20), date(2026, 11, 30), date(2026, 12, 20)),
        (date(2026, 11, 30), date(2026, 12, 27), date(2026, 11, 30), date(2026, 12, 27)),
        (date(2026, 12, 31), date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 3)),
        (date(2026, 12, 3), date(2026, 12, 3), date(2026, 11, 30), date(2026, 12, 6)),
    ],
)
def test_whole_weeks_extend_a_range_to_its_monday_and_sunday(
    first: date, last: date, monday: date, sunday: date
) -> None:
    assert whole_weeks(first, last) == (monday, sunday)


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    length=st.integers(0, 400),
)
def test_whole_weeks_hold_the_range_and_nothing_beyond_its_weeks(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    monday, sunday = whole_weeks(first, last)
    assert monday.weekday() == 0 and sunday.weekday() == 6
    assert monday <= first and last <= sunday
    assert (first - monday).days < 7 and (sunday - last).days < 7
    assert ((sunday - monday).days + 1) % 7 == 0


def test_a_reversed_range_or_one_past_the_calendar_is_refused() -> None:
    with pytest.raises(ValueError):
        whole_weeks(date(2026, 12, 2), date(2026, 12, 1))
    with pytest.raises(ValueError):
        whole_weeks(date(9999, 12, 30), date(9999, 12, 31))
