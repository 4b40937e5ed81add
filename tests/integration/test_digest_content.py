"""The morning digest as a team reads it, on a fixed roster, in English and Chinese.

The texts are golden files in ``tests/fixtures/digest``; after a deliberate change of the
wording, write them again with ``SHIFTBOT_UPDATE_GOLDEN=1 pytest tests/integration/
test_digest_content.py`` and read the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.cli import main
from bot.core.digest import digest_json, digest_text
from bot.i18n import to_simplified, words
from bot.services.digest import DigestView, digest_day
from storage.importers import import_volume
from storage.unit_of_work import UnitOfWork
from tests.integration import digest_world as world

GOLDEN = Path(__file__).parents[1] / "fixtures" / "digest"
UPDATE = os.environ.get("SHIFTBOT_UPDATE_GOLDEN") == "1"

GAPS = date(2026, 12, 1)
NO_GAPS = date(2026, 12, 2)
DST = date(2026, 3, 29)


@pytest.fixture
def team(engine: Engine, tmp_path: Path) -> Engine:
    world.build(engine, tmp_path)
    return engine


def digest(engine: Engine, day: date, team: str = world.TEAM) -> DigestView:
    tz = world.BERLIN if team == world.NIGHT else world.TZ
    with UnitOfWork(engine, read_only=True) as uow:
        return digest_day(uow, team, day, world.morning(day, tz))


def matches_golden(name: str, text: str) -> bool:
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(text + "\n", encoding="utf-8")
    return path.read_text(encoding="utf-8") == text + "\n"


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
@pytest.mark.parametrize(
    ("name", "team_name", "day"),
    [("gaps", world.TEAM, GAPS), ("no_gaps", world.TEAM, NO_GAPS), ("dst", world.NIGHT, DST)],
)
def test_the_digest_reads_as_its_golden_file(
    team: Engine, lang: str, name: str, team_name: str, day: date
) -> None:
    world.set_language(team, team_name, lang)
    view = digest(team, day, team_name)
    assert view.lang == lang
    assert matches_golden(f"{name}.{lang}", digest_text(view))


def test_simplified_chinese_is_the_traditional_digest_converted(team: Engine) -> None:
    world.set_language(team, world.TEAM, "zh-Hans")
    view = digest(team, GAPS)
    traditional = digest_text(view, words("zh-Hant", view.skill_names))
    simplified = digest_text(view)
    assert simplified != traditional
    assert "晨间摘要" in simplified and "信用卡" in simplified
    assert simplified.splitlines()[1] == to_simplified(traditional.splitlines()[1])


def test_a_day_with_gaps_names_the_biggest_and_who_could_cover_it(team: Engine) -> None:
    view = digest(team, GAPS)
    assert view.biggest is not None and view.biggest.worst is not None
    worst = view.biggest.worst
    every_gap = [r for r in view.staffing.rows if r.gap < 0]
    assert worst.gap == min(r.gap for r in every_gap)
    assert (worst.skill, f"{worst.start:%H:%M}", worst.required) == ("cards", "10:00", 5)
    # Eve is sick and Dan on leave: neither is asked to cover, although both have Cards.
    assert [c.agent_id for c in view.cover] == ["lin"]
    assert {a.person.agent_id: a.why for a in view.off} == {"dan": "leave", "eve": "sick"}
    assert [(o.request.id if o.request else None) for o in view.open_shifts] == [2, 3]


def test_a_day_without_gaps_has_no_biggest_gap_and_shows_who_covers(team: Engine) -> None:
    view = digest(team, NO_GAPS)
    assert view.gaps == () and view.biggest is None and view.cover == ()
    assert [(a.person.agent_id, a.covered_by) for a in view.off] == [("eve", "Lin Huang")]


def test_the_dst_night_runs_on_across_the_missing_hour(team: Engine) -> None:
    view = digest(team, DST, world.NIGHT)
    starts = [f"{r.start:%H:%M}" for r in view.staffing.rows]
    assert "02:00" not in starts and len(starts) == 14
    assert len(view.gaps) == 1
    assert (f"{view.gaps[0].start:%H:%M}", f"{view.gaps[0].end:%H:%M}") == ("00:00", "08:00")


def test_yesterday_is_judged_from_its_call_history_only(team: Engine) -> None:
    today = digest(team, GAPS)
    assert today.yesterday is not None
    assert today.yesterday.day == date(2026, 11, 30)
    assert round(today.yesterday.calls) == 410 and not today.yesterday.met
    # Tuesday's volume is a forecast, not history: Wednesday's digest has no yesterday line.
    assert digest(team, NO_GAPS).yesterday is None


def test_the_digest_uses_the_staffing_commands_numbers(
    team: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--database-url", db_url]
    assert main([*argv, "staffing", "--team", world.TEAM, "--date", "2026-12-01", "--json"]) == 0
    staffing = json.loads(capsys.readouterr().out)
    code = main(
        [
            *argv,
            "digest",
            "--team",
            world.TEAM,
            "--date",
            "2026-12-01",
            "--format",
            "json",
            "--now",
            "2026-12-01T07:55+08:00",
        ]
    )
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    assert got["intervals"] == staffing["intervals"]
    assert got["weighted_service_level"] == staffing["weighted_service_level"]
    assert got["text"] == digest_text(digest(team, GAPS))


def test_the_digest_needs_no_write_lock(team: Engine) -> None:
    with team.connect() as writer:
        holding = writer.begin()
        if team.dialect.name == "sqlite":
            writer.exec_driver_sql("UPDATE team SET reminder_hours = reminder_hours")
        else:
            writer.execute(text("LOCK TABLE team, shift, request IN EXCLUSIVE MODE"))
        view = digest(team, GAPS)
        holding.rollback()
    assert view.biggest is not None


def test_the_json_holds_every_part_of_the_digest(team: Engine) -> None:
    data = digest_json(digest(team, GAPS))
    assert data["date"] == "2026-12-01" and data["timezone"] == "Asia/Taipei"
    assert [g["skill"] for g in data["gaps"]] == ["cards", "loans", "cards", "cards"]
    assert data["biggest_gap"]["worst"]["interval_start"] == "2026-12-01T10:00"
    assert [p["request_id"] for p in data["pending"]] == [5]
    impact = data["pending"][0]["impact"][0]
    assert impact["sl_after"] < impact["sl_before"]
    assert data["yesterday"]["met"] is False
    json.dumps(data)


def test_a_day_of_history_without_a_roster_is_not_judged(team: Engine, tmp_path: Path) -> None:
    (tmp_path / "sunday.csv").write_text(
        "interval_start,skill,calls,aht_seconds\n2026-11-29T10:00,cards,12,240\n"
    )
    with UnitOfWork(team) as uow:
        import_volume(uow.session, tmp_path / "sunday.csv", world.TEAM, now=world.ACTED)
        uow.commit()
    assert digest(team, date(2026, 11, 30)).yesterday is None
