"""The ``shiftbot`` command (CONTRACT §1).

Exit codes: 0 success, 2 bad input (a message on stderr says what to fix), 1 any other
failure. A user mistake never prints a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from storage.db import make_engine, normalise_url, upgrade
from storage.importers import (
    ImportFileError,
    export_shifts,
    import_agents,
    import_shifts,
    import_teams,
    import_volume,
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


def _database_url(args: argparse.Namespace) -> str:
    return normalise_url(args.database_url or load_settings().database_url)


def open_engine(args: argparse.Namespace, *, need_schema: bool = True) -> Engine:
    url = _database_url(args)
    engine = make_engine(url)
    if need_schema:
        try:
            tables = set(inspect(engine).get_table_names())
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
    with UnitOfWork(engine) as uow:
        try:
            if args.kind == "teams":
                result = import_teams(uow.session, path)
            elif args.kind == "agents":
                result = import_agents(uow.session, path, args.team)
            elif args.kind == "shifts":
                result = import_shifts(uow.session, path, args.team)
            else:
                result = import_volume(uow.session, path, args.team)
        except LookupError as exc:
            raise CliError(str(exc.args[0])) from exc
        uow.commit()
    print(result.summary())
    for note in result.notes:
        print(note)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    with UnitOfWork(engine) as uow:
        try:
            text = export_shifts(uow.session, args.team, args.date_from, args.date_to)
        except LookupError as exc:
            raise CliError(str(exc.args[0])) from exc
    sys.stdout.write(text)
    return 0


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

    p = add("export", cmd_export, "export the roster as shifts CSV to stdout")
    p.add_argument("kind", choices=["shifts"])
    p.add_argument("--team", required=True)
    p.add_argument("--from", dest="date_from", type=_iso_date)
    p.add_argument("--to", dest="date_to", type=_iso_date)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    logging.basicConfig(
        level=getattr(logging, settings.log_level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
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
    except OperationalError as exc:
        print(f"shiftbot: database error: {exc.orig}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
