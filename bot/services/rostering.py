"""Roster generation: a week's shifts from the stored demand, the templates and the contracts.

Three steps, so that no transaction is held while the solver works:

1. :func:`load_week` reads, in a read-only unit of work, everything the week is built on:
   the team's rules and service target, its shift templates, the people with a contract
   (``weekly_hours`` above 0), the week's demand (history where it happened, else the
   imported or the model's forecast), approved leave and sick calls, the shifts of the
   days around the week (rest and runs across its edges), and the week's shifts that stay
   as they are: those a request is about (approved or pending, or freed for cover) and
   those of people the roster does not plan. The rest of the week's shifts are what a new
   roster replaces. ``basis`` is a digest of all of it.
2. :func:`solve` runs :func:`planner.rostering.generate_roster` within a time limit.
3. :func:`apply_roster` (or :func:`save_draft` then :func:`apply_draft`, for chat) stores
   the new shifts in one transaction that first re-reads the week under lock: when its
   digest differs from ``basis`` nothing is written. Every removed and created shift is
   audited.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bot.services.errors import BadRequest, Conflict, InvalidTransition, NotAllowed, UnknownTeam
from bot.services.ports import UnitOfWork
from planner.model import Demand, Leave, Window
from planner.model import Shift as PlanShift
from planner.rostering import (
    FairnessFigure,
    RosterAgent,
    RosterProblem,
    RosterResult,
    ShiftTemplate,
    generate_roster,
)
from planner.staffing import UNREACHABLE, required_agents
from storage import repository as repo
from storage import rosters as store
from storage.tables import RosterDraft, Team

CHAT_TIME_LIMIT = 20.0
"""Seconds a roster may take when a lead asks in chat (``SHIFTBOT_ROSTER_TIME_LIMIT``)."""
MAX_TIME_LIMIT = 3600.0


def chat_time_limit(environ: dict[str, str] | None = None) -> float:
    """``SHIFTBOT_ROSTER_TIME_LIMIT`` (seconds, 0 to 3600), else :data:`CHAT_TIME_LIMIT`."""
    raw = (os.environ if environ is None else environ).get("SHIFTBOT_ROSTER_TIME_LIMIT", "")
    try:
        value = float(raw)
    except ValueError:
        return CHAT_TIME_LIMIT
    if not 0 <= value <= MAX_TIME_LIMIT:
        return CHAT_TIME_LIMIT
    return value


# ---------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class ShiftRow:
    """One row of the shifts format (CONTRACT §2.3, with ``breaks``); local wall-clock."""

    agent_id: str
    date: str
    start: str
    end: str
    skill: str
    breaks: str

    def as_dict(self) -> dict[str, str]:
        return {
            "agent_id": self.agent_id,
            "date": self.date,
            "start": self.start,
            "end": self.end,
            "skill": self.skill,
            "breaks": self.breaks,
        }


@dataclass(frozen=True)
class ContractShort:
    """Someone whose week falls short of their contract, and the rule that stops it."""

    agent_id: str
    name: str
    contract_hours: float
    hours: float  # generated, plus leave and kept shifts
    reason: str


@dataclass(frozen=True)
class RosterSummary:
    """The figures of a generated week, as values for words and JSON."""

    team: str
    week: date
    status: str
    seconds: float
    required: float
    understaffed: float
    lower_bound: float
    overstaffed: float
    shifts: int
    people: int
    kept: int
    replaced: int
    fairness: tuple[FairnessFigure, ...]
    contracts: int
    short: tuple[ContractShort, ...] = ()

    @property
    def gap(self) -> float:
        if self.understaffed <= 1e-9:
            return 0.0
        return max(0.0, (self.understaffed - self.lower_bound) / self.understaffed)

    @property
    def late_spread(self) -> int:
        return max((f.late_spread for f in self.fairness), default=0)

    @property
    def weekend_spread(self) -> int:
        return max((f.weekend_spread for f in self.fairness), default=0)

    def fairness_json(self) -> dict[str, Any]:
        return {
            "late_spread": self.late_spread,
            "weekend_spread": self.weekend_spread,
            "groups": [
                {
                    "group": f.group,
                    "agents": f.agents,
                    "late_min": f.late_min,
                    "late_max": f.late_max,
                    "weekend_min": f.weekend_min,
                    "weekend_max": f.weekend_max,
                }
                for f in self.fairness
            ],
        }

    def as_json(self) -> dict[str, Any]:
        """What a draft stores, to word it again later."""
        return {
            "status": self.status,
            "seconds": self.seconds,
            "required": self.required,
            "understaffed": self.understaffed,
            "lower_bound": self.lower_bound,
            "overstaffed": self.overstaffed,
            "shifts": self.shifts,
            "people": self.people,
            "kept": self.kept,
            "replaced": self.replaced,
            "contracts": self.contracts,
            "fairness": self.fairness_json()["groups"],
            "short": [
                {
                    "agent_id": s.agent_id,
                    "name": s.name,
                    "contract_hours": s.contract_hours,
                    "hours": s.hours,
                    "reason": s.reason,
                }
                for s in self.short
            ],
        }


@dataclass(frozen=True)
class WeekInput:
    """What :func:`load_week` read: the problem for the solver and what applying needs."""

    team: str
    team_id: int
    week: date
    tz: ZoneInfo
    problem: RosterProblem
    basis: str
    kept: tuple[PlanShift, ...]  # the week's shifts that stay, open ones included
    replaced: tuple[int, ...]  # ids of the week's shifts a new roster replaces
    names: dict[str, str] = field(default_factory=dict)  # agent_id -> name
    agent_pks: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Generated:
    """A generated week: the solver's answer and the rows of the whole week after it."""

    input: WeekInput
    result: RosterResult
    summary: RosterSummary
    rows: tuple[ShiftRow, ...]


@dataclass(frozen=True)
class Applied:
    team: str
    week: date
    created: int
    removed: int
    kept: int
    people: int
    draft_id: int | None = None


@dataclass(frozen=True)
class DraftView:
    id: int
    team: str
    week: date
    summary: RosterSummary
    status: str
    applied_by: str | None = None
    applied_at: datetime | None = None
    messages: tuple[DraftMessage, ...] = ()


@dataclass(frozen=True)
class DraftMessage:
    """A message a transport posted with a draft's Apply button (edited once applied)."""

    transport: str
    recipient: str
    lang: str
    ref: dict[str, Any]


# ----------------------------------------------------------------------------- reading


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def _team(uow: UnitOfWork, name: str) -> Team:
    team = repo.team_by_name(uow.session, name)
    if team is None or team.id is None:
        known = [t.name for t in repo.all_teams(uow.session)]
        raise UnknownTeam("error.unknown_team", team=name, known=known or ["—"])
    return team


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _week_demand(uow: UnitOfWork, team: Team, week: date, skills: Sequence[str]) -> Demand:
    starts: list[datetime] = []
    calls: dict[str, list[float]] = {}
    aht: dict[str, list[float]] = {}
    for offset in range(7):
        part = repo.demand_for_day(uow.session, team, week + timedelta(days=offset), skills)
        n = len(part.interval_starts)
        before = len(starts)
        starts.extend(part.interval_starts)
        for skill in set(calls) | set(part.calls):
            calls.setdefault(skill, [0.0] * before).extend(part.calls.get(skill, (0.0,) * n))
            aht.setdefault(skill, [0.0] * before).extend(part.aht_seconds.get(skill, (0.0,) * n))
    return Demand(
        interval_starts=tuple(starts),
        interval_seconds=team.interval_minutes * 60,
        calls={k: tuple(v) for k, v in calls.items()},
        aht_seconds={k: tuple(v) for k, v in aht.items()},
    )


def _check_staffable(demand: Demand, team: Team, tz: ZoneInfo) -> None:
    """Refuse a week whose volume no head count can staff, naming the interval."""
    for skill in sorted(demand.calls):
        calls = np.asarray(demand.calls[skill], dtype=np.float64)
        if not calls.size:
            continue
        aht = np.asarray(demand.aht_seconds[skill], dtype=np.float64)
        aht = np.where((calls > 0) & (aht > 0), aht, 1.0)
        heads = required_agents(
            calls,
            aht,
            demand.interval_seconds,
            team.service_level,
            team.target_seconds,
            team.max_occupancy,
        )
        bad = np.flatnonzero(heads == UNREACHABLE)
        if bad.size:
            at = demand.interval_starts[int(bad[0])].astimezone(tz)
            raise BadRequest("error.roster_unstaffable", skill=skill, at=at)


def _plan_shift(s: store.StoredShift, agent_id: str) -> PlanShift:
    return PlanShift(
        agent_id=agent_id,
        local_date=s.local_date,
        start=s.start,
        end=s.end,
        skill=s.skill,
        breaks=tuple(
            Window(datetime.fromisoformat(b0), datetime.fromisoformat(b1)) for b0, b1 in s.breaks
        ),
        id=s.id,
    )


def load_week(uow: UnitOfWork, team_name: str, week: date) -> WeekInput:
    """Everything the week's roster is built on (see the module docstring).

    Raises a :class:`~bot.services.errors.DomainError` for an unknown team, a day that is
    not a Monday, a team without templates, without anyone to roster or without demand
    that week, and volume that no head count can staff.
    """
    team = _team(uow, team_name)
    assert team.id is not None
    if week.weekday() != 0:
        raise BadRequest(
            "error.roster_not_monday", day=week.isoformat(), monday=week_of(week).isoformat()
        )
    session = uow.session
    tz = repo.team_zone(team)
    rules = repo.team_rules(team)
    rows = store.templates_of(session, team.id)
    if not rows:
        raise BadRequest("error.roster_no_templates", team=team.name)
    templates = tuple(
        ShiftTemplate(
            name=t.name,
            start=_clock(t.start),
            hours=float(t.hours),
            break_minutes=int(t.break_minutes),
            break_window=(
                (_clock(t.break_window[:5]), _clock(t.break_window[6:])) if t.break_window else None
            ),
            days=frozenset(int(d) for d in t.days),
        )
        for t in rows
    )
    people = repo.agents_of(session, team.id)
    by_pk = {a.id: a for a in people if a.id is not None}
    rostered = [a for a in people if (a.weekly_hours or 0) > 0]
    if not rostered:
        raise BadRequest("error.roster_no_agents", team=team.name)
    planned = {a.id for a in rostered}
    skills = sorted({k for a in people for k in a.skill_set})
    demand = _week_demand(uow, team, week, skills)
    if not demand.interval_starts:
        raise BadRequest(
            "error.roster_no_demand",
            team=team.name,
            week=week,
            first=week.isoformat(),
            last=(week + timedelta(days=6)).isoformat(),
        )
    _check_staffable(demand, team, tz)

    last = week + timedelta(days=6)
    margin = timedelta(days=rules.max_consecutive_days + 2)
    around = store.shifts_between(session, team.id, week - margin, last + margin)
    inside = [s for s in around if week <= s.local_date <= last]
    ties = store.requests_on(session, team.id, week, last)
    kept: list[PlanShift] = []
    replaced: list[int] = []
    for s in inside:
        agent = by_pk.get(s.agent_pk) if s.agent_pk is not None else None
        stays = (
            s.id in ties
            or (s.agent_pk is None and s.freed_from_pk is not None)
            or (agent is not None and agent.id not in planned)
        )
        if stays:
            kept.append(_plan_shift(s, agent.agent_id if agent else ""))
        else:
            replaced.append(s.id)
    history = tuple(
        _plan_shift(s, by_pk[s.agent_pk].agent_id)
        for s in around
        if not week <= s.local_date <= last and s.agent_pk in by_pk
    )
    leaves = set(repo.approved_leaves(session, team.id, week, last))
    for pk, day in store.sick_days(session, team.id, week, last):
        if pk in by_pk:
            leaves.add(Leave(by_pk[pk].agent_id, day))
    agents = tuple(
        RosterAgent(
            agent_id=a.agent_id,
            name=a.name,
            skills=a.skill_set,
            weekly_hours=float(a.weekly_hours or 0.0),
            shift_hours=a.shift_lengths,
        )
        for a in rostered
    )
    problem = RosterProblem(
        week=week,
        tz=tz,
        rules=rules,
        target=repo.team_target(team),
        templates=templates,
        agents=agents,
        demand=demand,
        leaves=tuple(sorted(leaves, key=lambda lv: (lv.agent_id, lv.day))),
        history=history,
        kept=tuple(s for s in kept if s.agent_id),
    )
    basis = _digest(team, rows, people, around, ties, problem.leaves)
    return WeekInput(
        team=team.name,
        team_id=team.id,
        week=week,
        tz=tz,
        problem=problem,
        basis=basis,
        kept=tuple(kept),
        replaced=tuple(replaced),
        names={a.agent_id: a.name for a in people},
        agent_pks={a.agent_id: a.id for a in people if a.id is not None},
    )


def _digest(
    team: Team,
    templates: Sequence[Any],
    people: Sequence[Any],
    shifts: Sequence[store.StoredShift],
    ties: dict[int, list[tuple[int, str]]],
    leaves: Sequence[Leave],
) -> str:
    """A digest of what a week's roster is built on; equal digests, equal inputs."""
    state = {
        "rules": [
            team.min_rest_hours,
            team.max_weekly_hours,
            team.max_consecutive_days,
            team.interval_minutes,
            team.timezone,
        ],
        "templates": [
            [t.name, t.start, t.hours, t.break_minutes, t.break_window, t.days] for t in templates
        ],
        "people": sorted(
            [a.id, a.agent_id, a.skills, a.weekly_hours, a.shift_hours, a.role] for a in people
        ),
        "shifts": [
            [
                s.id,
                s.agent_pk,
                s.local_date.isoformat(),
                s.start.isoformat(),
                s.end.isoformat(),
                s.skill,
                [list(b) for b in s.breaks],
                s.status,
                s.freed_from_pk,
            ]
            for s in sorted(shifts, key=lambda s: s.id)
        ],
        "requests": sorted(
            [sid, rid, status] for sid, refs in ties.items() for rid, status in refs
        ),
        "leave": sorted([lv.agent_id, lv.day.isoformat()] for lv in leaves),
    }
    text = json.dumps(state, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------------------- solving


def solve(
    week: WeekInput,
    time_limit: float,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
) -> Generated:
    """The week's roster within ``time_limit`` seconds (0: the heuristic alone)."""
    try:
        result = generate_roster(week.problem, time_limit, should_stop, seed)
    except ValueError as exc:  # checked before; a planner refusal is still a user's problem
        raise BadRequest("error.roster_unsolvable", team=week.team, week=week.week) from exc
    return Generated(week, result, summarise(week, result), tuple(week_rows(week, result)))


def summarise(week: WeekInput, result: RosterResult) -> RosterSummary:
    short: list[ContractShort] = []
    for c in result.short_of_contract:
        assert c.reason is not None
        short.append(
            ContractShort(
                agent_id=c.agent_id,
                name=week.names.get(c.agent_id, c.agent_id),
                contract_hours=c.contract_hours,
                hours=c.scheduled_hours + c.leave_hours + c.kept_hours,
                reason=c.reason,
            )
        )
    return RosterSummary(
        team=week.team,
        week=week.week,
        status=result.status,
        seconds=result.seconds,
        required=result.required,
        understaffed=result.understaffed,
        lower_bound=result.lower_bound,
        overstaffed=result.overstaffed,
        shifts=len(result.shifts),
        people=len({s.agent_id for s in result.shifts}),
        kept=len(week.kept),
        replaced=len(week.replaced),
        fairness=result.fairness,
        contracts=len(result.contracts),
        short=tuple(short),
    )


def _row(s: PlanShift, tz: ZoneInfo) -> ShiftRow:
    return ShiftRow(
        agent_id=s.agent_id,
        date=s.local_date.isoformat(),
        start=s.start.astimezone(tz).strftime("%H:%M"),
        end=s.end.astimezone(tz).strftime("%H:%M"),
        skill=s.skill,
        breaks=";".join(
            f"{b.start.astimezone(tz):%H:%M}-{b.end.astimezone(tz):%H:%M}" for b in s.breaks
        ),
    )


def week_rows(week: WeekInput, result: RosterResult) -> list[ShiftRow]:
    """The whole week after the roster, as ``export shifts`` would write it: the new shifts
    and the kept ones, by date, start and person (open shifts first)."""
    shifts = [*result.shifts, *week.kept]
    shifts.sort(key=lambda s: (s.local_date, s.start, s.agent_id))
    return [_row(s, week.tz) for s in shifts]


# ----------------------------------------------------------------------------- storing


def _state(s: PlanShift | store.StoredShift, agent_id: str | None, tz: ZoneInfo) -> dict[str, Any]:
    breaks = (
        [(b.start, b.end) for b in s.breaks]
        if isinstance(s, PlanShift)
        else [(datetime.fromisoformat(b0), datetime.fromisoformat(b1)) for b0, b1 in s.breaks]
    )
    out: dict[str, Any] = {}
    if s.id is not None:
        out["shift_id"] = s.id
    out.update(
        agent_id=agent_id,
        date=s.local_date.isoformat(),
        start=s.start.astimezone(tz).strftime("%H:%M"),
        end=s.end.astimezone(tz).strftime("%H:%M"),
        skill=s.skill,
    )
    if breaks:
        out["breaks"] = ";".join(
            f"{b0.astimezone(tz):%H:%M}-{b1.astimezone(tz):%H:%M}" for b0, b1 in breaks
        )
    return out


def apply_roster(
    uow: UnitOfWork,
    team_name: str,
    week: date,
    shifts: Sequence[PlanShift],
    basis: str,
    actor: str,
    now: datetime,
    *,
    draft_id: int | None = None,
    summary: RosterSummary | None = None,
) -> Applied:
    """Store a generated week in one transaction (without committing it).

    The week is read again under lock; when what it is built on changed since ``basis``
    was taken, :class:`~bot.services.errors.Conflict` and nothing is written. Otherwise the
    shifts it replaces are removed and ``shifts`` created, each audited as ``roster_apply``
    with its state before and after, and one summary row with the counts.
    """
    team = _team(uow, team_name)
    assert team.id is not None
    last = week + timedelta(days=6)
    margin = timedelta(days=team.max_consecutive_days + 2)
    store.lock_window(uow.session, team.id, week - margin, last + margin)
    fresh = load_week(uow, team_name, week)
    if fresh.basis != basis:
        if draft_id is not None:
            raise Conflict("error.roster_draft_stale", id=draft_id, week=week)
        raise Conflict("error.roster_week_changed", week=week)
    tz = fresh.tz
    stored = {
        s.id: s for s in store.shifts_between(uow.session, team.id, week, last) if s.id is not None
    }
    pk_name = {pk: agent_id for agent_id, pk in fresh.agent_pks.items()}
    audits: list[dict[str, Any]] = []
    note = f"roster draft #{draft_id}" if draft_id is not None else "roster generate"
    for shift_id in fresh.replaced:
        s = stored[shift_id]
        who = pk_name.get(s.agent_pk) if s.agent_pk is not None else None
        audits.append(_audit(team.id, actor, now, note, _state(s, who, tz), None))
    rows: list[dict[str, Any]] = []
    for new in shifts:
        pk = fresh.agent_pks.get(new.agent_id)
        if pk is None:
            raise Conflict("error.roster_week_changed", week=week)
        rows.append(
            {
                "team_id": team.id,
                "agent_pk": pk,
                "local_date": new.local_date,
                "start_utc": new.start,
                "end_utc": new.end,
                "skill": new.skill,
                "breaks": [[b.start.isoformat(), b.end.isoformat()] for b in new.breaks],
                "status": "scheduled",
                "freed_from_pk": None,
            }
        )
        audits.append(_audit(team.id, actor, now, note, None, _state(new, new.agent_id, tz)))
    counts = {
        "week": week.isoformat(),
        "created": len(rows),
        "removed": len(fresh.replaced),
        "kept": len(fresh.kept),
    }
    if draft_id is not None:
        counts["draft"] = draft_id
    if summary is not None:
        counts.update(
            status=summary.status,
            understaffed=summary.understaffed,
            lower_bound=summary.lower_bound,
            required=summary.required,
        )
    audits.append(_audit(team.id, actor, now, note, None, counts))
    store.replace_shifts(uow.session, fresh.replaced, rows, audits)
    return Applied(
        team=team.name,
        week=week,
        created=len(rows),
        removed=len(fresh.replaced),
        kept=len(fresh.kept),
        people=len({s.agent_id for s in shifts}),
        draft_id=draft_id,
    )


def _audit(
    team_id: int,
    actor: str,
    at: datetime,
    note: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "at": at,
        "actor": actor[:64],
        "action": "roster_apply",
        "request_id": None,
        "before": before,
        "after": after,
        "note": note[:500],
    }


# ------------------------------------------------------------------------------ drafts


def _shift_json(s: PlanShift) -> dict[str, Any]:
    return {
        "agent_id": s.agent_id,
        "date": s.local_date.isoformat(),
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "skill": s.skill,
        "breaks": [[b.start.isoformat(), b.end.isoformat()] for b in s.breaks],
    }


def _shift_from_json(item: dict[str, Any]) -> PlanShift:
    return PlanShift(
        agent_id=str(item["agent_id"]),
        local_date=date.fromisoformat(item["date"]),
        start=datetime.fromisoformat(item["start"]),
        end=datetime.fromisoformat(item["end"]),
        skill=str(item["skill"]),
        breaks=tuple(
            Window(datetime.fromisoformat(b0), datetime.fromisoformat(b1))
            for b0, b1 in item["breaks"]
        ),
    )


def _summary_from_json(team: str, week: date, data: dict[str, Any]) -> RosterSummary:
    return RosterSummary(
        team=team,
        week=week,
        status=str(data["status"]),
        seconds=float(data["seconds"]),
        required=float(data["required"]),
        understaffed=float(data["understaffed"]),
        lower_bound=float(data["lower_bound"]),
        overstaffed=float(data["overstaffed"]),
        shifts=int(data["shifts"]),
        people=int(data["people"]),
        kept=int(data["kept"]),
        replaced=int(data["replaced"]),
        fairness=tuple(FairnessFigure(**f) for f in data["fairness"]),
        contracts=int(data["contracts"]),
        short=tuple(ContractShort(**s) for s in data["short"]),
    )


def save_draft(uow: UnitOfWork, generated: Generated, actor: str, now: datetime) -> DraftView:
    """Store a generated week as a draft (and commit), so Apply stores exactly it."""
    week = generated.input
    draft = store.add_draft(
        uow.session,
        RosterDraft(
            team_id=week.team_id,
            week=week.week,
            basis=week.basis,
            shifts=[_shift_json(s) for s in generated.result.shifts],
            summary=generated.summary.as_json(),
            created_by=actor[:64],
            created_at=now,
        ),
    )
    assert draft.id is not None
    uow.commit()
    return DraftView(draft.id, week.team, week.week, generated.summary, draft.status)


def apply_draft(
    uow: UnitOfWork, team_name: str, draft_id: int, actor: str, now: datetime
) -> tuple[Applied, DraftView]:
    """Apply a stored draft (and commit): refused when it was applied already or when the
    week changed since it was made."""
    team = _team(uow, team_name)
    draft = store.draft_by_id(uow.session, draft_id, lock=True)
    if draft is None or draft.team_id != team.id:
        raise BadRequest("error.roster_unknown_draft", id=draft_id, team=team.name)
    uow.session.refresh(draft)
    tz = repo.team_zone(team)
    if draft.status != "draft":
        at = draft.applied_at.astimezone(tz) if draft.applied_at else now.astimezone(tz)
        raise InvalidTransition(
            "error.roster_draft_applied", id=draft_id, who=draft.applied_by or "—", at=at
        )
    summary = _summary_from_json(team.name, draft.week, draft.summary)
    applied = apply_roster(
        uow,
        team.name,
        draft.week,
        [_shift_from_json(s) for s in draft.shifts],
        draft.basis,
        actor,
        now,
        draft_id=draft_id,
        summary=summary,
    )
    if not store.mark_applied(uow.session, draft_id, actor[:64], now):
        raise InvalidTransition(
            "error.roster_draft_applied", id=draft_id, who="—", at=now.astimezone(tz)
        )
    messages = tuple(_message_from_json(m) for m in draft.messages)
    uow.commit()
    view = DraftView(draft_id, team.name, draft.week, summary, "applied", actor, now, messages)
    return applied, view


def record_draft_message(
    uow: UnitOfWork, team_name: str, draft_id: int, message: DraftMessage
) -> DraftView | None:
    """Remember a posted message with a draft's Apply button (and commit).

    Returns the applied draft when it was applied before the message was recorded (its
    button is stale at once), else None: the message is edited when the draft is applied.
    """
    team = _team(uow, team_name)
    draft = store.add_draft_message(
        uow.session,
        draft_id,
        {
            "transport": message.transport,
            "recipient": message.recipient,
            "lang": message.lang,
            "ref": dict(message.ref),
        },
    )
    if draft is None or draft.team_id != team.id:
        return None
    uow.commit()
    if draft.status == "draft":
        return None
    summary = _summary_from_json(team.name, draft.week, draft.summary)
    return DraftView(
        draft_id, team.name, draft.week, summary, draft.status, draft.applied_by, draft.applied_at
    )


def _message_from_json(data: dict[str, Any]) -> DraftMessage:
    return DraftMessage(
        str(data["transport"]), str(data["recipient"]), str(data["lang"]), dict(data["ref"])
    )


def require_lead(role: str) -> None:
    if role != "lead":
        raise NotAllowed("error.roster_lead_only")
