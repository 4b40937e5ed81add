"""Slack under load: N concurrent signed slash commands, then N concurrent button clicks,
against one real ``shiftbot serve --slack-http`` process on loopback.

A team of N agents (each with a Slack id and one shift on the same day) and two leads is
imported into a fresh database (a temporary SQLite file, or a fresh PostgreSQL schema with
``--pg``). A fake Slack (``tests.fakes.slack_api``) serves the Web API and the
``response_url``s on 127.0.0.1, and the bot's ``SLACK_API_URL`` points at it.

1. commands: every agent sends ``/shift leave <day>`` at once (one request each);
2. clicks: once every lead's DM with Approve has arrived, one lead clicks Approve on all of
   them at once.

Printed per phase: the ack latency (HTTP response to Slack: p50, p99, max), the completion
latency (from sending to the answer in the fake's log: the ``response_url`` call for a
command, the ``chat.postMessage`` to the lead for a click), errors (a status other than 200
or a failed connection) and lost requests (no effect in the database, or no answer in the
fake's log within the time limit). Goal: 200 concurrent, p99 ack < 300 ms, no errors, none
lost. Only figures are printed; nothing is asserted.

Run: ``.venv/bin/python bench/slack_load.py [-n 200] [--pg] [--pg-url URL]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import func
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _pg import fresh_schema

from storage.db import make_engine, upgrade
from storage.importers import import_agents, import_shifts, import_teams
from storage.tables import Request
from storage.unit_of_work import UnitOfWork
from tests.fakes.serve import Serve, free_port
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, Message, SlackSender

TEAM = "load-desk"
TZ = ZoneInfo("Asia/Taipei")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LEADS = (("lead1", "U0LEAD0001"), ("lead2", "U0LEAD0002"))


def slack_id(i: int) -> str:
    return f"U0LOAD{i:05d}"


def seed(url: str, n: int, day: date, tmp: Path) -> None:
    (tmp / "teams.toml").write_text(
        f"""[[team]]
name = "{TEAM}"
timezone = "Asia/Taipei"
interval_minutes = 30
slack_channel = "C0LOADDESK1"
[team.rules]
max_off_per_day = {n + 10}
approval = "lead"
"""
    )
    rows = ["agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours"]
    rows += [f"a{i:05d},Agent {i},agent,cards,{slack_id(i)},,40" for i in range(n)]
    rows += [f"{a},Lead {a[-1]},lead,cards,{u},,40" for a, u in LEADS]
    (tmp / "agents.csv").write_text("\n".join(rows) + "\n")
    shifts = ["agent_id,date,start,end,skill,breaks"]
    shifts += [f"a{i:05d},{day},{8 + i % 6:02d}:00,{16 + i % 6:02d}:00,cards," for i in range(n)]
    (tmp / "shifts.csv").write_text("\n".join(shifts) + "\n")
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_shifts(uow.session, tmp / "shifts.csv", TEAM)
        uow.commit()
    engine.dispose()


@dataclass
class Shot:
    """One request sent: when, how Slack's side saw the ack, and when its answer arrived."""

    key: str
    sent: float = 0.0
    ack: float | None = None
    status: int | None = None
    error: str | None = None
    done: float | None = None


@dataclass
class Phase:
    name: str
    shots: list[Shot] = field(default_factory=list)
    effects: int = 0

    @property
    def wall(self) -> float:
        """From the first request sent to the last answer recorded (seconds)."""
        sent = [s.sent for s in self.shots if s.sent]
        done = [s.done for s in self.shots if s.done is not None]
        return max(done) - min(sent) if sent and done else 0.0

    def report(self, n: int) -> None:
        acks = sorted(s.ack for s in self.shots if s.ack is not None)
        done = sorted(s.done - s.sent for s in self.shots if s.done is not None)
        errors = [s for s in self.shots if s.error or s.status != 200]
        lost = n - min(self.effects, len(done))
        print(f"{self.name}: {n} concurrent, wall {self.wall:.2f} s")
        if acks:
            print(
                f"  ack        p50 {_ms(_pct(acks, 50))}  p99 {_ms(_pct(acks, 99))}  "
                f"max {_ms(acks[-1])}"
            )
        if done:
            print(
                f"  completion p50 {_ms(_pct(done, 50))}  p99 {_ms(_pct(done, 99))}  "
                f"max {_ms(done[-1])}"
            )
        kinds = sorted({s.error or str(s.status) for s in errors})
        print(f"  errors {len(errors)}" + (f" ({', '.join(kinds)})" if kinds else ""))
        print(
            f"  effects in the database {self.effects}/{n}, answers in the fake's log "
            f"{len(done)}/{n}, lost {lost}"
        )


def _pct(values: Sequence[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(98, int(p) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def fire(slack: SlackSender, bodies: list[tuple[Shot, str, str]], tmp: Path) -> None:
    """Send every body at once from a process of its own (so the fake Slack's work does not
    delay the load client), recording each ack latency and the wall-clock send time."""
    job = tmp / f"fire-{uuid.uuid4().hex[:8]}.json"
    job.write_text(
        json.dumps(
            {
                "url": slack.url,
                "secret": slack.secret,
                "bodies": [[shot.key, body, kind] for shot, body, kind in bodies],
            }
        )
    )
    out = subprocess.run(
        [sys.executable, __file__, "--fire", str(job)],
        capture_output=True,
        text=True,
        check=True,
    )
    results = {r["key"]: r for r in json.loads(out.stdout)}
    for shot, _, _ in bodies:
        r = results[shot.key]
        shot.sent, shot.ack, shot.status, shot.error = r["sent"], r["ack"], r["status"], r["error"]


async def _fire(job: dict[str, Any]) -> list[dict[str, Any]]:
    url, secret = job["url"], job["secret"]
    sender = SlackSender(url, None, secret=secret)  # type: ignore[arg-type]
    signed = [(key, body, kind, sender.signed(body)) for key, body, kind in job["bodies"]]
    results: list[dict[str, Any]] = []
    go = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(key: str, body: str, kind: str, headers: dict[str, str]) -> None:
            await go.wait()
            r: dict[str, Any] = {"key": key, "status": None, "error": None}
            r["sent"] = time.time()
            start = time.perf_counter()
            try:
                async with session.post(
                    url, data=body.encode(), headers={"Content-Type": kind, **headers}
                ) as resp:
                    await resp.read()
                    r["status"] = resp.status
            except Exception as exc:  # a refused or reset connection is an error, not a crash
                r["error"] = type(exc).__name__
            r["ack"] = time.perf_counter() - start
            results.append(r)

        tasks = [asyncio.create_task(one(*s)) for s in signed]
        await asyncio.sleep(0.05)
        go.set()
        await asyncio.gather(*tasks)
    return results


def wait_answers(shots: list[Shot], answered: Callable[[], dict[str, float]], limit: float) -> None:
    """Note when each shot's answer was recorded by the fake (wall clock, as ``sent``)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        seen = answered()
        for s in shots:
            if s.done is None and s.key in seen:
                s.done = seen[s.key]
        if all(s.done is not None for s in shots):
            return
        time.sleep(0.1)


def settle(fake: FakeSlack, deadline: float) -> None:
    """Wait until the bot has made no Slack call for a second (the last phase's notices,
    the other lead's DMs), so each phase is measured on its own."""
    seen = -1
    while time.monotonic() < deadline:
        now = len(fake.calls())
        if now == seen:
            return
        seen = now
        time.sleep(1.0)


def count_requests(url: str, status: str | None = None) -> int:
    engine = make_engine(url)
    with UnitOfWork(engine, read_only=True) as uow:
        query = select(func.count()).select_from(Request)
        if status:
            query = query.where(Request.status == status)
        n = int(uow.session.exec(query).one())
    engine.dispose()
    return n


def run(url: str, n: int, tmp: Path, limit: float) -> None:
    day = datetime.now(UTC).astimezone(TZ).date() + timedelta(days=3)
    seed(url, n, day, tmp)
    port = free_port()
    with FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        with Serve(["--slack-http", str(port)], url, env, tmp) as serve:
            slack = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake)
            for _, lead in LEADS:  # warm-up: auth.test, imports, connections
                slack.command(lead, "help")
            fake.wait(lambda: len(fake.responses()) >= len(LEADS), what="the warm-up answers")
            phases(fake, slack, url, n, day, limit, tmp)
        errors = [line for line in serve.output.splitlines() if "ERROR" in line]
        print(
            f"process log: {len(errors)} error line(s)"
            + (f", first: {errors[0]}" if errors else "")
        )


def phases(
    fake: FakeSlack, slack: SlackSender, url: str, n: int, day: date, limit: float, tmp: Path
) -> None:
    # 1. n slash commands at once.
    commands = Phase("slash commands (/shift leave)")
    bodies = []
    for i in range(n):
        key = uuid.uuid4().hex
        form = slack.command_form(slack_id(i), f"leave {day.isoformat()}")
        form["response_url"] = fake.response_url(key)
        shot = Shot(key)
        commands.shots.append(shot)
        bodies.append((shot, urllib.parse.urlencode(form), "application/x-www-form-urlencoded"))
    fire(slack, bodies, tmp)

    def responded() -> dict[str, float]:
        return {str(c.args["key"]): c.at for c in fake.responses()}

    wait_answers(commands.shots, responded, limit)
    commands.effects = count_requests(url)
    commands.report(n)

    # 2. n clicks at once, by one lead, on the DMs asking for approval.
    lead = LEADS[0][1]

    def asks() -> list[Message]:
        return [m for m in fake.dms(lead) if any(a.startswith("approve:") for a in m.action_ids())]

    deadline = time.monotonic() + limit
    while len(asks()) < commands.effects and time.monotonic() < deadline:
        time.sleep(0.2)
    settle(fake, deadline)
    messages = asks()
    clicks = Phase("button clicks (Approve)")
    bodies = []
    for m in messages:
        action_id = next(a for a in m.action_ids() if a.startswith("approve:"))
        payload = slack.click_payload(lead, m, action_id)
        shot = Shot(action_id.split(":")[1])
        clicks.shots.append(shot)
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        bodies.append((shot, body, "application/x-www-form-urlencoded"))
    fire(slack, bodies, tmp)

    def approved() -> dict[str, float]:
        out = {}
        for c in fake.calls("chat.postMessage"):
            said = str(c.args.get("text", ""))
            if c.args.get("channel") == fake.dm_channel(lead) and said.startswith("Approved #"):
                out[said.split()[1].lstrip("#")] = c.at
        return out

    wait_answers(clicks.shots, approved, limit)
    clicks.effects = count_requests(url, "approved")
    if len(messages) < n:
        print(f"(only {len(messages)} approval DMs arrived for {n} requests)")
    clicks.report(n)
    # Each approval edits both leads' messages; let them land before counting.
    want = 2 * clicks.effects
    deadline = time.monotonic() + limit
    while len(fake.calls("chat.update")) < want and time.monotonic() < deadline:
        time.sleep(0.2)
    updates = len(fake.calls("chat.update"))
    print(f"messages edited after the decisions: {updates}/{want}")
    print(f"Slack calls: {len(fake.calls())} in all")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="concurrent requests per phase")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--limit", type=float, default=120.0, help="seconds to wait for answers")
    parser.add_argument("--fire", help=argparse.SUPPRESS)  # the load client's own process
    args = parser.parse_args(argv)
    if args.fire:
        job = json.loads(Path(args.fire).read_text())
        print(json.dumps(asyncio.run(_fire(job))))
        return 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.pg:
            with fresh_schema(args.pg_url, required=True) as url:
                assert url is not None
                upgrade(url)
                print(f"PostgreSQL, {args.n} agents")
                run(url, args.n, tmp, args.limit)
        else:
            url = f"sqlite:///{tmp / 'load.db'}"
            upgrade(url)
            print(f"SQLite, {args.n} agents")
            run(url, args.n, tmp, args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
