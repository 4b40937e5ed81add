"""Imports that never lose a chat decision, and files refused alike on SQLite and PostgreSQL."""

from __future__ import annotations

import getpass
import json
import math
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from bot.cli import main
from bot.services import requests as svc
from storage import db, importers
from storage.importers import export_shifts
from storage.tables import Team
from storage.unit_of_work import UnitOfWork
from tests.conftest import TABLES
from tests.factories import NOW, SHIFTS, TEAM, seed

DEC1, DEC2 = date(2026, 12, 1), date(2026, 12, 2)
HEADER = "agent_id,date,start,end,skill,breaks\n"


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


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def as_dict(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def roster(engine: Engine, day: date | None = None) -> list[str]:
    with UnitOfWork(engine, read_only=True) as uow:
        return export_shifts(uow.session, TEAM, day, day).splitlines()[1:]


@pytest.fixture
def team(engine: Engine, tmp_path: Path) -> Engine:
    seed(engine, tmp_path)
    return engine


@pytest.fixture
def team_with_volume(engine: Engine, tmp_path: Path) -> Engine:
    """The team with call volume on Tue 1 Dec, so its staffing can be reported."""
    volume = "interval_start,skill,calls,aht_seconds\n" + "".join(
        f"2026-12-01T{h:02d}:{m:02d},cards,12,240\n" for h in range(8, 22) for m in (0, 30)
    )
    seed(engine, tmp_path, volume=volume)
    return engine


def import_cli(
    capsys: pytest.CaptureFixture[str], db_url: str, path: Path, *extra: str
) -> tuple[int, str, str]:
    return run(
        capsys, "import", "shifts", str(path), "--team", TEAM, "--database-url", db_url, *extra
    )


def approved_swap(engine: Engine) -> int:
    """amy's Dec 1 08:00 and bob's Dec 1 13:00 swapped, accepted and approved."""
    with UnitOfWork(engine) as uow:
        rid = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW).request.id
    with UnitOfWork(engine) as uow:
        svc.answer(uow, TEAM, "bob", rid, True, NOW)
    with UnitOfWork(engine) as uow:
        svc.decide(uow, TEAM, "lin", rid, True, NOW)
    return rid


# ------------------------------------------------------------------- teams and agents keys

TEAMS_WITH_NEW_KEYS = """[[team]]
name = "card-hotline"
timezone = "Asia/Taipei"
language = "zh-Hant"
reminder_hours = 2.5
[team.rules]
staffing = "deny"
[team.skill_names]
cards = { en = "Cards", zh-Hant = "信用卡" }
loans = { zh-Hans = "贷款" }
"""


def test_a_teams_file_sets_staffing_policy_language_reminders_and_skill_names(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "teams.toml"
    path.write_text(TEAMS_WITH_NEW_KEYS, encoding="utf-8")
    code, out, err = run(capsys, "import", "teams", str(path), "--database-url", db_url)
    assert code == 0, err
    assert "1 created" in out
    with UnitOfWork(engine, read_only=True) as uow:
        team = uow.session.exec(select(Team)).one()
        assert team.staffing_policy == "deny"
        assert team.language == "zh-Hant"
        assert team.reminder_hours == 2.5
        assert team.skill_names == {
            "cards": {"en": "Cards", "zh-Hant": "信用卡"},
            "loans": {"zh-Hans": "贷款"},
        }
    before = snapshot(engine)
    code, out, _ = run(capsys, "import", "teams", str(path), "--database-url", db_url)
    assert code == 0 and "1 unchanged" in out
    assert snapshot(engine) == before


def test_team_settings_left_out_get_their_defaults(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "teams.toml"
    path.write_text(TEAMS_WITH_NEW_KEYS, encoding="utf-8")
    run(capsys, "import", "teams", str(path), "--database-url", db_url)
    path.write_text('[[team]]\nname = "card-hotline"\ntimezone = "Asia/Taipei"\n', encoding="utf-8")
    code, out, _ = run(capsys, "import", "teams", str(path), "--database-url", db_url)
    assert code == 0 and "1 updated" in out
    with UnitOfWork(engine, read_only=True) as uow:
        team = uow.session.exec(select(Team)).one()
        assert (team.staffing_policy, team.language, team.reminder_hours, team.skill_names) == (
            "review",
            None,
            4.0,
            {},
        )
    audit = rows(engine, "SELECT before, after FROM audit_event WHERE action = 'import_team'")
    [(before, after)] = [(as_dict(b), as_dict(a)) for b, a in audit if as_dict(b) is not None]
    assert (before["staffing_policy"], after["staffing_policy"]) == ("deny", "review")
    assert (before["language"], after["language"]) == ("zh-Hant", None)


def test_an_agents_file_may_say_which_language_each_person_reads(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "agents2.csv"
    path.write_text(
        "agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours,lang\n"
        "amy,Amy Chen,agent,cards;loans,U0AMY00001,1001,40,zh-Hant\n"
        "bob,Bob Lin,agent,cards,U0BOB00002,1002,40,\n"
        "zoe,Zoe Wu,agent,cards,,,0,zh-Hans\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "import", "agents", str(path), "--team", TEAM, "--database-url", db_url
    )
    assert code == 0, err
    assert "1 created, 1 updated, 1 unchanged" in out
    langs = dict(
        rows(team, "SELECT agent_id, lang FROM agent WHERE agent_id IN ('amy', 'bob', 'zoe')")
    )
    assert langs == {"amy": "zh-Hant", "bob": None, "zoe": "zh-Hans"}
    assert rows(team, "SELECT weekly_hours FROM agent WHERE agent_id = 'zoe'") == [(0.0,)]


# ------------------------------------------------------------ decisions survive re-imports


def test_re_importing_after_an_approved_swap_is_refused_naming_the_request(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = approved_swap(team)
    before = snapshot(team)
    code, _out, err = import_cli(capsys, db_url, tmp_path / "shifts.csv")
    assert code == 2
    assert (
        "shifts.csv:2: agent_id: this row would replace bob's shift on 2026-12-01 08:00–17:00 "
        f"cards, which has request #{rid} (approved swap)"
    ) in err
    assert (
        "shifts.csv:3: agent_id: this row would replace amy's shift on 2026-12-01 13:00–22:00 "
        f"cards, which has request #{rid} (approved swap)" in err
    )
    assert "--force" in err and "nothing was imported" in err
    assert snapshot(team) == before


def test_a_row_exactly_as_stored_is_fine_after_a_swap(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approved_swap(team)
    exported = tmp_path / "roster.csv"
    code, text_out, _ = run(capsys, "export", "shifts", "--team", TEAM, "--database-url", db_url)
    exported.write_text(text_out, encoding="utf-8")
    before = snapshot(team)
    code, out, err = import_cli(capsys, db_url, exported)
    assert code == 0, err
    assert out.startswith("shifts: 0 created, 0 updated, 10 unchanged")
    assert "removed" not in out
    assert snapshot(team) == before


def test_a_shift_a_pending_swap_is_about_cannot_be_changed_silently(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW).request.id
    changed = tmp_path / "changed.csv"
    changed.write_text(
        SHIFTS.replace("amy,2026-12-01,08:00,17:00", "amy,2026-12-01,08:00,16:00"), encoding="utf-8"
    )
    before = snapshot(team)
    code, _out, err = import_cli(capsys, db_url, changed)
    assert code == 2
    assert (
        "changed.csv:2: agent_id: this row would replace amy's shift on 2026-12-01 08:00–17:00 "
        f"cards, which has request #{rid} (pending swap)" in err
    )
    assert snapshot(team) == before


def test_a_file_that_leaves_out_a_decided_shift_points_at_the_lines_of_that_date(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = approved_swap(team)
    smaller = tmp_path / "smaller.csv"
    smaller.write_text(
        HEADER
        + "dan,2026-12-01,08:00,17:00,cards,\n"
        + "cara,2026-12-01,09:00,18:00,loans,\n"
        + "eve,2026-12-01,12:00,20:00,cards,\n",
        encoding="utf-8",
    )
    code, _out, err = import_cli(capsys, db_url, smaller)
    assert code == 2
    assert (
        "smaller.csv:2-4: agent_id: the file covers 2026-12-01 but leaves out bob's shift on "
        f"2026-12-01 08:00–17:00 cards, which has request #{rid} (approved swap)"
    ) in err
    assert "leaves out amy's shift on 2026-12-01 13:00–22:00 cards" in err


def test_a_sick_call_leaves_an_open_shift_that_is_exported_and_kept(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.report_sick(uow, TEAM, "cara", DEC1, NOW).request.id
    code, exported, _ = run(
        capsys,
        "export",
        "shifts",
        "--team",
        TEAM,
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-01",
        "--database-url",
        db_url,
    )
    assert code == 0
    assert ",2026-12-01,09:00,18:00,loans," in exported.splitlines()
    code, _out, err = import_cli(capsys, db_url, tmp_path / "shifts.csv")
    assert code == 2
    assert (
        "shifts.csv:5: agent_id: this row would replace the open shift on 2026-12-01 "
        f"09:00–18:00 loans, which has request #{rid} (open sick call)" in err
    )
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    before = snapshot(team)
    code, out, err = import_cli(capsys, db_url, again)
    assert code == 0, err
    assert out.startswith("shifts: 0 created, 0 updated, 4 unchanged")
    assert snapshot(team) == before


def test_an_open_row_in_a_file_creates_an_open_shift_that_a_later_file_may_fill(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "open.csv"
    path.write_text(HEADER + ",2026-12-05,08:00,17:00,loans,12:00-13:00\n", encoding="utf-8")
    code, out, err = import_cli(capsys, db_url, path)
    assert code == 0, err
    assert rows(
        team, "SELECT agent_pk, status FROM shift WHERE local_date = :d", d=date(2026, 12, 5)
    ) == [(None, "open")]
    assert roster(team, date(2026, 12, 5)) == [",2026-12-05,08:00,17:00,loans,12:00-13:00"]
    path.write_text(HEADER + "cara,2026-12-05,08:00,17:00,loans,12:00-13:00\n", encoding="utf-8")
    code, out, err = import_cli(capsys, db_url, path)
    assert code == 0, err
    assert "1 created" in out and "1 removed" in out
    assert roster(team, date(2026, 12, 5)) == ["cara,2026-12-05,08:00,17:00,loans,12:00-13:00"]


def test_force_replaces_them_cancels_pending_requests_and_tells_the_people_on_them(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with UnitOfWork(team) as uow:
        swap = svc.request_swap(uow, TEAM, "dan", "amy", DEC2, None, NOW).request.id
    with UnitOfWork(team) as uow:
        sick = svc.report_sick(uow, TEAM, "cara", DEC1, NOW).request.id
    changed = tmp_path / "changed.csv"
    changed.write_text(
        SHIFTS.replace("dan,2026-12-02,13:00,22:00", "dan,2026-12-02,14:00,22:00"), encoding="utf-8"
    )
    code, _out, err = import_cli(capsys, db_url, changed)
    assert code == 2 and f"#{swap} (pending swap)" in err and f"#{sick} (open sick call)" in err
    code, out, err = import_cli(capsys, db_url, changed, "--force")
    assert code == 0, err
    assert out.startswith(
        "shifts: 2 created, 0 updated, 8 unchanged, 2 removed, 2 requests cancelled"
    )
    statuses = rows(
        team, "SELECT id, status, decided_at IS NOT NULL, decision_note FROM request ORDER BY id"
    )
    assert statuses == [
        (swap, "cancelled", True, "cancelled by the import of changed.csv"),
        (sick, "cancelled", True, "cancelled by the import of changed.csv"),
    ]
    cancels = rows(
        team,
        "SELECT request_id, actor, note FROM audit_event WHERE action = 'cancel' "
        "ORDER BY request_id",
    )
    assert cancels == [
        (swap, "import", "cancelled by the import of changed.csv"),
        (sick, "import", "cancelled by the import of changed.csv"),
    ]
    outbox = rows(
        team, "SELECT recipient, kind, request_id, payload, delivered_at FROM outbox ORDER BY id"
    )
    assert [(r, k, q, as_dict(p), d) for r, k, q, p, d in outbox] == [
        ("dan", "request_cancelled", swap, {"reason": "import", "file": "changed.csv"}, None),
        ("amy", "request_cancelled", swap, {"reason": "import", "file": "changed.csv"}, None),
        ("cara", "request_cancelled", sick, {"reason": "import", "file": "changed.csv"}, None),
    ]
    assert "cara,2026-12-01,09:00,18:00,loans," in roster(team, DEC1)
    assert "dan,2026-12-02,14:00,22:00,cards," in roster(team, DEC2)


def test_every_import_is_audited_with_who_ran_it_and_each_shift_before_and_after(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "week.csv"
    path.write_text(
        HEADER
        + "amy,2026-12-01,08:00,16:00,cards,12:00-12:30\n"  # updated: ends earlier
        + "bob,2026-12-01,13:00,22:00,cards,17:30-18:00\n"  # unchanged
        + "eve,2026-12-01,08:00,17:00,cards,\n",  # created
        encoding="utf-8",
    )
    start = rows(team, "SELECT COALESCE(MAX(id), 0) FROM audit_event")[0][0]
    code, out, err = import_cli(capsys, db_url, path)
    assert code == 0, err
    assert out.startswith("shifts: 1 created, 1 updated, 1 unchanged, 2 removed")
    audit = rows(
        team,
        "SELECT actor, action, before, after, note FROM audit_event WHERE id > :start ORDER BY id",
        start=start,
    )
    actor = "import:" + getpass.getuser()
    assert {a for a, *_ in audit} == {actor}
    assert {n for *_, n in audit} == {"week.csv"}
    changes = [(as_dict(b), as_dict(a)) for _, action, b, a, _ in audit if action == "import_shift"]
    removed = sorted(b["agent_id"] for b, a in changes if a is None)
    created = [a for b, a in changes if b is None]
    updated = [(b, a) for b, a in changes if b is not None and a is not None]
    assert removed == ["cara", "dan"]
    assert created == [
        {
            "agent_id": "eve",
            "date": "2026-12-01",
            "start": "08:00",
            "end": "17:00",
            "skill": "cards",
        }
    ]
    [(old, new)] = updated
    assert (old["end"], old["breaks"], new["end"], new["breaks"]) == (
        "17:00",
        "12:00-13:00",
        "16:00",
        "12:00-12:30",
    )
    assert old["shift_id"] == new["shift_id"]
    [summary] = [a for _, action, _, a, _ in audit if action == "import"]
    assert as_dict(summary) == {
        "file": "week.csv",
        "kind": "shifts",
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "removed": 2,
        "cancelled": 0,
    }


def test_batches_smaller_than_the_file_give_the_same_roster(
    team: Engine,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importers, "BATCH_ROWS", 7)
    monkeypatch.setattr(importers, "STREAM_ROWS", 5)
    path = tmp_path / "month.csv"
    lines = [
        f"{who},2026-12-{day:02d},{'08:00,16:00' if (day + k) % 2 else '14:00,22:00'},cards,\n"
        for day in range(1, 29)
        for k, who in enumerate(("amy", "bob", "dan", "eve"))
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    code, out, err = import_cli(capsys, db_url, path)
    assert code == 0, err
    assert "removed" in out
    exported = tmp_path / "exported.csv"
    code, text_out, _ = run(capsys, "export", "shifts", "--team", TEAM, "--database-url", db_url)
    assert len(text_out.splitlines()) == 1 + len(lines)
    exported.write_text(text_out, encoding="utf-8")
    code, out, _ = import_cli(capsys, db_url, exported)
    assert out.startswith(f"shifts: 0 created, 0 updated, {len(lines)} unchanged")
    shifted = tmp_path / "shifted.csv"
    shifted.write_text(
        HEADER + "".join(line.replace(",22:00,", ",21:00,") for line in lines), encoding="utf-8"
    )
    code, out, err = import_cli(capsys, db_url, shifted)
    assert code == 0, err
    assert out.startswith(
        f"shifts: 0 created, {len(lines) // 2} updated, {len(lines) // 2} unchanged"
    )
    audit = rows(team, "SELECT after FROM audit_event WHERE action = 'import_shift'")
    ends = [(as_dict(after) or {}).get("end") for (after,) in audit]
    assert ends.count("21:00") == len(lines) // 2


# ---------------------------------------------------------------- size, locks and reading


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as out:
        out.truncate(importers.MAX_FILE_BYTES + 1)
    before = snapshot(team)
    code, _out, err = import_cli(capsys, db_url, huge)
    assert code == 2
    assert "huge.csv: file: the file is 256.0 MB; files up to 256 MB are imported" in err
    assert snapshot(team) == before


@pytest.fixture
def writer_holding_the_lock(team: Engine) -> Iterator[threading.Event]:
    """A transaction that has written and waits: as a long import does, until released."""
    holding, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with UnitOfWork(team) as uow:
                uow.session.execute(text("UPDATE team SET reminder_hours = 5"))
                if team.dialect.name == "postgresql":
                    uow.session.execute(text("SELECT id FROM team FOR UPDATE"))
                holding.set()
                release.wait(timeout=60)
        except BaseException as exc:  # reported by the fixture below
            failure.append(exc)
            holding.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(timeout=30)
    yield release
    release.set()
    thread.join(timeout=60)
    assert not failure, failure


def test_export_and_staffing_read_while_an_import_holds_the_write_lock(
    team_with_volume: Engine,
    db_url: str,
    writer_holding_the_lock: threading.Event,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "export", "shifts", "--team", TEAM, "--database-url", db_url)
    assert code == 0, err
    assert len(out.splitlines()) == 11
    code, out, err = run(
        capsys,
        "staffing",
        "--team",
        TEAM,
        "--date",
        "2026-12-01",
        "--json",
        "--database-url",
        db_url,
    )
    assert code == 0, err
    assert json.loads(out)["team"] == TEAM


def test_an_import_that_cannot_get_the_lock_says_the_database_is_busy(
    team: Engine,
    db_url: str,
    tmp_path: Path,
    writer_holding_the_lock: threading.Event,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    code, _out, err = import_cli(capsys, db_url, tmp_path / "shifts.csv")
    assert code == 1
    assert err.strip() == (
        "shiftbot: the database is busy (another import or the bot is writing); "
        "try again in a moment"
    )
    assert "Traceback" not in err and "locked" not in err


def test_export_with_from_after_to_is_refused(
    team: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "export",
        "shifts",
        "--team",
        TEAM,
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-01",
        "--database-url",
        db_url,
    )
    assert code == 2 and out == ""
    assert "--from 2026-12-07 is after --to 2026-12-01" in err


# ----------------------------------------------------------------- the same refusals twice

BERLIN = """[[team]]
name = "berlin-desk"
timezone = "Europe/Berlin"
"""
AGENTS_HEADER = "agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours\n"
BERLIN_AGENTS = AGENTS_HEADER + "ada,Ada,agent,cards,,,40\n"

LONG = "x" * 201
BAD_FILES: dict[str, tuple[str, str, str]] = {
    # name: (kind, content, expected message)
    "ISO week date": (
        "shifts",
        HEADER + "amy,2026-W52-7,08:00,17:00,cards,\n",
        "shifts.csv:2: date: '2026-W52-7' is not a date in YYYY-MM-DD form",
    ),
    "basic date": (
        "shifts",
        HEADER + "amy,20261201,08:00,17:00,cards,\n",
        "shifts.csv:2: date: '20261201' is not a date in YYYY-MM-DD form",
    ),
    "year 1": (
        "shifts",
        HEADER + "amy,0001-01-01,08:00,17:00,cards,\n",
        "shifts.csv:2: date: 0001-01-01 is outside the dates shiftbot handles",
    ),
    "year 9999": (
        "shifts",
        HEADER + "amy,9999-12-31,22:00,06:00,cards,\n",
        "shifts.csv:2: date: 9999-12-31 is outside the dates shiftbot handles",
    ),
    "superscript digit": (
        "shifts",
        HEADER + "amy,2026-12-01,²:00,17:00,cards,\n",
        "shifts.csv:2: start: '²:00' is not a time in HH:MM form",
    ),
    "24-hour shift": (
        "shifts",
        HEADER + "amy,2026-12-01,08:00,08:00,cards,\n",
        "shifts.csv:2: end: a 24-hour shift is not allowed; split it",
    ),
    "NUL byte": (
        "shifts",
        HEADER + "amy\x00,2026-12-01,08:00,17:00,cards,\n",
        "shifts.csv:2: agent_id: contains a NUL character",
    ),
    "unterminated quote": (
        "shifts",
        HEADER
        + "amy,2026-12-01,08:00,17:00,cards,\n"
        + 'bob,"2026-12-01,13:00,22:00,cards,\n'
        + "dan,2026-12-01,08:00,17:00,cards,\n",
        "shifts.csv:3: text: a quoted field opened on this line is never closed",
    ),
    "duplicate column": (
        "shifts",
        "agent_id,date,start,end,skill,skill\n",
        "shifts.csv:1: skill: duplicate column 'skill' (columns 5 and 6)",
    ),
    "open shift of an unknown skill": (
        "shifts",
        HEADER + ",2026-12-01,08:00,17:00,wealth,\n",
        "shifts.csv:2: skill: no agent of team card-hotline has skill 'wealth'",
    ),
    "break at 24:00 start": (
        "shifts",
        HEADER + "amy,2026-12-01,20:00,04:00,cards,24:00-00:30\n",
        "shifts.csv:2: breaks:",
    ),
    "long name": (
        "agents",
        AGENTS_HEADER + "zed," + LONG + ",agent,cards,,,40\n",
        "agents.csv:2: name: the name is 201 characters long; at most 200 are allowed",
    ),
    "long agent id": (
        "agents",
        AGENTS_HEADER + "" + "z" * 65 + ",Zed,agent,cards,,,40\n",
        "agents.csv:2: agent_id: agent id is 65 characters long; at most 64 are allowed",
    ),
    "long skill": (
        "agents",
        AGENTS_HEADER + "zed,Zed,agent," + "s" * 65 + ",,,40\n",
        "agents.csv:2: skills: skill name is 65 characters long; at most 64 are allowed",
    ),
    "long skills list": (
        "agents",
        AGENTS_HEADER + "zed,Zed,agent," + ";".join(f"skill{i:03d}" for i in range(60)) + ",,,40\n",
        "agents.csv:2: skills: the skills list is 539 characters long; at most 500 are allowed",
    ),
    "long slack id": (
        "agents",
        AGENTS_HEADER + "zed,Zed,agent,cards,U" + "A" * 32 + ",,40\n",
        "agents.csv:2: slack_user_id: 'U" + "A" * 32 + "' is not a Slack user id",
    ),
    "telegram id over 64 bits": (
        "agents",
        AGENTS_HEADER + "zed,Zed,agent,cards,,9223372036854775808,40\n",
        "agents.csv:2: telegram_user_id: '9223372036854775808' is out of range",
    ),
    "NaN hours": (
        "agents",
        AGENTS_HEADER + "zed,Zed,agent,cards,,,nan\n",
        "agents.csv:2: weekly_hours: 'nan' is not a number of hours",
    ),
    "infinite hours": (
        "agents",
        AGENTS_HEADER + "zed,Zed,agent,cards,,,1e999\n",
        "agents.csv:2: weekly_hours: '1e999' is not a number of hours",
    ),
    "unknown language": (
        "agents",
        "agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours,lang\nzed,Zed,agent,cards,,,40,fr\n",
        "agents.csv:2: lang: 'fr' is not a language; use en, zh-Hant, zh-Hans",
    ),
    "NUL in a name": (
        "agents",
        AGENTS_HEADER + "zed,Z\x00ed,agent,cards,,,40\n",
        "agents.csv:2: name: contains a NUL character",
    ),
    "NaN calls": (
        "volume",
        "interval_start,skill,calls,aht_seconds\n2026-11-02T08:00,cards,nan,240\n",
        "volume.csv:2: calls: 'nan' is not a number of calls",
    ),
    "infinite calls": (
        "volume",
        "interval_start,skill,calls,aht_seconds\n2026-11-02T08:00,cards,inf,240\n",
        "volume.csv:2: calls: 'inf' is not a number of calls",
    ),
    "too many calls": (
        "volume",
        "interval_start,skill,calls,aht_seconds\n2026-11-02T08:00,cards,100001,240\n",
        "volume.csv:2: calls: '100001' is not a number of calls (0 to 100000)",
    ),
    "zero handling time": (
        "volume",
        "interval_start,skill,calls,aht_seconds\n2026-11-02T08:00,cards,10,0\n",
        "volume.csv:2: aht_seconds: '0' is not a handling time in seconds",
    ),
    "day-long handling time": (
        "volume",
        "interval_start,skill,calls,aht_seconds\n2026-11-02T08:00,cards,10,86401\n",
        "volume.csv:2: aht_seconds: '86401' is not a handling time in seconds (1 to 86400)",
    ),
    "NaN handling time": (
        "volume",
        "interval_start,skill,calls,aht_seconds\n2026-11-02T08:00,cards,10,NaN\n",
        "volume.csv:2: aht_seconds: 'NaN' is not a handling time",
    ),
    "interval with a space": (
        "volume",
        "interval_start,skill,calls,aht_seconds\n2026-11-02 08:00,cards,10,240\n",
        "volume.csv:2: interval_start: '2026-11-02 08:00' is not a local time in "
        "YYYY-MM-DDTHH:MM form",
    ),
    "NaN service level": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\nservice_level = nan\n',
        "teams.toml:4: service_level: nan is not allowed; give a finite number",
    ),
    "infinite shrinkage": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\nshrinkage = inf\n',
        "teams.toml:4: shrinkage: inf is not allowed",
    ),
    "NaN rule": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\n[team.rules]\nmin_rest_hours = nan\n',
        "teams.toml:5: min_rest_hours: nan is not allowed",
    ),
    "chat id over 64 bits": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\ntelegram_chat_id = 9223372036854775808\n',
        "teams.toml:4: telegram_chat_id: expected an integer chat id (signed 64-bit)",
    ),
    "name with a newline": (
        "teams",
        '[[team]]\nname = "t1\\n"\ntimezone = "UTC"\n',
        "teams.toml:2: name: 't1\\n' is not a valid team name",
    ),
    "name with spaces": (
        "teams",
        '[[team]]\nname = " t1 "\ntimezone = "UTC"\n',
        "teams.toml:2: name: ' t1 ' is not a valid team name",
    ),
    "long team name": (
        "teams",
        f'[[team]]\nname = "{"t" * 101}"\ntimezone = "UTC"\n',
        "teams.toml:2: name: team name is 101 characters long; at most 100 are allowed",
    ),
    "unknown staffing policy": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\n[team.rules]\nstaffing = "sometimes"\n',
        'teams.toml:5: staffing: \'sometimes\' is not allowed; use "review", "deny" or "off"',
    ),
    "unknown team language": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\nlanguage = "fr"\n',
        "teams.toml:4: language: 'fr' is not allowed; use en, zh-Hant, zh-Hans",
    ),
    "zero reminder hours": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\nreminder_hours = 0\n',
        "teams.toml:4: reminder_hours: 0 is out of range (must be more than 0",
    ),
    "skill name language": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\n[team.skill_names]\n'
        'cards = { en = "Cards", fr = "Cartes" }\n',
        "teams.toml:5: cards: 'fr' is not a language; use en, zh-Hant, zh-Hans",
    ),
    "superscript digest time": (
        "teams",
        '[[team]]\nname = "t1"\ntimezone = "UTC"\ndigest_time = "²:00"\n',
        "teams.toml:4: digest_time: '²:00' is not a time in HH:MM form",
    ),
    "teams not an array of tables": (
        "teams",
        "team = [1, 2]\n",
        "teams.toml:1: team: no [[team]] table found",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_value_is_refused_with_its_line_and_column_and_nothing_is_written(
    case: str, team: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind, content, expected = BAD_FILES[case]
    path = tmp_path / ("teams.toml" if kind == "teams" else f"{kind}.csv")
    path.write_text(content, encoding="utf-8")
    before = snapshot(team)
    argv = ["import", kind, str(path), "--database-url", db_url]
    if kind != "teams":
        argv += ["--team", TEAM]
    code, _out, err = run(capsys, *argv)
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err and "nothing was imported" in err
    assert snapshot(team) == before


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            "ada,2027-03-27,22:00,02:30,cards,",
            "end",
            "02:30 does not exist on 2027-03-28 in Europe/Berlin",
        ),
        (
            "ada,2027-03-28,02:30,10:00,cards,",
            "start",
            "02:30 does not exist on 2027-03-28 in Europe/Berlin",
        ),
    ],
)
def test_a_time_skipped_by_the_clock_change_is_blamed_on_its_own_column(
    row: str,
    column: str,
    message: str,
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "teams.toml").write_text(BERLIN, encoding="utf-8")
    (tmp_path / "agents.csv").write_text(BERLIN_AGENTS, encoding="utf-8")
    (tmp_path / "shifts.csv").write_text(HEADER + row + "\n", encoding="utf-8")
    assert (
        run(capsys, "import", "teams", str(tmp_path / "teams.toml"), "--database-url", db_url)[0]
        == 0
    )
    assert (
        run(
            capsys,
            "import",
            "agents",
            str(tmp_path / "agents.csv"),
            "--team",
            "berlin-desk",
            "--database-url",
            db_url,
        )[0]
        == 0
    )
    code, _out, err = run(
        capsys,
        "import",
        "shifts",
        str(tmp_path / "shifts.csv"),
        "--team",
        "berlin-desk",
        "--database-url",
        db_url,
    )
    assert code == 2
    assert f"shifts.csv:2: {column}: {message}" in err


def test_every_number_a_file_brings_is_finite() -> None:
    for text_value in ("nan", "NaN", "inf", "-inf", "1e999", "1_000", "٣"):
        with pytest.raises(ValueError):
            importers._decimal(text_value, "a number", 0.0, math.inf)


def test_a_decision_taken_while_the_file_is_read_stops_the_import(
    team: Engine,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if team.dialect.name == "sqlite":
        pytest.skip("on SQLite the import holds the only write lock from its first read")
    plan = importers._plan

    def plan_then_someone_decides(*args: Any) -> Any:
        result = plan(*args)
        with team.begin() as conn:
            conn.execute(text("UPDATE shift SET end_utc = end_utc + interval '1 hour'"))
        return result

    monkeypatch.setattr(importers, "_plan", plan_then_someone_decides)
    changed = tmp_path / "changed.csv"
    changed.write_text(SHIFTS.replace("08:00,17:00", "08:00,16:00"), encoding="utf-8")
    code, _out, err = import_cli(capsys, db_url, changed)
    assert code == 1
    assert "the roster changed while the file was being imported" in err
