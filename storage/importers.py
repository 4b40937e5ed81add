"""Import and export of the files users bring (CONTRACT §2).

Each import reads and validates the whole file before anything is written, then writes in
one transaction: a bad file leaves the database exactly as it was. Every error names the
file, the line and the column: ``agents.csv:7: skills: unknown skill 'card'``.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.localtime import LocalTimeError, parse_hhmm, shift_instants, to_utc
from storage.tables import Agent, Shift, Team, Volume

AGENT_COLUMNS = (
    "agent_id",
    "name",
    "role",
    "skills",
    "slack_user_id",
    "telegram_user_id",
    "weekly_hours",
)
SHIFT_COLUMNS = ("agent_id", "date", "start", "end", "skill")
SHIFT_OPTIONAL = ("breaks",)
VOLUME_COLUMNS = ("interval_start", "skill", "calls", "aht_seconds")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
MAX_ERRORS = 20

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
    "rules",
}
RULE_KEYS = {
    "min_rest_hours",
    "max_weekly_hours",
    "max_consecutive_days",
    "swap_cutoff_hours",
    "max_off_per_day",
    "approval",
}


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


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
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.created} created", f"{self.updated} updated"]
        parts.append(f"{self.unchanged} unchanged")
        if self.deleted:
            parts.append(f"{self.deleted} removed")
        return f"{self.kind}: " + ", ".join(parts)


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[FileProblem] = []

    def add(self, line: int, column: str, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(FileProblem(self.file, line, column, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportFileError(self.items)


def _read_text(path: Path, columns: Sequence[str] | None = None) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(
            [FileProblem(path.name, 0, "file", f"cannot read: {exc.strerror}")]
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line_no = raw.count(b"\n", 0, exc.start) + 1
        column = "text"
        if columns:
            index = raw.count(b",", line_start, exc.start)
            column = columns[index] if index < len(columns) else f"column {index + 1}"
        raise ImportFileError(
            [
                FileProblem(
                    path.name,
                    line_no,
                    column,
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                )
            ]
        ) from exc
    return text


def _read_csv(
    path: Path, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = _read_text(path, list(required) + list(optional))
    problems = _Problems(path.name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.add(1, "header", f"the file is empty; expected {','.join(required)}")
        problems.raise_if_any()
        raise AssertionError("unreachable") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        problems.add(
            1,
            missing[0],
            f"missing column(s) {', '.join(missing)}; the header must be {','.join(required)}",
        )
    unknown = [h for h in header if h not in required and h not in optional]
    if unknown:
        problems.add(1, unknown[0], f"unknown column {unknown[0]!r}")
    problems.raise_if_any()
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            line = reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                problems.add(
                    line,
                    header[min(len(values), len(header)) - 1] if values else header[0],
                    f"expected {len(header)} fields, found {len(values)}",
                )
                continue
            rows.append((line, {h: v.strip() for h, v in zip(header, values, strict=True)}))
    except csv.Error as exc:
        problems.add(reader.line_num, "text", f"malformed CSV: {exc}")
    problems.raise_if_any()
    return header, rows


def _team(session: Session, team_name: str) -> Team:
    team = session.exec(select(Team).where(Team.name == team_name)).first()
    if team is None:
        raise LookupError(f"unknown team {team_name!r}; import a teams file first")
    return team


# ---------------------------------------------------------------------------------- teams


def _key_line(text: str, team_index: int, key: str) -> int:
    lines = text.splitlines()
    seen = -1
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[[team]]"):
            seen += 1
            continue
        if seen == team_index and re.match(rf"^{re.escape(key)}\s*=", stripped):
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
        raise ValueError(f"expected a number, got {value!r}")
    if integer and not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bound = f"more than {low}" if low_open else f"at least {low}"
        raise ValueError(f"{value} is out of range (must be {bound} and at most {high})")
    return float(value)


def parse_teams_file(path: Path) -> list[dict[str, Any]]:
    """Read and validate a teams TOML file; returns plain dicts of Team columns."""
    text = _read_text(path)
    problems = _Problems(path.name)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        problems.add(line, "toml", f"not valid TOML: {exc}")
        problems.raise_if_any()
    teams = data.get("team")
    if not isinstance(teams, list) or not teams:
        problems.add(1, "team", "no [[team]] table found")
        problems.raise_if_any()
        return []
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for index, raw in enumerate(teams):
        row: dict[str, Any] = {}

        def bad(key: str, message: str, index: int = index) -> None:
            problems.add(_key_line(text, index, key), key, message)

        for key in raw:
            if key not in TEAM_KEYS:
                bad(key, f"unknown key {key!r}")
        name = raw.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            bad("name", "a team needs a name of letters, digits, '-', '_' or '.'")
        elif name in names:
            bad("name", f"team {name!r} appears twice")
        else:
            names.add(name)
            row["name"] = name
        tz = raw.get("timezone")
        try:
            if not isinstance(tz, str) or not tz:
                raise ZoneInfoNotFoundError
            ZoneInfo(tz)
            row["timezone"] = tz
        except (ZoneInfoNotFoundError, ValueError):
            bad("timezone", f"unknown timezone {tz!r}; use an IANA name such as 'Asia/Taipei'")
        interval = raw.get("interval_minutes", 30)
        if interval not in (15, 30, 60) or isinstance(interval, bool):
            bad("interval_minutes", f"{interval!r} is not allowed; use 15, 30 or 60")
        else:
            row["interval_minutes"] = interval
        digest = raw.get("digest_time", "08:00")
        try:
            if not isinstance(digest, str):
                raise ValueError(f"{digest!r} is not a time in HH:MM form (quote it)")
            row["digest_time"] = parse_hhmm(digest).strftime("%H:%M")
        except ValueError as exc:
            bad("digest_time", str(exc))
        channel = raw.get("slack_channel")
        if channel is not None and not isinstance(channel, str):
            bad("slack_channel", "expected a channel id string such as 'C0123456789'")
        row["slack_channel"] = channel or None
        chat = raw.get("telegram_chat_id")
        if chat is not None and (not isinstance(chat, int) or isinstance(chat, bool)):
            bad("telegram_chat_id", "expected an integer chat id")
        row["telegram_chat_id"] = chat
        checks: list[tuple[str, dict[str, Any], float, float, bool, bool, Any]] = [
            ("service_level", raw, 0.0, 1.0, False, True, 0.80),
            ("target_seconds", raw, 0.0, 3600.0, False, False, 20),
            ("shrinkage", raw, 0.0, 0.95, False, False, 0.0),
        ]
        for key, source, low, high, integer, low_open, default in checks:
            try:
                row[key] = _number(
                    source.get(key, default),
                    low=low,
                    high=high,
                    integer=integer,
                    low_open=low_open,
                )
            except ValueError as exc:
                bad(key, str(exc))
        occ = raw.get("max_occupancy")
        try:
            row["max_occupancy"] = (
                None if occ is None else _number(occ, low=0.0, high=1.0, low_open=True)
            )
        except ValueError as exc:
            bad("max_occupancy", str(exc))
        rules = raw.get("rules", {})
        if not isinstance(rules, dict):
            bad("rules", "expected a [team.rules] table")
            rules = {}
        for key in rules:
            if key not in RULE_KEYS:
                bad(key, f"unknown rule {key!r}; known rules: {', '.join(sorted(RULE_KEYS))}")
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
            bad("approval", f'{approval!r} is not allowed; use "lead" or "auto"')
        else:
            row["approval"] = approval
        out.append(row)
    problems.raise_if_any()
    return out


def import_teams(session: Session, path: Path) -> ImportResult:
    rows = parse_teams_file(path)
    result = ImportResult("teams")
    for row in rows:
        team = session.exec(select(Team).where(Team.name == row["name"])).first()
        if team is None:
            session.add(Team(**row))
            result.created += 1
            continue
        changed = False
        for key, value in row.items():
            if getattr(team, key) != value:
                setattr(team, key, value)
                changed = True
        if changed:
            session.add(team)
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


# --------------------------------------------------------------------------------- agents


def import_agents(session: Session, path: Path, team_name: str) -> ImportResult:
    team = _team(session, team_name)
    _header, rows = _read_csv(path, AGENT_COLUMNS)
    problems = _Problems(path.name)
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        agent_id = row["agent_id"]
        if not NAME_RE.match(agent_id):
            problems.add(
                line, "agent_id", f"{agent_id!r} is not a valid id (letters, digits, - _ .)"
            )
            continue
        if agent_id in seen:
            problems.add(line, "agent_id", f"{agent_id!r} already appears on line {seen[agent_id]}")
            continue
        seen[agent_id] = line
        item: dict[str, Any] = {"agent_id": agent_id, "name": row["name"] or agent_id}
        role = row["role"] or "agent"
        if role not in ("agent", "lead"):
            problems.add(line, "role", f"{role!r} is not a role; use 'agent' or 'lead'")
        item["role"] = role
        skills = [s.strip() for s in row["skills"].split(";") if s.strip()]
        for skill in skills:
            if not NAME_RE.match(skill):
                problems.add(line, "skills", f"{skill!r} is not a valid skill name")
        if role == "agent" and not skills:
            problems.add(line, "skills", "an agent needs at least one skill, e.g. 'cards'")
        item["skills"] = ";".join(dict.fromkeys(skills))
        item["slack_user_id"] = row["slack_user_id"] or None
        if item["slack_user_id"] and not re.match(r"^[UW][A-Z0-9]{2,}$", item["slack_user_id"]):
            problems.add(
                line, "slack_user_id", f"{item['slack_user_id']!r} is not a Slack user id (U…)"
            )
        telegram = row["telegram_user_id"]
        if telegram:
            try:
                item["telegram_user_id"] = int(telegram)
            except ValueError:
                problems.add(line, "telegram_user_id", f"{telegram!r} is not an integer")
        else:
            item["telegram_user_id"] = None
        hours = row["weekly_hours"]
        if hours:
            try:
                value = float(hours)
                if not 0 < value <= 80:
                    raise ValueError
                item["weekly_hours"] = value
            except ValueError:
                problems.add(line, "weekly_hours", f"{hours!r} is not a number of hours (0–80]")
        else:
            item["weekly_hours"] = None
        parsed.append(item)
    problems.raise_if_any()
    existing = {
        a.agent_id: a for a in session.exec(select(Agent).where(Agent.team_id == team.id)).all()
    }
    result = ImportResult("agents")
    for item in parsed:
        agent = existing.get(item["agent_id"])
        if agent is None:
            session.add(Agent(team_id=team.id, **item))  # type: ignore[arg-type]
            result.created += 1
            continue
        changed = False
        for key, value in item.items():
            if getattr(agent, key) != value:
                setattr(agent, key, value)
                changed = True
        if changed:
            session.add(agent)
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


# --------------------------------------------------------------------------------- shifts


def _parse_breaks(
    text: str, day: date, start_utc: datetime, end_utc: datetime, tz: ZoneInfo
) -> list[list[str]]:
    windows: list[list[str]] = []
    for part in [p.strip() for p in text.split(";") if p.strip()]:
        if "-" not in part:
            raise ValueError(f"{part!r} is not a window in HH:MM-HH:MM form")
        left, right = part.split("-", 1)
        b_start, b_end = parse_hhmm(left), parse_hhmm(right)
        # A break belongs to the shift: place it on the day whose instant falls inside.
        candidates = []
        for offset in (0, 1):
            try:
                s_utc, e_utc = shift_instants(day + timedelta(days=offset), b_start, b_end, tz)
            except LocalTimeError:
                continue
            candidates.append((s_utc, e_utc))
        inside = [(s, e) for s, e in candidates if start_utc <= s and e <= end_utc]
        if not inside:
            raise ValueError(f"break {part} is not inside the shift")
        s_utc, e_utc = inside[0]
        windows.append([s_utc.isoformat(), e_utc.isoformat()])
    windows.sort()
    for (_, prev_end), (next_start, _) in itertools.pairwise(windows):
        if next_start < prev_end:
            raise ValueError("breaks overlap each other")
    return windows


def format_breaks(breaks: Iterable[Sequence[str]], tz: ZoneInfo) -> str:
    out = []
    for start, end in breaks:
        s = datetime.fromisoformat(start).astimezone(tz)
        e = datetime.fromisoformat(end).astimezone(tz)
        out.append(f"{s:%H:%M}-{e:%H:%M}")
    return ";".join(out)


def import_shifts(session: Session, path: Path, team_name: str) -> ImportResult:
    team = _team(session, team_name)
    tz = ZoneInfo(team.timezone)
    _header, rows = _read_csv(path, SHIFT_COLUMNS, SHIFT_OPTIONAL)
    problems = _Problems(path.name)
    agents = {
        a.agent_id: a for a in session.exec(select(Agent).where(Agent.team_id == team.id)).all()
    }
    parsed: list[tuple[int, Agent, date, datetime, datetime, str, list[list[str]]]] = []
    for line, row in rows:
        agent = agents.get(row["agent_id"])
        if agent is None:
            problems.add(line, "agent_id", f"unknown agent {row['agent_id']!r} in team {team.name}")
            continue
        try:
            day = date.fromisoformat(row["date"])
            if len(row["date"]) != 10:
                raise ValueError
        except ValueError:
            problems.add(line, "date", f"{row['date']!r} is not a date in YYYY-MM-DD form")
            continue
        try:
            start = parse_hhmm(row["start"])
        except ValueError as exc:
            problems.add(line, "start", str(exc))
            continue
        try:
            end = parse_hhmm(row["end"])
        except ValueError as exc:
            problems.add(line, "end", str(exc))
            continue
        try:
            start_utc, end_utc = shift_instants(day, start, end, tz)
        except LocalTimeError as exc:
            problems.add(line, "start", str(exc))
            continue
        skill = row["skill"]
        if skill not in agent.skill_set:
            have = ", ".join(sorted(agent.skill_set)) or "none"
            problems.add(
                line,
                "skill",
                f"{agent.agent_id} does not have skill {skill!r} (has: {have})",
            )
            continue
        try:
            breaks = _parse_breaks(row.get("breaks", ""), day, start_utc, end_utc, tz)
        except (ValueError, LocalTimeError) as exc:
            problems.add(line, "breaks", str(exc))
            continue
        parsed.append((line, agent, day, start_utc, end_utc, skill, breaks))
    problems.raise_if_any()
    if not parsed:
        return ImportResult("shifts", notes=["the file has no shifts"])

    first = min(p[2] for p in parsed)
    last = max(p[2] for p in parsed)
    by_agent: dict[int, list[tuple[int, datetime, datetime]]] = defaultdict(list)
    for line, agent, _day, s, e, _skill, _breaks in parsed:
        assert agent.id is not None
        by_agent[agent.id].append((line, s, e))
    outside = session.exec(
        select(Shift).where(
            Shift.team_id == team.id,
            col(Shift.agent_pk).in_(list(by_agent)),
            (Shift.local_date < first) | (Shift.local_date > last),
            Shift.local_date >= first - timedelta(days=2),
            Shift.local_date <= last + timedelta(days=2),
        )
    ).all()
    for shift in outside:
        assert shift.agent_pk is not None
        by_agent[shift.agent_pk].append((0, shift.start_utc, shift.end_utc))
    names = {a.id: a.agent_id for a in agents.values()}
    for agent_pk, items in by_agent.items():
        items.sort(key=lambda item: item[1])
        for (line_a, _s_a, e_a), (line_b, s_b, _e_b) in itertools.pairwise(items):
            if s_b < e_a:
                line = max(line_a, line_b)
                other = min(line_a, line_b)
                where = f"line {other}" if other else "a shift already stored outside the file"
                problems.add(
                    line,
                    "start",
                    f"shift of {names[agent_pk]} overlaps the shift on {where}",
                )
    problems.raise_if_any()

    existing = session.exec(
        select(Shift).where(
            Shift.team_id == team.id, Shift.local_date >= first, Shift.local_date <= last
        )
    ).all()
    keyed: dict[tuple[int | None, datetime], Shift] = {
        (s.agent_pk, s.start_utc): s for s in existing
    }
    result = ImportResult("shifts")
    keep: set[int] = set()
    for _line, agent, day, s, e, skill, breaks in parsed:
        current = keyed.get((agent.id, s))
        if current is not None and current.id is not None:
            keep.add(current.id)
            if (
                current.end_utc == e
                and current.skill == skill
                and current.breaks == breaks
                and current.local_date == day
            ):
                result.unchanged += 1
                continue
            current.end_utc, current.skill, current.breaks = e, skill, breaks
            current.local_date = day
            current.status = "scheduled"
            session.add(current)
            result.updated += 1
            continue
        session.add(
            Shift(
                team_id=team.id,  # type: ignore[arg-type]
                agent_pk=agent.id,
                local_date=day,
                start_utc=s,
                end_utc=e,
                skill=skill,
                breaks=breaks,
            )
        )
        result.created += 1
    stale = [s.id for s in existing if s.id not in keep]
    if stale:
        session.execute(delete(Shift).where(col(Shift.id).in_(stale)))
        result.deleted = len(stale)
    session.flush()
    return result


def export_shifts(
    session: Session, team_name: str, start: date | None = None, end: date | None = None
) -> str:
    """The team's roster as CSV in the shifts format (§2.3), ordered by date, start, agent."""
    team = _team(session, team_name)
    tz = ZoneInfo(team.timezone)
    query = (
        select(Shift, Agent)
        .join(Agent, col(Agent.id) == col(Shift.agent_pk))
        .where(Shift.team_id == team.id)
    )
    if start is not None:
        query = query.where(Shift.local_date >= start)
    if end is not None:
        query = query.where(Shift.local_date <= end)
    rows = session.exec(
        query.order_by(col(Shift.local_date), col(Shift.start_utc), col(Agent.agent_id))
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*SHIFT_COLUMNS, "breaks"])
    for shift, agent in rows:
        s = shift.start_utc.astimezone(tz)
        e = shift.end_utc.astimezone(tz)
        writer.writerow(
            [
                agent.agent_id,
                shift.local_date.isoformat(),
                f"{s:%H:%M}",
                f"{e:%H:%M}",
                shift.skill,
                format_breaks(shift.breaks, tz),
            ]
        )
    return buffer.getvalue()


# --------------------------------------------------------------------------------- volume


def import_volume(
    session: Session, path: Path, team_name: str, now: datetime | None = None
) -> ImportResult:
    """Load interval demand. Rows before ``now`` are history, later rows a user forecast."""
    team = _team(session, team_name)
    tz = ZoneInfo(team.timezone)
    now = now or datetime.now(UTC)
    _header, rows = _read_csv(path, VOLUME_COLUMNS)
    problems = _Problems(path.name)
    parsed: dict[tuple[str, datetime], tuple[float, float, str]] = {}
    seen: dict[tuple[str, datetime], int] = {}
    for line, row in rows:
        text = row["interval_start"]
        try:
            local = datetime.strptime(text, "%Y-%m-%dT%H:%M")
        except ValueError:
            problems.add(
                line, "interval_start", f"{text!r} is not a local time in YYYY-MM-DDTHH:MM form"
            )
            continue
        if (local.hour * 60 + local.minute) % team.interval_minutes:
            problems.add(
                line,
                "interval_start",
                f"{text} is not aligned to the team's {team.interval_minutes}-minute intervals",
            )
            continue
        try:
            instant = to_utc(local.date(), time(local.hour, local.minute), tz)
        except LocalTimeError as exc:
            problems.add(line, "interval_start", str(exc))
            continue
        skill = row["skill"]
        if not NAME_RE.match(skill):
            problems.add(line, "skill", f"{skill!r} is not a valid skill name")
            continue
        try:
            calls = float(row["calls"])
            if not calls >= 0 or calls == float("inf"):
                raise ValueError
        except ValueError:
            problems.add(line, "calls", f"{row['calls']!r} is not a number of calls (>= 0)")
            continue
        try:
            aht = float(row["aht_seconds"])
            if not 0 <= aht < 86_400 or (aht == 0 and calls > 0):
                raise ValueError
        except ValueError:
            problems.add(
                line, "aht_seconds", f"{row['aht_seconds']!r} is not a handling time in seconds"
            )
            continue
        key = (skill, instant)
        if key in seen:
            problems.add(
                line, "interval_start", f"{text} {skill} already appears on line {seen[key]}"
            )
            continue
        seen[key] = line
        parsed[key] = (calls, aht, "actual" if instant < now else "user")
    problems.raise_if_any()
    result = ImportResult("volume")
    if not parsed:
        return result
    instants = [k[1] for k in parsed]
    existing = session.exec(
        select(Volume).where(
            Volume.team_id == team.id,
            col(Volume.interval_start) >= min(instants),
            col(Volume.interval_start) <= max(instants),
            col(Volume.source).in_(["actual", "user"]),
        )
    ).all()
    current = {(v.skill, v.interval_start, v.source): v for v in existing}
    for (skill, instant), (calls, aht, source) in parsed.items():
        row_now = current.get((skill, instant, source))
        if row_now is None:
            session.add(
                Volume(
                    team_id=team.id,  # type: ignore[arg-type]
                    skill=skill,
                    interval_start=instant,
                    calls=calls,
                    aht_seconds=aht,
                    source=source,
                )
            )
            result.created += 1
        elif row_now.calls != calls or row_now.aht_seconds != aht:
            row_now.calls, row_now.aht_seconds = calls, aht
            session.add(row_now)
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result
