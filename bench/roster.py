"""Benchmark week roster generation on 60, 200 and 500 agents.

Each team has 3 skills (cards 50 %, loans 30 %, fraud 20 % of the volume; a third of the agents
take two or three of them), 8 h templates every hour from 07:00 to 14:00 with a 30-minute
break 3 to 5 hours in, and 4 h templates every two hours from 08:00 to 18:00 without one.
About 70 % of the agents work 40 h in 8 h shifts, the rest 20 h in 4 h shifts. Last week left
some agents a Sunday late shift (no Monday start before 09:00) and some a six-day run (no
Monday at all); a few have leave. Call volume follows a two-peak weekday curve with thinner
evenings and weekends, scaled so that the requirement (80/20, occupancy at most 85 %, 10 %
shrinkage) is about what the team can put on the phones.

For each size it prints the wall time, the status, understaffed agent-intervals against the
proven lower bound (and the gap), the spread (max − min) of late and weekend shifts among the
full-timers, how many agents got their contracted hours, the rule violations found by
checking every agent's week with ``planner.rules`` (expected 0), and a digest of the roster
(with ``--repeat N`` each size runs N times: a roster whose shortage the solver proved has
the same digest every time).

Run::

    .venv/bin/python bench/roster.py [--sizes 60 200 500] [--time-limit S] [--seed N]
        [--repeat N]

Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import numpy as np

from planner.model import AgentInfo, Demand, Leave, ServiceTarget, Shift, TeamRules
from planner.rostering import (
    RosterAgent,
    RosterProblem,
    RosterResult,
    ShiftTemplate,
    generate_roster,
    roster_requirement,
)
from planner.rules import RosterChange, RosterContext, validate

TZ = ZoneInfo("Europe/Berlin")
WEEK = date(2026, 6, 8)
INTERVAL = 1800
SKILLS = ("cards", "loans", "fraud")
SHARES = (0.5, 0.3, 0.2)
AHT = 300.0
TARGET = ServiceTarget(service_level=0.8, target_seconds=20, max_occupancy=0.85, shrinkage=0.1)
RULES = TeamRules()
DEFAULT_LIMITS = {60: 10.0, 200: 60.0, 500: 120.0}


def templates() -> tuple[ShiftTemplate, ...]:
    out = []
    for hour in range(7, 15):
        out.append(
            ShiftTemplate(
                name=f"d{hour:02d}",
                start=clock(hour, 0),
                hours=8,
                break_minutes=30,
                break_window=(clock(hour + 3, 0), clock(hour + 5, 0)),
            )
        )
    for hour in range(8, 19, 2):
        out.append(ShiftTemplate(name=f"p{hour:02d}", start=clock(hour, 0), hours=4))
    return tuple(out)


def _shape(day: date) -> np.ndarray:
    """Relative calls per half hour of a local day (48 values)."""
    t = np.arange(48) / 2.0
    curve = (
        1.0 * np.exp(-0.5 * ((t - 10.5) / 1.6) ** 2)
        + 0.85 * np.exp(-0.5 * ((t - 15.0) / 1.8) ** 2)
        + 0.30 * np.exp(-0.5 * ((t - 19.5) / 1.5) ** 2)
    )
    open_hours = (t >= 7.0) & (t < 22.0)
    curve = np.where(open_hours, curve + 0.08, 0.0)
    if day.weekday() >= 5:
        curve *= 0.55
    return curve


def _demand(scale: dict[str, float]) -> Demand:
    starts: list[datetime] = []
    calls: dict[str, list[float]] = {s: [] for s in SKILLS}
    for d in range(7):
        day = WEEK + timedelta(days=d)
        shape = _shape(day)
        for half in range(48):
            local = datetime.combine(day, clock(half // 2, 30 * (half % 2)), tzinfo=TZ)
            starts.append(local.astimezone(UTC))
            for skill in SKILLS:
                calls[skill].append(round(float(shape[half]) * scale[skill]))
    return Demand(
        interval_starts=tuple(starts),
        interval_seconds=INTERVAL,
        calls={s: tuple(v) for s, v in calls.items()},
        aht_seconds={s: tuple([AHT] * len(starts)) for s in SKILLS},
    )


def build(n_agents: int, seed: int = 1, load: float = 1.0) -> RosterProblem:
    rng = random.Random(seed)
    agents: list[RosterAgent] = []
    history: list[Shift] = []
    leaves: list[Leave] = []
    for i in range(n_agents):
        agent_id = f"a{i:03d}"
        full = rng.random() < 0.7
        r = rng.random()
        primary = rng.choices(SKILLS, weights=SHARES)[0]
        skills = {primary}
        if r < 0.10:
            skills = set(SKILLS)
        elif r < 0.45:
            skills.add(rng.choice([s for s in SKILLS if s != primary]))
        agents.append(
            RosterAgent(
                agent_id=agent_id,
                name=f"Agent {i}",
                skills=frozenset(skills),
                weekly_hours=40.0 if full else 20.0,
                shift_hours=frozenset({8.0 if full else 4.0}),
            )
        )
        roll = rng.random()
        sunday = WEEK - timedelta(days=1)
        if roll < 0.15:
            begin = datetime.combine(sunday, clock(14), tzinfo=TZ).astimezone(UTC)
            history.append(
                Shift(agent_id, sunday, begin, begin + timedelta(hours=8), primary, id=-1)
            )
        elif roll < 0.25:
            for back in range(6):
                day = sunday - timedelta(days=back)
                begin = datetime.combine(day, clock(8), tzinfo=TZ).astimezone(UTC)
                history.append(
                    Shift(agent_id, day, begin, begin + timedelta(hours=8), primary, id=-1)
                )
        if rng.random() < 0.06:
            first = rng.randrange(7)
            for d in range(first, min(7, first + rng.randint(1, 3))):
                leaves.append(Leave(agent_id, WEEK + timedelta(days=d)))

    supply = sum(a.weekly_hours for a in agents) * 2.0  # agent-intervals of paid time
    supply -= sum(1 for a in agents if 8.0 in a.shift_hours) * 5  # breaks
    supply -= len(leaves) * 16
    scale = {s: 10.0 * share * n_agents / 60 for s, share in zip(SKILLS, SHARES, strict=True)}
    for _ in range(6):
        need = roster_requirement(_demand(scale), TARGET)
        total = sum(float(v.sum()) for v in need.values())
        factor = load * supply / total
        scale = {s: v * factor**1.1 for s, v in scale.items()}
    return RosterProblem(
        week=WEEK,
        tz=TZ,
        rules=RULES,
        target=TARGET,
        templates=templates(),
        agents=tuple(agents),
        demand=_demand(scale),
        leaves=tuple(leaves),
        history=tuple(history),
    )


def violations(problem: RosterProblem, result: RosterResult) -> int:
    infos = {
        a.agent_id: AgentInfo(a.agent_id, a.name, a.skills, weekly_hours=a.weekly_hours)
        for a in problem.agents
    }
    ctx = RosterContext(
        tz=problem.tz,
        rules=problem.rules,
        target=problem.target,
        agents=infos,
        shifts=problem.history + problem.kept,
        leaves=problem.leaves,
        now=datetime.combine(problem.week, clock(0), tzinfo=problem.tz),
    )
    change = RosterChange(kind="cover", requester="lead", add=result.shifts, by_lead=True)
    return len(validate(change, ctx))


def digest(result: RosterResult) -> str:
    """A short digest of the shifts, to tell whether two runs gave the same roster."""
    text = repr([(s.agent_id, s.start, s.end, s.skill, s.breaks) for s in result.shifts])
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def report(n: int, problem: RosterProblem, result: RosterResult, wall: float) -> None:
    full = [f for f in result.fairness if f.group.startswith("40h")]
    late = max((f.late_spread for f in full), default=0)
    weekend = max((f.weekend_spread for f in full), default=0)
    met = sum(1 for c in result.contracts if c.reason is None)
    hours = sum(c.scheduled_hours for c in result.contracts)
    wanted = sum(c.wanted_hours for c in result.contracts)
    gap = result.gap * 100
    print(
        f"{n:4d} agents  {wall:6.1f} s  {result.status:9s}  "
        f"understaffed {result.understaffed:8.1f}  bound {result.lower_bound:8.1f}  "
        f"gap {gap:5.2f} %  of required {result.required:8.0f}  "
        f"late/weekend spread {late}/{weekend}  "
        f"contracts met {met}/{len(result.contracts)} ({hours:.0f}/{wanted:.0f} h)  "
        f"violations {violations(problem, result)}  solves {result.solver_rounds}  "
        f"roster {digest(result)}"
    )
    for c in result.short_of_contract:
        print(f"      {c.agent_id}: {c.scheduled_hours:g}/{c.wanted_hours:g} h ({c.reason})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 200, 500])
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for n in args.sizes:
        problem = build(n, args.seed, args.load)
        limit = args.time_limit
        if limit is None:
            limit = DEFAULT_LIMITS.get(n, max(10.0, math.ceil(n / 4)))
        for _ in range(max(1, args.repeat)):
            began = time.perf_counter()
            result = generate_roster(problem, time_limit=limit)
            report(n, problem, result, time.perf_counter() - began)


if __name__ == "__main__":
    main()
