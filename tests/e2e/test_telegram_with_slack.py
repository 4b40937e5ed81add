"""Slack and Telegram in one ``shiftbot serve`` process: one core, one database, one loop.

A swap asked on Telegram of a colleague who is only on Slack reaches them through the Slack
part, while Slack's own endpoint answers on its port. Slack's Web API is a small stub that
records calls and says ``ok``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy import Engine

from storage.importers import import_agents
from storage.unit_of_work import UnitOfWork
from tests.e2e.telegram_serve import AMY, day, free_port, seed_team, serve
from tests.factories import AGENTS, TEAM
from tests.fakes.telegram_api import FakeTelegram

pytest.importorskip("bot.adapters.slack", reason="the Slack front-end is not built yet")

SIGNING_SECRET = "e2e-slack-signing-secret"
BOB_SLACK = "U0BOB00002"


class SlackStub:
    """Slack's Web API on loopback: every method answers ``ok`` and is recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.port = 0
        self._stop: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = dict(await request.json())
        else:
            params = dict(await request.post())
        self.calls.append((method, params))
        result: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            result |= {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "shiftbot"}
        if method == "conversations.open":
            result |= {"channel": {"id": "D0BOB"}}
        if method in ("chat.postMessage", "chat.update"):
            result |= {"channel": params.get("channel", "D0BOB"), "ts": f"{time.time():.6f}"}
        return web.json_response(result)

    def start(self) -> SlackStub:
        import asyncio

        ready = threading.Event()

        async def main() -> None:
            app = web.Application()
            app.router.add_post("/api/{method}", self._handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            self.port = runner.addresses[0][1]
            self._stop = asyncio.Event()
            ready.set()
            await self._stop.wait()
            await runner.cleanup()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(main())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)


@pytest.fixture
def slack() -> Iterator[SlackStub]:
    stub = SlackStub().start()
    yield stub
    stub.stop()


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
        "Content-Type": "application/json",
    }


@pytest.mark.slow
def test_one_process_serves_slack_and_telegram_and_routes_between_them(
    engine: Engine, db_url: str, tmp_path: Path, slack: SlackStub
) -> None:
    seed_team(engine, tmp_path)
    slack_only_bob = AGENTS.replace(f"{BOB_SLACK},1002", BOB_SLACK + ",")
    (tmp_path / "agents.csv").write_text(slack_only_bob)
    with UnitOfWork(engine) as uow:
        import_agents(uow.session, tmp_path / "agents.csv", TEAM)
        uow.commit()
    slack_port, tg_port = free_port(), free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-e2e-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
    }
    with (
        FakeTelegram() as tg,
        serve(
            db_url,
            tg,
            tmp_path,
            "--slack-http",
            str(slack_port),
            "--telegram-webhook",
            str(tg_port),
            env=env,
            wait_for=tg_port,
        ) as bot,
    ):
        body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
        r = httpx.post(
            f"http://127.0.0.1:{slack_port}/slack/events", content=body, headers=signed(body)
        )
        assert r.status_code == 200 and "c-123" in r.text

        assert bot.post(tg.message(AMY, f"/swap {day(3)} with @bob")) == 200
        tg.wait_message(AMY, "Swap #1 asked")
        deadline = time.monotonic() + 20
        while not any(
            BOB_SLACK in json.dumps(p) or "D0BOB" in json.dumps(p) for _, p in slack.calls
        ):
            assert time.monotonic() < deadline, slack.calls
            time.sleep(0.1)
