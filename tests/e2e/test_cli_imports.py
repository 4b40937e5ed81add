"""An analyst re-imports a roster after the team has been using the bot, with `shiftbot`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import AGENTS, SHIFTS, TEAM, TEAMS

NOW = "2026-11-30T10:00+08:00"
ENV = {**os.environ, "SHIFTBOT_LOG_LEVEL": "WARNING"}


def shiftbot(db_url: str, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv, "--database-url", db_url],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
        check=False,
    )


@pytest.fixture
def files(tmp_path: Path, db_url: str) -> Path:
    (tmp_path / "teams.toml").write_text(TEAMS.format(approval="lead", max_off=2), "utf-8")
    (tmp_path / "agents.csv").write_text(AGENTS, "utf-8")
    (tmp_path / "shifts.csv").write_text(SHIFTS, "utf-8")
    for kind in ("teams", "agents", "shifts"):
        argv = ["import", kind, str(tmp_path / f"{kind}.{'toml' if kind == 'teams' else 'csv'}")]
        if kind != "teams":
            argv += ["--team", TEAM]
        done = shiftbot(db_url, *argv)
        assert done.returncode == 0, done.stderr
    return tmp_path


def export(db_url: str) -> list[str]:
    done = shiftbot(
        db_url, "export", "shifts", "--team", TEAM, "--from", "2026-12-01", "--to", "2026-12-01"
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_sick_call_survives_a_re_import_until_the_analyst_forces_it(
    db_url: str, files: Path
) -> None:
    console = shiftbot(
        db_url, "console", "--team", TEAM, "--as", "cara", "--now", NOW, stdin="sick 2026-12-01\n"
    )
    assert console.returncode == 0, console.stderr
    assert ",2026-12-01,09:00,18:00,loans," in export(db_url)

    refused = shiftbot(db_url, "import", "shifts", str(files / "shifts.csv"), "--team", TEAM)
    assert refused.returncode == 2
    assert "shifts.csv:5: agent_id: this row would replace the open shift on 2026-12-01" in (
        refused.stderr
    )
    assert "request #1 (open sick call)" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert ",2026-12-01,09:00,18:00,loans," in export(db_url)

    forced = shiftbot(
        db_url, "import", "shifts", str(files / "shifts.csv"), "--team", TEAM, "--force"
    )
    assert forced.returncode == 0, forced.stderr
    assert "1 request cancelled" in forced.stdout
    assert "cara,2026-12-01,09:00,18:00,loans," in export(db_url)


def test_an_export_imported_back_changes_nothing(db_url: str, files: Path) -> None:
    console = shiftbot(
        db_url, "console", "--team", TEAM, "--as", "cara", "--now", NOW, stdin="sick 2026-12-01\n"
    )
    assert console.returncode == 0, console.stderr
    done = shiftbot(db_url, "export", "shifts", "--team", TEAM)
    (files / "roster.csv").write_text(done.stdout, "utf-8")
    again = shiftbot(db_url, "import", "shifts", str(files / "roster.csv"), "--team", TEAM)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "shifts: 0 created, 0 updated, 10 unchanged"


def test_bad_dates_on_the_command_line_are_refused(db_url: str, files: Path) -> None:
    done = shiftbot(
        db_url, "export", "shifts", "--team", TEAM, "--from", "2026-12-07", "--to", "2026-12-01"
    )
    assert done.returncode == 2
    assert "--from 2026-12-07 is after --to 2026-12-01" in done.stderr
    done = shiftbot(db_url, "export", "shifts", "--team", TEAM, "--from", "20261201")
    assert done.returncode == 2
    assert "'20261201' is not a date in YYYY-MM-DD form" in done.stderr
    done = shiftbot(
        db_url, "import", "agents", str(files / "agents.csv"), "--team", TEAM, "--force"
    )
    assert (
        done.returncode == 2 and "--force applies to `shiftbot import shifts` only" in done.stderr
    )


def test_a_reader_is_not_blocked_by_a_writer_in_another_process(db_url: str, files: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from sqlalchemy import text\n"
            "from storage.db import make_engine\n"
            "from storage.unit_of_work import UnitOfWork\n"
            "with UnitOfWork(make_engine(sys.argv[1])) as uow:\n"
            "    uow.session.execute(text('UPDATE team SET reminder_hours = 5'))\n"
            "    print('holding', flush=True)\n"
            "    sys.stdin.readline()\n",
            db_url,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        lines = export(db_url)
        assert len(lines) == 5
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        try:
            holder.wait(timeout=60)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
