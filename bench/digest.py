"""Morning digests for many large teams: time per digest and peak memory.

Builds N synthetic teams (default 50 teams of 500 agents with cards/loans/wealth skills, six
leads each) with two weeks of roster (five days on, two off, early 08:00-16:00 and late
14:00-22:00 with a 30-minute break), yesterday's call history and today's forecast close to
what the roster covers (so some intervals run short), and per team a sick call and an
approved leave today plus pending leave requests for the next days. Files are imported with
``storage.importers`` exactly as ``shiftbot import`` does, into a temporary SQLite file (and
into a fresh PostgreSQL schema with ``--pg``; dropped at the end).

Measured, per database:

* building each team's digest (``bot.services.digest.digest_day`` in a read-only unit of
  work: staffing per interval and skill, absences, gaps and who could cover the biggest,
  open shifts, pending approvals with their impact, yesterday's result), then its words;
* drawing its chart (matplotlib Agg, one panel per skill);
* peak memory: Python allocations during one digest (``tracemalloc``), and the process's
  maximum resident set size at the end;
* the scheduler's send of every team's digest at once (claims, records, chart) through a
  transport that only counts posts.

Only figures are printed; nothing is asserted about time.

Run: ``.venv/bin/python bench/digest.py [--teams 50] [--agents 500] [--pg [--pg-url URL]]``
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _pg import fresh_schema

from bot.bootstrap import make_core
from bot.charts import digest_chart
from bot.config import Settings
from bot.core.digest import digest_text
from bot.core.messages import Edit, Outgoing
from bot.scheduling import Scheduler, Timing
from bot.serve import Router
from bot.services import requests as svc
from bot.services.digest import digest_day
from bot.services.errors import DomainError
from storage.db import make_engine, upgrade
from storage.importers import import_agents, import_shifts, import_teams, import_volume
from storage.unit_of_work import UnitOfWork

TZ = ZoneInfo("Asia/Taipei")
SKILLS = ("cards", "loans", "wealth")
WEIGHTS = (0.60, 0.25, 0.15)
AHT = {"cards": 240.0, "loans": 420.0, "wealth": 600.0}
LEADS = 6
START = date(2026, 11, 30)  # a Monday
TODAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 8, 7, 55, tzinfo=TZ).astimezone(UTC)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def write_team(directory: Path, name: str, agents: int, rng: random.Random) -> dict[str, Path]:
    """A team's agents, two weeks of shifts and two days of volume, as CSV files."""
    paths = {k: directory / f"{name}-{k}.csv" for k in ("agents", "shifts", "volume")}
    people = []
    lead_every = agents // LEADS
    for i in range(agents):
        skill = rng.choices(SKILLS, WEIGHTS)[0]
        skills = [skill] + ([rng.choice([s for s in SKILLS if s != skill])] if i % 5 == 0 else [])
        role = "lead" if i % lead_every == 0 and i // lead_every < LEADS else "agent"
        people.append((f"a{i:04d}", role, skills))
    with paths["agents"].open("w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(
            [
                "agent_id",
                "name",
                "role",
                "skills",
                "slack_user_id",
                "telegram_user_id",
                "weekly_hours",
            ]
        )
        for agent_id, role, skills in people:
            out.writerow([agent_id, f"Agent {agent_id[1:]}", role, ";".join(skills), "", "", 40])
    heads: dict[tuple[date, str, int], int] = {}
    with paths["shifts"].open("w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["agent_id", "date", "start", "end", "skill", "breaks"])
        for i, (agent_id, _role, skills) in enumerate(people):
            for d in range(14):
                day = START + timedelta(days=d)
                block, position = divmod(d - i % 7, 7)
                if position >= 5:
                    continue
                early = (block + i) % 2 == 0
                start = 8 if early else 14
                brk = start + 3 + (i % 3) * 0.5
                b0 = f"{int(brk):02d}:{int(brk % 1 * 60):02d}"
                b1m = int(brk * 60) + 30
                b1 = f"{b1m // 60:02d}:{b1m % 60:02d}"
                skill = skills[0]
                out.writerow(
                    [
                        agent_id,
                        day.isoformat(),
                        f"{start:02d}:00",
                        f"{start + 8:02d}:00",
                        skill,
                        f"{b0}-{b1}",
                    ]
                )
                for h in range(start, start + 8):
                    heads[(day, skill, h)] = heads.get((day, skill, h), 0) + 1
    with paths["volume"].open("w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["interval_start", "skill", "calls", "aht_seconds"])
        for day in (TODAY - timedelta(days=1), TODAY):
            for skill in SKILLS:
                for h in range(8, 22):
                    for m in (0, 30):
                        on_phones = heads.get((day, skill, h), 0) * 0.93
                        load = max(0.0, on_phones * rng.uniform(0.70, 0.92))
                        calls = load * 1800 / AHT[skill]
                        out.writerow([f"{day}T{h:02d}:{m:02d}", skill, f"{calls:.1f}", AHT[skill]])
    return paths


def build(engine: Engine, teams: int, agents: int, directory: Path) -> list[str]:
    rng = random.Random(13)
    names = [f"team{t:02d}" for t in range(teams)]
    toml = "".join(
        f'[[team]]\nname = "{n}"\ntimezone = "Asia/Taipei"\ninterval_minutes = 30\n'
        f'slack_channel = "C{t:09d}"\n\n'
        for t, n in enumerate(names)
    )
    (directory / "teams.toml").write_text(toml)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, directory / "teams.toml")
        uow.commit()
    for name in names:
        paths = write_team(directory, name, agents, rng)
        with UnitOfWork(engine) as uow:
            import_agents(uow.session, paths["agents"], name)
            import_shifts(uow.session, paths["shifts"], name)
            import_volume(uow.session, paths["volume"], name, now=NOW)
            uow.commit()
        requests(engine, name, agents, rng)
    return names


def requests(engine: Engine, team: str, agents: int, rng: random.Random) -> None:
    """A sick call and an approved leave today, and three leave requests waiting."""
    lead = "a0000"
    asked = datetime(2026, 12, 7, 10, 0, tzinfo=TZ).astimezone(UTC)
    picks = rng.sample(range(1, agents), 6)

    def attempt(fn: Callable[[UnitOfWork], object]) -> object | None:
        try:
            with UnitOfWork(engine) as uow:
                return fn(uow)
        except DomainError:
            return None

    attempt(lambda uow: svc.report_sick(uow, team, f"a{picks[0]:04d}", TODAY, asked))
    out = attempt(
        lambda uow: svc.request_leave(uow, team, f"a{picks[1]:04d}", TODAY, None, "family", asked)
    )
    if out is not None:
        rid = out.request.id  # type: ignore[attr-defined]
        attempt(lambda uow: svc.decide(uow, team, lead, rid, True, asked, None))
    for k, pick in enumerate(picks[2:5]):
        day = TODAY + timedelta(days=1 + k)
        attempt(
            lambda uow, p=pick, d=day: svc.request_leave(
                uow, team, f"a{p:04d}", d, None, None, asked
            )
        )


class CountingTransport:
    """Reaches every channel and counts what it is given (the posting cost left out)."""

    def __init__(self) -> None:
        self.name = "slack"
        self.posts = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def reaches(self, team: str, agent_id: str | None, channel: bool) -> bool:
        return channel

    async def deliver(self, team: str, notice: Outgoing) -> None:
        self.posts += 1

    async def apply(self, edit: Edit) -> None:
        pass


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


def measure(label: str, url: str, teams: int, agents: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        names = build(engine, teams, agents, Path(tmp))
        took = time.perf_counter() - started
        print(f"[{label}] built {teams} teams × {agents} agents in {took:.0f} s")
    build_s: list[float] = []
    words_s: list[float] = []
    chart_s: list[float] = []
    gaps = pending = 0
    views = []
    for name in names:
        t0 = time.perf_counter()
        with UnitOfWork(engine, read_only=True) as uow:
            view = digest_day(uow, name, TODAY, NOW)
        t1 = time.perf_counter()
        text_ = digest_text(view)
        t2 = time.perf_counter()
        build_s.append(t1 - t0)
        words_s.append(t2 - t1)
        gaps += len(view.gaps)
        pending += len(view.pending)
        views.append((view, text_))
    for view, _ in views[: min(10, len(views))]:
        t0 = time.perf_counter()
        chart = digest_chart(view)
        chart_s.append(time.perf_counter() - t0)
        assert chart is not None
    tracemalloc.start()
    with UnitOfWork(engine, read_only=True) as uow:
        digest_day(uow, names[0], TODAY, NOW)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    digest_chart(views[0][0])
    _current, chart_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    longest = max(len(t) for _v, t in views)
    print(f"[{label}] digest per team: {ms(build_s)}; words {ms(words_s)}")
    print(
        f"[{label}] {gaps / teams:.1f} gaps and {pending / teams:.1f} approvals waiting per team;"
        f" longest text {longest} chars"
    )
    print(f"[{label}] chart per team: {ms(chart_s)} (over {len(chart_s)} teams)")
    print(
        f"[{label}] peak Python allocations: digest {peak / 2**20:.1f} MiB,"
        f" chart {chart_peak / 2**20:.1f} MiB"
    )

    transport = CountingTransport()
    router = Router(make_core(engine, lambda: NOW))
    router.transports = [transport]  # type: ignore[list-item]
    scheduler = Scheduler(
        router, Settings(database_url=url), clock=lambda: NOW, timing=Timing(), outbound=[]
    )

    async def send_all() -> list[str]:
        return list(await asyncio.gather(*(scheduler.send_digest(n, TODAY) for n in names)))

    t0 = time.perf_counter()
    outcomes = asyncio.run(send_all())
    wall = time.perf_counter() - t0
    print(
        f"[{label}] scheduler: {teams} digests claimed, drawn and posted in {wall:.1f} s "
        f"({wall / teams * 1000:.0f} ms per team); "
        f"{outcomes.count('sent')} sent, {transport.posts} posts"
    )
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/bench.db", args.teams, args.agents)
    if args.pg:
        with fresh_schema(args.pg_url) as url:  # unreachable: said, SQLite figures kept
            if url is not None:
                measure("PostgreSQL", url, args.teams, args.agents)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory: {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
