"""Roster generation as a lead and an analyst use it, on SQLite and PostgreSQL.

The team: five agents and two leads in Asia/Taipei, three shift templates, a week of call
volume from Monday 7 December 2026, and the week before on the roster (the history its
rest and runs are judged with). The solver gets a tiny time limit (0: the heuristic).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.cli import main
from bot.core.messages import Action
from storage.importers import (
    ImportFileError,
    import_agents,
    import_leave,
    import_shifts,
    import_teams,
    import_volume,
)
from storage.unit_of_work import UnitOfWork
from tests.factories import NOW, TEAM
from tests.integration.test_chinese_replies import english_left
from tests.testbot import TestBot

WEEK = date(2026, 12, 7)

TEMPLATES = """
[[team.shift_template]]
name = "early"
start = "08:00"
hours = 8
break_minutes = 30
break_window = "11:00-13:00"

[[team.shift_template]]
name = "late"
start = "14:00"
hours = 8
break_minutes = 30
break_window = "17:00-19:00"

[[team.shift_template]]
name = "short"
start = "10:00"
hours = 4
days = "mon-fri"
"""

TEAMS = (
    """[[team]]
name = "card-hotline"
timezone = "Asia/Taipei"
interval_minutes = 30
service_level = 0.80
target_seconds = 20
slack_channel = "C0TEAM0001"
language = "{language}"
[team.rules]
min_rest_hours = 11
max_weekly_hours = 48
max_consecutive_days = 6
max_off_per_day = 2
"""
    + TEMPLATES
)

AGENTS = """agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours,shift_hours
amy,Amy Chen,agent,cards;loans,U0AMY00001,1001,40,8
bob,Bob Lin,agent,cards,U0BOB00002,1002,40,8
cara,Cara Wu,agent,loans,U0CARA0003,1003,40,8
dan,Dan Ho,agent,cards,U0DAN00004,1004,40,
eve,Eve Kao,agent,cards,,,20,4
lin,Lin Huang,lead,cards,U0LIN00005,1005,,
mei,Mei Tsai,lead,,U0MEI00006,1006,,
"""

# The week before (history: Sunday late shifts, a run of days) and three shifts of the week.
SHIFTS = """agent_id,date,start,end,skill,breaks
amy,2026-12-06,14:00,22:00,cards,
bob,2026-12-01,08:00,16:00,cards,
bob,2026-12-02,08:00,16:00,cards,
bob,2026-12-03,08:00,16:00,cards,
bob,2026-12-04,08:00,16:00,cards,
bob,2026-12-05,08:00,16:00,cards,
bob,2026-12-06,08:00,16:00,cards,
amy,2026-12-08,08:00,16:00,cards,12:00-12:30
bob,2026-12-09,08:00,16:00,cards,12:00-12:30
cara,2026-12-09,09:00,17:00,loans,
lin,2026-12-10,09:00,17:00,cards,
"""


def volume_csv(first: date = WEEK, days: int = 7) -> str:
    lines = ["interval_start,skill,calls,aht_seconds"]
    for offset in range(days):
        day = first + timedelta(days=offset)
        weekend = day.weekday() >= 5
        for hour in range(8, 22):
            for minute in (0, 30):
                stamp = f"{day.isoformat()}T{hour:02d}:{minute:02d}"
                lines.append(f"{stamp},cards,{3 if weekend else 6},240")
                lines.append(f"{stamp},loans,{1 if weekend else 3},300")
    return "\n".join(lines) + "\n"


def seed(
    engine: Engine,
    tmp: Path,
    *,
    teams: str | None = None,
    agents: str = AGENTS,
    volume: str | None = None,
    language: str = "en",
) -> None:
    (tmp / "teams.toml").write_text(teams or TEAMS.format(language=language), encoding="utf-8")
    (tmp / "agents.csv").write_text(agents, encoding="utf-8")
    (tmp / "shifts.csv").write_text(SHIFTS, encoding="utf-8")
    (tmp / "volume.csv").write_text(volume_csv() if volume is None else volume, encoding="utf-8")
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_shifts(uow.session, tmp / "shifts.csv", TEAM)
        import_volume(uow.session, tmp / "volume.csv", TEAM, now=NOW)
        uow.commit()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def generate(
    capsys: pytest.CaptureFixture[str], db_url: str, *extra: str, week: str = "2026-12-07"
) -> tuple[int, str, str]:
    return run(
        capsys,
        "roster",
        "generate",
        "--team",
        TEAM,
        "--week",
        week,
        "--time-limit",
        "0",
        *extra,
        "--database-url",
        db_url,
    )


def rows_of(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def week_shifts(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT s.id, a.agent_id, s.local_date, s.skill FROM shift s "
                    "LEFT JOIN agent a ON a.id = s.agent_pk "
                    "WHERE s.local_date >= :first AND s.local_date <= :last ORDER BY s.id"
                ),
                {"first": WEEK, "last": WEEK + timedelta(days=6)},
            )
        ]


def count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


# -------------------------------------------------------------------------- command line


def test_generate_prints_the_week_as_shifts_csv_that_imports_back(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine, tmp_path)
    code, out, err = generate(capsys, db_url)
    assert code == 0, err
    assert out.splitlines()[0] == "agent_id,date,start,end,skill,breaks"
    rows = rows_of(out)
    assert {r["date"] for r in rows} <= {(WEEK + timedelta(days=d)).isoformat() for d in range(7)}
    assert {r["agent_id"] for r in rows} >= {"amy", "bob", "cara", "dan", "eve", "lin"}
    # Eve works 4 h shifts only; amy's Sunday late shift leaves no Monday 08:00 start.
    assert all((r["start"], r["end"]) == ("10:00", "14:00") for r in rows if r["agent_id"] == "eve")
    assert not [
        r
        for r in rows
        if r["agent_id"] == "amy" and r["date"] == "2026-12-07" and r["start"] == "08:00"
    ]
    # Bob worked the six days before: no Monday for him.
    assert not [r for r in rows if r["agent_id"] == "bob" and r["date"] == "2026-12-07"]
    assert "Roster for the week of Mon 7 Dec" in err and "Understaffed:" in err

    path = tmp_path / "generated.csv"
    path.write_text(out, encoding="utf-8")
    code, _, err = run(
        capsys, "import", "shifts", str(path), "--team", TEAM, "--database-url", db_url
    )
    assert code == 0, err
    code, exported, _ = run(
        capsys,
        "export",
        "shifts",
        "--team",
        TEAM,
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-13",
        "--database-url",
        db_url,
    )
    assert sorted(exported.splitlines()[1:]) == sorted(out.splitlines()[1:])


def test_json_has_the_contract_shape_and_a_true_bound(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine, tmp_path)
    code, out, err = run(
        capsys,
        "roster",
        "generate",
        "--team",
        TEAM,
        "--week",
        "2026-12-07",
        "--time-limit",
        "3",
        "--json",
        "--database-url",
        db_url,
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "status",
        "shifts",
        "understaffed",
        "lower_bound",
        "required",
        "fairness",
        "seconds",
    }
    assert data["status"] in ("optimal", "feasible", "fallback")
    assert data["shifts"] and all(
        set(s) == {"agent_id", "date", "start", "end", "skill", "breaks"} for s in data["shifts"]
    )
    assert 0 <= data["lower_bound"] <= data["understaffed"] <= data["required"]
    assert data["required"] > 0 and data["seconds"] >= 0
    assert {"late_spread", "weekend_spread", "groups"} <= set(data["fairness"])
    assert week_shifts(engine) and count(engine, "SELECT COUNT(*) FROM roster_draft") == 0


def test_apply_replaces_only_the_shifts_without_a_request_and_audits_each(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine, tmp_path)
    bot = TestBot(engine)
    asked = bot.say("amy", "swap 2026-12-08 with @bob 2026-12-09")
    assert asked.ok, asked.text
    before = {r[0]: r for r in week_shifts(engine)}
    kept_ids = {i for i, r in before.items() if r[1] in ("amy", "bob", "lin")}
    cara = next(i for i, r in before.items() if r[1] == "cara")
    audits_before = count(engine, "SELECT COUNT(*) FROM audit_event")

    code, out, err = generate(capsys, db_url, "--apply")
    assert code == 0, err
    assert "Applied: the week of Mon 7 Dec" in err
    after = {r[0]: r for r in week_shifts(engine)}
    # The pending swap's two shifts and the shift of a lead without a contract stay, with
    # their ids; the request-free one is replaced.
    assert kept_ids <= set(after)
    assert cara not in after
    new = set(after) - set(before)
    written = rows_of(out)
    assert len(new) == len(written) - len(kept_ids)
    audited = count(
        engine,
        "SELECT COUNT(*) FROM audit_event WHERE action = 'roster_apply' AND actor LIKE 'roster:%'",
    )
    assert audited == len(new) + 1 + 1  # each new shift, the one removed, the summary
    assert count(engine, "SELECT COUNT(*) FROM audit_event") == audits_before + audited
    status = count(engine, "SELECT COUNT(*) FROM request WHERE status = 'pending_counterpart'")
    assert status == 1


def test_apply_writes_nothing_when_the_week_changed_meanwhile(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.services import rostering

    seed(engine, tmp_path)
    with UnitOfWork(engine, read_only=True) as uow:
        week = rostering.load_week(uow, TEAM, WEEK)
    generated = rostering.solve(week, 0)
    bot = TestBot(engine)
    assert bot.say("amy", "swap 2026-12-08 with @bob 2026-12-09").ok
    before = week_shifts(engine)
    with UnitOfWork(engine) as uow, pytest.raises(rostering.Conflict) as caught:
        rostering.apply_roster(
            uow, TEAM, WEEK, generated.result.shifts, week.basis, "roster:test", NOW
        )
    assert "changed while its roster was being generated" in caught.value.message
    assert week_shifts(engine) == before


def test_imported_leave_is_honoured_and_counts_towards_the_contract(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine, tmp_path)
    leave = tmp_path / "leave.csv"
    leave.write_text("agent_id,from,to,reason\ndan,2026-12-08,2026-12-09,family\n", "utf-8")
    code, out, err = run(
        capsys, "import", "leave", str(leave), "--team", TEAM, "--database-url", db_url
    )
    assert (code, out.strip()) == (0, "leave: 1 created, 0 updated, 0 unchanged"), err
    code, out, err = generate(capsys, db_url, "--json")
    assert code == 0, err
    dan = [s for s in json.loads(out)["shifts"] if s["agent_id"] == "dan"]
    assert dan and not [s for s in dan if s["date"] in ("2026-12-08", "2026-12-09")]
    # Two days of leave count as two of his (8 h) shifts: 24 h are left to work.
    hours = sum(
        (
            datetime.fromisoformat(f"2026-01-01T{s['end']}")
            - datetime.fromisoformat(f"2026-01-01T{s['start']}")
        ).seconds
        / 3600
        for s in dan
    )
    assert hours == 24
    # The leave is an approved leave request, audited, as the chat makes them.
    assert (
        count(engine, "SELECT COUNT(*) FROM request WHERE kind = 'leave' AND status = 'approved'")
        == 1
    )
    assert count(engine, "SELECT COUNT(*) FROM audit_event WHERE action = 'import_leave'") == 1
    # Again: nothing changes.
    code, out, _ = run(
        capsys, "import", "leave", str(leave), "--team", TEAM, "--database-url", db_url
    )
    assert out.strip() == "leave: 0 created, 0 updated, 1 unchanged"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "zed,2026-12-08,2026-12-08,",
            "leave.csv:2: agent_id: unknown agent 'zed' in team card-hotline",
        ),
        (
            "dan,2026-12-09,2026-12-08,",
            "leave.csv:2: to: 2026-12-08 is before the first day 2026-12-09",
        ),
        (
            "dan,2026-12-8,2026-12-08,",
            "leave.csv:2: from: '2026-12-8' is not a date in YYYY-MM-DD form",
        ),
        (
            "dan,2026-12-08,2026-12-09,\ndan,2026-12-09,2026-12-10,",
            "leave.csv:3: from: dan 2026-12-09 to 2026-12-10 overlaps the leave on line 2",
        ),
        (
            "dan,2026-12-08,2026-12-08,\ndan,2026-12-08,2026-12-08,",
            "leave.csv:3: from: dan 2026-12-08 to 2026-12-08 is the same leave as line 2",
        ),
        (
            "cara,2026-12-09,2026-12-09,",
            "leave.csv:2: from: cara works on 2026-12-09 (09:00–17:00 loans); planned leave is "
            "for days without a shift",
        ),
    ],
)
def test_a_bad_leave_file_is_refused_with_its_line_and_nothing_is_written(
    db_url: str, engine: Engine, tmp_path: Path, rows: str, message: str
) -> None:
    seed(engine, tmp_path)
    path = tmp_path / "leave.csv"
    path.write_text(f"agent_id,from,to,reason\n{rows}\n", encoding="utf-8")
    with UnitOfWork(engine) as uow, pytest.raises(ImportFileError) as caught:
        import_leave(uow.session, path, TEAM)
    assert str(caught.value).startswith(message), str(caught.value)
    assert count(engine, "SELECT COUNT(*) FROM request") == 0


def test_leave_overlapping_stored_leave_or_a_pending_request_is_refused(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    seed(engine, tmp_path)
    first = tmp_path / "first.csv"
    first.write_text("agent_id,from,to,reason\ndan,2026-12-08,2026-12-09,\n", "utf-8")
    with UnitOfWork(engine) as uow:
        import_leave(uow.session, first, TEAM)
        uow.commit()
    bot = TestBot(engine)
    assert bot.say("eve", "leave 2026-12-11").ok
    second = tmp_path / "second.csv"
    second.write_text(
        "agent_id,from,to,reason\ndan,2026-12-09,2026-12-10,\neve,2026-12-11,2026-12-11,\n",
        "utf-8",
    )
    with UnitOfWork(engine) as uow, pytest.raises(ImportFileError) as caught:
        import_leave(uow.session, second, TEAM)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(
        "second.csv:2: from: dan already has approved leave 2026-12-08 to 2026-12-09 (#1), "
        "which overlaps 2026-12-09 to 2026-12-10"
    )
    assert lines[1].startswith(
        "second.csv:3: from: eve has a leave request waiting for a lead (#2, 2026-12-11 to "
        "2026-12-11)"
    )


@pytest.mark.parametrize(
    ("argv_week", "change", "message"),
    [
        (
            "2026-12-08",
            None,
            "2026-12-08 is not a Monday: a roster week starts on a Monday "
            "(that week's is 2026-12-07)",
        ),
        ("2026-12-14", None, "Team card-hotline has no call volume for the week of Mon 14 Dec"),
        ("2026-12-07", "no_templates", "Team card-hotline has no shift templates"),
        ("2026-12-07", "no_contracts", "Team card-hotline has nobody to roster"),
        ("2026-12-07", "no_team", "unknown team 'card-hotline'; known teams: other"),
    ],
)
def test_each_bad_input_gets_a_clear_answer_and_exit_code_2(
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv_week: str,
    change: str | None,
    message: str,
) -> None:
    teams = None
    agents = AGENTS
    if change == "no_templates":
        teams = TEAMS.format(language="en").split("[[team.shift_template]]")[0]
    elif change == "no_contracts":
        agents = (
            "\n".join(
                ",".join([*line.split(",")[:6], "", ""]) if i else line
                for i, line in enumerate(AGENTS.splitlines())
            )
            + "\n"
        )
    if change == "no_team":
        (tmp_path / "teams.toml").write_text('[[team]]\nname = "other"\ntimezone = "UTC"\n')
        with UnitOfWork(engine) as uow:
            import_teams(uow.session, tmp_path / "teams.toml")
            uow.commit()
    else:
        seed(engine, tmp_path, teams=teams, agents=agents)
    before = week_shifts(engine)
    code, out, err = generate(capsys, db_url, "--apply", week=argv_week)
    assert code == 2 and out == ""
    assert message in err, err
    assert week_shifts(engine) == before


def test_templates_and_shift_hours_are_checked_line_by_line(tmp_path: Path, engine: Engine) -> None:
    base = TEAMS.format(language="en")
    teams = tmp_path / "teams.toml"
    teams.write_text(
        base
        + """
[[team.shift_template]]
name = "night"
start = "22:00"
hours = 8
break_minutes = 30
break_window = "12:00-13:00"
days = "mon-fry"

[[team.shift_template]]
name = "long"
start = "08:00"
hours = 24
""",
        encoding="utf-8",
    )
    with UnitOfWork(engine) as uow, pytest.raises(ImportFileError) as caught:
        import_teams(uow.session, teams)
    header = len(base.splitlines()) + 2
    assert [str(p) for p in caught.value.problems] == [
        f"teams.toml:{header + 5}: shift_template.break_window: no 30-minute break starting "
        "12:00–13:00 fits inside the shift 22:00–06:00",
        f"teams.toml:{header + 6}: shift_template.days: 'fry' is not a day; use mon, tue, wed, "
        'thu, fri, sat, sun, ranges such as "mon-fri" and commas ("sat,sun")',
        f"teams.toml:{header + 11}: shift_template.hours: a 24-hour shift is not allowed; split it",
    ]

    seed(engine, tmp_path)
    agents = tmp_path / "agents2.csv"
    agents.write_text(
        "agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours,shift_hours\n"
        "amy,Amy Chen,agent,cards,,,40,8;x\n"
        "bob,Bob Lin,agent,cards,,,40,0\n",
        encoding="utf-8",
    )
    with UnitOfWork(engine) as uow, pytest.raises(ImportFileError) as caught:
        import_agents(uow.session, agents, TEAM)
    assert [str(p) for p in caught.value.problems] == [
        "agents2.csv:2: shift_hours: 'x' is not a shift length in hours; "
        "write lengths such as 8 or 4;8",
        "agents2.csv:3: shift_hours: '0': a shift length is more than 0 and less than 24 hours",
    ]


def test_templates_are_stored_re_imported_unchanged_and_removed_with_the_file(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    teams = tmp_path / "teams.toml"
    teams.write_text(TEAMS.format(language="en"), encoding="utf-8")
    code, out, err = run(capsys, "import", "teams", str(teams), "--database-url", db_url)
    assert code == 0, err
    assert out.splitlines()[1] == "card-hotline: shift templates 3 created, 0 updated, 0 removed"
    code, out, _ = run(capsys, "import", "teams", str(teams), "--database-url", db_url)
    assert out.strip() == "teams: 0 created, 0 updated, 1 unchanged"
    with engine.connect() as conn:
        stored = [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT name, start, hours, break_minutes, break_window, days "
                    "FROM shift_template ORDER BY position"
                )
            )
        ]
    assert stored == [
        ("early", "08:00", 8.0, 30, "11:00-13:00", "0123456"),
        ("late", "14:00", 8.0, 30, "17:00-19:00", "0123456"),
        ("short", "10:00", 4.0, 0, None, "01234"),
    ]
    teams.write_text(
        TEAMS.format(language="en").split('[[team.shift_template]]\nname = "short"')[0]
    )
    code, out, _ = run(capsys, "import", "teams", str(teams), "--database-url", db_url)
    assert out.splitlines()[1] == "card-hotline: shift templates 0 created, 0 updated, 1 removed"
    audited = count(
        engine, "SELECT COUNT(*) FROM audit_event WHERE action = 'import_shift_template'"
    )
    assert audited == 4  # three created, one removed


# ---------------------------------------------------------------------------------- chat


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIFTBOT_ROSTER_TIME_LIMIT", "0")


def test_a_lead_generates_next_weeks_roster_in_chat_and_applies_it(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    seed(engine, tmp_path)
    bot = TestBot(engine)
    reply = bot.say("lin", "generate next week's roster")
    assert reply.ok, reply.text
    assert reply.text.startswith("Roster for the week of Mon 7 Dec")
    assert "Nothing changes until you apply it (draft #1: apply 1)." in reply.text
    [button] = reply.buttons
    assert (button.label, button.action, button.command) == (
        "Apply",
        Action("roster_apply", 1),
        "apply 1",
    )
    assert week_shifts(engine) and count(engine, "SELECT COUNT(*) FROM roster_draft") == 1

    applied = bot.click("lin", "roster_apply", 1)
    assert applied.ok, applied.text
    assert applied.text.startswith("Applied draft #1: the week of Mon 7 Dec now has")
    [notice] = applied.notices
    assert notice.channel and notice.to is None
    assert notice.text.startswith("New roster for the week of Mon 7 Dec, applied by Lin Huang")
    assert bot.inbox("#channel")[-1].text == notice.text
    # The message with the Apply button now says who applied it, and has no button left.
    draft_message = bot.inbox("lin")[0]
    assert draft_message.buttons == ()
    assert draft_message.text.startswith("Roster for the week of Mon 7 Dec")
    assert draft_message.text.endswith("✔ Applied by Lin Huang at 10:00")
    assert (
        count(
            engine,
            "SELECT COUNT(*) FROM audit_event WHERE action = 'roster_apply' AND actor = 'lin'",
        )
        > 1
    )

    # A button message a transport reports only after the draft was applied is stale at once.
    late = bot.core.posted(TEAM, "test", "lin", 1, ["roster_apply"], {"number": 99}, "zh-Hant")
    assert late is not None and late.ref == {"number": 99}
    assert late.text.endswith("✔ 已由 lin 在 10:00 套用")

    again = bot.say("lin", "apply 1")
    assert not again.ok
    assert again.text == "Roster draft #1 was already applied by lin at Mon 30 Nov 10:00."


def test_an_agent_may_not_generate_or_apply(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    seed(engine, tmp_path)
    bot = TestBot(engine)
    draft = bot.say("lin", "排下週的班")
    assert draft.ok
    for text_ in ("generate next week's roster", "apply 1"):
        reply = bot.say("amy", text_)
        assert (reply.ok, reply.text) == (False, "Only a lead can generate or apply the roster.")
    reply = bot.click("amy", "roster_apply", 1)
    assert not reply.ok
    assert count(engine, "SELECT COUNT(*) FROM roster_draft WHERE status = 'draft'") == 1


def test_applying_a_draft_of_a_week_that_changed_since_is_refused(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    seed(engine, tmp_path)
    bot = TestBot(engine)
    assert bot.say("lin", "generate roster for week of 2026-12-07").ok
    assert bot.say("amy", "swap 2026-12-08 with @bob 2026-12-09").ok
    before = week_shifts(engine)
    reply = bot.click("lin", "roster_apply", 1)
    assert not reply.ok
    assert reply.text.startswith("The week of Mon 7 Dec changed after draft #1 was made")
    assert week_shifts(engine) == before
    assert count(engine, "SELECT COUNT(*) FROM roster_draft WHERE status = 'draft'") == 1
    # A fresh draft of the week as it is now applies, keeping the swap's shifts.
    fresh = bot.say("lin", "generate roster for week of 2026-12-07")
    assert "draft #2" in fresh.text
    assert bot.say("lin", "apply 2").ok


def test_chat_refuses_a_week_that_has_started_and_a_team_without_templates(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    seed(engine, tmp_path)
    bot = TestBot(engine)
    reply = bot.say("lin", "generate the roster for 2026-11-23")
    assert reply.text == (
        "The week of Mon 23 Nov has already started; generate a week that has not begun, "
        "such as the week of Mon 7 Dec."
    )
    reply = bot.say("lin", "generate the roster for 2026-12-14")
    assert reply.text.startswith("Team card-hotline has no call volume for the week of Mon 14 Dec")
    reply = bot.say("lin", "apply 9")
    assert reply.text == "There is no roster draft #9 in team card-hotline."


def test_a_chinese_lead_gets_the_summary_in_chinese_only(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    seed(engine, tmp_path, language="zh-Hant")
    bot = TestBot(engine)
    reply = bot.say("lin", "排下週的班")
    assert reply.ok, reply.text
    assert reply.lang == "zh-Hant"
    assert reply.text.startswith("12/7(週一) 起一週的班表")
    assert english_left(reply) == [], reply.text
    assert reply.buttons[0].label == "套用"
    applied = bot.say("lin", "套用1")
    assert applied.ok, applied.text
    assert english_left(applied) == [], applied.text
    assert applied.notices[0].text.startswith("Lin Huang 已套用 12/7(週一) 起一週的新班表")
    refused = bot.say("amy", "排下週的班")
    assert refused.text == "只有組長可以產生或套用班表。"


def test_two_leads_applying_one_draft_at_once_apply_it_once(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    import threading

    from bot.bootstrap import make_core
    from bot.core.messages import Incoming, Reply

    seed(engine, tmp_path, agents=AGENTS.replace("mei,Mei Tsai,lead,,", "mei,Mei Tsai,lead,cards,"))
    bot = TestBot(engine)
    assert bot.say("lin", "generate next week's roster").ok
    core = make_core(engine, lambda: NOW)
    replies: list[Reply] = []
    start = threading.Barrier(2)

    def click(who: str) -> None:
        start.wait()
        replies.append(core.handle(Incoming(TEAM, who, action=Action("roster_apply", 1))))

    threads = [threading.Thread(target=click, args=(who,)) for who in ("lin", "mei")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.ok for r in replies) == [False, True]
    [refused] = [r for r in replies if not r.ok]
    assert refused.text.startswith("Roster draft #1 was already applied by ")
    [done] = [r for r in replies if r.ok]
    found = re.search(r"now has (\d+) new shifts .*\((\d+) replaced", done.text)
    assert found is not None, done.text
    created, removed = int(found[1]), int(found[2])
    audited = count(engine, "SELECT COUNT(*) FROM audit_event WHERE action = 'roster_apply'")
    assert audited == created + removed + 1
    assert count(engine, "SELECT COUNT(*) FROM roster_draft WHERE status = 'applied'") == 1


def test_in_the_console_the_draft_message_is_shown_edited_after_apply(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    from tests.e2e.test_console import console

    seed(engine, tmp_path)
    out = console(db_url, "lin", ["generate next week's roster", "apply 1"])
    assert "Nothing changes until you apply it (draft #1: apply 1)." in out
    assert "[Apply: apply 1]" in out
    assert "Applied draft #1" in out
    assert "✎ @lin's message 1 now reads: Roster for the week of Mon 7 Dec" in out
    assert "✔ Applied by Lin Huang at 10:00" in out


def test_in_the_console_a_chinese_lead_sees_the_typed_form_in_chinese(
    db_url: str, engine: Engine, tmp_path: Path, quick: None
) -> None:
    from tests.e2e.test_console import console

    seed(engine, tmp_path, language="zh-Hant")
    out = console(db_url, "lin", ["排下週的班"])
    assert "[套用: 套用1]" in out
    assert "apply" not in out
