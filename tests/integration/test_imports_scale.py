"""A year of shifts for 400 agents: more rows than PostgreSQL's 65,535 bind parameters."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.importers import import_shifts
from storage.unit_of_work import UnitOfWork

TEAM = "year-desk"
AGENTS = 400
DAYS = 365
FIRST = date(2027, 1, 4)


def shiftbot(db_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv, "--database-url", db_url],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "SHIFTBOT_LOG_LEVEL": "WARNING"},
        check=False,
    )


def write_year(path: Path, start: str, end: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("agent_id,date,start,end,skill,breaks\n")
        for d in range(DAYS):
            day = (FIRST + timedelta(days=d)).isoformat()
            for a in range(AGENTS):
                out.write(f"a{a:03d},{day},{start},{end},cards,12:00-12:30\n")


@pytest.mark.slow
def test_a_year_for_400_agents_imports_replaces_and_exports_in_bounded_memory(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "teams.toml").write_text(
        f'[[team]]\nname = "{TEAM}"\ntimezone = "Europe/Berlin"\n', encoding="utf-8"
    )
    (tmp_path / "agents.csv").write_text(
        "agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours\n"
        + "".join(f"a{a:03d},Agent {a},agent,cards,,,40\n" for a in range(AGENTS)),
        encoding="utf-8",
    )
    assert shiftbot(db_url, "import", "teams", str(tmp_path / "teams.toml")).returncode == 0
    done = shiftbot(db_url, "import", "agents", str(tmp_path / "agents.csv"), "--team", TEAM)
    assert done.returncode == 0, done.stderr
    year = tmp_path / "year.csv"
    write_year(year, "08:00", "16:00")
    rows = AGENTS * DAYS

    done = shiftbot(db_url, "import", "shifts", str(year), "--team", TEAM)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"shifts: {rows} created, 0 updated, 0 unchanged")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mib < 500

    later = tmp_path / "later.csv"
    write_year(later, "09:00", "17:00")
    with UnitOfWork(engine) as uow:
        result = import_shifts(uow.session, later, TEAM)
        uow.commit()
    assert (result.created, result.deleted, result.unchanged) == (rows, rows, 0)

    done = shiftbot(db_url, "export", "shifts", "--team", TEAM)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == rows + 1
    assert lines[1] == f"a000,{FIRST.isoformat()},09:00,17:00,cards,12:00-12:30"
    with engine.connect() as conn:
        audited = conn.execute(
            text("SELECT COUNT(*) FROM audit_event WHERE action = 'import_shift'")
        ).scalar_one()
    assert audited == 3 * rows
