"""Analyst use cases: forecast a team's volume, and headcount (定編) from required hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd

from bot.services.errors import BadRequest, UnknownTeam
from bot.services.ports import UnitOfWork
from planner.forecast import forecast_volume
from planner.headcount import fte_by_skill, headcount
from planner.staffing import UNREACHABLE, required_agents
from storage import repository as repo
from storage.localtime import LocalTimeError, to_utc
from storage.tables import Team

STANDARD_WEEKLY_HOURS = 40.0


def _team(uow: UnitOfWork, name: str) -> Team:
    team = repo.team_by_name(uow.session, name)
    if team is None or team.id is None:
        known = [t.name for t in repo.all_teams(uow.session)]
        raise UnknownTeam("error.unknown_team", team=name, known=known or ["—"])
    return team


@dataclass(frozen=True)
class ForecastResult:
    rows: pd.DataFrame  # interval_start (naive local), skill, calls, aht_seconds
    stored: int
    overridden: int  # intervals where a user forecast wins over the model's


def forecast_team(
    uow: UnitOfWork, team_name: str, first: date, last: date, now: datetime
) -> ForecastResult:
    """Forecast ``first``..``last`` from the team's history before ``now`` and store it."""
    if last < first:
        raise BadRequest(f"--to {last} is before --from {first}")
    if (last - first).days > 366:
        raise BadRequest("forecast at most a year at a time")
    team = _team(uow, team_name)
    tz = repo.team_zone(team)
    history = repo.volume_history(uow.session, team, now)
    if not history:
        raise BadRequest(
            f"team {team_name} has no call history yet; import it with "
            "`shiftbot import volume FILE.csv --team NAME`"
        )
    frame = pd.DataFrame(history, columns=["interval_start", "skill", "calls", "aht_seconds"])
    result = forecast_volume(frame, first, last, team.interval_minutes)
    rows: list[tuple[datetime, str, float, float]] = []
    for rec in result.itertuples(index=False):
        local = pd.Timestamp(rec.interval_start).to_pydatetime()
        try:
            instant = to_utc(local.date(), time(local.hour, local.minute), tz)
        except LocalTimeError:
            continue
        rows.append((instant, str(rec.skill), float(rec.calls), float(rec.aht_seconds)))
    stored = repo.replace_model_forecast(uow.session, team, rows)
    overridden = 0
    if rows:
        user = repo.user_forecast_keys(uow.session, team, rows[0][0], rows[-1][0])
        overridden = sum(1 for r in rows if (r[1], r[0]) in user)
    uow.commit()
    return ForecastResult(result, stored, overridden)


@dataclass(frozen=True)
class HeadcountResult:
    team: str
    shrinkage: float
    weekly_hours: float
    table: pd.DataFrame  # week_start, skill, required_hours, fte_needed, fte_available, surplus
    days_without_forecast: list[date]


def headcount_team(uow: UnitOfWork, team_name: str, first: date, last: date) -> HeadcountResult:
    """FTE needed per skill and ISO week from the required agent-hours of each interval."""
    if last < first:
        raise BadRequest(f"--to {last} is before --from {first}")
    team = _team(uow, team_name)
    assert team.id is not None
    skills = repo.team_skills(uow.session, team.id)
    hours: list[tuple[date, str, float]] = []
    missing: list[date] = []
    day = first
    interval_hours = team.interval_minutes / 60.0
    while day <= last:
        demand = repo.demand_for_day(uow.session, team, day, skills)
        if not demand.interval_starts:
            missing.append(day)
        week = day - timedelta(days=day.weekday())
        for skill in sorted(demand.calls):
            calls = np.asarray(demand.calls[skill], dtype=float)
            aht = np.asarray(demand.aht_seconds[skill], dtype=float)
            need = required_agents(
                calls,
                np.where(aht > 0, aht, 1.0),
                demand.interval_seconds,
                team.service_level,
                team.target_seconds,
                team.max_occupancy,
            )
            if np.any(need == UNREACHABLE):
                raise BadRequest(
                    f"the {skill} volume on {day} is too large for any head count to meet "
                    "the service level target"
                )
            hours.append((week, skill, float(need.sum()) * interval_hours))
        day += timedelta(days=1)
    frame = pd.DataFrame(hours, columns=["week_start", "skill", "agent_hours"])
    agents = repo.agents_of(uow.session, team.id)
    available = fte_by_skill(
        [(a.skill_set, a.weekly_hours) for a in agents if a.skill_set], STANDARD_WEEKLY_HOURS
    )
    table = headcount(frame, team.shrinkage, STANDARD_WEEKLY_HOURS, available)
    return HeadcountResult(team.name, team.shrinkage, STANDARD_WEEKLY_HOURS, table, missing)


def utcnow() -> datetime:
    return datetime.now(UTC)
