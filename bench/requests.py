"""Request-path latency and approval throughput on a 500-agent team, on SQLite and PostgreSQL.

Builds a synthetic contact-centre team (default 500 agents with cards/loans/wealth skills,
some multi-skilled, about six leads) and a 12-week roster that respects the default rules
(early 08:00-16:00 / late 14:00-22:00, five days on and two off, early and late alternating
per block of five, so rest >= 11 h, <= 48 h a week and <= 6 days in a row), plus two days of
interval volume calibrated close to the required agents so the staffing rule is exercised.
The files are written to a temporary directory and imported with ``storage.importers``
exactly as ``shiftbot import`` does, into a temporary SQLite file and into a fresh
PostgreSQL schema (dropped at the end; skipped with the reason when unreachable).

Measured, per database:

* validation of ~300 varied swap / give-away / leave requests, built the way the request
  service builds them: ``planner.rules.validate`` alone ("rules only"), ``Scope.context``
  (the roster window, leave and demand read from the database) and both together;
* the end-to-end ``request_swap`` / ``request_giveaway`` / ``request_leave`` service calls
  for the same requests (refusals included: a refusal is a normal answer);
* approvals per second: N swaps that pass every rule are created, accepted by the
  colleague and then approved by a lead (each approval re-validates and applies the swap).

Only figures are printed; nothing is asserted about time.

Run: ``.venv/bin/python bench/requests.py [--pg-url URL] [--agents 500] [--weeks 12]``
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _pg import fresh_schema

from bot.services import requests as svc
from bot.services.errors import DomainError, RulesBroken
from planner.model import Leave, Window
from planner.model import Shift as PlanShift
from planner.rules import RosterChange, validate
from planner.staffing import coverage, required_agents
from storage import repository as repo
from storage.db import make_engine, upgrade
from storage.importers import import_agents, import_shifts, import_teams, import_volume
from storage.unit_of_work import UnitOfWork

TEAM = "bench-hotline"
ROSTER_MARGIN_DAYS = 16
TZ = ZoneInfo("Asia/Taipei")
SKILLS: tuple[str, ...] = ("cards", "loans", "wealth")
SKILL_WEIGHTS = (0.60, 0.25, 0.15)
AHT = {"cards": 240.0, "loans": 420.0, "wealth": 600.0}
EARLY = (clock(8, 0), clock(16, 0))
LATE = (clock(14, 0), clock(22, 0))
INTERVAL_MINUTES = 30
LEADS = 6
MULTI_SKILLED = 0.20
SERVICE_LEVEL = 0.80
TARGET_SECONDS = 20.0
GOAL_P95_MS = 10.0
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

ROSTER_START = date(2026, 11, 30)  # a Monday; one week of roster lies before "now"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=TZ).astimezone(UTC)
VOLUME_DAYS = (date(2026, 12, 9), date(2026, 12, 10))

ShiftType = Literal["early", "late"]
Kind = Literal[
    "swap_same",
    "swap_early_late",
    "swap_other_skill",
    "swap_other_day",
    "giveaway_to",
    "giveaway_open",
    "leave",
]
KIND_WEIGHTS: dict[Kind, float] = {
    "swap_same": 0.20,
    "swap_early_late": 0.12,
    "swap_other_skill": 0.08,
    "swap_other_day": 0.12,
    "giveaway_to": 0.13,
    "giveaway_open": 0.15,
    "leave": 0.20,
}


# --------------------------------------------------------------------------- synthetic team


@dataclass(frozen=True)
class Person:
    agent_id: str
    role: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Planned:
    agent_id: str
    day: date
    kind: ShiftType
    skill: str
    break_start: clock


@dataclass
class Team:
    people: list[Person]
    shifts: dict[tuple[str, date], Planned]
    days: list[date]

    def works(self, agent_id: str, day: date) -> Planned | None:
        return self.shifts.get((agent_id, day))


def build_team(agents: int, weeks: int, rng: random.Random) -> Team:
    """Agents and a rule-abiding roster: 5 on / 2 off, early and late alternating per block."""
    lead_every = max(agents // LEADS, 1)
    people: list[Person] = []
    for i in range(agents):
        primary = rng.choices(SKILLS, SKILL_WEIGHTS)[0]
        skills = [primary]
        if rng.random() < MULTI_SKILLED:
            skills.append(rng.choice([s for s in SKILLS if s != primary]))
        role = "lead" if i % lead_every == lead_every // 2 and i // lead_every < LEADS else "agent"
        people.append(Person(f"a{i:04d}", role, tuple(skills)))
    days = [ROSTER_START + timedelta(days=d) for d in range(weeks * 7)]
    shifts: dict[tuple[str, date], Planned] = {}
    for i, person in enumerate(people):
        offset = i % 7
        for index, day in enumerate(days):
            block, position = divmod(index - offset, 7)
            if position >= 5:
                continue  # two days off after every five
            kind: ShiftType = "early" if (block + i) % 2 == 0 else "late"
            # a multi-skilled agent works the second skill every third block
            skill = (
                person.skills[1] if len(person.skills) > 1 and block % 3 == 2 else person.skills[0]
            )
            start = EARLY[0] if kind == "early" else LATE[0]
            minutes = start.hour * 60 + 180 + (i % 4) * 30
            shifts[(person.agent_id, day)] = Planned(
                person.agent_id, day, kind, skill, clock(minutes // 60, minutes % 60)
            )
    return Team(people, shifts, days)


def _utc(day: date, at: clock) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC)


def _plan_shift(p: Planned) -> PlanShift:
    start, end = EARLY if p.kind == "early" else LATE
    b0 = _utc(p.day, p.break_start)
    return PlanShift(
        agent_id=p.agent_id,
        local_date=p.day,
        start=_utc(p.day, start),
        end=_utc(p.day, end),
        skill=p.skill,
        breaks=(Window(b0, b0 + timedelta(minutes=30)),),
    )


def volume_rows(team: Team, rng: random.Random) -> list[tuple[str, str, float, float]]:
    """Calls per interval close to what the roster covers: required = on phones - slack."""
    rows: list[tuple[str, str, float, float]] = []
    seconds = INTERVAL_MINUTES * 60
    for day in VOLUME_DAYS:
        plan = [_plan_shift(p) for (_a, d), p in team.shifts.items() if d == day]
        locals_ = [
            datetime.combine(day, clock(8, 0)) + timedelta(minutes=INTERVAL_MINUTES * k)
            for k in range((22 - 8) * 60 // INTERVAL_MINUTES)
        ]
        starts = [t.replace(tzinfo=TZ).astimezone(UTC) for t in locals_]
        cov = coverage(plan, starts, seconds, SKILLS)
        for skill in SKILLS:
            heads = np.floor(cov[skill] + 1e-9)
            slack = np.array([rng.choice((0, 1, 1, 2, 3, 5, 8)) for _ in heads], dtype=float)
            wanted = np.maximum(heads - slack, 0.0)
            aht = np.full(len(heads), AHT[skill])
            lo = np.zeros(len(heads))
            hi = wanted * seconds / aht  # the load must stay below the head count
            for _ in range(40):
                mid = (lo + hi) / 2.0
                need = required_agents(mid, aht, seconds, SERVICE_LEVEL, TARGET_SECONDS)
                ok = need <= wanted
                lo = np.where(ok, mid, lo)
                hi = np.where(ok, hi, mid)
            for local, calls in zip(locals_, lo, strict=True):
                rows.append((local.strftime("%Y-%m-%dT%H:%M"), skill, round(calls, 1), AHT[skill]))
    return rows


def write_files(team: Team, directory: Path, rng: random.Random) -> dict[str, Path]:
    paths = {
        "teams": directory / "teams.toml",
        "agents": directory / "agents.csv",
        "shifts": directory / "shifts.csv",
        "volume": directory / "volume.csv",
    }
    paths["teams"].write_text(
        "[[team]]\n"
        f'name = "{TEAM}"\n'
        f'timezone = "{TZ.key}"\n'
        f"interval_minutes = {INTERVAL_MINUTES}\n"
        f"service_level = {SERVICE_LEVEL}\n"
        f"target_seconds = {TARGET_SECONDS:g}\n"
        "[team.rules]\n"
        'approval = "lead"\n',
        encoding="utf-8",
    )
    with paths["agents"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            (
                "agent_id",
                "name",
                "role",
                "skills",
                "slack_user_id",
                "telegram_user_id",
                "weekly_hours",
            )
        )
        for p in team.people:
            name = f"Agent {p.agent_id[1:]}"
            writer.writerow((p.agent_id, name, p.role, ";".join(p.skills), "", "", 40))
    with paths["shifts"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("agent_id", "date", "start", "end", "skill", "breaks"))
        for (agent_id, day), p in sorted(team.shifts.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            start, end = EARLY if p.kind == "early" else LATE
            b0 = datetime.combine(day, p.break_start)
            b1 = b0 + timedelta(minutes=30)
            writer.writerow(
                (
                    agent_id,
                    day.isoformat(),
                    f"{start:%H:%M}",
                    f"{end:%H:%M}",
                    p.skill,
                    f"{b0:%H:%M}-{b1:%H:%M}",
                )
            )
    with paths["volume"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("interval_start", "skill", "calls", "aht_seconds"))
        writer.writerows(volume_rows(team, rng))
    return paths


# ----------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Ask:
    """One request as an agent would make it."""

    kind: Kind
    requester: str
    day: date
    counterpart: str | None = None
    other_day: date | None = None
    last: date | None = None  # of a leave

    @property
    def is_swap(self) -> bool:
        return self.kind.startswith("swap")

    @property
    def is_leave(self) -> bool:
        return self.kind == "leave"


def _request_days(team: Team) -> list[date]:
    today = NOW.astimezone(TZ).date()
    # leave a rules context's margin (an ISO week and the consecutive-days rule) of roster
    # after the last day asked about
    last = team.days[-1] - timedelta(days=ROSTER_MARGIN_DAYS)
    return [d for d in team.days if today < d <= max(last, today + timedelta(days=1))]


def make_asks(team: Team, count: int, rng: random.Random) -> list[Ask]:
    """Varied swaps and give-aways; about a third fall on the days that have volume."""
    agents = [p for p in team.people if p.role == "agent"]
    skills_of = {p.agent_id: set(p.skills) for p in team.people}
    days = _request_days(team)
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    out: list[Ask] = []
    attempts = 0
    while len(out) < count and attempts < count * 200:
        attempts += 1
        kind: Kind = rng.choices(kinds, weights)[0]
        day = rng.choice(VOLUME_DAYS) if rng.random() < 0.35 else rng.choice(days)
        working = [a for a in agents if team.works(a.agent_id, day)]
        me = rng.choice(working)
        mine = team.works(me.agent_id, day)
        assert mine is not None

        def pick(test: Callable[[Planned], bool], on: date, me: Person = me) -> str | None:
            found = [
                a.agent_id
                for a in agents
                if a.agent_id != me.agent_id
                and (s := team.works(a.agent_id, on)) is not None
                and test(s)
            ]
            return rng.choice(found) if found else None

        ask: Ask | None = None
        if kind == "swap_same":
            other = pick(lambda s, m=mine: s.kind == m.kind and s.skill == m.skill, day)
            ask = Ask(kind, me.agent_id, day, other) if other else None
        elif kind == "swap_early_late":
            other = pick(lambda s, m=mine: s.kind != m.kind and s.skill == m.skill, day)
            ask = Ask(kind, me.agent_id, day, other) if other else None
        elif kind == "swap_other_skill":
            other = pick(lambda s, m=mine: s.skill != m.skill, day)
            ask = Ask(kind, me.agent_id, day, other) if other else None
        elif kind == "swap_other_day":
            other_day = rng.choice([d for d in days if d != day])
            other = pick(lambda s, m=mine: s.skill == m.skill, other_day)
            ask = Ask(kind, me.agent_id, day, other, other_day) if other else None
        elif kind == "giveaway_to":
            off = [
                a.agent_id
                for a in agents
                if a.agent_id != me.agent_id
                and team.works(a.agent_id, day) is None
                and mine.skill in skills_of[a.agent_id]
            ]
            ask = Ask(kind, me.agent_id, day, rng.choice(off)) if off else None
        elif kind == "leave":
            last = min(day + timedelta(days=rng.choice((0, 0, 1, 2))), days[-1])
            ask = Ask(kind, me.agent_id, day, last=last)
        else:
            ask = Ask(kind, me.agent_id, day)
        if ask is not None:
            out.append(ask)
    return out


def build_change(scope: svc.Scope, ask: Ask) -> tuple[RosterChange, list[date]] | None:
    """The change the service would validate for ``ask`` (None when a shift is missing).

    Mirrors ``bot.services.requests._change_for``: a swap moves both shifts, a give-away to
    a colleague moves one, an open give-away changes nothing until taken (only ownership and
    the cutoff are judged), a leave removes the requester's shifts on its days.
    """
    me = scope.agent(ask.requester)
    assert me.id is not None
    if ask.is_leave:
        assert ask.last is not None
        days = [ask.day + timedelta(days=i) for i in range((ask.last - ask.day).days + 1)]
        found = [repo.shift_of(scope.session, me.id, d) for d in days]
        change = RosterChange(
            "leave",
            me.agent_id,
            remove=tuple(repo.to_plan_shift(s, me.agent_id) for s in found if s is not None),
            leaves=tuple(Leave(me.agent_id, d) for d in days),
        )
        return change, days
    mine = repo.shift_of(scope.session, me.id, ask.day)
    if mine is None:
        return None
    p1 = repo.to_plan_shift(mine, me.agent_id)
    by_lead = me.role == "lead"
    if ask.is_swap:
        assert ask.counterpart is not None
        other = scope.agent(ask.counterpart)
        assert other.id is not None
        theirs = repo.shift_of(scope.session, other.id, ask.other_day or ask.day)
        if theirs is None:
            return None
        p2 = repo.to_plan_shift(theirs, other.agent_id)
        change = RosterChange(
            "swap",
            me.agent_id,
            remove=(p1, p2),
            add=(p1.reassigned(other.agent_id), p2.reassigned(me.agent_id)),
            by_lead=by_lead,
        )
        return change, [mine.local_date, theirs.local_date]
    add = (p1.reassigned(ask.counterpart),) if ask.counterpart else (p1,)
    change = RosterChange("giveaway", me.agent_id, remove=(p1,), add=add, by_lead=by_lead)
    return change, [mine.local_date]


# ------------------------------------------------------------------------------- timing


def ms_stats(values: Sequence[float]) -> str:
    if not values:
        return "n=0"
    arr = np.asarray(values, dtype=np.float64) * 1000.0
    return (
        f"n={len(arr):<4d} p50 {np.percentile(arr, 50):8.2f}  p95 {np.percentile(arr, 95):8.2f}  "
        f"max {arr.max():8.2f} ms"
    )


def _rules_of(violations: Sequence[object]) -> str:
    keys = sorted({str(getattr(v, "rule", v)) for v in violations})
    return "+".join(keys) if keys else "ok"


def bench_validation(engine: Engine, asks: Sequence[Ask]) -> None:
    rules_only: list[float] = []
    context_only: list[float] = []
    both: list[float] = []
    scope_load: list[float] = []
    outcomes: Counter[str] = Counter()
    staffing_checked = 0
    ctx_shifts: list[int] = []
    for ask in asks:
        with UnitOfWork(engine) as uow:
            t0 = time.perf_counter()
            scope = svc.Scope.load(uow.session, TEAM)
            t1 = time.perf_counter()
            built = build_change(scope, ask)
            if built is None:
                outcomes["no_shift"] += 1
                continue
            change, days = built
            t2 = time.perf_counter()
            people = {s.agent_id for s in (*change.remove, *change.add)}
            people |= {leave.agent_id for leave in change.leaves} | {change.requester}
            ctx = scope.context(NOW, days, agents=people, with_demand=ask.is_leave)
            t3 = time.perf_counter()
            violations = validate(change, ctx)
            t4 = time.perf_counter()
        scope_load.append(t1 - t0)
        context_only.append(t3 - t2)
        rules_only.append(t4 - t3)
        both.append(t4 - t2)
        ctx_shifts.append(len(ctx.shifts))
        staffing_checked += ctx.demand is not None
        outcomes[_rules_of(violations)] += 1
    print(
        f"  validation over {len(both)} requests ({staffing_checked} with demand, "
        f"{int(np.mean(ctx_shifts)) if ctx_shifts else 0} shifts per context on average)"
    )
    print(f"    rules only (validate)          {ms_stats(rules_only)}")
    print(f"    context load (Scope.context)   {ms_stats(context_only)}")
    print(f"    context load + rules           {ms_stats(both)}")
    print(f"    (Scope.load, per use case)     {ms_stats(scope_load)}")
    p95_rules = float(np.percentile(np.asarray(rules_only) * 1000.0, 95)) if rules_only else 0.0
    p95_both = float(np.percentile(np.asarray(both) * 1000.0, 95)) if both else 0.0
    print(
        f"    goal p95 < {GOAL_P95_MS:g} ms: rules only {_verdict(p95_rules)}, "
        f"context load + rules {_verdict(p95_both)}"
    )
    print("    verdicts: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))


def _verdict(p95_ms: float) -> str:
    return f"{p95_ms:.1f} ms ({'met' if p95_ms < GOAL_P95_MS else 'NOT met'})"


def bench_services(engine: Engine, asks: Sequence[Ask]) -> None:
    times: dict[str, list[float]] = {
        "request_swap": [],
        "request_giveaway": [],
        "request_leave": [],
    }
    outcomes: Counter[str] = Counter()
    for ask in asks:
        with UnitOfWork(engine) as uow:
            t0 = time.perf_counter()
            try:
                if ask.is_leave:
                    svc.request_leave(uow, TEAM, ask.requester, ask.day, ask.last, "bench", NOW)
                elif ask.is_swap:
                    assert ask.counterpart is not None
                    svc.request_swap(
                        uow, TEAM, ask.requester, ask.counterpart, ask.day, ask.other_day, NOW
                    )
                else:
                    svc.request_giveaway(uow, TEAM, ask.requester, ask.day, ask.counterpart, NOW)
                verdict = "created"
            except RulesBroken as exc:
                verdict = "refused " + _rules_of(exc.violations)
            except DomainError as exc:
                verdict = f"refused ({exc.code})"
            elapsed = time.perf_counter() - t0
        use_case = "request_leave" if ask.is_leave else "request_swap" if ask.is_swap else ""
        times[use_case or "request_giveaway"].append(elapsed)
        outcomes[verdict] += 1
    print(f"  service calls end-to-end (one unit of work each, {len(asks)} requests)")
    for use_case, values in times.items():
        print(f"    {use_case:<30} {ms_stats(values)}")
    print(f"    {'all':<30} {ms_stats([t for values in times.values() for t in values])}")
    print("    outcomes: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))


def passing_pairs(team: Team, count: int, rng: random.Random) -> list[tuple[str, str, date, date]]:
    """Disjoint (requester, counterpart, day, next day): the requester works a shift type on
    ``day`` and is off the next day, the counterpart works the same type and skill the next
    day and is off on ``day`` (two identical shifts on one day would be a pointless swap)."""
    agents = [p.agent_id for p in team.people if p.role == "agent"]
    days = _request_days(team)
    used: set[str] = set()
    out: list[tuple[str, str, date, date]] = []
    for _ in range(count * 50):
        if len(out) >= count:
            break
        day = rng.choice(days)
        nxt = day + timedelta(days=1)
        givers: dict[tuple[str, str], list[str]] = {}
        takers: dict[tuple[str, str], list[str]] = {}
        for a in agents:
            if a in used:
                continue
            today, tomorrow = team.works(a, day), team.works(a, nxt)
            if today is not None and tomorrow is None:
                givers.setdefault((today.kind, today.skill), []).append(a)
            if tomorrow is not None and today is None:
                takers.setdefault((tomorrow.kind, tomorrow.skill), []).append(a)
        keys = sorted(set(givers) & set(takers))
        if not keys:
            continue
        key = rng.choice(keys)
        a, b = rng.choice(givers[key]), rng.choice(takers[key])
        used |= {a, b}
        out.append((a, b, day, nxt))
    return out


def bench_approvals(engine: Engine, team: Team, count: int, rng: random.Random) -> None:
    leads = [p.agent_id for p in team.people if p.role == "lead"]
    pairs = passing_pairs(team, count, rng)
    created: list[tuple[int, str, str]] = []
    refused: Counter[str] = Counter()
    t0 = time.perf_counter()
    for a, b, day, other_day in pairs:
        with UnitOfWork(engine) as uow:
            try:
                outcome = svc.request_swap(uow, TEAM, a, b, day, other_day, NOW)
                created.append((outcome.request.id, a, b))
            except DomainError as exc:
                refused["create: " + _refusal(exc)] += 1
    t1 = time.perf_counter()
    accepted: list[int] = []
    for request_id, _a, b in created:
        with UnitOfWork(engine) as uow:
            try:
                svc.answer(uow, TEAM, b, request_id, True, NOW)
                accepted.append(request_id)
            except DomainError as exc:
                refused["accept: " + _refusal(exc)] += 1
    t2 = time.perf_counter()
    approved = 0
    for i, request_id in enumerate(accepted):
        with UnitOfWork(engine) as uow:
            try:
                svc.decide(uow, TEAM, leads[i % len(leads)], request_id, True, NOW)
                approved += 1
            except DomainError as exc:
                refused["approve: " + _refusal(exc)] += 1
    t3 = time.perf_counter()
    print(f"  approvals: {len(pairs)} swaps that pass every rule, created, accepted, approved")
    print(f"    create   {_rate(len(created), t1 - t0)}")
    print(f"    accept   {_rate(len(accepted), t2 - t1)}")
    print(f"    approve  {_rate(approved, t3 - t2)}   <- approvals per second")
    if refused:
        print("    not through: " + ", ".join(f"{k} {v}" for k, v in refused.most_common()))


def _refusal(exc: DomainError) -> str:
    if isinstance(exc, RulesBroken):
        return _rules_of(exc.violations)
    return exc.code


def _rate(n: int, seconds: float) -> str:
    per_second = n / seconds if seconds > 0 else float("nan")
    each = seconds / max(n, 1) * 1000
    return f"{n:4d} in {seconds:6.2f} s = {per_second:7.1f}/s ({each:.1f} ms each)"


# ---------------------------------------------------------------------------- databases


def import_files(engine: Engine, paths: dict[str, Path]) -> float:
    t0 = time.perf_counter()
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, paths["teams"])
        import_agents(uow.session, paths["agents"], TEAM)
        import_shifts(uow.session, paths["shifts"], TEAM)
        import_volume(uow.session, paths["volume"], TEAM, now=NOW)
        uow.commit()
    return time.perf_counter() - t0


@contextmanager
def sqlite_url(directory: Path) -> Iterator[str]:
    yield f"sqlite:///{directory / 'bench.db'}"


def run_backend(
    label: str,
    url: str,
    paths: dict[str, Path],
    team: Team,
    asks: Sequence[Ask],
    approvals: int,
    seed: int,
) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        seconds = import_files(engine, paths)
        print(f"\n== {label} ==")
        print(f"  import of {len(team.people)} agents, {len(team.shifts)} shifts: {seconds:.1f} s")
        bench_validation(engine, asks)
        bench_services(engine, asks)
        bench_approvals(engine, team, approvals, random.Random(seed + 1))
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG, help=f"PostgreSQL URL (default {DEFAULT_PG})"
    )
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--approvals", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.weeks < 5:
        parser.error("--weeks must be at least 5 (the request days need 2 weeks of context)")
    logging.basicConfig(level=logging.WARNING)

    rng = random.Random(args.seed)
    team = build_team(args.agents, args.weeks, rng)
    asks = make_asks(team, args.requests, rng)
    kinds = Counter(a.kind for a in asks)
    leads = sum(p.role == "lead" for p in team.people)
    multi = sum(len(p.skills) > 1 for p in team.people)
    print(
        f"team {TEAM}: {len(team.people)} agents ({leads} leads, {multi} multi-skilled), "
        f"{len(team.shifts)} shifts over {args.weeks} weeks from {ROSTER_START}, "
        f"volume on {', '.join(str(d) for d in VOLUME_DAYS)}; "
        f"now = {NOW.astimezone(TZ):%Y-%m-%d %H:%M} {TZ.key}"
    )
    print("requests: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"goal: p95 validation under {GOAL_P95_MS:g} ms")

    with tempfile.TemporaryDirectory(prefix="shiftbot-bench-") as tmp:
        directory = Path(tmp)
        paths = write_files(team, directory, rng)
        with sqlite_url(directory) as url:
            run_backend("SQLite", url, paths, team, asks, args.approvals, args.seed)
        with fresh_schema(args.pg_url) as pg:
            if pg is not None:
                run_backend("PostgreSQL", pg, paths, team, asks, args.approvals, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
