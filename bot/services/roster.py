"""Read-side use cases: my shifts, the day's roster, the day's staffing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.services.ports import UnitOfWork
from bot.services.requests import Scope, _demand_for_days
from bot.services.views import Person, ShiftView
from planner.staffing import interval_table, weighted_service_level
from storage import repository as repo


@dataclass(frozen=True)
class RosterDay:
    day: date
    shifts: list[tuple[Person, ShiftView]]
    open_shifts: list[ShiftView]
    off: list[tuple[Person, str]]  # (who, why: "leave" or "sick")
    off_detail: list[tuple[Person, str, str | None]] = field(default_factory=list)
    """(who, why, covered by): why is ``sick``, ``leave`` or ``leave_no_shift`` (on leave on a
    day they do not work); covered by is the name of who works the freed shift now, None
    while it is open, "" when there was no shift."""


@dataclass(frozen=True)
class IntervalRow:
    start: datetime  # local, aware
    skill: str
    calls: float
    aht_seconds: float
    required: int
    scheduled: float
    gap: float
    service_level: float
    asa_seconds: float
    occupancy: float


@dataclass(frozen=True)
class StaffingDay:
    team: str
    day: date
    interval_minutes: int
    target_service_level: float
    target_seconds: float
    rows: list[IntervalRow]
    weighted_service_level: float
    skills: list[str]

    @property
    def gaps(self) -> list[IntervalRow]:
        return [r for r in self.rows if r.gap < 0]


def my_shifts(
    uow: UnitOfWork, team: str, agent_id: str, now: datetime, days: int = 7
) -> list[ShiftView]:
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    assert agent.id is not None
    until = now + timedelta(days=days)
    out = []
    for shift in repo.upcoming_shifts(scope.session, agent.id, now, limit=50):
        if shift.start_utc >= until:
            break
        view = scope.shift_view(shift)
        assert view is not None
        out.append(view)
    return out


def roster_day(uow: UnitOfWork, team: str, day: date) -> RosterDay:
    scope = Scope.load(uow.session, team)
    rows = repo.shifts_on_dates(scope.session, scope.team_id, day, day, assigned_only=False)
    shifts: list[tuple[Person, ShiftView]] = []
    open_shifts: list[ShiftView] = []
    off: list[tuple[Person, str]] = []
    sick_shifts = {
        r.shift_id
        for r in repo.requests_of_team(scope.session, scope.team_id)
        if r.kind == "sick" and r.shift_id is not None
    }
    detail: list[tuple[Person, str, str | None]] = []
    for shift, agent in rows:
        view = scope.shift_view(shift)
        assert view is not None
        freed = scope.person(shift.freed_from_pk)
        if freed is not None and (agent is None or agent.id != shift.freed_from_pk):
            why = "sick" if shift.id in sick_shifts else "leave"
            off.append((freed, why))
            cover = scope.person(agent.id) if agent is not None else None
            detail.append((freed, why, cover.name if cover else None))
        if agent is None:
            open_shifts.append(view)
            continue
        person = scope.person(agent.id)
        assert person is not None
        shifts.append((person, view))
    on_leave = {lv.agent_id for lv in repo.approved_leaves(scope.session, scope.team_id, day, day)}
    listed = {p.agent_id for p, _ in off}
    for member in scope.agents.values():
        if member.agent_id in on_leave and member.agent_id not in listed:
            person = Person(member.agent_id, member.name, member.role)
            off.append((person, "leave"))
            detail.append((person, "leave_no_shift", ""))
    off.sort(key=lambda item: item[0].agent_id)
    detail.sort(key=lambda item: item[0].agent_id)
    return RosterDay(day, shifts, open_shifts, off, detail)


def staffing_day(uow: UnitOfWork, team: str, day: date) -> StaffingDay:
    """Required vs scheduled agents per interval and skill, with projected service level."""
    scope = Scope.load(uow.session, team)
    demand = _demand_for_days(scope.session, scope.team, [day])
    roster = [
        s for s in repo.roster_window(scope.session, scope.team_id, day - timedelta(days=1), day)
    ]
    target = repo.team_target(scope.team)
    skills = sorted(demand.calls)
    rows: list[IntervalRow] = []
    weighted = 1.0
    if demand.interval_starts:
        table = interval_table(demand, roster, target)
        weighted = float(weighted_service_level(table))
        for rec in table.itertuples(index=False):
            rows.append(
                IntervalRow(
                    start=rec.interval_start.to_pydatetime().astimezone(scope.tz),
                    skill=str(rec.skill),
                    calls=float(rec.calls),
                    aht_seconds=float(rec.aht_seconds),
                    required=int(rec.required),
                    scheduled=float(rec.scheduled),
                    gap=float(rec.gap),
                    service_level=float(rec.service_level),
                    asa_seconds=float(rec.asa_seconds),
                    occupancy=float(rec.occupancy),
                )
            )
    return StaffingDay(
        team=scope.team.name,
        day=day,
        interval_minutes=scope.team.interval_minutes,
        target_service_level=scope.team.service_level,
        target_seconds=scope.team.target_seconds,
        rows=rows,
        weighted_service_level=weighted,
        skills=skills,
    )
