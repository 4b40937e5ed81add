"""Text and JSON output of the analyst commands: staffing, forecast, headcount."""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine

from bot.services import planning, roster
from bot.services.errors import BadRequest
from planner.erlang import (
    erlang_a_metrics,
    erlang_c_asa,
    erlang_c_service_level,
    erlang_c_wait_probability,
    occupancy,
    offered_load,
)
from planner.staffing import positions_after_shrinkage, required_agents
from storage.unit_of_work import UnitOfWork


def _finite(value: float) -> float | None:
    return None if math.isinf(value) or math.isnan(value) else round(value, 6)


def interval_result(
    calls: float,
    aht: float,
    interval: float,
    sl: float,
    target_time: float,
    max_occupancy: float | None,
    shrinkage: float,
    patience: float | None,
) -> dict[str, Any]:
    """Staffing for one interval, with the metrics the required agents achieve."""
    if calls < 0 or aht <= 0 or interval <= 0:
        raise BadRequest("--calls must be >= 0, --aht and --interval > 0")
    if not 0 < sl < 1:
        raise BadRequest("--sl must be between 0 and 1, e.g. 0.8")
    if target_time < 0:
        raise BadRequest("--target-time must be >= 0 seconds")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise BadRequest("--max-occupancy must be in (0, 1], e.g. 0.85")
    if not 0 <= shrinkage < 1:
        raise BadRequest("--shrinkage must be in [0, 1), e.g. 0.3")
    if patience is not None and patience <= 0:
        raise BadRequest("--patience must be > 0 seconds")
    load = float(offered_load(calls, aht, interval))
    agents = int(
        required_agents(calls, aht, interval, sl, target_time, max_occupancy, patience).item()
    )
    positions = int(positions_after_shrinkage(agents, shrinkage).item())
    out: dict[str, Any] = {
        "model": "erlang_a" if patience is not None else "erlang_c",
        "calls": calls,
        "aht_seconds": aht,
        "interval_seconds": interval,
        "offered_load_erlangs": round(load, 6),
        "service_level_target": sl,
        "target_seconds": target_time,
        "max_occupancy": max_occupancy,
        "shrinkage": shrinkage,
        "agents": agents,
        "positions": positions,
    }
    if patience is not None:
        m = erlang_a_metrics(agents, load, aht, patience, target_time)
        out.update(
            service_level=_finite(float(m.service_level)),
            asa_seconds=_finite(float(m.asa_seconds)),
            occupancy=_finite(float(m.occupancy)),
            wait_probability=_finite(float(m.wait_probability)),
            abandon_probability=_finite(float(m.abandon_probability)),
            patience_seconds=patience,
        )
    else:
        out.update(
            service_level=_finite(float(erlang_c_service_level(agents, load, aht, target_time))),
            asa_seconds=_finite(float(erlang_c_asa(agents, load, aht))),
            occupancy=_finite(float(occupancy(agents, load))),
            wait_probability=_finite(float(erlang_c_wait_probability(agents, load))),
        )
    return out


def staffing_interval(args: argparse.Namespace) -> int:
    result = interval_result(
        args.calls,
        args.aht,
        args.interval,
        args.sl,
        args.target_time,
        args.max_occupancy,
        args.shrinkage,
        args.patience,
    )
    if args.json:
        print(json.dumps(result))
        return 0
    model = "Erlang A" if args.patience is not None else "Erlang C"
    print(
        f"{result['calls']:g} calls × {result['aht_seconds']:g} s in {result['interval_seconds']:g} s"
        f" = {result['offered_load_erlangs']:.2f} Erlangs ({model})"
    )
    print(
        f"target: {args.sl:.0%} answered within {args.target_time:g} s"
        + (f", occupancy ≤ {args.max_occupancy:.0%}" if args.max_occupancy else "")
    )
    print(f"agents on the phones: {result['agents']}")
    print(f"positions (shrinkage {args.shrinkage:.0%}): {result['positions']}")
    print(f"service level: {_pct(result['service_level'])}")
    print(f"ASA: {_secs(result['asa_seconds'])}")
    print(f"occupancy: {_pct(result['occupancy'])}")
    print(f"P(wait): {_pct(result['wait_probability'])}")
    if "abandon_probability" in result:
        print(f"P(abandon): {_pct(result['abandon_probability'])}")
    return 0


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _secs(value: float | None) -> str:
    return "∞" if value is None else f"{value:.1f} s"


def staffing_team_day(engine: Engine, team: str, day: date, *, as_json: bool) -> int:
    with UnitOfWork(engine, read_only=True) as uow:
        sd = roster.staffing_day(uow, team, day)
    if as_json:
        print(
            json.dumps(
                {
                    "team": sd.team,
                    "date": sd.day.isoformat(),
                    "interval_minutes": sd.interval_minutes,
                    "service_level_target": sd.target_service_level,
                    "target_seconds": sd.target_seconds,
                    "weighted_service_level": round(sd.weighted_service_level, 6),
                    "intervals": [
                        {
                            "interval_start": r.start.strftime("%Y-%m-%dT%H:%M"),
                            "skill": r.skill,
                            "calls": round(r.calls, 2),
                            "aht_seconds": round(r.aht_seconds, 1),
                            "required": r.required,
                            "scheduled": round(r.scheduled, 3),
                            "gap": round(r.gap, 3),
                            "service_level": _finite(r.service_level),
                            "asa_seconds": _finite(r.asa_seconds),
                            "occupancy": _finite(r.occupancy),
                        }
                        for r in sd.rows
                    ],
                }
            )
        )
        return 0
    if not sd.rows:
        raise BadRequest(
            f"no volume for {team} on {day}; import history or run `shiftbot forecast` first"
        )
    print(
        f"{sd.team} {day:%a %Y-%m-%d}: target {sd.target_service_level:.0%} in "
        f"{sd.target_seconds:g} s; projected service level {sd.weighted_service_level:.1%} "
        "(call-weighted)"
    )
    header = f"{'interval':<8} {'skill':<8} {'calls':>6} {'aht':>5} {'req':>4} {'sched':>6} {'gap':>6} {'SL':>6} {'ASA':>7} {'occ':>5}"
    print(header)
    print("-" * len(header))
    for r in sd.rows:
        flag = "  ← short" if r.gap < 0 else ""
        asa = "∞" if math.isinf(r.asa_seconds) else f"{r.asa_seconds:.0f}s"
        print(
            f"{r.start:%H:%M}    {r.skill:<8} {r.calls:>6.1f} {r.aht_seconds:>5.0f} {r.required:>4} "
            f"{r.scheduled:>6.1f} {r.gap:>+6.1f} {r.service_level:>6.1%} {asa:>7} "
            f"{r.occupancy:>5.0%}{flag}"
        )
    short = sd.gaps
    print(f"\n{len(short)} of {len(sd.rows)} interval-skill rows are short of the required agents")
    return 0


def forecast_report(engine: Engine, team: str, first: date, last: date) -> int:
    with UnitOfWork(engine) as uow:
        result = planning.forecast_team(uow, team, first, last, datetime.now(UTC))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["interval_start", "skill", "calls", "aht_seconds"])
    for rec in result.rows.itertuples(index=False):
        writer.writerow(
            [
                f"{rec.interval_start:%Y-%m-%dT%H:%M}",
                rec.skill,
                f"{rec.calls:.1f}",
                f"{rec.aht_seconds:.1f}",
            ]
        )
    note = f"stored {result.stored} forecast intervals for {team}"
    if result.overridden:
        note += f"; {result.overridden} are overridden by your own future rows"
    print(note, file=sys.stderr)
    return 0


def headcount_report(engine: Engine, team: str, first: date, last: date, *, as_json: bool) -> int:
    with UnitOfWork(engine, read_only=True) as uow:
        result = planning.headcount_team(uow, team, first, last)
    table = result.table
    if as_json:
        print(
            json.dumps(
                {
                    "team": result.team,
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "shrinkage": result.shrinkage,
                    "weekly_hours": result.weekly_hours,
                    "days_without_forecast": [d.isoformat() for d in result.days_without_forecast],
                    "weeks": [
                        {
                            "week_start": pd_date(rec.week_start),
                            "skill": rec.skill,
                            "required_hours": round(float(rec.required_hours), 2),
                            "fte_needed": round(float(rec.fte_needed), 2),
                            "fte_available": round(float(rec.fte_available), 2),
                            "surplus": round(float(rec.surplus), 2),
                        }
                        for rec in table.itertuples(index=False)
                    ],
                }
            )
        )
        return 0
    print(
        f"{result.team} {first}–{last}: shrinkage {result.shrinkage:.0%}, "
        f"{result.weekly_hours:g} h per FTE"
    )
    header = f"{'week of':<11} {'skill':<8} {'agent-h':>8} {'FTE need':>9} {'FTE have':>9} {'surplus':>8}"
    print(header)
    print("-" * len(header))
    for rec in table.itertuples(index=False):
        print(
            f"{pd_date(rec.week_start):<11} {rec.skill:<8} {rec.required_hours:>8.1f} "
            f"{rec.fte_needed:>9.1f} {rec.fte_available:>9.1f} {rec.surplus:>+8.1f}"
        )
    if result.days_without_forecast:
        print(
            f"\n{len(result.days_without_forecast)} day(s) have no volume; run "
            "`shiftbot forecast` for them first"
        )
    return 0


def pd_date(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(np.datetime_as_string(np.datetime64(value), unit="D"))  # type: ignore[call-overload]
