"""The ``shiftbot`` command (CONTRACT §1).

Exit codes: 0 success, 2 bad input (a message on stderr says what to fix), 1 any other
failure. A user mistake never prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.services.errors import DomainError
from storage.db import BUSY_MESSAGE, READ_ONLY, is_busy, make_engine, normalise_url, upgrade
from storage.importers import (
    ImportFileError,
    RosterChanged,
    import_agents,
    import_shifts,
    import_teams,
    import_volume,
    iter_export_shifts,
    parse_file_date,
)
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("shiftbot")


class CliError(Exception):
    """A failure to report without a traceback; ``code`` 2 for bad input, 1 otherwise."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _file_date(text: str) -> date:
    try:
        return parse_file_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parse_now(text: str, tz: ZoneInfo | None = None) -> datetime:
    """``--now``: an ISO date-time; without an offset it is read in ``tz`` (needed then)."""
    try:
        now = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--now {text!r} is not an ISO date-time") from None
    if now.tzinfo is None:
        if tz is None:
            raise CliError("--now needs a UTC offset, e.g. 2026-11-30T10:00+08:00")
        now = now.replace(tzinfo=tz)
    return now


def _database_url(args: argparse.Namespace) -> str:
    return normalise_url(args.database_url or load_settings().database_url)


def open_engine(args: argparse.Namespace, *, need_schema: bool = True) -> Engine:
    url = _database_url(args)
    engine = make_engine(url)
    if need_schema:
        try:
            tables = set(inspect(engine.execution_options(**{READ_ONLY: True})).get_table_names())
        except OperationalError as exc:
            raise CliError(f"cannot open the database {url}: {exc.orig}", 1) from exc
        if "team" not in tables:
            raise CliError(
                f"the database {url} has no shiftbot schema yet; run `shiftbot init-db` first"
            )
    return engine


# ---------------------------------------------------------------------------- commands


def cmd_init_db(args: argparse.Namespace) -> int:
    url = _database_url(args)
    try:
        upgrade(url)
    except OperationalError as exc:
        raise CliError(f"cannot open the database {url}: {exc.orig}", 1) from exc
    print(f"database {url} is at the newest schema")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise CliError(f"{path}: no such file")
    engine = open_engine(args)
    if args.kind != "teams" and not args.team:
        raise CliError(f"`shiftbot import {args.kind}` needs --team NAME")
    if args.force and args.kind != "shifts":
        raise CliError("--force applies to `shiftbot import shifts` only")
    try:
        with UnitOfWork(engine) as uow:
            if args.kind == "teams":
                result = import_teams(uow.session, path)
            elif args.kind == "agents":
                result = import_agents(uow.session, path, args.team)
            elif args.kind == "shifts":
                result = import_shifts(uow.session, path, args.team, force=args.force)
            else:
                result = import_volume(uow.session, path, args.team)
            uow.commit()
    except LookupError as exc:
        raise CliError(str(exc.args[0])) from exc
    except RosterChanged as exc:
        raise CliError(str(exc), 1) from exc
    except OperationalError as exc:
        if is_busy(exc):
            raise CliError(BUSY_MESSAGE, 1) from exc
        raise
    print(result.summary())
    for note in result.notes:
        print(note)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise CliError(
            f"--from {args.date_from.isoformat()} is after --to {args.date_to.isoformat()}; "
            "give the earlier date first"
        )
    engine = open_engine(args)
    with UnitOfWork(engine, read_only=True) as uow:
        try:
            lines = iter_export_shifts(uow.session, args.team, args.date_from, args.date_to)
        except LookupError as exc:
            raise CliError(str(exc.args[0])) from exc
        for chunk in lines:
            sys.stdout.write(chunk)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import create_demo

    return create_demo(args)


def cmd_parse(args: argparse.Namespace) -> int:
    from bot.core.parsing import parse

    try:
        tz = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(
            f"unknown timezone {args.tz!r}; use an IANA name such as Asia/Taipei"
        ) from None
    now = _parse_now(args.now, tz) if args.now else datetime.now(UTC)
    parsed = parse(args.text, now, tz)
    if args.json:
        print(json.dumps(parsed.to_json(), ensure_ascii=False))
        return 0
    data = parsed.to_json()
    print(f"intent:     {data['intent']}")
    print(f"dates:      {', '.join(str(d) for d in data['dates']) or '-'}")  # type: ignore[attr-defined]
    print(f"users:      {', '.join(str(u) for u in data['users']) or '-'}")  # type: ignore[attr-defined]
    print(f"request_id: {data['request_id'] if data['request_id'] is not None else '-'}")
    if parsed.reason:
        print(f"reason:     {parsed.reason}")
    if parsed.question:
        print(f"question:   {parsed.question}")
    return 0


def run_console(
    url: str, team: str, agent_id: str, banner: str = "", now: datetime | None = None
) -> int:
    from bot.adapters.console import Console, run
    from bot.bootstrap import is_member, make_core

    engine = make_engine(url)
    known = is_member(engine, team)
    if not known(agent_id):
        raise CliError(f"there is no agent {agent_id!r} in team {team!r}")
    core = make_core(engine, (lambda: now) if now is not None else None)
    return run(Console(core.handle, team, agent_id, is_known=known), banner)


def cmd_console(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    engine.dispose()
    banner = (
        f"shiftbot console: team {args.team}, you are @{args.agent}. Type help, /as NAME, /quit."
    )
    now = _parse_now(args.now) if args.now else None
    return run_console(_database_url(args), args.team, args.agent, banner, now)


def cmd_staffing(args: argparse.Namespace) -> int:
    from bot.reports import staffing_interval, staffing_team_day

    if args.team or args.date:
        if not (args.team and args.date):
            raise CliError("a team's day needs both --team NAME and --date YYYY-MM-DD")
        return staffing_team_day(open_engine(args), args.team, args.date, as_json=args.json)
    if args.calls is None or args.aht is None:
        raise CliError("give --calls N --aht SECONDS for one interval, or --team T --date D")
    return staffing_interval(args)


def cmd_forecast(args: argparse.Namespace) -> int:
    from bot.reports import forecast_report

    return forecast_report(open_engine(args), args.team, args.date_from, args.date_to)


def cmd_headcount(args: argparse.Namespace) -> int:
    from bot.reports import headcount_report

    return headcount_report(
        open_engine(args), args.team, args.date_from, args.date_to, as_json=args.json
    )


# ------------------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default: $DATABASE_URL, else sqlite:///./shiftbot.db)",
    )
    parser = argparse.ArgumentParser(
        prog="shiftbot",
        description="Shift swaps, leave and staffing for contact-centre teams.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    commands: dict[str, Callable[[argparse.Namespace], int]] = {}

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func)
        commands[name] = func
        return p

    add("init-db", cmd_init_db, "create or upgrade the schema to the newest migration")

    p = add("import", cmd_import, "import teams (TOML), agents, shifts or volume (CSV)")
    p.add_argument("kind", choices=["teams", "agents", "shifts", "volume"])
    p.add_argument("file")
    p.add_argument("--team", help="team name (all kinds but teams)")
    p.add_argument(
        "--force",
        action="store_true",
        help="shifts: replace shifts that chat decisions changed or pending requests are about "
        "(those requests are cancelled and the people on them told)",
    )

    p = add("export", cmd_export, "export the roster as shifts CSV to stdout")
    p.add_argument("kind", choices=["shifts"])
    p.add_argument("--team", required=True)
    p.add_argument("--from", dest="date_from", type=_file_date)
    p.add_argument("--to", dest="date_to", type=_file_date)

    p = add("demo", cmd_demo, "create a demo database (card-services hotline) and open the console")
    p.add_argument("--dir", default="shiftbot-demo", help="where to write the demo files")
    p.add_argument("--no-console", action="store_true", help="seed only, do not open the console")
    p.add_argument("--today", type=_iso_date, help="pretend today is this date (YYYY-MM-DD)")

    p = add(
        "staffing",
        cmd_staffing,
        "staffing for one interval, or required vs scheduled for a team's day",
    )
    p.add_argument("--calls", type=float, help="calls offered in the interval")
    p.add_argument("--aht", type=float, help="average handling time, seconds")
    p.add_argument("--interval", type=float, default=1800, help="interval length, seconds (1800)")
    p.add_argument("--sl", type=float, default=0.80, help="service-level target (0.80)")
    p.add_argument("--target-time", type=float, default=20, help="answer within, seconds (20)")
    p.add_argument("--max-occupancy", type=float, help="occupancy cap, e.g. 0.85")
    p.add_argument("--shrinkage", type=float, default=0.0, help="paid time off the phones (0)")
    p.add_argument("--patience", type=float, help="mean patience, seconds: use Erlang A")
    p.add_argument("--team")
    p.add_argument("--date", type=_iso_date)
    p.add_argument("--json", action="store_true")

    p = add(
        "forecast",
        cmd_forecast,
        "forecast interval volume per skill from the history; store and print it",
    )
    p.add_argument("--team", required=True)
    p.add_argument("--from", dest="date_from", type=_iso_date, required=True)
    p.add_argument("--to", dest="date_to", type=_iso_date, required=True)

    p = add(
        "headcount", cmd_headcount, "FTE needed per skill and week (定編) against the team's agents"
    )
    p.add_argument("--team", required=True)
    p.add_argument("--from", dest="date_from", type=_iso_date, required=True)
    p.add_argument("--to", dest="date_to", type=_iso_date, required=True)
    p.add_argument("--json", action="store_true")

    p = add("parse", cmd_parse, "show what the bot understands from a chat message")
    p.add_argument("text")
    p.add_argument("--now", help="ISO date-time to resolve relative dates from (default: now)")
    p.add_argument("--tz", default="Asia/Taipei", help="IANA time zone (Asia/Taipei)")
    p.add_argument("--json", action="store_true")

    p = add("console", cmd_console, "chat with the bot in the terminal as an agent")
    p.add_argument("--team", required=True)
    p.add_argument("--as", dest="agent", required=True, metavar="AGENT_ID")
    p.add_argument("--now", help="pretend it is this moment (ISO with offset), for rehearsals")

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    logging.basicConfig(
        level=getattr(logging, settings.log_level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ImportFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"shiftbot: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except DomainError as exc:
        print(f"shiftbot: {exc.message}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        if is_busy(exc):
            print(f"shiftbot: {BUSY_MESSAGE}", file=sys.stderr)
            return 1
        print(f"shiftbot: database error: {exc.orig}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
