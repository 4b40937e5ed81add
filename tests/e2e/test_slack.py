"""User stories in Slack: the real ``shiftbot serve --slack-http`` against a fake Slack.

Each test starts the process on a free loopback port with its Web API pointed at the fake
(``SLACK_API_URL``), sends requests signed as Slack signs them, and checks what people see
in the fake workspace (DMs, updated messages, the team channel, App Home) and what the
database holds.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from bot.core.parsing import parse
from storage.importers import import_agents, import_shifts, import_teams, import_volume
from storage.tables import Agent, AuditEvent, Request, Shift
from storage.unit_of_work import UnitOfWork
from tests.factories import AGENTS, TEAM, TZ
from tests.fakes.serve import Serve, free_port
from tests.fakes.slack_api import (
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    FakeSlack,
    Message,
    SlackSender,
)

AMY, BOB, DAN, LIN, MEI = "U0AMY00001", "U0BOB00002", "U0DAN00004", "U0LIN00005", "U0MEI00006"
CHANNEL = "C0TEAM00001"

TEAMS = f"""[[team]]
name = "{TEAM}"
timezone = "Asia/Taipei"
interval_minutes = 30
slack_channel = "{CHANNEL}"
service_level = 0.80
target_seconds = 20
[team.rules]
min_rest_hours = 11
max_weekly_hours = 48
max_consecutive_days = 6
swap_cutoff_hours = 12
max_off_per_day = 2
approval = "lead"
"""


def _today() -> date:
    return datetime.now(UTC).astimezone(TZ).date()


def swap_day() -> tuple[str, date]:
    """The words for a day at least two days ahead (``fri`` when Friday is), and the day."""
    now = datetime.now(UTC)
    fri = parse("swap fri with @bob", now, TZ).dates[0]
    if (fri - _today()).days >= 2:
        return "fri", fri
    day = _today() + timedelta(days=3)
    return day.isoformat(), day


def shifts_around(day: date) -> str:
    """The factory roster moved to ``day`` (and the two days around it)."""
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    return f"""agent_id,date,start,end,skill,breaks
amy,{before},08:00,17:00,cards,12:00-13:00
bob,{before},13:00,22:00,cards,17:30-18:00
dan,{before},08:00,17:00,cards,
amy,{day},09:00,18:00,cards,
bob,{day},08:00,17:00,cards,
dan,{day},13:00,22:00,cards,
eve,{day},13:00,22:00,cards,
bob,{after},08:00,17:00,cards,
amy,{after},13:00,22:00,cards,
"""


def volume_for(day: date) -> str:
    rows = "".join(f"{day}T{h:02d}:{m:02d},cards,12,240\n" for h in range(8, 22) for m in (0, 30))
    return "interval_start,skill,calls,aht_seconds\n" + rows


def seed_team(engine: Engine, tmp: Path, day: date, *, volume: bool = False) -> None:
    (tmp / "teams.toml").write_text(TEAMS)
    (tmp / "agents.csv").write_text(AGENTS)
    (tmp / "shifts.csv").write_text(shifts_around(day))
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_shifts(uow.session, tmp / "shifts.csv", TEAM)
        if volume:
            (tmp / "volume.csv").write_text(volume_for(day))
            import_volume(uow.session, tmp / "volume.csv", TEAM)
        uow.commit()


@dataclass
class SlackWorld:
    fake: FakeSlack
    slack: SlackSender
    serve: Serve
    engine: Engine
    day: date
    words: str

    def dm_with(self, user: str, action_id: str) -> Message:
        """The DM to ``user`` showing the button ``action_id`` (waits for it)."""
        return self.fake.wait(
            lambda: next((m for m in self.fake.dms(user) if action_id in m.action_ids()), None),
            what=f"a DM to {user} with {action_id}",
        )

    def dm_saying(self, user: str, text: str) -> Message:
        return self.fake.wait(
            lambda: next((m for m in self.fake.dms(user) if text in m.all_text()), None),
            what=f"a DM to {user} saying {text!r}",
        )

    def response_saying(self, text: str) -> dict[str, object]:
        return self.fake.wait(
            lambda: next((c.args for c in self.fake.responses() if text in c.args["text"]), None),
            what=f"a response_url answer saying {text!r}",
        )


@contextmanager
def slack_world(
    db_url: str, engine: Engine, tmp_path: Path, *, volume: bool = False, **fake_kw: object
) -> Iterator[SlackWorld]:
    words, day = swap_day()
    seed_team(engine, tmp_path, day, volume=volume)
    port = free_port()
    with FakeSlack(**fake_kw) as fake:  # type: ignore[arg-type]
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        serve = Serve(["--slack-http", str(port)], db_url, env, tmp_path)
        with serve:
            slack = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake)
            yield SlackWorld(fake, slack, serve, engine, day, words)
        print(serve.output)
        assert "Traceback" not in serve.output


@pytest.fixture
def world(db_url: str, engine: Engine, tmp_path: Path) -> Iterator[SlackWorld]:
    with slack_world(db_url, engine, tmp_path) as w:
        yield w


def count(engine: Engine, table: type, *where: object) -> int:
    with UnitOfWork(engine, read_only=True) as uow:
        query = select(func.count()).select_from(table)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int(uow.session.exec(query).one())


def shift_times(engine: Engine, day: date) -> dict[str, str]:
    with UnitOfWork(engine, read_only=True) as uow:
        rows = uow.session.exec(
            select(Agent.agent_id, Shift.start_utc)
            .join(Agent, Agent.id == Shift.agent_pk)  # type: ignore[arg-type]
            .where(Shift.local_date == day)
        ).all()
    return {agent: f"{start.astimezone(TZ):%H:%M}" for agent, start in rows}


# --------------------------------------------------------------------------- stories


def test_a_swap_from_the_slash_command_to_a_leads_approve_click(world: SlackWorld) -> None:
    fake, slack = world.fake, world.slack
    before = shift_times(world.engine, world.day)
    assert before["amy"] == "09:00" and before["bob"] == "08:00"
    assert slack.home_opened(LIN).status == 200
    fake.wait(lambda: fake.calls("views.publish"), what="Lin's Home")

    sent = slack.command(AMY, f"swap {world.words} with <@{BOB}|bob>")
    assert sent.status == 200 and sent.body == ""
    answer = world.response_saying("Swap #1 asked")
    assert answer["response_type"] == "ephemeral"

    # Bob is asked by DM with Accept / Decline, and accepts.
    asked = world.dm_with(BOB, "accept:1")
    assert asked.action_ids() == ["accept:1", "decline:1"]
    assert "Amy Chen" in asked.all_text()
    assert slack.click(BOB, asked, "accept:1").status == 200
    world.dm_saying(BOB, "You accepted #1")

    # Both leads get Approve / Deny; Lin approves.
    lin_msg = world.dm_with(LIN, "approve:1")
    mei_msg = world.dm_with(MEI, "approve:1")
    assert lin_msg.action_ids() == mei_msg.action_ids() == ["approve:1", "deny:1"]
    fake.wait(
        lambda: [
            c for c in fake.calls("views.publish") if "approve:1" in _action_ids(c.args["view"])
        ],
        what="Lin's Home showing the approval",
    )
    approved_at = time.time()
    assert slack.click(LIN, lin_msg, "approve:1").status == 200
    world.dm_saying(LIN, "Approved #1")

    # Every button message of the request now says who decided, without buttons.
    def settled(user: str, ts: str) -> Message | None:
        found = [m for m in fake.dms(user) if m.ts == ts]
        return found[0] if found and found[0].updates and not found[0].action_ids() else None

    for user, message in ((LIN, lin_msg), (MEI, mei_msg)):
        updated = fake.wait(lambda u=user, m=message: settled(u, m.ts), what=f"{user} updated")
        assert "Approved by Lin Huang" in updated.all_text()
    bob_updated = fake.wait(lambda: settled(BOB, asked.ts), what="bob's message updated")
    assert "#1" in bob_updated.all_text()

    # The requester and the counterpart are told; the approved change goes to the channel.
    world.dm_saying(AMY, "Approved: #1")
    world.dm_saying(BOB, "Approved: #1")
    channel = fake.wait(lambda: fake.messages(CHANNEL), what="a message in the team channel")
    assert any("Roster change: #1" in m.all_text() for m in channel)

    after = shift_times(world.engine, world.day)
    assert after["amy"] == "08:00" and after["bob"] == "09:00"
    assert count(world.engine, AuditEvent, AuditEvent.action == "approve") == 1

    # Lin's Home tab, open since before the swap, showed the approval and now does not.
    homes = [c.args["view"] for c in fake.calls("views.publish") if c.args["user_id"] == LIN]
    assert any("approve:1" in _action_ids(v) for v in homes)
    latest = fake.wait(
        lambda: [
            c.args["view"]
            for c in fake.calls("views.publish")
            if c.args["user_id"] == LIN and c.at > approved_at
        ][-1:],
        what="Lin's Home refreshed after the approval",
    )[0]
    assert "approve:1" not in _action_ids(latest)


def _action_ids(view: dict[str, object]) -> list[str]:
    return [
        str(e.get("action_id"))
        for b in view["blocks"]  # type: ignore[attr-defined]
        for e in b.get("elements", [])
        if isinstance(e, dict)
    ]


def test_a_leave_through_the_modal_reaches_the_leads_with_its_impact(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    with slack_world(db_url, engine, tmp_path, volume=True) as world:
        fake, slack = world.fake, world.slack
        assert slack.shortcut(DAN).status == 200
        view = fake.wait(lambda: fake.opened[-1] if fake.opened else None, what="views.open")
        assert view["callback_id"] == "shift_request"
        types = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
        assert types["date"] == "datepicker" and types["colleague"] == "users_select"

        # A swap without a colleague is refused in the modal itself.
        refused = slack.submit(DAN, view, {"kind": "swap", "date": world.day.isoformat()})
        assert refused.status == 200
        assert json.loads(refused.body)["response_action"] == "errors"
        assert "colleague" in json.loads(refused.body)["errors"]

        day = world.day.isoformat()
        sent = slack.submit(DAN, view, {"kind": "leave", "date": day, "reason": "dentist"})
        assert sent.status == 200 and sent.body == ""
        world.dm_saying(DAN, "dentist")
        lin_msg = world.dm_with(LIN, "approve:1")
        assert "dentist" in lin_msg.all_text()
        compact = [b for b in lin_msg.blocks if b["type"] == "context"]
        assert compact and "Staffing impact" in compact[0]["elements"][0]["text"]
        assert slack.click(MEI, world.dm_with(MEI, "deny:1"), "deny:1").status == 200
        world.dm_saying(DAN, "Denied: #1")
        world.dm_saying(MEI, "Denied #1")
        with UnitOfWork(engine, read_only=True) as uow:
            status = uow.session.exec(select(Request.status)).one()
        assert status == "denied"

        # App Home: Lin sees the decision is gone; Dan sees his shifts and requests.
        assert slack.home_opened(DAN).status == 200
        home = fake.wait(
            lambda: next(
                (c.args for c in reversed(fake.calls("views.publish")) if c.args["user_id"] == DAN),
                None,
            ),
            what="Dan's App Home",
        )
        text = "\n".join(_texts(home["view"]["blocks"]))
        assert "Your shifts in the next 7 days" in text and "13:00–22:00" in text
        assert any(
            e.get("action_id") == "open_request_modal"
            for b in home["view"]["blocks"]
            for e in b.get("elements", [])
        )


def _texts(blocks: list[dict[str, object]]) -> list[str]:
    out = []
    for b in blocks:
        text = b.get("text")
        if isinstance(text, dict):
            out.append(str(text.get("text")))
        for e in b.get("elements", []) or []:  # type: ignore[attr-defined]
            if isinstance(e, dict) and "text" in e and isinstance(e["text"], str):
                out.append(e["text"])
    return out


def test_forged_and_stale_signatures_get_401_and_change_nothing(world: SlackWorld) -> None:
    slack = world.slack
    text = f"swap {world.words} with <@{BOB}>"
    forged = slack.command(AMY, text, secret="not-the-signing-secret")
    stale = slack.command(AMY, text, timestamp=int(time.time()) - 6 * 60)
    unsigned = slack.post(
        "text=hello",
        "application/x-www-form-urlencoded",
        headers={"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""},
    )
    assert (forged.status, stale.status, unsigned.status) == (401, 401, 401)
    ok = slack.dm(AMY, "mine")
    assert ok.status == 200
    world.dm_saying(AMY, "Your shifts")
    assert count(world.engine, Request) == 0
    assert not world.fake.responses()
    assert not [m for m in world.fake.messages() if "Swap" in m.all_text()]


def test_a_retry_and_a_double_click_have_one_effect(world: SlackWorld) -> None:
    fake, slack = world.fake, world.slack
    text = f"swap {world.words} with <@{BOB}>"
    first = slack.dm(AMY, text, event_id="Ev0RETRY0001")
    retry = slack.dm(
        AMY,
        text,
        event_id="Ev0RETRY0001",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status == retry.status == 200
    world.dm_saying(AMY, "Swap #1 asked")
    asked = world.dm_with(BOB, "accept:1")
    # The same click delivered twice, and a second click on the same button.
    payload = slack.click_payload(BOB, asked, "accept:1")
    second_click = slack.click_payload(BOB, asked, "accept:1")
    assert slack.interaction(payload).status == 200
    assert slack.interaction(payload).status == 200
    assert slack.interaction(second_click).status == 200
    world.dm_saying(BOB, "You accepted #1")
    world.dm_with(LIN, "approve:1")
    time.sleep(1.5)  # let anything that would be sent twice arrive
    assert count(world.engine, Request) == 1
    assert count(world.engine, AuditEvent, AuditEvent.action == "accept") == 1
    asks = [m for m in fake.dms(AMY) if "Swap #1 asked" in m.all_text()]
    assert len(asks) == 1
    assert len([m for m in fake.dms(LIN) if "approve:1" in m.action_ids() or m.updates]) == 1
    accepted = [m for m in fake.dms(BOB) if "You accepted #1" in m.all_text()]
    assert len(accepted) == 1


def test_dms_mentions_strangers_and_no_injection(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    with slack_world(db_url, engine, tmp_path, locales={"U0STRANGER": "zh-TW"}) as world:
        fake, slack = world.fake, world.slack
        # A stranger is told their id and what a lead must add, in their Slack language.
        assert slack.dm("U0STRANGER", "hello").status == 200
        onboarding = world.dm_saying("U0STRANGER", "U0STRANGER")
        assert "slack_user_id" in onboarding.all_text() and "請組長" in onboarding.all_text()

        # A mention in a channel is answered in its thread.
        assert slack.mention(AMY, "mine", "C0GENERAL01").status == 200
        reply = fake.wait(lambda: fake.messages("C0GENERAL01"), what="a threaded answer")[0]
        assert reply.thread_ts and "Your shifts" in reply.all_text()

        # Text a person types cannot ping the channel or forge a mention.
        day = world.day.isoformat()
        sent = slack.command(AMY, f"leave {day} &lt;!channel&gt; party &lt;@{LIN}&gt;")
        assert sent.status == 200
        answer = world.response_saying("leave")
        lead = world.dm_with(LIN, "approve:1")
        for text in (json.dumps(answer), lead.all_text(), json.dumps(lead.blocks)):
            assert "<!channel>" not in text and f"<@{LIN}>" not in text
        assert "&lt;!channel&gt;" in lead.all_text()
        assert re.search(r"party", lead.all_text())
        assert BOT_USER not in lead.all_text()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_processes_on_one_database_receiving_the_same_deliveries_have_one_effect(
    world: SlackWorld, db_url: str, tmp_path: Path
) -> None:
    fake, first = world.fake, world.slack
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    with Serve(["--slack-http", str(port)], db_url, env, tmp_path) as other:
        second = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake)

        def both(send: Callable[[SlackSender], object]) -> None:
            with ThreadPoolExecutor(2) as pool:
                assert [f.status for f in pool.map(send, (first, second))] == [200, 200]  # type: ignore[attr-defined]

        form = urllib.parse.urlencode(first.command_form(AMY, f"swap {world.words} with <@{BOB}>"))
        both(lambda s: s.post(form, "application/x-www-form-urlencoded"))
        asked = world.dm_with(BOB, "accept:1")
        click = first.click_payload(BOB, asked, "accept:1")
        both(lambda s: s.interaction(click))
        world.dm_saying(BOB, "You accepted #1")
        world.dm_with(MEI, "approve:1")
        time.sleep(1.5)
        assert count(world.engine, Request) == 1
        assert count(world.engine, AuditEvent, AuditEvent.action == "accept") == 1
        assert len([c for c in fake.responses() if "Swap #1 asked" in c.args["text"]]) == 1
        assert len([m for m in fake.dms(BOB) if "You accepted #1" in m.all_text()]) == 1
        assert len([m for m in fake.dms(MEI) if "approve:1" in m.action_ids()]) == 1
    assert "Traceback" not in other.output
