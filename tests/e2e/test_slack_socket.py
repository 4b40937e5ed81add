"""Socket Mode: the real ``shiftbot serve --slack-socket`` connects to the fake Slack's
WebSocket (``apps.connections.open``), acknowledges each envelope and answers."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import Engine

from tests.e2e.test_slack import AMY, BOB, seed_team, swap_day
from tests.fakes.serve import Serve
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack, SlackSender


def test_a_slash_command_and_a_dm_over_socket_mode(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    words, day = swap_day()
    seed_team(engine, tmp_path, day)
    with FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": fake.api_url,
        }
        with Serve(["--slack-socket"], db_url, env, tmp_path) as serve:
            fake.wait(fake.connected, what="the Socket Mode connection")
            opened = fake.calls("apps.connections.open")
            assert opened and opened[0].token == APP_TOKEN
            slack = SlackSender("", fake)

            form = slack.command_form(AMY, f"swap {words} with <@{BOB}>")
            ack = fake.send_envelope("slash_commands", form)
            assert set(ack) == {"envelope_id"}
            answer = fake.wait(
                lambda: next((c for c in fake.responses() if "Swap #1" in c.args["text"]), None),
                what="the answer by response_url",
            )
            assert answer.args["response_type"] == "ephemeral"
            fake.wait(lambda: fake.dms(BOB), what="Bob's DM with the buttons")

            body = json.loads(slack.event_body(_dm(fake, AMY, "mine")))
            ack = fake.send_envelope("events_api", body)
            assert "envelope_id" in ack
            fake.wait(
                lambda: [m for m in fake.dms(AMY) if "Your shifts" in m.all_text()],
                what="the DM answer",
            )
        assert "Traceback" not in serve.output


def _dm(fake: FakeSlack, user: str, text: str) -> dict[str, object]:
    ts = f"{time.time():.6f}"
    return {
        "type": "message",
        "channel": fake.dm_channel(user),
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    }
