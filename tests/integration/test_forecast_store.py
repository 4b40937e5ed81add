"""Storing the model's forecast in bulk, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, col
from sqlmodel import select as model_select

from storage import repository as repo
from storage.tables import Team, Volume
from storage.unit_of_work import UnitOfWork

TPE = ZoneInfo("Asia/Taipei")
HALF_HOUR = timedelta(minutes=30)
SKILLS = ("cards", "loans", "wealth")
Row = tuple[datetime, str, float, float]


def make_team(engine: Engine, name: str = "card-hotline") -> None:
    with UnitOfWork(engine) as uow:
        uow.session.add(Team(name=name, timezone="Asia/Taipei"))
        uow.commit()


def forecast(
    first: datetime, intervals: int, skills: Sequence[str] = SKILLS, bump: float = 0.0
) -> list[Row]:
    return [
        (first + i * HALF_HOUR, skill, round(i % 40 + k + bump, 1), 240.0 + 10 * k + i % 3)
        for i in range(intervals)
        for k, skill in enumerate(skills)
    ]


def store(engine: Engine, rows: Sequence[Row], team_name: str = "card-hotline") -> int:
    with UnitOfWork(engine) as uow:
        team = repo.team_by_name(uow.session, team_name)
        assert team is not None
        stored = repo.replace_model_forecast(uow.session, team, rows)
        uow.commit()
    return stored


def store_row_by_row(engine: Engine, rows: Sequence[Row], team_name: str) -> None:
    """The former one-object-per-row store: update the matching model row or add one."""
    with UnitOfWork(engine) as uow:
        session = uow.session
        team = repo.team_by_name(session, team_name)
        assert team is not None and team.id is not None
        first, last = min(r[0] for r in rows), max(r[0] for r in rows)
        existing = session.exec(
            model_select(Volume).where(
                col(Volume.team_id) == team.id,
                col(Volume.source) == "model",
                col(Volume.interval_start) >= first,
                col(Volume.interval_start) <= last,
            )
        ).all()
        current = {(v.skill, v.interval_start): v for v in existing}
        for instant, skill, calls, aht in rows:
            row = current.get((skill, instant))
            if row is None:
                session.add(
                    Volume(
                        team_id=team.id,
                        skill=skill,
                        interval_start=instant,
                        calls=calls,
                        aht_seconds=aht,
                        source="model",
                    )
                )
            else:
                row.calls, row.aht_seconds = calls, aht
        uow.commit()


def volume_rows(engine: Engine, team_name: str = "card-hotline") -> list[tuple[object, ...]]:
    with Session(engine) as session:
        team = repo.team_by_name(session, team_name)
        assert team is not None
        found = session.execute(
            select(
                col(Volume.source),
                col(Volume.skill),
                col(Volume.interval_start),
                col(Volume.calls),
                col(Volume.aht_seconds),
            )
            .where(col(Volume.team_id) == team.id)
            .order_by(col(Volume.source), col(Volume.skill), col(Volume.interval_start))
        ).all()
    return [tuple(r) for r in found]


def add_volume(engine: Engine, rows: Sequence[Row], source: str) -> None:
    with UnitOfWork(engine) as uow:
        team = repo.team_by_name(uow.session, "card-hotline")
        assert team is not None and team.id is not None
        for instant, skill, calls, aht in rows:
            uow.session.add(
                Volume(
                    team_id=team.id,
                    skill=skill,
                    interval_start=instant,
                    calls=calls,
                    aht_seconds=aht,
                    source=source,
                )
            )
        uow.commit()


def local(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TPE).astimezone(UTC)


def test_a_stored_forecast_reads_back_as_the_same_rows(engine: Engine) -> None:
    make_team(engine)
    rows = forecast(local(date(2027, 3, 1)), 48 * 3)
    assert store(engine, rows) == len(rows)
    got = volume_rows(engine)
    expected = sorted(("model", s, t, c, h) for t, s, c, h in rows)
    assert got == expected
    assert all(isinstance(r[2], datetime) and r[2].tzinfo is not None for r in got)


def test_storing_again_gives_the_same_rows_as_storing_one_row_at_a_time(engine: Engine) -> None:
    make_team(engine, "bulk")
    make_team(engine, "row-by-row")
    old = forecast(local(date(2027, 3, 1)), 48 * 4)
    new = forecast(local(date(2027, 3, 3)), 48 * 4, bump=0.5)
    for rows in (old, new):
        store(engine, rows, "bulk")
        store_row_by_row(engine, rows, "row-by-row")
    bulk, reference = volume_rows(engine, "bulk"), volume_rows(engine, "row-by-row")
    assert bulk == reference
    # Two days only in the old forecast, four days of the new one: six days in all.
    assert len(bulk) == 48 * 6 * len(SKILLS)


def test_user_and_actual_rows_are_kept_and_a_user_forecast_still_wins(engine: Engine) -> None:
    make_team(engine)
    day = date(2027, 3, 2)
    add_volume(engine, forecast(local(day), 48, skills=("cards",), bump=100.0), "user")
    add_volume(engine, forecast(local(day - timedelta(days=1)), 48, bump=7.0), "actual")
    before = [r for r in volume_rows(engine) if r[0] != "model"]
    rows = forecast(local(day - timedelta(days=1)), 48 * 3)
    store(engine, rows)
    newer = forecast(local(day - timedelta(days=1)), 48 * 3, bump=1.0)
    store(engine, newer)
    after = volume_rows(engine)
    assert [r for r in after if r[0] != "model"] == before
    assert sorted(r[1:] for r in after if r[0] == "model") == sorted(
        (s, t, c, h) for t, s, c, h in newer
    )
    with UnitOfWork(engine, read_only=True) as uow:
        team = repo.team_by_name(uow.session, "card-hotline")
        assert team is not None
        demand = repo.demand_for_day(uow.session, team, day, SKILLS)
        keys = repo.user_forecast_keys(uow.session, team, rows[0][0], rows[-1][0])
    users = {t: c for source, s, t, c, _ in before if source == "user"}
    models = {(s, t): c for t, s, c, _ in newer}
    assert len(keys) == 48
    assert demand.calls["cards"] == tuple(users[t] for t in demand.interval_starts)
    assert demand.calls["loans"] == tuple(models["loans", t] for t in demand.interval_starts)


def test_the_first_and_last_instant_of_a_range_are_replaced_not_doubled(engine: Engine) -> None:
    make_team(engine)
    first = local(date(2027, 3, 1))
    store(engine, forecast(first, 48))
    store(engine, forecast(first, 1, bump=3.0))
    store(engine, forecast(first + 47 * HALF_HOUR, 1, bump=5.0))
    got = volume_rows(engine)
    assert len(got) == 48 * len(SKILLS)
    at_first = [r for r in got if r[2] == first]
    assert [r[3] for r in at_first] == [3.0, 4.0, 5.0]


def test_a_year_for_three_skills_is_stored_in_one_call(engine: Engine) -> None:
    make_team(engine)
    rows = forecast(local(date(2027, 1, 1)), 365 * 48)
    assert len(rows) == 52_560
    store(engine, rows)
    store(engine, rows)
    got = volume_rows(engine)
    assert len(got) == len(rows)
    assert got[0] == ("model", "cards", rows[0][0], rows[0][2], rows[0][3])
    assert got[-1][2] == rows[-1][0]


def test_a_failed_store_leaves_the_previous_forecast_as_it_was(engine: Engine) -> None:
    make_team(engine)
    store(engine, forecast(local(date(2027, 3, 1)), 48))
    before = volume_rows(engine)
    newer = forecast(local(date(2027, 3, 1)), 48 * 2, bump=2.0)
    with pytest.raises(IntegrityError):
        store(engine, [*newer, newer[-1]])  # the same interval twice: the unique key refuses
    assert volume_rows(engine) == before
    naive = [(t.replace(tzinfo=None), s, c, h) for t, s, c, h in newer]
    with pytest.raises(StatementError, match="timezone-aware"):
        store(engine, naive)
    assert volume_rows(engine) == before


def test_nothing_to_store_stores_nothing(engine: Engine) -> None:
    make_team(engine)
    assert store(engine, []) == 0
    assert volume_rows(engine) == []
