"""Seconds to store a year's model forecast (3 skills) on SQLite and PostgreSQL.

A year of half-hour intervals for three skills is 52,560 rows ``(instant, skill, calls,
aht)``, the shape ``shiftbot forecast`` hands to ``storage.repository.replace_model_forecast``.
Per database the script times, each in its own unit of work and including the commit:

* the first store, into an empty range;
* storing the same year again, which replaces every model row of the range;
* storing it once more while a week of user rows (a forecast the user supplied) is present,
  and checks that those rows are left as they were.

It runs on a temporary SQLite file and on a fresh PostgreSQL schema (dropped at the end;
skipped with the reason when unreachable). Only figures are printed; nothing is asserted
about time.

Run: ``.venv/bin/python bench/store.py [--pg-url URL] [--days 365] [--runs 3]``
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _pg import fresh_schema

from storage import repository as repo
from storage.db import make_engine, upgrade
from storage.tables import Team, Volume
from storage.unit_of_work import UnitOfWork

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SKILLS = ("cards", "loans", "wealth")
AHT = {"cards": 240.0, "loans": 420.0, "wealth": 600.0}
INTERVAL = timedelta(minutes=30)
FIRST = datetime(2027, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # local midnight in Taipei
USER_DAYS = 7


def forecast_rows(days: int) -> list[tuple[datetime, str, float, float]]:
    """A year of half-hour rows per skill, sorted by instant then skill, with a daily shape."""
    rows: list[tuple[datetime, str, float, float]] = []
    for i in range(days * 48):
        instant = FIRST + i * INTERVAL
        shape = max(0.0, math.sin(math.pi * ((i % 48) - 14) / 28))
        for k, skill in enumerate(SKILLS):
            calls = round(80.0 * shape / (k + 1) + (i % 7) * 0.3, 1)
            rows.append((instant, skill, calls, AHT[skill] + (i % 5)))
    return rows


def timed_store(
    engine: Engine, team_name: str, rows: list[tuple[datetime, str, float, float]]
) -> float:
    started = time.perf_counter()
    with UnitOfWork(engine) as uow:
        team = repo.team_by_name(uow.session, team_name)
        assert team is not None
        repo.replace_model_forecast(uow.session, team, rows)
        uow.commit()
    return time.perf_counter() - started


def count(engine: Engine, source: str) -> int:
    with UnitOfWork(engine, read_only=True) as uow:
        return int(
            uow.session.execute(
                select(func.count()).select_from(Volume).where(col(Volume.source) == source)
            ).scalar_one()
        )


def run_backend(label: str, url: str, days: int, runs: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    rows = forecast_rows(days)
    try:
        print(f"\n== {label} ==")
        first: list[float] = []
        again: list[float] = []
        for run in range(runs):
            name = f"bench-store-{run}"
            with UnitOfWork(engine) as uow:
                uow.session.add(Team(name=name, timezone="Asia/Taipei"))
                uow.commit()
            first.append(timed_store(engine, name, rows))
            again.append(timed_store(engine, name, rows))
        print(f"  {len(rows):,} rows ({len(SKILLS)} skills x {days} days x 48 intervals)")
        print(f"  first store:   best {min(first):.3f} s of {runs} ({fmt_rate(rows, first)})")
        print(f"  store again:   best {min(again):.3f} s of {runs} ({fmt_rate(rows, again)})")
        with UnitOfWork(engine) as uow:
            team = repo.team_by_name(uow.session, "bench-store-0")
            assert team is not None and team.id is not None
            for instant, skill, calls, aht in rows[: USER_DAYS * 48 * len(SKILLS)]:
                uow.session.add(
                    Volume(
                        team_id=team.id,
                        skill=skill,
                        interval_start=instant,
                        calls=calls + 1.0,
                        aht_seconds=aht,
                        source="user",
                    )
                )
            uow.commit()
        users_before = count(engine, "user")
        with_users = timed_store(engine, "bench-store-0", rows)
        users_after = count(engine, "user")
        models = count(engine, "model")
        print(
            f"  store again with {users_before:,} user rows present: {with_users:.3f} s; "
            f"user rows after: {users_after:,} (unchanged: {users_after == users_before}); "
            f"model rows in the database: {models:,} ({runs} teams x {len(rows):,})"
        )
    finally:
        engine.dispose()


def fmt_rate(rows: list[tuple[datetime, str, float, float]], seconds: list[float]) -> str:
    return f"{len(rows) / min(seconds):,.0f} rows/s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG, help=f"PostgreSQL URL (default {DEFAULT_PG})"
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(
        f"storing a model forecast: {args.days} days x 48 half-hour intervals x "
        f"{len(SKILLS)} skills, {args.runs} runs per figure"
    )
    with tempfile.TemporaryDirectory(prefix="shiftbot-bench-") as tmp:
        run_backend("SQLite", f"sqlite:///{Path(tmp) / 'store.db'}", args.days, args.runs)
    with fresh_schema(args.pg_url) as pg:
        if pg is not None:
            run_backend("PostgreSQL", pg, args.days, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
