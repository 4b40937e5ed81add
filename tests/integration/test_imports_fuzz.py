"""Random files never crash an importer and a refused file writes nothing, on both databases."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text

from storage.importers import (
    AGENT_COLUMNS,
    SHIFT_COLUMNS,
    VOLUME_COLUMNS,
    ImportFileError,
    import_agents,
    import_shifts,
    import_teams,
    import_volume,
)
from storage.unit_of_work import UnitOfWork
from tests.conftest import TABLES
from tests.factories import NOW, TEAM, seed

TRICKY = [
    "",
    " ",
    '"',
    '""',
    "\x00",
    "a\x00b",
    "\n",
    "\r",
    "\r\n",
    ";",
    ",",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e999",
    "1_000",
    "٣",
    "²:00",
    "-1",
    "0",
    "9223372036854775808",
    "-9223372036854775809",
    "24:00",
    "23:59",
    "08:00",
    "8:00",
    "00:00",
    "2026-12-01",
    "2026-W49-2",
    "20261201",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "12:00-12:30",
    "12:00-",
    "25:00-26:00",
    " amy ",
    "x" * 300,
]
text_values = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
numbers = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

PLAUSIBLE: dict[str, list[str]] = {
    "agent_id": ["amy", "bob", "cara", "dan", "eve", "lin", "zed", ""],
    "name": ["Amy Chen", "林", ""],
    "role": ["agent", "lead", "boss"],
    "skills": ["cards", "loans", "cards;loans", "wealth", ""],
    "slack_user_id": ["U0AMY00001", "U0ZED00009", "C123", ""],
    "telegram_user_id": ["1001", "-5", ""],
    "weekly_hours": ["40", "0", "80", "81", ""],
    "lang": ["en", "zh-Hant", "zh-Hans", "fr", ""],
    "date": [f"2026-12-0{d}" for d in range(1, 8)],
    "start": [f"{h:02d}:{m:02d}" for h in (0, 6, 8, 9, 13, 14, 22, 23) for m in (0, 30)],
    "end": ["06:00", "16:00", "17:00", "22:00", "00:00", "24:00", "08:00"],
    "skill": ["cards", "loans", "wealth"],
    "breaks": ["", "12:00-13:00", "12:00-12:30;15:00-15:15", "17:30-18:00", "02:00-02:30"],
    "interval_start": [f"2026-11-02T{h:02d}:{m:02d}" for h in (0, 8, 9, 23) for m in (0, 15, 30)],
    "calls": ["0", "12", "12.5", "100000", "100001"],
    "aht_seconds": ["0", "1", "240", "86400", "86401"],
}


def field(column: str) -> st.SearchStrategy[str]:
    plausible = st.sampled_from(PLAUSIBLE.get(column, [""]))
    return st.one_of(
        plausible,
        plausible,
        plausible,
        plausible,
        st.sampled_from(TRICKY),
        text_values,
        numbers,
        st.dates().map(str),
    )


@st.composite
def csv_file(draw: st.DrawFn, columns: tuple[str, ...]) -> bytes:
    header = list(columns)
    if draw(st.integers(0, 9)) == 0:
        header.append(draw(st.sampled_from([*columns, "lang", "breaks", "extra", ""])))
    clean = st.tuples(*(st.sampled_from(PLAUSIBLE.get(c, [""])) for c in header)).map(list)
    messy = st.lists(
        st.one_of(*(field(c) for c in header)),
        min_size=len(header) - 1,
        max_size=len(header) + 1,
    )
    if draw(st.booleans()):
        lines = draw(st.lists(clean, max_size=8))
    else:
        lines = draw(st.lists(st.one_of(clean, messy), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    if draw(st.booleans()):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(lines)
        content = buffer.getvalue()
    else:
        content = newline.join(",".join(row) for row in [header, *lines]) + newline
    data = content.encode("utf-8")
    if draw(st.integers(0, 19)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xe4\xb8", b"\x00"])) + data[at:]
    return data


toml_scalars = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=10).map(json.dumps),
    st.sampled_from(
        [
            '"card-hotline"',
            '"t1"',
            '"UTC"',
            '"Asia/Taipei"',
            '"Europe/Berlin"',
            '"08:00"',
            '"²:00"',
            '"lead"',
            '"auto"',
            '"review"',
            '"deny"',
            '"off"',
            '"en"',
            '"zh-Hant"',
            '"fr"',
            "nan",
            "inf",
            "-inf",
            "true",
            "0",
            "15",
            "30",
            "0.8",
            "9223372036854775807",
            "9223372036854775808",
            "1979-05-27",
            "[1, 2]",
            '{ en = "Cards", zh-Hant = "信用卡" }',
            '{ fr = "x" }',
            "{}",
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: (
            "nan"
            if f != f
            else ("inf" if f == float("inf") else ("-inf" if f == float("-inf") else repr(f)))
        )
    ),
)
team_keys = st.sampled_from(
    [
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
        "bogus",
    ]
)
rule_keys = st.sampled_from(
    [
        "min_rest_hours",
        "max_weekly_hours",
        "max_consecutive_days",
        "swap_cutoff_hours",
        "max_off_per_day",
        "approval",
        "staffing",
        "bogus",
    ]
)


@st.composite
def toml_file(draw: st.DrawFn) -> bytes:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        parts.append("[[team]]")
        if draw(st.booleans()):
            parts.append(f'name = "{draw(st.sampled_from(["card-hotline", "t1", "t2"]))}"')
            parts.append(f'timezone = "{draw(st.sampled_from(["UTC", "Asia/Taipei"]))}"')
        parts.extend(
            f"{k} = {draw(toml_scalars)}"
            for k in draw(st.lists(team_keys, max_size=6, unique=True))
        )
        if draw(st.booleans()):
            parts.append("[team.rules]")
            parts.extend(
                f"{k} = {draw(toml_scalars)}"
                for k in draw(st.lists(rule_keys, max_size=4, unique=True))
            )
        if draw(st.booleans()):
            parts.append("[team.skill_names]")
            parts.extend(
                f"{k} = {draw(toml_scalars)}"
                for k in draw(
                    st.lists(
                        st.sampled_from(["cards", "loans", '"a b"', "x"]), max_size=3, unique=True
                    )
                )
            )
    if draw(st.integers(0, 4)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), draw(text_values))
    return ("\n".join(parts) + "\n").encode("utf-8")


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
            for t in TABLES
        }


@contextmanager
def writes_counted(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


IMPORTERS: dict[str, tuple[str, Callable[..., Any]]] = {
    "teams": ("teams.toml", lambda s, p: import_teams(s, p)),
    "agents": ("agents.csv", lambda s, p: import_agents(s, p, TEAM)),
    "shifts": ("shifts.csv", lambda s, p: import_shifts(s, p, TEAM)),
    "volume": ("volume.csv", lambda s, p: import_volume(s, p, TEAM, now=NOW)),
}
FILES = {
    "teams": toml_file(),
    "agents": csv_file((*AGENT_COLUMNS, "lang")),
    "shifts": csv_file((*SHIFT_COLUMNS, "breaks")),
    "volume": csv_file(VOLUME_COLUMNS),
}


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_random_files_get_an_answer_and_a_refusal_writes_nothing(
    kind: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    seed(engine, tmp_path)
    name, importer = IMPORTERS[kind]
    path = tmp_path / "fuzz" / name
    path.parent.mkdir()
    examples = 150 if db_url.startswith("sqlite") else 40

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(content=FILES[kind])
    def check(content: bytes) -> None:
        path.write_bytes(content)
        before = snapshot(engine)
        refused = False
        with writes_counted(engine) as writes, UnitOfWork(engine) as uow:
            try:
                importer(uow.session, path)
                uow.commit()
            except ImportFileError as exc:
                refused = True
                assert exc.problems
                assert all(str(p).startswith(name) for p in exc.problems)
                assert not any(c in str(p) for p in exc.problems for c in "\x00\r\n")
        if refused:
            assert writes == []
            assert snapshot(engine) == before

    check()
