"""The staffing impact of a roster change: what a lead sees before deciding.

:func:`staffing_impact` compares the roster before and after a swap, give-away, take, leave or
sick call, interval by interval, for every local day and skill the change touches. The
figures are those of the ``staffing`` command (``shiftbot staffing --team T --date D``), computed
with the functions its :func:`planner.staffing.interval_table` uses: required agents from
:func:`planner.staffing.required_agents` (Erlang C with the team's target and occupancy cap),
scheduled agents from :func:`planner.staffing.coverage` (breaks taken out), each interval's
service level from :func:`planner.staffing.projected_service_level` (heads floored) and the
day's, weighted by calls, from :func:`planner.staffing.weighted_service_level`.

Days are the team's local dates: an interval belongs to the local date it starts on, so a
night shift across midnight touches two days, and a DST day has 23 or 25 hours of intervals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from planner.model import Demand, ServiceTarget, Shift, Window
from planner.staffing import (
    coverage,
    projected_service_level,
    required_agents,
    weighted_service_level,
)

__all__ = [
    "DayImpact",
    "Impact",
    "IntervalChange",
    "affected_days",
    "roster_with_change",
    "staffing_impact",
]

_EPS = 1e-9


@dataclass(frozen=True)
class IntervalChange:
    """One interval whose scheduled head count the change moves.

    Attributes
    ----------
    start, end : datetime
        The interval, local aware datetimes in the team's zone.
    skill : str
        The skill (queue) code.
    required : int
        Agents required on the phones (Erlang C for the team's service level and target time,
        within the occupancy cap), as :func:`planner.staffing.interval_table` computes them.
    before, after : float
        Agents scheduled on the phones (fractional coverage, breaks taken out), before and
        after the change.
    """

    start: datetime
    end: datetime
    skill: str
    required: int
    before: float
    after: float

    @property
    def gap_before(self) -> float:
        """``before - required``, in agents; negative means short."""
        return self.before - self.required

    @property
    def gap_after(self) -> float:
        """``after - required``, in agents; negative means short."""
        return self.after - self.required


@dataclass(frozen=True)
class DayImpact:
    """The change seen on one local day for one skill.

    Attributes
    ----------
    day : date
        Local date in the team's zone.
    skill : str
        The skill code.
    changes : tuple of IntervalChange
        Only the intervals whose scheduled count changes, in time order (never empty).
    sl_before, sl_after : float
        The day's projected service level for that skill (fraction of calls answered within
        the target time, call-weighted over the day's intervals; 1.0 with no calls), before
        and after.
    short_before, short_after : int
        Intervals of that day and skill scheduled below the required agents.
    worst : IntervalChange or None
        The changed interval with the lowest ``after - required`` (the earliest among ties).
    """

    day: date
    skill: str
    changes: tuple[IntervalChange, ...]
    sl_before: float
    sl_after: float
    short_before: int
    short_after: int
    worst: IntervalChange | None

    @property
    def worse(self) -> bool:
        """More intervals short or a lower service level after the change."""
        return self.short_after > self.short_before or self.sl_after < self.sl_before - _EPS


@dataclass(frozen=True)
class Impact:
    """Every (day, skill) a change moves, and whether there was demand to judge it by.

    Attributes
    ----------
    days : tuple of DayImpact
        One per (local day, skill) with at least one changed interval, ordered by day then
        skill.
    has_demand : bool
        ``False`` when no demand (forecast or history) covers any of the days and skills the
        change touches: nothing can be said about staffing. Days without demand are left
        out of ``days``.
    """

    days: tuple[DayImpact, ...]
    has_demand: bool

    @property
    def changed(self) -> bool:
        """``False`` means "no change to staffing" (e.g. a swap of equal shifts)."""
        return any(d.changes for d in self.days)

    @property
    def worse(self) -> bool:
        return any(d.worse for d in self.days)


def affected_days(shifts: Iterable[Shift], tz: ZoneInfo) -> list[date]:
    """The local dates the shifts' spans touch, sorted (a night shift touches two)."""
    days: set[date] = set()
    for s in shifts:
        tick = timedelta(microseconds=1)
        day = s.start.astimezone(tz).date()
        end_day = (max(s.end, s.start + tick) - tick).astimezone(tz).date()
        while day <= end_day:
            days.add(day)
            day += timedelta(days=1)
    return sorted(days)


def roster_with_change(
    roster: Sequence[Shift], removed: Sequence[Shift], added: Sequence[Shift]
) -> tuple[list[Shift], list[Shift]]:
    """The roster after the change, and the shifts of ``roster`` that leave it.

    A removed shift is found by its id, or, without one, by agent, start, end and skill (each
    removed shift takes one roster shift). An added shift with an id also replaces the roster
    shift with that id, so a shift is never counted twice.
    """
    ids = {r.id for r in removed if r.id is not None} | {a.id for a in added if a.id is not None}
    keys = Counter((r.agent_id, r.start, r.end, r.skill) for r in removed if r.id is None)
    kept: list[Shift] = []
    gone: list[Shift] = []
    for s in roster:
        if s.id is not None and s.id in ids:
            gone.append(s)
            continue
        key = (s.agent_id, s.start, s.end, s.skill)
        if keys[key] > 0:
            keys[key] -= 1
            gone.append(s)
            continue
        kept.append(s)
    return [*kept, *added], gone


def _coverage_key(shift: Shift) -> tuple[datetime, datetime, str, tuple[Window, ...]]:
    return shift.start, shift.end, shift.skill, shift.breaks


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[float, float]:
    """UTC POSIX seconds of local midnight of ``day`` and of the next day."""
    lo = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return lo.timestamp(), hi.timestamp()


def _intervals_on(
    demand: Demand, days: Sequence[date], tz: ZoneInfo
) -> tuple[npt.NDArray[np.intp], list[date]]:
    """Indices of the demand intervals starting on the local ``days``, in time order, and the
    local day of each."""
    if not demand.interval_starts or not days:
        return np.zeros(0, dtype=np.intp), []
    stamps = np.fromiter(
        (t.timestamp() for t in demand.interval_starts),
        dtype=np.float64,
        count=len(demand.interval_starts),
    )
    picked: list[npt.NDArray[np.intp]] = []
    labels: list[npt.NDArray[np.intp]] = []
    for k, day in enumerate(days):
        lo, hi = _day_bounds(day, tz)
        found = np.flatnonzero((stamps >= lo) & (stamps < hi))
        picked.append(found)
        labels.append(np.full(found.size, k, dtype=np.intp))
    index = np.concatenate(picked)
    label = np.concatenate(labels)
    order = np.argsort(stamps[index], kind="stable")
    return index[order], [days[int(k)] for k in label[order]]


def _day_level(calls: npt.NDArray[np.float64], level: npt.NDArray[np.float64]) -> float:
    """The call-weighted service level of one day's intervals, as the ``staffing`` command."""
    return weighted_service_level({"calls": calls, "service_level": level})


def staffing_impact(
    demand: Demand,
    target: ServiceTarget,
    roster: Sequence[Shift],
    removed: Sequence[Shift],
    added: Sequence[Shift],
    tz: ZoneInfo,
) -> Impact:
    """The staffing impact of taking ``removed`` out of ``roster`` and putting ``added`` in.

    Parameters
    ----------
    demand : Demand
        Interval demand (calls and AHT in seconds per skill); only the intervals on the
        affected local days are used, so it may hold more.
    target : ServiceTarget
        Service level goal, target time (s) and occupancy cap; shrinkage is not applied
        (required agents are heads on the phones, as in the ``staffing`` command).
    roster : sequence of Shift
        Every shift on the phones on the affected days and the day before (night shifts),
        before the change; shifts of other skills are ignored.
    removed, added : sequence of Shift
        What leaves and enters the roster, as in :class:`planner.rules.RosterChange`.
    tz : ZoneInfo
        The team's zone; days are its local dates.

    Returns
    -------
    Impact
        One :class:`DayImpact` per (local day, skill) whose coverage changes. A change that
        keeps every (start, end, skill, breaks) -- a swap of equal shifts, a give-away -- has
        ``changed == False`` without any Erlang computation.

    Notes
    -----
    Cost: one vectorised :func:`~planner.staffing.required_agents` over every interval of the
    affected days and skills, and one :func:`~planner.staffing.coverage` and
    :func:`~planner.staffing.projected_service_level` each for before and after; no Python
    loop over intervals except to build the changed ones.
    """
    touched = [*removed, *added]
    skills_with_demand = sorted({s.skill for s in touched} & set(demand.calls))
    index, labels = _intervals_on(demand, affected_days(touched, tz), tz)
    has_demand = bool(index.size) and bool(skills_with_demand)
    if not has_demand:
        return Impact((), has_demand=False)

    after_roster, gone = roster_with_change(roster, removed, added)
    left = Counter(_coverage_key(s) for s in gone)
    came = Counter(_coverage_key(s) for s in added)
    net = (left - came) + (came - left)
    moved = [s for s in (*gone, *added) if net[_coverage_key(s)]]
    skills = sorted({s.skill for s in moved} & set(skills_with_demand))
    if not skills:
        return Impact((), has_demand=True)
    days = set(affected_days([s for s in moved if s.skill in skills], tz))
    keep = np.array([d in days for d in labels], dtype=bool)
    index = index[keep]
    labels = [d for d, k in zip(labels, keep.tolist(), strict=True) if k]
    if index.size == 0:
        return Impact((), has_demand=True)

    wanted = set(skills)
    seconds = demand.interval_seconds
    starts = [demand.interval_starts[int(i)] for i in index]
    calls = np.stack([np.asarray(demand.calls[k], dtype=np.float64)[index] for k in skills])
    aht = np.stack(
        [
            np.asarray(demand.aht_seconds[k], dtype=np.float64)[index]
            if k in demand.aht_seconds
            else np.zeros(index.size)
            for k in skills
        ]
    )
    aht = np.where(calls > 0, aht, 0.0)
    # The quantities of planner.staffing.interval_table, for these intervals and skills only.
    required = required_agents(
        calls,
        aht,
        float(seconds),
        target.service_level,
        target.target_seconds,
        max_occupancy=target.max_occupancy,
    )
    cov_before = coverage([s for s in roster if s.skill in wanted], starts, seconds, skills)
    cov_after = coverage([s for s in after_roster if s.skill in wanted], starts, seconds, skills)
    before = np.stack([cov_before[k] for k in skills])
    after = np.stack([cov_after[k] for k in skills])
    level_before = projected_service_level(
        before, calls, aht, float(seconds), target.target_seconds
    )
    level_after = projected_service_level(after, calls, aht, float(seconds), target.target_seconds)

    day_of = np.array([d.toordinal() for d in labels], dtype=np.int64)
    step = timedelta(seconds=seconds)
    out: list[DayImpact] = []
    for day in sorted(days):
        cols = np.flatnonzero(day_of == day.toordinal())
        if cols.size == 0:
            continue
        for row, skill in enumerate(skills):
            need, had, has = required[row, cols], before[row, cols], after[row, cols]
            moved_at = np.flatnonzero(np.abs(has - had) > _EPS)
            if moved_at.size == 0:
                continue
            changes = tuple(
                IntervalChange(
                    start=starts[int(cols[j])].astimezone(tz),
                    end=(starts[int(cols[j])] + step).astimezone(tz),
                    skill=skill,
                    required=int(need[j]),
                    before=float(had[j]),
                    after=float(has[j]),
                )
                for j in moved_at.tolist()
            )
            out.append(
                DayImpact(
                    day=day,
                    skill=skill,
                    changes=changes,
                    sl_before=_day_level(calls[row, cols], level_before[row, cols]),
                    sl_after=_day_level(calls[row, cols], level_after[row, cols]),
                    short_before=int(np.count_nonzero(had < need - _EPS)),
                    short_after=int(np.count_nonzero(has < need - _EPS)),
                    worst=min(changes, key=lambda c: (c.gap_after, c.start)),
                )
            )
    return Impact(tuple(out), has_demand=True)
