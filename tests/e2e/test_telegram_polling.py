"""Telegram by long polling: the real ``shiftbot serve --telegram-polling`` fetching updates from
the fake Bot API's ``getUpdates``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.e2e.telegram_serve import AMY, LIN, MEI, day, requests_in, seed_team, serve
from tests.fakes.telegram_api import FakeTelegram, Sent


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.webhook = {"url": "https://old.example.com/hook"}
        yield fake


def with_buttons(tg: FakeTelegram, chat: int, data: str) -> Sent:
    return tg.wait(lambda: next((m for m in tg.messages(chat) if data in m.buttons), None))


def test_polling_answers_strangers_and_carries_a_leave_request_to_approval(
    engine: Engine, db_url: str, tg: FakeTelegram, tmp_path: Path
) -> None:
    seed_team(engine, tmp_path)
    with serve(db_url, tg, tmp_path, "--telegram-polling"):
        tg.wait(lambda: tg.calls_of("getUpdates"))
        assert tg.calls_of("deleteWebhook") and tg.webhook == {}  # polling needs no webhook
        assert len(tg.calls_of("setMyCommands")) == 2

        tg.push(tg.message(4242, "/start"))
        assert "telegram_user_id" in tg.wait_message(4242, "4242").text

        tg.push(tg.message(AMY, f"/leave {day(3)} dentist"))
        tg.wait_message(AMY, "#1")
        lin = with_buttons(tg, LIN, "approve:1")
        mei = with_buttons(tg, MEI, "approve:1")
        tg.push(tg.click(LIN, lin, "approve:1"))
        tg.wait_message(AMY, "Approved")
        edited = tg.wait(lambda: [m for m in tg.messages(MEI) if m.edits])
        assert edited[0].message_id == mei.message_id and not edited[0].buttons
        assert "Approved by Lin Huang" in edited[0].text
        tg.wait(lambda: tg.calls_of("answerCallbackQuery"))
    seen, asked = len(tg.calls_of("sendMessage")), requests_in(engine)

    # A restart does not fetch what the last run confirmed: nothing is answered twice.
    with serve(db_url, tg, tmp_path, "--telegram-polling"):
        tg.push(tg.message(AMY, "/mine"))
        tg.wait(lambda: len(tg.calls_of("sendMessage")) > seen)
    assert len(tg.calls_of("sendMessage")) == seen + 1
    assert requests_in(engine) == asked
