"""Chat edges: long text, self-approval, busy databases, languages, pointless requests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlmodel import select

from storage import repository as repo
from storage.db import make_engine, upgrade
from storage.tables import Agent, Request, Team
from storage.unit_of_work import UnitOfWork
from tests.factories import seed
from tests.testbot import TestBot


@pytest.fixture
def bot(engine: Engine, tmp_path: Path) -> TestBot:
    seed(engine, tmp_path)
    return TestBot(engine)


def set_lang(engine: Engine, agent_id: str, lang: str) -> None:
    with UnitOfWork(engine) as uow:
        uow.session.execute(update(Agent).where(Agent.agent_id == agent_id).values(lang=lang))
        uow.commit()


def test_a_reason_over_500_characters_is_refused_alike_on_every_backend(bot: TestBot) -> None:
    reply = bot.say("amy", "leave Dec 3 " + "x" * 501)
    assert not reply.ok
    assert reply.text == "That text is 501 characters long; the limit is 500. Please shorten it."
    with UnitOfWork(bot.engine, read_only=True) as uow:
        assert uow.session.exec(select(Request)).all() == []
    assert bot.say("amy", "leave Dec 3 " + "x" * 500).ok


def test_a_deny_note_over_500_characters_is_refused_and_nothing_changes(bot: TestBot) -> None:
    bot.say("amy", "leave Dec 3")
    reply = bot.say("lin", "deny 1 " + "y" * 600)
    assert not reply.ok and "the limit is 500" in reply.text
    assert bot.say("lin", "pending").text.count("#1 leave") == 1


def test_no_reply_is_longer_than_a_chat_message_may_be(bot: TestBot) -> None:
    for day in ("Dec 1", "Dec 2", "Dec 3"):
        bot.say("amy", f"leave {day} " + "z" * 480)
    reply = bot.say("lin", "pending")
    assert len(reply.text) <= 3000
    assert all(len(n.text) <= 3000 for r in bot.replies for n in r.notices)


def test_a_lead_cannot_approve_their_own_request_while_another_lead_exists(bot: TestBot) -> None:
    bot.say("lin", "leave Dec 3")
    mine = bot.say("lin", "approve 1")
    assert not mine.ok and mine.text == "#1 involves you; another lead must approve it."
    assert bot.say("mei", "approve 1").ok


def test_a_teams_only_lead_may_approve_their_own_request_and_the_audit_says_so(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        uow.session.execute(update(Agent).where(Agent.agent_id == "mei").values(role="agent"))
        uow.commit()
    bot = TestBot(engine)
    bot.say("lin", "leave Dec 3")
    assert bot.say("lin", "approve 1").ok
    with UnitOfWork(engine, read_only=True) as uow:
        notes = [a.note for a in repo.audit_of_request(uow.session, 1) if a.action == "approve"]
    assert notes == ["decided by the team's only lead, who is a party to it"]


def test_a_swap_of_two_identical_shifts_is_refused_as_pointless(bot: TestBot) -> None:
    reply = bot.say("dan", "swap Dec 2 with @eve")
    assert not reply.ok
    assert "are the same (same times and skill); swapping them would change nothing" in reply.text


def test_notices_are_written_in_each_recipients_language(bot: TestBot) -> None:
    set_lang(bot.engine, "mei", "zh-Hant")
    set_lang(bot.engine, "lin", "zh-Hans")
    reply = bot.say("amy", "leave Dec 3 dentist")
    assert reply.text.startswith("Requested #1 leave")
    texts = {n.to: n.text for n in reply.notices}
    assert texts["mei"].startswith("需要你決定：#1 請假：Amy Chen 12/3(週四)（dentist）")
    assert texts["lin"].startswith("需要你决定：#1 请假：Amy Chen 12/3(周四)（dentist）")


def test_a_person_with_a_language_gets_replies_in_it_whatever_they_type(bot: TestBot) -> None:
    set_lang(bot.engine, "amy", "zh-Hant")
    assert bot.say("amy", "mine").text.startswith("你接下來 7 天的班：")


def test_simplified_chinese_input_gets_a_simplified_reply(bot: TestBot) -> None:
    reply = bot.say("amy", "我想和@bob换12月2日的班")
    assert reply.ok and reply.text.startswith("已送出换班 #1：")


def test_the_language_last_written_is_used_for_later_notices(bot: TestBot) -> None:
    bot.say("bob", "我的班")
    reply = bot.say("amy", "swap Dec 2 with @bob")
    to_bob = next(n for n in reply.notices if n.to == "bob")
    assert to_bob.text.startswith("Amy Chen 想和你換班：")


def test_a_write_waits_then_says_busy_while_reads_keep_working(tmp_path: Path) -> None:
    """SQLite's single write lock: a long import holds it, the chat must stay usable."""
    db_url = f"sqlite:///{tmp_path / 'busy.db'}"
    upgrade(db_url)
    seed(make_engine(db_url), tmp_path)
    engine = make_engine(db_url, busy_timeout_ms=200)
    bot = TestBot(engine)
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
    try:
        busy = bot.say("amy", "leave Dec 3")
        assert not busy.ok
        assert busy.text.startswith("The roster is busy (an import is running)")
        assert bot.say("amy", "mine").text.startswith("Your shifts in the next 7 days:")
        assert bot.say("lin", "pending").ok
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert bot.say("amy", "leave Dec 3").ok


def test_an_approved_leave_opens_its_shift_for_cover_with_an_id(bot: TestBot) -> None:
    bot.say("bob", "leave Dec 3 family")
    reply = bot.say("lin", "approve 1")
    opened = [n for n in reply.notices if n.kind == "open_shift"]
    assert opened and {n.request_id for n in opened} == {2}
    assert any(n.channel and n.kind == "open_shift_channel" for n in reply.notices)
    taker = opened[0].to
    assert taker is not None
    assert bot.click(taker, "take", 2).ok
    with UnitOfWork(bot.engine, read_only=True) as uow:
        team = uow.session.exec(select(Team)).one()
        assert team.id is not None
        assert [r.kind for r in repo.requests_of_team(uow.session, team.id)] == ["leave", "cover"]


def test_skills_are_shown_by_their_display_names_in_each_language(bot: TestBot) -> None:
    with UnitOfWork(bot.engine) as uow:
        names = {"cards": {"en": "Card services", "zh-Hant": "信用卡"}}
        uow.session.execute(update(Team).values(skill_names=names))
        uow.commit()
    set_lang(bot.engine, "bob", "zh-Hans")
    reply = bot.say("amy", "swap Dec 2 with @bob")
    assert "Wed 2 Dec 09:00–18:00 Card services" in reply.text
    to_bob = next(n for n in reply.notices if n.to == "bob")
    assert "12/2(周三) 09:00–18:00 信用卡" in to_bob.text
