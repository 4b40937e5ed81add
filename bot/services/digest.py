"""The morning digest, intraday risks and reminders, as plain views (read-only).

Every figure is the one the look-ups show: staffing per interval and skill is
:func:`bot.services.roster.staffing_day` (the numbers of ``shiftbot staffing --team T --date
D``), who is off is :func:`bot.services.roster.roster_day` (the ``off`` command), pending
approvals carry the impact a lead sees in ``pending``, and who could cover a gap comes from
:func:`planner.cover.suggest_cover` through the same helper a sick call uses. Nothing here
writes: the functions run in a read-only unit of work and take no write lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import col

from bot.services import requests as svc
from bot.services.ports import UnitOfWork
from bot.services.roster import IntervalRow, StaffingDay, roster_day, staffing_day
from bot.services.views import Person, RequestView, ShiftView
from planner.cover import CoverCandidate
from planner.impact import Impact
from planner.model import Demand
from planner.staffing import UNREACHABLE, interval_table, weighted_service_level
from storage import repository as repo
from storage.localtime import local_day_bounds
from storage.tables import Shift, Team, Volume

_EPS = 1e-9
WARNING_SHARE = 0.80
"""An interval projected below this share of the SL target is a warning (intraday)."""
CRITICAL_SHARE = 0.60
"""An interval projected below this share of the SL target is critical (intraday)."""
MAX_PENDING_IMPACTS = 5
"""The digest computes the staffing impact of at most this many pending approvals."""
COVER_LIMIT = 3


# ------------------------------------------------------------------------------ the views


@dataclass(frozen=True)
class WorkGroup:
    """People working the same hours in the same skill."""

    start: datetime  # local, aware
    end: datetime  # local, aware
    skill: str
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Absence:
    """Someone off: ``why`` is ``sick``, ``leave`` or ``leave_no_shift`` (on leave on a day
    without a shift); ``covered_by`` is who works the freed shift now (None while it is open,
    "" when there was no shift)."""

    person: Person
    why: str
    covered_by: str | None


@dataclass(frozen=True)
class SkillSummary:
    """One skill's day: call-weighted projected service level and its intervals."""

    skill: str
    calls: float
    service_level: float
    intervals: int
    short: int
    below_target: int
    unreachable: int


@dataclass(frozen=True)
class Gap:
    """Consecutive intervals of one skill below the required agents or the SL target.

    ``worst`` is the interval with the fewest agents against its requirement (the earliest
    among ties), None when no head count meets the target in any of them.
    """

    skill: str
    start: datetime  # local, aware
    end: datetime  # local, aware
    rows: tuple[IntervalRow, ...]
    worst: IntervalRow | None

    @property
    def short_by(self) -> float:
        """The most agents missing in one interval of the run (0 when none is short)."""
        reachable = [-r.gap for r in self.rows if r.required != UNREACHABLE]
        return max(0.0, *reachable) if reachable else 0.0

    @property
    def lowest_service_level(self) -> float:
        return min(r.service_level for r in self.rows)

    @property
    def unreachable(self) -> int:
        return sum(1 for r in self.rows if r.required == UNREACHABLE)


@dataclass(frozen=True)
class OpenShift:
    """An open shift of the day: one anyone may take (``request``), or one on the roster
    without anyone and without a request."""

    shift: ShiftView
    request: RequestView | None


@dataclass(frozen=True)
class Waiting:
    """A request waiting for a lead, how long it has waited, and its staffing impact."""

    request: RequestView
    age_hours: float
    impact: Impact | None


@dataclass(frozen=True)
class DayResult:
    """A past day's service level from its call history and the roster as it was worked."""

    day: date
    calls: float
    service_level: float
    target: float

    @property
    def met(self) -> bool:
        return self.service_level >= self.target - _EPS


@dataclass(frozen=True)
class DigestView:
    """Everything the morning digest says about one team's local day."""

    team: str
    day: date
    now: datetime  # local, aware
    timezone: str
    lang: str  # the team's language
    skill_names: Mapping[str, Mapping[str, str]]
    staffing: StaffingDay
    working: tuple[WorkGroup, ...]
    off: tuple[Absence, ...]
    skills: tuple[SkillSummary, ...]
    gaps: tuple[Gap, ...]
    biggest: Gap | None
    cover: tuple[CoverCandidate, ...]
    open_shifts: tuple[OpenShift, ...]
    pending: tuple[Waiting, ...]
    yesterday: DayResult | None

    @property
    def has_demand(self) -> bool:
        return bool(self.staffing.rows)

    @property
    def rostered(self) -> bool:
        """Whether anyone is on the phones in any interval with demand."""
        return any(r.scheduled > 0 for r in self.staffing.rows)

    @property
    def people_working(self) -> int:
        return sum(len(g.people) for g in self.working)


# ---------------------------------------------------------------------------- the digest


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def is_gap(row: IntervalRow, target: float) -> bool:
    """Below the required agents, under the SL target, or beyond any head count."""
    if row.required == UNREACHABLE:
        return True
    return row.gap < -_EPS or (row.calls > 0 and row.service_level < target - _EPS)


def gap_runs(rows: Sequence[IntervalRow], interval_minutes: int, target: float) -> list[Gap]:
    """Runs of consecutive gap intervals per skill, in time order (by start, then skill).

    Intervals are consecutive when they are one interval apart in UTC, so a run goes on
    across a DST change of the local clock.
    """
    step = timedelta(minutes=interval_minutes)
    by_skill: dict[str, list[IntervalRow]] = {}
    for row in sorted(rows, key=lambda r: (r.skill, _utc(r.start))):
        if is_gap(row, target):
            by_skill.setdefault(row.skill, []).append(row)
    runs: list[Gap] = []
    for skill, found in by_skill.items():
        current: list[IntervalRow] = []
        for row in found:
            if current and _utc(row.start) - _utc(current[-1].start) != step:
                runs.append(_gap(skill, current, step))
                current = []
            current.append(row)
        if current:
            runs.append(_gap(skill, current, step))
    runs.sort(key=lambda g: (_utc(g.start), g.skill))
    return runs


def _gap(skill: str, rows: list[IntervalRow], step: timedelta) -> Gap:
    tz = rows[0].start.tzinfo
    reachable = [r for r in rows if r.required != UNREACHABLE]
    worst = min(reachable, key=lambda r: (r.gap, r.service_level, _utc(r.start)), default=None)
    end = (_utc(rows[-1].start) + step).astimezone(tz)
    return Gap(skill, rows[0].start, end, tuple(rows), worst)


def biggest_gap(gaps: Sequence[Gap]) -> Gap | None:
    """The run holding the interval with the fewest agents against its need (then the
    lowest service level, then the earliest); runs nobody could fix are left out."""
    fixable = [g for g in gaps if g.worst is not None]
    if not fixable:
        return None
    return min(
        fixable,
        key=lambda g: (
            g.worst.gap if g.worst else 0.0,
            g.worst.service_level if g.worst else 0.0,
            _utc(g.start),
            g.skill,
        ),
    )


def _skills(sd: StaffingDay) -> list[SkillSummary]:
    out = []
    for skill in sorted({r.skill for r in sd.rows}):
        rows = [r for r in sd.rows if r.skill == skill]
        calls = sum(r.calls for r in rows)
        level = sum(r.calls * r.service_level for r in rows) / calls if calls > 0 else 1.0
        out.append(
            SkillSummary(
                skill=skill,
                calls=calls,
                service_level=level,
                intervals=len(rows),
                short=sum(1 for r in rows if r.required != UNREACHABLE and r.gap < -_EPS),
                below_target=sum(
                    1
                    for r in rows
                    if r.calls > 0 and r.service_level < sd.target_service_level - _EPS
                ),
                unreachable=sum(1 for r in rows if r.required == UNREACHABLE),
            )
        )
    return out


def _cover_window(
    scope: svc.Scope, gap: Gap, day: date, now: datetime, exclude: Sequence[str] = ()
) -> list[CoverCandidate]:
    """Who could work the gap's hours as an extra shift, by the planner's cover rules
    (people who are off that day, sick or on leave, are never asked)."""
    window = Shift(
        team_id=scope.team_id,
        agent_pk=None,
        local_date=day,
        start_utc=_utc(gap.start),
        end_utc=_utc(gap.end),
        skill=gap.skill,
        breaks=[],
        status="open",
    )
    return svc._cover_for(scope, window, now, exclude=exclude)[:COVER_LIMIT]


def _groups(shifts: Sequence[tuple[Person, ShiftView]]) -> list[WorkGroup]:
    """Shifts grouped by their hours and skill, in time order; people by ``agent_id``."""
    groups: dict[tuple[datetime, datetime, str], tuple[ShiftView, list[Person]]] = {}
    for person, shift in shifts:
        key = (_utc(shift.start), _utc(shift.end), shift.skill)
        groups.setdefault(key, (shift, []))[1].append(person)
    return [
        WorkGroup(shift.start, shift.end, shift.skill, tuple(sorted(people, key=_by_id)))
        for _key, (shift, people) in sorted(groups.items(), key=lambda kv: kv[0])
    ]


def _by_id(person: Person) -> str:
    return person.agent_id


def _open_shifts(
    scope: svc.Scope, day: date, now: datetime, unassigned: Sequence[ShiftView]
) -> list[OpenShift]:
    out: list[OpenShift] = []
    listed: set[int] = set()
    for req in repo.requests_of_team(scope.session, scope.team_id, ("open",)):
        if not svc._live(req, now):
            continue
        view = scope.view(req)
        if view.shift is None or view.shift.local_date != day:
            continue
        out.append(OpenShift(view.shift, view))
        if view.shift.id is not None:
            listed.add(view.shift.id)
    for shift in unassigned:
        if shift.id not in listed:
            out.append(OpenShift(shift, None))
    out.sort(key=lambda o: (_utc(o.shift.start), o.shift.skill, o.shift.id or 0))
    return out


def _pending(scope: svc.Scope, now: datetime) -> list[Waiting]:
    out: list[Waiting] = []
    for req in repo.requests_of_team(scope.session, scope.team_id, ("pending_lead",)):
        if not svc._live(req, now):
            continue
        impact = None
        if len(out) < MAX_PENDING_IMPACTS:
            impact = svc._check(scope, req, now, by_lead=True, lock=False).impact
        age = max(0.0, (now - req.created_at).total_seconds() / 3600.0)
        out.append(Waiting(scope.view(req), age, impact))
    out.sort(key=lambda w: -w.age_hours)
    return out


def _actual_demand(scope: svc.Scope, day: date) -> Demand:
    """The call history of local ``day`` only (no forecast)."""
    start, end = local_day_bounds(day, scope.tz)
    rows = scope.session.execute(
        sa_select(
            col(Volume.skill),
            col(Volume.interval_start),
            col(Volume.calls),
            col(Volume.aht_seconds),
        ).where(
            col(Volume.team_id) == scope.team_id,
            col(Volume.source) == "actual",
            col(Volume.interval_start) >= start,
            col(Volume.interval_start) < end,
        )
    ).all()
    instants = sorted({r[1] for r in rows})
    where = {t: i for i, t in enumerate(instants)}
    calls: dict[str, list[float]] = {}
    aht: dict[str, list[float]] = {}
    for skill, instant, n, handle in rows:
        calls.setdefault(skill, [0.0] * len(instants))[where[instant]] = float(n)
        aht.setdefault(skill, [0.0] * len(instants))[where[instant]] = float(handle)
    return Demand(
        interval_starts=tuple(instants),
        interval_seconds=scope.team.interval_minutes * 60,
        calls={k: tuple(v) for k, v in calls.items()},
        aht_seconds={k: tuple(v) for k, v in aht.items()},
    )


def day_result(scope: svc.Scope, day: date) -> DayResult | None:
    """The service level ``day``'s call history got from the roster as worked: the Erlang C
    figures of the ``staffing`` command with the actual calls. None without history, or
    without a roster for that day."""
    demand = _actual_demand(scope, day)
    if not demand.interval_starts:
        return None
    roster = repo.roster_window(scope.session, scope.team_id, day - timedelta(days=1), day)
    table = interval_table(demand, roster, repo.team_target(scope.team))
    calls = float(table["calls"].sum())
    if calls <= 0 or float(table["scheduled"].sum()) <= 0:
        return None  # no calls, or no roster that day to judge it by
    return DayResult(
        day, calls, float(weighted_service_level(table)), float(scope.team.service_level)
    )


def digest_day(uow: UnitOfWork, team: str, day: date, now: datetime) -> DigestView:
    """The digest of the team's local ``day`` as the roster and requests are at ``now``."""
    scope = svc.Scope.load(uow.session, team)
    sd = staffing_day(uow, team, day)
    rd = roster_day(uow, team, day)
    gaps = gap_runs(sd.rows, sd.interval_minutes, sd.target_service_level)
    rostered = any(r.scheduled > 0 for r in sd.rows)
    biggest = biggest_gap(gaps) if rostered else None
    off = [person.agent_id for person, _why in rd.off]
    cover = _cover_window(scope, biggest, day, now, off) if biggest is not None else []
    return DigestView(
        team=scope.team.name,
        day=day,
        now=now.astimezone(scope.tz),
        timezone=scope.team.timezone,
        lang=scope.team_lang,
        skill_names=dict(scope.team.skill_names or {}),
        staffing=sd,
        working=tuple(_groups(rd.shifts)),
        off=tuple(Absence(p, why, by) for p, why, by in rd.off_detail),
        skills=tuple(_skills(sd)),
        gaps=tuple(gaps),
        biggest=biggest,
        cover=tuple(cover),
        open_shifts=tuple(_open_shifts(scope, day, now, rd.open_shifts)),
        pending=tuple(_pending(scope, now)),
        yesterday=day_result(scope, day - timedelta(days=1)),
    )


def today(uow: UnitOfWork, team: str, now: datetime) -> date:
    """The team's local date at ``now``."""
    found = repo.team_by_name(uow.session, team)
    if found is None:
        svc.Scope.load(uow.session, team)  # raises UnknownTeam with the known names
        raise AssertionError("unreachable")
    return now.astimezone(ZoneInfo(found.timezone)).date()


# ------------------------------------------------------------------------ the schedule


@dataclass(frozen=True)
class TeamSchedule:
    """When and where a team's digest goes (what the scheduler reloads)."""

    name: str
    timezone: str
    digest_time: time
    slack_channel: str | None
    telegram_chat_id: int | None
    reminder_hours: float

    def local_now(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def due(self, now: datetime) -> date | None:
        """The local date whose digest is due at ``now`` (its time has passed), else None."""
        local = self.local_now(now)
        if (local.hour, local.minute) >= (self.digest_time.hour, self.digest_time.minute):
            return local.date()
        return None


def schedules(uow: UnitOfWork) -> list[TeamSchedule]:
    out = []
    for team in repo.all_teams(uow.session):
        out.append(_schedule(team))
    return out


def _schedule(team: Team) -> TeamSchedule:
    hours, minutes = (int(p) for p in (team.digest_time or "08:00").split(":"))
    return TeamSchedule(
        team.name,
        team.timezone,
        time(hours, minutes),
        team.slack_channel,
        team.telegram_chat_id,
        float(team.reminder_hours),
    )


# ------------------------------------------------------------------------------ intraday


@dataclass(frozen=True)
class Risk:
    """An interval projected under the share of the SL target that makes it an alert."""

    row: IntervalRow
    level: str  # "warning" or "critical"
    end: datetime  # local, aware


@dataclass(frozen=True)
class Intraday:
    team: str
    lang: str
    skill_names: Mapping[str, Mapping[str, str]]
    target_service_level: float
    risks: tuple[Risk, ...]
    cover: tuple[CoverCandidate, ...] = field(default_factory=tuple)


def risk_level(row: IntervalRow, target: float) -> str | None:
    if row.calls <= 0:
        return None
    if row.service_level < CRITICAL_SHARE * target - _EPS:
        return "critical"
    if row.service_level < WARNING_SHARE * target - _EPS:
        return "warning"
    return None


def intraday(uow: UnitOfWork, team: str, now: datetime, horizon: timedelta) -> Intraday:
    """Intervals from the current one to ``now + horizon`` projected below 80 % (warning)
    or 60 % (critical) of the team's SL target, and who could cover the worst of them."""
    scope = svc.Scope.load(uow.session, team)
    step = timedelta(minutes=scope.team.interval_minutes)
    first = now.astimezone(scope.tz).date()
    last = (now + horizon).astimezone(scope.tz).date()
    target = scope.team.service_level
    risks: list[Risk] = []
    day = first
    while day <= last:
        for row in staffing_day(uow, team, day).rows:
            start = _utc(row.start)
            if start + step <= now or start >= now + horizon:
                continue
            level = risk_level(row, target)
            if level is not None:
                risks.append(Risk(row, level, (start + step).astimezone(scope.tz)))
        day += timedelta(days=1)
    risks.sort(key=lambda r: (_utc(r.row.start), r.row.skill))
    cover: list[CoverCandidate] = []
    if risks:
        worst = min(risks, key=lambda r: (r.row.service_level, _utc(r.row.start)))
        run = [r for r in risks if r.row.skill == worst.row.skill]
        gap = Gap(worst.row.skill, run[0].row.start, run[-1].end, tuple(r.row for r in run), None)
        day_off = roster_day(uow, team, worst.row.start.date()).off
        off = [person.agent_id for person, _why in day_off]
        cover = _cover_window(scope, gap, worst.row.start.date(), now, off)
    return Intraday(
        scope.team.name,
        scope.team_lang,
        dict(scope.team.skill_names or {}),
        target,
        tuple(risks),
        tuple(cover),
    )


# ----------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Reminder:
    """A request that has waited ``hours`` for ``recipients`` to act (answer or decide)."""

    team: str
    request: RequestView
    recipients: tuple[Person, ...]
    actions: tuple[str, ...]
    hours: float
    skill_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """One reminder per request and status."""
        return f"{self.request.id}:{self.request.status}"


def due_reminders(uow: UnitOfWork, now: datetime) -> list[Reminder]:
    """Requests unanswered for the team's ``reminder_hours``: swaps and give-aways waiting
    for the colleague, and requests waiting for a lead (every lead who may decide)."""
    out: list[Reminder] = []
    for team in repo.all_teams(uow.session):
        if team.id is None or team.reminder_hours <= 0:
            continue
        wait = timedelta(hours=team.reminder_hours)
        pending = [
            r
            for r in repo.requests_of_team(
                uow.session, team.id, ("pending_counterpart", "pending_lead")
            )
            if svc._live(r, now)
        ]
        if not pending:
            continue
        scope = svc.Scope.load(uow.session, team.name)
        for req in pending:
            since = req.created_at if req.status == "pending_counterpart" else req.updated_at
            if now - since < wait:
                continue
            hours = (now - since).total_seconds() / 3600.0
            if req.status == "pending_counterpart":
                who = [scope.person(req.counterpart_pk)]
                actions: tuple[str, ...] = ("accept", "decline")
            else:
                # The leads who see it in ``pending``: a lead who is a party to it only
                # when the team has no other lead.
                parties = {req.requester_pk, req.counterpart_pk, req.taker_pk}
                leads = scope.leads()
                others = [a for a in leads if a.id not in parties]
                who = [scope.person(a.id) for a in (others or leads)]
                actions = ("approve", "deny")
            people = tuple(p for p in who if p is not None)
            if people:
                out.append(
                    Reminder(
                        team.name,
                        scope.view(req),
                        people,
                        actions,
                        hours,
                        dict(team.skill_names or {}),
                    )
                )
    return out
