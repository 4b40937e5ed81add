"""The demo files: contract formats, a rule-clean roster, realistic demand."""

from __future__ import annotations

import csv
import itertools
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot import demo_data
from bot.demo_data import DemoFiles, write_demo_files

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_files(tmp_path_factory.mktemp("demo"), TODAY)


@pytest.fixture(scope="module", params=[date(2027, 1, 30), date(2026, 3, 1)], ids=str)
def other_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> DemoFiles:
    day: date = request.param
    return write_demo_files(tmp_path_factory.mktemp("demo"), day, seed=11)


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


# Formats -----------------------------------------------------------------------------


def test_csv_files_parse_with_the_csv_module_and_have_the_contract_headers(demo: DemoFiles) -> None:
    expected = {
        demo.agents: [
            "agent_id",
            "name",
            "role",
            "skills",
            "slack_user_id",
            "telegram_user_id",
            "weekly_hours",
            "shift_hours",
        ],
        demo.shifts: ["agent_id", "date", "start", "end", "skill", "breaks"],
        demo.volume: ["interval_start", "skill", "calls", "aht_seconds"],
    }
    for path, header in expected.items():
        fields, rows = read_rows(path)
        assert fields == header, path.name
        assert rows, path.name
        assert all(None not in row and all(v is not None for v in row.values()) for row in rows)


def test_teams_file_is_toml_with_one_team_and_the_default_rules(demo: DemoFiles) -> None:
    data = tomllib.loads(demo.teams.read_text(encoding="utf-8"))
    [team] = data["team"]
    assert team["name"] == "card-hotline"
    assert team["timezone"] == "Asia/Taipei"
    assert team["interval_minutes"] == 30
    assert team["digest_time"] == "08:00"
    assert team["service_level"] == pytest.approx(0.80)
    assert team["target_seconds"] == 20
    assert team["max_occupancy"] == pytest.approx(0.85)
    assert team["shrinkage"] == pytest.approx(0.30)
    assert team["rules"] == {
        "min_rest_hours": 11,
        "max_weekly_hours": 48,
        "max_consecutive_days": 6,
        "swap_cutoff_hours": 12,
        "max_off_per_day": 2,
        "approval": "lead",
    }


def test_there_are_at_least_60_agents_and_4_leads_two_of_them_on_the_phones(
    demo: DemoFiles,
) -> None:
    _, agents = read_rows(demo.agents)
    _, shifts = read_rows(demo.shifts)
    roles = [a["role"] for a in agents]
    assert set(roles) == {"agent", "lead"}
    assert roles.count("agent") >= 60
    assert roles.count("lead") >= 4
    leads = {a["agent_id"] for a in agents if a["role"] == "lead"}
    assert len(leads & {s["agent_id"] for s in shifts}) >= 2


def test_agent_ids_are_unique_lowercase_first_names_with_chat_ids(demo: DemoFiles) -> None:
    _, agents = read_rows(demo.agents)
    ids = [a["agent_id"] for a in agents]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]{2,6}", i) for i in ids)
    assert all(len(a["name"].split()) == 2 for a in agents)
    slack = [a["slack_user_id"] for a in agents]
    assert all(re.fullmatch(r"U0[0-9A-Z]{9}", s) for s in slack)
    assert len(set(slack)) == len(slack)
    telegram = [int(a["telegram_user_id"]) for a in agents]
    assert len(set(telegram)) == len(telegram)
    hours = [int(a["weekly_hours"]) for a in agents]
    assert set(hours) <= {40} | set(range(20, 31))
    assert any(20 <= h <= 30 for h in hours)


def test_cards_is_the_biggest_queue_and_about_a_fifth_of_agents_have_two_skills(
    demo: DemoFiles,
) -> None:
    _, agents = read_rows(demo.agents)
    staff = [a for a in agents if a["role"] == "agent"]
    skill_sets = [a["skills"].split(";") for a in staff]
    assert {s for skills in skill_sets for s in skills} == {"cards", "loans", "wealth"}
    counts = {s: sum(s in skills for skills in skill_sets) for s in ("cards", "loans", "wealth")}
    assert counts["cards"] > counts["loans"] > counts["wealth"]
    multi = sum(len(skills) == 2 for skills in skill_sets) / len(staff)
    assert 0.12 <= multi <= 0.30


# The roster, checked against the rules by an independent implementation ---------------


@dataclass(frozen=True)
class Worked:
    agent_id: str
    day: date
    start: datetime
    end: datetime
    skill: str
    breaks: tuple[tuple[datetime, datetime], ...]


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time())


def roster(files: DemoFiles) -> list[Worked]:
    _, rows = read_rows(files.shifts)
    shifts = []
    for row in rows:
        day = date.fromisoformat(row["date"])
        start = at(day, row["start"])
        end = at(day, row["end"])
        if end <= start:
            end += timedelta(days=1)
        breaks = tuple(
            (at(day, b.split("-")[0]), at(day, b.split("-")[1]))
            for b in row["breaks"].split(";")
            if b
        )
        shifts.append(Worked(row["agent_id"], day, start, end, row["skill"], breaks))
    return shifts


def by_agent(shifts: list[Worked]) -> Iterator[tuple[str, list[Worked]]]:
    grouped: dict[str, list[Worked]] = defaultdict(list)
    for shift in shifts:
        grouped[shift.agent_id].append(shift)
    for agent_id, own in sorted(grouped.items()):
        yield agent_id, sorted(own, key=lambda s: s.start)


def rule_breaches(files: DemoFiles) -> list[str]:
    _, agents = read_rows(files.agents)
    skills = {a["agent_id"]: set(a["skills"].split(";")) for a in agents}
    breaches = []
    for agent_id, own in by_agent(roster(files)):
        for shift in own:
            if shift.skill not in skills.get(agent_id, set()):
                breaches.append(f"skill: {agent_id} {shift.day} {shift.skill}")
        for before, after in itertools.pairwise(own):
            gap = after.start - before.end
            if gap < timedelta(0):
                breaches.append(f"overlap: {agent_id} {before.day} {after.day}")
            elif gap < timedelta(hours=11):
                breaches.append(f"min_rest_hours: {agent_id} {before.end} → {after.start}")
        weekly: dict[tuple[int, int], float] = defaultdict(float)
        for shift in own:
            iso = shift.day.isocalendar()
            weekly[(iso.year, iso.week)] += (shift.end - shift.start).total_seconds() / 3600
        breaches += [f"max_weekly_hours: {agent_id} {w} {h}" for w, h in weekly.items() if h > 48]
        days = sorted({s.day for s in own})
        run = 1
        for previous, current in itertools.pairwise(days):
            run = run + 1 if current - previous == timedelta(days=1) else 1
            if run > 6:
                breaches.append(f"max_consecutive_days: {agent_id} up to {current}")
    return breaches


def test_every_demo_shift_obeys_the_default_rules(demo: DemoFiles) -> None:
    assert rule_breaches(demo) == []


def test_the_rule_check_itself_catches_each_kind_of_breach(tmp_path: Path) -> None:
    agents = tmp_path / "agents.csv"
    shifts = tmp_path / "shifts.csv"
    agents.write_text(
        "agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours\n"
        "zed,Zed Wu,agent,cards,,,40\n",
        encoding="utf-8",
    )
    rows = ["agent_id,date,start,end,skill,breaks"]
    rows.append("zed,2026-11-02,14:00,22:00,cards,18:00-19:00")
    rows.append("zed,2026-11-03,08:00,16:00,cards,12:00-13:00")
    rows.append("zed,2026-11-04,08:00,16:00,loans,12:00-13:00")
    rows.append("zed,2026-11-05,08:00,20:00,cards,12:00-13:00")
    rows.append("zed,2026-11-05,19:00,21:00,cards,")
    rows += [f"zed,2026-11-{d:02d},08:00,20:00,cards,12:00-13:00" for d in range(6, 10)]
    shifts.write_text("\n".join(rows) + "\n", encoding="utf-8")
    files = DemoFiles(agents, agents, shifts, shifts, {}, "zed", "zed", "zed")
    kinds = {breach.split(":")[0] for breach in rule_breaches(files)}
    assert kinds == {
        "skill",
        "overlap",
        "min_rest_hours",
        "max_weekly_hours",
        "max_consecutive_days",
    }


def test_the_roster_obeys_the_rules_for_other_days_and_seeds(other_demo: DemoFiles) -> None:
    assert rule_breaches(other_demo) == []


def test_shifts_fall_in_opening_hours_with_staggered_breaks_inside_them(demo: DemoFiles) -> None:
    shifts = roster(demo)
    for shift in shifts:
        assert shift.start.time() >= at(shift.day, "08:00").time()
        assert shift.end <= at(shift.day, "22:00")
        assert len(shift.breaks) >= 1
        for start, end in shift.breaks:
            assert shift.start < start < end < shift.end
            assert timedelta(minutes=30) <= end - start <= timedelta(minutes=60)
    lunches = {b[0] for s in shifts if s.start.hour == 8 for b in s.breaks}
    assert len({t.time() for t in lunches}) >= 3


def test_the_roster_covers_28_days_from_today(demo: DemoFiles) -> None:
    days = {s.day for s in roster(demo)}
    assert min(days) == TODAY
    assert max(days) == TODAY + timedelta(days=27)
    assert len(days) == 28


def coverage(files: DemoFiles) -> dict[tuple[date, str], np.ndarray]:
    """Agents on the phones (not on a break) per day, skill and demo interval."""
    slots = demo_data.INTERVAL_STARTS
    table: dict[tuple[date, str], np.ndarray] = defaultdict(lambda: np.zeros(len(slots)))
    for shift in roster(files):
        midnight = datetime.combine(shift.day, datetime.min.time())
        for i, minute in enumerate(slots):
            moment = midnight + timedelta(minutes=minute)
            on_break = any(a <= moment < b for a, b in shift.breaks)
            if shift.start <= moment < shift.end and not on_break:
                table[(shift.day, shift.skill)][i] += 1
    return table


def test_staffing_is_mostly_met_with_a_few_gaps(demo: DemoFiles) -> None:
    on_phones = coverage(demo)
    short = required = 0
    for offset in range(28):
        day = TODAY + timedelta(days=offset)
        for skill in demo_data.SKILLS:
            need = np.array(
                [
                    demo_data.required_agents(skill, day, i, TODAY)
                    for i in range(len(demo_data.INTERVAL_STARTS))
                ]
            )
            short += int(np.clip(need - on_phones[(day, skill)], 0, None).sum())
            required += int(need.sum())
    assert 0.005 < short / required < 0.08


# The tour ----------------------------------------------------------------------------


def test_the_tour_pair_work_different_cards_shifts_tomorrow_and_the_same_the_day_after(
    demo: DemoFiles, other_demo: DemoFiles
) -> None:
    for files in (demo, other_demo):
        first = date.fromisoformat(str(files.summary["roster_from"]))
        shifts = {(s.agent_id, s.day): s for s in roster(files)}
        tomorrow = first + timedelta(days=1)
        mine = shifts[(files.demo_agent, tomorrow)]
        theirs = shifts[(files.demo_partner, tomorrow)]
        assert (mine.start.hour, mine.end.hour, mine.skill) == (14, 22, "cards")
        assert (theirs.start.hour, theirs.end.hour, theirs.skill) == (12, 20, "cards")
        after = first + timedelta(days=2)
        mine, theirs = shifts[(files.demo_agent, after)], shifts[(files.demo_partner, after)]
        assert (mine.start, mine.end, mine.skill) == (theirs.start, theirs.end, theirs.skill)
        assert mine.start.hour >= 12
        _, agents = read_rows(files.agents)
        info = {a["agent_id"]: a for a in agents}
        assert info[files.demo_agent]["skills"] == info[files.demo_partner]["skills"]
        assert info[files.demo_lead]["role"] == "lead"


def test_on_the_tour_leave_day_the_others_cover_the_demo_agents_shift_with_one_to_spare(
    demo: DemoFiles, other_demo: DemoFiles
) -> None:
    for files in (demo, other_demo):
        first = date.fromisoformat(str(files.summary["roster_from"]))
        day = first + timedelta(days=2)
        slots = demo_data.INTERVAL_STARTS
        others = np.zeros(len(slots))
        mine = np.zeros(len(slots), dtype=bool)
        for shift in roster(files):
            if shift.day != day or shift.skill != "cards":
                continue
            midnight = datetime.combine(day, datetime.min.time())
            for i, minute in enumerate(slots):
                moment = midnight + timedelta(minutes=minute)
                on = shift.start <= moment < shift.end and not any(
                    a <= moment < b for a, b in shift.breaks
                )
                if on and shift.agent_id == files.demo_agent:
                    mine[i] = True
                elif on:
                    others[i] += 1
        need = np.array(
            [demo_data.required_agents("cards", day, i, first) for i in range(len(slots))]
        )
        assert mine.any()
        assert (others[mine] >= need[mine] + 1).all()


def test_the_tour_mentions_the_partner_and_uses_relative_dates() -> None:
    assert f"swap tomorrow with @{demo_data.DEMO_PARTNER}" in demo_data.TOUR
    assert {"mine", "help", "roster tomorrow", "staffing tomorrow", "sick tomorrow"} <= set(
        demo_data.TOUR
    )
    assert any(command.startswith("leave ") for command in demo_data.TOUR)


# Determinism and summary -------------------------------------------------------------


def test_the_same_seed_and_day_give_identical_bytes(demo: DemoFiles, tmp_path: Path) -> None:
    again = write_demo_files(tmp_path / "again", TODAY)
    for name in ("teams", "agents", "shifts", "volume"):
        assert getattr(again, name).read_bytes() == getattr(demo, name).read_bytes(), name
    assert again.summary == demo.summary


def test_another_seed_gives_another_history(demo: DemoFiles, tmp_path: Path) -> None:
    other = write_demo_files(tmp_path / "other", TODAY, seed=8)
    assert other.volume.read_bytes() != demo.volume.read_bytes()


def test_the_summary_counts_what_the_files_hold(demo: DemoFiles) -> None:
    _, agents = read_rows(demo.agents)
    _, shifts = read_rows(demo.shifts)
    _, volume = read_rows(demo.volume)
    assert demo.summary["agents"] == sum(a["role"] == "agent" for a in agents)
    assert demo.summary["leads"] == sum(a["role"] == "lead" for a in agents)
    assert demo.summary["shifts"] == len(shifts)
    assert demo.summary["volume_rows"] == len(volume)
    assert demo.summary["team"] == "card-hotline"


# Volume ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def volume(demo: DemoFiles) -> list[tuple[datetime, str, int, int]]:
    _, rows = read_rows(demo.volume)
    return [
        (
            datetime.strptime(r["interval_start"], "%Y-%m-%dT%H:%M"),
            r["skill"],
            int(r["calls"]),
            int(r["aht_seconds"]),
        )
        for r in rows
    ]


def test_volume_has_8_weeks_of_every_half_hour_from_8_to_2130_per_skill(
    volume: list[tuple[datetime, str, int, int]],
) -> None:
    stamps = {v[0] for v in volume}
    days = {s.date() for s in stamps}
    assert min(days) == TODAY - timedelta(days=56)
    assert max(days) == TODAY - timedelta(days=1)
    assert len(days) == 56
    times = sorted({s.time() for s in stamps})
    assert times[0].isoformat(timespec="minutes") == "08:00"
    assert times[-1].isoformat(timespec="minutes") == "21:30"
    assert len(times) == 28
    assert len(volume) == 56 * 28 * 3
    assert len({(v[0], v[1]) for v in volume}) == len(volume)


def daily_totals(volume: list[tuple[datetime, str, int, int]], skill: str) -> dict[date, int]:
    totals: dict[date, int] = defaultdict(int)
    for stamp, s, calls, _ in volume:
        if s == skill:
            totals[stamp.date()] += calls
    return totals


def test_mondays_and_fridays_are_busier_than_midweek_and_weekends_quieter(
    volume: list[tuple[datetime, str, int, int]],
) -> None:
    for skill in demo_data.SKILLS:
        totals = daily_totals(volume, skill)
        mean = {wd: np.mean([v for d, v in totals.items() if d.weekday() == wd]) for wd in range(7)}
        midweek = np.mean([mean[1], mean[2], mean[3]])
        assert mean[0] > 1.1 * midweek, skill
        assert mean[4] > 1.05 * midweek, skill
        assert max(mean[5], mean[6]) < 0.8 * midweek, skill


def test_loans_peak_from_the_10th_to_the_20th_of_the_month(
    volume: list[tuple[datetime, str, int, int]],
) -> None:
    def weekday_mean(skill: str, mid_month: bool) -> float:
        totals = daily_totals(volume, skill)
        return float(
            np.mean(
                [
                    v
                    for d, v in totals.items()
                    if d.weekday() < 5 and (10 <= d.day <= 20) == mid_month
                ]
            )
        )

    assert weekday_mean("loans", True) > 1.2 * weekday_mean("loans", False)
    assert weekday_mean("cards", True) < 1.1 * weekday_mean("cards", False)


def test_the_day_has_a_morning_ramp_a_lunch_dip_and_an_evening_decline(
    volume: list[tuple[datetime, str, int, int]],
) -> None:
    by_time: dict[str, int] = defaultdict(int)
    for stamp, skill, calls, _ in volume:
        if skill == "cards" and stamp.weekday() < 5:
            by_time[stamp.strftime("%H:%M")] += calls
    assert by_time["08:00"] < by_time["10:00"]
    assert by_time["12:30"] < by_time["10:30"]
    assert by_time["12:30"] < by_time["14:30"]
    assert by_time["21:30"] < 0.5 * by_time["14:30"]


def test_peak_calls_and_handling_times_are_realistic_per_skill(
    volume: list[tuple[datetime, str, int, int]],
) -> None:
    ranges = {"cards": (100, 250, 240), "loans": (30, 80, 420), "wealth": (10, 25, 600)}
    for skill, (low, high, aht) in ranges.items():
        calls = [v[2] for v in volume if v[1] == skill]
        peak = float(np.percentile(calls, 99))
        assert low <= peak <= high, (skill, peak)
        weighted = sum(v[2] * v[3] for v in volume if v[1] == skill) / sum(calls)
        assert weighted == pytest.approx(aht, rel=0.06)
    assert all(v[2] >= 0 and v[3] > 0 for v in volume)


def test_demand_grows_mildly_over_the_history(
    volume: list[tuple[datetime, str, int, int]],
) -> None:
    totals = daily_totals(volume, "cards")
    first = sum(v for d, v in totals.items() if d < TODAY - timedelta(days=28))
    last = sum(v for d, v in totals.items() if d >= TODAY - timedelta(days=28))
    assert 1.0 < last / first < 1.06
