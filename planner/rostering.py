"""Week roster generation: set covering with implicit breaks, bounded in time, with a proof.

:func:`generate_roster` builds one ISO week (Monday to Sunday, local to the team's zone) of
shifts from the team's shift templates for the agents who have a contract, so that the heads
on the phones meet the interval requirement of :func:`planner.staffing.required_agents` as
closely as possible, every roster rule of :mod:`planner.rules` holds, and each agent gets
their contracted hours where the rules allow it.

Model (one week, intervals ``i`` of the team's length, skills ``k``)
--------------------------------------------------------------------
* Agents whose weeks are interchangeable (same options, skills, hours target, history and
  leave) form a class ``c`` of ``m_c`` agents; ``X[c, o]`` integer counts how many of them
  work shift option ``o`` (a template on a day). An agent's options are the templates of
  their shift lengths on days without leave, kept shifts, or a clash (rest or overlap) with
  last or next week's stored shifts.
* Skills are not per agent either: ``z[o, S, k]`` counts how many of the agents with skill
  set ``S`` working option ``o`` take calls in skill ``k`` (``Σ_k z = Σ_c X``).
* Breaks are implicit (Aykin 1996): ``w[o, k, p]`` places the shifts of option ``o`` in skill
  ``k`` at break position ``p`` of the template's window, and integer ``b[k, window]`` counts
  the breaks of a skill in one window whatever shift they belong to; coverage sees only ``b``
  (with ``n`` and ``b`` integral an integral ``w`` exists, a transportation problem, so
  ``w`` stays continuous).
* Coverage, for every interval and skill with a requirement ``r``:
  ``Σ_o n[o,k]·on_o(i) − Σ b[k,·]·brk(i) + u(i,k) ≥ r(i,k)``, where ``on`` and ``brk`` are
  the fractions of the interval the shift and the break cover.
* Per class: at most ``m_c`` shifts a day; rest and overlap as clique inequalities (options of
  two days that clash, grouped by the instant the later one must not start before);
  consecutive days through windows of ``max_consecutive_days + 1`` days including last and
  next week's stored days; hours ``Σ_o hours_o·X[c,o] = m_c·target_c`` (an hour left
  unworked costs more than it could cover, which makes the empty roster a first incumbent).
* Targets: the contract (``weekly_hours``) less leave (a day of leave counts as the agent's
  usual shift length) and kept shifts, at most ``max_weekly_hours``, lowered to the most the
  agent's templates and rules allow (an exact search over the week); the result names every
  agent whose target falls short of the contract, and why.

Objective, in this order: understaffing, the agent-intervals short; its depth, a cost on each
interval's shortage that grows with its share of the requirement (a purely linear penalty is
indifferent between an evening without anybody and a busy hour one short, so it leaves the
thin evenings empty); fairness, the spread max − min beyond 1 of late shifts and of weekend
shifts among comparable agents. The solver minimises understaffing alone (the first term of
a lexicographic objective: with nothing else in it the objective moves in whole steps of the
granularity, so HiGHS proves the optimum as soon as its bound passes the step below the
incumbent); the search on people's weeks that follows lowers the depth cost and evens out
late and weekend shifts between people, never lengthening the shortage (:func:`_score` is
the whole objective). Fairness is not in the class model: a spread between per-class
averages says nothing of how a class's shifts fall on its people, and its terms kept the
solver from proving the shortage for many times longer. Overstaffing follows from
the first: with the hours fixed by the contracts, every agent-interval not short is on the
phones somewhere, so the surplus is the scheduled time less the requirement plus the
shortage.

Proof: ``lower_bound`` is a true lower bound on ``understaffed`` over every roster that meets
the hard constraints: the largest of a counting bound per skill pool, the LP relaxation of the
class model (aggregating identical agents does not weaken it) and the dual bound HiGHS
proves for the class model (any roster of people adds up to a solution of it, so its optimum
is no larger), rounded up to the granularity of the coverage coefficients.

Search: HiGHS (``scipy.optimize.milp``) solves the class model (the proof, and a roster with
the fewest agent-intervals short) in a child process that is killed when its time is up or
the caller asks to stop, and its LP relaxation in a second one at a lower priority, whose
rounded answer is the solver roster should the class model not prove its shortage in time.
Meanwhile a heuristic (each agent in turn takes the week that best fills what is still
short, by dynamic programming over the days) builds the answer that comes back when the
solver has no time. A class solution becomes people's weeks day by day, by assignment
problems that keep each agent able to reach their hours; single-shift moves then lower the
depth cost, and comparable agents re-deal the shifts they work between two or three of them
(which leaves the coverage unchanged) to even out late and weekend shifts; neither ever
lengthens the shortage. Every roster is checked against :mod:`planner.rules` before it is
returned. Each step draws from its own random stream of ``seed`` and ends by itself (its time
limit is a safeguard), so a roster whose shortage the solver proves in time depends on the
problem and the seed, not on how busy the machine was.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import math
import os
import pickle
import queue
import random
import subprocess
import sys
import threading
import time as _clock
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.model import AgentInfo, Demand, Leave, ServiceTarget, Shift, TeamRules, Window
from planner.rules import Formatter, RosterContext, Violation, agent_violations, roster_after
from planner.solver_process import read_frame, wall, write_frame
from planner.staffing import UNREACHABLE, coverage, positions_after_shrinkage, required_agents

__all__ = [
    "ContractOutcome",
    "FairnessFigure",
    "RosterAgent",
    "RosterProblem",
    "RosterResult",
    "ShiftTemplate",
    "Status",
    "generate_roster",
    "roster_requirement",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Status = Literal["optimal", "feasible", "fallback"]

_EPS = 1e-9
# Understaffing comes first: every agent-interval short costs _SHORT. On top of that, an
# interval's shortage costs more the deeper it is as a share of its requirement (beyond 10 %,
# 25 % and 50 %), so that among rosters short by the same amount the gaps are spread thin
# instead of emptying the thin evenings. _SHORT exceeds whatever the depth and fairness terms
# of one roster can add up to per agent-interval, so they never buy a longer shortage.
_TIERS: tuple[tuple[float, float], ...] = ((0.10, 0.0), (0.25, 0.15), (0.50, 0.5), (math.inf, 1.5))
_SHORT = 100.0
_FAIRNESS_WEIGHT = 2.0
# An hour of an agent's target left unworked costs more than that hour could ever cover, so
# no optimum leaves one (a roster that did would be refused anyway); the slack makes every
# model feasible from the empty roster on, which gives the solver its first incumbent.
_UNWORKED_HOUR = 8.0
_OPTIMAL_GAP = 1e-3
_log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift the roster may use (teams TOML ``[[team.shift_template]]``).

    ``start`` is local wall-clock time; ``hours`` the length with the break included (real
    hours: a shift across a DST change ends ``hours`` later on the UTC clock). With a
    ``break_window`` the shift has one break of ``break_minutes`` off the phones, starting at
    an interval boundary inside the window (both ends included; a window earlier in the day
    than ``start`` is on the next day). ``days`` are weekdays, 0 = Monday.
    """

    name: str
    start: time
    hours: float
    break_minutes: int = 0
    break_window: tuple[time, time] | None = None
    days: frozenset[int] = frozenset(range(7))


@dataclass(frozen=True)
class RosterAgent:
    """An agent to roster.

    ``weekly_hours`` is the contract (0: not rostered). ``shift_hours`` are the shift lengths
    they work (empty: any template). ``usual_shift_hours`` is what a day of leave counts for;
    ``None`` means the longest length they work.
    """

    agent_id: str
    name: str
    skills: frozenset[str]
    weekly_hours: float
    shift_hours: frozenset[float] = frozenset()
    usual_shift_hours: float | None = None


@dataclass(frozen=True)
class RosterProblem:
    """Everything :func:`generate_roster` needs, as plain values.

    ``week`` is the Monday. ``demand`` holds the week's intervals (UTC starts); intervals
    outside the week are ignored. ``history`` are the stored shifts of the days around the
    week (at least ``max_consecutive_days`` days on each side): they bound rest and runs.
    ``kept`` are shifts inside the week that stay as they are (those with requests): they
    cover, count towards their agent's hours and rules, and their days are taken. ``leaves``
    are approved leave days. A shift is *late* when it ends after ``late_after`` local time
    or on a later day; *weekend* shifts start on a Saturday or Sunday.
    """

    week: date
    tz: ZoneInfo
    rules: TeamRules
    target: ServiceTarget
    templates: tuple[ShiftTemplate, ...]
    agents: tuple[RosterAgent, ...]
    demand: Demand
    leaves: tuple[Leave, ...] = ()
    history: tuple[Shift, ...] = ()
    kept: tuple[Shift, ...] = ()
    late_after: time = time(20, 0)


@dataclass(frozen=True)
class ContractOutcome:
    """One agent's hours: the contract, what leave and kept shifts count, what they got.

    ``reason`` is ``None`` when the generated hours reach ``contract − leave − kept``
    (``target_hours``), else why not: ``max_weekly_hours``, ``min_rest_hours``,
    ``max_consecutive_days``, ``shift_hours`` (the lengths they work cannot add up to it),
    ``days`` (too few days left with a template they can work), ``skill`` (no skill to work),
    ``no_template`` (no template of their lengths), or ``rules`` (the roster had to drop a
    shift that broke a rule; not expected).
    """

    agent_id: str
    contract_hours: float
    leave_hours: float
    kept_hours: float
    wanted_hours: float
    target_hours: float
    scheduled_hours: float
    reason: str | None


@dataclass(frozen=True)
class FairnessFigure:
    """Late and weekend shifts of one group of comparable agents (same contract and lengths,
    no leave or kept shifts that week): the fewest and most any of them got."""

    group: str
    agents: int
    late_min: int
    late_max: int
    weekend_min: int
    weekend_max: int

    @property
    def late_spread(self) -> int:
        return self.late_max - self.late_min

    @property
    def weekend_spread(self) -> int:
        return self.weekend_max - self.weekend_min


@dataclass(frozen=True)
class RosterResult:
    """A generated week.

    ``shifts`` are the new shifts (kept shifts are not repeated). ``required``,
    ``understaffed`` and ``overstaffed`` are agent-intervals summed over intervals and skills
    (understaffed: ``max(0, required − scheduled)``), with scheduled from
    :func:`planner.staffing.coverage` of the new and kept shifts, breaks taken out;
    ``lower_bound`` is a proven lower bound on ``understaffed``. ``status`` is ``optimal`` when
    ``understaffed`` is within 0.1 % of the bound, ``feasible`` for a solver roster without that
    proof, ``fallback`` for the heuristic's. ``violations`` are the rules broken by a shift the
    roster had to drop (empty unless something is wrong).
    """

    status: Status
    shifts: tuple[Shift, ...]
    required: float
    understaffed: float
    lower_bound: float
    overstaffed: float
    fairness: tuple[FairnessFigure, ...]
    contracts: tuple[ContractOutcome, ...]
    seconds: float
    solver_rounds: int = 0
    dropped: tuple[Violation, ...] = ()

    @property
    def gap(self) -> float:
        """``(understaffed − lower_bound) / understaffed``; 0 when nothing is short."""
        if self.understaffed <= _EPS:
            return 0.0
        return max(0.0, (self.understaffed - self.lower_bound) / self.understaffed)

    @property
    def short_of_contract(self) -> tuple[ContractOutcome, ...]:
        return tuple(c for c in self.contracts if c.reason is not None)


# ------------------------------------------------------------------------------ the week


@dataclass
class _Option:
    """One template on one day of the week, with its coverage over the week's intervals."""

    index: int
    day: int
    template: int
    start: datetime
    end: datetime
    hours: float
    late: bool
    weekend: bool
    on: FloatArray
    breaks: list[tuple[datetime, datetime]]
    brk: FloatArray  # (positions, intervals)


@dataclass
class _Plan:
    """What one agent may do in the week."""

    index: int
    agent: RosterAgent
    options: IntArray
    cover: tuple[str, ...]  # skills with demand the agent can take calls in
    skill_set: int  # index into _Week.skill_sets
    default_skill: str
    target_minutes: int
    wanted_minutes: int
    contract_hours: float
    leave_hours: float
    kept_hours: float
    reason: str | None
    windows: list[tuple[tuple[int, ...], int]]  # (free days, most of them worked)
    fair_group: int | None  # comparable group, None when not comparable
    group_label: str
    per_day: tuple[_DayChoice, ...] = ()
    run_before: int = 0
    run_after: int = 0
    signature: tuple[Any, ...] = ()


@dataclass
class _Week:
    problem: RosterProblem
    start: datetime
    end: datetime
    interval: int
    n: int
    skills: tuple[str, ...]
    required: FloatArray  # (skills, intervals)
    kept_cover: FloatArray  # (skills, intervals)
    options: list[_Option]
    plans: list[_Plan]
    skill_sets: list[tuple[int, ...]]  # skill indices per set
    groups: list[str]
    rest: timedelta
    granularity: int | None
    day_dates: tuple[date, ...] = ()
    cliques: dict[tuple[int, ...], list[tuple[int, ...]]] = field(default_factory=dict)
    completions: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    values: _Values | None = None

    @property
    def residual(self) -> FloatArray:
        return np.asarray(self.required - self.kept_cover, dtype=np.float64)


def roster_requirement(
    demand: Demand, target: ServiceTarget, skills: Iterable[str] | None = None
) -> dict[str, IntArray]:
    """Heads to schedule on the phones per interval and skill.

    :func:`planner.staffing.required_agents` for the team's service target and occupancy cap,
    raised by :func:`planner.staffing.positions_after_shrinkage` for the shrinkage the roster
    does not plan (absence, off-phone work; the breaks are planned explicitly and taken out of
    the coverage).

    Raises
    ------
    ValueError
        If an interval's volume is too large for any head count to meet the target.
    """
    out: dict[str, IntArray] = {}
    names = sorted(set(demand.calls) | set(skills or ()))
    for skill in names:
        calls = np.asarray(demand.calls.get(skill, ()), dtype=np.float64)
        if calls.size == 0:
            out[skill] = np.zeros(len(demand.interval_starts), dtype=np.int64)
            continue
        aht = np.asarray(demand.aht_seconds.get(skill, np.ones(calls.size)), dtype=np.float64)
        aht = np.where((calls > 0) & (aht > 0), aht, 1.0)
        heads = required_agents(
            calls,
            aht,
            demand.interval_seconds,
            target.service_level,
            target.target_seconds,
            target.max_occupancy,
        )
        bad = np.flatnonzero(heads == UNREACHABLE)
        if bad.size:
            moment = demand.interval_starts[int(bad[0])]
            raise ValueError(
                f"the {skill} volume at {moment:%Y-%m-%d %H:%M} UTC is too large for any head "
                "count to meet the service level target"
            )
        out[skill] = positions_after_shrinkage(heads, target.shrinkage)
    return out


def _local(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, ``None`` when the clock skips it."""
    moment = datetime.combine(day, wall, tzinfo=tz)
    instant = moment.astimezone(UTC)
    back = instant.astimezone(tz)
    if (back.date(), back.time()) != (day, wall):
        return None
    return instant


def _fractions(
    grid0: datetime, interval: int, n: int, pieces: Iterable[tuple[datetime, datetime]]
) -> FloatArray:
    """Fraction of each interval covered by the given windows (summed)."""
    out = np.zeros(n, dtype=np.float64)
    starts = np.arange(n, dtype=np.float64) * interval
    for begin, finish in pieces:
        a = (begin - grid0).total_seconds()
        b = (finish - grid0).total_seconds()
        if b <= 0 or a >= n * interval:
            continue
        lo = np.maximum(starts, a)
        hi = np.minimum(starts + interval, b)
        out += np.clip(hi - lo, 0.0, None) / interval
    return out


def _break_starts(
    day: date, template: ShiftTemplate, start: datetime, end: datetime, tz: ZoneInfo, step: int
) -> list[tuple[datetime, datetime]]:
    if template.break_window is None or template.break_minutes <= 0:
        return []
    first, last = template.break_window
    anchor = day if first >= template.start else day + timedelta(days=1)
    lo = _local(anchor, first, tz)
    hi_day = anchor if last >= first else anchor + timedelta(days=1)
    hi = _local(hi_day, last, tz)
    if lo is None or hi is None:
        return []
    length = timedelta(minutes=template.break_minutes)
    out: list[tuple[datetime, datetime]] = []
    moment = lo
    while moment <= hi:
        if moment >= start and moment + length <= end:
            out.append((moment, moment + length))
        moment += timedelta(seconds=step)
    return out


def _clash(
    a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime, rest: timedelta
) -> bool:
    """True when two shifts overlap or leave less than ``rest`` between them."""
    if a_start < b_end and b_start < a_end:
        return True
    if a_end <= b_start:
        return b_start - a_end < rest - timedelta(microseconds=1)
    return a_start - b_end < rest - timedelta(microseconds=1)


def _granularity(values: Iterable[FloatArray]) -> int | None:
    """Smallest ``q`` ≤ 60 with every coefficient a multiple of ``1/q``, else ``None``."""
    pooled = np.unique(np.concatenate([np.ravel(v) for v in values] or [np.zeros(1)]))
    for q in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 60):
        scaled = pooled * q
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-7):
            return q
    return None


def _prepare(problem: RosterProblem) -> _Week:
    tz = problem.tz
    if problem.week.weekday() != 0:
        raise ValueError(f"{problem.week} is not a Monday")
    interval = int(problem.demand.interval_seconds)
    if interval <= 0:
        raise ValueError("interval_seconds must be positive")
    start = datetime.combine(problem.week, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(problem.week + timedelta(days=7), time(0), tzinfo=tz).astimezone(UTC)
    n = int((end - start).total_seconds() // interval)
    days = tuple(problem.week + timedelta(days=d) for d in range(7))

    wanted_skills = sorted(set(problem.demand.calls))
    per_skill = roster_requirement(problem.demand, problem.target, wanted_skills)
    skills = tuple(wanted_skills)
    required = np.zeros((len(skills), n), dtype=np.float64)
    for i, moment in enumerate(problem.demand.interval_starts):
        offset = (moment.astimezone(UTC) - start).total_seconds()
        if offset < 0 or offset % interval or offset >= n * interval:
            continue
        col = int(offset // interval)
        for k, skill in enumerate(skills):
            required[k, col] = float(per_skill[skill][i])

    kept_cover = np.zeros_like(required)
    kept_shifts = [s for s in problem.kept if s.agent_id]
    if kept_shifts:
        grid = [start + timedelta(seconds=interval * i) for i in range(n)]
        covered = coverage(kept_shifts, grid, interval, skills)
        for k, skill in enumerate(skills):
            kept_cover[k] = covered[skill]

    options: list[_Option] = []
    for d, day in enumerate(days):
        for t, template in enumerate(problem.templates):
            if day.weekday() not in template.days or template.hours <= 0:
                continue
            begin = _local(day, template.start, tz)
            if begin is None:
                continue
            finish = begin + timedelta(hours=template.hours)
            breaks = _break_starts(day, template, begin, finish, tz, interval)
            if template.break_window is not None and template.break_minutes > 0 and not breaks:
                continue
            local_end = finish.astimezone(tz)
            late = local_end.date() > day or local_end.time() > problem.late_after
            on = _fractions(start, interval, n, [(begin, finish)])
            brk = (
                np.stack([_fractions(start, interval, n, [b]) for b in breaks])
                if breaks
                else np.zeros((0, n))
            )
            options.append(
                _Option(
                    index=len(options),
                    day=d,
                    template=t,
                    start=begin,
                    end=finish,
                    hours=float(template.hours),
                    late=bool(late),
                    weekend=day.weekday() >= 5,
                    on=on,
                    breaks=breaks,
                    brk=brk,
                )
            )

    coefficient_arrays: list[FloatArray] = [required, kept_cover]
    for o in options:
        coefficient_arrays.append(o.on)
        if o.brk.size:
            coefficient_arrays.append(o.brk)
    week = _Week(
        problem=problem,
        start=start,
        end=end,
        interval=interval,
        n=n,
        skills=skills,
        required=required,
        kept_cover=kept_cover,
        options=options,
        plans=[],
        skill_sets=[],
        groups=[],
        rest=timedelta(hours=float(problem.rules.min_rest_hours)),
        granularity=_granularity(coefficient_arrays),
        day_dates=days,
    )
    week.plans = _plans(week)
    return week


# ------------------------------------------------------------------------- agents' weeks


def _minutes(hours: float) -> int:
    return round(hours * 60)


@dataclass(frozen=True)
class _DayChoice:
    """A day as the feasibility search sees it: off, kept (worked, fixed) or options."""

    kind: Literal["off", "kept", "free"]
    options: tuple[int, ...] = ()


def _reachable(
    week: _Week,
    days: Sequence[_DayChoice],
    run_before: int,
    run_after: int,
    *,
    rest: bool = True,
    runs: bool = True,
) -> set[int]:
    """Every total of generated minutes some rule-abiding week of these days reaches.

    State after a day: (minutes, option worked that day or -1, current run of worked days,
    whether that run holds a generated shift). Only consecutive worked shifts can clash (a
    shift between two others lies between them in time), so the previous day's option is the
    only one a new option must be checked against.
    """
    limit = int(week.problem.rules.max_consecutive_days)
    states: set[tuple[int, int, int, bool]] = {(0, -1, run_before, False)}
    opts = week.options
    for choice in days:
        nxt: set[tuple[int, int, int, bool]] = set()
        for minutes, last, run, gen in states:
            if choice.kind == "off":
                nxt.add((minutes, -1, 0, False))
            elif choice.kind == "kept":
                if runs and gen and run + 1 > limit:
                    continue
                nxt.add((minutes, -1, run + 1, gen))
            else:
                nxt.add((minutes, -1, 0, False))
                for o in choice.options:
                    if runs and run + 1 > limit:
                        break
                    if rest and last >= 0:
                        prev = opts[last]
                        if _clash(prev.start, prev.end, opts[o].start, opts[o].end, week.rest):
                            continue
                    nxt.add((minutes + _minutes(opts[o].hours), o, run + 1, True))
        states = nxt
    out: set[int] = set()
    for minutes, _last, run, gen in states:
        if runs and gen and run + run_after > limit:
            continue
        out.add(minutes)
    return out


def _worked_run(days: set[date], first: date, step: int) -> int:
    count = 0
    day = first
    while day in days:
        count += 1
        day += timedelta(days=step)
    return count


def _plans(week: _Week) -> list[_Plan]:
    problem = week.problem
    rules = problem.rules
    limit = int(rules.max_consecutive_days)
    leave_days: dict[str, set[date]] = {}
    for lv in problem.leaves:
        leave_days.setdefault(lv.agent_id, set()).add(lv.day)
    history: dict[str, list[Shift]] = {}
    for s in problem.history:
        if s.agent_id:
            history.setdefault(s.agent_id, []).append(s)
    kept: dict[str, list[Shift]] = {}
    for s in problem.kept:
        if s.agent_id:
            kept.setdefault(s.agent_id, []).append(s)
    lengths = sorted({float(t.hours) for t in problem.templates})
    skill_index = {s: k for k, s in enumerate(week.skills)}
    set_index: dict[tuple[int, ...], int] = {}
    group_index: dict[str, int] = {}
    cache: dict[tuple[Any, ...], set[int]] = {}
    plans: list[_Plan] = []
    first_day, last_day = week.day_dates[0], week.day_dates[-1]

    for a_index, agent in enumerate(problem.agents):
        own_lengths = [h for h in lengths if not agent.shift_hours or _has_length(agent, h)]
        usual = agent.usual_shift_hours
        if usual is None:
            usual = max(own_lengths) if own_lengths else (max(agent.shift_hours, default=0.0))
        on_leave = {d for d in leave_days.get(agent.agent_id, ()) if first_day <= d <= last_day}
        mine_kept = kept.get(agent.agent_id, [])
        kept_days = {s.local_date for s in mine_kept}
        kept_hours = sum(s.hours for s in mine_kept)
        fixed = history.get(agent.agent_id, []) + mine_kept
        contract = max(0.0, float(agent.weekly_hours or 0.0))
        leave_hours = len(on_leave) * float(usual) if contract > 0 else 0.0
        wanted = max(0.0, contract - leave_hours - kept_hours)
        cap = max(0.0, float(rules.max_weekly_hours) - kept_hours)
        cover = tuple(s for s in week.skills if s in agent.skills)
        default_skill = cover[0] if cover else (min(agent.skills) if agent.skills else "")

        allowed: list[int] = []
        if contract > 0 and agent.skills:
            for o in week.options:
                day = week.day_dates[o.day]
                if day in on_leave or day in kept_days:
                    continue
                if agent.shift_hours and not _has_length(agent, o.hours):
                    continue
                if any(_clash(o.start, o.end, f.start, f.end, week.rest) for f in fixed):
                    continue
                allowed.append(o.index)

        worked_hist = {s.local_date for s in history.get(agent.agent_id, [])}
        run_before = _worked_run(worked_hist, first_day - timedelta(days=1), -1)
        run_after = _worked_run(worked_hist, last_day + timedelta(days=1), 1)
        per_day: list[_DayChoice] = []
        for d, day in enumerate(week.day_dates):
            if day in kept_days:
                per_day.append(_DayChoice("kept"))
            elif day in on_leave:
                per_day.append(_DayChoice("off"))
            else:
                per_day.append(
                    _DayChoice("free", tuple(o for o in allowed if week.options[o].day == d))
                )
        wanted_m = _minutes(min(wanted, cap)) if contract > 0 else 0
        key = (tuple(per_day), run_before, run_after)
        if key not in cache:
            cache[key] = _reachable(week, per_day, run_before, run_after)
        totals = cache[key]
        target_m = max((m for m in totals if m <= wanted_m), default=0)
        reason: str | None = None
        if contract > 0 and _minutes(wanted) > target_m:
            reason = _shortfall_reason(
                week, agent, per_day, run_before, run_after, wanted, cap, own_lengths, allowed
            )

        windows: list[tuple[tuple[int, ...], int]] = []
        worked_fixed = worked_hist | kept_days
        for s0 in range(-limit, 7):
            span = [first_day + timedelta(days=s0 + j) for j in range(limit + 1)]
            free = tuple(
                d
                for d, day in enumerate(week.day_dates)
                if day in span and per_day[d].kind == "free" and per_day[d].options
            )
            if not free:
                continue
            fixed_worked = sum(1 for day in span if day in worked_fixed)
            most = max(0, limit - fixed_worked)
            if most < len(free):
                windows.append((free, most))

        skill_key = tuple(skill_index[s] for s in cover)
        if skill_key not in set_index:
            set_index[skill_key] = len(set_index)
            week.skill_sets.append(skill_key)
        label = f"{_number(contract)}h/" + "+".join(_number(h) for h in own_lengths) + "h"
        comparable = (
            contract > 0 and not on_leave and not mine_kept and reason is None and target_m > 0
        )
        fair: int | None = None
        if comparable:
            if label not in group_index:
                group_index[label] = len(group_index)
                week.groups.append(label)
            fair = group_index[label]
        plan = _Plan(
            index=a_index,
            agent=agent,
            options=np.asarray(allowed if target_m > 0 else [], dtype=np.int64),
            cover=cover,
            skill_set=set_index[skill_key],
            default_skill=default_skill,
            target_minutes=target_m,
            wanted_minutes=_minutes(wanted) if contract > 0 else 0,
            contract_hours=contract,
            leave_hours=leave_hours,
            kept_hours=kept_hours,
            reason=reason,
            windows=windows,
            fair_group=fair,
            group_label=label,
            per_day=tuple(per_day),
            run_before=run_before,
            run_after=run_after,
        )
        plan.signature = (
            tuple(plan.options.tolist()),
            set_index[skill_key],
            target_m,
            tuple(windows),
            tuple(c.kind for c in per_day),
            run_before,
            run_after,
            fair,
        )
        plans.append(plan)
    return plans


def _has_length(agent: RosterAgent, hours: float) -> bool:
    return any(abs(h - hours) < 1e-6 for h in agent.shift_hours)


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _shortfall_reason(
    week: _Week,
    agent: RosterAgent,
    per_day: Sequence[_DayChoice],
    run_before: int,
    run_after: int,
    wanted: float,
    cap: float,
    own_lengths: Sequence[float],
    allowed: Sequence[int],
) -> str:
    """Why an agent's week cannot reach their contract (see :class:`ContractOutcome`)."""
    want = _minutes(wanted)
    if not agent.skills:
        return "skill"
    if not own_lengths:
        return "no_template"
    if want > _minutes(cap):
        return "max_weekly_hours"
    if not allowed:
        return "days"
    if want not in _reachable(week, per_day, run_before, run_after, rest=False):
        if want in _reachable(week, per_day, run_before, run_after, rest=False, runs=False):
            return "max_consecutive_days"
        free_days = sum(1 for c in per_day if c.kind == "free" and c.options)
        longest = max(own_lengths)
        if free_days * _minutes(longest) < want:
            return "days"
        return "shift_hours"
    return "min_rest_hours"


# --------------------------------------------------------------------------------- model


@dataclass
class _Unit:
    """Agents with the same week (one agent when solving; identical agents when bounding)."""

    plan: _Plan
    count: int = 1
    members: list[int] = field(default_factory=list)


@dataclass
class _Milp:
    c: FloatArray
    integrality: npt.NDArray[np.uint8]
    lb: FloatArray
    ub: FloatArray
    a: sp.csr_array
    bl: FloatArray
    bu: FloatArray
    x_unit: IntArray
    x_opt: IntArray
    z: dict[tuple[int, int], list[tuple[int, int]]]  # (option, set) -> [(skill, column)]
    n: dict[tuple[int, int], int]  # (option, skill) -> heads column
    w: dict[tuple[int, int], list[int]]  # (option, skill) -> column per break position
    b: dict[tuple[int, datetime, datetime], int] = field(default_factory=dict)  # break pools
    scale: float = 1.0  # cost of one agent-interval short

    def shortage_bound(self, bound: float) -> float:
        """A lower bound on understaffing from a lower bound on this model's objective.

        A roster that works every agent's target costs ``scale · short``; nothing costs less.
        """
        return bound / self.scale

    def job(self, limit: float, gap: float, abs_gap: float | None = None) -> dict[str, Any]:
        """The solve of ``c`` with HiGHS options: a time limit and a relative (and absolute)
        gap."""
        options: dict[str, Any] = {
            "time_limit": max(0.05, float(limit)),
            "mip_rel_gap": gap,
            "presolve": True,
            "disp": False,
        }
        if abs_gap is not None:
            options["mip_abs_gap"] = abs_gap
        return {
            "c": self.c,
            "integrality": self.integrality,
            "lb": self.lb,
            "ub": self.ub,
            "a": self.a,
            "bl": self.bl,
            "bu": self.bu,
            "options": options,
        }


class _Columns:
    """Columns and rows of a model under construction, as numpy pieces."""

    def __init__(self) -> None:
        self.cost: list[FloatArray] = []
        self.lo: list[FloatArray] = []
        self.hi: list[FloatArray] = []
        self.kind: list[npt.NDArray[np.uint8]] = []
        self.count = 0
        self.rows_i: list[IntArray] = []
        self.rows_j: list[IntArray] = []
        self.rows_v: list[FloatArray] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []

    def add(
        self,
        size: int,
        cost: float | FloatArray,
        lo: float | FloatArray,
        hi: float | FloatArray,
        integer: bool,
    ) -> IntArray:
        first = self.count
        self.count += size
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=np.float64), (size,)).copy())
        self.lo.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (size,)).copy())
        self.hi.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (size,)).copy())
        self.kind.append(np.full(size, 1 if integer else 0, dtype=np.uint8))
        return np.arange(first, first + size, dtype=np.int64)

    def row(
        self,
        cols: Sequence[int] | IntArray,
        vals: Sequence[float] | FloatArray,
        lo: float,
        hi: float,
    ) -> None:
        r = len(self.row_lo)
        cols_a = np.asarray(cols, dtype=np.int64)
        self.rows_i.append(np.full(cols_a.size, r, dtype=np.int64))
        self.rows_j.append(cols_a)
        self.rows_v.append(
            np.broadcast_to(np.asarray(vals, dtype=np.float64), (cols_a.size,)).copy()
        )
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def block(self, rows: IntArray, cols: IntArray, vals: FloatArray) -> None:
        """Entries into rows already declared."""
        self.rows_i.append(rows)
        self.rows_j.append(cols)
        self.rows_v.append(vals)

    def declare(self, lo: FloatArray, hi: FloatArray) -> IntArray:
        first = len(self.row_lo)
        self.row_lo.extend(lo.tolist())
        self.row_hi.extend(hi.tolist())
        return np.arange(first, first + lo.size, dtype=np.int64)

    def matrix(self) -> tuple[sp.csr_array, FloatArray, FloatArray]:
        rows = np.concatenate(self.rows_i) if self.rows_i else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(self.rows_j) if self.rows_j else np.zeros(0, dtype=np.int64)
        vals = np.concatenate(self.rows_v) if self.rows_v else np.zeros(0)
        shape = (len(self.row_lo), self.count)
        a = sp.csr_array(sp.coo_array((vals, (rows, cols)), shape=shape))
        return (
            a,
            np.asarray(self.row_lo, dtype=np.float64),
            np.asarray(self.row_hi, dtype=np.float64),
        )


def _cliques(week: _Week, options: Sequence[int]) -> list[tuple[int, ...]]:
    """Clique inequalities for rest and overlap among one agent's options.

    For options ``o`` (day ``d``) and ``o'`` (a later day) the pair clashes when ``o'`` starts
    before ``o`` ends plus the minimum rest. For each ``o``, every option of day ``d`` ending
    no earlier than ``o`` clashes with every option of the later day that clashes with ``o``,
    and options of one day exclude each other: together they form a clique.
    """
    by_day: dict[int, list[_Option]] = {}
    for o in options:
        opt = week.options[o]
        by_day.setdefault(opt.day, []).append(opt)
    found: set[tuple[int, ...]] = set()
    for d, left in by_day.items():
        latest = max(x.end for x in left) + week.rest
        for d2, right in by_day.items():
            if d2 <= d or min(x.start for x in right) >= latest:
                continue
            for first in left:
                clashing = [
                    o2.index
                    for o2 in right
                    if _clash(first.start, first.end, o2.start, o2.end, week.rest)
                ]
                if not clashing:
                    continue
                same_day = [o1.index for o1 in left if o1.end >= first.end]
                found.add(tuple(sorted(same_day + clashing)))
    return sorted(found)


def _tier_bounds(required: FloatArray) -> list[tuple[FloatArray, float]]:
    """Per tier: its width (agent-intervals) for each requirement, and its extra cost."""
    out: list[tuple[FloatArray, float]] = []
    low = 0.0
    for share, cost in _TIERS:
        width = np.full(required.shape, np.inf) if math.isinf(share) else (share - low) * required
        out.append((np.asarray(width, dtype=np.float64), cost))
        low = share
    return out


def _build(
    week: _Week,
    units: Sequence[_Unit],
    base: FloatArray,
    *,
    whole_breaks: bool = True,
) -> _Milp:
    """The covering model for ``units`` given the coverage ``base`` of everybody else.

    The objective is understaffing alone, 1 per agent-interval short (plus the cost of hours
    left unworked, which no optimum pays), so that with every agent in ``units``
    :meth:`_Milp.shortage_bound` of any lower bound on the objective is a lower bound on any
    roster's understaffing, and the objective takes only multiples of the week's
    granularity, which lets HiGHS close the gap as soon as the bound passes the next multiple
    below its incumbent. Fairness and the depth of the shortage are left to the search on
    people's weeks, which never lengthens it: fairness terms here (a spread between per-class
    averages) would break that integrality, keep the solver from proving the shortage for
    many times longer, and still not decide how the shifts of a class fall on its people.
    """
    cols = _Columns()
    options = week.options
    n_k = len(week.skills)
    scale = 1.0

    x_unit_parts: list[IntArray] = []
    x_opt_parts: list[IntArray] = []
    x_first: list[int] = []
    for u, unit in enumerate(units):
        opts = unit.plan.options
        first = cols.count
        cols.add(opts.size, 0.0, 0.0, float(unit.count), True)
        x_first.append(first)
        x_unit_parts.append(np.full(opts.size, u, dtype=np.int64))
        x_opt_parts.append(opts)
    x_unit = np.concatenate(x_unit_parts) if x_unit_parts else np.zeros(0, dtype=np.int64)
    x_opt = np.concatenate(x_opt_parts) if x_opt_parts else np.zeros(0, dtype=np.int64)

    heads: dict[tuple[int, int], list[int]] = {}
    head_cap: dict[tuple[int, int], float] = {}
    grouped: dict[tuple[int, int], list[int]] = {}
    group_cap: dict[tuple[int, int], float] = {}
    for u, unit in enumerate(units):
        skill_set = week.skill_sets[unit.plan.skill_set]
        if not skill_set:
            continue
        for j, o in enumerate(unit.plan.options.tolist()):
            col = x_first[u] + j
            if len(skill_set) == 1:
                key = (o, skill_set[0])
                heads.setdefault(key, []).append(col)
                head_cap[key] = head_cap.get(key, 0.0) + unit.count
            else:
                gkey = (o, unit.plan.skill_set)
                grouped.setdefault(gkey, []).append(col)
                group_cap[gkey] = group_cap.get(gkey, 0.0) + unit.count

    z: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for gkey, members in grouped.items():
        o, s = gkey
        skill_set = week.skill_sets[s]
        zc = cols.add(len(skill_set), 0.0, 0.0, group_cap[gkey], True)
        z[gkey] = list(zip(skill_set, zc.tolist(), strict=True))
        cols.row([*zc.tolist(), *members], [1.0] * len(skill_set) + [-1.0] * len(members), 0.0, 0.0)
        for k, col in z[gkey]:
            key = (o, k)
            heads.setdefault(key, []).append(col)
            head_cap[key] = head_cap.get(key, 0.0) + group_cap[gkey]

    n: dict[tuple[int, int], int] = {}
    for key, members in heads.items():
        if len(members) == 1:
            n[key] = members[0]
            continue
        col = int(cols.add(1, 0.0, 0.0, head_cap[key], True)[0])
        n[key] = col
        cols.row([*members, col], [1.0] * len(members) + [-1.0], 0.0, 0.0)

    # Breaks: w[o, k, p] (continuous) place the shifts of option o in skill k at break
    # position p; b[k, window] (integer) count the breaks of skill k in one window, whatever
    # shift they belong to. Coverage sees only b. With n and b integral an integral w exists
    # (a transportation problem), so w need not be integer, and b is what the solver branches
    # on: far fewer variables than one integer per shift type and position.
    w: dict[tuple[int, int], list[int]] = {}
    pooled: dict[tuple[int, datetime, datetime], list[int]] = {}
    pooled_cap: dict[tuple[int, datetime, datetime], float] = {}
    pooled_vec: dict[tuple[int, datetime, datetime], FloatArray] = {}
    for key, col in n.items():
        opt = options[key[0]]
        if opt.brk.shape[0] >= 2:
            wc = cols.add(opt.brk.shape[0], 0.0, 0.0, head_cap[key], False)
            w[key] = wc.tolist()
            cols.row([*w[key], col], [1.0] * len(w[key]) + [-1.0], 0.0, 0.0)
            for p, wcol in enumerate(w[key]):
                bkey = (key[1], *opt.breaks[p])
                pooled.setdefault(bkey, []).append(wcol)
                pooled_cap[bkey] = pooled_cap.get(bkey, 0.0) + head_cap[key]
                pooled_vec.setdefault(bkey, opt.brk[p])
    b_cols: dict[tuple[int, datetime, datetime], int] = {}
    for bkey, members in pooled.items():
        bcol = int(cols.add(1, 0.0, 0.0, pooled_cap[bkey], whole_breaks)[0])
        b_cols[bkey] = bcol
        cols.row([*members, bcol], [1.0] * len(members) + [-1.0], 0.0, 0.0)

    # Coverage rows, written so that an empty roster is feasible (the solver's first
    # incumbent): ``covered`` pieces, one per tier, up to the part of the residual shortage in
    # that tier, earn the tier's cost; the objective adds back the cost of the whole residual
    # (a column fixed at 1), so it equals the cost of what stays short.
    residual = week.required - base
    need = residual > 1e-9
    row_of = np.full((n_k, week.n), -1, dtype=np.int64)
    need_k, need_i = np.nonzero(need)
    rows = cols.declare(np.zeros(need_k.size), np.full(need_k.size, np.inf))
    row_of[need_k, need_i] = rows
    short = residual[need_k, need_i]
    uc = cols.add(rows.size, -scale, 0.0, short, False)
    cols.block(rows, uc, -np.ones(rows.size))
    offset = scale * float(short.sum())
    per_hour = scale * _UNWORKED_HOUR * 3600.0 / week.interval
    for (o, k), col in n.items():
        opt = options[o]
        eff = opt.on - opt.brk[0] if opt.brk.shape[0] == 1 else opt.on
        idx = np.flatnonzero((eff > 0) & (row_of[k] >= 0))
        if idx.size:
            cols.block(row_of[k, idx], np.full(idx.size, col, dtype=np.int64), eff[idx])
    for (k, _start, _end), bcol in b_cols.items():
        vec = pooled_vec[(k, _start, _end)]
        bidx = np.flatnonzero((vec > 0) & (row_of[k] >= 0))
        if bidx.size:
            cols.block(row_of[k, bidx], np.full(bidx.size, bcol, dtype=np.int64), -vec[bidx])

    for u, unit in enumerate(units):
        plan = unit.plan
        opts = plan.options.tolist()
        if not opts:
            continue
        m = float(unit.count)
        base_col = x_first[u]
        col_of = {o: base_col + j for j, o in enumerate(opts)}
        by_day: dict[int, list[int]] = {}
        for o in opts:
            by_day.setdefault(options[o].day, []).append(col_of[o])
        for members in by_day.values():
            if len(members) > 1:
                cols.row(members, [1.0] * len(members), -np.inf, m)
        key = tuple(opts)
        if key not in week.cliques:
            week.cliques[key] = _cliques(week, opts)
        for clique in week.cliques[key]:
            cols.row([col_of[o] for o in clique], [1.0] * len(clique), -np.inf, m)
        for free, most in plan.windows:
            members = [col_of[o] for o in opts if options[o].day in free]
            if members:
                cols.row(members, [1.0] * len(members), -np.inf, most * m)
        hours = [options[o].hours for o in opts]
        target = plan.target_minutes / 60.0 * m
        worked = int(cols.add(1, -per_hour, 0.0, target, False)[0])
        cols.row([*(col_of[o] for o in opts), worked], [*hours, -1.0], 0.0, 0.0)
        offset += per_hour * target

    cols.add(1, offset, 1.0, 1.0, False)
    a, bl, bu = cols.matrix()
    return _Milp(
        c=np.concatenate(cols.cost) if cols.cost else np.zeros(0),
        integrality=np.concatenate(cols.kind) if cols.kind else np.zeros(0, dtype=np.uint8),
        lb=np.concatenate(cols.lo) if cols.lo else np.zeros(0),
        ub=np.concatenate(cols.hi) if cols.hi else np.zeros(0),
        a=a,
        bl=bl,
        bu=bu,
        x_unit=x_unit,
        x_opt=x_opt,
        z=z,
        n=n,
        w=w,
        b=b_cols,
        scale=scale,
    )


# ------------------------------------------------------------------------ solver process


class _Pending:
    """What :meth:`_Solver.wait` returns while the solve is still at work."""


_PENDING = _Pending()
# The niceness of the relaxation's process: on a busy machine it takes what the integer solve
# leaves, not half of it.
_HELPER_NICE = 10


class _Solver:
    """HiGHS in a child process that is killed when its time is up or the caller stops.

    The child is a plain ``python -m planner.solver_process`` process (so it does not depend on how
    the caller was started) that reads pickled jobs on stdin and answers on stdout; a thread
    reads the answers so that waiting can poll ``should_stop``. HiGHS honours its own
    ``time_limit``; the kill (by the child's pid) is for a solve that does not return in time
    and for ``should_stop``.
    """

    def __init__(self, deadline: float, should_stop: Callable[[], bool], nice: int = 0) -> None:
        self.deadline = deadline
        self.should_stop = should_stop
        self.nice = nice
        self.stopped = False
        self.rounds = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._answers: queue.Queue[Any] = queue.Queue()
        self._hard = 0.0
        self._busy = False

    def remaining(self) -> float:
        return self.deadline - _clock.monotonic()

    def start(self) -> None:
        if self._proc is not None:
            return
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [root, *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
        )
        command = [sys.executable, "-m", "planner.solver_process"]
        if self.nice:
            command += ["--nice", str(self.nice)]
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        answers: queue.Queue[Any] = queue.Queue()

        def read() -> None:
            assert proc.stdout is not None
            while True:
                try:
                    answers.put(read_frame(proc.stdout))
                except (EOFError, OSError, pickle.UnpicklingError, ValueError):
                    answers.put(EOFError)
                    return

        threading.Thread(target=read, name="roster-solver-reader", daemon=True).start()
        self._proc, self._answers = proc, answers

    def send(
        self,
        model: _Milp,
        limit: float,
        gap: float = 1e-4,
        relax: bool = False,
        abs_gap: float | None = None,
    ) -> bool:
        """Start one solve; :meth:`wait` collects it."""
        limit = min(limit, self.remaining())
        if self.stopped or limit < 0.1 or model.c.size == 0:
            return False
        if self.should_stop():
            self.stopped = True
            return False
        try:
            self.start()
        except OSError:
            return False
        assert self._proc is not None and self._proc.stdin is not None
        job = model.job(limit, gap, abs_gap)
        job["relax"] = relax
        job["deadline"] = wall() + limit
        stdin = self._proc.stdin
        answers = self._answers

        def write() -> None:
            # The child reads only once it has imported scipy; writing from a thread keeps
            # the caller free to work meanwhile.
            try:
                write_frame(stdin, job)
            except (BrokenPipeError, OSError, ValueError):
                answers.put(EOFError)

        threading.Thread(target=write, name="roster-solver-writer", daemon=True).start()
        self.rounds += 1
        self._hard = _clock.monotonic() + limit + max(2.0, 0.25 * limit)
        self._busy = True
        return True

    def wait(self, until: float | None = None) -> dict[str, Any] | _Pending | None:
        """The answer of the solve :meth:`send` started; None if it failed or was stopped,
        :data:`_PENDING` if it is still at work at ``until`` (monotonic seconds)."""
        while self._proc is not None and self._busy:
            timeout = 0.05 if until is None else max(0.0, min(0.05, until - _clock.monotonic()))
            try:
                out = self._answers.get(timeout=timeout)
            except queue.Empty:
                if self.should_stop():
                    self.stopped = True
                    break
                if _clock.monotonic() > self._hard or self._proc.poll() is not None:
                    break
                if until is not None and _clock.monotonic() >= until:
                    return _PENDING
                continue
            if out is EOFError:
                break
            self._busy = False
            return None if "error" in out else dict(out)
        self._kill()
        return None

    def _kill(self) -> None:
        proc = self._proc
        self._proc = None
        self._busy = False
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        """Stop the child: at once if it is still solving, else by asking it to exit."""
        proc = self._proc
        if proc is None:
            return
        if not self._busy and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, OSError):
                write_frame(proc.stdin, None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(1.0)
        self._kill()


# ------------------------------------------------------------------------------- rosters

_Pick = tuple[int, int, int]  # (option, skill index or -1, break position or -1)
_Picks = dict[int, list[_Pick]]  # plan index -> the agent's generated shifts


def _effective(opt: _Option, p: int) -> FloatArray:
    if p < 0 or opt.brk.shape[0] == 0:
        return opt.on
    return np.asarray(opt.on - opt.brk[p], dtype=np.float64)


def _cover(week: _Week, picks: _Picks, skip: Iterable[int] = ()) -> FloatArray:
    """Heads on the phones per skill and interval: kept shifts and ``picks`` (less ``skip``)."""
    out = week.kept_cover.copy()
    left_out = set(skip)
    for a, chosen in picks.items():
        if a in left_out:
            continue
        for o, k, p in chosen:
            if k >= 0:
                out[k] += _effective(week.options[o], p)
    return out


def _tier_cost(week: _Week, short: FloatArray) -> FloatArray:
    """The roster objective's cost of each interval's shortage (see :data:`_TIERS`)."""
    required = week.required
    total = _SHORT * short
    low = np.zeros_like(short)
    for width, extra in _tier_bounds(required):
        part = np.clip(short - low, 0.0, width)
        total += extra * part
        low = low + width
    return np.asarray(total, dtype=np.float64)


def _counts(week: _Week, picks: _Picks, a: int) -> tuple[int, int]:
    chosen = picks.get(a, [])
    late = sum(1 for o, _k, _p in chosen if week.options[o].late)
    weekend = sum(1 for o, _k, _p in chosen if week.options[o].weekend)
    return late, weekend


def _spreads(week: _Week, picks: _Picks) -> dict[int, tuple[int, int]]:
    """Per comparable group: (late spread, weekend spread)."""
    members: dict[int, list[tuple[int, int]]] = {}
    for plan in week.plans:
        if plan.fair_group is not None:
            members.setdefault(plan.fair_group, []).append(_counts(week, picks, plan.index))
    out: dict[int, tuple[int, int]] = {}
    for g, counts in members.items():
        late = [c[0] for c in counts]
        weekend = [c[1] for c in counts]
        out[g] = (max(late) - min(late), max(weekend) - min(weekend))
    return out


@dataclass(frozen=True)
class _Score:
    objective: float
    understaffed: float
    fairness: int

    def better_than(self, other: _Score) -> bool:
        return self.objective < other.objective - 1e-7


def _score(week: _Week, picks: _Picks) -> _Score:
    short = np.clip(week.required - _cover(week, picks), 0.0, None)
    spread = sum(_excess(a) + _excess(b) for a, b in _spreads(week, picks).values())
    objective = float(_tier_cost(week, short).sum()) + _FAIRNESS_WEIGHT * spread
    return _Score(objective, float(short.sum()), spread)


def _excess(spread: int) -> int:
    """The part of a spread that fairness counts: max − min ≤ 1 is as even as it gets."""
    return max(0, spread - 1)


def _hand_out(
    week: _Week,
    chosen: Mapping[int, Sequence[int]],
    z_counts: Mapping[tuple[int, int], Mapping[int, int]],
    break_counts: Mapping[tuple[int, datetime, datetime], int],
) -> _Picks:
    """Give each agent's shifts their skill and break position.

    ``chosen`` maps a plan index to its options; ``z_counts`` say, for an option and a skill
    set, how many of those shifts take each skill, ``break_counts`` for a skill and a break
    window how many breaks it holds (both from a solution; counts that do not add up, after
    a repair, are evened out). Multi-skilled agents keep the skill they worked most recently
    where the counts allow.
    """
    picks: _Picks = {}
    skill_of: dict[tuple[int, int], int] = {}  # (plan, option) -> skill index
    groups: dict[tuple[int, int], list[int]] = {}
    for a, opts in chosen.items():
        plan = week.plans[a]
        skill_set = week.skill_sets[plan.skill_set]
        for o in opts:
            if not skill_set:
                skill_of[(a, o)] = -1
            elif len(skill_set) == 1:
                skill_of[(a, o)] = skill_set[0]
            else:
                groups.setdefault((o, plan.skill_set), []).append(a)
    usual: dict[int, int] = {}
    for (o, s), members in sorted(groups.items(), key=lambda g: week.options[g[0][0]].start):
        wanted = {k: int(z_counts.get((o, s), {}).get(k, 0)) for k in week.skill_sets[s]}
        _fit_counts(wanted, len(members))
        rest: list[int] = []
        for a in sorted(members):
            k = usual.get(a)
            if k is not None and wanted.get(k, 0) > 0:
                skill_of[(a, o)] = k
                wanted[k] -= 1
            else:
                rest.append(a)
        for a in rest:
            k = max(wanted, key=lambda k: (wanted[k], -k))
            skill_of[(a, o)] = k
            wanted[k] -= 1
            usual[a] = k
    movable: dict[int, list[tuple[int, int]]] = {}  # skill -> (plan, option) to place
    for (a, o), k in sorted(skill_of.items()):
        positions = week.options[o].brk.shape[0]
        if positions == 0:
            picks.setdefault(a, []).append((o, k, -1))
        elif positions == 1 or k < 0:
            picks.setdefault(a, []).append((o, k, 0))
        else:
            movable.setdefault(k, []).append((a, o))
    for k, shifts in movable.items():
        for a, o, p in _place_breaks(week, k, shifts, break_counts):
            picks.setdefault(a, []).append((o, k, p))
    for mine in picks.values():
        mine.sort(key=lambda pick: week.options[pick[0]].start)
    return picks


def _place_breaks(
    week: _Week,
    k: int,
    shifts: Sequence[tuple[int, int]],
    counts: Mapping[tuple[int, datetime, datetime], int],
) -> list[tuple[int, int, int]]:
    """Break positions for the shifts of skill ``k`` so that each break window gets the
    number of breaks the solution put there.

    A shift's positions are consecutive windows, so the windows can be filled in time order,
    each from the shifts whose last position ends soonest (earliest deadline first, optimal
    for such interval structures, Glover 1967). A shift left over (counts changed by a repair)
    takes the position where it costs least.
    """
    opts = week.options
    wanted: dict[tuple[datetime, datetime], int] = {}
    for (skill, begin, finish), count in counts.items():
        if skill == k and count > 0:
            wanted[(begin, finish)] = wanted.get((begin, finish), 0) + count
    waiting = list(shifts)
    placed: list[tuple[int, int, int]] = []
    taken: set[tuple[int, int]] = set()
    for window in sorted(wanted):
        eligible = [
            (opts[o].breaks[-1][1], a, o, opts[o].breaks.index(window))
            for a, o in waiting
            if (a, o) not in taken and window in opts[o].breaks
        ]
        eligible.sort()
        for _deadline, a, o, p in eligible[: wanted[window]]:
            placed.append((a, o, p))
            taken.add((a, o))
    cover = week.kept_cover
    for a, o in waiting:
        if (a, o) in taken:
            continue
        opt = opts[o]
        short = week.required[k] - cover[k]
        losses = [float(opt.brk[p] @ np.clip(short, 0.0, None)) for p in range(opt.brk.shape[0])]
        placed.append((a, o, int(np.argmin(losses))))
    return placed


def _fit_counts(wanted: dict[int, int], total: int) -> None:
    """Make the counts add up to ``total`` (rounding noise), largest first."""
    while sum(wanted.values()) > total:
        k = max(wanted, key=lambda k: wanted[k])
        wanted[k] -= 1
    while sum(wanted.values()) < total:
        k = max(wanted, key=lambda k: wanted[k]) if any(wanted.values()) else min(wanted)
        wanted[k] += 1


# -------------------------------------------------------------------------- the heuristic


def _marginal(week: _Week, cover: FloatArray) -> FloatArray:
    """Value of one more head on the phones per skill and interval, at the current coverage."""
    short = week.required - cover
    now = _tier_cost(week, np.clip(short, 0.0, None)) + 0.5 * np.clip(-short, 0.0, None)
    after = short - 1.0
    then = _tier_cost(week, np.clip(after, 0.0, None)) + 0.5 * np.clip(-after, 0.0, None)
    return np.asarray(now - then, dtype=np.float64)


class _Values:
    """Stacked coverage of every option, to value them all against one marginal array."""

    def __init__(self, week: _Week) -> None:
        self.week = week
        self.on = np.stack([o.on for o in week.options]) if week.options else np.zeros((0, week.n))
        rows: list[FloatArray] = []
        owner: list[int] = []
        for o in week.options:
            for p in range(o.brk.shape[0]):
                rows.append(o.brk[p])
                owner.append(o.index)
        self.brk = np.stack(rows) if rows else np.zeros((0, week.n))
        self.owner = np.asarray(owner, dtype=np.int64)
        self.first = np.full(len(week.options), -1, dtype=np.int64)
        for r in range(len(owner) - 1, -1, -1):
            self.first[owner[r]] = r

    def best(
        self, marginal: FloatArray, skills: Sequence[int]
    ) -> tuple[FloatArray, IntArray, IntArray]:
        """Per option: the best value, its skill index and its break position."""
        count = len(self.week.options)
        value = np.full(count, 0.0)
        skill = np.full(count, -1, dtype=np.int64)
        spot = np.array([0 if o.brk.shape[0] else -1 for o in self.week.options], dtype=np.int64)
        if not skills or count == 0:
            return value, skill, spot
        value[:] = -np.inf
        on_val = self.on @ marginal[list(skills)].T  # (options, skills)
        if self.brk.shape[0]:
            loss = self.brk @ marginal[list(skills)].T  # (break rows, skills)
        for j, k in enumerate(skills):
            v = on_val[:, j].copy()
            p = spot.copy()
            if self.brk.shape[0]:
                col = loss[:, j]
                for o in range(count):
                    r0 = self.first[o]
                    if r0 < 0:
                        continue
                    positions = self.week.options[o].brk.shape[0]
                    seg = col[r0 : r0 + positions]
                    best = int(np.argmin(seg))
                    v[o] -= seg[best]
                    p[o] = best
            better = v > value
            value[better] = v[better]
            skill[better] = k
            spot[better] = p[better]
        return value, skill, spot


def _keep_best(
    layer: dict[Any, tuple[float, Any, int]], state: Any, val: float, parent: Any, o: int
) -> None:
    old = layer.get(state)
    if old is None or val > old[0]:
        layer[state] = (val, parent, o)


def _best_week(week: _Week, plan: _Plan, value: FloatArray, prune: int | None) -> list[int] | None:
    """The agent's rule-abiding week of exactly their target hours with the most value.

    Dynamic programming over the days; the state is (minutes, option worked that day or -1,
    run of worked days, whether the run holds a generated shift). With ``prune``, only the
    best few options of each day are tried.
    """
    limit = int(week.problem.rules.max_consecutive_days)
    track_runs = bool(plan.windows)
    target = plan.target_minutes
    opts = week.options
    State = tuple[int, int, int, bool]
    start: State = (0, -1, plan.run_before if track_runs else 0, False)
    layers: list[dict[State, tuple[float, State | None, int]]] = []
    current: dict[State, tuple[float, State | None, int]] = {start: (0.0, None, -1)}
    for choice in plan.per_day:
        nxt: dict[State, tuple[float, State | None, int]] = {}
        put = functools.partial(_keep_best, nxt)
        day_opts = list(choice.options)
        if prune is not None and len(day_opts) > prune:
            day_opts.sort(key=lambda o: -value[o])
            day_opts = day_opts[:prune]
        for state, (val, _parent, _o) in current.items():
            minutes, last, run, gen = state
            if choice.kind == "off":
                put((minutes, -1, 0, False), val, state, -1)
                continue
            if choice.kind == "kept":
                if track_runs and gen and run + 1 > limit:
                    continue
                put((minutes, -1, run + 1 if track_runs else 0, gen), val, state, -1)
                continue
            put((minutes, -1, 0, False), val, state, -1)
            if track_runs and run + 1 > limit:
                continue
            for o in day_opts:
                added = minutes + _minutes(opts[o].hours)
                if added > target:
                    continue
                if last >= 0:
                    prev = opts[last]
                    if _clash(prev.start, prev.end, opts[o].start, opts[o].end, week.rest):
                        continue
                put(
                    (added, o, run + 1 if track_runs else 0, track_runs),
                    val + float(value[o]),
                    state,
                    o,
                )
        layers.append(nxt)
        current = nxt
    best: State | None = None
    best_val = -math.inf
    for state, (val, _p, _o) in current.items():
        minutes, _last, run, gen = state
        if minutes != target:
            continue
        if track_runs and gen and run + plan.run_after > limit:
            continue
        if val > best_val:
            best, best_val = state, val
    if best is None:
        return None
    chosen: list[int] = []
    back: State | None = best
    for layer in reversed(layers):
        assert back is not None
        _val, parent, o = layer[back]
        if o >= 0:
            chosen.append(o)
        back = parent
    return sorted(chosen, key=lambda o: opts[o].start)


def _greedy(
    week: _Week,
    plans: Sequence[_Plan] | None = None,
    picks: _Picks | None = None,
    values: _Values | None = None,
) -> _Picks:
    """Each agent in turn takes the week that best fills what is still short.

    Agents with the fewest choices go first (fewest skills, then fewest options). Agents in
    ``picks`` but not in ``plans`` stay as they are and count as coverage.
    """
    chosen_plans = list(plans if plans is not None else week.plans)
    out: _Picks = {a: list(v) for a, v in (picks or {}).items()}
    for plan in chosen_plans:
        out.pop(plan.index, None)
    cover = _cover(week, out)
    values = values or _Values(week)
    order = sorted(
        (p for p in chosen_plans if p.target_minutes > 0 and p.options.size),
        key=lambda p: (len(p.cover), p.options.size, -p.target_minutes, p.agent.agent_id),
    )
    for plan in order:
        marginal = _marginal(week, cover)
        value, skill, spot = values.best(marginal, week.skill_sets[plan.skill_set])
        chosen = _best_week(week, plan, value, prune=4)
        if chosen is None:
            chosen = _best_week(week, plan, value, prune=None)
        if chosen is None:
            continue
        mine: list[_Pick] = []
        for o in chosen:
            k = int(skill[o])
            p = int(spot[o])
            mine.append((o, k, p))
            if k >= 0:
                cover[k] += _effective(week.options[o], p)
        out[plan.index] = mine
    return out


# ------------------------------------------------------------------------------ fairness


def _valid_week(week: _Week, plan: _Plan, chosen: Sequence[_Pick]) -> bool:
    """The model's hard constraints for one agent's generated shifts."""
    allowed = set(plan.options.tolist())
    opts = [week.options[o] for o, _k, _p in chosen]
    if any(o.index not in allowed for o in opts):
        return False
    days = [o.day for o in opts]
    if len(set(days)) != len(days):
        return False
    if sum(_minutes(o.hours) for o in opts) != plan.target_minutes:
        return False
    ordered = sorted(opts, key=lambda o: o.start)
    for a, b in itertools.pairwise(ordered):
        if _clash(a.start, a.end, b.start, b.end, week.rest):
            return False
    worked = set(days)
    return all(sum(1 for d in free if d in worked) <= most for free, most in plan.windows)


def _takes(week: _Week, plan: _Plan, pick: _Pick) -> _Pick | None:
    """``pick`` as ``plan``'s agent would work it (same skill), or None if they cannot."""
    o, k, p = pick
    if k >= 0 and k not in week.skill_sets[plan.skill_set]:
        return None
    if k < 0 and week.skill_sets[plan.skill_set]:
        return None
    return (o, k, p)


def _polish(week: _Week, picks: _Picks, budget: float = 2.0) -> _Picks:
    """Spread late and weekend shifts by re-dealing shifts, which leaves the coverage unchanged.

    Where two comparable agents' late (or weekend) counts differ by two or more, the one with
    more and the one with fewer deal the shifts they work out again between them
    (:func:`_deals`); failing that, a third agent passes one on from the first to the second
    (two deals in a row). Every shift keeps its times, skill and break, so the roster covers
    exactly as before. A move is made when it lowers the sum of squared late and weekend
    counts of the agents it touches, so the search ends: when no such move is left (or after
    ``budget`` seconds, a safeguard only). Candidates are tried in a fixed order, so the
    answer does not depend on timing.
    """
    out: _Picks = {a: list(v) for a, v in picks.items()}
    deadline = _clock.monotonic() + budget
    members: dict[int, list[_Plan]] = {}
    for plan in week.plans:
        if plan.fair_group is not None and plan.index in out:
            members.setdefault(plan.fair_group, []).append(plan)
    for group in members.values():
        if len(group) >= 2:
            _Evener(week, out, group).run(deadline)
    return out


class _Evener:
    """The moves of :func:`_polish` within one group of comparable agents."""

    def __init__(self, week: _Week, out: _Picks, group: Sequence[_Plan]) -> None:
        self.week = week
        self.out = out
        self.group = list(group)
        self.counts = {p.index: _counts(week, out, p.index) for p in group}
        self.skills = {p.index: frozenset(week.skill_sets[p.skill_set]) for p in group}
        self.stuck: set[tuple[tuple[_Pick, ...], ...]] = set()

    def run(self, deadline: float) -> None:
        counts = self.counts
        improved = True
        while improved and _clock.monotonic() < deadline:
            improved = False
            for measure in (0, 1):
                ranked = sorted(self.group, key=lambda p: (counts[p.index][measure], p.index))
                for high in reversed(ranked):
                    for low in ranked:
                        if counts[high.index][measure] - counts[low.index][measure] < 2:
                            break
                        if self.move(high, low, measure):
                            improved = True
                            break
                    if improved or _clock.monotonic() >= deadline:
                        break
                if improved:
                    break

    def potential(self, *plans: _Plan) -> int:
        return sum(self.counts[p.index][0] ** 2 + self.counts[p.index][1] ** 2 for p in plans)

    def apply(self, deal: Mapping[int, list[_Pick]]) -> None:
        for a, chosen in deal.items():
            self.out[a] = chosen
            self.counts[a] = _counts(self.week, self.out, a)

    def shares_skill(self, a: _Plan, b: _Plan) -> bool:
        return bool(self.skills[a.index] & self.skills[b.index])

    def move(self, high: _Plan, low: _Plan, measure: int) -> bool:
        """Pass one late (``measure`` 0) or weekend (1) shift from ``high`` towards ``low``."""
        week, out, counts = self.week, self.out, self.counts
        state = (tuple(out.get(high.index, ())), tuple(out.get(low.index, ())))
        if state in self.stuck:
            return False
        if self.shares_skill(high, low):
            deal = _best_deal(week, out, high, low, self.potential(high, low))
            if deal is not None:
                self.apply(deal)
                return True
        for mid in self.group:
            if mid is high or mid is low:
                continue
            if not (self.shares_skill(mid, high) and self.shares_skill(mid, low)):
                continue
            if abs(counts[mid.index][measure] - counts[high.index][measure]) > 1:
                continue
            before = self.potential(high, mid, low)
            saved = {p.index: (out.get(p.index, []), counts[p.index]) for p in (high, mid)}
            for first in _deals(week, out, high, mid):
                if _counts(week, first, high.index)[measure] != counts[high.index][measure] - 1:
                    continue
                self.apply(first)
                below = before - self.potential(high)
                second = _best_deal(week, out, mid, low, below, require=measure)
                if second is not None:
                    self.apply(second)
                    return True
                for a, (chosen, count) in saved.items():
                    out[a], counts[a] = chosen, count
        self.stuck.add(state)
        return False


def _best_deal(
    week: _Week,
    picks: _Picks,
    a: _Plan,
    b: _Plan,
    below: int,
    require: int | None = None,
) -> dict[int, list[_Pick]] | None:
    """The deal (:func:`_deals`) with the lowest sum of squared late and weekend counts of the
    two agents, if that is below ``below``; with ``require`` (0 late, 1 weekend), only deals
    that give ``b`` one more of those."""
    best: dict[int, list[_Pick]] | None = None
    was = _counts(week, picks, b.index)
    for deal in _deals(week, picks, a, b):
        ca, cb = _counts(week, deal, a.index), _counts(week, deal, b.index)
        if require is not None and cb[require] != was[require] + 1:
            continue
        score = ca[0] ** 2 + ca[1] ** 2 + cb[0] ** 2 + cb[1] ** 2
        if score < below:
            below, best = score, deal
    return best


def _deals(week: _Week, picks: _Picks, a: _Plan, b: _Plan) -> Iterator[dict[int, list[_Pick]]]:
    """Every other way to deal the shifts ``a`` and ``b`` work between the two of them.

    Each day's shifts (one, or one each) go to either agent, every shift as it is (times,
    skill and break), so the two cover together exactly as before; each agent must get a
    valid week (:func:`_valid_week`: their options, hours, rest and runs) in skills they
    have. Depth first over the days, in a fixed order.
    """
    opts = week.options
    mine = picks.get(a.index, [])
    theirs = picks.get(b.index, [])
    by_day: dict[int, list[_Pick]] = {}
    for pick in (*mine, *theirs):
        by_day.setdefault(opts[pick[0]].day, []).append(pick)
    days = sorted(by_day)
    ways: list[list[tuple[_Pick | None, _Pick | None]]] = []
    for d in days:
        here = by_day[d]
        if len(here) == 1:
            ways.append([(here[0], None), (None, here[0])])
        else:
            ways.append([(here[0], here[1]), (here[1], here[0])])
    allowed = {p.index: frozenset(p.options.tolist()) for p in (a, b)}

    def extend(plan: _Plan, got: list[_Pick], minutes: int, pick: _Pick | None) -> int:
        """Minutes after adding ``pick`` to ``got``, or -1 if it cannot be."""
        if pick is None:
            return minutes
        if pick[0] not in allowed[plan.index] or _takes(week, plan, pick) is None:
            return -1
        if got:
            last, new = opts[got[-1][0]], opts[pick[0]]
            if _clash(last.start, last.end, new.start, new.end, week.rest):
                return -1
        total = minutes + _minutes(opts[pick[0]].hours)
        return total if total <= plan.target_minutes else -1

    now = (tuple(mine), tuple(theirs))
    stack: list[tuple[int, list[_Pick], list[_Pick], int, int]] = [(0, [], [], 0, 0)]
    while stack:
        depth, got_a, got_b, min_a, min_b = stack.pop()
        if depth == len(days):
            if (min_a, min_b) != (a.target_minutes, b.target_minutes):
                continue
            if (tuple(got_a), tuple(got_b)) == now:
                continue
            if _valid_week(week, a, got_a) and _valid_week(week, b, got_b):
                yield {a.index: got_a, b.index: got_b}
            continue
        for to_a, to_b in reversed(ways[depth]):
            ma = extend(a, got_a, min_a, to_a)
            mb = extend(b, got_b, min_b, to_b)
            if ma < 0 or mb < 0:
                continue
            stack.append(
                (
                    depth + 1,
                    got_a if to_a is None else [*got_a, to_a],
                    got_b if to_b is None else [*got_b, to_b],
                    ma,
                    mb,
                )
            )


# ---------------------------------------------------------------------------------- bounds


def _round_up(week: _Week, value: float) -> float:
    """A proven bound, less solver tolerance, raised to the next possible shortage value.

    Every coverage coefficient is a multiple of ``1/q`` (the week's granularity), so is every
    roster's understaffing; the smallest such multiple not below the bound is a bound too.
    """
    safe = value - 1e-6 * max(1.0, abs(value))
    if safe <= 0:
        return 0.0
    q = week.granularity
    if q is None:
        return safe
    return math.ceil(safe * q - 1e-9) / q


def _counting_bound(week: _Week, active: Sequence[_Plan]) -> float:
    """Shortage no roster can avoid, skill pool by skill pool.

    For a set of skills ``K``: the agents who have a skill in ``K`` put at most their target
    hours on the phones, and in each interval at most those who have an option covering it
    can be there; whatever requirement of ``K`` exceeds that is short in every roster.
    """
    residual = np.clip(week.residual, 0.0, None)
    n_k = len(week.skills)
    if n_k == 0:
        return 0.0
    subsets: list[tuple[int, ...]] = []
    if n_k <= 6:
        for mask in range(1, 1 << n_k):
            subsets.append(tuple(k for k in range(n_k) if mask >> k & 1))
    else:
        subsets = [(k,) for k in range(n_k)] + [tuple(range(n_k))]
    reach: list[FloatArray] = []
    supply: list[float] = []
    for plan in active:
        on = np.zeros(week.n)
        for o in plan.options.tolist():
            np.maximum(on, week.options[o].on, out=on)
        reach.append(on)
        supply.append(plan.target_minutes * 60.0 / week.interval)
    best = 0.0
    for subset in subsets:
        need = residual[list(subset)].sum(axis=0)
        members = [
            j for j, plan in enumerate(active) if set(week.skill_sets[plan.skill_set]) & set(subset)
        ]
        cap = np.sum([reach[j] for j in members], axis=0) if members else np.zeros(week.n)
        per_interval = float(np.clip(need - cap, 0.0, None).sum())
        total = float(need.sum()) - sum(supply[j] for j in members)
        best = max(best, per_interval, total)
    return _round_up(week, best) if best > 0 else 0.0


def _classes(active: Sequence[_Plan]) -> list[_Unit]:
    """Agents whose weeks are interchangeable, each class once with its size."""
    units: dict[tuple[Any, ...], _Unit] = {}
    for plan in active:
        unit = units.get(plan.signature)
        if unit is None:
            units[plan.signature] = _Unit(plan, 1, [plan.index])
        else:
            unit.count += 1
            unit.members.append(plan.index)
    return list(units.values())


# --------------------------------------------------------------------- from classes to people


_Completions = Callable[[int, int, int, bool], frozenset[int]]


def _completions(week: _Week, plan: _Plan) -> _Completions:
    """``f(day, last, run, gen)``: the generated minutes the days from ``day`` on can add.

    The state is the one of :func:`_reachable` at the start of ``day``: the option worked the
    day before (or -1), the run of worked days so far and whether it holds a generated shift.
    """
    limit = int(week.problem.rules.max_consecutive_days)
    opts = week.options
    memo: dict[tuple[int, int, int, bool], frozenset[int]] = {}

    def get(day: int, last: int, run: int, gen: bool) -> frozenset[int]:
        key = (day, last, run, gen)
        found = memo.get(key)
        if found is not None:
            return found
        if day == len(plan.per_day):
            out = frozenset() if gen and run + plan.run_after > limit else frozenset({0})
            memo[key] = out
            return out
        choice = plan.per_day[day]
        total: set[int] = set()
        if choice.kind == "off":
            total |= get(day + 1, -1, 0, False)
        elif choice.kind == "kept":
            if not (gen and run + 1 > limit):
                total |= get(day + 1, -1, run + 1, gen)
        else:
            total |= get(day + 1, -1, 0, False)
            if run + 1 <= limit:
                for o in choice.options:
                    if last >= 0 and _clash(
                        opts[last].start, opts[last].end, opts[o].start, opts[o].end, week.rest
                    ):
                        continue
                    h = _minutes(opts[o].hours)
                    total |= {h + r for r in get(day + 1, o, run + 1, True)}
        out = frozenset(total)
        memo[key] = out
        return out

    return get


@dataclass
class _Walker:
    """One agent's week being built day by day."""

    plan: int
    minutes: int
    last: int
    run: int
    gen: bool
    late: int = 0
    weekend: int = 0
    chosen: list[int] = field(default_factory=list)
    broken: bool = False


def _disaggregate(
    week: _Week,
    unit: _Unit,
    counts: Mapping[int, int],
    fair: Mapping[str, tuple[int, int]],
    rng: random.Random,
    tries: int = 6,
) -> tuple[dict[int, list[int]], list[int]]:
    """Give the identical agents of ``unit`` weeks that add up to ``counts`` shifts per option.

    Day by day, the day's shifts (and days off) go to the agents by an assignment problem
    (:func:`scipy.optimize.linear_sum_assignment`): a shift an agent cannot take without
    breaking a rule, or that would leave them unable to reach their hours on the days left,
    is forbidden; days off go to those with the most room left; late and weekend shifts to
    those with the fewest so far (``fair`` holds the group's (lo, hi) per measure), and a
    shift that clashes with tomorrow's early starts to those least likely to work tomorrow.
    Returns the weeks and the agents whose week could not be completed (best of ``tries``
    randomised attempts).
    """
    from scipy.optimize import linear_sum_assignment

    plan = unit.plan
    opts = week.options
    limit = int(week.problem.rules.max_consecutive_days)
    get = week.completions.get(plan.signature)
    if get is None:
        get = _completions(week, plan)
        week.completions[plan.signature] = get
    target = plan.target_minutes
    members = list(unit.members)
    m = len(members)
    late_lo, late_hi = fair.get("late", (0, 7))
    wk_lo, wk_hi = fair.get("weekend", (0, 7))
    free_after = [
        sum(1 for c in plan.per_day[d + 1 :] if c.kind == "free" and c.options)
        for d in range(len(plan.per_day))
    ]
    longest = max((_minutes(opts[o].hours) for o in plan.options.tolist()), default=60)
    per_day_minutes = [
        sum(int(counts.get(o, 0)) * _minutes(opts[o].hours) for o in c.options) / max(1, m)
        for c in plan.per_day
    ]
    future_minutes = [sum(per_day_minutes[d + 1 :]) for d in range(len(plan.per_day))]
    best: tuple[dict[int, list[int]], list[int]] | None = None
    big = 1e9
    for attempt in range(tries):
        noise = 0.0 if attempt == 0 else 0.3
        look = 1.0 + attempt
        walkers = [_Walker(a, 0, -1, plan.run_before, False) for a in members]
        for d, choice in enumerate(plan.per_day):
            if choice.kind == "off":
                for wk in walkers:
                    wk.last, wk.run, wk.gen = -1, 0, False
                continue
            if choice.kind == "kept":
                for wk in walkers:
                    wk.last, wk.run = -1, wk.run + 1
                continue
            slots = [o for o in choice.options for _ in range(int(counts.get(o, 0)))][:m]
            columns = slots + [-1] * (m - len(slots))
            tomorrow = [
                o
                for o in (plan.per_day[d + 1].options if d + 1 < len(plan.per_day) else ())
                for _ in range(int(counts.get(o, 0)))
            ]
            clash_share: dict[int, float] = {}
            for o in set(slots):
                if tomorrow:
                    hit = sum(
                        1
                        for o2 in tomorrow
                        if _clash(
                            opts[o].start, opts[o].end, opts[o2].start, opts[o2].end, week.rest
                        )
                    )
                    clash_share[o] = hit / len(tomorrow)
                else:
                    clash_share[o] = 0.0
            supply = future_minutes[d] / longest  # shifts still to hand out, per agent
            cost = np.full((m, m), big)
            for i, wk in enumerate(walkers):
                need = target - wk.minutes
                room = supply - need / longest
                p_next = min(1.0, max(0.0, need / max(1, (free_after[d] + 1) * longest)))
                off_ok = need in get(d + 1, -1, 0, False)
                jitter = rng.random() * noise
                rest_day = _crowding(room)
                for j, o in enumerate(columns):
                    if o < 0:
                        if off_ok:
                            cost[i, j] = rest_day + jitter
                        continue
                    if wk.run + 1 > limit:
                        continue
                    if wk.last >= 0 and _clash(
                        opts[wk.last].start,
                        opts[wk.last].end,
                        opts[o].start,
                        opts[o].end,
                        week.rest,
                    ):
                        continue
                    h = _minutes(opts[o].hours)
                    left = need - h
                    if left < 0 or left not in get(d + 1, o, wk.run + 1, True):
                        continue
                    c = _crowding(room + h / longest) + look * clash_share[o] * p_next
                    if opts[o].late:
                        c += 0.1 * wk.late + (0.3 if wk.late + 1 > late_hi else 0.0)
                        c -= 0.1 if wk.late < late_lo else 0.0
                    if opts[o].weekend:
                        c += 0.1 * wk.weekend + (0.3 if wk.weekend + 1 > wk_hi else 0.0)
                        c -= 0.1 if wk.weekend < wk_lo else 0.0
                    cost[i, j] = c + jitter
            rows, cols_ = linear_sum_assignment(cost)
            for i, j in zip(rows.tolist(), cols_.tolist(), strict=True):
                wk = walkers[i]
                o = columns[j]
                if cost[i, j] >= big:
                    wk.broken = True
                    o = -1
                if o < 0:
                    wk.last, wk.run, wk.gen = -1, 0, False
                    continue
                wk.minutes += _minutes(opts[o].hours)
                wk.last, wk.run, wk.gen = o, wk.run + 1, True
                wk.late += int(opts[o].late)
                wk.weekend += int(opts[o].weekend)
                wk.chosen.append(o)
        broken = [wk.plan for wk in walkers if wk.broken or wk.minutes != target]
        weeks = {wk.plan: wk.chosen for wk in walkers if wk.plan not in set(broken)}
        if best is None or len(broken) < len(best[1]):
            best = (weeks, broken)
        if not broken:
            break
    assert best is not None
    return best


def _crowding(room: float) -> float:
    """Cost of leaving an agent ``room`` spare shifts for the rest of the week (convex, so
    days off go to those with the most room)."""
    if room <= 0:
        return 10.0 * (1.0 - room) ** 2
    return 10.0 / (1.0 + room) ** 2


def _class_counts(
    week: _Week, model: _Milp, units: Sequence[_Unit], x: FloatArray
) -> list[dict[int, int]]:
    """Shifts per class and option; fractional values rounded by largest remainder."""
    values: list[dict[int, float]] = [{} for _ in units]
    for col in np.flatnonzero(x[: model.x_unit.size] > 1e-6).tolist():
        values[int(model.x_unit[col])][int(model.x_opt[col])] = float(x[col])
    out: list[dict[int, int]] = []
    for unit, wanted in zip(units, values, strict=True):
        whole = {o: math.floor(v + 1e-6) for o, v in wanted.items()}
        missing = round(sum(wanted.values())) - sum(whole.values())
        per_day: dict[int, int] = {}
        for o, c in whole.items():
            per_day[week.options[o].day] = per_day.get(week.options[o].day, 0) + c
        for o in sorted(wanted, key=lambda o: whole[o] - wanted[o]):
            if missing <= 0:
                break
            day = week.options[o].day
            if wanted[o] - whole[o] > 1e-6 and per_day.get(day, 0) < unit.count:
                whole[o] += 1
                per_day[day] = per_day.get(day, 0) + 1
                missing -= 1
        out.append({o: c for o, c in whole.items() if c > 0})
    return out


def _from_classes(
    week: _Week, model: _Milp, units: Sequence[_Unit], x: FloatArray, rng: random.Random
) -> tuple[_Picks, list[int]]:
    """People's shifts from a solution of the aggregated model (and who could not be placed).

    A fractional solution (the LP relaxation) is rounded first: each class keeps its number
    of shifts, day by day at most one per agent, the largest remainders rounding up.
    """
    counts = _class_counts(week, model, units, x)
    z_counts = {
        key: {k: max(0, round(float(x[col]))) for k, col in pairs} for key, pairs in model.z.items()
    }
    break_counts = {key: max(0, round(float(x[col]))) for key, col in model.b.items()}
    totals: dict[tuple[int, str], list[int]] = {}
    for u, unit in enumerate(units):
        g = unit.plan.fair_group
        if g is None:
            continue
        late = sum(c for o, c in counts[u].items() if week.options[o].late)
        weekend = sum(c for o, c in counts[u].items() if week.options[o].weekend)
        for measure, value in (("late", late), ("weekend", weekend)):
            pair = totals.setdefault((g, measure), [0, 0])
            pair[0] += value
            pair[1] += unit.count
    fair_range = {
        key: (math.floor(v / n + 1e-9), math.ceil(v / n - 1e-9)) for key, (v, n) in totals.items()
    }
    chosen: dict[int, list[int]] = {}
    broken: list[int] = []
    for u, unit in enumerate(units):
        g = unit.plan.fair_group
        fair = {} if g is None else {m: fair_range.get((g, m), (0, 7)) for m in ("late", "weekend")}
        weeks, lost = _disaggregate(week, unit, counts[u], fair, rng)
        chosen.update(weeks)
        broken.extend(lost)
    return _hand_out(week, chosen, z_counts, break_counts), broken


# ----------------------------------------------------------------------------- local search


def _gain(week: _Week, short: FloatArray, k: int) -> FloatArray:
    """What one more head on the phones saves in each interval of skill ``k``."""
    now = _tier_cost_row(week, short, k)
    return np.asarray(now - _tier_cost_row(week, short - 1.0, k), dtype=np.float64)


def _tier_cost_row(week: _Week, short: FloatArray, k: int) -> FloatArray:
    required = week.required[k]
    gap = np.clip(short, 0.0, None)
    total = _SHORT * gap
    low = np.zeros_like(gap)
    for share, extra in _TIERS:
        width = np.full_like(gap, np.inf) if math.isinf(share) else share * required - low
        part = np.clip(gap - low, 0.0, width)
        total = total + extra * part
        low = low + width
    return np.asarray(total, dtype=np.float64)


def _exact_gain(week: _Week, cover: FloatArray, old: _Pick, new: _Pick) -> float:
    """Shortage cost saved by working ``new`` instead of ``old`` (``cover`` holds neither)."""
    saved = 0.0
    o, k, p = old
    o2, k2, p2 = new
    for skill in {k, k2}:
        if skill < 0:
            continue
        base = cover[skill]
        with_old = base + (_effective(week.options[o], p) if skill == k else 0.0)
        with_new = base + (_effective(week.options[o2], p2) if skill == k2 else 0.0)
        required = week.required[skill]
        saved += float(
            _tier_cost_row(week, required - with_old, skill).sum()
            - _tier_cost_row(week, required - with_new, skill).sum()
        )
    return saved


def _improve(week: _Week, picks: _Picks, budget: float, rng: random.Random) -> _Picks:
    """Re-time, re-skill and move breaks of single shifts while the objective falls.

    A move takes one shift out and puts back the best shift of the same length on the same
    day (any skill of the agent, any break position) that keeps the agent's week within the
    rules, when that lowers the roster objective (shortage by depth, then fairness). Ends when
    a pass over every shift finds nothing, or after ``budget`` seconds.
    """
    out: _Picks = {a: list(v) for a, v in picks.items()}
    deadline = _clock.monotonic() + budget
    cover = _cover(week, out)
    opts = week.options
    values = week.values
    if values is None:
        values = week.values = _Values(week)
    counts = {a: list(_counts(week, out, a)) for a in out}
    members: dict[int, list[int]] = {}
    for plan in week.plans:
        if plan.fair_group is not None:
            members.setdefault(plan.fair_group, []).append(plan.index)

    def spread(g: int, measure: int, a: int, value: int) -> int:
        vals = [value if b == a else counts.get(b, [0, 0])[measure] for b in members[g]]
        return _excess(max(vals) - min(vals))

    agents = [a for a in out if out[a]]
    improved = True
    while improved and _clock.monotonic() < deadline:
        improved = False
        rng.shuffle(agents)
        for a in agents:
            if _clock.monotonic() >= deadline:
                break
            plan = week.plans[a]
            allowed = set(plan.options.tolist())
            skills = week.skill_sets[plan.skill_set]
            if not skills:
                continue
            for slot in range(len(out[a])):
                o, k, p = out[a][slot]
                opt = opts[o]
                choice = plan.per_day[opt.day]
                others = [q for j, q in enumerate(out[a]) if j != slot]
                before = max(
                    (opts[q[0]] for q in others if opts[q[0]].start < opt.start),
                    key=lambda x: x.start,
                    default=None,
                )
                after = min(
                    (opts[q[0]] for q in others if opts[q[0]].start > opt.start),
                    key=lambda x: x.start,
                    default=None,
                )
                candidates = [
                    o2
                    for o2 in choice.options
                    if o2 in allowed
                    and _minutes(opts[o2].hours) == _minutes(opt.hours)
                    and not (
                        before is not None
                        and _clash(
                            before.start, before.end, opts[o2].start, opts[o2].end, week.rest
                        )
                    )
                    and not (
                        after is not None
                        and _clash(opts[o2].start, opts[o2].end, after.start, after.end, week.rest)
                    )
                ]
                if not candidates:
                    continue
                if k >= 0:
                    cover[k] -= _effective(opt, p)
                best_value = -math.inf
                best_move = (o, k, p)
                current_value = -math.inf
                index = np.asarray(candidates, dtype=np.int64)
                for k2 in skills:
                    gain = _gain(week, week.required[k2] - cover[k2], k2)
                    on_value = values.on[index] @ gain
                    for j, o2 in enumerate(candidates):
                        positions = opts[o2].brk.shape[0]
                        if positions:
                            r0 = values.first[o2]
                            losses = values.brk[r0 : r0 + positions] @ gain
                        else:
                            losses = np.zeros(1)
                        fair_delta = 0.0
                        new = opts[o2]
                        if plan.fair_group is not None and (
                            new.late != opt.late or new.weekend != opt.weekend
                        ):
                            g = plan.fair_group
                            for measure, was, now_flag in (
                                (0, opt.late, new.late),
                                (1, opt.weekend, new.weekend),
                            ):
                                if was == now_flag:
                                    continue
                                now = counts[a][measure]
                                changed = now - int(was) + int(now_flag)
                                fair_delta += _FAIRNESS_WEIGHT * (
                                    spread(g, measure, a, changed) - spread(g, measure, a, now)
                                )
                        for p2 in range(len(losses)):
                            value = float(on_value[j] - losses[p2]) - fair_delta
                            spot = p2 if positions else -1
                            if (o2, k2, spot) == (o, k, p):
                                current_value = value
                            elif value > best_value:
                                best_value = value
                                best_move = (o2, k2, spot)
                if (
                    current_value > -math.inf
                    and best_value > current_value + 1e-6
                    and _exact_gain(week, cover, (o, k, p), best_move) > 1e-6
                ):
                    o2, k2, p2 = best_move
                    out[a][slot] = best_move
                    counts[a][0] += int(opts[o2].late) - int(opt.late)
                    counts[a][1] += int(opts[o2].weekend) - int(opt.weekend)
                    cover[k2] += _effective(opts[o2], p2)
                    improved = True
                elif k >= 0:
                    cover[k] += _effective(opt, p)
            out[a].sort(key=lambda q: opts[q[0]].start)
    return out


# ------------------------------------------------------------------------------- search


def generate_roster(
    problem: RosterProblem,
    time_limit: float = 60.0,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
) -> RosterResult:
    """Build the week's roster within ``time_limit`` seconds (see the module docstring).

    ``should_stop`` is polled while the solver runs; when it returns True the solver is
    killed and the best roster found so far comes back. With ``time_limit`` 0 only the
    heuristic runs. The answer always keeps every rule for every agent. When the solver
    proves its shortage within the time, the roster depends only on the problem and
    ``seed``, not on the timing.

    Raises
    ------
    ValueError
        If ``problem.week`` is not a Monday or the volume cannot be staffed at all.
    """
    began = _clock.monotonic()
    limit = max(0.0, float(time_limit))
    deadline = began + limit
    stop = should_stop or (lambda: False)
    # The solver processes start first: they import scipy while the week is prepared. One
    # solves the class model; the other, at a lower priority so as not to slow it down on a
    # busy machine, its LP relaxation, for a rounded roster (and a bound) should the integer
    # solve not finish in time.
    solver = _Solver(deadline, stop)
    helper = _Solver(deadline, stop, nice=_HELPER_NICE)
    use_solver = limit > 0
    if use_solver:
        try:
            solver.start()
            helper.start()
        except OSError:
            use_solver = False
    try:
        week = _prepare(problem)
        active = [p for p in week.plans if p.target_minutes > 0 and p.options.size]
        use_solver = use_solver and bool(active) and bool(week.skills)
        values = week.values = _Values(week)
        lower = _counting_bound(week, active)
        by_solver = False
        classes = _classes(active)
        model: _Milp | None = None
        sent_milp = sent_lp = False
        reserve = min(0.3 * limit, 1.5 + 0.006 * len(active))
        if use_solver and not stop():
            model = _build(week, classes, week.kept_cover)
            left = deadline - _clock.monotonic() - reserve
            # Every roster's shortage is a multiple of 1/q: once the bound is within less
            # than that of the incumbent, the incumbent's shortage is proven optimal.
            q = week.granularity
            step = 0.99 * model.scale / q if q else None
            sent_milp = solver.send(model, limit=left, gap=1e-6, abs_gap=step)
            sent_lp = helper.send(model, limit=left, relax=True)

        _log.debug("prepared and sent: %.2f s", _clock.monotonic() - began)
        # The heuristic runs here, while the solver works in its own process.
        best = _greedy(week, values=values)
        spare = 0.3 if not sent_milp else min(1.0, 0.05 * limit)
        best = _improve(week, best, budget=spare, rng=random.Random(f"{seed}:heuristic"))
        best = _polish(week, best, budget=0.5)
        score = _score(week, best)
        _log.debug("heuristic %s: %.2f s", score, _clock.monotonic() - began)

        def realise(x: FloatArray, most: float, stream: str) -> tuple[_Picks, _Score]:
            assert model is not None
            rng = random.Random(f"{seed}:{stream}")
            found, broken = _from_classes(week, model, classes, x, rng)
            if broken:
                found = _greedy(week, [week.plans[a] for a in broken], found, values)
            found = {a: v for a, v in found.items() if _valid_week(week, week.plans[a], v)}
            budget = max(0.1, min(most, 0.5 * (deadline - _clock.monotonic())))
            found = _improve(week, found, budget=budget, rng=rng)
            found = _polish(week, found, budget=max(0.1, 0.5 * (deadline - _clock.monotonic())))
            return found, _score(week, found)

        # The class model's answer when it proves its shortage; the rounded relaxation only
        # when it does not (then whichever is better), so that a proven answer never depends
        # on how far the relaxation got meanwhile. The relaxation is rounded as soon as it
        # comes, while the class model is still at work.
        assert model is not None or not (sent_lp or sent_milp)
        relaxed: dict[str, Any] | None = None
        rounded: tuple[_Picks, _Score] | None = None
        res: dict[str, Any] | None = None
        proven = False
        waiting_lp, waiting_milp = sent_lp, sent_milp
        while waiting_lp or waiting_milp:
            if waiting_milp:
                answer = solver.wait(_clock.monotonic() + 0.05 if waiting_lp else None)
                if answer is not _PENDING:
                    waiting_milp = False
                    res = answer if isinstance(answer, dict) else None
                    _log.debug(
                        "class model %s: %.2f s",
                        None if res is None else (res["status"], res["fun"], res["dual"]),
                        _clock.monotonic() - began,
                    )
                    if res is not None and res["x"] is not None and model is not None:
                        dual = res["dual"]
                        if dual is not None and math.isfinite(dual):
                            lower = max(lower, _round_up(week, model.shortage_bound(dual)))
                        proven = (res["fun"] or 0.0) / model.scale <= lower + 1e-6
                    if proven:
                        helper.close()
                        waiting_lp = False
            if waiting_lp:
                answer = helper.wait(_clock.monotonic() + 0.05 if waiting_milp else None)
                if answer is not _PENDING:
                    waiting_lp = False
                    relaxed = answer if isinstance(answer, dict) else None
                    helper.close()
                    _log.debug(
                        "relaxation %s: %.2f s",
                        None if relaxed is None else relaxed["fun"],
                        _clock.monotonic() - began,
                    )
                    usable = (
                        relaxed is not None
                        and relaxed["status"] == 0
                        and relaxed["x"] is not None
                        and relaxed["fun"] is not None
                    )
                    if not usable:
                        relaxed = None
                    elif waiting_milp:
                        assert relaxed is not None
                        rounded = realise(relaxed["x"], 0.02 * limit, "relaxation")
                        _log.debug("rounded %s: %.2f s", rounded[1], _clock.monotonic() - began)
        if model is not None:
            # An answer that leaves hours unworked is the empty roster the solver starts from.
            most = model.scale * float(np.clip(week.residual, 0.0, None).sum()) + 1e-6
            found_rosters: list[tuple[_Picks, _Score]] = []
            if res is not None and res["x"] is not None and (res["fun"] or 0.0) <= most:
                found_rosters.append(realise(res["x"], 0.1 * limit, "class model"))
                elapsed = _clock.monotonic() - began
                _log.debug("solver roster %s: %.2f s", found_rosters[-1][1], elapsed)
            if not proven and relaxed is not None and relaxed["fun"] is not None:
                lower = max(lower, _round_up(week, model.shortage_bound(relaxed["fun"])))
                found_rosters.append(rounded or realise(relaxed["x"], 0.02 * limit, "relaxation"))
            for found, found_score in found_rosters:
                if found_score.objective <= score.objective + 1e-7:
                    best, score, by_solver = found, found_score, True
    finally:
        solver.close()
        helper.close()

    rounds = solver.rounds + helper.rounds
    return _finish(week, best, lower, by_solver, _clock.monotonic() - began, rounds)


# ------------------------------------------------------------------------------- results


def _finish(
    week: _Week, picks: _Picks, lower: float, by_solver: bool, seconds: float, rounds: int
) -> RosterResult:
    problem = week.problem
    tz = problem.tz
    infos = {
        a.agent_id: AgentInfo(
            agent_id=a.agent_id, name=a.name, skills=a.skills, weekly_hours=a.weekly_hours
        )
        for a in problem.agents
    }
    ctx = RosterContext(
        tz=tz,
        rules=problem.rules,
        target=problem.target,
        agents=infos,
        shifts=tuple(problem.history) + tuple(problem.kept),
        leaves=tuple(problem.leaves),
        now=week.start,
    )
    fmt = Formatter(tz, infos)
    fixed: dict[str, list[Shift]] = {}
    for s in (*problem.history, *problem.kept):
        if s.agent_id:
            fixed.setdefault(s.agent_id, []).append(s)
    leave_days: dict[str, set[date]] = {}
    for lv in problem.leaves:
        leave_days.setdefault(lv.agent_id, set()).add(lv.day)

    shifts: list[Shift] = []
    dropped: list[Violation] = []
    final: _Picks = {}
    for plan in week.plans:
        chosen = list(picks.get(plan.index, []))
        agent_id = plan.agent.agent_id
        while chosen:
            made = [_shift(week, plan, pick) for pick in chosen]
            before = sorted(fixed.get(agent_id, []), key=lambda s: (s.start, s.end))
            after = roster_after(before, set(), made)
            broken = agent_violations(
                agent_id, before, after, made, leave_days.get(agent_id, set()), ctx, fmt
            )
            if not broken:
                break
            dropped.extend(broken)
            chosen = chosen[:-1]
        if chosen:
            final[plan.index] = chosen
            shifts.extend(_shift(week, plan, pick) for pick in chosen)

    grid = [week.start + timedelta(seconds=week.interval * i) for i in range(week.n)]
    scheduled = coverage(
        [*shifts, *(s for s in problem.kept if s.agent_id)], grid, week.interval, week.skills
    )
    short = 0.0
    surplus = 0.0
    for k, skill in enumerate(week.skills):
        diff = week.required[k] - scheduled[skill]
        short += float(np.clip(diff, 0.0, None).sum())
        surplus += float(np.clip(-diff, 0.0, None).sum())
    short = _tidy(short)
    lower = min(lower, short)

    fairness: list[FairnessFigure] = []
    members: dict[int, list[tuple[int, int]]] = {}
    for plan in week.plans:
        if plan.fair_group is not None:
            members.setdefault(plan.fair_group, []).append(_counts(week, final, plan.index))
    for g, counts in sorted(members.items()):
        late = [c[0] for c in counts]
        weekend = [c[1] for c in counts]
        fairness.append(
            FairnessFigure(
                group=week.groups[g],
                agents=len(counts),
                late_min=min(late),
                late_max=max(late),
                weekend_min=min(weekend),
                weekend_max=max(weekend),
            )
        )

    contracts: list[ContractOutcome] = []
    for plan in week.plans:
        if plan.contract_hours <= 0:
            continue
        got = sum(week.options[o].hours for o, _k, _p in final.get(plan.index, []))
        reason = plan.reason
        if reason is None and _minutes(got) < plan.target_minutes:
            reason = "rules"
        contracts.append(
            ContractOutcome(
                agent_id=plan.agent.agent_id,
                contract_hours=plan.contract_hours,
                leave_hours=plan.leave_hours,
                kept_hours=plan.kept_hours,
                wanted_hours=plan.wanted_minutes / 60.0,
                target_hours=plan.target_minutes / 60.0,
                scheduled_hours=got,
                reason=reason,
            )
        )

    proven = short - lower <= max(_OPTIMAL_GAP * short, 1e-6)
    status: Status = "optimal" if proven else ("feasible" if by_solver else "fallback")
    shifts.sort(key=lambda s: (s.start, s.agent_id))
    return RosterResult(
        status=status,
        shifts=tuple(shifts),
        required=_tidy(float(week.required.sum())),
        understaffed=short,
        lower_bound=_tidy(lower),
        overstaffed=_tidy(surplus),
        fairness=tuple(fairness),
        contracts=tuple(contracts),
        seconds=seconds,
        solver_rounds=rounds,
        dropped=tuple(dropped),
    )


def _tidy(value: float) -> float:
    """Float noise off a sum of coverage fractions."""
    return round(value, 6) + 0.0


def _shift(week: _Week, plan: _Plan, pick: _Pick) -> Shift:
    o, k, p = pick
    opt = week.options[o]
    skill = week.skills[k] if k >= 0 else plan.default_skill
    breaks = (Window(*opt.breaks[p]),) if p >= 0 and opt.breaks else ()
    return Shift(
        agent_id=plan.agent.agent_id,
        local_date=week.day_dates[opt.day],
        start=opt.start,
        end=opt.end,
        skill=skill,
        breaks=breaks,
    )
