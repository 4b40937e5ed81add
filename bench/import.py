"""Shift import at scale, on SQLite and PostgreSQL: seconds and peak memory per import.

Writes a synthetic roster (agents working 08:00-16:00 or 14:00-22:00 every day with a
30-minute break, one skill each) of 146,000 rows (400 agents, one year) and 1,000,000 rows
(2,740 agents, one year), then, per database and size, runs in a fresh child process:

* ``import shifts`` into a team without shifts (every row created, one audit row each);
* the same file again (every row unchanged: nothing written);
* ``export shifts`` of the whole range (to /dev/null).

Each child runs the ``shiftbot`` command in-process and reports its wall time, its own CPU
time (user + system: on a busy machine a steadier figure than the wall time; PostgreSQL's
server time is not in it) and its peak resident set size (``ru_maxrss``); the parent also
reads ``RUSAGE_CHILDREN``. Only figures are printed; nothing is asserted.

Run: ``.venv/bin/python bench/import.py [--rows 146000 1000000] [--pg-url URL] [--no-pg]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _pg import fresh_schema

from storage.db import upgrade

TEAM = "bench-desk"
FIRST = date(2027, 1, 4)
DAYS = 365
SKILLS = ("cards", "loans", "wealth")
EARLY = ("08:00", "16:00", "12:00-12:30")
LATE = ("14:00", "22:00", "18:00-18:30")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def write_files(directory: Path, rows: int) -> tuple[Path, Path, Path]:
    agents = -(-rows // DAYS)
    teams = directory / "teams.toml"
    teams.write_text(
        f'[[team]]\nname = "{TEAM}"\ntimezone = "Europe/Berlin"\ninterval_minutes = 30\n',
        encoding="utf-8",
    )
    people = directory / "agents.csv"
    with people.open("w", encoding="utf-8") as out:
        out.write("agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours\n")
        for a in range(agents):
            out.write(f"a{a:05d},Agent {a},agent,{SKILLS[a % 3]},,,40\n")
    shifts = directory / f"shifts-{rows}.csv"
    with shifts.open("w", encoding="utf-8") as out:
        out.write("agent_id,date,start,end,skill,breaks\n")
        written = 0
        for d in range(DAYS):
            day = (FIRST + timedelta(days=d)).isoformat()
            for a in range(agents):
                if written == rows:
                    break
                early = (a + d // 7) % 2 == 0
                start, end, brk = EARLY if early else LATE
                out.write(f"a{a:05d},{day},{start},{end},{SKILLS[a % 3]},{brk}\n")
                written += 1
    return teams, people, shifts


def child(argv: list[str]) -> None:
    """Run one ``shiftbot`` command in this process; print seconds and peak RSS as JSON."""
    from bot.cli import main

    started = time.perf_counter()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        code = main(argv)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "code": code,
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
    }
    print(json.dumps(figures))


def measure(argv: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *argv],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SHIFTBOT_LOG_LEVEL": "WARNING"},
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["code"] != 0:
        raise SystemExit(f"shiftbot {' '.join(argv[:3])} exited {figures['code']}: {done.stderr}")
    figures["children_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def run(url: str, files: tuple[Path, Path, Path], rows: int, label: str) -> None:
    teams, people, shifts = files
    upgrade(url)
    db = ["--database-url", url]
    measure(["import", "teams", str(teams), *db])
    measure(["import", "agents", str(people), "--team", TEAM, *db])
    last = (FIRST + timedelta(days=DAYS - 1)).isoformat()
    steps = [
        ("import (all new)", ["import", "shifts", str(shifts), "--team", TEAM]),
        ("re-import (unchanged)", ["import", "shifts", str(shifts), "--team", TEAM]),
        (
            "export",
            ["export", "shifts", "--team", TEAM, "--from", FIRST.isoformat(), "--to", last],
        ),
    ]
    for name, argv in steps:
        figures = measure([*argv, *db])
        rate = rows / figures["seconds"]
        print(
            f"  {label:<10} {rows:>9,} rows  {name:<22} {figures['seconds']:7.1f} s "
            f"({rate:>9,.0f} rows/s)  CPU {figures['cpu_seconds']:6.1f} s  "
            f"peak RSS {figures['peak_mib']:4.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[146_000, 1_000_000])
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="shiftbot-bench-") as tmp:
        directory = Path(tmp)
        for rows in args.rows:
            files = write_files(directory, rows)
            size = files[2].stat().st_size / 1024 / 1024
            print(f"{rows:,} shift rows, {-(-rows // DAYS)} agents, file {size:.1f} MiB")
            if not args.no_sqlite:
                path = directory / f"bench-{rows}.db"
                run(f"sqlite:///{path}", files, rows, "SQLite")
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            if not args.no_pg:
                with fresh_schema(args.pg_url) as url:
                    if url is not None:
                        run(url, files, rows, "PostgreSQL")
            files[2].unlink()
    del rest


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
