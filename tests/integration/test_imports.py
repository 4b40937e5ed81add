"""Importing and exporting the user's files, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from bot.cli import main
from storage.db import alembic_config, make_engine
from tests.conftest import TABLES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
            for t in TABLES
        }


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name in ("teams.toml", "agents.csv", "shifts.csv", "volume.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def load_all(capsys: pytest.CaptureFixture[str], db_url: str, files: Path) -> None:
    for argv in (
        ("import", "teams", str(files / "teams.toml")),
        ("import", "agents", str(files / "agents.csv"), "--team", "card-hotline"),
        ("import", "shifts", str(files / "shifts.csv"), "--team", "card-hotline"),
        ("import", "volume", str(files / "volume.csv"), "--team", "card-hotline"),
    ):
        code, _out, err = run(capsys, *argv, "--database-url", db_url)
        assert code == 0, err


def test_migrations_match_the_models(db_url: str) -> None:
    command.check(alembic_config(db_url))


def test_init_db_is_repeatable(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "init-db", "--database-url", db_url)
    assert code == 0 and "newest schema" in out


def test_import_then_export_round_trips(
    db_url: str, files: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    load_all(capsys, db_url, files)
    code, exported, _ = run(
        capsys, "export", "shifts", "--team", "card-hotline", "--database-url", db_url
    )
    assert code == 0
    assert exported.splitlines() == [
        "agent_id,date,start,end,skill,breaks",
        "amy,2026-12-01,08:00,17:00,cards,12:00-13:00",
        "bob,2026-12-01,13:00,22:00,cards,17:30-18:00",
        "cara,2026-12-01,22:00,06:00,loans,02:00-02:30",
        "amy,2026-12-02,08:00,17:00,loans,",
    ]
    before = snapshot(engine)
    again = files / "exported.csv"
    again.write_text(exported, encoding="utf-8")
    code, out, _ = run(
        capsys,
        "import",
        "shifts",
        str(again),
        "--team",
        "card-hotline",
        "--database-url",
        db_url,
    )
    assert code == 0 and "0 created, 0 updated, 4 unchanged" in out
    assert snapshot(engine) == before


def test_reimporting_the_same_files_changes_nothing(
    db_url: str, files: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    load_all(capsys, db_url, files)
    before = snapshot(engine)
    load_all(capsys, db_url, files)
    assert snapshot(engine) == before


def test_a_shift_crossing_midnight_ends_the_next_morning(
    db_url: str, files: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    load_all(capsys, db_url, files)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT s.start_utc, s.end_utc FROM shift s JOIN agent a ON a.id = s.agent_pk "
                "WHERE a.agent_id = 'cara'"
            )
        ).one()
    start, end = (v if isinstance(v, datetime) else datetime.fromisoformat(v) for v in row)
    start, end = (v.replace(tzinfo=UTC) if v.tzinfo is None else v for v in (start, end))
    # 22:00 Taipei (UTC+8) on Dec 1 is 14:00 UTC; 06:00 next day is 22:00 UTC.
    assert start == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def test_replacing_shifts_in_the_files_range_removes_the_ones_left_out(
    db_url: str, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_all(capsys, db_url, files)
    smaller = files / "smaller.csv"
    smaller.write_text(
        "agent_id,date,start,end,skill\namy,2026-12-01,09:00,18:00,cards\n", encoding="utf-8"
    )
    code, out, _ = run(
        capsys, "import", "shifts", str(smaller), "--team", "card-hotline", "--database-url", db_url
    )
    assert code == 0 and "1 created" in out and "3 removed" in out
    _, exported, _ = run(
        capsys, "export", "shifts", "--team", "card-hotline", "--database-url", db_url
    )
    assert exported.splitlines()[1:] == [
        "amy,2026-12-01,09:00,18:00,cards,",
        "amy,2026-12-02,08:00,17:00,loans,",
    ]


BAD_SHIFTS = {
    "unknown agent": (
        "agent_id,date,start,end,skill\nzed,2026-12-01,08:00,17:00,cards\n",
        "shifts.csv:2: agent_id: unknown agent 'zed'",
    ),
    "bad date": (
        "agent_id,date,start,end,skill\namy,2026-12-01,08:00,17:00,cards\n"
        "amy,2026-13-01,08:00,17:00,cards\n",
        "shifts.csv:3: date: '2026-13-01' is not a date",
    ),
    "bad time": (
        "agent_id,date,start,end,skill\namy,2026-12-01,8am,17:00,cards\n",
        "shifts.csv:2: start: '8am' is not a time",
    ),
    "skill the agent lacks": (
        "agent_id,date,start,end,skill\nbob,2026-12-01,08:00,17:00,wealth\n",
        "shifts.csv:2: skill: bob does not have skill 'wealth'",
    ),
    "overlapping shifts": (
        "agent_id,date,start,end,skill\namy,2026-12-01,08:00,17:00,cards\n"
        "amy,2026-12-01,16:00,22:00,cards\n",
        "shifts.csv:3: start: shift of amy overlaps the shift on line 2",
    ),
    "missing column": (
        "agent_id,date,start,skill\namy,2026-12-01,08:00,cards\n",
        "shifts.csv:1: end: missing column(s) end",
    ),
    "broken csv line": (
        "agent_id,date,start,end,skill\namy,2026-12-01,08:00\n",
        "shifts.csv:2: start: expected 5 fields, found 3",
    ),
    "break outside the shift": (
        "agent_id,date,start,end,skill,breaks\namy,2026-12-01,08:00,17:00,cards,18:00-18:30\n",
        "shifts.csv:2: breaks: break 18:00-18:30 is not inside the shift",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SHIFTS))
def test_a_bad_shifts_file_is_refused_and_nothing_changes(
    case: str, db_url: str, files: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    load_all(capsys, db_url, files)
    before = snapshot(engine)
    content, expected = BAD_SHIFTS[case]
    bad = files / "shifts.csv"
    bad.write_text(content, encoding="utf-8")
    code, _out, err = run(
        capsys, "import", "shifts", str(bad), "--team", "card-hotline", "--database-url", db_url
    )
    assert code == 2
    assert expected in err
    assert "nothing was imported" in err
    assert snapshot(engine) == before


def test_non_utf8_bytes_are_refused_with_the_line_and_column(
    db_url: str, files: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    load_all(capsys, db_url, files)
    before = snapshot(engine)
    bad = files / "agents.csv"
    bad.write_bytes(
        b"agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours\n"
        b"dan,Dan \xe9t\xe9,agent,cards,,,40\n"
    )
    code, _out, err = run(
        capsys, "import", "agents", str(bad), "--team", "card-hotline", "--database-url", db_url
    )
    assert code == 2
    assert "agents.csv:2: name: not valid UTF-8 (byte 0xe9)" in err
    assert snapshot(engine) == before


def test_an_unknown_timezone_is_refused(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    bad = tmp_path / "teams.toml"
    bad.write_text(
        '[[team]]\nname = "x"\ntimezone = "Asia/Taipe"\ninterval_minutes = 30\n', encoding="utf-8"
    )
    before = snapshot(engine)
    code, _out, err = run(capsys, "import", "teams", str(bad), "--database-url", db_url)
    assert code == 2
    assert "teams.toml:3: timezone: unknown timezone 'Asia/Taipe'" in err
    assert snapshot(engine) == before


def test_a_bad_rule_in_a_teams_file_names_its_line(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "teams.toml"
    bad.write_text(
        '[[team]]\nname = "x"\ntimezone = "UTC"\n[team.rules]\napproval = "boss"\n'
        "max_off_per_day = -1\n",
        encoding="utf-8",
    )
    code, _out, err = run(capsys, "import", "teams", str(bad), "--database-url", db_url)
    assert code == 2
    assert "teams.toml:5: approval: 'boss' is not allowed" in err
    assert "teams.toml:6: max_off_per_day: -1 is out of range" in err


def test_a_volume_row_off_the_interval_grid_is_refused(
    db_url: str, files: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    load_all(capsys, db_url, files)
    before = snapshot(engine)
    bad = files / "volume.csv"
    bad.write_text(
        "interval_start,skill,calls,aht_seconds\n2026-11-02T08:15,cards,10,240\n"
        "2026-11-02T08:30,cards,-3,240\n",
        encoding="utf-8",
    )
    code, _out, err = run(
        capsys, "import", "volume", str(bad), "--team", "card-hotline", "--database-url", db_url
    )
    assert code == 2
    assert "volume.csv:2: interval_start: 2026-11-02T08:15 is not aligned" in err
    assert "volume.csv:3: calls: '-3' is not a number of calls" in err
    assert snapshot(engine) == before


def test_importing_into_an_unknown_team_says_so(
    db_url: str, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        capsys,
        "import",
        "agents",
        str(files / "agents.csv"),
        "--team",
        "nope",
        "--database-url",
        db_url,
    )
    assert code == 2 and "unknown team 'nope'" in err


def test_commands_on_an_empty_database_ask_for_init_db(
    tmp_path: Path, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, _out, err = run(
        capsys, "import", "teams", str(files / "teams.toml"), "--database-url", url
    )
    assert code == 2 and "shiftbot init-db" in err
    make_engine(url).dispose()
