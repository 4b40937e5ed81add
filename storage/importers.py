"""Import and export of the files users bring (CONTRACT §2).

A CSV file is read as a stream and checked record by record before anything is written;
the rows are kept as compact integer columns (numpy arrays), not as Python objects, so a
million-row roster is validated in bounded memory. Then everything is written in the
caller's transaction, in batches small enough for every backend's bind-parameter limit
(SQLite 32,766, PostgreSQL 65,535): a bad file leaves the database exactly as it was.
Every error names the file, the line and the column: ``agents.csv:7: skills: ...``.

Importing shifts never silently undoes a decision taken in chat: a stored shift that an
approved request changed, that a pending request is about, or that was freed by a sick
call or leave is only replaced when the file has it exactly as stored, or with ``force``
(which cancels the pending requests on it and tells the people concerned).
"""

from __future__ import annotations

import csv
import getpass
import io
import itertools
import json
import math
import re
import tomllib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    JSON,
    String,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    insert,
    text,
    type_coerce,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from storage import db
from storage import messaging as msgrepo
from storage import repository as repo
from storage.localtime import LocalTimeError, to_utc
from storage.tables import Agent, AuditEvent, Request, Shift, ShiftTemplate, Team

AGENT_COLUMNS = (
    "agent_id",
    "name",
    "role",
    "skills",
    "slack_user_id",
    "telegram_user_id",
    "weekly_hours",
)
AGENT_OPTIONAL = ("lang", "shift_hours")
SHIFT_COLUMNS = ("agent_id", "date", "start", "end", "skill")
SHIFT_OPTIONAL = ("breaks",)
VOLUME_COLUMNS = ("interval_start", "skill", "calls", "aht_seconds")
LEAVE_COLUMNS = ("agent_id", "from", "to")
LEAVE_OPTIONAL = ("reason",)

MB = 1024 * 1024
MAX_FILE_BYTES = 256 * MB
"""A CSV file larger than this is refused before it is read (split it, e.g. by month)."""
MAX_TEAMS_FILE_BYTES = 1 * MB
MAX_ERRORS = 20
BATCH_ROWS = 2_000
"""Rows per statement: at most a few columns each, far below every bind-parameter limit."""
STREAM_ROWS = 10_000

LANGUAGES = ("en", "zh-Hant", "zh-Hans")
STAFFING_POLICIES = ("review", "deny", "off")
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
MAX_CALLS = 100_000.0
MAX_AHT_SECONDS = 86_400.0
MAX_WEEKLY_HOURS = 80.0
MAX_BREAKS = 8
MAX_DISPLAY_NAME = 64
MAX_TEMPLATES = 100
"""Shift templates per team (each runs on up to 7 days: the roster's options)."""
MAX_SHIFT_LENGTHS = 8
MAX_LEAVE_DAYS = 366
"""Days one row of a leave file may span."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
PENDING = ("pending_counterpart", "pending_lead", "open")

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CLOCK_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")
STAMP_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2})")
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
INTEGER_RE = re.compile(r"[+-]?[0-9]{1,20}")
SLACK_USER_RE = re.compile(r"[UW][A-Z0-9]{2,}")
CHANNEL_RE = re.compile(r"[^\s\x00-\x1f\x7f]+")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

I64 = npt.NDArray[np.int64]


def _length(table: str, column: str) -> int:
    length = getattr(SQLModel.metadata.tables[table].c[column].type, "length", None)
    assert isinstance(length, int)
    return length


# Every text a file brings is checked against its column's length before the database sees
# it (PostgreSQL would refuse it, SQLite would keep it whole).
TEXT_LIMITS = {
    "team_name": _length("team", "name"),
    "timezone": _length("team", "timezone"),
    "slack_channel": _length("team", "slack_channel"),
    "agent_id": _length("agent", "agent_id"),
    "name": _length("agent", "name"),
    "skills": _length("agent", "skills"),
    "skill": _length("shift", "skill"),
    "slack_user_id": _length("agent", "slack_user_id"),
    "reason": _length("request", "reason"),
    "template_name": _length("shift_template", "name"),
}

TEAM_KEYS = {
    "name",
    "timezone",
    "interval_minutes",
    "digest_time",
    "slack_channel",
    "telegram_chat_id",
    "service_level",
    "target_seconds",
    "max_occupancy",
    "shrinkage",
    "language",
    "reminder_hours",
    "rules",
    "skill_names",
    "shift_template",
}
TEMPLATE_KEYS = ("name", "start", "hours", "break_minutes", "break_window", "days")
WEEKDAY_NAMES = {
    **{d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        d: i
        for i, d in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
RULE_KEYS = {
    "min_rest_hours",
    "max_weekly_hours",
    "max_consecutive_days",
    "swap_cutoff_hours",
    "max_off_per_day",
    "approval",
    "staffing",
}


# --------------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int
    column: str
    message: str
    last_line: int = 0

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.last_line > self.line:
                where += f"-{self.last_line}"
        return f"{where}: {self.column}: {self.message}"


class ImportFileError(Exception):
    """A file that cannot be imported; ``problems`` lists what is wrong, line by line."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    cancelled: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.cancelled)

    def summary(self) -> str:
        parts = [f"{self.created} created", f"{self.updated} updated"]
        parts.append(f"{self.unchanged} unchanged")
        if self.deleted:
            parts.append(f"{self.deleted} removed")
        if self.cancelled:
            plural = "request" if self.cancelled == 1 else "requests"
            parts.append(f"{self.cancelled} {plural} cancelled")
        return f"{self.kind}: " + ", ".join(parts)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.deleted,
            "cancelled": self.cancelled,
        }


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[FileProblem] = []
        self.more = False

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_ERRORS

    def add(self, line: int, column: str, message: str, last_line: int = 0) -> None:
        if self.full:
            self.more = True
            return
        self.items.append(FileProblem(self.file, line, column, message, last_line))

    def raise_if_any(self) -> None:
        if self.items:
            items = sorted(self.items, key=lambda p: (p.line, p.column))
            if self.more or self.full:
                items.append(
                    FileProblem(self.file, 0, "file", f"stopped after {MAX_ERRORS} problems")
                )
            raise ImportFileError(items)


def _show(value: object, limit: int = 40) -> str:
    """A value quoted for a message, shortened so that a huge field stays readable."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + "…"
    return repr(value)


def import_actor() -> str:
    """``import:<OS user>``: who ran an import, for the audit trail."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"import:{user}"[: _length("audit_event", "actor")]


# ------------------------------------------------------------------------- value checkers


def parse_file_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date between 1900-01-01 and 2999-12-31 (nothing else is a date)."""
    if not DATE_RE.fullmatch(text):
        raise ValueError(f"{_show(text)} is not a date in YYYY-MM-DD form")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{_show(text)} is not a date in YYYY-MM-DD form") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(
            f"{text} is outside the dates shiftbot handles "
            f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})"
        )
    return day


def _clock_minutes(text: str, *, end: bool = False) -> int:
    """``HH:MM`` (ASCII digits) as minutes after midnight; ``24:00`` only as an end."""
    match = CLOCK_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"{_show(text)} is not a time in HH:MM form")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if end and (hours, minutes) == (24, 0):
        return 1440
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"{_show(text)} is not a time of day (00:00–23:59)")
    return hours * 60 + minutes


def _decimal(text: str, what: str, low: float, high: float) -> float:
    """A plain decimal number (ASCII digits; no NaN, infinity or underscores) in range."""
    if not NUMBER_RE.fullmatch(text):
        raise ValueError(f"{_show(text)} is not {what}")
    value = float(text)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{_show(text)} is not {what} ({low:g} to {high:g})")
    return value


def _int64(text: str, what: str) -> int:
    if not INTEGER_RE.fullmatch(text):
        raise ValueError(f"{_show(text)} is not {what}")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{_show(text)} is out of range for {what} (signed 64-bit)")
    return value


def _check_text(value: str, key: str, what: str) -> str | None:
    """A message when ``value`` is too long for its column or holds control characters."""
    limit = TEXT_LIMITS[key]
    if len(value) > limit:
        return f"{what} is {len(value)} characters long; at most {limit} are allowed"
    if CONTROL_RE.search(value):
        return f"{what} {_show(value)} contains a control character"
    return None


def _check_name(value: str, key: str, what: str) -> str | None:
    """A message when ``value`` is not an id of letters, digits, '-', '_' or '.'."""
    problem = _check_text(value, key, what)
    if problem is None and not NAME_RE.fullmatch(value):
        problem = (
            f"{_show(value)} is not a valid {what} (letters, digits, '-', '_' or '.', "
            "starting with a letter or digit; no spaces)"
        )
    return problem


# ----------------------------------------------------------------------------- file reading


def _check_size(path: Path, limit: int) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(
            [FileProblem(path.name, 0, "file", f"cannot read: {exc.strerror}")]
        ) from exc
    if size > limit:
        raise ImportFileError(
            [
                FileProblem(
                    path.name,
                    0,
                    "file",
                    f"the file is {size / MB:.1f} MB; files up to {limit // MB} MB are "
                    "imported: split it (e.g. one file per month)",
                )
            ]
        )


def _bad_utf8(path: Path) -> tuple[int, int, int] | None:
    """``(line, field index, byte)`` of the first byte that is not UTF-8, read in chunks."""
    line, commas = 1, 0
    pending = b""
    with path.open("rb") as raw:
        while True:
            chunk = raw.read(MB)
            data = pending + chunk
            if not data:
                return None
            bad: int | None = None
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as exc:
                good = exc.start
                truncated = exc.end == len(data) and exc.reason == "unexpected end of data"
                if not (chunk and truncated):
                    bad = data[exc.start]
            done = data[:good]
            newline = done.rfind(b"\n")
            if newline >= 0:
                line += done.count(b"\n")
                commas = done.count(b",", newline + 1)
            else:
                commas += done.count(b",")
            if bad is not None:
                return line, commas, bad
            if not chunk:
                return None
            pending = data[good:]


def _read_text(path: Path, limit: int) -> str:
    _check_size(path, limit)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(
            [FileProblem(path.name, 0, "file", f"cannot read: {exc.strerror}")]
        ) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems = _Problems(path.name)
        _blame_encoding(path, problems, None)
        problems.raise_if_any()
        raise AssertionError("unreachable") from None


def _blame_encoding(path: Path, problems: _Problems, columns: Sequence[str] | None) -> None:
    where = _bad_utf8(path)
    if where is None:
        problems.add(0, "file", "not valid UTF-8; save the file as UTF-8")
        return
    line, index, byte = where
    column = "text"
    if columns is not None:
        if line > 1:
            with path.open("rb") as raw:
                first = raw.readline(64 * 1024).decode("utf-8-sig", errors="replace")
            columns = [c.strip() for c in first.split(",")]
        column = columns[index] if index < len(columns) else f"column {index + 1}"
    problems.add(line, column, f"not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8")


def _csv_message(exc: csv.Error) -> str:
    text_ = str(exc)
    if "unexpected end of data" in text_:
        return "a quoted field opened on this line is never closed (a missing '\"')"
    if "field larger than field limit" in text_:
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"malformed CSV: {text_}"


class _CsvReader:
    """Stream a CSV file: its header, then ``(line, stripped fields)`` of each record.

    Structural problems (a bad header, a wrong number of fields, NUL characters, broken
    quoting, bytes that are not UTF-8) are collected in ``problems``; reading stops after
    :data:`MAX_ERRORS` of them.
    """

    def __init__(self, path: Path, required: Sequence[str], optional: Sequence[str] = ()):
        self.path = path
        self.problems = _Problems(path.name)
        self._columns = [*required, *optional]
        _check_size(path, MAX_FILE_BYTES)
        try:
            self._handle: TextIO = path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise ImportFileError(
                [FileProblem(path.name, 0, "file", f"cannot read: {exc.strerror}")]
            ) from exc
        self._reader = csv.reader(self._handle, strict=True)
        try:
            self.header = self._read_header(required, optional)
        except BaseException:
            self._handle.close()
            raise
        self.index = {name: i for i, name in enumerate(self.header)}

    def __enter__(self) -> _CsvReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._handle.close()

    def _read_header(self, required: Sequence[str], optional: Sequence[str]) -> list[str]:
        problems = self.problems
        try:
            first = next(self._reader, None)
        except csv.Error as exc:
            problems.add(1, "header", _csv_message(exc))
            first = None
        except UnicodeDecodeError:
            _blame_encoding(self.path, problems, self._columns)
            first = None
        problems.raise_if_any()
        if first is None or not any(h.strip() for h in first):
            problems.add(1, "header", f"the file is empty; expected {','.join(required)}")
            problems.raise_if_any()
            raise AssertionError("unreachable")
        header = [h.strip() for h in first]
        if any(CONTROL_RE.search(h) for h in header):
            problems.add(1, "header", "the header contains a control character such as NUL")
            problems.raise_if_any()
        seen: dict[str, int] = {}
        for number, name in enumerate(header, start=1):
            if name in seen:
                problems.add(
                    1, name, f"duplicate column {name!r} (columns {seen[name]} and {number})"
                )
            seen.setdefault(name, number)
        missing = [c for c in required if c not in header]
        if missing:
            problems.add(
                1,
                missing[0],
                f"missing column(s) {', '.join(missing)}; the header must be {','.join(required)}",
            )
        unknown = [h for h in header if h not in required and h not in optional]
        if unknown:
            problems.add(1, unknown[0] or "header", f"unknown column {_show(unknown[0])}")
        problems.raise_if_any()
        return header

    def records(self) -> Iterator[tuple[int, list[str]]]:
        reader, problems, names = self._reader, self.problems, self.header
        width = len(names)
        while not problems.full:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                problems.add(line, "text", _csv_message(exc))
                return
            except UnicodeDecodeError:
                _blame_encoding(self.path, problems, self._columns)
                return
            fields = [v.strip() for v in values]
            joined = "".join(fields)
            if not joined:
                continue
            if len(fields) != width:
                problems.add(
                    line,
                    names[min(len(fields), width) - 1],
                    f"expected {width} fields, found {len(fields)}",
                )
                continue
            if "\x00" in joined:
                column = next(names[i] for i, v in enumerate(fields) if "\x00" in v)
                problems.add(
                    line, column, "contains a NUL character (\\x00); save the file as plain text"
                )
                continue
            yield line, fields


def _team(session: Session, team_name: str, *, lock: bool = False) -> Team:
    query = select(Team).where(Team.name == team_name)
    if lock:
        query = query.with_for_update()
    team = session.exec(query).first()
    if team is None:
        raise LookupError(f"unknown team {team_name!r}; import a teams file first")
    return team


def _begin_import(session: Session) -> None:
    """Wait for another writer at most the busy timeout, as SQLite does, then give up."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = {int(db.SQLITE_BUSY_TIMEOUT_MS)}"))


ANALYZE_AFTER_ROWS = 10_000


def _analyze_if_big(session: Session, changed: int, *tables: str) -> None:
    """Refresh PostgreSQL's statistics after a big import, for the queries that follow.

    Without it the planner goes on believing the tables hold what they held before, until
    autovacuum gets to them, and may pick plans made for a handful of rows.
    """
    if changed >= ANALYZE_AFTER_ROWS and session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f'ANALYZE "{table}"'))


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _batches(items: Sequence[Any], size: int = BATCH_ROWS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert one batch of rows (all with the same keys) in the session's transaction.

    PostgreSQL gets them through ``COPY … FROM STDIN`` (an ``executemany`` would send one
    ``INSERT`` per row); SQLite through the driver's ``executemany`` with the columns' own
    conversions, cached for the batch (a roster repeats the same instants on every row).
    """
    if not rows:
        return
    session.flush()
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        convert = []
        for c in columns:
            processor = table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None and not isinstance(table.c[c].type, JSON):
                processor = lru_cache(maxsize=4096)(processor)
            convert.append(processor)
        marks = ", ".join("?" for _ in columns)
        session.connection().exec_driver_sql(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
            [
                tuple(
                    row[c] if f is None else f(row[c])
                    for c, f in zip(columns, convert, strict=True)
                )
                for row in rows
            ],
        )
    elif dialect.name == "postgresql":
        as_json = [isinstance(table.c[c].type, JSON) for c in columns]
        driver = session.connection().connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[c]) if j else row[c]
                        for c, j in zip(columns, as_json, strict=True)
                    ]
                )
    else:
        session.execute(insert(table), rows)


def _audit_rows(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Insert audit rows in batches (a big import writes one per changed shift)."""
    table = _table("audit_event")
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            _insert_rows(session, table, batch)
            batch = []
    _insert_rows(session, table, batch)


def _import_audit(
    team_id: int | None, actor: str, at: datetime, file_name: str, result: ImportResult
) -> dict[str, Any]:
    """The one audit row an import that changed something writes: the file and its counts."""
    after = {"file": file_name, "kind": result.kind, **result.counts()}
    return _audit(team_id, actor, "import", at, file_name, None, after)


def _audit(
    team_id: int | None,
    actor: str,
    action: str,
    at: datetime,
    note: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: int | None = None,
) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "at": at,
        "actor": actor,
        "action": action,
        "request_id": request_id,
        "before": before,
        "after": after,
        "note": note,
    }


# ---------------------------------------------------------------------------------- teams


def _key_line(text_: str, team_index: int, key: str) -> int:
    lines = text_.splitlines()
    seen = -1
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[[team]]"):
            seen += 1
            continue
        if seen == team_index and pattern.match(line):
            return number
    seen = -1
    for number, line in enumerate(lines, start=1):
        if line.strip().startswith("[[team]]"):
            seen += 1
            if seen == team_index:
                return number
    return 1


def _number(
    value: Any, *, low: float, high: float, integer: bool = False, low_open: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not allowed; give a finite number")
    if integer and not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bound = f"more than {low:g}" if low_open else f"at least {low:g}"
        raise ValueError(f"{value} is out of range (must be {bound} and at most {high:g})")
    return float(value)


def _skill_names(value: Any, bad: Callable[[str, str], None]) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        bad("skill_names", "expected a [team.skill_names] table of skill = { en = ... }")
        return {}
    out: dict[str, dict[str, str]] = {}
    for skill, names in value.items():
        problem = _check_name(skill, "skill", "skill name")
        if problem:
            bad(skill, problem)
            continue
        if not isinstance(names, dict) or not names:
            bad(skill, f'expected {skill} = {{ en = "...", zh-Hant = "..." }}')
            continue
        entry: dict[str, str] = {}
        for lang, display in names.items():
            if lang not in LANGUAGES:
                bad(skill, f"{_show(lang)} is not a language; use {', '.join(LANGUAGES)}")
                continue
            if not isinstance(display, str) or not display.strip():
                bad(skill, f"the {lang} name of {skill} must be a non-empty string")
                continue
            display = display.strip()
            if len(display) > MAX_DISPLAY_NAME or CONTROL_RE.search(display):
                bad(
                    skill,
                    f"the {lang} name of {skill} must be at most {MAX_DISPLAY_NAME} "
                    "characters without control characters",
                )
                continue
            entry[lang] = display
        out[skill] = entry
    return out


def _template_line(text_: str, team_index: int, template_index: int, key: str | None) -> int:
    """The line of ``key`` in the team's ``template_index``-th ``[[team.shift_template]]``
    (its header line when the key is not written there)."""
    pattern = (
        None if key is None else re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    )
    team = template = -1
    header = 0
    inside = False
    for number, line in enumerate(text_.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = False
            if stripped.startswith("[[team]]"):
                team += 1
                template = -1
            elif re.match(r"\[\[\s*team\s*\.\s*shift_template\s*\]\]", stripped):
                template += 1
                if team == team_index and template == template_index:
                    header, inside = number, True
            continue
        if inside and pattern is not None and pattern.match(line):
            return number
    return header or _key_line(text_, team_index, "shift_template")


def _weekdays(value: Any) -> str:
    """``mon-sun``, ``mon-fri``, ``sat,sun``, ``mon,wed-fri`` as weekday digits (0 = Monday)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f'{_show(value)} is not a list of days; write e.g. "mon-sun", "mon-fri" or "sat,sun"'
        )
    days: set[int] = set()
    for part in value.lower().split(","):
        first, dash, last = (p.strip() for p in part.partition("-"))
        names = [first, last] if dash else [first]
        if any(n not in WEEKDAY_NAMES for n in names):
            bad = next(n for n in names if n not in WEEKDAY_NAMES)
            raise ValueError(
                f"{_show(bad or part.strip())} is not a day; use mon, tue, wed, thu, fri, sat, "
                'sun, ranges such as "mon-fri" and commas ("sat,sun")'
            )
        a, b = WEEKDAY_NAMES[names[0]], WEEKDAY_NAMES[names[-1]]
        day = a
        while True:  # a range may run over the weekend: "fri-mon"
            days.add(day)
            if day == b:
                break
            day = (day + 1) % 7
    return "".join(str(d) for d in sorted(days))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _shift_templates(
    value: Any, bad: Callable[[int | None, str | None, str, str], None]
) -> list[dict[str, Any]]:
    """Check a team's ``[[team.shift_template]]`` tables; plain dicts of their columns.

    ``bad(template_index, key, column, message)`` records a problem on the key's line.
    """
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        bad(None, None, "shift_template", "write each template as a [[team.shift_template]] table")
        return []
    if len(value) > MAX_TEMPLATES:
        bad(None, None, "shift_template", f"at most {MAX_TEMPLATES} shift templates per team")
        return []
    out: list[dict[str, Any]] = []
    names: dict[str, int] = {}
    for j, raw in enumerate(value):
        errors: list[str] = []

        def problem(key: str | None, message: str, j: int = j, errors: list[str] = errors) -> None:
            errors.append(message)
            bad(j, key, f"shift_template.{key or 'name'}", message)

        for key in raw:
            if key not in TEMPLATE_KEYS:
                problem(key, f"unknown key {_show(key)}; known keys: {', '.join(TEMPLATE_KEYS)}")
        name = raw.get("name")
        if not isinstance(name, str):
            problem("name", 'a shift template needs a name, e.g. name = "early"')
        else:
            message = _check_name(name, "template_name", "template name")
            if message:
                problem("name", message)
            elif name in names:
                problem("name", f"template {name!r} appears twice in this team")
            names.setdefault(name, j)
        start_text = raw.get("start")
        start: int | None = None
        try:
            if not isinstance(start_text, str):
                raise ValueError(
                    f'{_show(start_text)} is not a time in HH:MM form (quote it: start = "08:00")'
                )
            start = _clock_minutes(start_text)
        except ValueError as exc:
            problem("start", str(exc))
        length: int | None = None
        hours = raw.get("hours")
        try:
            if hours is None:
                raise ValueError("a shift template needs its length in hours, e.g. hours = 8")
            value_ = _number(hours, low=0.0, high=24.0, low_open=True)
            if value_ >= 24:
                raise ValueError("a 24-hour shift is not allowed; split it")
            if abs(value_ * 60 - round(value_ * 60)) > 1e-6:
                raise ValueError(f"{hours} hours is not a whole number of minutes")
            length = round(value_ * 60)
        except ValueError as exc:
            problem("hours", str(exc))
        break_minutes = 0
        try:
            break_minutes = int(
                _number(raw.get("break_minutes", 0), low=0.0, high=1440.0, integer=True)
            )
            if length is not None and break_minutes >= length:
                raise ValueError(
                    f"a break of {break_minutes} minutes does not fit in a {length / 60:g}-hour "
                    "shift"
                )
        except ValueError as exc:
            problem("break_minutes", str(exc))
            break_minutes = 0
        window_text = raw.get("break_window")
        window: str | None = None
        if window_text is not None:
            try:
                window = _break_window(window_text, start, length, break_minutes)
            except ValueError as exc:
                problem("break_window", str(exc))
        elif break_minutes > 0:
            problem(
                "break_minutes",
                f"a break of {break_minutes} minutes needs a break_window, e.g. "
                'break_window = "11:00-12:30" (when the break may start)',
            )
        days = "0123456"
        if "days" in raw:
            try:
                days = _weekdays(raw["days"])
            except ValueError as exc:
                problem("days", str(exc))
        if errors or start is None or length is None or not isinstance(name, str):
            continue
        out.append(
            {
                "position": j,
                "name": name,
                "start": _hhmm(start),
                "hours": length / 60,
                "break_minutes": break_minutes,
                "break_window": window,
                "days": days,
            }
        )
    return out


def _break_window(text_: Any, start: int | None, length: int | None, minutes: int) -> str:
    """``HH:MM-HH:MM``: when the break may start, inside the shift with its whole length."""
    if not isinstance(text_, str):
        raise ValueError(f'{_show(text_)} is not a window; write e.g. "11:00-12:30"')
    first, dash, last = (p.strip() for p in text_.partition("-"))
    if not dash:
        raise ValueError(f'{_show(text_)} is not a window in HH:MM-HH:MM form, e.g. "11:00-12:30"')
    a, b = _clock_minutes(first), _clock_minutes(last)
    if minutes <= 0:
        raise ValueError("a break_window needs break_minutes, the length of the break")
    if start is not None and length is not None:
        # As offsets from the shift's start (a window earlier in the day is the next day's).
        lo = (a - start) % 1440
        if lo > length - minutes:
            end = (start + length) % 1440
            raise ValueError(
                f"no {minutes}-minute break starting {first}–{last} fits inside the shift "
                f"{_hhmm(start)}–{_hhmm(end)}"
            )
    return f"{_hhmm(a)}-{_hhmm(b)}"


def parse_teams_file(path: Path) -> list[dict[str, Any]]:
    """Read and validate a teams TOML file; returns plain dicts of Team columns."""
    text_ = _read_text(path, MAX_TEAMS_FILE_BYTES)
    problems = _Problems(path.name)
    try:
        data = tomllib.loads(text_)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        problems.add(line, "toml", f"not valid TOML: {exc}")
        problems.raise_if_any()
    for key in data:
        if key != "team":
            problems.add(_key_line(text_, -1, key), key, f"unknown key {_show(key)}")
    teams = data.get("team")
    if not isinstance(teams, list) or not teams or not all(isinstance(t, dict) for t in teams):
        problems.add(1, "team", "no [[team]] table found")
        problems.raise_if_any()
        return []
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for index, raw in enumerate(teams):
        row: dict[str, Any] = {}

        def bad(key: str, message: str, index: int = index) -> None:
            problems.add(_key_line(text_, index, key), key, message)

        for key in raw:
            if key not in TEAM_KEYS:
                bad(key, f"unknown key {_show(key)}")
        name = raw.get("name")
        problem = (
            _check_name(name, "team_name", "team name")
            if isinstance(name, str)
            else "a team needs a name of letters, digits, '-', '_' or '.'"
        )
        if problem:
            bad("name", problem)
        elif name in names:
            bad("name", f"team {name!r} appears twice")
        else:
            names.add(name)
            row["name"] = name
        tz = raw.get("timezone")
        try:
            if not isinstance(tz, str) or not tz or len(tz) > TEXT_LIMITS["timezone"]:
                raise ZoneInfoNotFoundError
            ZoneInfo(tz)
            row["timezone"] = tz
        except (ZoneInfoNotFoundError, ValueError, OSError):
            bad(
                "timezone",
                f"unknown timezone {_show(tz)}; use an IANA name such as 'Asia/Taipei'",
            )
        interval = raw.get("interval_minutes", 30)
        if isinstance(interval, bool) or interval not in (15, 30, 60):
            bad("interval_minutes", f"{_show(interval)} is not allowed; use 15, 30 or 60")
        else:
            row["interval_minutes"] = int(interval)
        digest = raw.get("digest_time", "08:00")
        try:
            if not isinstance(digest, str):
                raise ValueError(f"{_show(digest)} is not a time in HH:MM form (quote it)")
            minutes = _clock_minutes(digest)
            row["digest_time"] = f"{minutes // 60:02d}:{minutes % 60:02d}"
        except ValueError as exc:
            bad("digest_time", str(exc))
        channel = raw.get("slack_channel")
        if channel is not None and (
            not isinstance(channel, str)
            or not CHANNEL_RE.fullmatch(channel)
            or len(channel) > TEXT_LIMITS["slack_channel"]
        ):
            bad(
                "slack_channel",
                "expected a channel id such as 'C0123456789' "
                f"(at most {TEXT_LIMITS['slack_channel']} characters, no spaces)",
            )
        row["slack_channel"] = channel or None
        chat = raw.get("telegram_chat_id")
        if chat is not None and (
            not isinstance(chat, int)
            or isinstance(chat, bool)
            or not INT64_MIN <= chat <= INT64_MAX
        ):
            bad("telegram_chat_id", "expected an integer chat id (signed 64-bit)")
        row["telegram_chat_id"] = chat
        checks: list[tuple[str, float, float, bool, Any]] = [
            ("service_level", 0.0, 1.0, True, 0.80),
            ("target_seconds", 0.0, 3600.0, False, 20),
            ("shrinkage", 0.0, 0.95, False, 0.0),
            ("reminder_hours", 0.0, 720.0, True, 4),
        ]
        for key, low, high, low_open, default in checks:
            try:
                row[key] = _number(raw.get(key, default), low=low, high=high, low_open=low_open)
            except ValueError as exc:
                bad(key, str(exc))
        occ = raw.get("max_occupancy")
        try:
            row["max_occupancy"] = (
                None if occ is None else _number(occ, low=0.0, high=1.0, low_open=True)
            )
        except ValueError as exc:
            bad("max_occupancy", str(exc))
        language = raw.get("language")
        if language is not None and language not in LANGUAGES:
            bad("language", f"{_show(language)} is not allowed; use {', '.join(LANGUAGES)}")
        else:
            row["language"] = language
        rules = raw.get("rules", {})
        if not isinstance(rules, dict):
            bad("rules", "expected a [team.rules] table")
            rules = {}
        for key in rules:
            if key not in RULE_KEYS:
                bad(
                    key,
                    f"unknown rule {_show(key)}; known rules: {', '.join(sorted(RULE_KEYS))}",
                )
        rule_checks: list[tuple[str, float, float, bool, Any]] = [
            ("min_rest_hours", 0.0, 48.0, False, 11),
            ("max_weekly_hours", 1.0, 168.0, False, 48),
            ("max_consecutive_days", 1.0, 31.0, True, 6),
            ("swap_cutoff_hours", 0.0, 720.0, False, 12),
            ("max_off_per_day", 0.0, 10_000.0, True, 2),
        ]
        for key, low, high, integer, default in rule_checks:
            try:
                value = _number(rules.get(key, default), low=low, high=high, integer=integer)
                row[key] = int(value) if integer else value
            except ValueError as exc:
                bad(key, str(exc))
        approval = rules.get("approval", "lead")
        if approval not in ("lead", "auto"):
            bad("approval", f'{_show(approval)} is not allowed; use "lead" or "auto"')
        else:
            row["approval"] = approval
        staffing = rules.get("staffing", "review")
        if staffing not in STAFFING_POLICIES:
            bad("staffing", f'{_show(staffing)} is not allowed; use "review", "deny" or "off"')
        else:
            row["staffing_policy"] = staffing
        row["skill_names"] = _skill_names(raw.get("skill_names", {}), bad)

        def bad_template(
            j: int | None, key: str | None, column: str, message: str, index: int = index
        ) -> None:
            line = (
                _key_line(text_, index, "shift_template")
                if j is None
                else _template_line(text_, index, j, key)
            )
            problems.add(line, column, message)

        row["templates"] = _shift_templates(raw.get("shift_template", []), bad_template)
        out.append(row)
    problems.raise_if_any()
    return out


def import_teams(session: Session, path: Path, *, actor: str | None = None) -> ImportResult:
    rows = parse_teams_file(path)
    actor = actor or import_actor()
    now = datetime.now(UTC)
    result = ImportResult("teams")
    audits: list[dict[str, Any]] = []
    for row in rows:
        templates = row.pop("templates")
        team = session.exec(select(Team).where(Team.name == row["name"])).first()
        if team is None:
            team = Team(**row)
            session.add(team)
            session.flush()
            result.created += 1
            audits.append(_audit(team.id, actor, "import_team", now, path.name, None, row))
        else:
            before = {k: getattr(team, k) for k, v in row.items() if getattr(team, k) != v}
            if before:
                for key in before:
                    setattr(team, key, row[key])
                session.add(team)
                result.updated += 1
                after = {k: row[k] for k in before}
                audits.append(_audit(team.id, actor, "import_team", now, path.name, before, after))
            else:
                result.unchanged += 1
        assert team.id is not None
        counts = _sync_templates(session, team.id, templates, actor, path.name, now, audits)
        if any(counts):
            created, updated, removed = counts
            result.notes.append(
                f"{team.name}: shift templates {created} created, {updated} updated, "
                f"{removed} removed"
            )
    session.flush()
    _audit_rows(session, audits)
    return result


def _sync_templates(
    session: Session,
    team_id: int,
    templates: list[dict[str, Any]],
    actor: str,
    file_name: str,
    now: datetime,
    audits: list[dict[str, Any]],
) -> tuple[int, int, int]:
    """Make the team's stored shift templates those of the file: (created, updated, removed).

    A team written without templates has none afterwards, as every other key left out of a
    teams file takes its default.
    """
    stored = {
        t.name: t
        for t in session.exec(select(ShiftTemplate).where(ShiftTemplate.team_id == team_id))
    }
    created = updated = removed = 0
    wanted = {t["name"] for t in templates}
    for name, gone in sorted(stored.items()):
        if name not in wanted:
            before = {k: getattr(gone, k) for k in TEMPLATE_KEYS}
            session.delete(gone)
            removed += 1
            audits.append(
                _audit(team_id, actor, "import_shift_template", now, file_name, before, None)
            )
    session.flush()
    for item in templates:
        old = stored.get(item["name"])
        if old is None:
            session.add(ShiftTemplate(team_id=team_id, **item))
            created += 1
            audits.append(
                _audit(team_id, actor, "import_shift_template", now, file_name, None, item)
            )
            continue
        changed = {k: getattr(old, k) for k, v in item.items() if getattr(old, k) != v}
        if not changed:
            continue
        for key in changed:
            setattr(old, key, item[key])
        session.add(old)
        if set(changed) != {"position"}:
            updated += 1
        audits.append(
            _audit(
                team_id,
                actor,
                "import_shift_template",
                now,
                file_name,
                {"name": old.name, **changed},
                {"name": old.name, **{k: item[k] for k in changed}},
            )
        )
    return created, updated, removed


# --------------------------------------------------------------------------------- agents


def import_agents(
    session: Session, path: Path, team_name: str, *, actor: str | None = None
) -> ImportResult:
    _begin_import(session)
    team = _team(session, team_name, lock=True)
    actor = actor or import_actor()
    parsed: list[dict[str, Any]] = []
    with _CsvReader(path, AGENT_COLUMNS, AGENT_OPTIONAL) as reader:
        problems = reader.problems
        ix = reader.index
        seen: dict[str, int] = {}
        for line, row in reader.records():
            item = _agent_row(line, row, ix, problems, seen)
            if item is not None:
                parsed.append(item)
    problems.raise_if_any()
    existing = {
        a.agent_id: a for a in session.exec(select(Agent).where(Agent.team_id == team.id)).all()
    }
    result = ImportResult("agents")
    now = datetime.now(UTC)
    audits: list[dict[str, Any]] = []
    for item in parsed:
        agent = existing.get(item["agent_id"])
        if agent is None:
            session.add(Agent(team_id=team.id, **item))  # type: ignore[arg-type]
            result.created += 1
            audits.append(_audit(team.id, actor, "import_agent", now, path.name, None, item))
            continue
        before = {k: getattr(agent, k) for k, v in item.items() if getattr(agent, k) != v}
        if before:
            for key in before:
                setattr(agent, key, item[key])
            session.add(agent)
            result.updated += 1
            after = {"agent_id": agent.agent_id, **{k: item[k] for k in before}}
            before = {"agent_id": agent.agent_id, **before}
            audits.append(_audit(team.id, actor, "import_agent", now, path.name, before, after))
        else:
            result.unchanged += 1
    session.flush()
    _audit_rows(session, audits)
    return result


def _agent_row(
    line: int, row: list[str], ix: dict[str, int], problems: _Problems, seen: dict[str, int]
) -> dict[str, Any] | None:
    agent_id = row[ix["agent_id"]]
    problem = _check_name(agent_id, "agent_id", "agent id")
    if problem:
        problems.add(line, "agent_id", problem)
        return None
    if agent_id in seen:
        problems.add(line, "agent_id", f"{agent_id!r} already appears on line {seen[agent_id]}")
        return None
    seen[agent_id] = line
    errors = len(problems.items)
    name = row[ix["name"]] or agent_id
    problem = _check_text(name, "name", "the name")
    if problem:
        problems.add(line, "name", problem)
    item: dict[str, Any] = {"agent_id": agent_id, "name": name}
    role = row[ix["role"]] or "agent"
    if role not in ("agent", "lead"):
        problems.add(line, "role", f"{_show(role)} is not a role; use 'agent' or 'lead'")
    item["role"] = role
    skills = [s.strip() for s in row[ix["skills"]].split(";") if s.strip()]
    for skill in skills:
        problem = _check_name(skill, "skill", "skill name")
        if problem:
            problems.add(line, "skills", problem)
            break
    if role == "agent" and not skills:
        problems.add(line, "skills", "an agent needs at least one skill, e.g. 'cards'")
    item["skills"] = ";".join(dict.fromkeys(skills))
    problem = _check_text(item["skills"], "skills", "the skills list")
    if problem:
        problems.add(line, "skills", problem)
    slack = row[ix["slack_user_id"]] or None
    if slack and (len(slack) > TEXT_LIMITS["slack_user_id"] or not SLACK_USER_RE.fullmatch(slack)):
        problems.add(
            line,
            "slack_user_id",
            f"{_show(slack)} is not a Slack user id (U… or W…, "
            f"at most {TEXT_LIMITS['slack_user_id']} characters)",
        )
    item["slack_user_id"] = slack
    telegram = row[ix["telegram_user_id"]]
    item["telegram_user_id"] = None
    if telegram:
        try:
            item["telegram_user_id"] = _int64(telegram, "a Telegram user id (an integer)")
        except ValueError as exc:
            problems.add(line, "telegram_user_id", str(exc))
    hours = row[ix["weekly_hours"]]
    item["weekly_hours"] = None
    if hours:
        try:
            item["weekly_hours"] = _decimal(hours, "a number of hours", 0.0, MAX_WEEKLY_HOURS)
        except ValueError as exc:
            problems.add(line, "weekly_hours", str(exc))
    if "lang" in ix:
        lang = row[ix["lang"]] or None
        if lang is not None and lang not in LANGUAGES:
            problems.add(
                line, "lang", f"{_show(lang)} is not a language; use {', '.join(LANGUAGES)}"
            )
        item["lang"] = lang
    if "shift_hours" in ix:
        try:
            item["shift_hours"] = _shift_lengths(row[ix["shift_hours"]])
        except ValueError as exc:
            problems.add(line, "shift_hours", str(exc))
    return item if len(problems.items) == errors else None


def _shift_lengths(text_: str) -> str | None:
    """``8`` or ``4;8``: the shift lengths (hours) a person works, stored sorted as written
    plainly; empty means any template."""
    parts = [p.strip() for p in text_.split(";") if p.strip()]
    if not parts:
        return None
    if len(parts) > MAX_SHIFT_LENGTHS:
        raise ValueError(f"at most {MAX_SHIFT_LENGTHS} shift lengths")
    lengths: set[float] = set()
    for part in parts:
        if not NUMBER_RE.fullmatch(part):
            raise ValueError(
                f"{_show(part)} is not a shift length in hours; write lengths such as 8 or 4;8"
            )
        value = float(part)
        if not math.isfinite(value) or not 0 < value < 24:
            raise ValueError(f"{_show(part)}: a shift length is more than 0 and less than 24 hours")
        if abs(value * 60 - round(value * 60)) > 1e-6:
            raise ValueError(f"{_show(part)} hours is not a whole number of minutes")
        lengths.add(round(value * 60) / 60)
    return ";".join(f"{h:g}" for h in sorted(lengths))


# --------------------------------------------------------------------------------- shifts


class _Interner:
    """Small integers for repeated values (skills, break patterns)."""

    def __init__(self, first: Sequence[Any] = ()) -> None:
        self.values: list[Any] = []
        self.index: dict[Any, int] = {}
        for value in first:
            self(value)

    def __call__(self, value: Any) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found


@dataclass
class _ShiftColumns:
    """Shifts as parallel integer columns; ``agent`` is -1 for an open shift.

    ``start``/``end`` are UTC epoch seconds, ``day`` a local date ordinal, ``skill`` and
    ``brk`` indexes into the import's interned skills and break patterns (offsets in
    seconds from the start).
    """

    line: I64
    agent: I64
    day: I64
    start: I64
    end: I64
    skill: I64
    brk: I64

    def __len__(self) -> int:
        return len(self.line)


def _columns(values: Sequence[array[int]]) -> _ShiftColumns:
    arrays = [np.frombuffer(v, dtype=np.int64) if len(v) else np.empty(0, np.int64) for v in values]
    return _ShiftColumns(*arrays)


def _no_rows() -> I64:
    return np.empty(0, dtype=np.int64)


def _pack(left: Sequence[I64], right: Sequence[I64]) -> tuple[list[I64], list[I64]]:
    """The same rows with their columns packed into as few int64 words as their ranges allow.

    Equal rows stay equal and different rows stay different; matching a million rows on
    one or two words instead of six keeps the memory of :func:`_match` small.
    """
    packed_left: list[I64] = []
    packed_right: list[I64] = []
    word_left: I64 | None = None
    word_right: I64 | None = None
    used = 0
    for a, b in zip(left, right, strict=True):
        low = min(int(a.min()) if len(a) else 0, int(b.min()) if len(b) else 0)
        high = max(int(a.max()) if len(a) else 0, int(b.max()) if len(b) else 0)
        bits = max(1, (high - low).bit_length())
        a, b = a - low, b - low
        if word_left is None or word_right is None or used + bits > 62:
            if word_left is not None and word_right is not None:
                packed_left.append(word_left)
                packed_right.append(word_right)
            word_left, word_right, used = a, b, bits
        else:
            word_left = (word_left << bits) | a
            word_right = (word_right << bits) | b
            used += bits
    assert word_left is not None and word_right is not None
    packed_left.append(word_left)
    packed_right.append(word_right)
    return packed_left, packed_right


def _group_ids(cols: Sequence[I64]) -> I64:
    """For rows given as columns, an id per row equal for equal rows."""
    if len(cols) == 1:
        _, inverse = np.unique(cols[0], return_inverse=True)
        return inverse.astype(np.int64).reshape(-1)
    total = len(cols[0])
    order = np.lexsort(tuple(cols[::-1]))
    new = np.zeros(total, dtype=bool)
    if total:
        new[0] = True
    for column in cols:
        ordered = column[order]
        new[1:] |= ordered[1:] != ordered[:-1]
        del ordered
    groups = np.empty(total, dtype=np.int64)
    groups[order] = np.cumsum(new) - 1
    return groups


def _match_keys(left: I64, right: I64) -> tuple[I64, I64]:
    """Pair equal keys: the k-th occurrence of a value on the left with its k-th on the right."""
    order_left = np.argsort(left, kind="stable")
    ordered_left = left[order_left]
    order_right = np.argsort(right, kind="stable")
    ordered_right = right[order_right]
    positions = np.arange(len(ordered_left), dtype=np.int64)
    first = np.ones(len(ordered_left), dtype=bool)
    first[1:] = ordered_left[1:] != ordered_left[:-1]
    rank = positions - np.maximum.accumulate(np.where(first, positions, 0))
    del positions, first
    at = np.searchsorted(ordered_right, ordered_left, side="left") + rank
    del rank
    found = at < len(ordered_right)
    found[found] = ordered_right[at[found]] == ordered_left[found]
    return order_left[found].astype(np.int64), order_right[at[found]].astype(np.int64)


def _match(left: Sequence[I64], right: Sequence[I64]) -> tuple[I64, I64]:
    """Pair equal rows of two tables of integer columns; each row is paired at most once."""
    n, m = len(left[0]), len(right[0])
    if n == 0 or m == 0:
        return _no_rows(), _no_rows()
    packed_left, packed_right = _pack(left, right)
    if len(packed_left) == 1:
        return _match_keys(packed_left[0], packed_right[0])
    groups = _group_ids(
        [np.concatenate((a, b)) for a, b in zip(packed_left, packed_right, strict=True)]
    )
    del packed_left, packed_right
    return _match_keys(groups[:n], groups[n:])


class _Clock:
    """Cached conversions of a team's local dates and times to UTC epoch seconds."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.instant = lru_cache(maxsize=65_536)(self._instant)
        self.hhmm = lru_cache(maxsize=65_536)(self._hhmm)
        self.utc = lru_cache(maxsize=65_536)(self._utc)

    def _instant(self, ordinal: int, minutes: int) -> int | str:
        """Epoch seconds of local ``minutes`` after midnight on ``ordinal``, or why not."""
        day = date.fromordinal(ordinal)
        if minutes >= 1440:
            day, minutes = day + timedelta(days=1), minutes - 1440
        try:
            moment = to_utc(day, time(minutes // 60, minutes % 60), self.tz)
        except LocalTimeError as exc:
            return str(exc)
        except (OverflowError, ValueError):
            return f"{day.isoformat()} cannot be converted in {self.tz.key}"
        return int(moment.timestamp())

    def _hhmm(self, epoch: int) -> str:
        """Local ``HH:MM`` of an instant."""
        return datetime.fromtimestamp(epoch, UTC).astimezone(self.tz).strftime("%H:%M")

    @staticmethod
    def _utc(epoch: int) -> datetime:
        return datetime.fromtimestamp(epoch, UTC)


class _ShiftParser:
    """Checks shift rows one by one and appends them to compact columns."""

    def __init__(
        self,
        team: Team,
        agents: dict[str, tuple[int, frozenset[str]]],
        clock: _Clock,
        skills: _Interner,
        patterns: _Interner,
        problems: _Problems,
    ) -> None:
        self.team = team
        self.agents = agents
        self.clock = clock
        self.skills = skills
        self.patterns = patterns
        self.problems = problems
        self.team_skills = frozenset().union(*(s for _pk, s in agents.values()))
        self.values: list[array[int]] = [array("q") for _ in range(7)]
        self.date = lru_cache(maxsize=4096)(self._date)
        self.start_clock = lru_cache(maxsize=4096)(self._start_clock)
        self.end_clock = lru_cache(maxsize=4096)(self._end_clock)
        self.breaks = lru_cache(maxsize=65_536)(self._breaks)

    @staticmethod
    def _date(text_: str) -> int | str:
        try:
            return parse_file_date(text_).toordinal()
        except ValueError as exc:
            return str(exc)

    @staticmethod
    def _start_clock(text_: str) -> int | str:
        try:
            return _clock_minutes(text_)
        except ValueError as exc:
            return str(exc)

    @staticmethod
    def _end_clock(text_: str) -> int | str:
        try:
            return _clock_minutes(text_, end=True)
        except ValueError as exc:
            return str(exc)

    def _breaks(self, text_: str, day: int, start: int, end: int) -> int | str:
        """The interned pattern of a breaks field, or what is wrong with it."""
        parts = [p.strip() for p in text_.split(";") if p.strip()]
        if len(parts) > MAX_BREAKS:
            return f"at most {MAX_BREAKS} breaks per shift"
        windows: list[tuple[int, int]] = []
        for part in parts:
            left, dash, right = part.partition("-")
            if not dash:
                return f"{_show(part)} is not a window in HH:MM-HH:MM form"
            b_start = self.start_clock(left.strip())
            b_end = self.end_clock(right.strip())
            for value in (b_start, b_end):
                if isinstance(value, str):
                    return f"break {_show(part)}: {value}"
            assert isinstance(b_start, int) and isinstance(b_end, int)
            if b_start == b_end % 1440:
                return f"break {part} has no length"
            found: tuple[int, int] | None = None
            # A break belongs to the shift: place it on the day whose instant falls inside.
            for offset in (0, 1):
                s = self.clock.instant(day + offset, b_start)
                e_minutes = b_end + 1440 if b_end <= b_start else b_end
                e = self.clock.instant(day + offset, e_minutes)
                if isinstance(s, int) and isinstance(e, int) and start <= s and e <= end:
                    found = (s - start, e - start)
                    break
            if found is None:
                return f"break {part} is not inside the shift"
            windows.append(found)
        windows.sort()
        for (_, prev_end), (next_start, _) in itertools.pairwise(windows):
            if next_start < prev_end:
                return "breaks overlap each other"
        return self.patterns(tuple(windows))

    def add(self, line: int, row: list[str], ix: dict[str, int]) -> None:
        problems = self.problems
        agent_text = row[ix["agent_id"]]
        if agent_text:
            info = self.agents.get(agent_text)
            if info is None:
                problems.add(
                    line,
                    "agent_id",
                    f"unknown agent {_show(agent_text)} in team {self.team.name}",
                )
                return
            pk, skills = info
        else:
            pk, skills = -1, self.team_skills
        day = self.date(row[ix["date"]])
        if isinstance(day, str):
            problems.add(line, "date", day)
            return
        start = self.start_clock(row[ix["start"]])
        if isinstance(start, str):
            problems.add(line, "start", start)
            return
        end = self.end_clock(row[ix["end"]])
        if isinstance(end, str):
            problems.add(line, "end", end)
            return
        if end % 1440 == start:
            problems.add(line, "end", "a 24-hour shift is not allowed; split it")
            return
        s = self.clock.instant(day, start)
        if isinstance(s, str):
            problems.add(line, "start", s)
            return
        e = self.clock.instant(day, end + 1440 if end <= start else end)
        if isinstance(e, str):
            problems.add(line, "end", e)
            return
        if e <= s:
            problems.add(line, "end", "the shift would end before it starts (a clock change)")
            return
        skill = row[ix["skill"]]
        if skill not in skills:
            if pk >= 0:
                have = ", ".join(sorted(skills)) or "none"
                message = f"{agent_text} does not have skill {_show(skill)} (has: {have})"
            else:
                message = f"no agent of team {self.team.name} has skill {_show(skill)}"
            problems.add(line, "skill", message)
            return
        brk = 0
        if "breaks" in ix and row[ix["breaks"]]:
            found = self.breaks(row[ix["breaks"]], day, s, e)
            if isinstance(found, str):
                problems.add(line, "breaks", found)
                return
            brk = found
        for column, value in zip(
            self.values, (line, pk, day, s, e, self.skills(skill), brk), strict=True
        ):
            column.append(value)


@dataclass
class _Stored:
    """The stored shifts of the file's dates, as columns, with their row ids."""

    rows: _ShiftColumns
    id: I64
    freed: npt.NDArray[np.bool_]


def _raw(column: Any) -> Any:
    """A column read as the driver returns it, without per-row type conversion.

    SQLite gives text (converted below with a cache: a roster repeats the same instants,
    dates and breaks again and again), PostgreSQL gives ``datetime``/``date``/lists.
    """
    return type_coerce(column, String)


def _json_text(column: Any) -> Any:
    """A JSON column as its text (PostgreSQL would otherwise parse every row's value)."""
    return cast(column, Text)


class _RawValues:
    """Cached conversions of raw column values to epoch seconds, ordinals and patterns."""

    def __init__(self, patterns: _Interner) -> None:
        self.patterns = patterns
        self.epoch = lru_cache(maxsize=65_536)(self._epoch)
        self.ordinal = lru_cache(maxsize=65_536)(self._ordinal)
        self._breaks = lru_cache(maxsize=65_536)(self._breaks_of)

    @staticmethod
    def _epoch(value: Any) -> int:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())

    @staticmethod
    def _ordinal(value: Any) -> int:
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return int(day.toordinal())

    def _breaks_of(self, value: Any, start: int) -> int:
        windows = json.loads(value) if isinstance(value, str) else value
        if not windows:
            return 0
        return self.patterns(
            tuple(sorted((self.epoch(b0) - start, self.epoch(b1) - start) for b0, b1 in windows))
        )

    def breaks(self, value: Any, start: int) -> int:
        if value is None:
            return 0
        if not isinstance(value, str):
            value = json.dumps(value)
        return int(self._breaks(value, start))


def _load_stored(
    session: Session,
    team_id: int,
    first: date,
    last: date,
    skills: _Interner,
    patterns: _Interner,
) -> _Stored:
    stmt = sa_select(
        col(Shift.id),
        col(Shift.agent_pk),
        _raw(col(Shift.local_date)),
        _raw(col(Shift.start_utc)),
        _raw(col(Shift.end_utc)),
        col(Shift.skill),
        _json_text(col(Shift.breaks)),
        col(Shift.freed_from_pk),
    ).where(
        col(Shift.team_id) == team_id,
        col(Shift.local_date) >= first,
        col(Shift.local_date) <= last,
    )
    raw = _RawValues(patterns)
    epoch, ordinal, breaks_of = raw.epoch, raw.ordinal, raw.breaks
    values: list[array[int]] = [array("q") for _ in range(9)]
    appends = [v.append for v in values]
    a_line, a_agent, a_day, a_start, a_end, a_skill, a_brk, a_id, a_freed = appends
    result = session.execute(stmt.execution_options(yield_per=STREAM_ROWS))
    for shift_id, agent_pk, day, start, end, skill, breaks, freed in result:
        s = epoch(start)
        a_line(0)
        a_agent(-1 if agent_pk is None else agent_pk)
        a_day(ordinal(day))
        a_start(s)
        a_end(epoch(end))
        a_skill(skills(skill))
        a_brk(breaks_of(breaks, s))
        a_id(shift_id)
        a_freed(0 if freed is None else 1)
    rows = _columns(values[:7])
    ids = np.frombuffer(values[7], dtype=np.int64) if len(values[7]) else _no_rows()
    freed_flags = (np.frombuffer(values[8], dtype=np.int64) if len(values[8]) else _no_rows()) > 0
    return _Stored(rows, ids, freed_flags)


class RosterChanged(Exception):
    """A shift the import is about to change was changed meanwhile (a decision in chat)."""


_SHIFT_STATE = (
    col(Shift.id),
    col(Shift.agent_pk),
    _raw(col(Shift.local_date)),
    _raw(col(Shift.start_utc)),
    _raw(col(Shift.end_utc)),
    col(Shift.skill),
    _json_text(col(Shift.breaks)),
)


def _lock_changed(
    session: Session, stored: _Stored, indexes: I64, skills: _Interner, patterns: _Interner
) -> None:
    """Lock the stored shifts the import will update or remove, and check they are as read.

    PostgreSQL only (SQLite's writer already holds the database). Chat decisions lock a
    shift before changing it, so after this no decision can change these shifts until the
    import commits; one that came first is noticed here and the import stops.
    """
    if session.get_bind().dialect.name != "postgresql" or not len(indexes):
        return
    raw = _RawValues(patterns)
    srows = stored.rows
    for batch in _batches(indexes.tolist()):
        expected = {
            int(stored.id[j]): (
                int(srows.agent[j]),
                int(srows.day[j]),
                int(srows.start[j]),
                int(srows.end[j]),
                int(srows.skill[j]),
                int(srows.brk[j]),
            )
            for j in batch
        }
        found = session.execute(
            sa_select(*_SHIFT_STATE).where(col(Shift.id).in_(list(expected))).with_for_update()
        ).all()
        now = {}
        for shift_id, agent_pk, day, start, end, skill, breaks in found:
            s = raw.epoch(start)
            now[shift_id] = (
                -1 if agent_pk is None else agent_pk,
                raw.ordinal(day),
                s,
                raw.epoch(end),
                skills(skill),
                raw.breaks(breaks, s),
            )
        if now != expected:
            raise RosterChanged(
                "the roster changed while the file was being imported (a decision in chat); "
                "nothing was imported: run the import again"
            )


@dataclass(frozen=True)
class _RequestRef:
    id: int
    kind: str
    status: str
    people: tuple[int | None, ...]

    def label(self) -> str:
        kind = {"giveaway": "give-away", "sick": "sick call"}.get(self.kind, self.kind)
        status = (
            "pending" if self.status in ("pending_counterpart", "pending_lead") else self.status
        )
        return f"#{self.id} ({status} {kind})"


def _requests_on_shifts(
    session: Session, team_id: int, first: date, last: date, stored_ids: I64
) -> dict[int, list[_RequestRef]]:
    """Approved and pending requests on the stored shifts of ``first``..``last``, by shift."""
    found: dict[int, dict[int, _RequestRef]] = defaultdict(dict)
    columns = (
        col(Request.id),
        col(Request.kind),
        col(Request.status),
        col(Request.requester_pk),
        col(Request.counterpart_pk),
        col(Request.taker_pk),
    )
    wanted = ("approved", *PENDING)
    for pointer in (col(Request.shift_id), col(Request.counterpart_shift_id)):
        rows = session.execute(
            sa_select(*columns, col(Shift.id))
            .join(Shift, col(Shift.id) == pointer)
            .where(
                col(Shift.team_id) == team_id,
                col(Shift.local_date) >= first,
                col(Shift.local_date) <= last,
                col(Request.status).in_(wanted),
            )
        ).all()
        for rid, kind, status, requester, counterpart, taker, shift_id in rows:
            found[shift_id][rid] = _RequestRef(rid, kind, status, (requester, counterpart, taker))
    # A decision applied to the roster leaves ``roster_change`` audit rows naming the shift.
    first_iso, last_iso = first.isoformat(), last.isoformat()
    by_request: dict[int, set[int]] = defaultdict(set)
    audits = session.execute(
        sa_select(col(AuditEvent.request_id), col(AuditEvent.before), col(AuditEvent.after))
        .where(
            col(AuditEvent.team_id) == team_id,
            col(AuditEvent.action) == "roster_change",
            col(AuditEvent.request_id).is_not(None),
        )
        .execution_options(yield_per=STREAM_ROWS)
    )
    for rid, before, after in audits:
        for state in (before, after):
            if not isinstance(state, dict):
                continue
            shift_id, day = state.get("shift_id"), state.get("date")
            if isinstance(shift_id, int) and isinstance(day, str) and first_iso <= day <= last_iso:
                by_request[rid].add(shift_id)
    if by_request:
        candidates = np.fromiter({s for ids in by_request.values() for s in ids}, dtype=np.int64)
        present = set(candidates[np.isin(candidates, stored_ids)].tolist())
        rids = sorted(r for r, ids in by_request.items() if ids & present)
        for batch in _batches(rids):
            for rid, kind, status, requester, counterpart, taker in session.execute(
                sa_select(*columns).where(col(Request.id).in_(list(batch)))
            ).all():
                ref = _RequestRef(rid, kind, status, (requester, counterpart, taker))
                for shift_id in by_request[rid] & present:
                    found[shift_id].setdefault(rid, ref)
    return {shift_id: sorted(refs.values(), key=lambda r: r.id) for shift_id, refs in found.items()}


@dataclass
class _ShiftPlan:
    unchanged_file: I64
    updated_file: I64
    updated_stored: I64
    created_file: I64
    removed_stored: I64


def _plan(rows: _ShiftColumns, stored: _Stored) -> _ShiftPlan:
    """Which file rows are unchanged, update a stored shift or are new; what is removed.

    A row is unchanged when a stored shift has the same person (or is open too), times,
    skill, breaks and date; otherwise it updates the stored shift of the same person
    starting at the same instant, if there is one.
    """
    srows = stored.rows
    same_file, same_stored = _match(
        [rows.agent, rows.start, rows.end - rows.start, rows.skill, rows.brk],
        [srows.agent, srows.start, srows.end - srows.start, srows.skill, srows.brk],
    )
    same_day = rows.day[same_file] == srows.day[same_stored]
    same_file, same_stored = same_file[same_day], same_stored[same_day]
    rest_file = np.setdiff1d(np.arange(len(rows), dtype=np.int64), same_file)
    rest_stored = np.setdiff1d(np.arange(len(srows), dtype=np.int64), same_stored)
    pf, ps = _match(
        [rows.agent[rest_file], rows.start[rest_file]],
        [srows.agent[rest_stored], srows.start[rest_stored]],
    )
    updated_file, updated_stored = rest_file[pf], rest_stored[ps]
    return _ShiftPlan(
        unchanged_file=same_file,
        updated_file=updated_file,
        updated_stored=updated_stored,
        created_file=np.setdiff1d(rest_file, updated_file),
        removed_stored=np.setdiff1d(rest_stored, updated_stored),
    )


class _ShiftWriter:
    """Turns column rows back into values for statements and audit rows."""

    def __init__(
        self,
        team_id: int,
        clock: _Clock,
        names: dict[int, str],
        skills: _Interner,
        patterns: _Interner,
    ) -> None:
        self.team_id = team_id
        self.clock = clock
        self.names = names
        self.skills = skills
        self.patterns = patterns

    def breaks(self, start: int, brk: int) -> list[list[str]]:
        utc = self.clock.utc
        return [
            [utc(start + b0).isoformat(), utc(start + b1).isoformat()]
            for b0, b1 in self.patterns.values[brk]
        ]

    def values(self, rows: _ShiftColumns, i: int) -> dict[str, Any]:
        agent, start = int(rows.agent[i]), int(rows.start[i])
        return {
            "team_id": self.team_id,
            "agent_pk": None if agent < 0 else agent,
            "local_date": date.fromordinal(int(rows.day[i])),
            "start_utc": self.clock.utc(start),
            "end_utc": self.clock.utc(int(rows.end[i])),
            "skill": self.skills.values[int(rows.skill[i])],
            "breaks": self.breaks(start, int(rows.brk[i])),
            "status": "open" if agent < 0 else "scheduled",
            "freed_from_pk": None,
        }

    def state(self, rows: _ShiftColumns, i: int, shift_id: int | None = None) -> dict[str, Any]:
        agent, start, brk = int(rows.agent[i]), int(rows.start[i]), int(rows.brk[i])
        hhmm = self.clock.hhmm
        out: dict[str, Any] = {}
        if shift_id is not None:
            out["shift_id"] = shift_id
        out.update(
            agent_id=self.names.get(agent),
            date=date.fromordinal(int(rows.day[i])).isoformat(),
            start=hhmm(start),
            end=hhmm(int(rows.end[i])),
            skill=self.skills.values[int(rows.skill[i])],
        )
        if brk:
            out["breaks"] = ";".join(
                f"{hhmm(start + b0)}-{hhmm(start + b1)}" for b0, b1 in self.patterns.values[brk]
            )
        return out

    def describe(self, rows: _ShiftColumns, i: int) -> str:
        state = self.state(rows, i)
        who = f"{state['agent_id']}'s shift" if state["agent_id"] else "the open shift"
        return f"{who} on {state['date']} {state['start']}–{state['end']} {state['skill']}"


def _conflicts(
    rows: _ShiftColumns,
    stored: _Stored,
    plan: _ShiftPlan,
    refs: dict[int, list[_RequestRef]],
    writer: _ShiftWriter,
    problems: _Problems,
) -> list[int]:
    """Problems for every protected stored shift the file would change; their row indexes."""
    changed = np.concatenate((plan.updated_stored, plan.removed_stored))
    protected: list[int] = []
    for j in changed.tolist():
        if refs.get(int(stored.id[j])) or (stored.rows.agent[j] < 0 and stored.freed[j]):
            protected.append(j)
    if not protected:
        return []
    updated_by = dict(zip(plan.updated_stored.tolist(), plan.updated_file.tolist(), strict=True))
    replacing = np.concatenate((plan.created_file, plan.updated_file))
    srows = stored.rows
    for j in sorted(protected, key=lambda k: (int(srows.start[k]), int(srows.agent[k]))):
        shift_id = int(stored.id[j])
        found = refs.get(shift_id)
        if found:
            why = "which has request " + ", ".join(r.label() for r in found)
        else:
            freed = "freed by a sick call or leave"
            why = f"which is open ({freed})"
        what = writer.describe(srows, j)
        hint = "keep the row as stored, or re-import with --force"
        i = updated_by.get(j)
        if i is None:
            same = replacing[
                (rows.day[replacing] == srows.day[j])
                & (rows.start[replacing] == srows.start[j])
                & (rows.end[replacing] == srows.end[j])
                & (rows.skill[replacing] == srows.skill[j])
            ]
            if len(same):
                i = int(same[np.argmin(rows.line[same])])
        if i is not None:
            problems.add(
                int(rows.line[i]), "agent_id", f"this row would replace {what}, {why}; {hint}"
            )
            continue
        lines = rows.line[rows.day == srows.day[j]]
        day = date.fromordinal(int(srows.day[j])).isoformat()
        first_line = int(lines.min()) if len(lines) else int(rows.line.min())
        last_line = int(lines.max()) if len(lines) else int(rows.line.max())
        problems.add(
            first_line,
            "agent_id",
            f"the file covers {day} but leaves out {what}, {why}; "
            "add the row back, or re-import with --force",
            last_line,
        )
    return protected


def _check_overlaps(
    session: Session,
    rows: _ShiftColumns,
    team_id: int,
    first: date,
    last: date,
    names: dict[int, str],
    problems: _Problems,
) -> None:
    """Two shifts of one person may not overlap, in the file or with a shift just outside."""
    outside = session.execute(
        sa_select(col(Shift.agent_pk), col(Shift.start_utc), col(Shift.end_utc)).where(
            col(Shift.team_id) == team_id,
            col(Shift.agent_pk).is_not(None),
            ((col(Shift.local_date) < first) & (col(Shift.local_date) >= first - timedelta(2)))
            | ((col(Shift.local_date) > last) & (col(Shift.local_date) <= last + timedelta(2))),
        )
    ).all()
    mine = rows.agent >= 0
    agent = np.concatenate((rows.agent[mine], np.array([r[0] for r in outside], np.int64)))
    start = np.concatenate(
        (rows.start[mine], np.array([int(r[1].timestamp()) for r in outside], np.int64))
    )
    end = np.concatenate(
        (rows.end[mine], np.array([int(r[2].timestamp()) for r in outside], np.int64))
    )
    line = np.concatenate((rows.line[mine], np.zeros(len(outside), np.int64)))
    order = np.lexsort((start, agent))
    agent, start, end, line = agent[order], start[order], end[order], line[order]
    clash = (agent[1:] == agent[:-1]) & (start[1:] < end[:-1]) & ((line[1:] > 0) | (line[:-1] > 0))
    for k in np.flatnonzero(clash)[:MAX_ERRORS].tolist():
        a, b = int(line[k]), int(line[k + 1])
        other = min(a, b)
        where = f"line {other}" if other else "a shift already stored outside the file"
        problems.add(
            max(a, b), "start", f"shift of {names[int(agent[k])]} overlaps the shift on {where}"
        )


def import_shifts(
    session: Session,
    path: Path,
    team_name: str,
    *,
    force: bool = False,
    actor: str | None = None,
) -> ImportResult:
    """Replace the team's roster on the dates the file covers (CONTRACT §2.3).

    A stored shift that a chat decision changed, that a pending request is about, or that
    is open after a sick call or leave is not replaced unless the file has it as stored;
    with ``force`` it is, its pending requests are cancelled and the people on them get
    an outbox notice.
    """
    _begin_import(session)
    team = _team(session, team_name, lock=True)
    assert team.id is not None
    actor = actor or import_actor()
    clock = _Clock(ZoneInfo(team.timezone))
    agent_rows = session.execute(
        sa_select(col(Agent.id), col(Agent.agent_id), col(Agent.skills)).where(
            col(Agent.team_id) == team.id
        )
    ).all()
    agents = {
        agent_id: (pk, frozenset(s for s in skills.split(";") if s))
        for pk, agent_id, skills in agent_rows
    }
    names = {pk: agent_id for pk, agent_id, _ in agent_rows}
    skills, patterns = _Interner(), _Interner([()])
    with _CsvReader(path, SHIFT_COLUMNS, SHIFT_OPTIONAL) as reader:
        problems = reader.problems
        parser = _ShiftParser(team, agents, clock, skills, patterns, problems)
        ix = reader.index
        for line, row in reader.records():
            parser.add(line, row, ix)
            if problems.full:
                break
    problems.raise_if_any()
    rows = _columns(parser.values)
    del parser
    if not len(rows):
        return ImportResult("shifts", notes=["the file has no shifts"])
    first = date.fromordinal(int(rows.day.min()))
    last = date.fromordinal(int(rows.day.max()))
    _check_overlaps(session, rows, team.id, first, last, names, problems)
    problems.raise_if_any()

    stored = _load_stored(session, team.id, first, last, skills, patterns)
    plan = _plan(rows, stored)
    changing = np.concatenate((plan.updated_stored, plan.removed_stored))
    _lock_changed(session, stored, changing, skills, patterns)
    writer = _ShiftWriter(team.id, clock, names, skills, patterns)
    refs = _requests_on_shifts(session, team.id, first, last, stored.id)
    protected = _conflicts(rows, stored, plan, refs, writer, problems)
    if not force:
        problems.raise_if_any()
    problems.items.clear()

    now = datetime.now(UTC)
    result = ImportResult(
        "shifts",
        created=len(plan.created_file),
        updated=len(plan.updated_file),
        unchanged=len(plan.unchanged_file),
        deleted=len(plan.removed_stored),
    )
    audits: list[dict[str, Any]] = []
    if protected:
        result.cancelled = _cancel_requests(
            session, team.id, protected, stored, refs, names, path.name, now, audits
        )
    _write_shifts(session, rows, stored, plan, writer, actor, path.name, now, audits)
    if result.changed:
        audits.append(_import_audit(team.id, actor, now, path.name, result))
    _audit_rows(session, audits)
    _analyze_if_big(
        session, result.created + result.updated + result.deleted, "shift", "audit_event"
    )
    return result


def _cancel_requests(
    session: Session,
    team_id: int,
    protected: list[int],
    stored: _Stored,
    refs: dict[int, list[_RequestRef]],
    names: dict[int, str],
    file_name: str,
    now: datetime,
    audits: list[dict[str, Any]],
) -> int:
    """Cancel the pending requests on shifts a forced import replaces; tell who is on them."""
    pending: dict[int, _RequestRef] = {}
    for j in protected:
        for ref in refs.get(int(stored.id[j]), []):
            if ref.status in PENDING:
                pending[ref.id] = ref
    note = f"cancelled by the import of {file_name}"
    cancelled = 0
    for ref in sorted(pending.values(), key=lambda r: r.id):
        if not repo.compare_and_set_status(
            session,
            ref.id,
            ref.status,
            "cancelled",
            decided_at=now,
            updated_at=now,
            decision_note=note,
        ):
            continue
        cancelled += 1
        audits.append(
            _audit(
                team_id,
                "import",
                "cancel",
                now,
                note,
                {"status": ref.status},
                {"status": "cancelled"},
                request_id=ref.id,
            )
        )
        for pk in dict.fromkeys(p for p in ref.people if p is not None):
            msgrepo.add_outbox(
                session,
                team_id=team_id,
                recipient=names.get(pk, str(pk)),
                kind="request_cancelled",
                request_id=ref.id,
                payload={"reason": "import", "file": file_name},
                at=now,
            )
    return cancelled


def _write_shifts(
    session: Session,
    rows: _ShiftColumns,
    stored: _Stored,
    plan: _ShiftPlan,
    writer: _ShiftWriter,
    actor: str,
    file_name: str,
    now: datetime,
    audits: list[dict[str, Any]],
) -> None:
    table = _table("shift")
    team_id = writer.team_id

    def audit(before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        audits.append(_audit(team_id, actor, "import_shift", now, file_name, before, after))

    removed = plan.removed_stored.tolist()
    for batch in _batches(removed):
        ids = [int(stored.id[j]) for j in batch]
        for j, shift_id in zip(batch, ids, strict=True):
            audit(writer.state(stored.rows, j, shift_id), None)
        session.execute(delete(table).where(table.c.id.in_(ids)))
        if len(audits) >= BATCH_ROWS:
            _audit_rows(session, audits)
            audits.clear()
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            agent_pk=bindparam("b_agent_pk"),
            local_date=bindparam("b_local_date"),
            end_utc=bindparam("b_end_utc"),
            skill=bindparam("b_skill"),
            breaks=bindparam("b_breaks", type_=table.c.breaks.type),
            status=bindparam("b_status"),
        )
    )
    pairs = list(zip(plan.updated_file.tolist(), plan.updated_stored.tolist(), strict=True))
    for batch in _batches(pairs):
        params = []
        for i, j in batch:
            shift_id = int(stored.id[j])
            values = writer.values(rows, i)
            params.append(
                {
                    "b_id": shift_id,
                    "b_agent_pk": values["agent_pk"],
                    "b_local_date": values["local_date"],
                    "b_end_utc": values["end_utc"],
                    "b_skill": values["skill"],
                    "b_breaks": values["breaks"],
                    "b_status": values["status"],
                }
            )
            audit(writer.state(stored.rows, j, shift_id), writer.state(rows, i, shift_id))
        session.execute(stmt, params)
        _audit_rows(session, audits)
        audits.clear()
    created = plan.created_file.tolist()
    for batch in _batches(created):
        params = [writer.values(rows, i) for i in batch]
        for i in batch:
            audit(None, writer.state(rows, i))
        _insert_rows(session, table, params)
        _audit_rows(session, audits)
        audits.clear()


def iter_export_shifts(
    session: Session, team_name: str, start: date | None = None, end: date | None = None
) -> Iterator[str]:
    """The roster as CSV lines (§2.3), streamed; open shifts have an empty ``agent_id``.

    Ordered by date, start and agent (open shifts first). The team is looked up before
    the first line is produced, so an unknown team raises before anything is written.
    """
    if start is not None and end is not None and start > end:
        raise ValueError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
    team = _team(session, team_name)
    return _export_lines(session, team, start, end)


def _export_lines(
    session: Session, team: Team, start: date | None, end: date | None
) -> Iterator[str]:
    # No join in SQL: the team's people are few, and a join planned on statistics taken
    # before a big import can turn into a nested loop over every shift and person.
    names = dict(
        session.execute(
            sa_select(col(Agent.id), col(Agent.agent_id)).where(col(Agent.team_id) == team.id)
        ).all()
    )
    query = sa_select(
        col(Shift.id),
        col(Shift.agent_pk),
        _raw(col(Shift.local_date)),
        _raw(col(Shift.start_utc)),
        _raw(col(Shift.end_utc)),
        col(Shift.skill),
        _json_text(col(Shift.breaks)),
    ).where(col(Shift.team_id) == team.id)
    if start is not None:
        query = query.where(col(Shift.local_date) >= start)
    if end is not None:
        query = query.where(col(Shift.local_date) <= end)
    query = query.order_by(col(Shift.local_date), col(Shift.start_utc), col(Shift.id))
    clock = _Clock(ZoneInfo(team.timezone))
    raw = _RawValues(_Interner([()]))

    @lru_cache(maxsize=65_536)
    def local_time(value: Any) -> str:
        return clock.hhmm(raw.epoch(value))

    @lru_cache(maxsize=65_536)
    def iso_day(value: Any) -> str:
        return date.fromordinal(raw.ordinal(value)).isoformat()

    @lru_cache(maxsize=65_536)
    def windows(value: str) -> str:
        return ";".join(f"{local_time(b0)}-{local_time(b1)}" for b0, b1 in json.loads(value))

    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow([*SHIFT_COLUMNS, "breaks"])
    # Shifts starting at the same moment are written by person (open shifts first).
    group: list[tuple[str, int, tuple[str, ...]]] = []
    group_key: tuple[Any, Any] | None = None

    def flush() -> None:
        group.sort(key=lambda item: (item[0], item[1]))
        out.writerows(item[2] for item in group)
        group.clear()

    rows = session.execute(query.execution_options(yield_per=STREAM_ROWS))
    for written, (shift_id, agent_pk, day, s, e, skill, breaks) in enumerate(rows, start=1):
        if (day, s) != group_key:
            flush()
            group_key = (day, s)
        agent_id = "" if agent_pk is None else names.get(agent_pk, "")
        line = (
            agent_id,
            iso_day(day),
            local_time(s),
            local_time(e),
            skill,
            windows(breaks) if breaks else "",
        )
        group.append((agent_id, shift_id, line))
        if written % STREAM_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    flush()
    yield buffer.getvalue()


def export_shifts(
    session: Session, team_name: str, start: date | None = None, end: date | None = None
) -> str:
    """The team's roster as CSV in the shifts format (§2.3), ordered by date, start, agent."""
    return "".join(iter_export_shifts(session, team_name, start, end))


# ---------------------------------------------------------------------------------- leave


@dataclass(frozen=True)
class _LeaveRow:
    line: int
    agent_pk: int
    agent_id: str
    first: date
    last: date
    reason: str | None


def import_leave(
    session: Session, path: Path, team_name: str, *, actor: str | None = None
) -> ImportResult:
    """Store planned leave already agreed as approved leave requests (CONTRACT §2.5).

    Each row is one approved leave of ``from``..``to`` (inclusive). A row the database has
    already (same person and days) is unchanged; one that overlaps other approved or pending
    leave of that person, or a day they have a shift on, is refused with its line: planned
    leave is for days without a shift (a shift is freed by asking for the leave in chat, so
    that it is offered for cover).
    """
    _begin_import(session)
    team = _team(session, team_name, lock=True)
    assert team.id is not None
    actor = actor or import_actor()
    agents = {
        agent_id: pk
        for pk, agent_id in session.execute(
            sa_select(col(Agent.id), col(Agent.agent_id)).where(col(Agent.team_id) == team.id)
        ).all()
    }
    rows: list[_LeaveRow] = []
    with _CsvReader(path, LEAVE_COLUMNS, LEAVE_OPTIONAL) as reader:
        problems = reader.problems
        ix = reader.index
        for line, row in reader.records():
            item = _leave_row(line, row, ix, agents, team.name, problems)
            if item is not None:
                rows.append(item)
    problems.raise_if_any()
    by_agent: dict[int, list[_LeaveRow]] = defaultdict(list)
    for item in rows:
        by_agent[item.agent_pk].append(item)
    for items in by_agent.values():
        items.sort(key=lambda r: (r.first, r.line))
        for a, b in itertools.pairwise(items):
            if b.first <= a.last:
                twice = (a.first, a.last) == (b.first, b.last)
                what = "is the same leave as" if twice else "overlaps the leave on"
                later, earlier = (b, a) if b.line > a.line else (a, b)
                problems.add(
                    later.line,
                    "from",
                    f"{later.agent_id} {later.first.isoformat()} to {later.last.isoformat()} "
                    f"{what} line {earlier.line}",
                )
    problems.raise_if_any()
    result = ImportResult("leave")
    if not rows:
        result.notes.append("the file has no leave")
        return result
    first = min(r.first for r in rows)
    last = max(r.last for r in rows)
    stored = session.execute(
        sa_select(
            col(Request.id),
            col(Request.requester_pk),
            col(Request.status),
            col(Request.start_date),
            col(Request.end_date),
            col(Request.reason),
        ).where(
            col(Request.team_id) == team.id,
            col(Request.kind) == "leave",
            col(Request.status).in_(["approved", "pending_lead"]),
            col(Request.start_date) <= last,
            col(Request.end_date) >= first,
        )
    ).all()
    leave_of: dict[int, list[tuple[int, str, date, date, str | None]]] = defaultdict(list)
    for rid, pk, status, start, end, reason in stored:
        leave_of[pk].append((rid, status, start, end, reason))
    worked = session.execute(
        sa_select(
            col(Shift.agent_pk),
            col(Shift.local_date),
            col(Shift.start_utc),
            col(Shift.end_utc),
            col(Shift.skill),
        ).where(
            col(Shift.team_id) == team.id,
            col(Shift.agent_pk).in_(list(by_agent)),
            col(Shift.local_date) >= first,
            col(Shift.local_date) <= last,
        )
    ).all()
    shifts_of: dict[int, list[tuple[date, datetime, datetime, str]]] = defaultdict(list)
    for pk, day, start, end, skill in worked:
        shifts_of[pk].append((day, start, end, skill))
    tz = ZoneInfo(team.timezone)
    new: list[_LeaveRow] = []
    updates: list[tuple[_LeaveRow, int, str | None]] = []
    for item in sorted(rows, key=lambda r: r.line):
        same = [
            s
            for s in leave_of.get(item.agent_pk, [])
            if s[1] == "approved" and (s[2], s[3]) == (item.first, item.last)
        ]
        if same:
            rid, _status, _start, _end, reason = same[0]
            if reason != item.reason:
                updates.append((item, rid, reason))
            else:
                result.unchanged += 1
            continue
        clash = next(
            (
                s
                for s in leave_of.get(item.agent_pk, [])
                if s[2] <= item.last and s[3] >= item.first
            ),
            None,
        )
        if clash is not None:
            rid, status, start, end, _reason = clash
            if status == "approved":
                problems.add(
                    item.line,
                    "from",
                    f"{item.agent_id} already has approved leave {start.isoformat()} to "
                    f"{end.isoformat()} (#{rid}), which overlaps {item.first.isoformat()} to "
                    f"{item.last.isoformat()}; import only the days not on leave yet",
                )
            else:
                problems.add(
                    item.line,
                    "from",
                    f"{item.agent_id} has a leave request waiting for a lead (#{rid}, "
                    f"{start.isoformat()} to {end.isoformat()}) that overlaps these days; "
                    "a lead approves or denies it in chat first",
                )
            continue
        busy = sorted(
            s for s in shifts_of.get(item.agent_pk, []) if item.first <= s[0] <= item.last
        )
        if busy:
            day, start_utc, end_utc, skill = busy[0]
            begin, end_local = start_utc.astimezone(tz), end_utc.astimezone(tz)
            more = f" (and {len(busy) - 1} more day(s))" if len(busy) > 1 else ""
            problems.add(
                item.line,
                "from",
                f"{item.agent_id} works on {day.isoformat()} ({begin:%H:%M}–{end_local:%H:%M} "
                f"{skill}){more}; planned leave is for days without a shift: take the shift "
                "off the roster first, or ask for the leave in chat so the shift is offered "
                "for cover",
            )
            continue
        new.append(item)
    problems.raise_if_any()

    now = datetime.now(UTC)
    note = f"imported from {path.name}"[: _length("request", "decision_note")]
    audits: list[dict[str, Any]] = []
    for item, rid, old_reason in updates:
        session.execute(
            update(Request).where(col(Request.id) == rid).values(reason=item.reason, updated_at=now)
        )
        audits.append(
            _audit(
                team.id,
                actor,
                "import_leave",
                now,
                path.name,
                {"reason": old_reason},
                {"reason": item.reason},
                request_id=rid,
            )
        )
    result.updated = len(updates)
    for item in new:
        req = Request(
            team_id=team.id,
            kind="leave",
            status="approved",
            requester_pk=item.agent_pk,
            start_date=item.first,
            end_date=item.last,
            reason=item.reason,
            created_at=now,
            updated_at=now,
            decided_at=now,
            decision_note=note,
        )
        session.add(req)
        session.flush()
        audits.append(
            _audit(
                team.id,
                actor,
                "import_leave",
                now,
                path.name,
                None,
                {
                    "status": "approved",
                    "agent_id": item.agent_id,
                    "from": item.first.isoformat(),
                    "to": item.last.isoformat(),
                    "reason": item.reason,
                },
                request_id=req.id,
            )
        )
    result.created = len(new)
    if result.changed:
        audits.append(_import_audit(team.id, actor, now, path.name, result))
    _audit_rows(session, audits)
    return result


def _leave_row(
    line: int,
    row: list[str],
    ix: dict[str, int],
    agents: dict[str, int],
    team_name: str,
    problems: _Problems,
) -> _LeaveRow | None:
    agent_id = row[ix["agent_id"]]
    pk = agents.get(agent_id)
    if pk is None:
        problem = _check_name(agent_id, "agent_id", "agent id") if agent_id else None
        problems.add(
            line,
            "agent_id",
            problem
            or (
                f"unknown agent {_show(agent_id)} in team {team_name}"
                if agent_id
                else "whose leave is it? agent_id is empty"
            ),
        )
        return None
    days: list[date] = []
    for column in ("from", "to"):
        try:
            days.append(parse_file_date(row[ix[column]]))
        except ValueError as exc:
            problems.add(line, column, str(exc))
            return None
    first, last = days
    if last < first:
        problems.add(line, "to", f"{last.isoformat()} is before the first day {first.isoformat()}")
        return None
    if (last - first).days + 1 > MAX_LEAVE_DAYS:
        problems.add(
            line,
            "to",
            f"{(last - first).days + 1} days of leave in one row; at most {MAX_LEAVE_DAYS}",
        )
        return None
    reason = row[ix["reason"]] if "reason" in ix else ""
    problem = _check_text(reason, "reason", "the reason") if reason else None
    if problem:
        problems.add(line, "reason", problem)
        return None
    return _LeaveRow(line, pk, agent_id, first, last, reason or None)


# --------------------------------------------------------------------------------- volume


def import_volume(
    session: Session,
    path: Path,
    team_name: str,
    now: datetime | None = None,
    *,
    actor: str | None = None,
) -> ImportResult:
    """Load interval demand. Rows before ``now`` are history, later rows a user forecast."""
    _begin_import(session)
    team = _team(session, team_name, lock=True)
    assert team.id is not None
    actor = actor or import_actor()
    clock = _Clock(ZoneInfo(team.timezone))
    now = now or datetime.now(UTC)
    now_epoch = now.timestamp()
    skills = _Interner()
    lines, skill_ix, epochs, sources = array("q"), array("q"), array("q"), array("q")
    calls_col, aht_col = array("d"), array("d")
    step = team.interval_minutes

    @lru_cache(maxsize=65_536)
    def stamp(text_: str) -> int | tuple[str, str]:
        match = STAMP_RE.fullmatch(text_)
        if match is None:
            return "interval_start", f"{_show(text_)} is not a local time in YYYY-MM-DDTHH:MM form"
        try:
            day = parse_file_date(match.group(1))
            minutes = _clock_minutes(match.group(2))
        except ValueError as exc:
            return "interval_start", f"{_show(text_)}: {exc}"
        if minutes % step:
            return "interval_start", f"{text_} is not aligned to the team's {step}-minute intervals"
        instant = clock.instant(day.toordinal(), minutes)
        if isinstance(instant, str):
            return "interval_start", instant
        return instant

    @lru_cache(maxsize=1024)
    def skill_of(text_: str) -> int | str:
        problem = _check_name(text_, "skill", "skill name")
        return problem if problem else skills(text_)

    with _CsvReader(path, VOLUME_COLUMNS) as reader:
        problems = reader.problems
        ix = reader.index
        i_stamp, i_skill, i_calls, i_aht = (ix[c] for c in VOLUME_COLUMNS)
        for line, row in reader.records():
            instant = stamp(row[i_stamp])
            if isinstance(instant, tuple):
                problems.add(line, *instant)
                continue
            skill = skill_of(row[i_skill])
            if isinstance(skill, str):
                problems.add(line, "skill", skill)
                continue
            try:
                calls = _decimal(row[i_calls], "a number of calls", 0.0, MAX_CALLS)
            except ValueError as exc:
                problems.add(line, "calls", str(exc))
                continue
            try:
                aht = _decimal(row[i_aht], "a handling time in seconds", 1.0, MAX_AHT_SECONDS)
            except ValueError as exc:
                if calls == 0 and NUMBER_RE.fullmatch(row[i_aht]) and float(row[i_aht]) == 0:
                    aht = 0.0
                else:
                    problems.add(line, "aht_seconds", f"{exc}; 0 only when there are no calls")
                    continue
            lines.append(line)
            skill_ix.append(skill)
            epochs.append(instant)
            sources.append(0 if instant < now_epoch else 1)
            calls_col.append(calls)
            aht_col.append(aht)
            if problems.full:
                break
    problems.raise_if_any()
    result = ImportResult("volume")
    if not lines:
        return result
    line_a = np.frombuffer(lines, dtype=np.int64)
    skill_a = np.frombuffer(skill_ix, dtype=np.int64)
    epoch_a = np.frombuffer(epochs, dtype=np.int64)
    source_a = np.frombuffer(sources, dtype=np.int64)
    calls_a = np.frombuffer(calls_col, dtype=np.float64)
    aht_a = np.frombuffer(aht_col, dtype=np.float64)
    order = np.lexsort((line_a, epoch_a, skill_a))
    same = (skill_a[order][1:] == skill_a[order][:-1]) & (epoch_a[order][1:] == epoch_a[order][:-1])
    for k in np.flatnonzero(same)[:MAX_ERRORS].tolist():
        i, j = int(order[k]), int(order[k + 1])
        where = datetime.fromtimestamp(int(epoch_a[j]), clock.tz).strftime("%Y-%m-%dT%H:%M")
        problems.add(
            int(line_a[j]),
            "interval_start",
            f"{where} {skills.values[int(skill_a[j])]} already appears on line {int(line_a[i])}",
        )
    problems.raise_if_any()

    table = _table("volume")
    stored_ids, stored_vals = array("q"), array("d")
    stored_cols: list[array[int]] = [array("q"), array("q"), array("q")]
    query = (
        sa_select(
            table.c.id,
            table.c.skill,
            table.c.interval_start,
            table.c.source,
            table.c.calls,
            table.c.aht_seconds,
        )
        .where(
            table.c.team_id == team.id,
            table.c.interval_start >= clock.utc(int(epoch_a.min())),
            table.c.interval_start <= clock.utc(int(epoch_a.max())),
            table.c.source.in_(["actual", "user"]),
        )
        .execution_options(yield_per=STREAM_ROWS)
    )
    for row_id, skill, instant, source, calls, aht in session.execute(query):
        stored_ids.append(row_id)
        stored_cols[0].append(skills(skill))
        stored_cols[1].append(int(instant.timestamp()))
        stored_cols[2].append(0 if source == "actual" else 1)
        stored_vals.extend((calls, aht))
    stored_arrays = [
        np.frombuffer(c, dtype=np.int64) if len(c) else _no_rows() for c in stored_cols
    ]
    ia, ib = _match([skill_a, epoch_a, source_a], stored_arrays)
    values = np.frombuffer(stored_vals, dtype=np.float64).reshape(-1, 2) if stored_vals else None
    changed: list[tuple[int, int]] = []
    for i, j in zip(ia.tolist(), ib.tolist(), strict=True):
        assert values is not None
        if values[j, 0] != calls_a[i] or values[j, 1] != aht_a[i]:
            changed.append((i, stored_ids[j]))
    result.updated = len(changed)
    result.unchanged = len(ia) - len(changed)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(calls=bindparam("b_calls"), aht_seconds=bindparam("b_aht"))
    )
    for batch in _batches(changed):
        session.execute(
            stmt,
            [
                {"b_id": row_id, "b_calls": float(calls_a[i]), "b_aht": float(aht_a[i])}
                for i, row_id in batch
            ],
        )
    created = np.setdiff1d(np.arange(len(line_a), dtype=np.int64), ia).tolist()
    result.created = len(created)
    for batch in _batches(created):
        _insert_rows(
            session,
            table,
            [
                {
                    "team_id": team.id,
                    "skill": skills.values[int(skill_a[i])],
                    "interval_start": clock.utc(int(epoch_a[i])),
                    "calls": float(calls_a[i]),
                    "aht_seconds": float(aht_a[i]),
                    "source": "actual" if source_a[i] == 0 else "user",
                }
                for i in batch
            ],
        )
    if result.changed:
        _audit_rows(
            session,
            [_import_audit(team.id, actor, datetime.now(UTC), path.name, result)],
        )
    _analyze_if_big(session, result.created + result.updated, "volume")
    return result
