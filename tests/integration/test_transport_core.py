"""The core as a chat transport sees it: buttons, edits, retries, strangers, async callers."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from bot.core.messages import Action, Incoming
from storage.tables import AuditEvent, Request
from storage.unit_of_work import UnitOfWork
from tests.factories import NOW, TEAM, seed
from tests.testbot import TestBot


@pytest.fixture
def bot(engine: Engine, tmp_path: Path) -> TestBot:
    seed(engine, tmp_path)
    return TestBot(engine)


def requests_in(engine: Engine) -> int:
    with UnitOfWork(engine, read_only=True) as uow:
        return int(uow.session.exec(select(func.count()).select_from(Request)).one())


def test_both_leads_get_buttons_and_the_late_one_is_told_who_decided(bot: TestBot) -> None:
    bot.say("amy", "swap Dec 2 with @bob")
    bot.click("bob", "accept", 1)
    assert ("lin", "approve:1") in bot.live_buttons(1)
    assert ("mei", "approve:1") in bot.live_buttons(1)
    bot.click("mei", "approve", 1)
    assert bot.live_buttons(1) == []
    lin_message = [p for p in bot.inbox("lin") if p.request_id == 1][-1]
    assert lin_message.edited and "Approved by Mei Tsai at 10:00" in lin_message.text
    late = bot.click("lin", "approve", 1)
    assert not late.ok and late.text == "#1 was already approved by mei at 10:00."
    with UnitOfWork(bot.engine, read_only=True) as uow:
        approvals = uow.session.exec(
            select(AuditEvent).where(AuditEvent.request_id == 1, AuditEvent.action == "approve")
        ).all()
    assert len(approvals) == 1


def test_typing_and_clicking_are_the_same_action(bot: TestBot) -> None:
    bot.say("amy", "swap Dec 2 with @bob")
    typed = bot.say("bob", "accept 1")
    assert typed.ok and "You accepted #1" in typed.text
    clicked = bot.click("bob", "accept", 1)
    assert not clicked.ok and "#1 is waiting for a lead's decision" in clicked.text


def test_buttons_in_a_list_are_unique_and_grouped_per_request(bot: TestBot) -> None:
    bot.say("amy", "leave Dec 3")
    bot.say("cara", "leave Dec 1")
    reply = bot.say("lin", "pending")
    ids = [b.action_id for b in reply.buttons]
    assert ids == ["approve:1", "deny:1", "approve:2", "deny:2"]
    assert [b.request_id for b in reply.blocks[1:]] == [1, 2]


def test_a_cancelled_request_retires_every_button(bot: TestBot) -> None:
    bot.say("amy", "leave Dec 3")
    assert {to for to, _ in bot.live_buttons(1)} == {"lin", "mei"}
    bot.say("amy", "cancel 1")
    assert bot.live_buttons(1) == []
    assert all("Withdrawn by its requester" in p.text for p in bot.posted if p.edited)


def test_an_expired_request_tells_its_requester_and_retires_the_buttons(bot: TestBot) -> None:
    bot.say("amy", "swap Dec 1 with @bob")
    assert bot.live_buttons(1) == [("bob", "accept:1"), ("bob", "decline:1")]
    bot.now = NOW + timedelta(days=1)  # Dec 1 10:00, after the 08:00 start
    bot.say("dan", "sick Dec 2")  # any change runs the sweep first
    assert bot.live_buttons(1) == []
    told = [p.text for p in bot.inbox("amy") if "Expired" in p.text]
    assert told and "#1 swap" in told[0]


def test_a_taken_shift_retires_everyone_elses_take_button(bot: TestBot) -> None:
    reply = bot.say("amy", "sick Dec 1")
    offered = {n.to for n in reply.notices if n.kind == "open_shift"}
    assert len(offered) >= 2
    taker = sorted(offered - {"lin", "mei"})[0]
    bot.click(taker, "take", 1)
    assert not [b for b in bot.live_buttons(1) if b[1] == "take:1"]
    other = sorted(offered - {taker})[0]
    late = bot.click(other, "take", 1)
    assert late.text == f"#1 was already taken by {taker} at 10:00."


def test_the_same_delivery_twice_has_one_effect(bot: TestBot) -> None:
    first = bot.say("amy", "swap Dec 2 with @bob", event_id="Ev001")
    again = bot.say("amy", "swap Dec 2 with @bob", event_id="Ev001")
    assert first.ok and "Swap #1 asked" in first.text
    assert again.duplicate and again.text == ""
    assert requests_in(bot.engine) == 1
    fresh = bot.say("amy", "swap Dec 3 with @bob", event_id="Ev002")
    assert fresh.ok


def test_a_refused_delivery_can_be_retried(bot: TestBot) -> None:
    refused = bot.say("amy", "swap Dec 9 with @bob", event_id="Ev010")
    assert not refused.ok
    retried = bot.say("amy", "swap Dec 9 with @bob", event_id="Ev010")
    assert not retried.duplicate and not retried.ok


def test_concurrent_deliveries_of_one_event_have_exactly_one_effect(bot: TestBot) -> None:
    barrier = threading.Barrier(4)
    replies = []

    def deliver() -> None:
        barrier.wait()
        replies.append(
            bot.core.handle(
                Incoming(TEAM, "amy", "swap Dec 2 with @bob", event_id="Ev100", source="slack")
            )
        )

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(1 for r in replies if r.ok and not r.duplicate) == 1
    assert sum(1 for r in replies if r.duplicate) == 3
    assert requests_in(bot.engine) == 1


def test_an_unknown_transport_user_is_told_their_id_and_what_a_lead_must_add(bot: TestBot) -> None:
    assert bot.core.identify("slack", "U0AMY00001") is not None
    assert bot.core.identify("slack", "U0NOBODY99") is None
    reply = bot.core.onboarding("slack", "U0NOBODY99")
    assert "U0NOBODY99" in reply.text and "slack_user_id" in reply.text
    zh = bot.core.onboarding("telegram", "4242", "zh-TW")
    assert "4242" in zh.text and "telegram_user_id" in zh.text and "請組長" in zh.text


def test_an_async_adapter_calls_the_core_without_blocking_its_loop(bot: TestBot) -> None:
    async def main() -> tuple[str, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        msg = Incoming(TEAM, "amy", action=Action("take", 99))
        reply = await asyncio.to_thread(bot.core.handle, msg)
        task.cancel()
        return reply.text, ticks

    text, ticks = asyncio.run(main())
    assert "#99" in text and ticks > 0


def test_a_lead_who_took_a_shift_cannot_approve_it_while_another_lead_exists(
    bot: TestBot,
) -> None:
    bot.say("bob", "sick Dec 2")
    bot.click("lin", "take", 1)
    own = bot.click("lin", "approve", 1)
    assert not own.ok and "another lead must approve it" in own.text
    assert bot.click("mei", "approve", 1).ok
