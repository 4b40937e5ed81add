"""Roster rules: is a swap, give-away, take, leave or cover allowed?

:func:`validate` is a pure function of plain data: a :class:`RosterChange` (what leaves and
enters the roster) checked against a :class:`RosterContext` (the team's rules, agents, the
roster around the change, approved leave, the current instant and optionally interval demand).
It returns every rule the change breaks, each as a :class:`Violation` whose ``rule`` is one of
:data:`RULE_KEYS` (CONTRACT §3) and whose ``message`` is one line naming the people, shifts and
numbers, with times local to the team's zone.

All durations are measured on real UTC instants, so rest and paid hours stay correct across
midnight and DST changes; days and ISO weeks are the team's local dates (a shift belongs to
the local date it starts on).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from planner.model import AgentInfo, Demand, Leave, ServiceTarget, Shift, TeamRules, Window

__all__ = [
    "RULE_KEYS",
    "ChangeKind",
    "RosterChange",
    "RosterContext",
    "Violation",
    "validate",
]

ChangeKind = Literal["swap", "giveaway", "take", "leave", "cover"]

RULE_KEYS: tuple[str, ...] = (
    "min_rest_hours",
    "max_weekly_hours",
    "max_consecutive_days",
    "swap_cutoff_hours",
    "max_off_per_day",
    "skill",
    "overlap",
    "on_leave",
    "no_shift",
    "staffing",
)
"""Every rule key, in the order :func:`validate` reports violations."""

_RULE_ORDER = {key: i for i, key in enumerate(RULE_KEYS)}
_EPS = 1e-9
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class RosterChange:
    """A proposed change to the roster.

    A swap of A's shift ``s1`` with B's shift ``s2`` is ``remove=(s1, s2)``,
    ``add=(s1.reassigned(B), s2.reassigned(A))``; a give-away, take or cover of ``s`` to C is
    ``remove=(s,)``, ``add=(s.reassigned(C),)``; leave is ``leaves=(Leave(a, d), ...)`` plus
    ``remove=`` the agent's shifts on those days.
    """

    kind: ChangeKind
    requester: str
    remove: tuple[Shift, ...] = ()
    add: tuple[Shift, ...] = ()
    leaves: tuple[Leave, ...] = ()
    by_lead: bool = False


@dataclass(frozen=True)
class RosterContext:
    """What the rules see: the team, its roster around the change and the current instant.

    ``shifts`` must hold at least the ISO weeks the change touches and
    ``max_consecutive_days + 2`` days on each side; ``leaves`` are the team's approved leave
    days. ``demand`` of ``None`` skips the staffing rule.
    """

    tz: ZoneInfo
    rules: TeamRules
    target: ServiceTarget
    agents: Mapping[str, AgentInfo]
    shifts: tuple[Shift, ...]
    leaves: tuple[Leave, ...]
    now: datetime
    demand: Demand | None = None


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``rule`` is a key of :data:`RULE_KEYS`.

    ``code`` names the message (the catalog's ``rule.<code>``) and ``params`` its values
    (names, local datetimes, numbers), so the edge words it in the reader's language;
    ``message`` is the English line, starting with the rule key, for logs and tests.
    """

    rule: str
    message: str
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)


def _violation(rule: str, text: str) -> Violation:
    return Violation(rule, f"{rule}: {text}")


def fmt_number(value: float) -> str:
    """``8`` for 8.0, ``10.5`` for 10.5, at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def join_names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


class Formatter:
    """Human formatting of people, instants, days and shifts in the team's zone."""

    def __init__(self, tz: ZoneInfo, agents: Mapping[str, AgentInfo]) -> None:
        self.tz = tz
        self.agents = agents

    def name(self, agent_id: str) -> str:
        info = self.agents.get(agent_id)
        return info.name if info is not None and info.name else agent_id

    def clock(self, instant: datetime) -> str:
        local = instant.astimezone(self.tz)
        return f"{local:%H:%M}"

    def at(self, instant: datetime) -> str:
        """``Fri 22:00``."""
        local = instant.astimezone(self.tz)
        return f"{_WEEKDAYS[local.weekday()]} {local:%H:%M}"

    @staticmethod
    def day(day: date) -> str:
        """``Fri 27 Nov``."""
        return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"

    def span(self, start: datetime, end: datetime) -> str:
        """``Fri 08:00–16:00``; ``Thu 22:00–Fri 06:00`` when it ends on a later day."""
        first = start.astimezone(self.tz)
        last = end.astimezone(self.tz)
        if last.date() != first.date() and (last.hour, last.minute) != (0, 0):
            return f"{self.at(start)}–{self.at(end)}"
        return f"{self.at(start)}–{self.clock(end)}"

    def shift(self, shift: Shift) -> str:
        return self.span(shift.start, shift.end)


def _iso_week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


def roster_after(before: Sequence[Shift], removed: Set[int], added: Sequence[Shift]) -> list[Shift]:
    """One agent's shifts after the change, sorted by start.

    ``removed`` holds the ``id()`` of the objects of ``before`` that leave; an added shift with
    a database id replaces the agent's existing shift with that id.
    """
    added_ids = {a.id for a in added if a.id is not None}
    kept = [s for s in before if id(s) not in removed and (s.id is None or s.id not in added_ids)]
    return sorted([*kept, *added], key=lambda s: (s.start, s.end))


def neighbours(shift: Shift, roster: Sequence[Shift]) -> tuple[Shift | None, Shift | None]:
    """The shift ending last before ``shift`` starts and the one starting first after it ends."""
    prev: Shift | None = None
    nxt: Shift | None = None
    for other in roster:
        if other is shift:
            continue
        if other.end <= shift.start and (prev is None or other.end > prev.end):
            prev = other
        if other.start >= shift.end and (nxt is None or other.start < nxt.start):
            nxt = other
    return prev, nxt


def _run_of(day: date, worked: Set[date]) -> tuple[date, date]:
    first = last = day
    while first - timedelta(days=1) in worked:
        first -= timedelta(days=1)
    while last + timedelta(days=1) in worked:
        last += timedelta(days=1)
    return first, last


def agent_violations(
    agent_id: str,
    before: Sequence[Shift],
    after: Sequence[Shift],
    checked: Sequence[Shift],
    leave_days: Set[date],
    ctx: RosterContext,
    fmt: Formatter,
) -> list[Violation]:
    """The rules about one agent who gains the shifts ``checked``.

    ``before``/``after`` are the agent's roster around the change; only rest, hours and runs
    that involve a gained shift are judged, and weekly hours and consecutive days only when
    the change makes them worse, so a roster already over a limit can still be relieved.
    """
    rules = ctx.rules
    name = fmt.name(agent_id)
    info = ctx.agents.get(agent_id)
    out: list[Violation] = []

    if info is not None:
        for a in checked:
            if a.skill not in info.skills:
                out.append(
                    _violation(
                        "skill", f"{name} does not have {a.skill}, needed for {fmt.shift(a)}"
                    )
                )

    for a in checked:
        if a.local_date in leave_days:
            out.append(
                _violation(
                    "on_leave",
                    f"{name} is on leave on {fmt.day(a.local_date)}, the day of {fmt.shift(a)}",
                )
            )

    seen_pairs: set[tuple[int, int]] = set()
    for a in checked:
        for other in after:
            if other is a or not (other.start < a.end and a.start < other.end):
                continue
            pair = (min(id(a), id(other)), max(id(a), id(other)))
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
            earlier, later = sorted((a, other), key=lambda s: (s.start, s.end))
            out.append(
                _violation(
                    "overlap",
                    f"{name} would work {fmt.shift(earlier)} and {fmt.shift(later)} "
                    "at the same time",
                )
            )

    seen_pairs = set()
    minimum = rules.min_rest_hours
    for a in checked:
        prev, nxt = neighbours(a, after)
        for left, right in ((prev, a), (a, nxt)):
            if left is None or right is None:
                continue
            pair = (id(left), id(right))
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
            rest = _hours(right.start - left.end)
            if rest < minimum - _EPS:
                out.append(
                    _violation(
                        "min_rest_hours",
                        f"{name} would have {fmt_number(rest)} h between {fmt.at(left.end)} "
                        f"and {fmt.at(right.start)}; the minimum is {fmt_number(minimum)} h",
                    )
                )

    weeks = list(dict.fromkeys(_iso_week(a.local_date) for a in checked))
    for year, week in weeks:
        hours_before = sum(s.hours for s in before if _iso_week(s.local_date) == (year, week))
        hours_after = sum(s.hours for s in after if _iso_week(s.local_date) == (year, week))
        limit = rules.max_weekly_hours
        if hours_after > limit + _EPS and hours_after > hours_before + _EPS:
            monday = date.fromisocalendar(year, week, 1)
            out.append(
                _violation(
                    "max_weekly_hours",
                    f"{name} would work {fmt_number(hours_after)} h in the week of "
                    f"{fmt.day(monday)}; the maximum is {fmt_number(limit)} h",
                )
            )

    worked_before = {s.local_date for s in before}
    worked_after = {s.local_date for s in after}
    seen_runs: set[date] = set()
    for a in checked:
        first, last = _run_of(a.local_date, worked_after)
        if first in seen_runs:
            continue
        seen_runs.add(first)
        length = (last - first).days + 1
        if a.local_date in worked_before:
            b_first, b_last = _run_of(a.local_date, worked_before)
            length_before = (b_last - b_first).days + 1
        else:
            length_before = 0
        if length > rules.max_consecutive_days and length > length_before:
            out.append(
                _violation(
                    "max_consecutive_days",
                    f"{name} would work {length} days in a row, {fmt.day(first)} to "
                    f"{fmt.day(last)}; the maximum is {rules.max_consecutive_days}",
                )
            )
    return out


def _unique(shifts: Iterable[Shift]) -> list[Shift]:
    return list(dict.fromkeys(shifts))


def validate(change: RosterChange, ctx: RosterContext) -> list[Violation]:
    """Every rule ``change`` breaks in ``ctx``, ordered by :data:`RULE_KEYS`, then by change order.

    An empty list means the change is allowed. Judged are the agents who gain a shift (rest
    next to it, overlap, leave, skill, and their weekly hours and runs of days where the change
    makes them longer), the removed shifts (they must still be in the roster as given; the
    swap cutoff unless ``by_lead`` or a leave), new leave days (daily maximum) and, with
    demand, the intervals whose coverage the change lowers. Re-adding a removed shift unchanged
    to the same agent is not judged again. Unknown agents are reported under ``no_shift``
    (the requester too, unless a lead acts).

    Cost: two passes over ``ctx.shifts`` (the affected agents' shifts; shifts of the changed
    skills near the change, only when coverage changes) and coverage over the touched demand
    intervals only.
    """
    fmt = Formatter(ctx.tz, ctx.agents)
    out: list[Violation] = []
    removed = _unique(change.remove)
    added = _unique(change.add)

    referenced = dict.fromkeys(
        [
            *(() if change.by_lead else (change.requester,)),
            *(s.agent_id for s in removed),
            *(s.agent_id for s in added),
            *(lv.agent_id for lv in change.leaves),
        ]
    )
    for agent_id in referenced:
        if agent_id not in ctx.agents:
            out.append(_violation("no_shift", f"there is no agent {agent_id!r} in this team"))

    affected = {s.agent_id for s in added} | {s.agent_id for s in removed}
    wanted_ids = {r.id for r in removed if r.id is not None}
    wanted_times = {(r.agent_id, r.start, r.end) for r in removed if r.id is None}
    relevant = [s for s in ctx.shifts if s.agent_id in affected or s.id in wanted_ids]
    by_agent: dict[str, list[Shift]] = {a: [] for a in affected}
    found_by_id: dict[int, Shift] = {}
    found_by_time: dict[tuple[str, datetime, datetime], Shift] = {}
    for s in relevant:
        own = by_agent.get(s.agent_id)
        if own is not None:
            own.append(s)
        if s.id is not None and s.id in wanted_ids:
            found_by_id.setdefault(s.id, s)
        if wanted_times:
            found_by_time.setdefault((s.agent_id, s.start, s.end), s)

    staffing = _StaffingScope.build(ctx.demand, removed, added)
    near: list[Shift] = []
    if staffing is not None:
        skills, first, last = staffing.skills, staffing.start, staffing.end
        near = [s for s in ctx.shifts if s.skill in skills and s.start < last and s.end > first]

    leaving: set[int] = set()
    exact: set[int] = set()
    for r in removed:
        found = found_by_id.get(r.id) if r.id is not None else None
        if r.id is None:
            found = found_by_time.get((r.agent_id, r.start, r.end))
        who = fmt.name(r.agent_id)
        if found is None:
            if r.agent_id in ctx.agents:
                out.append(_no_shift_message(r, by_agent.get(r.agent_id, []), fmt))
            continue
        if found.agent_id != r.agent_id:
            out.append(
                _violation(
                    "no_shift",
                    f"{who} no longer has the {fmt.shift(r)} shift; it is now "
                    f"{fmt.name(found.agent_id)}'s",
                )
            )
            continue
        leaving.add(id(found))
        if (found.start, found.end) != (r.start, r.end):
            out.append(
                _violation(
                    "no_shift",
                    f"{who}'s {fmt.shift(r)} shift has changed to {fmt.shift(found)}",
                )
            )
        elif found == r:
            exact.add(id(r))

    if change.kind == "swap":
        givers = {r.agent_id for r in removed}
        for agent_id in dict.fromkeys(a.agent_id for a in added):
            if agent_id not in givers and agent_id in ctx.agents:
                out.append(_violation("no_shift", f"{fmt.name(agent_id)} has no shift to swap"))

    if change.kind != "leave" and not change.by_lead:
        out.extend(_cutoff_violations(removed, ctx, fmt))

    if change.leaves:
        out.extend(_off_per_day_violations(change.leaves, ctx, fmt))

    unchanged = {id(a) for a in added if any(id(r) in exact and r == a for r in removed)}
    checked = [a for a in added if id(a) not in unchanged]
    leave_days: dict[str, set[date]] = {}
    receivers = {a.agent_id for a in checked}
    for lv in (*ctx.leaves, *change.leaves):
        if lv.agent_id in receivers:
            leave_days.setdefault(lv.agent_id, set()).add(lv.day)
    for agent_id in dict.fromkeys(a.agent_id for a in checked):
        before = sorted(by_agent[agent_id], key=lambda s: (s.start, s.end))
        gains = [a for a in checked if a.agent_id == agent_id]
        mine = [a for a in added if a.agent_id == agent_id]
        after = roster_after(before, leaving, mine)
        out.extend(
            agent_violations(
                agent_id, before, after, gains, leave_days.get(agent_id, set()), ctx, fmt
            )
        )

    if staffing is not None:
        gone = [s for s in relevant if id(s) in leaving]
        out.extend(staffing.violations(near, gone, added, ctx, fmt))

    out.sort(key=lambda v: _RULE_ORDER[v.rule])
    return out


def _no_shift_message(shift: Shift, roster: Sequence[Shift], fmt: Formatter) -> Violation:
    who = fmt.name(shift.agent_id)
    same_day = [s for s in roster if s.local_date == shift.local_date]
    if not same_day:
        return _violation("no_shift", f"{who} has no shift on {fmt.day(shift.local_date)}")
    worked = join_names([fmt.shift(s) for s in sorted(same_day, key=lambda s: s.start)])
    return _violation(
        "no_shift",
        f"{who} has no {fmt.shift(shift)} shift on {fmt.day(shift.local_date)} "
        f"(they work {worked})",
    )


def _cutoff_violations(
    removed: Sequence[Shift], ctx: RosterContext, fmt: Formatter
) -> list[Violation]:
    out: list[Violation] = []
    cutoff = ctx.rules.swap_cutoff_hours
    for r in removed:
        who = fmt.name(r.agent_id)
        if r.end <= ctx.now:
            out.append(
                _violation("swap_cutoff_hours", f"{who}'s {fmt.shift(r)} shift is already over")
            )
        elif r.start <= ctx.now:
            out.append(
                _violation("swap_cutoff_hours", f"{who}'s {fmt.shift(r)} shift has already started")
            )
        else:
            notice = _hours(r.start - ctx.now)
            if notice < cutoff - _EPS:
                out.append(
                    _violation(
                        "swap_cutoff_hours",
                        f"{who}'s {fmt.shift(r)} shift starts in {fmt_number(notice)} h; "
                        f"changes need {fmt_number(cutoff)} h notice unless a lead makes them",
                    )
                )
    return out


def _off_per_day_violations(
    leaves: Sequence[Leave], ctx: RosterContext, fmt: Formatter
) -> list[Violation]:
    new_by_day: dict[date, list[str]] = {}
    for lv in leaves:
        agents = new_by_day.setdefault(lv.day, [])
        if lv.agent_id not in agents:
            agents.append(lv.agent_id)
    approved: dict[date, list[str]] = {d: [] for d in new_by_day}
    for lv in ctx.leaves:
        others = approved.get(lv.day)
        if others is not None and lv.agent_id not in others:
            others.append(lv.agent_id)
    out: list[Violation] = []
    limit = ctx.rules.max_off_per_day
    for day, new in new_by_day.items():
        off = approved[day] + [a for a in new if a not in approved[day]]
        if len(off) > limit and len(off) > len(approved[day]):
            names = join_names([fmt.name(a) for a in off])
            out.append(
                _violation(
                    "max_off_per_day",
                    f"{len(off)} people would be off on {fmt.day(day)} ({names}); "
                    f"the maximum is {limit}",
                )
            )
    return out


def _coverage_key(shift: Shift) -> tuple[datetime, datetime, str, tuple[Window, ...]]:
    return shift.start, shift.end, shift.skill, shift.breaks


@dataclass(frozen=True)
class _StaffingScope:
    """The demand intervals and skills a change touches."""

    demand: Demand
    indices: np.ndarray
    skills: frozenset[str]
    start: datetime
    end: datetime

    @staticmethod
    def build(
        demand: Demand | None, removed: Sequence[Shift], added: Sequence[Shift]
    ) -> _StaffingScope | None:
        if demand is None or not demand.interval_starts:
            return None
        gone = Counter(_coverage_key(s) for s in removed)
        came = Counter(_coverage_key(s) for s in added)
        net = (gone - came) + (came - gone)
        changed = [
            s for s in (*removed, *added) if net[_coverage_key(s)] and s.skill in demand.calls
        ]
        if not changed:
            return None
        starts = np.fromiter(
            (t.timestamp() for t in demand.interval_starts),
            dtype=np.float64,
            count=len(demand.interval_starts),
        )
        ends = starts + demand.interval_seconds
        mask = np.zeros(len(starts), dtype=bool)
        for s in changed:
            mask |= (starts < s.end.timestamp()) & (ends > s.start.timestamp())
        indices = np.flatnonzero(mask)
        if indices.size == 0:
            return None
        touched = [demand.interval_starts[int(i)] for i in indices]
        return _StaffingScope(
            demand=demand,
            indices=indices,
            skills=frozenset(s.skill for s in changed),
            start=min(touched),
            end=max(touched) + timedelta(seconds=demand.interval_seconds),
        )

    def violations(
        self,
        before: Sequence[Shift],
        gone: Sequence[Shift],
        added: Sequence[Shift],
        ctx: RosterContext,
        fmt: Formatter,
    ) -> list[Violation]:
        """Staffing violations: coverage after is coverage before minus ``gone`` plus ``added``."""
        from planner.staffing import coverage, projected_service_level, required_agents

        demand = self.demand
        seconds = demand.interval_seconds
        skills = sorted(self.skills)
        starts = [demand.interval_starts[int(i)] for i in self.indices]
        zeros = np.zeros(len(starts), dtype=np.float64)

        def cover(shifts: Sequence[Shift]) -> dict[str, np.ndarray]:
            mine = [s for s in shifts if s.skill in self.skills]
            if not mine:
                return {}
            return coverage(mine, starts, seconds, skills)

        cov_before, cov_gone, cov_added = cover(before), cover(gone), cover(added)
        target = ctx.target
        goal = target.service_level
        out: list[Violation] = []
        for skill in skills:
            if skill not in demand.aht_seconds:
                continue
            had = np.asarray(cov_before.get(skill, zeros), dtype=np.float64)
            has = (
                had
                - np.asarray(cov_gone.get(skill, zeros), dtype=np.float64)
                + np.asarray(cov_added.get(skill, zeros), dtype=np.float64)
            )
            lost = np.flatnonzero(has < had - _EPS)
            if lost.size == 0:
                continue
            idx = self.indices[lost]
            calls = np.asarray(demand.calls[skill], dtype=np.float64)[idx]
            aht = np.asarray(demand.aht_seconds[skill], dtype=np.float64)[idx]
            had, has = had[lost], np.maximum(has[lost], 0.0)
            required = np.asarray(
                required_agents(
                    calls, aht, seconds, goal, target.target_seconds, target.max_occupancy
                )
            )
            sl_before = self._service_level(
                projected_service_level(had, calls, aht, seconds, target.target_seconds)
            )
            sl_after = self._service_level(
                projected_service_level(has, calls, aht, seconds, target.target_seconds)
            )
            bad = (has < required - _EPS) | ((sl_before >= goal - _EPS) & (sl_after < goal - _EPS))
            for run in _runs(np.flatnonzero(bad), idx):
                j = run[0]
                out.append(
                    _staffing_message(
                        skill,
                        starts[int(lost[j])],
                        seconds,
                        float(has[j]),
                        int(required[j]),
                        float(sl_after[j]),
                        goal,
                        [starts[int(lost[k])] for k in run[1:]],
                        fmt,
                    )
                )
        return out

    @staticmethod
    def _service_level(values: np.ndarray) -> np.ndarray:
        return np.nan_to_num(np.asarray(values, dtype=np.float64), nan=1.0)


def _runs(positions: np.ndarray, indices: np.ndarray) -> list[list[int]]:
    """Group positions whose demand indices are consecutive."""
    runs: list[list[int]] = []
    for p in positions.tolist():
        if runs and indices[p] == indices[runs[-1][-1]] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def _staffing_message(
    skill: str,
    start: datetime,
    seconds: int,
    scheduled: float,
    required: int,
    service_level: float,
    goal: float,
    more: Sequence[datetime],
    fmt: Formatter,
) -> Violation:
    end = start + timedelta(seconds=seconds)
    agents = "agent" if abs(scheduled - 1.0) < _EPS else "agents"
    shown = max(int(np.floor(service_level * 100.0 + _EPS)), 0)
    if service_level < goal - _EPS:
        sl = f"projected SL {shown}% < {fmt_number(goal * 100.0)}%"
    else:
        sl = f"projected SL {shown}%"
    text = (
        f"{skill} {fmt.span(start, end)} would have {fmt_number(scheduled)} {agents} on the "
        f"phones, {required} required ({sl})"
    )
    if more:
        last_end = more[-1] + timedelta(seconds=seconds)
        plural = "interval" if len(more) == 1 else "intervals"
        text += f", and {len(more)} more {plural} to {fmt.clock(last_end)}"
    return _violation("staffing", text)
