"""Migrations: head matches the models, every step goes down and up again, and data survives.

Each case gets a database of its own (a new SQLite file, a new PostgreSQL schema), because
these tests create and drop the schema itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import alembic_config
from tests.conftest import fresh_pg_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database with no schema at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    with fresh_pg_schema("shiftbot_mig") as url:
        yield url


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _differences(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _insert_team(conn: Connection) -> None:
    """Team 1 as the schema of that revision has it: every required column gets a value."""
    values: dict[str, Any] = {"id": 1, "name": "cards", "timezone": "UTC"}
    for column in inspect(conn).get_columns("team"):
        name = column["name"]
        if name in values or column["nullable"] or column.get("default") is not None:
            continue
        python = column["type"].python_type
        values[name] = {int: 0, float: 0.0, str: "x"}.get(python, "{}")
    names = ", ".join(values)
    conn.execute(text(f"INSERT INTO team ({names}) VALUES (:{', :'.join(values)})"), values)


def test_head_schema_is_exactly_what_the_models_declare(fresh_url: str) -> None:
    command.upgrade(alembic_config(fresh_url), "head")
    assert _differences(fresh_url) == []


def test_every_revision_goes_down_and_up_again(fresh_url: str) -> None:
    cfg = alembic_config(fresh_url)
    command.upgrade(cfg, "head")
    revisions = _revisions()
    for previous in reversed([None, *revisions[:-1]]):
        command.downgrade(cfg, previous or "base")
    assert _tables(fresh_url) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert _differences(fresh_url) == []


def test_volume_rows_survive_the_index_change_and_stay_unique(fresh_url: str) -> None:
    cfg = alembic_config(fresh_url)
    command.upgrade(cfg, "0003")
    engine = create_engine(fresh_url)
    instant = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    row = {"t": 1, "k": "cards", "i": instant.isoformat(), "c": 12.0, "a": 240.0, "s": "actual"}
    insert = text(
        "INSERT INTO volume (team_id, skill, interval_start, calls, aht_seconds, source) "
        "VALUES (:t, :k, :i, :c, :a, :s)"
    )
    try:
        with engine.begin() as conn:
            _insert_team(conn)
            conn.execute(insert, row)
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT skill, calls FROM volume")).all()
        assert [tuple(r) for r in stored] == [("cards", 12.0)]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, row)
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("volume")}
        assert "ix_volume_team_start" not in indexes
    finally:
        engine.dispose()
