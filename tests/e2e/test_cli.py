"""The analyst command line, as a new user meets it: options, bad figures, pipes, reports."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col

from bot.cli import build_parser, main
from planner.erlang import erlang_c_asa, erlang_c_service_level, occupancy
from storage.tables import Volume
from tests.factories import TEAM, TZ, seed

_ENTRY = Path(sys.executable).with_name("shiftbot")
SHIFTBOT = [str(_ENTRY)] if _ENTRY.exists() else [sys.executable, "-m", "bot.cli"]
QUIET = {"SHIFTBOT_LOG_LEVEL": "WARNING"}


def volume(*days: str, calls: float = 12.0) -> str:
    """Volume CSV: every half hour 08:00–21:30 of each day, cards, ``calls`` at 240 s."""
    rows = "".join(
        f"{day}T{h:02d}:{m:02d},cards,{calls},240\n"
        for day in days
        for h in range(8, 22)
        for m in (0, 30)
    )
    return "interval_start,skill,calls,aht_seconds\n" + rows


def shiftbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``shiftbot`` entry point, as a user would."""
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [*SHIFTBOT, *args],
        cwd=cwd,
        env={**base, **QUIET, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main`` in this process; argparse's own exit (bad option values) gives code 2."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def team(engine: Engine, db_url: str, tmp_path: Path) -> str:
    """Shifts on Tue 1 – Thu 3 Dec 2026; volume on Fri 27 Nov (history), 1 and 4 Dec."""
    seed(engine, tmp_path, volume=volume("2026-11-27", "2026-12-01", "2026-12-04"))
    return db_url


# -- the database is the one the user names -----------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_the_database_url_is_honoured_before_or_after_the_command(
    tmp_path: Path, where: str
) -> None:
    named, other = tmp_path / "named.db", tmp_path / "other.db"
    option = ["--database-url", f"sqlite:///{named}"]
    argv = [*option, "init-db"] if where == "before" else ["init-db", *option]
    result = shiftbot(*argv, cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{other}"})
    assert result.returncode == 0, result.stderr
    assert named.exists()
    assert not other.exists()
    assert not (tmp_path / "shiftbot.db").exists()
    assert str(named) in result.stdout


def test_without_the_option_the_environment_names_the_database(tmp_path: Path) -> None:
    from_env = tmp_path / "from-env.db"
    result = shiftbot("init-db", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{from_env}"})
    assert result.returncode == 0, result.stderr
    assert from_env.exists() and not (tmp_path / "shiftbot.db").exists()


def test_a_command_does_not_create_a_database_it_cannot_find(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    code, _out, err = run(
        capsys,
        "--database-url",
        f"sqlite:///{missing}",
        "staffing",
        "--team",
        TEAM,
        "--date",
        "2026-12-01",
    )
    assert code == 2
    assert f"there is no database at {missing}" in err and "init-db" in err
    assert not missing.exists()


def test_the_console_takes_an_agent_id_in_any_case(team: str, tmp_path: Path) -> None:
    argv = ["console", "--team", TEAM, "--as", "AMY", "--now", "2026-11-30T10:00+08:00"]
    result = shiftbot(*argv, "--database-url", team, cwd=tmp_path, stdin="mine\n")
    assert result.returncode == 0, result.stderr
    assert "Tue 1 Dec" in result.stdout or "12/1" in result.stdout, result.stdout


# -- output cut short by its reader ------------------------------------------------------


def test_staffing_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        result = subprocess.run(
            [*SHIFTBOT, "staffing", "--calls", "300", "--aht", "240"],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, **QUIET},
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == ""


def test_a_team_day_piped_into_head_ends_quietly(team: str, tmp_path: Path) -> None:
    command = [*SHIFTBOT, "staffing", "--team", TEAM, "--date", "2026-12-01"]
    command += ["--database-url", team]
    producer = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **QUIET},
    )
    assert producer.stdout is not None and producer.stderr is not None
    head = subprocess.run(
        ["head", "-1"], stdin=producer.stdout, capture_output=True, text=True, timeout=120
    )
    producer.stdout.close()
    err = producer.stderr.read().decode()
    producer.stderr.close()
    assert producer.wait(timeout=120) == 0
    assert err == ""
    assert head.stdout.startswith(f"{TEAM} Tue 1 Dec 2026")


# -- a team's day ---------------------------------------------------------------------------


def test_a_past_day_without_a_roster_says_so(team: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, "staffing", "--team", TEAM, "--date", "2026-11-27", "--database-url", team
    )
    assert code == 0
    assert "no roster for Fri 27 Nov 2026" in out
    assert "0.0%" not in out and " SL " not in out
    assert re.search(r"08:00\s+cards\s+12\.0\s+240\s+\d+", out)


def test_a_future_day_without_shifts_says_so_in_json_too(
    team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(
        capsys, "staffing", "--team", TEAM, "--date", "2026-12-04", "--json", "--database-url", team
    )
    assert code == 0
    data = json.loads(out)
    assert data["rostered"] is False and data["weighted_service_level"] is None
    assert all(r["service_level"] is None and r["scheduled"] == 0 for r in data["intervals"])
    assert all(r["required"] > 0 for r in data["intervals"] if r["skill"] == "cards")


def test_a_day_without_demand_says_so(team: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(
        capsys, "staffing", "--team", TEAM, "--date", "2026-12-03", "--database-url", team
    )
    assert code == 2
    assert "no demand for Thu 3 Dec 2026" in err and "shiftbot forecast" in err


def test_an_unknown_team_lists_the_known_ones(
    team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["staffing", "--team", "x", "--date", "2026-12-01"],
        ["headcount", "--team", "x", "--from", "2026-11-30", "--to", "2026-12-06"],
        ["forecast", "--team", "x", "--from", "2026-12-07", "--to", "2026-12-08"],
    ):
        code, _out, err = run(capsys, *argv, "--database-url", team)
        assert code == 2
        assert err.strip() == f"shiftbot: unknown team 'x'; known teams: {TEAM}"


def test_team_day_json_keeps_full_precision(team: str, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.services import roster
    from storage.db import make_engine
    from storage.unit_of_work import UnitOfWork

    code, out, _err = run(
        capsys, "staffing", "--team", TEAM, "--date", "2026-12-01", "--json", "--database-url", team
    )
    assert code == 0
    data = json.loads(out)
    engine = make_engine(team)
    with UnitOfWork(engine) as uow:
        day = roster.staffing_day(uow, TEAM, date(2026, 12, 1))
    engine.dispose()
    assert data["rostered"] is True
    assert data["weighted_service_level"] == day.weighted_service_level
    for got, row in zip(data["intervals"], day.rows, strict=True):
        assert got["scheduled"] == row.scheduled and got["gap"] == row.gap
        assert got["service_level"] == row.service_level
        assert got["occupancy"] == row.occupancy


def test_an_interval_no_head_count_can_staff_is_marked_and_the_day_still_reported(
    team: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    nine = datetime(2026, 12, 1, 9, 0, tzinfo=TZ).astimezone(UTC)
    with engine.begin() as conn:
        done = conn.execute(
            update(Volume).where(col(Volume.interval_start) == nine).values(calls=1e300)
        )
        assert done.rowcount == 1
    code, out, _err = run(
        capsys, "staffing", "--team", TEAM, "--date", "2026-12-01", "--database-url", team
    )
    assert code == 0
    marked = [line for line in out.splitlines() if "unreachable" in line]
    assert len(marked) == 1 and marked[0].startswith("09:00")
    assert re.search(r"^08:30\s+cards\s+12\.0\s+240\s+\d+\s+", out, re.MULTILINE)
    assert "1 interval-skill rows have a target no head count can meet" in out
    code, out, _err = run(
        capsys, "staffing", "--team", TEAM, "--date", "2026-12-01", "--json", "--database-url", team
    )
    rows = {(r["interval_start"], r["skill"]): r for r in json.loads(out)["intervals"]}
    assert rows["2026-12-01T09:00", "cards"]["reachable"] is False
    assert rows["2026-12-01T09:00", "cards"]["required"] is None
    assert rows["2026-12-01T08:30", "cards"]["reachable"] is True
    assert rows["2026-12-01T08:30", "cards"]["required"] > 0


# -- one interval ---------------------------------------------------------------------------


def test_interval_json_keeps_full_precision(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "staffing", "--calls", "300", "--aht", "240", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["agents"] == 46
    assert data["offered_load_erlangs"] == 40.0
    assert data["service_level"] == float(erlang_c_service_level(46, 40.0, 240.0, 20.0))
    assert data["asa_seconds"] == float(erlang_c_asa(46, 40.0, 240.0))
    assert data["occupancy"] == float(occupancy(46, 40.0)) == 40 / 46


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--calls", "1e20"),
        ("--calls", "100001"),
        ("--calls", "-1"),
        ("--calls", "nan"),
        ("--calls", "inf"),
        ("--calls", "lots"),
        ("--aht", "0"),
        ("--aht", "86401"),
        ("--aht", "-inf"),
        ("--interval", "0"),
        ("--sl", "0"),
        ("--sl", "1"),
        ("--sl", "80"),
        ("--target-time", "-1"),
        ("--max-occupancy", "0"),
        ("--max-occupancy", "1.01"),
        ("--shrinkage", "1"),
        ("--shrinkage", "-0.1"),
        ("--patience", "0"),
        ("--patience", "nan"),
    ],
)
def test_impossible_staffing_figures_get_a_clear_error(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = {"--calls": "300", "--aht": "240", option: value}
    code, out, err = run(capsys, "staffing", *[f"{k}={v}" for k, v in argv.items()])
    assert code == 2
    assert out == ""
    assert f"argument {option}: expected a number" in err and repr(value) in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "extra",
    [
        ["--max-occupancy", "1"],
        ["--shrinkage", "0"],
        ["--calls", "100000", "--aht", "86400", "--interval", "60"],
        ["--calls", "0"],
        ["--target-time", "0"],
        ["--patience", "86400"],
    ],
)
def test_figures_at_the_edges_of_their_ranges_are_accepted(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["staffing", "--calls", "300", "--aht", "240", *extra, "--json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert json.loads(out)["agents"] >= 0


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "2026-02-30 is not a valid date (February has 28 days in 2026)"),
        ("2028-02-30", "2028-02-30 is not a valid date (February has 29 days in 2028)"),
        ("2026-04-31", "2026-04-31 is not a valid date (April has 30 days in 2026)"),
        ("2026-13-01", "2026-13-01 is not a valid date (there is no month 13"),
        ("2026-12-00", "2026-12-00 is not a valid date (December has 31 days in 2026)"),
        ("12/24/2026", "'12/24/2026' is not a date in YYYY-MM-DD form"),
        ("2026-1a-01", "'2026-1a-01' is not a date in YYYY-MM-DD form"),
        ("tomorrow", "'tomorrow' is not a date in YYYY-MM-DD form"),
        ("0001-01-01", "0001-01-01 is out of range: use a date from 1900-01-01 to 9998-12-31"),
        ("9999-12-31", "9999-12-31 is out of range: use a date from 1900-01-01 to 9998-12-31"),
        ("0000-01-01", "0000-01-01 is not a valid date (there is no year 0)"),
    ],
)
def test_a_date_that_does_not_exist_says_why(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "staffing", "--team", TEAM, "--date", value)
    assert code == 2
    assert f"argument --date: {message}" in err


# -- help -----------------------------------------------------------------------------------


def _parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(parser.prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_parsers(sub))
    return found


def test_every_option_of_every_command_has_help() -> None:
    missing = [
        f"{prog}: {action.option_strings or action.dest}"
        for prog, parser in _parsers(build_parser())
        for action in parser._actions
        if not (action.help and action.help.strip())
    ]
    assert missing == []
    assert len(_parsers(build_parser())) >= 10


def test_help_and_parse_start_without_the_database_or_numerics(tmp_path: Path) -> None:
    heavy = ("numpy", "scipy", "pandas", "sqlalchemy", "sqlmodel", "alembic")
    for argv in (["parse", "open shifts", "--json"], ["--help"], ["staffing", "--help"]):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "bot.cli", *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **QUIET, "PYTHONPATH": str(Path(__file__).parents[2])},
        )
        assert result.returncode == 0, result.stderr
        imported = {
            line.split("|")[-1].strip().split(".")[0]
            for line in result.stderr.splitlines()
            if line.startswith("import time:")
        }
        assert imported.isdisjoint(heavy), sorted(imported & set(heavy))
    assert json.loads(result_of_parse(tmp_path, "open shifts"))["intent"] == "open"


def result_of_parse(cwd: Path, message: str) -> str:
    result = shiftbot("parse", message, "--json", "--now", "2026-11-25T10:00+08:00", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("message", "intent", "dates"),
    [
        ("open shifts", "open", []),
        ("有哪些班可以接", "open", []),
        ("off tomorrow", "off", ["2026-11-26"]),
        ("明天誰請假", "off", ["2026-11-26"]),
        ("who can cover 12/8?", "staffing", ["2026-12-08"]),
        ("leave Dec 20 to Dec 18", "leave", ["2026-12-20", "2026-12-18"]),
    ],
)
def test_parse_json_knows_the_new_intents(
    message: str, intent: str, dates: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "parse", message, "--json", "--now", "2026-11-25T10:00+08:00")
    assert code == 0
    data = json.loads(out)
    assert (data["intent"], data["dates"]) == (intent, dates)


def test_parse_text_shows_the_problem_and_the_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = ["--now", "2026-11-25T10:00+08:00"]
    _code, out, _err = run(capsys, "parse", "leave Dec 20 to Dec 18", *now)
    assert "problem:    parse.reversed_range: The range ends (Fri 18 Dec)" in out
    _code, out, _err = run(capsys, "parse", "swpa fri with @Bob", *now)
    assert "suggestion: swap" in out and "users:      bob" in out


# -- headcount ------------------------------------------------------------------------------


def test_headcount_reports_whole_iso_weeks_and_says_so(
    team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["headcount", "--team", TEAM, "--from", "2026-12-02", "--to", "2026-12-05"]
    code, out, _err = run(capsys, *argv, "--database-url", team)
    assert code == 0
    assert out.startswith(f"{TEAM} week 2026-W49 (Mon 30 Nov – Sun 6 Dec)")
    assert "(--from 2026-12-02 --to 2026-12-05 extended to whole ISO weeks" in out
    assert "only 2 of 7 days have volume" in out
    code, out, _err = run(capsys, *argv, "--json", "--database-url", team)
    data = json.loads(out)
    assert (data["from"], data["to"]) == ("2026-11-30", "2026-12-06")
    assert (data["requested_from"], data["requested_to"]) == ("2026-12-02", "2026-12-05")
    assert {w["week_start"] for w in data["weeks"]} == {"2026-11-30"}
    cards = next(w for w in data["weeks"] if w["skill"] == "cards")
    assert cards["days_with_volume"] == 2
    assert cards["fte_needed"] == cards["required_hours"] / (1 - data["shrinkage"]) / 40.0


def test_headcount_over_weeks_across_the_year_end_names_both_years(
    team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["headcount", "--team", TEAM, "--from", "2026-12-30", "--to", "2027-01-12"]
    code, out, _err = run(capsys, *argv, "--database-url", team)
    assert code == 0
    assert out.startswith(f"{TEAM} weeks 2026-W53..2027-W02 (Mon 28 Dec – Sun 17 Jan)")
