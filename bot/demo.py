"""``shiftbot demo``: a card-services hotline to try shiftbot with, then the console."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.demo_data import TOUR, write_demo_files
from bot.services.planning import forecast_team
from storage.db import make_engine, upgrade
from storage.importers import import_agents, import_shifts, import_teams, import_volume
from storage.unit_of_work import UnitOfWork

DEMO_DB = Path("shiftbot-demo.db")
TEAM = "card-hotline"
TZ = ZoneInfo("Asia/Taipei")


def create_demo(args: argparse.Namespace) -> int:
    today: date = args.today or datetime.now(TZ).date()
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    files = write_demo_files(directory, today)
    url = args.database_url or f"sqlite:///{DEMO_DB}"
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    upgrade(url)
    engine = make_engine(url)
    now = datetime.combine(today, datetime.min.time()).replace(tzinfo=TZ).astimezone(UTC)
    with UnitOfWork(engine) as uow:
        results = [
            import_teams(uow.session, files.teams),
            import_agents(uow.session, files.agents, TEAM),
            import_shifts(uow.session, files.shifts, TEAM),
            import_volume(uow.session, files.volume, TEAM, now=now),
        ]
        uow.commit()
    with UnitOfWork(engine) as uow:
        fc = forecast_team(uow, TEAM, today, today + timedelta(days=27), now)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("agent", "shift", "volume")
        }
    day = f"{today:%a} {today.day} {today:%b %Y}"
    print(f"shiftbot demo: team {TEAM} (Asia/Taipei), today is {day}")
    print(f"  files in {directory}/: teams.toml, agents.csv, shifts.csv, volume.csv")
    for result in results:
        print(f"  imported {result.summary()}")
    print(f"  forecast {fc.stored} intervals for the next 4 weeks")
    print(
        f"  database {url}: {counts['agent']} agents, {counts['shift']} shifts, "
        f"{counts['volume']} volume rows"
    )
    flag = f"--database-url {url}"
    print("\nNext, try:")
    print(f"  shiftbot staffing --team {TEAM} --date {today + timedelta(days=1)} {flag}")
    print(f"  shiftbot export shifts --team {TEAM} --from {today} --to {today} {flag}")
    last = today + timedelta(days=27)
    print(f"  shiftbot headcount --team {TEAM} --from {today} --to {last} {flag}")
    print(f"  shiftbot console --team {TEAM} --as {files.demo_agent} {flag}")
    engine.dispose()
    if args.no_console:
        return 0
    from bot.bootstrap import UnknownMember, open_console

    banner = tour_banner(files.demo_agent, files.demo_partner, files.demo_lead)
    console_now = None
    if args.today:
        clock = datetime.now(TZ).time().replace(microsecond=0)
        console_now = datetime.combine(today, clock).replace(tzinfo=TZ)
    try:
        return open_console(url, TEAM, files.demo_agent, banner, console_now)
    except UnknownMember as exc:
        raise SystemExit(f"shiftbot: {exc}") from None


def tour_banner(agent: str, partner: str, lead: str) -> str:
    lines = [
        "",
        f"You are @{agent}, an agent of the card-services hotline. Type a message, e.g.:",
        *[f"  {cmd}" for cmd in TOUR],
        f"Answer as someone else with /as {partner} (the colleague) or /as {lead} (a lead),",
        "e.g. /as bob then accept 1; Chinese works too (明天病假, 我的班). /quit leaves.",
        "",
    ]
    return "\n".join(lines)
