"""The ``shiftbot`` command (CONTRACT §1).

Exit codes: 0 success, 2 bad input (a message on stderr says what to fix), 1 any other
failure. A user mistake never prints a traceback. Output cut short by its reader
(``shiftbot staffing ... | head -1``) ends quietly with 0.

The database layer and the numerics (SQLAlchemy, numpy, pandas, scipy) are imported by the
commands that use them, so ``shiftbot parse`` and ``--help`` start without them.
"""

from __future__ import annotations

import argparse
import calendar
import importlib
import json
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from storage.importers import (
        import_agents,
        import_leave,
        import_shifts,
        import_teams,
        import_volume,
        iter_export_shifts,
    )
    from storage.unit_of_work import UnitOfWork
else:
    # The import and export commands call these names; the storage layer (SQLAlchemy) is
    # loaded when one of them runs, not when the command line starts.

    def _on_first_use(module: str, name: str) -> Callable[..., Any]:
        """``module.name``, imported when first called."""

        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module(module), name)(*args, **kwargs)

        call.__name__ = name
        return call

    iter_export_shifts = _on_first_use("storage.importers", "iter_export_shifts")
    import_agents = _on_first_use("storage.importers", "import_agents")
    import_leave = _on_first_use("storage.importers", "import_leave")
    import_shifts = _on_first_use("storage.importers", "import_shifts")
    import_teams = _on_first_use("storage.importers", "import_teams")
    import_volume = _on_first_use("storage.importers", "import_volume")
    UnitOfWork = _on_first_use("storage.unit_of_work", "UnitOfWork")

log = logging.getLogger("shiftbot")


class CliError(Exception):
    """A failure to report without a traceback; ``code`` 2 for bad input, 1 otherwise."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------ argument types

_DATE_SHAPE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
"""Dates the commands take: far enough from the calendar's ends for a week either side."""


def _iso_date(text: str) -> date:
    """``YYYY-MM-DD``; a date of that shape that does not exist says why."""
    m = _DATE_SHAPE.fullmatch(text.strip())
    if m is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form")
    year, month, day = (int(g) for g in m.groups())
    shown = text.strip()
    if year < 1:
        raise argparse.ArgumentTypeError(f"{shown} is not a valid date (there is no year 0)")
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError(
            f"{shown} is not a valid date (there is no month {month}; months run 1 to 12)"
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise argparse.ArgumentTypeError(
            f"{shown} is not a valid date ({calendar.month_name[month]} has {days} days in {year})"
        )
    if not _FIRST_DAY <= date(year, month, day) <= _LAST_DAY:
        raise argparse.ArgumentTypeError(
            f"{shown} is out of range: use a date from {_FIRST_DAY} to {_LAST_DAY}"
        )
    return date(year, month, day)


def _number(
    what: str,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> Callable[[str], float]:
    """An argparse type: a finite number in the given range, or an error naming the range."""
    if low_open and high_open:
        span = f"strictly between {low:g} and {high:g}"
    elif low_open:
        span = f"above {low:g} and at most {high:g}"
    elif high_open:
        span = f"from {low:g} up to (not including) {high:g}"
    else:
        span = f"from {low:g} to {high:g}"
    rule = f"expected a number {span}"

    def parse_number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}") from None
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if not math.isfinite(value) or too_low or too_high:
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}")
        return value

    parse_number.__name__ = what
    return parse_number


# ------------------------------------------------------------------------------ helpers


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


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
    from bot.config import load_settings
    from storage.urls import normalise_url

    return normalise_url(args.database_url or load_settings().database_url)


def open_engine(args: argparse.Namespace, *, need_schema: bool = True) -> Engine:
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    from storage.db import make_engine

    url = _database_url(args)
    if need_schema:
        _require_sqlite_file(url)
    engine = make_engine(url)
    if need_schema:
        try:
            from storage.db import READ_ONLY

            tables = set(inspect(engine.execution_options(**{READ_ONLY: True})).get_table_names())
        except OperationalError as exc:
            raise CliError(f"cannot open the database {url}: {exc.orig}", 1) from exc
        if "team" not in tables:
            raise CliError(
                f"the database {url} has no shiftbot schema yet; run `shiftbot init-db` first"
            )
    return engine


def _require_sqlite_file(url: str) -> None:
    """A SQLite database file that is not there is named, not created empty."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CliError(f"--database-url {url!r} is not a database URL: {exc}") from None
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return
    if path.startswith("file:") or Path(path).exists():
        return
    raise CliError(
        f"there is no database at {path}; create it with "
        f"`shiftbot init-db --database-url {url}`, or name another with --database-url"
    )


def _team_engine(args: argparse.Namespace) -> Engine:
    """The database for a command about ``args.team``; an unknown team lists the known ones."""
    from storage import repository as repo
    from storage.unit_of_work import UnitOfWork

    engine = open_engine(args)
    with UnitOfWork(engine, read_only=True) as uow:
        names = sorted(t.name for t in repo.all_teams(uow.session))
    if args.team not in names:
        if not names:
            raise CliError(
                f"unknown team {args.team!r}; there are no teams yet: "
                "import them with `shiftbot import teams FILE.toml`"
            )
        raise CliError(f"unknown team {args.team!r}; known teams: {', '.join(names)}")
    return engine


# ---------------------------------------------------------------------------- commands


def cmd_init_db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from storage.db import upgrade

    url = _database_url(args)
    try:
        upgrade(url)
    except OperationalError as exc:
        raise CliError(f"cannot open the database {url}: {exc.orig}", 1) from exc
    print(f"database {url} is at the newest schema")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from storage.db import BUSY_MESSAGE, is_busy
    from storage.importers import RosterChanged

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
            elif args.kind == "leave":
                result = import_leave(uow.session, path, args.team)
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
    dates = ", ".join(str(d) for d in parsed.dates) or "-"
    print(f"intent:     {data['intent']}")
    print(f"dates:      {dates}{' (range)' if parsed.is_range else ''}")
    print(f"users:      {', '.join(parsed.users) or '-'}")
    print(f"request_id: {data['request_id'] if data['request_id'] is not None else '-'}")
    print(f"lang:       {parsed.lang}")
    if parsed.reason:
        print(f"reason:     {parsed.reason}")
    if parsed.problem:
        print(f"problem:    {parsed.problem.key}: {parsed.question_text()}")
    if parsed.suggestion:
        print(f"suggestion: {parsed.suggestion}")
    return 0


def run_console(
    url: str, team: str, agent_id: str, banner: str = "", now: datetime | None = None
) -> int:
    from bot.bootstrap import UnknownMember, open_console

    try:
        return open_console(url, team, agent_id, banner, now)
    except UnknownMember as exc:
        raise CliError(str(exc)) from None


def cmd_console(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    engine.dispose()
    banner = (
        f"shiftbot console: team {args.team}, you are @{args.agent}. Type help, /as NAME, /quit."
    )
    now = _parse_now(args.now) if args.now else None
    return run_console(_database_url(args), args.team, args.agent, banner, now)


def cmd_serve(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses

    from bot.config import load_settings
    from bot.serve import ServeOptions, run

    engine = open_engine(args)
    engine.dispose()
    settings = dataclasses.replace(load_settings(), database_url=_database_url(args))
    options = ServeOptions(
        host=args.host,
        slack_http=args.slack_http,
        slack_socket=args.slack_socket,
        telegram_polling=args.telegram_polling,
        telegram_webhook=args.telegram_webhook,
        scheduler=args.scheduler,
    )
    try:
        return asyncio.run(run(settings, options))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_staffing(args: argparse.Namespace) -> int:
    from bot.reports import staffing_interval, staffing_team_day

    if args.team or args.date:
        if not (args.team and args.date):
            raise CliError("a team's day needs both --team NAME and --date YYYY-MM-DD")
        return staffing_team_day(_team_engine(args), args.team, args.date, as_json=args.json)
    if args.calls is None or args.aht is None:
        raise CliError("give --calls N --aht SECONDS for one interval, or --team T --date D")
    return staffing_interval(args)


def cmd_forecast(args: argparse.Namespace) -> int:
    from bot.reports import forecast_report

    return forecast_report(_team_engine(args), args.team, args.date_from, args.date_to)


def cmd_headcount(args: argparse.Namespace) -> int:
    from bot.reports import headcount_report

    return headcount_report(
        _team_engine(args), args.team, args.date_from, args.date_to, as_json=args.json
    )


def cmd_digest(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses
    import tempfile

    from bot.core.digest import digest_json, digest_text
    from bot.services import digest as digests

    chart_path = Path(args.chart) if args.chart else None
    if chart_path is not None:
        if chart_path.suffix.lower() != ".png":
            raise CliError(f"--chart {args.chart}: the chart is a PNG; name a file ending in .png")
        if not chart_path.parent.is_dir():
            raise CliError(f"--chart {args.chart}: there is no directory {chart_path.parent}")
    engine = _team_engine(args)
    now = _parse_now(args.now) if args.now else datetime.now(UTC)
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            day = args.date or digests.today(uow, args.team, now)
            view = digests.digest_day(uow, args.team, day, now)
    except OverflowError:
        raise CliError(f"{args.date} is too close to the edge of the calendar") from None
    if chart_path is not None:
        from bot.charts import digest_chart

        chart = digest_chart(view)
        if chart is None:
            raise CliError(
                f"no chart for {day}: {args.team} has no call volume (history or forecast) "
                "that day; import volume or run `shiftbot forecast` first"
            )
        fd, part = tempfile.mkstemp(dir=chart_path.parent, suffix=".png.part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(chart.png)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(part, 0o666 & ~mask)
            os.replace(part, chart_path)
        except OSError as exc:
            Path(part).unlink(missing_ok=True)
            raise CliError(f"--chart {args.chart}: {exc.strerror}", 1) from None
    if args.format == "json":
        print(json.dumps(digest_json(view), ensure_ascii=False))
    else:
        print(digest_text(view))
    if not args.send:
        return 0
    from bot.bootstrap import make_core
    from bot.config import load_settings
    from bot.scheduling import outbound_transports, send_now
    from bot.serve import Router

    settings = dataclasses.replace(load_settings(), database_url=_database_url(args))
    router = Router(make_core(engine, lambda: now if args.now else datetime.now(UTC)))
    transports = outbound_transports(router, settings)
    if not transports:
        raise CliError(
            "--send needs a transport to post with: set SLACK_BOT_TOKEN and/or "
            "TELEGRAM_BOT_TOKEN, and give the team a slack_channel or telegram_chat_id"
        )
    clock = (lambda: now) if args.now else None
    result = asyncio.run(
        send_now(router, settings, args.team, day, clock=clock, outbound=transports)
    )
    said = {
        "sent": f"digest of {args.team} for {day} sent",
        "settled": f"the digest of {args.team} for {day} was already sent; not sent again",
        "held": f"another process is sending the digest of {args.team} for {day} right now",
    }
    if result in said:
        print(said[result], file=sys.stderr)
        return 0
    if result == "unreachable":
        raise CliError(
            f"no transport reaches {args.team}'s channel: give the team a slack_channel "
            "or telegram_chat_id in the teams file"
        )
    raise CliError(
        f"posting the digest of {args.team} for {day} failed; it is recorded and retried "
        "by `shiftbot serve --scheduler`, or run this again",
        1,
    )


def cmd_roster(args: argparse.Namespace) -> int:
    """``roster generate``: the week's roster as shifts CSV (or JSON) on stdout, a summary on
    stderr; ``--apply`` stores it in one transaction."""
    import csv
    import getpass

    from bot.core.handlers import roster_summary_lines
    from bot.i18n import words
    from bot.services import rostering
    from bot.services.errors import Conflict

    engine = _team_engine(args)
    with UnitOfWork(engine, read_only=True) as uow:
        week_input = rostering.load_week(uow, args.team, args.week)
    generated = rostering.solve(week_input, args.time_limit)
    summary = generated.summary
    if args.json:
        out = {
            "status": summary.status,
            "shifts": [row.as_dict() for row in generated.rows],
            "understaffed": summary.understaffed,
            "lower_bound": summary.lower_bound,
            "required": summary.required,
            "fairness": summary.fairness_json(),
            "seconds": summary.seconds,
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["agent_id", "date", "start", "end", "skill", "breaks"])
        writer.writerows(
            [r.agent_id, r.date, r.start, r.end, r.skill, r.breaks] for r in generated.rows
        )
    sys.stdout.flush()
    w = words("en")
    for line in roster_summary_lines(summary, w, max_people=50):
        print(line, file=sys.stderr)
    if not args.apply:
        return 0
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    try:
        with UnitOfWork(engine) as uow:
            applied = rostering.apply_roster(
                uow,
                args.team,
                args.week,
                generated.result.shifts,
                week_input.basis,
                f"roster:{user}",
                datetime.now(UTC),
                summary=summary,
            )
            uow.commit()
    except Conflict as exc:
        raise CliError(exc.message, 1) from exc
    print(
        w(
            "generate.applied_now",
            week=applied.week,
            created=applied.created,
            people=applied.people,
            removed=applied.removed,
            kept=applied.kept,
        ),
        file=sys.stderr,
    )
    return 0


# ------------------------------------------------------------------------------ parser


def _add_database_url(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        default=default,
        help="SQLAlchemy database URL, before or after the command "
        "(default: $DATABASE_URL, else sqlite:///./shiftbot.db)",
    )


def build_parser() -> argparse.ArgumentParser:
    # --database-url is accepted before the command and after it. After it, it is unset
    # unless given (argparse.SUPPRESS): a command's own default would otherwise overwrite
    # the value given before the command.
    common = argparse.ArgumentParser(add_help=False)
    _add_database_url(common, argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="shiftbot", description="Shift swaps, leave and staffing for contact-centre teams."
    )
    _add_database_url(parser, None)
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="what to do (shiftbot COMMAND --help for more)"
    )
    sub.required = True

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func, needs_settings=True)
        return p

    add("init-db", cmd_init_db, "create or upgrade the schema to the newest migration")

    p = add("import", cmd_import, "import teams (TOML), agents, shifts, volume or leave (CSV)")
    p.add_argument(
        "kind",
        choices=["teams", "agents", "shifts", "volume", "leave"],
        help="what the file holds (leave: planned leave already agreed, stored as approved)",
    )
    p.add_argument("file", help="the TOML or CSV file to import")
    p.add_argument("--team", help="team name (all kinds but teams)")
    p.add_argument(
        "--force",
        action="store_true",
        help="shifts: replace shifts that chat decisions changed or pending requests are about "
        "(those requests are cancelled and the people on them told)",
    )

    p = add("export", cmd_export, "export the roster as shifts CSV to stdout")
    p.add_argument("kind", choices=["shifts"], help="what to export")
    p.add_argument("--team", required=True, help="team name")
    p.add_argument("--from", dest="date_from", type=_iso_date, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_iso_date, help="last day, YYYY-MM-DD")

    p = add("demo", cmd_demo, "create a demo database (card-services hotline) and open the console")
    p.add_argument("--dir", default="shiftbot-demo", help="where to write the demo files")
    p.add_argument("--no-console", action="store_true", help="seed only, do not open the console")
    p.add_argument("--today", type=_iso_date, help="pretend today is this date (YYYY-MM-DD)")

    p = add(
        "staffing",
        cmd_staffing,
        "staffing for one interval, or required vs scheduled for a team's day",
    )
    p.add_argument(
        "--calls",
        type=_number("--calls", 0, 100_000),
        metavar="N",
        help="calls offered in the interval (0 to 100000)",
    )
    p.add_argument(
        "--aht",
        type=_number("--aht", 0, 86_400, low_open=True),
        metavar="SECONDS",
        help="average handling time, seconds (up to 86400)",
    )
    p.add_argument(
        "--interval",
        type=_number("--interval", 60, 86_400),
        default=1800.0,
        metavar="SECONDS",
        help="interval length, seconds (60 to 86400; default 1800)",
    )
    p.add_argument(
        "--sl",
        type=_number("--sl", 0, 1, low_open=True, high_open=True),
        default=0.80,
        metavar="FRACTION",
        help="service-level target, between 0 and 1 (default 0.80)",
    )
    p.add_argument(
        "--target-time",
        type=_number("--target-time", 0, 86_400),
        default=20.0,
        metavar="SECONDS",
        help="answer within this many seconds (default 20)",
    )
    p.add_argument(
        "--max-occupancy",
        type=_number("--max-occupancy", 0, 1, low_open=True),
        metavar="FRACTION",
        help="occupancy cap in (0, 1], e.g. 0.85 (default: none)",
    )
    p.add_argument(
        "--shrinkage",
        type=_number("--shrinkage", 0, 1, high_open=True),
        default=0.0,
        metavar="FRACTION",
        help="share of paid time off the phones, in [0, 1) (default 0)",
    )
    p.add_argument(
        "--patience",
        type=_number("--patience", 0, 86_400, low_open=True),
        metavar="SECONDS",
        help="mean caller patience, seconds: use Erlang A (default: Erlang C)",
    )
    p.add_argument("--team", help="team name, with --date: the team's day")
    p.add_argument("--date", type=_iso_date, help="the day (YYYY-MM-DD), with --team")
    p.add_argument("--json", action="store_true", help="print JSON (floats at full precision)")

    p = add(
        "forecast",
        cmd_forecast,
        "forecast interval volume per skill from the history; store and print it",
    )
    p.add_argument("--team", required=True, help="team name")
    p.add_argument(
        "--from", dest="date_from", type=_iso_date, required=True, help="first day, YYYY-MM-DD"
    )
    p.add_argument(
        "--to", dest="date_to", type=_iso_date, required=True, help="last day, YYYY-MM-DD"
    )

    p = add(
        "headcount", cmd_headcount, "FTE needed per skill and week (定編) against the team's agents"
    )
    p.add_argument("--team", required=True, help="team name")
    p.add_argument(
        "--from",
        dest="date_from",
        type=_iso_date,
        required=True,
        help="first day, YYYY-MM-DD (extended back to its Monday)",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        type=_iso_date,
        required=True,
        help="last day, YYYY-MM-DD (extended to its Sunday)",
    )
    p.add_argument("--json", action="store_true", help="print JSON (floats at full precision)")

    p = add(
        "digest",
        cmd_digest,
        "the morning digest of a team's day (text or JSON), its chart, and posting it",
    )
    p.add_argument("--team", required=True, help="team name")
    p.add_argument(
        "--date", type=_iso_date, help="the day, YYYY-MM-DD (default: today in the team's zone)"
    )
    p.add_argument(
        "--format", choices=["text", "json"], default="text", help="text (default) or JSON"
    )
    p.add_argument("--chart", metavar="FILE.png", help="also write the digest's chart to this PNG")
    p.add_argument(
        "--send",
        action="store_true",
        help="post it to the team's channels, claimed and recorded as the scheduler does",
    )
    p.add_argument("--now", help="pretend it is this moment (ISO with offset), for rehearsals")

    p = add(
        "roster",
        cmd_roster,
        "generate a week's roster from the demand, the shift templates, contracts and rules",
    )
    p.add_argument("action", choices=["generate"], help="what to do")
    p.add_argument("--team", required=True, help="team name")
    p.add_argument(
        "--week", type=_iso_date, required=True, metavar="MONDAY", help="the week's Monday"
    )
    p.add_argument(
        "--time-limit",
        type=_number("--time-limit", 0, 3600),
        default=60.0,
        metavar="SECONDS",
        help="solver time, seconds (0 to 3600; 0: the quick heuristic only; default 60)",
    )
    p.add_argument("--json", action="store_true", help="print the roster and figures as JSON")
    p.add_argument(
        "--apply",
        action="store_true",
        help="store it: replace that week's shifts that carry no request (audited)",
    )

    p = add("parse", cmd_parse, "show what the bot understands from a chat message")
    p.set_defaults(needs_settings=False)
    p.add_argument("text", help="the chat message, quoted")
    p.add_argument("--now", help="ISO date-time to resolve relative dates from (default: now)")
    p.add_argument("--tz", default="Asia/Taipei", help="IANA time zone (default Asia/Taipei)")
    p.add_argument("--json", action="store_true", help="print the CONTRACT §3 JSON")

    p = add("console", cmd_console, "chat with the bot in the terminal as an agent")
    p.add_argument("--team", required=True, help="team name")
    p.add_argument(
        "--as", dest="agent", required=True, metavar="AGENT_ID", help="the agent you are"
    )
    p.add_argument("--now", help="pretend it is this moment (ISO with offset), for rehearsals")

    p = add("serve", cmd_serve, "run the Slack and Telegram front-ends and the digest scheduler")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument(
        "--slack-http", type=_port, metavar="PORT", help="serve Slack on POST /slack/events"
    )
    p.add_argument("--slack-socket", action="store_true", help="connect to Slack by Socket Mode")
    p.add_argument(
        "--telegram-polling", action="store_true", help="fetch Telegram updates by long polling"
    )
    p.add_argument(
        "--telegram-webhook",
        type=_port,
        metavar="PORT",
        help="serve Telegram on POST /telegram/webhook",
    )
    p.add_argument(
        "--scheduler", action="store_true", help="send digests, reminders and alerts on time"
    )

    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    level_name = "WARNING"
    if args.needs_settings:
        from bot.config import load_settings

        level_name = load_settings().log_level
    logging.basicConfig(
        level=getattr(logging, level_name, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if level_name != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _failure(exc: Exception) -> int | None:
    """The exit code for a failure a user can act on (its message printed), else None."""
    if isinstance(exc, CliError):
        print(f"shiftbot: {exc}", file=sys.stderr)
        return exc.code
    # Only modules that were loaded can have raised their errors.
    importers = sys.modules.get("storage.importers")
    if importers is not None and isinstance(exc, importers.ImportFileError):
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 2
    errors = sys.modules.get("bot.services.errors")
    if errors is not None and isinstance(exc, errors.DomainError):
        print(f"shiftbot: {exc.message}", file=sys.stderr)
        return 2
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError):
        from storage.db import BUSY_MESSAGE, is_busy

        if is_busy(exc):
            print(f"shiftbot: {BUSY_MESSAGE}", file=sys.stderr)
            return 1
        print(f"shiftbot: database error: {exc.orig}", file=sys.stderr)
        return 1
    return None


def _quiet_stdout() -> None:
    """After the reader of stdout went away: send the rest of the output nowhere, so that
    flushing it at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        handled = _failure(exc)
        if handled is None:
            raise
        return handled


if __name__ == "__main__":
    raise SystemExit(main())
