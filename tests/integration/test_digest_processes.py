"""Several scheduler processes on one PostgreSQL database: every digest exactly once.

Most processes here are this module run as a program (``python -m
tests.integration.test_digest_processes worker …``): the scheduler part of ``serve`` with its
own clock, posting through recording transports that append every post to a shared file (the
channel as its readers see it). The last test runs the real ``shiftbot serve --scheduler``
twice, posting through the Web API and the Bot API (the fake Slack and Telegram) with only
the bot tokens, on a roster of today. The processes are stopped by their own PIDs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text, update
from sqlmodel import col

from bot.bootstrap import make_core
from bot.core.messages import Incoming
from storage.db import make_engine
from storage.importers import import_agents, import_shifts, import_teams, import_volume
from storage.tables import Team
from storage.unit_of_work import UnitOfWork
from tests.conftest import TABLES

ROOT = Path(__file__).parents[2]
TEAMS = ("hotline", "nightdesk")
DUE = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
"""08:00 in Taipei and (with the night desk's digest at 01:00) 01:00 in Berlin."""


# ------------------------------------------------------------------------- the program


class ChannelFile:
    """A transport whose channel is a file: each post is one JSON line, appended at once."""

    def __init__(self, name: str, out: Path, owner: str, hang: str, hang_after: str) -> None:
        self.name = name
        self.out = out
        self.owner = owner
        self.hang = hang == name
        self.hang_after = hang_after == name

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def reaches(self, team: str, agent_id: str | None, channel: bool) -> bool:
        return channel

    async def deliver(self, team: str, notice: object) -> None:
        if self.hang:
            await asyncio.Event().wait()
        line = {
            "owner": self.owner,
            "transport": self.name,
            "team": team,
            "kind": getattr(notice, "kind", ""),
            "key": getattr(notice, "key", None),
            "chart": bool(getattr(notice, "attachment", None)),
        }
        with self.out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        if self.hang_after:
            await asyncio.Event().wait()

    async def was_posted(self, team: str, notice: object) -> bool:
        key = getattr(notice, "key", None)
        return any(p["transport"] == self.name and p["key"] == key for p in posts(self.out))

    async def apply(self, edit: object) -> None:
        pass


def worker(argv: list[str]) -> int:
    from bot.bootstrap import make_core
    from bot.config import Settings
    from bot.scheduling import Scheduler, Timing
    from bot.serve import Router

    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--start", required=True, help="the clock's reading at start (ISO)")
    parser.add_argument("--lease", type=float, default=3.0)
    parser.add_argument("--grace", type=float, default=5.0)
    parser.add_argument("--hang", default="")
    parser.add_argument("--hang-after", default="")
    args = parser.parse_args(argv)
    origin, began = datetime.fromisoformat(args.start), time.monotonic()

    def clock() -> datetime:
        return origin + timedelta(seconds=time.monotonic() - began)

    async def serve() -> None:
        engine = make_engine(args.url)
        router = Router(make_core(engine, clock))
        router.transports = [
            ChannelFile(name, args.out, args.owner, args.hang, args.hang_after)  # type: ignore[misc]
            for name in ("slack", "telegram")
        ]
        timing = Timing(
            lease=args.lease,
            check_every=0.3,
            reload_every=1.0,
            sweep_every=5.0,
            remind_every=3600.0,
            intraday_every=3600.0,
            shutdown_grace=args.grace,
        )
        part = Scheduler(
            router,
            Settings(database_url=args.url),
            clock=clock,
            timing=timing,
            owner=args.owner,
            outbound=[],
        )
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await part.start()
        print("ready", flush=True)
        await stop.wait()
        await part.stop()
        engine.dispose()

    asyncio.run(serve())
    return 0


# --------------------------------------------------------------------------- the tests


def posts(out: Path) -> list[dict[str, object]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]


def counts(out: Path) -> Counter[tuple[object, object]]:
    return Counter((p["team"], p["transport"]) for p in posts(out) if p["kind"] == "digest")


@pytest.fixture
def pg_empty(pg_schema_url: str) -> Iterator[tuple[str, Engine]]:
    admin = create_engine(pg_schema_url)
    with admin.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    admin.dispose()
    engine = make_engine(pg_schema_url)
    yield pg_schema_url, engine
    engine.dispose()


@pytest.fixture
def pg(pg_empty: tuple[str, Engine], tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    from tests.integration import digest_world as world

    engine = pg_empty[1]
    world.build(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        uow.session.execute(
            update(Team).where(col(Team.name) == "nightdesk").values(digest_time="01:00")
        )
        uow.commit()
    yield pg_empty


@contextlib.contextmanager
def workers() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(
        url: str, out: Path, owner: str, at: datetime, *extra: str
    ) -> subprocess.Popen[bytes]:
        log = (out.parent / f"{owner}.log").open("wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.test_digest_processes",
                "worker",
                "--url",
                url,
                "--out",
                str(out),
                "--owner",
                owner,
                "--start",
                at.isoformat(),
                *extra,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "SHIFTBOT_LOG_LEVEL": "WARNING"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)


def wait_for(check: Callable[[], bool], seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def send_state(engine: Engine, team: str = "hotline") -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.transport, s.status FROM digest_send s"
                " JOIN digest_run r ON r.id = s.run_id JOIN team t ON t.id = r.team_id"
                " WHERE t.name = :team"
            ),
            {"team": team},
        ).all()
    return {transport: status for transport, status in rows}


def run_status(engine: Engine, team: str = "hotline") -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT r.status FROM digest_run r JOIN team t ON t.id = r.team_id"
                " WHERE t.name = :team"
            ),
            {"team": team},
        ).scalar()


def stop(proc: subprocess.Popen[bytes]) -> int:
    os.kill(proc.pid, signal.SIGTERM)
    return proc.wait(60)


@pytest.mark.slow
def test_three_processes_send_each_teams_digest_once_on_each_transport(
    pg: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = pg
    out = tmp_path / "channels.jsonl"
    just_before = DUE - timedelta(seconds=3)
    with workers() as start:
        procs = [start(url, out, f"p{i}", just_before) for i in range(3)]
        wait_for(lambda: sum(counts(out).values()) >= 4)
        time.sleep(2.0)  # any second post would show up by now
        assert [stop(p) for p in procs] == [0, 0, 0]
    assert counts(out) == {(team, t): 1 for team in TEAMS for t in ("slack", "telegram")}
    # The night desk has no calls forecast on 1 Dec: its digest comes without a chart.
    assert {(p["team"], p["chart"]) for p in posts(out) if p["kind"] == "digest"} == {
        ("hotline", True),
        ("nightdesk", False),
    }
    assert {run_status(engine, team) for team in TEAMS} == {"done"}


@pytest.mark.slow
@pytest.mark.parametrize("where", ["before", "after"])
def test_a_process_killed_mid_send_leaves_the_digest_to_another_which_posts_it_once(
    pg: tuple[str, Engine], tmp_path: Path, where: str
) -> None:
    url, engine = pg
    out = tmp_path / "channels.jsonl"
    hang = ["--hang", "telegram"] if where == "before" else ["--hang-after", "telegram"]
    after_due = DUE + timedelta(seconds=5)
    with workers() as start:
        doomed = start(url, out, "doomed", after_due, "--lease", "3", *hang)
        wait_for(lambda: send_state(engine).get("telegram") == "sending")
        if where == "after":
            wait_for(lambda: counts(out)[("hotline", "telegram")] == 1)
        os.kill(doomed.pid, signal.SIGKILL)  # mid-send: its Telegram post is under way
        doomed.wait(30)
        heir = start(url, out, "heir", after_due + timedelta(seconds=10), "--lease", "3")
        wait_for(lambda: run_status(engine) == "done")
        time.sleep(1.0)
        assert stop(heir) == 0
    got = posts(out)
    by = {(p["team"], p["transport"]): p["owner"] for p in got if p["team"] == "hotline"}
    assert counts(out)[("hotline", "slack")] == 1 and counts(out)[("hotline", "telegram")] == 1
    assert by[("hotline", "slack")] == "doomed"
    assert by[("hotline", "telegram")] == ("heir" if where == "before" else "doomed")
    assert send_state(engine) == {"slack": "sent", "telegram": "sent"}


@pytest.mark.slow
def test_on_sigterm_a_send_under_way_is_released_and_another_process_takes_it_at_once(
    pg: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = pg
    out = tmp_path / "channels.jsonl"
    after_due = DUE + timedelta(seconds=5)
    with workers() as start:
        stuck = start(
            url, out, "stuck", after_due, "--lease", "600", "--grace", "0.5", "--hang", "telegram"
        )
        wait_for(lambda: send_state(engine).get("telegram") == "sending")
        assert stop(stuck) == 0
        assert run_status(engine) == "retry"
        heir = start(url, out, "heir", after_due + timedelta(seconds=1), "--lease", "600")
        wait_for(lambda: run_status(engine) == "done", seconds=60)  # far sooner than the lease
        assert stop(heir) == 0
    assert counts(out)[("hotline", "slack")] == 1 and counts(out)[("hotline", "telegram")] == 1
    assert [p["owner"] for p in posts(out) if p["transport"] == "telegram"][:1] == ["heir"]


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    raise SystemExit(worker(sys.argv[2:]))


def test_serve_with_the_scheduler_starts_and_stops_cleanly_on_sigterm(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    from tests.integration import digest_world as world

    world.build(engine, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--database-url", db_url, "serve", "--scheduler"],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.endswith("_BOT_TOKEN")},
            "PYTHONPATH": str(ROOT),
            "SHIFTBOT_LOG_LEVEL": "WARNING",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().decode().strip() == "shiftbot serving: scheduler"
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
    assert proc.stderr is not None
    assert b"Traceback" not in proc.stderr.read()


# ------------------------------------------------- the real serve, the real transports

TODAY_TEAMS = """[[team]]
name = "hotline"
timezone = "{zone}"
interval_minutes = 30
digest_time = "00:00"
slack_channel = "C0HOTLINE1"
telegram_chat_id = -100111

[[team]]
name = "nightdesk"
timezone = "{zone}"
interval_minutes = 30
digest_time = "00:00"
slack_channel = "C0NIGHTDSK"
telegram_chat_id = -100222
"""
CHANNELS = {"hotline": ("C0HOTLINE1", -100111), "nightdesk": ("C0NIGHTDSK", -100222)}


def _zone_with_a_whole_day_left() -> ZoneInfo:
    """A zone where today lasts at least two more hours (and began an hour ago), so the
    local date cannot change while the test runs."""
    for name in ("UTC", "Asia/Taipei", "America/New_York"):
        zone = ZoneInfo(name)
        if 1 <= datetime.now(zone).hour < 22:
            return zone
    raise AssertionError("unreachable: one of three zones 8 and 5 hours apart fits")


def build_today(engine: Engine, tmp: Path, zone: ZoneInfo) -> date:
    """Both teams working today, with calls forecast (so each digest has its chart), the
    digest due since midnight, and Amy's leave for today still waiting for a lead."""
    from tests.integration import digest_world as world

    day = datetime.now(zone).date()
    shifts = "agent_id,date,start,end,skill\n" + "".join(
        f"{who},{day},{start},{end},{skill}\n"
        for who, start, end, skill in (
            ("amy", "00:00", "08:00", "cards"),
            ("bob", "08:00", "17:00", "cards"),
            ("cara", "09:00", "18:00", "loans"),
            ("ivy", "13:00", "22:00", "cards"),
        )
    )
    night = f"agent_id,date,start,end,skill\nana,{day},00:00,08:00,cards\n"

    def calls(skill: str) -> str:
        return "".join(
            f"{day}T{h:02d}:{m:02d},{skill},10,240\n" for h in range(8, 22) for m in (0, 30)
        )

    files = {
        "teams.toml": TODAY_TEAMS.format(zone=zone.key),
        "agents.csv": world.AGENTS,
        "shifts.csv": shifts,
        "volume.csv": "interval_start,skill,calls,aht_seconds\n" + calls("cards") + calls("loans"),
        "night-agents.csv": world.NIGHT_AGENTS,
        "night-shifts.csv": night,
        "night-volume.csv": "interval_start,skill,calls,aht_seconds\n" + calls("cards"),
    }
    for name, body in files.items():
        (tmp / name).write_text(body)
    yesterday = datetime.combine(day - timedelta(days=1), dt_time(12, 0), zone)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", "hotline")
        import_shifts(uow.session, tmp / "shifts.csv", "hotline")
        import_volume(uow.session, tmp / "volume.csv", "hotline", now=yesterday)
        import_agents(uow.session, tmp / "night-agents.csv", "nightdesk")
        import_shifts(uow.session, tmp / "night-shifts.csv", "nightdesk")
        import_volume(uow.session, tmp / "night-volume.csv", "nightdesk", now=yesterday)
        uow.commit()
    core = make_core(engine, lambda: yesterday.astimezone(UTC))
    reply = core.handle(Incoming("hotline", "amy", f"leave {day} family"))
    assert reply.ok, reply.text
    return day


@pytest.mark.slow
def test_three_serve_scheduler_processes_post_each_digest_once_through_slack_and_telegram(
    pg_empty: tuple[str, Engine], tmp_path: Path
) -> None:
    from tests.fakes.serve import Serve
    from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
    from tests.fakes.telegram_api import FakeTelegram

    url, engine = pg_empty
    zone = _zone_with_a_whole_day_left()
    day = build_today(engine, tmp_path, zone)
    with FakeSlack() as slack, FakeTelegram() as telegram:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack.api_url,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.base_url,
        }
        servers = [Serve(["--scheduler"], url, env, tmp_path) for _ in range(3)]
        try:
            for server in servers:
                server.start()
            wait_for(lambda: {run_status(engine, team) for team in TEAMS} == {"done"}, seconds=120)
            # The leave expired at midnight: Amy is told once, by Slack (the first transport
            # that reaches her), from the outbox of a process that serves no front-end.
            slack.wait(lambda: slack.dms("U0AMY00001"), what="Amy's DM")
            time.sleep(3.0)  # any second post would show up by now
        finally:
            codes = [server.stop() for server in servers]
        assert codes == [0, 0, 0], "\n".join(s.output for s in servers)
        for team, (slack_channel, chat_id) in CHANNELS.items():
            [message] = slack.messages(slack_channel)
            assert message.text.startswith(f"Morning digest for {team}")
            [chart] = message.files
            assert chart.data is not None and chart.data.startswith(b"\x89PNG")
            assert chart.filename == f"digest-{team}-{day.isoformat()}.png"
            posts = telegram.messages(chat_id)
            assert [p.photo is not None for p in posts] in ([True], [False, True])
            shown = [p.text for p in posts if p.text.startswith("Morning digest")]
            assert len(shown) == 1
            assert (posts[-1].photo or b"").startswith(b"\x89PNG")
        assert len(slack.calls("files.completeUploadExternal")) == 2
        assert len(telegram.calls_of("sendPhoto")) == 2
        [told] = slack.dms("U0AMY00001")
        assert str(day.day) in told.all_text()
        assert telegram.messages(1001) == []
    assert send_state(engine) == {"slack": "sent", "telegram": "sent"}
