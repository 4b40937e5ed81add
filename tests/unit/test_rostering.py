"""Roster generation: every roster keeps every rule, honours contracts and is close to the bound."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import rostering
from planner.model import AgentInfo, Demand, Leave, ServiceTarget, Shift, TeamRules
from planner.rostering import (
    RosterAgent,
    RosterProblem,
    RosterResult,
    ShiftTemplate,
    generate_roster,
    roster_requirement,
)
from planner.rules import RosterChange, RosterContext, Violation, validate
from planner.staffing import coverage

TPE = ZoneInfo("Asia/Taipei")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 6, 8)
TARGET = ServiceTarget(service_level=0.8, target_seconds=20)


def template(
    name: str, start: str, hours: float, window: tuple[str, str] | None = None, minutes: int = 30
) -> ShiftTemplate:
    return ShiftTemplate(
        name=name,
        start=time.fromisoformat(start),
        hours=hours,
        break_minutes=minutes if window else 0,
        break_window=(time.fromisoformat(window[0]), time.fromisoformat(window[1]))
        if window
        else None,
    )


TEMPLATES = (
    template("early", "07:00", 8, ("10:00", "12:00")),
    template("day", "09:00", 8, ("12:00", "14:00")),
    template("late", "14:00", 8, ("17:00", "19:00")),
    template("short-am", "08:00", 4),
    template("short-pm", "17:00", 4),
)


def agent(
    agent_id: str, *skills: str, hours: float = 40, lengths: Sequence[float] = (8,)
) -> RosterAgent:
    return RosterAgent(
        agent_id=agent_id,
        name=agent_id.capitalize(),
        skills=frozenset(skills),
        weekly_hours=hours,
        shift_hours=frozenset(float(h) for h in lengths),
    )


def demand(
    monday: date,
    tz: ZoneInfo,
    per_skill: dict[str, float],
    interval: int = 1800,
    days: int = 7,
) -> Demand:
    """A two-peak day from 07:00 to 22:00, thinner at the weekend."""
    starts: list[datetime] = []
    calls: dict[str, list[float]] = {s: [] for s in per_skill}
    step = timedelta(seconds=interval)
    for d in range(days):
        day = monday + timedelta(days=d)
        local = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        while local < end:
            starts.append(local)
            hour = local.astimezone(tz).hour + local.astimezone(tz).minute / 60
            shape = 0.0
            if 7 <= hour < 22:
                shape = (
                    0.3
                    + math.exp(-(((hour - 11) / 2) ** 2))
                    + 0.8 * math.exp(-(((hour - 16) / 2) ** 2))
                )
            if day.weekday() >= 5:
                shape *= 0.6
            for skill, scale in per_skill.items():
                calls[skill].append(round(shape * scale))
            local += step
    return Demand(
        interval_starts=tuple(starts),
        interval_seconds=interval,
        calls={s: tuple(v) for s, v in calls.items()},
        aht_seconds={s: tuple([300.0] * len(starts)) for s in per_skill},
    )


def problem(
    agents: Sequence[RosterAgent],
    *,
    per_skill: dict[str, float] | None = None,
    monday: date = MONDAY,
    tz: ZoneInfo = TPE,
    templates: Sequence[ShiftTemplate] = TEMPLATES,
    history: Sequence[Shift] = (),
    leaves: Sequence[Leave] = (),
    kept: Sequence[Shift] = (),
    rules: TeamRules | None = None,
) -> RosterProblem:
    return RosterProblem(
        week=monday,
        tz=tz,
        rules=rules or TeamRules(),
        target=TARGET,
        templates=tuple(templates),
        agents=tuple(agents),
        demand=demand(monday, tz, per_skill or {"cards": 20.0}),
        leaves=tuple(leaves),
        history=tuple(history),
        kept=tuple(kept),
    )


def local_shift(
    agent_id: str, day: date, start: str, hours: float, skill: str = "cards", tz: ZoneInfo = TPE
) -> Shift:
    begin = datetime.combine(day, time.fromisoformat(start), tzinfo=tz).astimezone(UTC)
    return Shift(agent_id, day, begin, begin + timedelta(hours=hours), skill, id=-1)


def broken_rules(p: RosterProblem, result: RosterResult) -> list[Violation]:
    """Every rule the new shifts break, judged by planner.rules as a lead's change."""
    infos = {
        a.agent_id: AgentInfo(a.agent_id, a.name, a.skills, weekly_hours=a.weekly_hours)
        for a in p.agents
    }
    ctx = RosterContext(
        tz=p.tz,
        rules=p.rules,
        target=p.target,
        agents=infos,
        shifts=p.history + p.kept,
        leaves=p.leaves,
        now=datetime.combine(p.week, time(0), tzinfo=p.tz).astimezone(UTC),
    )
    return validate(
        RosterChange(kind="cover", requester="lead", add=result.shifts, by_lead=True), ctx
    )


def mine(result: RosterResult, agent_id: str) -> list[Shift]:
    return [s for s in result.shifts if s.agent_id == agent_id]


def local_start(s: Shift, tz: ZoneInfo = TPE) -> time:
    return s.start.astimezone(tz).time()


TEAM = [
    agent("amy", "cards"),
    agent("bob", "cards"),
    agent("cai", "cards", "loans"),
    agent("dee", "loans"),
    agent("eli", "cards"),
    agent("fay", "cards", hours=20, lengths=(4,)),
    agent("gus", "loans", hours=20, lengths=(4,)),
]
TWO_SKILLS = {"cards": 16.0, "loans": 8.0}


@pytest.fixture(scope="module")
def solved() -> tuple[RosterProblem, RosterResult]:
    p = problem(TEAM, per_skill=TWO_SKILLS)
    return p, generate_roster(p, time_limit=20)


def test_the_solver_roster_keeps_every_rule_for_every_agent(
    solved: tuple[RosterProblem, RosterResult],
) -> None:
    p, result = solved
    assert result.status in ("optimal", "feasible")
    assert broken_rules(p, result) == []
    assert result.dropped == ()


def test_every_agent_gets_their_contracted_hours_in_their_shift_lengths(
    solved: tuple[RosterProblem, RosterResult],
) -> None:
    p, result = solved
    for a in p.agents:
        shifts = mine(result, a.agent_id)
        assert sum(s.hours for s in shifts) == pytest.approx(a.weekly_hours)
        assert {s.hours for s in shifts} <= a.shift_hours
        assert len({s.local_date for s in shifts}) == len(shifts)
    assert all(c.reason is None for c in result.contracts)


def test_multi_skilled_agents_take_calls_only_in_their_skills(
    solved: tuple[RosterProblem, RosterResult],
) -> None:
    p, result = solved
    skills = {a.agent_id: a.skills for a in p.agents}
    assert all(s.skill in skills[s.agent_id] for s in result.shifts)
    assert {s.skill for s in result.shifts} == {"cards", "loans"}


def test_the_figures_are_those_of_the_staffing_coverage(
    solved: tuple[RosterProblem, RosterResult],
) -> None:
    p, result = solved
    need = roster_requirement(p.demand, p.target)
    covered = coverage(result.shifts, p.demand.interval_starts, p.demand.interval_seconds, need)
    short = sum(float(np.clip(need[k] - covered[k], 0, None).sum()) for k in need)
    assert result.understaffed == pytest.approx(short)
    assert result.required == pytest.approx(sum(float(v.sum()) for v in need.values()))
    assert 0 <= result.lower_bound <= result.understaffed + 1e-9


def test_breaks_lie_inside_their_window_and_shift(
    solved: tuple[RosterProblem, RosterResult],
) -> None:
    _p, result = solved
    for s in result.shifts:
        if s.hours == 8:
            assert len(s.breaks) == 1
            (brk,) = s.breaks
            assert s.start < brk.start < brk.end < s.end
            assert brk.seconds == 1800
            offset = (brk.start - s.start).total_seconds() / 3600
            assert 3 <= offset <= 5
        else:
            assert s.breaks == ()


def test_the_fallback_answers_when_the_solver_gets_no_time() -> None:
    p = problem(TEAM, per_skill=TWO_SKILLS)
    result = generate_roster(p, time_limit=0)
    assert result.status in ("fallback", "optimal")
    assert result.solver_rounds == 0
    assert broken_rules(p, result) == []
    assert all(c.reason is None for c in result.contracts)
    assert result.seconds < 10


def test_a_stop_request_returns_the_heuristic_roster() -> None:
    p = problem(TEAM, per_skill=TWO_SKILLS)
    result = generate_roster(p, time_limit=60, should_stop=lambda: True)
    assert result.status in ("fallback", "optimal")
    assert broken_rules(p, result) == []
    assert result.seconds < 10


def test_a_sunday_late_shift_before_the_week_forbids_a_monday_early_start() -> None:
    team = [agent("amy", "cards"), agent("bob", "cards")]
    sunday = MONDAY - timedelta(days=1)
    history = [local_shift("amy", sunday, "14:00", 8)]  # ends 22:00: no start before 09:00
    p = problem(team, history=history, per_skill={"cards": 6.0})
    for limit in (0, 10):
        result = generate_roster(p, time_limit=limit)
        assert broken_rules(p, result) == []
        monday = [s for s in mine(result, "amy") if s.local_date == MONDAY]
        assert all(local_start(s) >= time(9) for s in monday)


def test_a_six_day_run_before_the_week_keeps_monday_off() -> None:
    team = [agent("amy", "cards"), agent("bob", "cards")]
    history = [local_shift("amy", MONDAY - timedelta(days=d), "09:00", 8) for d in range(1, 7)]
    p = problem(team, history=history, per_skill={"cards": 6.0})
    for limit in (0, 10):
        result = generate_roster(p, time_limit=limit)
        assert broken_rules(p, result) == []
        assert all(s.local_date != MONDAY for s in mine(result, "amy"))
        assert sum(s.hours for s in mine(result, "amy")) == 40


def test_leave_days_get_no_shift_and_count_towards_the_contract() -> None:
    team = [agent("amy", "cards"), agent("bob", "cards")]
    off = [Leave("amy", MONDAY + timedelta(days=2)), Leave("amy", MONDAY + timedelta(days=3))]
    p = problem(team, leaves=off, per_skill={"cards": 8.0})
    result = generate_roster(p, time_limit=10)
    assert broken_rules(p, result) == []
    amy = mine(result, "amy")
    assert {s.local_date for s in amy}.isdisjoint({lv.day for lv in off})
    assert sum(s.hours for s in amy) == 24
    (outcome,) = [c for c in result.contracts if c.agent_id == "amy"]
    assert (outcome.leave_hours, outcome.wanted_hours, outcome.reason) == (16, 24, None)


def test_kept_shifts_stay_take_their_day_and_count_towards_the_hours() -> None:
    team = [agent("amy", "cards"), agent("bob", "cards")]
    wednesday = MONDAY + timedelta(days=2)
    kept = [local_shift("amy", wednesday, "10:00", 8)]
    p = problem(team, kept=kept, per_skill={"cards": 8.0})
    result = generate_roster(p, time_limit=0)
    assert broken_rules(p, result) == []
    amy = mine(result, "amy")
    assert wednesday not in {s.local_date for s in amy}
    assert sum(s.hours for s in amy) == 32


def test_part_timers_work_their_own_shift_length() -> None:
    team = [agent("amy", "cards", hours=20, lengths=(4,)), agent("bob", "cards")]
    p = problem(team, per_skill={"cards": 6.0})
    result = generate_roster(p, time_limit=0)
    assert {s.hours for s in mine(result, "amy")} == {4}
    assert sum(s.hours for s in mine(result, "amy")) == 20


def test_agents_without_a_contract_are_not_rostered() -> None:
    team = [agent("amy", "cards"), agent("lead", "cards", hours=0)]
    p = problem(team, per_skill={"cards": 6.0})
    result = generate_roster(p, time_limit=0)
    assert mine(result, "lead") == []
    assert [c.agent_id for c in result.contracts] == ["amy"]


def test_contracts_the_rules_cannot_meet_are_named_with_the_reason() -> None:
    team = [
        agent("odd", "cards", hours=44),  # 8 h shifts cannot make 44 h
        agent("big", "cards", hours=56),  # more than max_weekly_hours 48
        agent("none", "cards", hours=40, lengths=(6,)),  # no 6 h template
    ]
    p = problem(team, per_skill={"cards": 6.0})
    result = generate_roster(p, time_limit=0)
    reasons = {c.agent_id: (c.reason, c.scheduled_hours) for c in result.contracts}
    assert reasons == {
        "odd": ("shift_hours", 40),
        "big": ("max_weekly_hours", 48),
        "none": ("no_template", 0),
    }
    assert broken_rules(p, result) == []


def test_a_dst_week_keeps_real_hours_and_every_rule() -> None:
    monday = date(2026, 3, 23)  # Europe/Berlin springs forward on Sunday 29 March
    templates = (
        *TEMPLATES,
        template("night", "22:00", 8),
        template("ghost", "02:30", 4),  # 02:30 does not exist on the 29th
    )
    team = [
        agent("amy", "cards"),
        agent("bob", "cards"),
        agent("cai", "cards", hours=20, lengths=(4,)),
    ]
    p = problem(team, monday=monday, tz=BERLIN, templates=templates, per_skill={"cards": 8.0})
    result = generate_roster(p, time_limit=10)
    assert broken_rules(p, result) == []
    sunday = monday + timedelta(days=6)
    for s in result.shifts:
        assert s.hours in (4, 8)
        if s.local_date == sunday:
            assert local_start(s, BERLIN) != time(2, 30)
    need = roster_requirement(p.demand, p.target)
    assert len(p.demand.interval_starts) == 7 * 48 - 2
    assert result.required == sum(float(v.sum()) for v in need.values())


def test_comparable_agents_share_late_and_weekend_shifts_evenly() -> None:
    team = [agent(f"a{i}", "cards") for i in range(6)]
    p = problem(team, per_skill={"cards": 12.0})
    result = generate_roster(p, time_limit=15)
    assert broken_rules(p, result) == []
    (group,) = result.fairness
    assert group.agents == 6
    assert group.late_spread <= 1
    assert group.weekend_spread <= 1


def brute_force_optimum(p: RosterProblem) -> float:
    """The fewest agent-intervals short over every roster of two agents (no rest clashes)."""
    need = roster_requirement(p.demand, p.target)["cards"]
    starts, length = p.demand.interval_starts, p.demand.interval_seconds
    covers: list[np.ndarray] = []
    for a in p.agents:
        weeks = []
        shifts_per_week = int(a.weekly_hours // 8)
        for days in itertools.combinations(range(7), shifts_per_week):
            for picks in itertools.product(p.templates, repeat=shifts_per_week):
                week = [
                    local_shift(a.agent_id, p.week + timedelta(days=d), t.start.isoformat(), 8)
                    for d, t in zip(days, picks, strict=True)
                ]
                weeks.append(coverage(week, starts, length)["cards"])
        covers.append(np.array(weeks))
    first, second = covers
    best = math.inf
    for row in first:
        short = np.clip(need - row - second, 0, None).sum(axis=1)
        best = min(best, float(short.min()))
    return best


def test_on_a_team_small_enough_to_enumerate_the_roster_is_optimal_and_the_bound_holds() -> None:
    templates = (template("day", "09:00", 8), template("mid", "13:00", 8))
    team = [agent("amy", "cards", hours=32), agent("bob", "cards", hours=24)]
    p = problem(team, templates=templates, per_skill={"cards": 1.0})
    optimum = brute_force_optimum(p)
    assert optimum > 0
    result = generate_roster(p, time_limit=10)
    assert broken_rules(p, result) == []
    assert result.lower_bound <= optimum <= result.understaffed
    assert result.understaffed == pytest.approx(optimum)
    assert result.status == "optimal"
    heuristic = generate_roster(p, time_limit=0)
    assert heuristic.lower_bound <= optimum <= heuristic.understaffed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([("cards",), ("loans",), ("cards", "loans")]),
            st.sampled_from([(40, (8,)), (20, (4,)), (32, (8, 4)), (36, (8,))]),
            st.sampled_from(["none", "sunday-late", "run", "leave"]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=3, max_value=6),
)
def test_the_heuristic_roster_keeps_every_rule_whatever_the_team(
    people: list[tuple[tuple[str, ...], tuple[int, tuple[int, ...]], str]], run_rule: int
) -> None:
    team: list[RosterAgent] = []
    history: list[Shift] = []
    leaves: list[Leave] = []
    for i, (skills, (hours, lengths), past) in enumerate(people):
        a = agent(f"a{i}", *skills, hours=hours, lengths=lengths)
        team.append(a)
        sunday = MONDAY - timedelta(days=1)
        if past == "sunday-late":
            history.append(local_shift(a.agent_id, sunday, "17:00", 4))
        elif past == "run":
            history.extend(
                local_shift(a.agent_id, sunday - timedelta(days=d), "07:00", 8) for d in range(4)
            )
        elif past == "leave":
            leaves.append(Leave(a.agent_id, MONDAY + timedelta(days=i % 7)))
    rules = TeamRules(max_consecutive_days=run_rule)
    p = problem(
        team, history=history, leaves=leaves, rules=rules, per_skill={"cards": 6.0, "loans": 4.0}
    )
    result = generate_roster(p, time_limit=0)
    assert broken_rules(p, result) == []
    assert result.dropped == ()
    for c in result.contracts:
        if c.reason is None:
            assert c.scheduled_hours == pytest.approx(c.wanted_hours)
        else:
            assert c.scheduled_hours <= c.wanted_hours
    assert 0 <= result.lower_bound <= result.understaffed + 1e-9


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 20.0), ("5", 5.0), ("0", 0.0), ("2.5", 2.5), ("-1", 20.0), ("soon", 20.0), ("1e9", 20.0)],
)
def test_the_chat_time_limit_comes_from_the_environment(value: str, seconds: float) -> None:
    from bot.services.rostering import chat_time_limit

    assert chat_time_limit({"SHIFTBOT_ROSTER_TIME_LIMIT": value}) == seconds


def test_a_proven_roster_is_the_same_every_time_for_the_same_seed(
    solved: tuple[RosterProblem, RosterResult],
) -> None:
    p, first = solved
    assert first.status == "optimal"
    again = generate_roster(p, time_limit=20)
    assert again.shifts == first.shifts
    assert (again.understaffed, again.lower_bound) == (first.understaffed, first.lower_bound)
    assert again.fairness == first.fairness


def test_a_late_shift_passes_through_a_colleague_who_shares_a_skill_with_both() -> None:
    templates = (template("early", "08:00", 8), template("late", "13:00", 8))
    team = [agent("amy", "cards"), agent("max", "cards", "loans"), agent("lou", "loans")]
    p = problem(team, templates=templates, per_skill={"cards": 8.0, "loans": 8.0})
    week = rostering._prepare(p)
    option = {(o.day, p.templates[o.template].name): o.index for o in week.options}
    cards, loans = week.skills.index("cards"), week.skills.index("loans")

    def days(*shifts: tuple[int, str, int]) -> list[tuple[int, int, int]]:
        return [(option[(d, name)], skill, -1) for d, name, skill in shifts]

    # Amy (cards only) works two late shifts, Lou (loans only) none: they share no skill, and
    # Max, between them with one, is within one of both.
    picks = {
        0: days((0, "late", cards), (1, "late", cards), *((d, "early", cards) for d in (2, 3, 4))),
        1: days((0, "late", loans), (1, "early", cards), *((d, "early", loans) for d in (2, 3, 4))),
        2: days(*((d, "early", loans) for d in range(5))),
    }
    fairer = rostering._polish(week, picks)
    late = [rostering._counts(week, fairer, a)[0] for a in range(3)]
    assert max(late) - min(late) <= 1
    assert np.array_equal(rostering._cover(week, fairer), rostering._cover(week, picks))
    for plan in week.plans:
        chosen = fairer[plan.index]
        assert rostering._valid_week(week, plan, chosen)
        assert all(week.skills[k] in plan.agent.skills for _o, k, _p in chosen)
