"""Gaps in a day's staffing: runs of short intervals, the biggest one, intraday risk levels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.services.digest import biggest_gap, gap_runs, is_gap, risk_level
from bot.services.roster import IntervalRow
from planner.staffing import UNREACHABLE

TZ = ZoneInfo("Asia/Taipei")
BERLIN = ZoneInfo("Europe/Berlin")


def row(
    start: datetime,
    skill: str = "cards",
    required: int = 5,
    scheduled: float = 5.0,
    level: float = 0.9,
    calls: float = 20.0,
) -> IntervalRow:
    gap = -float("inf") if required == UNREACHABLE else scheduled - required
    return IntervalRow(start, skill, calls, 240.0, required, scheduled, gap, level, 5.0, 0.7)


def at(hour: int, minute: int = 0, tz: ZoneInfo = TZ, day: date = date(2026, 12, 1)) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def test_consecutive_short_intervals_of_one_skill_make_one_run() -> None:
    rows = [
        row(at(8), scheduled=4, level=0.6),
        row(at(8, 30), scheduled=3, level=0.4),
        row(at(9)),
        row(at(9, 30), scheduled=4, level=0.7),
        row(at(8), "loans", scheduled=2, required=3, level=0.5),
    ]
    runs = gap_runs(rows, 30, 0.8)
    assert [(g.skill, f"{g.start:%H:%M}", f"{g.end:%H:%M}", len(g.rows)) for g in runs] == [
        ("cards", "08:00", "09:00", 2),
        ("loans", "08:00", "08:30", 1),
        ("cards", "09:30", "10:00", 1),
    ]
    assert runs[0].short_by == 2 and runs[0].worst is rows[1]


def test_an_interval_under_the_sl_target_is_a_gap_even_with_the_agents_required() -> None:
    meets_heads_not_level = row(at(8), required=5, scheduled=5, level=0.75)
    assert is_gap(meets_heads_not_level, 0.8)
    assert not is_gap(row(at(8), calls=0, level=1.0), 0.8)
    only = gap_runs([meets_heads_not_level], 30, 0.8)[0]
    assert only.short_by == 0 and only.lowest_service_level == 0.75


def test_a_run_goes_on_across_the_spring_forward_hour() -> None:
    day = date(2026, 3, 29)
    before = row(at(1, 30, BERLIN, day), scheduled=2)
    after = row(at(3, 0, BERLIN, day), scheduled=2)  # 30 minutes later in UTC
    runs = gap_runs([before, after], 30, 0.8)
    assert len(runs) == 1
    assert (f"{runs[0].start:%H:%M}", f"{runs[0].end:%H:%M}") == ("01:30", "03:30")


def test_the_biggest_gap_is_the_most_agents_short_and_never_an_unreachable_one() -> None:
    rows = [
        row(at(8), scheduled=4),
        row(at(10), required=UNREACHABLE, scheduled=9, level=0.0),
        row(at(12), scheduled=2, level=0.1),
        row(at(14), scheduled=2, level=0.05),
    ]
    runs = gap_runs(rows, 30, 0.8)
    biggest = biggest_gap(runs)
    assert biggest is not None and biggest.worst is rows[3]
    assert biggest_gap([g for g in runs if g.unreachable]) is None


def test_intraday_levels_are_shares_of_the_target() -> None:
    assert risk_level(row(at(8), level=0.65), 0.8) is None  # 81 % of the target
    assert risk_level(row(at(8), level=0.63), 0.8) == "warning"  # under 80 % of it
    assert risk_level(row(at(8), level=0.47), 0.8) == "critical"  # under 60 % of it
    assert risk_level(row(at(8), level=0.0, calls=0), 0.8) is None


@given(
    st.lists(
        st.tuples(st.sampled_from(["cards", "loans"]), st.integers(0, 47), st.integers(0, 8)),
        max_size=60,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_every_gap_interval_is_in_exactly_one_run_of_consecutive_intervals(
    cells: list[tuple[str, int, int]],
) -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [
        row(start + timedelta(minutes=30 * slot), skill, required=5, scheduled=heads)
        for skill, slot, heads in cells
    ]
    runs = gap_runs(rows, 30, 0.8)
    covered = [r for g in runs for r in g.rows]
    assert sorted(map(id, covered)) == sorted(id(r) for r in rows if is_gap(r, 0.8))
    for g in runs:
        steps = {b.start - a.start for a, b in pairwise(g.rows)}
        assert steps <= {timedelta(minutes=30)} and {r.skill for r in g.rows} == {g.skill}
        assert g.end - g.start == timedelta(minutes=30 * len(g.rows))
    by_skill: dict[str, list[tuple[datetime, datetime]]] = {}
    for g in runs:
        by_skill.setdefault(g.skill, []).append((g.start, g.end))
    for spans in by_skill.values():
        spans.sort()
        assert all(a[1] < b[0] for a, b in pairwise(spans))
