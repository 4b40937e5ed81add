"""Telegram stories over a webhook: the real ``shiftbot serve`` and the fake Bot API on loopback.

Each test seeds a team, starts ``serve --telegram-webhook PORT``, posts updates exactly as
Telegram would (with the secret token header) and looks at what people see in the fake's
chats: replies, buttons, edits. Stories where the database matters (decisions, exactly-once)
run on SQLite and PostgreSQL; the rest on SQLite.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from storage.db import make_engine
from tests.e2e.telegram_serve import (
    AMY,
    BOB,
    CARA,
    LIN,
    MEI,
    SECRET,
    TEAM_CHAT,
    Served,
    day,
    free_port,
    requests_in,
    seed_team,
    serve,
)
from tests.fakes.telegram_api import FakeTelegram, Sent

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def team(engine: Engine, db_url: str, tmp_path: Path) -> str:
    seed_team(engine, tmp_path)
    return db_url


@pytest.fixture
def sqlite_team(sqlite_template: Path, tmp_path: Path) -> str:
    """A seeded SQLite database, for what does not depend on the database."""
    path = tmp_path / "team.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed_team(engine, tmp_path)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def bot(team: str, tg: FakeTelegram, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    with serve(team, tg, tmp_path, "--telegram-webhook", str(port), wait_for=port) as served:
        yield served


@pytest.fixture
def lite(sqlite_team: str, tg: FakeTelegram, tmp_path: Path) -> Iterator[Served]:
    """The same on SQLite only, for stories the database makes no difference to."""
    port = free_port()
    with serve(sqlite_team, tg, tmp_path, "--telegram-webhook", str(port), wait_for=port) as served:
        yield served


def with_buttons(tg: FakeTelegram, chat: int, data: str) -> Sent:
    return tg.wait(lambda: next((m for m in tg.messages(chat) if data in m.buttons), None))


def test_a_swap_is_approved_by_button_and_every_lead_message_is_edited(
    bot: Served, tg: FakeTelegram
) -> None:
    assert bot.post(tg.message(AMY, f"/swap {day(3)} with @bob")) == 200
    asked = tg.wait_message(AMY, "Swap #1 asked")
    assert not asked.buttons
    offer = with_buttons(tg, BOB, "accept:1")
    assert offer.buttons == ["accept:1", "decline:1"]
    assert "Amy Chen asks to swap with you" in offer.text

    assert bot.post(tg.click(BOB, offer, "accept:1")) == 200
    lin = with_buttons(tg, LIN, "approve:1")
    mei = with_buttons(tg, MEI, "approve:1")
    assert lin.buttons == mei.buttons == ["approve:1", "deny:1"]
    assert "No change to staffing" in lin.text  # the impact is in front of the lead
    tg.wait(lambda: not tg.messages(BOB)[0].buttons)  # bob's offer retired
    assert "Accepted" in tg.messages(BOB)[0].text

    assert bot.post(tg.click(MEI, mei, "approve:1")) == 200
    tg.wait(lambda: tg.messages(TEAM_CHAT))
    for chat in (LIN, MEI):
        edited = tg.wait(lambda c=chat: [m for m in tg.messages(c) if m.edits])  # type: ignore[misc]
        assert not edited[0].buttons
        assert "Approved by Mei Tsai" in edited[0].text
    assert "Roster change: #1 swap" in tg.messages(TEAM_CHAT)[0].text
    tg.wait_message(AMY, "Approved: #1 swap")
    tg.wait_message(BOB, "Approved: #1 swap")
    tg.wait(lambda: len(tg.calls_of("answerCallbackQuery")) == 2)  # every click is answered
    assert all(
        not [b for b in m.buttons if b.endswith(":1")] for c in tg.chats for m in tg.messages(c)
    )

    # The late lead's old message has no button left; typing gets who decided.
    assert bot.post(tg.message(LIN, "/approve 1")) == 200
    late = tg.wait_message(LIN, "already approved by mei")
    assert "#1" in late.text


def test_a_chinese_free_text_leave_request_is_answered_in_chinese(
    lite: Served, tg: FakeTelegram, sqlite_team: str
) -> None:
    d = day(4)
    assert lite.post(tg.message(CARA, f"{d.month}月{d.day}日請假", language_code="zh-hant")) == 200
    reply = tg.wait(lambda: tg.messages(CARA))[0]
    assert "#1" in reply.text and CJK.search(reply.text)
    assert not re.search(r"\b(leave|asked|waiting|lead)\b", reply.text, re.I), reply.text
    assert requests_in(sqlite_team) == 1
    lead = with_buttons(tg, LIN, "approve:1")
    assert [label for label in lead.labels]  # the lead can decide by button


def test_start_from_a_stranger_tells_them_their_id_and_what_a_lead_must_add(
    lite: Served, tg: FakeTelegram, sqlite_team: str
) -> None:
    assert lite.post(tg.message(4242, "/start")) == 200
    reply = tg.wait(lambda: tg.messages(4242))[0]
    assert "4242" in reply.text and "telegram_user_id" in reply.text
    assert "<code>shiftbot import agents</code>" in reply.html

    assert lite.post(tg.message(4343, "/start", language_code="zh-hant")) == 200
    zh = tg.wait(lambda: tg.messages(4343))[0]
    assert "4343" in zh.text and "請組長" in zh.text

    assert lite.post(tg.message(4242, f"/leave {day(3)}")) == 200  # strangers change nothing
    tg.wait_message(4242, "4242", count=2)
    assert requests_in(sqlite_team) == 0


def test_forged_and_malformed_deliveries_are_refused_and_change_nothing(
    lite: Served, tg: FakeTelegram, sqlite_team: str
) -> None:
    update = tg.message(AMY, f"/leave {day(3)}")
    assert lite.post(update, secret="not-the-secret") == 403
    assert lite.post(update, secret=None) == 403
    url = f"http://127.0.0.1:{lite.webhook}/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert httpx.post(url, content=b"{not json", headers=headers).status_code == 400
    assert httpx.post(url, json=[1, 2], headers=headers).status_code == 400
    assert httpx.get(url, headers=headers).status_code == 405
    assert lite.post(tg.message(AMY, "/mine")) == 200  # a good one after them is answered
    tg.wait(lambda: tg.messages(AMY))
    assert requests_in(sqlite_team) == 0
    assert len(tg.messages(AMY)) == 1 and tg.messages(LIN) == []
    assert not tg.calls_of("setWebhook")  # no TELEGRAM_WEBHOOK_URL: nothing registered


def test_a_repeated_update_has_one_effect(bot: Served, tg: FakeTelegram, engine: Engine) -> None:
    update = tg.message(AMY, f"/swap {day(3)} with @bob")
    assert bot.post(update) == 200
    assert bot.post(update) == 200
    tg.wait_message(AMY, "Swap #1 asked")
    offer = with_buttons(tg, BOB, "accept:1")
    click = tg.click(BOB, offer, "accept:1")
    assert bot.post(click) == 200
    assert bot.post(click) == 200
    with_buttons(tg, LIN, "approve:1")
    tg.wait(lambda: len(tg.calls_of("answerCallbackQuery")) == 2)
    # A later message is answered, so the repeats have been handled by then.
    assert bot.post(tg.message(AMY, "/mine")) == 200
    tg.wait(lambda: len(tg.messages(AMY)) >= 2)
    assert requests_in(engine) == 1
    assert [m.text for m in tg.messages(AMY)].count(tg.messages(AMY)[0].text) == 1
    assert len(tg.messages(BOB)) == 2  # the offer and one "You accepted"
    assert len([m for m in tg.messages(LIN) if m.buttons]) == 1


def test_what_people_type_cannot_break_the_markup(lite: Served, tg: FakeTelegram) -> None:
    lite.post(tg.message(AMY, f"/leave {day(3)} <b>family</b> & friends </i>"))
    lead = with_buttons(tg, LIN, "deny:1")
    assert "<b>family</b> & friends </i>" in lead.text  # shown as typed, not as markup
    lite.post(tg.message(MEI, "/deny 1 <a href='x'>no</a> & <not now>"))
    told = tg.wait_message(AMY, "<a href='x'>no</a> & <not now>")
    assert "&lt;not now&gt;" in told.html
    assert not [c for c in tg.calls_of("sendMessage") if c.params.get("parse_mode") != "HTML"]


def test_groups_answer_mentions_and_replies_only(lite: Served, tg: FakeTelegram) -> None:
    group = TEAM_CHAT
    lite.post(tg.message(AMY, "who works tomorrow?", chat_id=group))
    mention = [{"type": "mention", "offset": 0, "length": len("@" + tg.username)}]
    lite.post(tg.message(AMY, f"@{tg.username} roster {day(3)}", chat_id=group, entities=mention))
    answer = tg.wait(lambda: tg.messages(group))[0]
    assert "amy" in answer.text and "bob" in answer.text
    reply = tg.message(BOB, "mine", chat_id=group, reply_to=answer)
    lite.post(reply)
    tg.wait(lambda: len(tg.messages(group)) >= 2)
    lite.post(tg.message(BOB, "/mine@some_other_bot", chat_id=group))
    lite.post(tg.message(BOB, "/mine", chat_id=group))
    tg.wait(lambda: len(tg.messages(group)) >= 3)
    assert len(tg.messages(group)) == 3  # neither the plain message nor another bot's command


def test_a_picked_colleague_a_typo_and_help_read_as_typing(lite: Served, tg: FakeTelegram) -> None:
    lite.post(tg.message(AMY, f"/swp {day(3)} with @bob"))
    assert "swap" in tg.wait(lambda: tg.messages(AMY))[0].text  # did you mean swap?
    lite.post(tg.message(AMY, "/help"))
    tg.wait_message(AMY, "giveaway")
    # Bob picked from the mention list, as people without a username are.
    text = f"/swap {day(3)} with Bob"
    entity = {"type": "text_mention", "offset": text.index("Bob"), "length": 3}
    lite.post(tg.message(AMY, text, entities=[{**entity, "user": tg.user(BOB)}]))
    tg.wait_message(AMY, "Swap #1 asked")
    with_buttons(tg, BOB, "accept:1")


def test_start_up_sets_the_menu_in_english_and_chinese_and_registers_the_webhook(
    sqlite_team: str, tg: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    url = "https://bot.example.com/telegram/webhook"
    env = {"TELEGRAM_WEBHOOK_URL": url}
    with serve(sqlite_team, tg, tmp_path, "--telegram-webhook", str(port), env=env, wait_for=port):
        pass
    menus = {
        c.params.get("language_code", ""): c.params["commands"]
        for c in tg.calls_of("setMyCommands")
    }
    assert set(menus) == {"", "zh"}
    en = {c["command"]: c["description"] for c in menus[""]}
    zh = {c["command"]: c["description"] for c in menus["zh"]}
    assert set(en) == set(zh) >= {"swap", "giveaway", "leave", "approve", "pending", "start"}
    assert "Swap a shift" in en["swap"] and "換班" in zh["swap"]
    hooks = tg.calls_of("setWebhook")
    assert len(hooks) == 1
    assert hooks[0].params["url"] == url and hooks[0].params["secret_token"] == SECRET
    assert set(hooks[0].params["allowed_updates"]) == {"message", "callback_query"}
    assert not tg.calls_of("deleteWebhook")  # stopping one process leaves the hook for others


def test_a_webhook_without_a_secret_or_with_a_plain_http_url_is_refused_plainly(
    sqlite_team: str, tg: FakeTelegram, tmp_path: Path
) -> None:
    def run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve", "--telegram-webhook", str(free_port())],
            env={
                "PATH": "/usr/bin:/bin",
                "DATABASE_URL": sqlite_team,
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_API_URL": tg.base_url,
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )

    no_secret = run()
    assert no_secret.returncode == 2, no_secret.stderr
    assert "TELEGRAM_WEBHOOK_SECRET" in no_secret.stderr
    assert not tg.calls  # refused before talking to Telegram

    plain = run(TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_WEBHOOK_URL="http://bot.example.com/")
    assert plain.returncode == 2, plain.stderr
    assert "TELEGRAM_WEBHOOK_URL" in plain.stderr and "https" in plain.stderr.lower()
    for result in (no_secret, plain):
        assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_two_processes_on_one_database_give_a_repeated_update_one_effect(
    team: str, tg: FakeTelegram, tmp_path: Path, engine: Engine
) -> None:
    a, b = free_port(), free_port()
    with (
        serve(team, tg, tmp_path, "--telegram-webhook", str(a), wait_for=a) as one,
        serve(team, tg, tmp_path, "--telegram-webhook", str(b), wait_for=b) as two,
    ):
        update = tg.message(AMY, f"/leave {day(3)} to {day(4)}")
        assert one.post(update) == 200
        assert two.post(update) == 200
        tg.wait_message(AMY, "#1")
        assert one.post(tg.message(AMY, "/mine")) == 200
        assert two.post(tg.message(AMY, "/mine")) == 200
        tg.wait(lambda: len(tg.messages(AMY)) >= 3)
    # Both processes have stopped, so both copies of the update have been handled.
    assert requests_in(engine) == 1
    assert len(tg.messages(AMY)) == 3  # one answer to the leave request, two to /mine
    assert len([m for m in tg.messages(LIN) if m.buttons]) == 1
