"""Staffing impact of a change: what a lead sees before approving it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.impact import Impact, staffing_impact
from planner.model import Demand, ServiceTarget, Shift
from planner.staffing import interval_table, weighted_service_level

TPE = ZoneInfo("Asia/Taipei")
BERLIN = ZoneInfo("Europe/Berlin")
TARGET = ServiceTarget(service_level=0.8, target_seconds=20.0, max_occupancy=0.85)
_ids = itertools.count(1)


def make_shift(
    agent_id: str, day: str, start: str, end: str, skill: str = "cards", tz: ZoneInfo = TPE
) -> Shift:
    """A shift from local wall-clock times; ``end <= start`` ends the next day."""
    d = date.fromisoformat(day)
    begin = datetime.combine(d, time.fromisoformat(start), tzinfo=tz)
    end_day = d + timedelta(days=1) if end <= start else d
    finish = datetime.combine(end_day, time.fromisoformat(end), tzinfo=tz)
    return Shift(agent_id, d, begin.astimezone(UTC), finish.astimezone(UTC), skill, id=next(_ids))


def day_demand(
    days: Sequence[str],
    calls: dict[str, float | Sequence[float]],
    tz: ZoneInfo = TPE,
    minutes: int = 30,
    aht: float = 300.0,
) -> Demand:
    """Demand over whole local days (real instants, so a DST day has 23 or 25 hours)."""
    starts: list[datetime] = []
    for day in days:
        d = date.fromisoformat(day)
        lo = datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)
        hi = datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        t = lo
        while t < hi:
            starts.append(t)
            t += timedelta(minutes=minutes)
    per_skill: dict[str, tuple[float, ...]] = {}
    for skill, value in calls.items():
        if isinstance(value, int | float):
            per_skill[skill] = (float(value),) * len(starts)
        else:
            assert len(value) == len(starts)
            per_skill[skill] = tuple(float(v) for v in value)
    return Demand(
        interval_starts=tuple(starts),
        interval_seconds=minutes * 60,
        calls=per_skill,
        aht_seconds={k: (aht,) * len(starts) for k in calls},
    )


def only_day(demand: Demand, day: str, tz: ZoneInfo) -> Demand:
    """The demand of one local day, as the ``staffing`` command loads it."""
    keep = [
        i
        for i, t in enumerate(demand.interval_starts)
        if t.astimezone(tz).date().isoformat() == day
    ]
    return Demand(
        interval_starts=tuple(demand.interval_starts[i] for i in keep),
        interval_seconds=demand.interval_seconds,
        calls={k: tuple(v[i] for i in keep) for k, v in demand.calls.items()},
        aht_seconds={k: tuple(v[i] for i in keep) for k, v in demand.aht_seconds.items()},
    )


def command_figures(
    demand: Demand, roster: Sequence[Shift], day: str, skill: str, tz: ZoneInfo = TPE
) -> tuple[object, int]:
    """The day's service level and short intervals for one skill, as ``staffing --date``.

    The service level is compared to the last bits only: both sides run the same formulas.
    """
    table = interval_table(only_day(demand, day, tz), roster, TARGET)
    rows = table[table["skill"] == skill]
    level = weighted_service_level(rows)
    return pytest.approx(level, rel=1e-12, abs=1e-12), int((rows["gap"] < 0).sum())


def team(count: int, day: str, start: str, end: str, skill: str = "cards") -> list[Shift]:
    return [make_shift(f"a{i:02d}", day, start, end, skill) for i in range(count)]


# --- a leave on a short day ------------------------------------------------------------------

DAY = "2026-11-27"  # a Friday


def test_leave_on_a_short_day_lowers_the_service_level_and_names_the_worst_interval() -> None:
    calls = [0.0] * 48
    for i in range(16, 32):  # 08:00-16:00
        calls[i] = 40.0
    calls[22] = 55.0  # 11:00-11:30 is the peak
    demand = day_demand([DAY], {"cards": calls})
    roster = team(10, DAY, "08:00", "16:00")  # 10 required at 40 calls, 13 at the peak
    leave = roster[0]
    impact = staffing_impact(demand, TARGET, roster, [leave], [], TPE)

    assert impact.has_demand and impact.changed and impact.worse
    (day,) = impact.days
    assert (day.day, day.skill) == (date(2026, 11, 27), "cards")
    assert len(day.changes) == 16
    assert all(c.before == 10.0 and c.after == 9.0 for c in day.changes)
    assert day.sl_before > day.sl_after
    sl_before, short_before = command_figures(demand, roster, DAY, "cards")
    sl_after, short_after = command_figures(demand, roster[1:], DAY, "cards")
    assert (day.sl_before, day.short_before) == (sl_before, short_before)
    assert (day.sl_after, day.short_after) == (sl_after, short_after)
    assert (day.short_before, day.short_after) == (1, 16)
    assert day.worst is not None
    assert (f"{day.worst.start:%H:%M}", f"{day.worst.end:%H:%M}") == ("11:00", "11:30")
    assert day.worst.start.tzinfo is TPE
    assert (day.worst.required, day.worst.after, day.worst.gap_after) == (13, 9.0, -4.0)


def test_required_agents_are_those_of_the_staffing_table() -> None:
    demand = day_demand([DAY], {"cards": 40.0})
    roster = team(6, DAY, "08:00", "16:00")
    impact = staffing_impact(demand, TARGET, roster, [roster[0]], [], TPE)
    table = interval_table(only_day(demand, DAY, TPE), roster, TARGET)
    by_start = {
        t.to_pydatetime(): int(r)
        for t, r in zip(table["interval_start"], table["required"], strict=True)
    }
    for change in impact.days[0].changes:
        assert change.required == by_start[change.start.astimezone(UTC)]


# --- swaps and give-aways --------------------------------------------------------------------


def test_a_swap_in_which_each_works_in_their_own_skill_moves_one_skill_up_and_one_down() -> None:
    sat = "2026-11-28"
    demand = day_demand([DAY, sat], {"cards": 30.0, "loans": 20.0})
    cards = [*team(6, DAY, "08:00", "16:00"), *team(6, sat, "08:00", "16:00")]
    loans = [
        *team(4, DAY, "08:00", "16:00", "loans"),
        *(replace(s, agent_id=f"l{s.agent_id}") for s in team(4, sat, "08:00", "16:00", "loans")),
    ]
    alice_fri = make_shift("alice", DAY, "08:00", "16:00", "cards")
    dave_sat = make_shift("dave", sat, "08:00", "16:00", "loans")
    roster = [*cards, *loans, alice_fri, dave_sat]
    added = [
        replace(alice_fri.reassigned("dave"), skill="loans"),
        replace(dave_sat.reassigned("alice"), skill="cards"),
    ]
    impact = staffing_impact(demand, TARGET, roster, [alice_fri, dave_sat], added, TPE)

    by_key = {(d.day.isoformat(), d.skill): d for d in impact.days}
    assert sorted(by_key) == [(DAY, "cards"), (DAY, "loans"), (sat, "cards"), (sat, "loans")]
    assert all(c.after == c.before - 1 for c in by_key[(DAY, "cards")].changes)
    assert all(c.after == c.before + 1 for c in by_key[(DAY, "loans")].changes)
    assert all(c.after == c.before + 1 for c in by_key[(sat, "cards")].changes)
    assert all(c.after == c.before - 1 for c in by_key[(sat, "loans")].changes)
    assert by_key[(DAY, "cards")].sl_after < by_key[(DAY, "cards")].sl_before
    assert by_key[(DAY, "loans")].sl_after > by_key[(DAY, "loans")].sl_before


def test_a_swap_of_shifts_with_the_same_times_and_skill_changes_nothing() -> None:
    demand = day_demand([DAY], {"cards": 30.0})
    alice = make_shift("alice", DAY, "08:00", "16:00")
    bob = make_shift("bob", DAY, "08:00", "16:00")
    roster = [*team(5, DAY, "08:00", "16:00"), alice, bob]
    impact = staffing_impact(
        demand,
        TARGET,
        roster,
        [alice, bob],
        [alice.reassigned("bob"), bob.reassigned("alice")],
        TPE,
    )
    assert impact == Impact((), has_demand=True)
    assert not impact.changed


def test_a_giveaway_changes_nothing_to_staffing() -> None:
    demand = day_demand([DAY], {"cards": 30.0})
    alice = make_shift("alice", DAY, "08:00", "16:00")
    roster = [*team(5, DAY, "08:00", "16:00"), alice]
    impact = staffing_impact(demand, TARGET, roster, [alice], [alice.reassigned("carol")], TPE)
    assert impact.has_demand and not impact.changed


def test_taking_an_open_shift_raises_coverage() -> None:
    demand = day_demand([DAY], {"cards": 30.0})
    roster = team(4, DAY, "08:00", "16:00")
    freed = make_shift("", DAY, "12:00", "20:00")
    impact = staffing_impact(demand, TARGET, roster, [], [freed.reassigned("carol")], TPE)
    (day,) = impact.days
    assert f"{day.changes[0].start:%H:%M}" == "12:00"
    assert len(day.changes) == 16
    assert all(c.after == c.before + 1 for c in day.changes)
    assert day.sl_after >= day.sl_before and not day.worse


# --- midnight and DST ------------------------------------------------------------------------


def test_a_night_shift_across_midnight_touches_both_days() -> None:
    sat = "2026-11-28"
    demand = day_demand([DAY, sat], {"cards": 10.0})
    night = make_shift("nina", DAY, "22:00", "06:00")
    roster = [*team(3, DAY, "22:00", "06:00"), night]
    impact = staffing_impact(demand, TARGET, roster, [night], [], TPE)

    fri, sat_impact = impact.days
    assert (fri.day, sat_impact.day) == (date(2026, 11, 27), date(2026, 11, 28))
    assert [f"{c.start:%H:%M}" for c in fri.changes] == ["22:00", "22:30", "23:00", "23:30"]
    assert f"{fri.changes[-1].end:%Y-%m-%d %H:%M}" == "2026-11-28 00:00"
    assert len(sat_impact.changes) == 12
    assert f"{sat_impact.changes[-1].end:%H:%M}" == "06:00"
    for day_impact, day in ((fri, DAY), (sat_impact, sat)):
        before = command_figures(demand, roster, day, "cards")
        after = command_figures(demand, roster[:-1], day, "cards")
        assert (day_impact.sl_before, day_impact.short_before) == before
        assert (day_impact.sl_after, day_impact.short_after) == after


def test_a_night_shift_over_the_spring_dst_change_loses_the_missing_hour() -> None:
    sat, sun = "2026-03-28", "2026-03-29"  # Berlin skips 02:00-03:00 on Sun 29 Mar
    demand = day_demand([sat, sun], {"cards": 6.0}, tz=BERLIN, minutes=60)
    assert len(only_day(demand, sun, BERLIN).interval_starts) == 23
    night = make_shift("nina", sat, "22:00", "06:00", tz=BERLIN)
    assert night.hours == 7.0
    roster = [make_shift("a01", sat, "22:00", "06:00", tz=BERLIN), night]
    impact = staffing_impact(demand, TARGET, roster, [night], [], BERLIN)

    sat_impact, sun_impact = impact.days
    assert [f"{c.start:%H:%M}" for c in sat_impact.changes] == ["22:00", "23:00"]
    assert [f"{c.start:%H:%M}" for c in sun_impact.changes] == [
        "00:00",
        "01:00",
        "03:00",
        "04:00",
        "05:00",
    ]
    assert [c.start.utcoffset() for c in sun_impact.changes] == [
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
        timedelta(hours=2),
    ]
    assert all(c.before == 2.0 and c.after == 1.0 for c in sun_impact.changes)
    assert (sun_impact.sl_before, sun_impact.short_before) == command_figures(
        demand, roster, sun, "cards", BERLIN
    )
    assert (sun_impact.sl_after, sun_impact.short_after) == command_figures(
        demand, roster[:1], sun, "cards", BERLIN
    )


# --- no demand -------------------------------------------------------------------------------


def test_without_demand_for_the_days_there_is_nothing_to_judge() -> None:
    other_day = day_demand(["2026-11-20"], {"cards": 30.0})
    shift = make_shift("alice", DAY, "08:00", "16:00")
    impact = staffing_impact(other_day, TARGET, [shift], [shift], [], TPE)
    assert impact == Impact((), has_demand=False)
    empty = Demand(interval_starts=(), interval_seconds=1800)
    assert not staffing_impact(empty, TARGET, [shift], [shift], [], TPE).has_demand


def test_demand_for_another_skill_only_is_no_demand() -> None:
    demand = day_demand([DAY], {"loans": 30.0})
    shift = make_shift("alice", DAY, "08:00", "16:00", "cards")
    assert not staffing_impact(demand, TARGET, [shift], [shift], [], TPE).has_demand


def test_a_shift_outside_the_hours_with_calls_costs_no_service_level() -> None:
    demand = day_demand([DAY], {"cards": [30.0] * 16 + [0.0] * 32})  # calls 00:00-08:00 only
    shift = make_shift("alice", DAY, "12:00", "20:00")
    impact = staffing_impact(demand, TARGET, [shift], [shift], [], TPE)
    # The intervals exist (with no calls): the head count changes, the service level does not.
    (day,) = impact.days
    assert len(day.changes) == 16 and all(c.required == 0 for c in day.changes)
    assert day.sl_before == day.sl_after
    assert day.short_before == day.short_after == 16
    assert not day.worse


# --- property: the figures after are the staffing table of the roster after -----------------


@st.composite
def rosters(draw: st.DrawFn) -> list[Shift]:
    out: list[Shift] = []
    for n in range(draw(st.integers(1, 12))):
        day = date(2026, 3, 28) + timedelta(days=draw(st.integers(0, 1)))
        begin = datetime.combine(day, time(draw(st.integers(0, 23))), tzinfo=BERLIN)
        length = timedelta(hours=draw(st.integers(2, 10)))
        skill = draw(st.sampled_from(["cards", "loans"]))
        start = begin.astimezone(UTC)
        out.append(Shift(f"p{n}", day, start, start + length, skill, id=n + 1))
    return out


PROP_DAYS = ["2026-03-28", "2026-03-29", "2026-03-30"]
PROP_DEMAND = day_demand(
    PROP_DAYS,
    {
        "cards": [float((i * 7) % 25) for i in range(24 * 3 - 1)],
        "loans": [float((i * 5) % 12) for i in range(24 * 3 - 1)],
    },
    tz=BERLIN,
    minutes=60,
)


@settings(max_examples=80, deadline=None)
@given(roster=rosters(), data=st.data())
def test_figures_after_are_the_staffing_table_of_the_roster_after(
    roster: list[Shift], data: st.DataObject
) -> None:
    removed = data.draw(st.lists(st.sampled_from(roster), max_size=3, unique_by=id))
    moved = [
        replace(s, start=s.start + timedelta(hours=2), end=s.end + timedelta(hours=2), id=None)
        for s in data.draw(st.lists(st.sampled_from(roster), max_size=2))
    ]
    after = [s for s in roster if s not in removed] + moved
    impact = staffing_impact(PROP_DEMAND, TARGET, roster, removed, moved, BERLIN)
    assert impact.has_demand or not (removed or moved)
    for day in impact.days:
        iso = day.day.isoformat()
        assert (day.sl_before, day.short_before) == command_figures(
            PROP_DEMAND, roster, iso, day.skill, BERLIN
        )
        assert (day.sl_after, day.short_after) == command_figures(
            PROP_DEMAND, after, iso, day.skill, BERLIN
        )
        assert day.changes and all(abs(c.after - c.before) > 1e-9 for c in day.changes)
        assert day.worst == min(day.changes, key=lambda c: (c.gap_after, c.start))
    seen = {(d.day, d.skill) for d in impact.days}
    for iso in PROP_DAYS:
        for skill in ("cards", "loans"):
            table_before = interval_table(only_day(PROP_DEMAND, iso, BERLIN), roster, TARGET)
            table_after = interval_table(only_day(PROP_DEMAND, iso, BERLIN), after, TARGET)
            b = table_before[table_before["skill"] == skill]["scheduled"].to_numpy()
            a = table_after[table_after["skill"] == skill]["scheduled"].to_numpy()
            moved_here = bool(np.any(np.abs(a - b) > 1e-9)) if a.size and b.size else False
            assert moved_here == ((date.fromisoformat(iso), skill) in seen)
