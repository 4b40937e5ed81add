"""Running the real ``shiftbot serve`` against the fake Bot API, for the Telegram stories.

A team is seeded with shifts a few days from today (the served process runs on the real
clock), ``serve`` is started as a subprocess on free loopback ports with
``TELEGRAM_API_URL`` pointing at :class:`~tests.fakes.telegram_api.FakeTelegram`, and it is
stopped by its own PID.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlmodel import select

from storage.db import make_engine
from storage.importers import import_agents, import_shifts, import_teams
from storage.tables import Request
from storage.unit_of_work import UnitOfWork
from tests.factories import AGENTS, TEAM, TZ
from tests.fakes.telegram_api import FakeTelegram

SECRET = "e2e-secret_token-0123456789"
TEAM_CHAT = -1009876543210
AMY, BOB, CARA, DAN, LIN, MEI = 1001, 1002, 1003, 1004, 1005, 1006

TEAMS = f"""[[team]]
name = "{TEAM}"
timezone = "Asia/Taipei"
interval_minutes = 30
telegram_chat_id = {TEAM_CHAT}
service_level = 0.80
target_seconds = 20
[team.rules]
swap_cutoff_hours = 12
max_off_per_day = 2
approval = "lead"
"""


def day(offset: int) -> date:
    """A day ``offset`` days after today in the team's zone."""
    return datetime.now(UTC).astimezone(TZ).date() + timedelta(days=offset)


def seed_team(engine: Engine, tmp: Path) -> None:
    d1, d2 = day(3), day(4)
    shifts = (
        "agent_id,date,start,end,skill\n"
        f"amy,{d1},09:00,18:00,cards\n"
        f"bob,{d1},08:00,17:00,cards\n"
        f"dan,{d1},13:00,22:00,cards\n"
        f"cara,{d2},09:00,18:00,loans\n"
        f"amy,{d2},09:00,18:00,cards\n"
    )
    (tmp / "teams.toml").write_text(TEAMS)
    (tmp / "agents.csv").write_text(AGENTS)
    (tmp / "shifts.csv").write_text(shifts)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_shifts(uow.session, tmp / "shifts.csv", TEAM)
        uow.commit()


def requests_in(db: Engine | str) -> int:
    """How many requests the database holds (an engine, or a URL)."""
    engine = make_engine(db) if isinstance(db, str) else db
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            return int(uow.session.exec(select(func.count()).select_from(Request)).one())
    finally:
        if isinstance(db, str):
            engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """One running ``shiftbot serve`` process."""

    proc: subprocess.Popen[bytes]
    log: Path
    webhook: int | None = None

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        """Deliver ``update`` to the webhook as Telegram does; the HTTP status."""
        assert self.webhook is not None
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        r = httpx.post(
            f"http://127.0.0.1:{self.webhook}/telegram/webhook",
            json=update,
            headers=headers,
            timeout=10,
        )
        return r.status_code

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def serve(
    db_url: str,
    fake: FakeTelegram,
    tmp: Path,
    *args: str,
    env: dict[str, str] | None = None,
    wait_for: int | None = None,
) -> Iterator[Served]:
    """``shiftbot serve ARGS`` until the block ends; ready when it prints that it serves."""
    log = tmp / f"serve-{time.monotonic_ns()}.log"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    full_env = {
        **base,
        "SHIFTBOT_LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        **(env or {}),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", *args, "--database-url", db_url],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
    webhook = (
        int(args[args.index("--telegram-webhook") + 1]) if "--telegram-webhook" in args else None
    )
    served = Served(proc, log, webhook)
    try:
        deadline = time.monotonic() + 60
        while "shiftbot serving" not in served.output():
            if proc.poll() is not None:
                raise AssertionError(f"serve exited with {proc.returncode}:\n{served.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"serve did not start:\n{served.output()}")
            time.sleep(0.05)
        if wait_for is not None:
            assert _ready(wait_for)
        yield served
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> int:
    """Stop the process by its PID: SIGTERM, then SIGKILL if it does not end in time."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
    return proc.returncode
