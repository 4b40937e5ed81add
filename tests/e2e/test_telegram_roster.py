"""A lead generates next week's roster in Telegram and applies it with the inline button.

The real ``shiftbot serve --telegram-webhook`` against the fake Bot API: the private chat
answers with the summary and an Apply button; the click stores the roster, the team's group
is told, the draft's message is edited without its button, and typing ``/apply 1`` again
changes nothing. The solver runs its heuristic only (time limit 0).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.e2e.telegram_serve import free_port, serve
from tests.e2e.test_slack_roster import next_monday, seed, week_shift_count
from tests.fakes.telegram_api import FakeTelegram

LIN = 1005
GROUP = -1001234567890


def test_a_lead_generates_next_weeks_roster_and_applies_it_with_the_inline_button(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    week = next_monday()
    seed(engine, tmp_path, week, telegram_chat_id=GROUP)
    port = free_port()
    env = {"SHIFTBOT_ROSTER_TIME_LIMIT": "0"}
    with (
        FakeTelegram() as tg,
        serve(db_url, tg, tmp_path, "--telegram-webhook", str(port), env=env, wait_for=port) as bot,
    ):
        assert bot.post(tg.message(LIN, "generate next week's roster")) == 200
        draft = tg.wait(
            lambda: next((m for m in tg.messages(LIN) if "roster_apply:1" in m.buttons), None),
            timeout=60.0,
        )
        assert f"Roster for the week of Mon {week.day} {week:%b}" in draft.text
        assert week_shift_count(engine, week) == 0

        assert bot.post(tg.click(LIN, draft, "roster_apply:1")) == 200
        tg.wait_message(LIN, "Applied draft #1")
        told = tg.wait(lambda: [m for m in tg.messages(GROUP) if "New roster" in m.text])
        assert "applied by Lin Huang" in told[0].text
        edited = tg.wait(
            lambda: next((m for m in tg.messages(LIN) if m.edits and not m.buttons), None)
        )
        assert "Applied by Lin Huang" in edited.text
        stored = week_shift_count(engine, week)
        assert stored > 0

        # The button is gone; typing the command again is answered and changes nothing.
        assert bot.post(tg.message(LIN, "/apply 1")) == 200
        tg.wait_message(LIN, "was already applied")
        assert len(tg.calls_of("answerCallbackQuery")) == 1  # the click was answered
        assert week_shift_count(engine, week) == stored
        assert len([m for m in tg.messages(GROUP) if "New roster" in m.text]) == 1
        assert "Traceback" not in bot.output()
