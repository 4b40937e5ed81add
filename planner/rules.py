"""Roster rules: is a swap, give-away, take, leave or cover allowed?

:func:`validate` is a pure function of plain data: a :class:`RosterChange` (what leaves and
enters the roster) checked against a :class:`RosterContext` (the team's rules, agents, the
roster around the change, approved leave, the current instant and optionally interval demand).
It returns every rule the change breaks, each as a :class:`Violation`: ``rule`` is one of
:data:`RULE_KEYS` (CONTRACT §3), ``code`` and ``params`` name the sentence and its values so
the edge words it in the reader's language (catalog id ``rule.<code>``), and ``message`` is
the English line, for logs and tests.

All durations are measured on real UTC instants, so rest and paid hours stay correct across
midnight and DST changes; days and ISO weeks are the team's local dates (a shift belongs to
the local date it starts on). Every datetime in ``params`` is local to the team's zone.
"""

from __future__ import annotations

import math
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from planner.impact import DayImpact, IntervalChange, affected_days, staffing_impact
from planner.model import AgentInfo, Demand, Leave, ServiceTarget, Shift, TeamRules, Window

__all__ = [
    "ENGLISH",
    "RULE_KEYS",
    "ChangeKind",
    "RosterChange",
    "RosterContext",
    "Violation",
    "english",
    "validate",
    "violation",
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

_SL = "projected SL on {day} {sl_before:.0%} → {sl_after:.0%} (target {target:.0%})"

ENGLISH: Mapping[str, str] = {
    "rule.min_rest_hours": (
        "min_rest_hours: {name} would have {rest} h between {from} and {to}; "
        "the minimum is {minimum} h"
    ),
    "rule.max_weekly_hours": (
        "max_weekly_hours: {name} would work {hours} h in the week of {week}; "
        "the maximum is {maximum} h"
    ),
    "rule.max_consecutive_days": (
        "max_consecutive_days: {name} would work {days} days in a row, {first} to {last}; "
        "the maximum is {maximum}"
    ),
    "rule.swap_cutoff_hours": (
        "swap_cutoff_hours: {name}'s {shift} shift starts in {notice} h; "
        "changes need {cutoff} h notice unless a lead makes them"
    ),
    "rule.swap_cutoff_hours.started": (
        "swap_cutoff_hours: {name}'s {shift} shift has already started"
    ),
    "rule.swap_cutoff_hours.over": "swap_cutoff_hours: {name}'s {shift} shift is already over",
    "rule.max_off_per_day": (
        "max_off_per_day: {count} people would be off on {day} ({names}); the maximum is {maximum}"
    ),
    "rule.max_off_per_day.none_allowed": (
        "max_off_per_day: nobody may be off on {day} ({names} asked)"
    ),
    "rule.skill": "skill: {name} does not have {skill}, needed for {shift}",
    "rule.overlap": "overlap: {name} would work {first} and {second} at the same time",
    "rule.overlap.same_times": "overlap: {name} already works {shift}",
    "rule.on_leave": "on_leave: {name} is on leave on {day}, the day of {shift}",
    "rule.no_shift.unknown_agent": "no_shift: there is no agent '{agent}' in this team",
    "rule.no_shift.no_shift_that_day": "no_shift: {name} has no shift on {day}",
    "rule.no_shift.not_that_shift": (
        "no_shift: {name} has no {shift} shift on {day} (they work {worked})"
    ),
    "rule.no_shift.now_someone_elses": (
        "no_shift: {name} no longer has the {shift} shift; it is now {holder}'s"
    ),
    "rule.no_shift.changed": "no_shift: {name}'s {shift} shift has changed to {now}",
    "rule.no_shift.nothing_to_swap": "no_shift: {name} has no shift to swap",
    "rule.staffing.short": (
        "staffing: {skill} {worst} would drop to {scheduled} on the phones, {required} needed; "
        + _SL
    ),
    "rule.staffing.short_intervals": (
        "staffing: {skill} would be short in {count} intervals, {span}; worst {worst} with "
        "{scheduled} on the phones, {required} needed; " + _SL
    ),
    "cover.has_skill": "has {skill}",
    "cover.week_hours": "{hours} h this week",
    "cover.rest_before": "{hours} h rest before",
    "cover.rest_after": "{hours} h rest after",
    "cover.no_neighbour": "no shift next to it",
    "cover.lead_off_phones": "lead, not on the phones this week",
}
"""The English text of every sentence the planner returns, by catalog id (``rule.<code>``,
``cover.<code>``). The catalog's English (``rules.po``) says exactly the same; the edge renders
the reader's language from the catalog."""

_RULE_ORDER = {key: i for i, key in enumerate(RULE_KEYS)}
_EPS = 1e-9
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ------------------------------------------------------------------------------ English words


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _day(day: date) -> str:
    """``Thu 3 Dec``."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _at(moment: datetime) -> str:
    """``Fri 22:00``."""
    return f"{_WEEKDAYS[moment.weekday()]} {moment:%H:%M}"


def _span(start: datetime, end: datetime, with_day: bool = False) -> str:
    """``Fri 08:00–16:00``; ``Thu 22:00–Fri 06:00`` when it ends on a later day."""
    head = f"{_day(start.date())} {start:%H:%M}" if with_day else _at(start)
    if end.date() != start.date() and (end.hour, end.minute) != (0, 0):
        return f"{head}–{_at(end)}"
    return f"{head}–{end:%H:%M}"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _english_value(value: object, spec: str = "", name: str = "") -> str:
    """One value as the English catalog words it (the same cases as ``bot.i18n.Words``)."""
    if isinstance(value, bool):
        return str(value)
    if name == "skill" or name.endswith("_skill"):
        if isinstance(value, str):
            return value
        if isinstance(value, list | tuple):
            return _join([str(v) for v in value])
    if isinstance(value, datetime):
        if spec == "t":
            return f"{value:%H:%M}"
        if spec == "d":
            return _day(value.date())
        if spec == "dt":
            return f"{_day(value.date())} {value:%H:%M}"
        return _at(value)
    if isinstance(value, date):
        return _day(value)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, datetime) for v in value):
        return _span(value[0], value[1], with_day=spec == "d")
    if isinstance(value, float) and not spec:
        return _number(value)
    if isinstance(value, list | tuple) and not spec:
        return _join([_english_value(v) for v in value])
    return format(value, spec)


class _EnglishFormatter(string.Formatter):
    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        obj, used = super().get_field(field_name, args, kwargs)
        return (field_name, obj), used

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        name, obj = value
        return name, super().convert_field(obj, conversion)

    def format_field(self, value: Any, format_spec: str) -> str:
        name, obj = value
        return _english_value(obj, format_spec, name)


def english(key: str, params: Mapping[str, object]) -> str:
    """The English sentence of catalog id ``key`` (see :data:`ENGLISH`) with its values."""
    return _EnglishFormatter().vformat(ENGLISH[key], (), dict(params))


def _below(value: float, limit: float) -> float:
    """``value`` to one decimal, kept under ``limit`` (10.96 h of rest against 11 is 10.9)."""
    shown = round(value, 1)
    return shown if shown < limit else math.floor(limit * 10.0 - 1e-6) / 10.0


def _above(value: float, limit: float) -> float:
    """``value`` to one decimal, kept over ``limit`` (48.02 h against 48 is 48.1)."""
    shown = round(value, 1)
    return shown if shown > limit else math.ceil(limit * 10.0 + 1e-6) / 10.0


def _percent_down(fraction: float) -> float:
    return math.floor(fraction * 100.0 + 1e-6) / 100.0


# ----------------------------------------------------------------------------------- values


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
    ``max_consecutive_days + 2`` days on each side, and, for the staffing rule, every shift of
    the days with demand (and the day before); ``leaves`` are the team's approved leave days.
    ``demand`` of ``None`` skips the staffing rule.
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

    ``code`` names the message (the catalog's ``rule.<code>``: the rule key, or the rule key
    and a variant, ``no_shift.now_someone_elses``) and ``params`` its values: display names
    (str), local aware datetimes, (start, end) pairs of local datetimes for a span, dates,
    numbers, skill codes under ``skill``, lists of names. ``message`` is the English line,
    starting with the rule key, for logs and tests; it is the English catalog's rendering.
    """

    rule: str
    message: str
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)


def violation(code: str, /, **params: object) -> Violation:
    """The violation of sentence ``code`` (a key of :data:`ENGLISH` without ``rule.``)."""
    return Violation(code.split(".", 1)[0], english("rule." + code, params), code, params)


class Formatter:
    """People by display name, instants and shift spans local to the team's zone."""

    def __init__(self, tz: ZoneInfo, agents: Mapping[str, AgentInfo]) -> None:
        self.tz = tz
        self.agents = agents

    def name(self, agent_id: str) -> str:
        info = self.agents.get(agent_id)
        return info.name if info is not None and info.name else agent_id

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def span(self, start: datetime, end: datetime) -> tuple[datetime, datetime]:
        return self.local(start), self.local(end)

    def shift(self, shift: Shift) -> tuple[datetime, datetime]:
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


# ------------------------------------------------------------------------------ the rules


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
                out.append(violation("skill", name=name, skill=a.skill, shift=fmt.shift(a)))

    for a in checked:
        if a.local_date in leave_days:
            out.append(violation("on_leave", name=name, day=a.local_date, shift=fmt.shift(a)))

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
            if fmt.shift(earlier) == fmt.shift(later):
                out.append(violation("overlap.same_times", name=name, shift=fmt.shift(a)))
            else:
                out.append(
                    violation(
                        "overlap", name=name, first=fmt.shift(earlier), second=fmt.shift(later)
                    )
                )

    seen_pairs = set()
    minimum = float(rules.min_rest_hours)
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
                    violation(
                        "min_rest_hours",
                        name=name,
                        rest=_below(rest, minimum),
                        minimum=minimum,
                        **{"from": fmt.local(left.end), "to": fmt.local(right.start)},
                    )
                )

    weeks = list(dict.fromkeys(_iso_week(a.local_date) for a in checked))
    for year, week in weeks:
        hours_before = sum(s.hours for s in before if _iso_week(s.local_date) == (year, week))
        hours_after = sum(s.hours for s in after if _iso_week(s.local_date) == (year, week))
        limit = float(rules.max_weekly_hours)
        if hours_after > limit + _EPS and hours_after > hours_before + _EPS:
            out.append(
                violation(
                    "max_weekly_hours",
                    name=name,
                    hours=_above(hours_after, limit),
                    week=date.fromisocalendar(year, week, 1),
                    maximum=limit,
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
                violation(
                    "max_consecutive_days",
                    name=name,
                    days=length,
                    first=first,
                    last=last,
                    maximum=rules.max_consecutive_days,
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
    demand, the intervals whose coverage the change lowers (see :func:`_staffing_violations`).
    Re-adding a removed shift unchanged to the same agent is not judged again. Unknown agents
    are reported under ``no_shift`` (the requester too, unless a lead acts).

    Cost: two passes over ``ctx.shifts`` (the affected agents' shifts; the shifts of the
    changed skills on the changed days, only when coverage changes) and one
    :func:`planner.impact.staffing_impact` over those days.
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
            out.append(violation("no_shift.unknown_agent", agent=agent_id))

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

    leaving: set[int] = set()
    exact: set[int] = set()
    for r in removed:
        found = found_by_id.get(r.id) if r.id is not None else None
        if r.id is None:
            found = found_by_time.get((r.agent_id, r.start, r.end))
        who = fmt.name(r.agent_id)
        if found is None:
            if r.agent_id in ctx.agents:
                out.append(_no_shift_violation(r, by_agent.get(r.agent_id, []), fmt))
            continue
        if found.agent_id != r.agent_id:
            out.append(
                violation(
                    "no_shift.now_someone_elses",
                    name=who,
                    shift=fmt.shift(r),
                    holder=fmt.name(found.agent_id),
                )
            )
            continue
        leaving.add(id(found))
        if (found.start, found.end) != (r.start, r.end):
            out.append(
                violation("no_shift.changed", name=who, shift=fmt.shift(r), now=fmt.shift(found))
            )
        elif found == r:
            exact.add(id(r))

    if change.kind == "swap":
        givers = {r.agent_id for r in removed}
        for agent_id in dict.fromkeys(a.agent_id for a in added):
            if agent_id not in givers and agent_id in ctx.agents:
                out.append(violation("no_shift.nothing_to_swap", name=fmt.name(agent_id)))

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

    if ctx.demand is not None:
        gone = [s for s in relevant if id(s) in leaving]
        out.extend(_staffing_violations(ctx.demand, gone, added, ctx))

    out.sort(key=lambda v: _RULE_ORDER[v.rule])
    return out


def no_shift_that_day(name: str, day: date) -> Violation:
    """``no_shift: Eve has no shift on Thu 3 Dec`` (``name`` is a display name)."""
    return violation("no_shift.no_shift_that_day", name=name, day=day)


def _no_shift_violation(shift: Shift, roster: Sequence[Shift], fmt: Formatter) -> Violation:
    who = fmt.name(shift.agent_id)
    same_day = [s for s in roster if s.local_date == shift.local_date]
    if not same_day:
        return no_shift_that_day(who, shift.local_date)
    return violation(
        "no_shift.not_that_shift",
        name=who,
        shift=fmt.shift(shift),
        day=shift.local_date,
        worked=[fmt.shift(s) for s in sorted(same_day, key=lambda s: (s.start, s.end))],
    )


def _cutoff_violations(
    removed: Sequence[Shift], ctx: RosterContext, fmt: Formatter
) -> list[Violation]:
    out: list[Violation] = []
    cutoff = float(ctx.rules.swap_cutoff_hours)
    for r in removed:
        who = fmt.name(r.agent_id)
        if r.end <= ctx.now:
            out.append(violation("swap_cutoff_hours.over", name=who, shift=fmt.shift(r)))
        elif r.start <= ctx.now:
            out.append(violation("swap_cutoff_hours.started", name=who, shift=fmt.shift(r)))
        else:
            notice = _hours(r.start - ctx.now)
            if notice < cutoff - _EPS:
                out.append(
                    violation(
                        "swap_cutoff_hours",
                        name=who,
                        shift=fmt.shift(r),
                        notice=_below(notice, cutoff),
                        cutoff=cutoff,
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
            names = [fmt.name(a) for a in off]
            if limit <= 0:
                out.append(violation("max_off_per_day.none_allowed", day=day, names=names))
                continue
            out.append(
                violation("max_off_per_day", count=len(off), day=day, names=names, maximum=limit)
            )
    return out


# ------------------------------------------------------------------------------- staffing


def _coverage_key(shift: Shift) -> tuple[datetime, datetime, str, tuple[Window, ...]]:
    return shift.start, shift.end, shift.skill, shift.breaks


def _staffing_violations(
    demand: Demand, gone: Sequence[Shift], added: Sequence[Shift], ctx: RosterContext
) -> list[Violation]:
    """``staffing``: an interval whose coverage the change lowers ends below required.

    One violation per local day and skill, naming the worst such interval (fewest agents
    against required) and the day's projected service level for that skill before and after,
    with the figures of :func:`planner.impact.staffing_impact` (those of the ``staffing``
    command). Falling below required is the same as the interval's projected service level
    falling under the target (required agents are the fewest that meet it), so that case
    needs no second test.
    """
    if not demand.interval_starts:
        return []
    left = Counter(_coverage_key(s) for s in gone)
    came = Counter(_coverage_key(s) for s in added)
    net = (left - came) + (came - left)
    moved = [s for s in (*gone, *added) if net[_coverage_key(s)] and s.skill in demand.calls]
    if not moved:
        return []
    skills = {s.skill for s in moved}
    days = affected_days(moved, ctx.tz)
    lo = datetime.combine(days[0], time(0), tzinfo=ctx.tz).astimezone(UTC)
    hi = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=ctx.tz).astimezone(UTC)
    near = [s for s in ctx.shifts if s.skill in skills and s.start < hi and s.end > lo]
    impact = staffing_impact(demand, ctx.target, near, gone, added, ctx.tz)
    out: list[Violation] = []
    for day in impact.days:
        short = [c for c in day.changes if c.after < c.before - _EPS and c.gap_after < -_EPS]
        if short:
            out.append(_staffing_violation(day, short, ctx.target.service_level))
    return out


def _staffing_violation(day: DayImpact, short: Sequence[IntervalChange], goal: float) -> Violation:
    worst = min(short, key=lambda c: (c.gap_after, c.start))
    common: dict[str, object] = {
        "skill": day.skill,
        "day": day.day,
        "worst": (worst.start, worst.end),
        "scheduled": _below(max(worst.after, 0.0), worst.required),
        "required": worst.required,
        "sl_before": _percent_down(day.sl_before),
        "sl_after": _percent_down(day.sl_after),
        "target": goal,
    }
    if len(short) == 1:
        return violation("staffing.short", **common)
    return violation(
        "staffing.short_intervals",
        count=len(short),
        span=(short[0].start, short[-1].end),
        **common,
    )
