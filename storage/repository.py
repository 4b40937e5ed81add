"""Queries and state changes the services need; the only way they reach the database.

Functions take a SQLModel ``Session`` (from the unit of work) and return table rows or the
planner's plain values. State changes that must have exactly one winner are compare-and-set
(``UPDATE … WHERE id = :id AND status = :expected``) and report whether they won.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, Text, case, cast, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel, col, select

from planner.model import AgentInfo, Demand, Leave, ServiceTarget, TeamRules, Window
from planner.model import Shift as PlanShift
from storage.localtime import local_day_bounds
from storage.tables import (
    Agent,
    AuditEvent,
    ProcessedEvent,
    Request,
    Shift,
    Team,
    Volume,
    parse_skills,
)

# ----------------------------------------------------------------------------- teams/agents


def team_by_name(session: Session, name: str) -> Team | None:
    return session.exec(select(Team).where(Team.name == name)).first()


def all_teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.name))).all())


def team_zone(team: Team) -> ZoneInfo:
    return ZoneInfo(team.timezone)


def team_rules(team: Team) -> TeamRules:
    return TeamRules(
        min_rest_hours=team.min_rest_hours,
        max_weekly_hours=team.max_weekly_hours,
        max_consecutive_days=team.max_consecutive_days,
        swap_cutoff_hours=team.swap_cutoff_hours,
        max_off_per_day=team.max_off_per_day,
        approval="auto" if team.approval == "auto" else "lead",
    )


def team_target(team: Team) -> ServiceTarget:
    return ServiceTarget(
        service_level=team.service_level,
        target_seconds=team.target_seconds,
        max_occupancy=team.max_occupancy,
        shrinkage=team.shrinkage,
    )


@dataclass(frozen=True)
class AgentRecord:
    """An agent as plain values: what the use cases read on every request."""

    id: int
    team_id: int
    agent_id: str
    name: str
    role: str
    skills: str
    slack_user_id: str | None
    telegram_user_id: int | None
    weekly_hours: float | None
    lang: str | None = None
    last_lang: str | None = None

    @property
    def skill_set(self) -> frozenset[str]:
        return parse_skills(self.skills)


def agent_records(session: Session, team_id: int) -> list[AgentRecord]:
    """The team's agents as plain values (one query, no ORM objects), by ``agent_id``."""
    rows = session.execute(
        sa_select(
            col(Agent.id),
            col(Agent.team_id),
            col(Agent.agent_id),
            col(Agent.name),
            col(Agent.role),
            col(Agent.skills),
            col(Agent.slack_user_id),
            col(Agent.telegram_user_id),
            col(Agent.weekly_hours),
            col(Agent.lang),
            col(Agent.last_lang),
        )
        .where(col(Agent.team_id) == team_id)
        .order_by(col(Agent.agent_id))
    ).all()
    return [AgentRecord(*row) for row in rows]


def agents_of(session: Session, team_id: int) -> list[Agent]:
    return list(
        session.exec(select(Agent).where(Agent.team_id == team_id).order_by(col(Agent.agent_id)))
    )


def agent_by_pk(session: Session, pk: int) -> Agent | None:
    return session.get(Agent, pk)


def find_agent(
    session: Session,
    team_id: int,
    *,
    agent_id: str | None = None,
    slack_user_id: str | None = None,
    telegram_user_id: int | None = None,
) -> Agent | None:
    query = select(Agent).where(Agent.team_id == team_id)
    if agent_id is not None:
        query = query.where(Agent.agent_id == agent_id)
    elif slack_user_id is not None:
        query = query.where(Agent.slack_user_id == slack_user_id)
    elif telegram_user_id is not None:
        query = query.where(Agent.telegram_user_id == telegram_user_id)
    else:
        return None
    return session.exec(query).first()


def agents_by_transport_id(
    session: Session, *, slack_user_id: str | None = None, telegram_user_id: int | None = None
) -> list[tuple[Agent, Team]]:
    query = select(Agent, Team).join(Team, col(Team.id) == col(Agent.team_id))
    if slack_user_id is not None:
        query = query.where(Agent.slack_user_id == slack_user_id)
    elif telegram_user_id is not None:
        query = query.where(Agent.telegram_user_id == telegram_user_id)
    else:
        return []
    return [(a, t) for a, t in session.exec(query).all()]


def agent_info(agent: Agent | AgentRecord) -> AgentInfo:
    return AgentInfo(
        agent_id=agent.agent_id,
        name=agent.name,
        skills=agent.skill_set,
        role="lead" if agent.role == "lead" else "agent",
        weekly_hours=agent.weekly_hours,
    )


def team_skills(session: Session, team_id: int) -> list[str]:
    skills: set[str] = set()
    for agent in agents_of(session, team_id):
        skills |= agent.skill_set
    return sorted(skills)


# ----------------------------------------------------------------------------------- shifts


def to_plan_shift(shift: Shift, agent_id: str) -> PlanShift:
    return PlanShift(
        agent_id=agent_id,
        local_date=shift.local_date,
        start=shift.start_utc,
        end=shift.end_utc,
        skill=shift.skill,
        breaks=tuple(
            Window(datetime.fromisoformat(s), datetime.fromisoformat(e)) for s, e in shift.breaks
        ),
        id=shift.id,
    )


def shifts_on_dates(
    session: Session, team_id: int, first: date, last: date, *, assigned_only: bool = True
) -> list[tuple[Shift, Agent | None]]:
    query = (
        select(Shift, Agent)
        .join(Agent, col(Agent.id) == col(Shift.agent_pk), isouter=not assigned_only)
        .where(Shift.team_id == team_id, Shift.local_date >= first, Shift.local_date <= last)
        .order_by(col(Shift.start_utc), col(Shift.id))
    )
    return [(s, a) for s, a in session.exec(query).all()]


@lru_cache(maxsize=65_536)
def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@lru_cache(maxsize=4096)
def _breaks(stored: str | None) -> tuple[Window, ...]:
    """A shift's stored breaks (JSON text) as windows; the shifts of a day share a few."""
    if not stored:
        return ()
    return tuple(Window(_instant(b0), _instant(b1)) for b0, b1 in json.loads(stored))


def roster_window(
    session: Session,
    team_id: int,
    first: date,
    last: date,
    agent_pks: Collection[int] | None = None,
) -> list[PlanShift]:
    """Assigned shifts on local dates ``first``..``last`` as planner values.

    Reads plain columns (no ORM objects): the rules ask for thousands of shifts per request
    on a large team. ``agent_pks`` limits the window to those agents. Breaks are read as
    their JSON text and parsed once per distinct value.
    """
    stmt = (
        sa_select(
            col(Shift.id),
            col(Shift.local_date),
            col(Shift.start_utc),
            col(Shift.end_utc),
            col(Shift.skill),
            cast(col(Shift.breaks), Text),
            col(Agent.agent_id),
        )
        .join(Agent, col(Agent.id) == col(Shift.agent_pk))
        .where(
            col(Shift.team_id) == team_id,
            col(Shift.local_date) >= first,
            col(Shift.local_date) <= last,
        )
    )
    if agent_pks is not None:
        stmt = stmt.where(col(Shift.agent_pk).in_(list(agent_pks)))
    return [
        PlanShift(
            agent_id=agent_id,
            local_date=day,
            start=start,
            end=end,
            skill=skill,
            breaks=_breaks(breaks),
            id=shift_id,
        )
        for shift_id, day, start, end, skill, breaks, agent_id in session.execute(stmt).all()
    ]


def shift_ids_of(session: Session, agent_pk: int, first: date, last: date) -> list[int]:
    """Ids of the agent's shifts on local dates ``first``..``last``, in time order."""
    rows = session.execute(
        sa_select(col(Shift.id))
        .where(
            col(Shift.agent_pk) == agent_pk,
            col(Shift.local_date) >= first,
            col(Shift.local_date) <= last,
        )
        .order_by(col(Shift.start_utc))
    ).all()
    return [shift_id for (shift_id,) in rows]


def agents_working_between(
    session: Session, team_id: int, start: datetime, end: datetime
) -> set[int]:
    """Ids of agents with a shift overlapping ``[start, end)``."""
    rows = session.execute(
        sa_select(col(Shift.agent_pk)).where(
            col(Shift.team_id) == team_id,
            col(Shift.agent_pk).is_not(None),
            col(Shift.start_utc) < end,
            col(Shift.end_utc) > start,
        )
    ).all()
    return {pk for (pk,) in rows}


def shift_of(session: Session, agent_pk: int, day: date) -> Shift | None:
    return session.exec(
        select(Shift)
        .where(Shift.agent_pk == agent_pk, Shift.local_date == day)
        .order_by(col(Shift.start_utc))
    ).first()


def shift_by_id(session: Session, shift_id: int, *, lock: bool = False) -> Shift | None:
    query = select(Shift).where(Shift.id == shift_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def upcoming_shifts(
    session: Session, agent_pk: int, after: datetime, limit: int = 10
) -> list[Shift]:
    return list(
        session.exec(
            select(Shift)
            .where(Shift.agent_pk == agent_pk, col(Shift.end_utc) > after)
            .order_by(col(Shift.start_utc))
            .limit(limit)
        )
    )


def reassign_shift(
    session: Session, shift_id: int, expected_agent_pk: int | None, new_agent_pk: int | None
) -> bool:
    """Compare-and-set the worker of a shift; False when someone changed it first."""
    condition = (
        col(Shift.agent_pk).is_(None)
        if expected_agent_pk is None
        else col(Shift.agent_pk) == expected_agent_pk
    )
    values: dict[str, Any] = {"agent_pk": new_agent_pk}
    if new_agent_pk is None:
        values.update(status="open", freed_from_pk=expected_agent_pk)
    else:
        back = case(
            (col(Shift.freed_from_pk) == new_agent_pk, None), else_=col(Shift.freed_from_pk)
        )
        values.update(status="scheduled", freed_from_pk=back)
    result = session.execute(
        update(Shift).where(col(Shift.id) == shift_id, condition).values(**values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------ leave


def approved_leaves(session: Session, team_id: int, first: date, last: date) -> list[Leave]:
    rows = session.exec(
        select(Request, Agent)
        .join(Agent, col(Agent.id) == col(Request.requester_pk))
        .where(
            Request.team_id == team_id,
            Request.kind == "leave",
            Request.status == "approved",
            col(Request.start_date) <= last,
            col(Request.end_date) >= first,
        )
    ).all()
    out: list[Leave] = []
    for req, agent in rows:
        assert req.start_date is not None and req.end_date is not None
        day = max(req.start_date, first)
        while day <= min(req.end_date, last):
            out.append(Leave(agent.agent_id, day))
            day += timedelta(days=1)
    return out


# ----------------------------------------------------------------------------------- demand


def demand_for_day(session: Session, team: Team, day: date, skills: Iterable[str]) -> Demand:
    """Interval demand of the team's local ``day``: history where it happened, else forecast.

    For each interval and skill the best source wins: ``actual`` over ``user`` over ``model``.
    Intervals run over the times of day that have any volume; a day with no volume at all
    gives an empty demand.
    """
    assert team.id is not None
    tz = team_zone(team)
    start, end = local_day_bounds(day, tz)
    rows = session.execute(
        sa_select(
            col(Volume.skill),
            col(Volume.interval_start),
            col(Volume.calls),
            col(Volume.aht_seconds),
            col(Volume.source),
        ).where(
            col(Volume.team_id) == team.id,
            col(Volume.interval_start) >= start,
            col(Volume.interval_start) < end,
        )
    ).all()
    rank = {"actual": 0, "user": 1, "model": 2}
    best: dict[tuple[str, datetime], tuple[float, float, int]] = {}
    for skill, instant, n_calls, aht_s, source in rows:
        key = (skill, instant)
        level = rank.get(source, 9)
        if key not in best or level < best[key][2]:
            best[key] = (n_calls, aht_s, level)
    skill_list = sorted(set(skills) | {k[0] for k in best})
    instants = sorted({k[1] for k in best})
    calls: dict[str, tuple[float, ...]] = {}
    aht: dict[str, tuple[float, ...]] = {}
    for skill in skill_list:
        calls[skill] = tuple(best[(skill, t)][0] if (skill, t) in best else 0.0 for t in instants)
        aht[skill] = tuple(best[(skill, t)][1] if (skill, t) in best else 0.0 for t in instants)
    return Demand(
        interval_starts=tuple(instants),
        interval_seconds=team.interval_minutes * 60,
        calls=calls,
        aht_seconds=aht,
    )


def volume_history(
    session: Session, team: Team, before: datetime
) -> list[tuple[datetime, str, float, float]]:
    """``(local naive interval start, skill, calls, aht)`` of actual volume before ``before``."""
    tz = team_zone(team)
    rows = session.exec(
        select(Volume)
        .where(
            Volume.team_id == team.id,
            Volume.source == "actual",
            col(Volume.interval_start) < before,
        )
        .order_by(col(Volume.interval_start))
    ).all()
    return [
        (r.interval_start.astimezone(tz).replace(tzinfo=None), r.skill, r.calls, r.aht_seconds)
        for r in rows
    ]


def replace_model_forecast(
    session: Session, team: Team, rows: Sequence[tuple[datetime, str, float, float]]
) -> int:
    """Store model forecast rows ``(utc instant, skill, calls, aht)``, replacing older ones.

    The team's model rows of those skills from the first to the last instant are deleted in
    one statement, then the new rows are written in bulk (:func:`_insert_volume`). User and
    actual rows are not touched: they win over model rows when demand is read. Returns the
    number of rows stored.
    """
    assert team.id is not None
    if not rows:
        return 0
    first = min(r[0] for r in rows)
    last = max(r[0] for r in rows)
    table = _volume_table()
    session.execute(
        table.delete().where(
            table.c.team_id == team.id,
            table.c.source == "model",
            table.c.interval_start >= first,
            table.c.interval_start <= last,
            table.c.skill.in_(sorted({r[1] for r in rows})),
        )
    )
    _insert_volume(
        session,
        [(team.id, skill, instant, calls, aht, "model") for instant, skill, calls, aht in rows],
    )
    return len(rows)


VOLUME_BATCH_ROWS = 1_000
"""Rows per multi-row ``INSERT`` (6 columns: 6,000 bind parameters, far below SQLite's
32,766 and PostgreSQL's 65,535)."""

_VOLUME_COLUMNS = ("team_id", "skill", "interval_start", "calls", "aht_seconds", "source")


def _volume_table() -> Table:
    return SQLModel.metadata.tables[str(Volume.__tablename__)]


def _insert_volume(
    session: Session, records: Sequence[tuple[int, str, datetime, float, float, str]]
) -> None:
    """Insert volume rows ``(team_id, skill, instant, calls, aht, source)`` in bulk.

    PostgreSQL with psycopg: one ``COPY … FROM STDIN`` (no bind parameters at all; the
    foreign-key check and the three indexes are then most of the cost). SQLite: multi-row
    ``INSERT … VALUES`` of :data:`VOLUME_BATCH_ROWS` rows. Any other driver: executemany in
    batches of that size. Values go through the columns' types as in every other write
    (instants must be aware; SQLite gets SQLAlchemy's text form), and everything stays in
    the session's transaction.
    """
    if not records:
        return
    table = _volume_table()
    connection = session.connection()
    dialect = connection.dialect
    columns = ", ".join(_VOLUME_COLUMNS)
    native = dialect.name == "sqlite" or (
        dialect.name == "postgresql" and dialect.driver == "psycopg"
    )
    if not native:
        values = [dict(zip(_VOLUME_COLUMNS, record, strict=True)) for record in records]
        for start in range(0, len(values), VOLUME_BATCH_ROWS):
            connection.execute(table.insert(), values[start : start + VOLUME_BATCH_ROWS])
        return
    # Exactly the values SQLAlchemy would send (SQLite keeps instants as text, and range
    # queries compare that text), converted a column at a time.
    by_column: list[Sequence[Any]] = list(zip(*records, strict=True))
    for index, name in enumerate(_VOLUME_COLUMNS):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            by_column[index] = list(map(process, by_column[index]))
    if dialect.name == "postgresql":
        raw: Any = connection.connection.dbapi_connection
        statement = f"COPY volume ({columns}) FROM STDIN"
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for record in zip(*by_column, strict=True):
                    copy.write_row(record)
        except dialect.loaded_dbapi.Error as exc:  # the same exception types as execute()
            raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
        return
    row = "(" + ", ".join("?" * len(_VOLUME_COLUMNS)) + ")"
    for start in range(0, len(records), VOLUME_BATCH_ROWS):
        batch = [values[start : start + VOLUME_BATCH_ROWS] for values in by_column]
        connection.exec_driver_sql(
            f"INSERT INTO volume ({columns}) VALUES " + ", ".join([row] * len(batch[0])),
            tuple(chain.from_iterable(zip(*batch, strict=True))),
        )


def user_forecast_keys(
    session: Session, team: Team, first: datetime, last: datetime
) -> set[tuple[str, datetime]]:
    """``(skill, instant)`` of user-supplied forecast rows between ``first`` and ``last``."""
    rows = session.exec(
        select(Volume).where(
            Volume.team_id == team.id,
            Volume.source == "user",
            col(Volume.interval_start) >= first,
            col(Volume.interval_start) <= last,
        )
    ).all()
    return {(r.skill, r.interval_start) for r in rows}


# --------------------------------------------------------------------------------- requests


def request_by_id(session: Session, request_id: int, *, lock: bool = False) -> Request | None:
    query = select(Request).where(Request.id == request_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def compare_and_set_status(
    session: Session, request_id: int, expected: str, new: str, **values: Any
) -> bool:
    """Move a request from ``expected`` to ``new``; False when another decision came first."""
    result = session.execute(
        update(Request)
        .where(col(Request.id) == request_id, col(Request.status) == expected)
        .values(status=new, **values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def requests_of_team(
    session: Session, team_id: int, statuses: Sequence[str] | None = None
) -> list[Request]:
    query = select(Request).where(Request.team_id == team_id)
    if statuses is not None:
        query = query.where(col(Request.status).in_(list(statuses)))
    return list(session.exec(query.order_by(col(Request.id))))


def requests_involving(session: Session, agent_pk: int, statuses: Sequence[str]) -> list[Request]:
    query = (
        select(Request)
        .where(
            or_(
                col(Request.requester_pk) == agent_pk,
                col(Request.counterpart_pk) == agent_pk,
                col(Request.taker_pk) == agent_pk,
            ),
            col(Request.status).in_(list(statuses)),
        )
        .order_by(col(Request.id))
    )
    return list(session.exec(query))


def any_due(session: Session, now: datetime, statuses: Sequence[str]) -> bool:
    """Whether some pending request's time has come (a cheap read before taking a lock)."""
    row = session.exec(
        select(Request.id)
        .where(
            col(Request.status).in_(list(statuses)),
            col(Request.expires_at).is_not(None),
            col(Request.expires_at) <= now,
        )
        .limit(1)
    ).first()
    return row is not None


def expire_due(session: Session, now: datetime, statuses: Sequence[str]) -> list[int]:
    """Mark pending requests whose shift has started as expired; returns their ids."""
    due = session.exec(
        select(Request.id).where(
            col(Request.status).in_(list(statuses)),
            col(Request.expires_at).is_not(None),
            col(Request.expires_at) <= now,
        )
    ).all()
    expired: list[int] = []
    for request_id in due:
        assert request_id is not None
        req = request_by_id(session, request_id)
        if req is None:
            continue
        if compare_and_set_status(session, request_id, req.status, "expired", updated_at=now):
            add_audit(
                session,
                team_id=req.team_id,
                actor="system",
                action="expire",
                request_id=request_id,
                before={"status": req.status},
                after={"status": "expired"},
                at=now,
            )
            expired.append(request_id)
    return expired


# ------------------------------------------------------------------------------------ audit


def add_audit(
    session: Session,
    *,
    team_id: int | None,
    actor: str,
    action: str,
    request_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        AuditEvent(
            team_id=team_id,
            actor=actor,
            action=action,
            request_id=request_id,
            before=before,
            after=after,
            note=note,
            at=at or datetime.now(UTC),
        )
    )


def audit_of_request(session: Session, request_id: int) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.request_id == request_id)
            .order_by(col(AuditEvent.id))
        )
    )


# --------------------------------------------------------------------- exactly-once helpers


def claim_event(session: Session, source: str, event_id: str) -> bool:
    """Record a transport event; False if it was already recorded (a retry or a duplicate)."""
    return _insert_once(session, ProcessedEvent, {"source": source, "event_id": event_id})


def _insert_once(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: True when this call inserted the row.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and
    then inserts nothing, so exactly one caller wins, across processes.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table).values(**values).on_conflict_do_nothing().returning(table.id)
        return session.execute(stmt).first() is not None
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt2 = sqlite_insert(table).values(**values).on_conflict_do_nothing().returning(table.id)
        return session.execute(stmt2).first() is not None
    try:
        with session.begin_nested():
            session.execute(insert(table).values(**values))
        return True
    except IntegrityError:
        return False
