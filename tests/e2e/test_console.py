"""User stories driven through `shiftbot console` on stdin, as a user would script it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage import repository as repo
from storage.unit_of_work import UnitOfWork
from tests.factories import TEAM, seed

NOW = "2026-11-30T10:00+08:00"
VOLUME_DEC1 = "interval_start,skill,calls,aht_seconds\n" + "".join(
    f"2026-12-01T{h:02d}:{m:02d},cards,{calls},240\n"
    for h in range(8, 22)
    for m in (0, 30)
    for calls in [12]
)


def console(db_url: str, agent: str, lines: list[str]) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "console",
            "--team",
            TEAM,
            "--as",
            agent,
            "--now",
            NOW,
            "--database-url",
            db_url,
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SHIFTBOT_LOG_LEVEL": "WARNING"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def export(db_url: str, day: str) -> list[str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "export",
            "shifts",
            "--team",
            TEAM,
            "--from",
            day,
            "--to",
            day,
            "--database-url",
            db_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.splitlines()[1:]


@pytest.fixture
def team(engine: Engine, db_url: str, tmp_path: Path) -> str:
    seed(engine, tmp_path)
    return db_url


def test_a_swap_accepted_and_approved_shows_in_the_export(team: str) -> None:
    out = console(
        team,
        "amy",
        ["swap 12/1 with @bob", "/as bob", "accept 1", "/as lin", "pending", "approve 1"],
    )
    assert (
        "Swap #1 asked: your Tue 1 Dec 08:00–17:00 cards ⇄ Bob Lin's Tue 1 Dec 13:00–22:00 cards"
        in out
    )
    assert "→ @bob: Amy Chen asks to swap with you" in out
    assert "[Accept: accept 1] [Decline: decline 1]" in out
    assert "You accepted #1; a lead decides next." in out
    assert "[Approve: approve 1] [Deny: deny 1]" in out
    assert "Approved #1 swap" in out
    assert "amy,2026-12-01,13:00,22:00,cards,17:30-18:00" in export(team, "2026-12-01")
    assert "bob,2026-12-01,08:00,17:00,cards,12:00-13:00" in export(team, "2026-12-01")


def test_a_swap_that_breaks_rules_is_refused_with_the_rule_keys(team: str) -> None:
    out = console(team, "amy", ["swap 12/1 with @bob 12/2"])
    assert "Sorry, the swap breaks" in out
    assert "• overlap: " in out
    assert "#1" not in out


def test_a_give_away_is_taken_by_a_colleague(team: str) -> None:
    out = console(
        team,
        "amy",
        ["could someone take my Dec 3 shift", "/as eve", "take 1", "/as mei", "approve 1"],
    )
    assert "Give-away #1: your Thu 3 Dec 13:00–22:00 cards is open" in out
    assert "You claimed #1" in out
    assert "eve,2026-12-03,13:00,22:00,cards," in export(team, "2026-12-03")


def test_leave_over_the_daily_limit_is_refused(engine: Engine, db_url: str, tmp_path: Path) -> None:
    seed(engine, tmp_path, max_off=1)
    out = console(db_url, "cara", ["leave Dec 2", "/as lin", "approve 1", "/as eve", "12月2日請假"])
    assert "Requested #1 leave: Cara Wu Wed 2 Dec. A lead decides next." in out
    assert "無法請假，違反 1 條規則" in out and "max_off_per_day" in out


def test_sick_frees_the_shift_and_lists_who_can_cover(team: str) -> None:
    out = console(team, "bob", ["明天病假", "sick 12/2"])
    assert "收到，早日康復。你 12/1(週二) 13:00–22:00 cards 的班已釋出（#1），已通知組長。" in out
    assert "可代班人選：" in out
    assert "Get well soon. Your Wed 2 Dec 08:00–17:00 cards shift is freed (#" in out
    assert "Who can cover:" in out and "→ @lin:" in out
    assert not any(line.startswith("bob,") for line in export(team, "2026-12-02"))


def test_only_a_lead_can_approve_and_only_the_owner_can_cancel(team: str) -> None:
    out = console(
        team,
        "amy",
        ["leave Dec 3 dentist", "/as bob", "approve 1", "cancel 1", "/as amy", "cancel 1"],
    )
    assert "Only a lead of card-hotline can approve requests." in out
    assert "#1 belongs to @amy; only they can cancel it." in out
    assert "Cancelled #1" in out


def test_mine_roster_staffing_and_pending_answer_in_the_console(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    seed(engine, tmp_path, volume=VOLUME_DEC1)
    out = console(
        db_url, "amy", ["mine", "roster 12/1", "staffing Dec 1", "pending", "我的班", "blah blah"]
    )
    assert "Your shifts in the next 7 days:" in out and "Tue 1 Dec 08:00–17:00 cards" in out
    assert "Roster for Tue 1 Dec:" in out and "08:00–17:00 cards (2): amy, dan" in out
    assert "Staffing Tue 1 Dec: projected service level" in out
    assert "Nothing is waiting for you." in out
    assert "你接下來 7 天的班：" in out
    assert "Sorry, I didn't understand that." in out


def test_leave_on_a_short_day_reaches_the_lead_with_its_impact_and_is_approved_against_it(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    seed(engine, tmp_path, volume=VOLUME_DEC1)
    out = console(db_url, "dan", ["leave Dec 1 dentist", "/as lin", "pending", "approve 1"])
    asked, pending, approved = out.split("\n\n")[0], out.split("\n\n")[2], out.split("\n\n")[3]
    assert "Requested #1 leave: Dan Ho Tue 1 Dec (dentist). A lead decides next." in asked
    assert "Staffing impact:" in asked and "Tue 1 Dec cards: SL " in asked
    assert "A lead will see this staffing warning:" in asked and "• staffing" in asked
    assert "→ @lin: Needs your decision: #1 leave" in asked and "[Approve: approve 1]" in asked
    assert "Waiting for you:" in pending and "Tue 1 Dec cards: SL " in pending
    assert "Approved #1 leave" in approved and "Tue 1 Dec cards: SL " in approved
    assert "Approved against the staffing warning; the audit records it." in approved
    assert "→ #team: Roster change: #1 leave" in approved
    assert "✎ @mei's message" in approved and "Approved by Lin Huang" in approved
    with UnitOfWork(engine, read_only=True) as uow:
        notes = [a.note for a in repo.audit_of_request(uow.session, 1) if a.action == "approve"]
    assert notes == ["approved against the staffing warning"]


def test_chinese_leave_on_a_short_day_is_worded_in_chinese_for_the_lead_too(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    seed(engine, tmp_path, volume=VOLUME_DEC1)
    out = console(db_url, "dan", ["12月1日請假 看牙醫", "/as lin", "待核准", "核准1"])
    asked, pending, approved = out.split("\n\n")[0], out.split("\n\n")[2], out.split("\n\n")[3]
    assert "已送出 #1 請假：Dan Ho 12/1(週二)（看牙醫），接下來由組長決定。" in asked
    assert "組長會看到這項人力警示：" in asked and "• staffing：cards" in asked
    assert "等待你處理：" in pending and "人力影響：" in pending
    assert "12/1(週二) cards：服務水準" in pending
    assert "已核准 #1 請假" in approved and "已在人力警示下核准" in approved


def test_a_swap_reaches_the_lead_saying_it_does_not_change_staffing(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    seed(engine, tmp_path, volume=VOLUME_DEC1)
    out = console(db_url, "amy", ["swap Dec 2 with @bob", "/as bob", "accept 1"])
    assert "→ @lin: Needs your decision: #1 swap" in out
    assert "No change to staffing." in out


def test_a_sick_call_can_be_withdrawn_and_the_shift_comes_back(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    seed(engine, tmp_path)
    out = console(db_url, "bob", ["sick Dec 2", "sick Dec 2", "cancel 1", "mine"])
    assert "Get well soon." in out
    assert "You already reported sick for Wed 2 Dec (#1)." in out
    assert "Withdrawn #1: your Wed 2 Dec 08:00–17:00 cards is yours again" in out
    assert "Wed 2 Dec 08:00–17:00 cards" in out.split("\n\n")[-2]


def test_leave_after_a_sick_call_and_a_reversed_range_are_refused(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    seed(engine, tmp_path)
    out = console(db_url, "bob", ["sick Dec 2", "leave Dec 2", "leave Dec 3 to Dec 2"])
    assert "You already reported sick for Wed 2 Dec (#1); no leave is needed" in out
    assert "The range ends (Wed 2 Dec) before it starts (Thu 3 Dec)." in out


def test_open_and_off_list_what_can_be_taken_and_who_is_away(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    seed(engine, tmp_path)
    out = console(db_url, "amy", ["sick Dec 1", "/as eve", "open", "off Dec 1", "誰請假 12/1"])
    assert "Open shifts you could take:" in out and "#1 Tue 1 Dec 08:00–17:00 cards" in out
    assert "[Take it: take 1]" in out
    assert "Off on Tue 1 Dec:" in out and "Amy Chen (@amy) — sick, not covered yet" in out
    assert "12/1(週二) 請假的人：" in out and "Amy Chen（@amy）— 病假，尚無人代班" in out


def test_ids_typed_in_any_case_find_the_person(engine: Engine, db_url: str, tmp_path: Path) -> None:
    seed(engine, tmp_path)
    out = console(db_url, "amy", ["/as Bob", "mine"])
    assert "You are now @bob." in out
