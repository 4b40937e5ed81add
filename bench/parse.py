"""Chat parsing throughput and console reply latency on the demo database.

1. Messages parsed per second by ``bot.core.parsing.parse`` over a mixed set of 50 English and
   Chinese (traditional and simplified) phrases, repeated (default 20,000 parses).
2. Reply time of a console round trip: the demo team is written for a fixed day into a
   temporary directory and imported with ``shiftbot demo --no-console`` (run as a subprocess,
   as a user would), then ``bot.bootstrap.make_core(engine).handle(Incoming(...))`` is timed
   for ~300 messages cycling through read-only commands (mine, roster, staffing, pending,
   help) and workflow commands (swap, give-away, leave, sick, accept, approve; refusals are
   normal answers), each followed by ``bot.adapters.console.render`` of the reply, which is
   timed on its own too.

Only figures are printed; nothing is asserted about time.

Run: ``.venv/bin/python bench/parse.py [--parses 20000] [--messages 300] [--today 2026-11-25]``
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.console import render
from bot.bootstrap import make_core
from bot.core.messages import Incoming, Reply
from bot.core.parsing import parse
from bot.demo_data import DEMO_AGENT, DEMO_LEAD, DEMO_PARTNER, TEAM_NAME, TIMEZONE
from storage.db import make_engine

TZ = ZoneInfo(TIMEZONE)
GOAL_P95_MS = 50.0
SICK = "<someone>"
WARM_UP = ("help", "mine", "roster tomorrow", "staffing tomorrow", "pending")

PHRASES: tuple[str, ...] = (
    # explicit English commands
    "swap 2026-12-24 with @bob",
    "swap Dec 24 with @bob Dec 26",
    "swap 12/24 with <@U0123|bob>",
    "/shift swap friday with @bob",
    "/swap@shiftbot_bot tomorrow with @amy",
    "giveaway Dec 24 to @amy",
    "give away friday",
    "take #12",
    "leave Dec 24 to Dec 26 family trip",
    "sick tomorrow",
    "accept 12",
    "decline #12",
    "approve 12",
    "deny 12 not enough people on the phones",
    "cancel 12",
    "mine",
    "roster next monday",
    "staffing dec 24th",
    "pending",
    "help",
    # free English
    "can I swap my friday shift with @bob?",
    "could someone take my Dec 24 shift",
    "I'd like to take Dec 24 off",
    "feeling unwell, can't come in tomorrow",
    "who is working tomorrow",
    "are we understaffed on monday",
    "anything waiting for me",
    "need a day off on 12/31",
    "what's the roster for friday",
    "roster the 3rd",
    "lorem ipsum dolor",
    "roster Feb 30",
    # Chinese, traditional and simplified
    "我想和@bob换周五的班",
    "下週一可以跟@amy換班嗎",
    "有人可以幫我代12月24日的班嗎",
    "12月24日請假",
    "24到26日請假 家裡有事",
    "后天请假",
    "明天病假",
    "我今天生病了",
    "我要接12號",
    "核准 #12",
    "駁回 12 人力不足",
    "接受12",
    "取消12",
    "我的班",
    "明天誰上班",
    "明天人力夠嗎",
    "待審",
    "怎麼用",
)


def ms_stats(values: Sequence[float]) -> str:
    arr = np.asarray(values, dtype=np.float64) * 1000.0
    if arr.size == 0:
        return "n=0"
    return (
        f"n={arr.size:<4d} p50 {np.percentile(arr, 50):7.2f}  p95 {np.percentile(arr, 95):7.2f}"
        f"  max {arr.max():7.2f} ms"
    )


# ------------------------------------------------------------------------------ parsing


def bench_parse(parses: int, now: datetime) -> None:
    rounds = max(1, -(-parses // len(PHRASES)))
    for text in PHRASES:  # warm up the regular expressions and caches
        parse(text, now, TZ)
    intents = Counter(parse(text, now, TZ).intent for text in PHRASES)
    per_phrase: list[float] = []
    started = time.perf_counter()
    for _ in range(rounds):
        for text in PHRASES:
            t0 = time.perf_counter()
            parse(text, now, TZ)
            per_phrase.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    total = rounds * len(PHRASES)
    print(f"parse: {len(PHRASES)} phrases (EN/ZH) x {rounds} = {total} parses in {elapsed:.2f} s")
    print(f"  {total / elapsed:,.0f} messages/s; per parse {ms_stats(per_phrase)}")
    print("  intents of the set: " + ", ".join(f"{k} {v}" for k, v in intents.most_common()))


# ------------------------------------------------------------------------------ console


def create_demo(directory: Path, today: date) -> str:
    """Seed the demo database the way a user does: ``shiftbot demo --no-console``."""
    url = f"sqlite:///{directory / 'demo.db'}"
    exe = Path(sys.executable).with_name("shiftbot")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]
    command += [
        "demo",
        "--no-console",
        "--dir",
        str(directory),
        "--database-url",
        url,
        "--today",
        today.isoformat(),
    ]
    env = {**os.environ, "SHIFTBOT_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"shiftbot demo failed ({result.returncode}):\n{result.stderr}")
    summary = [line.strip() for line in result.stdout.splitlines() if "database" in line]
    print(f"demo: created in {elapsed:.1f} s; {summary[0] if summary else url}")
    return url


def script(today: date) -> list[tuple[str, str]]:
    """(sender, text) pairs: read-only and workflow commands, EN and ZH, some refused.

    The sick call is made by another colleague in every round (:data:`SICK` is replaced),
    so the tour agent keeps the shift the swaps are about.
    """
    tomorrow = today + timedelta(days=1)
    later = today + timedelta(days=3)
    agent, partner, lead = DEMO_AGENT, DEMO_PARTNER, DEMO_LEAD
    return [
        (agent, "mine"),
        (agent, "roster tomorrow"),
        (agent, "staffing tomorrow"),
        (agent, "help"),
        (lead, "pending"),
        (agent, f"swap tomorrow with @{partner}"),
        (partner, "pending"),
        (partner, "accept {last}"),
        (lead, "pending"),
        (lead, "approve {last}"),
        (agent, f"swap {later:%b %d} with @{partner}"),
        (agent, "cancel {last}"),
        (agent, "我的班"),
        (agent, "明天誰上班"),
        (agent, "明天人力夠嗎"),
        (agent, "leave 後天 family dinner"),
        (lead, "deny {last} busy week"),
        (agent, f"giveaway {later:%m/%d} to @{partner}"),
        (partner, "decline {last}"),
        (agent, f"can I swap my {tomorrow:%A} shift with @{partner}?"),
        (agent, "roster next monday"),
        (agent, "staffing next monday"),
        (partner, "mine"),
        (SICK, "sick tomorrow"),
        (lead, "pending"),
        (agent, "what can you do"),
    ]


def bench_console(messages: int, today: date) -> None:
    now = datetime.combine(today, datetime.min.time().replace(hour=9), tzinfo=TZ).astimezone(UTC)
    with tempfile.TemporaryDirectory(prefix="shiftbot-bench-") as tmp:
        url = create_demo(Path(tmp), today)
        print(f"console round trip on the demo database ({TEAM_NAME}, today {today}):")
        engine = make_engine(url)
        try:
            core = make_core(engine, clock=lambda: now)
            steps = script(today)
            with (Path(tmp) / "agents.csv").open(encoding="utf-8") as handle:
                tour = {DEMO_AGENT, DEMO_PARTNER, DEMO_LEAD}
                others = [
                    row["agent_id"]
                    for row in csv.DictReader(handle)
                    if row["role"] == "agent" and row["agent_id"] not in tour
                ]
            cold: list[str] = []
            for text in WARM_UP:  # first calls pay for lazy imports and caches
                t0 = time.perf_counter()
                render(core.handle(Incoming(team=TEAM_NAME, sender=DEMO_AGENT, text=text)))
                cold.append(f"{text} {(time.perf_counter() - t0) * 1000:.0f}")
            print("  warm-up, not counted (ms): " + ", ".join(cold))
            handle_times: list[float] = []
            render_times: list[float] = []
            by_command: dict[str, list[float]] = {}
            answers: Counter[str] = Counter()
            last: int | None = None
            for i in range(messages):
                sender, template = steps[i % len(steps)]
                if sender == SICK:
                    sender = others[(i // len(steps)) % len(others)]
                text = template.format(last=last if last is not None else 1)
                t0 = time.perf_counter()
                reply: Reply = core.handle(Incoming(team=TEAM_NAME, sender=sender, text=text))
                t1 = time.perf_counter()
                render(reply)
                t2 = time.perf_counter()
                if reply.request_id is not None:
                    last = reply.request_id
                handle_times.append(t1 - t0)
                render_times.append(t2 - t1)
                key = template.split(" {")[0]
                by_command.setdefault(key, []).append(t1 - t0)
                answers["ok" if reply.ok else "refused/asked"] += 1
        finally:
            engine.dispose()
    both = [h + r for h, r in zip(handle_times, render_times, strict=True)]
    p95 = float(np.percentile(np.asarray(both) * 1000.0, 95))
    print(f"  core.handle                  {ms_stats(handle_times)}")
    print(f"  console.render               {ms_stats(render_times)}")
    print(f"  handle + render              {ms_stats(both)}")
    verdict = "met" if p95 < GOAL_P95_MS else "NOT met"
    print(f"  goal p95 < {GOAL_P95_MS:g} ms: {p95:.1f} ms ({verdict})")
    print("  replies: " + ", ".join(f"{k} {v}" for k, v in answers.most_common()))
    print("  per command (p50 / max ms):")
    for key, values in sorted(by_command.items(), key=lambda kv: -float(np.median(kv[1]))):
        arr = np.asarray(values) * 1000.0
        print(f"    {key:<42} {np.median(arr):7.1f} / {arr.max():7.1f}   (n={arr.size})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--parses", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 25))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"goal: console reply p95 under {GOAL_P95_MS:g} ms")
    now = datetime.combine(args.today, datetime.min.time().replace(hour=10), tzinfo=TZ)
    bench_parse(args.parses, now)
    bench_console(args.messages, args.today)
    return 0


if __name__ == "__main__":
    sys.exit(main())
