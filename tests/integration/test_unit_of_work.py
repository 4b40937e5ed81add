"""The unit of work: rolls back unless committed; look-ups never wait for a writer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage import repository as repo
from storage.unit_of_work import UnitOfWork
from tests.factories import TEAM, seed


def test_leaving_without_commit_rolls_everything_back(engine: Engine, tmp_path: Path) -> None:
    seed(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        uow.session.execute(text("UPDATE agent SET name = 'X'"))
    with UnitOfWork(engine, read_only=True) as uow:
        team = repo.team_by_name(uow.session, TEAM)
        assert team is not None and team.id is not None
        assert "X" not in {a.name for a in repo.agents_of(uow.session, team.id)}


def test_a_look_up_reads_while_a_writer_holds_the_database(engine: Engine, tmp_path: Path) -> None:
    seed(engine, tmp_path)
    with UnitOfWork(engine) as writer:
        writer.session.execute(text("UPDATE agent SET name = 'Y' WHERE agent_id = 'amy'"))
        started = time.monotonic()
        with UnitOfWork(engine, read_only=True) as reader:
            assert repo.team_by_name(reader.session, TEAM) is not None
        waited = time.monotonic() - started
    # A look-up that queued behind the writer would wait for the 15 s busy timeout.
    assert waited < 10


def test_a_read_only_unit_of_work_refuses_to_commit(engine: Engine) -> None:
    with UnitOfWork(engine, read_only=True) as uow, pytest.raises(RuntimeError):
        uow.commit()
