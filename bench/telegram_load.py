"""Concurrent Telegram webhook updates against a real ``shiftbot serve`` process, on loopback.

Seeds a team of N agents (each with a ``telegram_user_id``, a few leads, a shift on each of
the next days) in a temporary SQLite database (or a fresh PostgreSQL schema with
``--pg-url``), starts ``shiftbot serve --telegram-webhook PORT`` against the fake Bot API of
``tests/fakes/telegram_api.py`` (in a process of its own), and posts N updates at once, one per
agent: a mix of ``/mine``, ``/roster``, ``/leave DATE`` (a change, with notices to every lead)
and ``/help``. Every request carries the secret token, as Telegram's do.

Printed, per wave:

* ``ack``: webhook response time (Telegram waits for this; the update is queued, then handled);
* ``answer``: from posting the update to the bot's ``sendMessage`` to that person arriving at
  the fake API (the whole path: queue, core in a worker thread, database, reply);
* ``errors``: webhook answers other than 200 and failed requests;
* ``lost``: updates acknowledged but never answered within ``--wait`` seconds.

Only figures are printed; nothing is asserted about time.

Run: ``.venv/bin/python bench/telegram_load.py [--concurrent 200] [--waves 3] [--pg-url URL]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _pg import fresh_schema  # noqa: E402

from storage.db import make_engine, upgrade  # noqa: E402
from storage.importers import import_agents, import_shifts, import_teams  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402
from tests.e2e.telegram_serve import SECRET, day, free_port, serve  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TEAM = "load-hotline"
FIRST_ID = 20_001
LEADS = 4


def seed(url: str, tmp: Path, agents: int) -> None:
    (tmp / "teams.toml").write_text(
        f'[[team]]\nname = "{TEAM}"\ntimezone = "Asia/Taipei"\ninterval_minutes = 30\n'
        "[team.rules]\nmax_off_per_day = 50\n"
    )
    rows = ["agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours"]
    shifts = ["agent_id,date,start,end,skill"]
    for i in range(agents + LEADS):
        role = "lead" if i >= agents else "agent"
        rows.append(f"a{i:04d},Agent {i},{role},cards,,{FIRST_ID + i},40")
        for offset in range(3, 8):
            start = 8 + (i % 3) * 2
            shifts.append(f"a{i:04d},{day(offset)},{start:02d}:00,{start + 8:02d}:00,cards")
    (tmp / "agents.csv").write_text("\n".join(rows) + "\n")
    (tmp / "shifts.csv").write_text("\n".join(shifts) + "\n")
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_shifts(uow.session, tmp / "shifts.csv", TEAM)
        uow.commit()
    engine.dispose()


def words_for(i: int, wave: int) -> str:
    kind = (i + wave) % 4
    if kind == 0:
        return "/mine"
    if kind == 1:
        return f"/roster {day(3 + i % 5)}"
    if kind == 2:
        return f"/leave {day(3 + (i + wave) % 5)} bench"
    return "/help"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def wave(tg: FakeTelegram, port: int, n: int, number: int, wait: float) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    calls = f"http://127.0.0.1:{tg.port}/_fake/calls?method=sendMessage"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    users = [FIRST_ID + i for i in range(n)]
    updates = [tg.message(u, words_for(i, number)) for i, u in enumerate(users)]
    posted: dict[int, float] = {}
    acks: list[float] = []
    errors = 0
    start = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=n)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post(user: int, update: dict[str, Any]) -> None:
            nonlocal errors
            await start.wait()
            t0 = time.monotonic()
            posted[user] = t0
            try:
                async with session.post(url, json=update, headers=headers) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
                        return
            except aiohttp.ClientError:
                errors += 1
                return
            acks.append(time.monotonic() - t0)

        # Open every connection first (a GET is refused with 405 and has no effect), so the
        # wave measures the bot, not TCP set-up in this process.
        async def knock() -> None:
            async with session.get(url) as r:
                await r.read()

        await asyncio.gather(*(knock() for _ in range(n)))
        tasks = [asyncio.create_task(post(u, up)) for u, up in zip(users, updates, strict=True)]
        await asyncio.sleep(0.2)  # every task is waiting at the start line
        began = time.monotonic()
        start.set()
        await asyncio.gather(*tasks)

        deadline = time.monotonic() + wait
        answered: dict[int, float] = {}
        while time.monotonic() < deadline and len(answered) < len(acks):
            async with session.get(calls) as r:
                rows = await r.json()
            for row in rows:
                chat = row["chat_id"]
                if chat in posted and chat not in answered and row["at"] >= posted[chat]:
                    answered[chat] = row["at"] - posted[chat]
            await asyncio.sleep(0.1)
    finished = max((posted[u] + a for u, a in answered.items()), default=began)
    return {
        "acks": acks,
        "answers": list(answered.values()),
        "errors": errors,
        "lost": len(acks) - len(answered),
        "seconds": finished - began,
    }


@contextmanager
def fake_api() -> Iterator[FakeTelegram]:
    """The fake Bot API in its own process, so this one only measures."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_api"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        tg = FakeTelegram()  # builds updates; the API runs in the subprocess
        tg.port = int(line.rsplit(" ", 1)[-1])
        yield tg
    finally:
        proc.terminate()
        proc.wait(10)


def report(n: int, number: int, r: dict[str, Any]) -> None:
    acks = [a * 1000 for a in r["acks"]]
    answers = [a * 1000 for a in r["answers"]]
    print(
        f"wave {number}: {n} concurrent updates | "
        f"ack p50 {pct(acks, 50):.0f} ms, p99 {pct(acks, 99):.0f} ms, "
        f"max {max(acks, default=0):.0f} ms | "
        f"answer p50 {pct(answers, 50):.0f} ms, p99 {pct(answers, 99):.0f} ms, "
        f"max {max(answers, default=0):.0f} ms | "
        f"errors {r['errors']}, lost {r['lost']} | "
        f"{len(answers) / r['seconds'] if r['seconds'] > 0 else 0:.0f} answers/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrent", type=int, default=200, help="updates posted at once")
    parser.add_argument("--waves", type=int, default=3, help="how many times (default 3)")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for answers")
    parser.add_argument("--pg-url", help="PostgreSQL server URL (a fresh schema is used)")
    args = parser.parse_args()
    n = args.concurrent
    with tempfile.TemporaryDirectory() as d, contextlib.ExitStack() as stack:
        tmp = Path(d)
        if args.pg_url:
            pg = stack.enter_context(fresh_schema(args.pg_url, required=True))
            assert pg is not None
            url = pg
        else:
            url = f"sqlite:///{tmp / 'load.db'}"
        upgrade(url)
        seed(url, tmp, n)
        print(f"database: {'PostgreSQL' if args.pg_url else 'SQLite'}; team of {n} agents")
        with fake_api() as tg:
            port = free_port()
            with serve(url, tg, tmp, "--telegram-webhook", str(port), wait_for=port) as bot:
                for number in range(1, args.waves + 1):
                    result = asyncio.run(wave(tg, port, n, number, args.wait))
                    report(n, number, result)
                log = bot.output()
            problems = [line for line in log.splitlines() if " ERROR " in line]
            print(f"serve log: {len(problems)} error lines")
            for line in problems[:5]:
                print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
