"""Text and JSON output of the analyst commands: staffing, forecast, headcount.

JSON carries every float at full precision; only the text output rounds, for reading.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.services.errors import BadRequest
from planner.erlang import (
    erlang_a_metrics,
    erlang_c_asa,
    erlang_c_service_level,
    erlang_c_wait_probability,
    occupancy,
    offered_load,
)
from planner.staffing import UNREACHABLE, positions_after_shrinkage, required_agents

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.services import roster

# The team reports load the services and the database layer when they run; one interval's
# staffing needs only the numerics.

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

MAX_CALLS = 100_000
MAX_SECONDS = 86_400


def long_day(day: date) -> str:
    """``Thu 3 Dec 2026``."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_day(day: date) -> str:
    """``Mon 30 Nov``."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _finite(value: float) -> float | None:
    """``value`` as is, or None where JSON has no number for it (infinite ASA, NaN)."""
    return None if math.isinf(value) or math.isnan(value) else value


def _check_interval(
    calls: float,
    aht: float,
    interval: float,
    sl: float,
    target_time: float,
    max_occupancy: float | None,
    shrinkage: float,
    patience: float | None,
) -> None:
    def bad(value: float | None) -> bool:
        return value is not None and not math.isfinite(value)

    if any(bad(v) for v in (calls, aht, interval, sl, target_time, max_occupancy, shrinkage)):
        raise BadRequest("every staffing figure must be a finite number")
    if bad(patience):
        raise BadRequest("--patience must be a finite number of seconds")
    if not 0 <= calls <= MAX_CALLS:
        raise BadRequest(f"--calls must be between 0 and {MAX_CALLS} calls in the interval")
    if not 0 < aht <= MAX_SECONDS:
        raise BadRequest(f"--aht must be above 0 and at most {MAX_SECONDS} seconds")
    if not 0 < interval <= MAX_SECONDS:
        raise BadRequest(f"--interval must be above 0 and at most {MAX_SECONDS} seconds")
    if not 0 < sl < 1:
        raise BadRequest("--sl must be between 0 and 1, e.g. 0.8")
    if not 0 <= target_time <= MAX_SECONDS:
        raise BadRequest(f"--target-time must be between 0 and {MAX_SECONDS} seconds")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise BadRequest("--max-occupancy must be in (0, 1], e.g. 0.85")
    if not 0 <= shrinkage < 1:
        raise BadRequest("--shrinkage must be in [0, 1), e.g. 0.3")
    if patience is not None and not 0 < patience <= MAX_SECONDS:
        raise BadRequest(f"--patience must be above 0 and at most {MAX_SECONDS} seconds")


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
    _check_interval(calls, aht, interval, sl, target_time, max_occupancy, shrinkage, patience)
    load = float(offered_load(calls, aht, interval))
    agents = int(
        required_agents(calls, aht, interval, sl, target_time, max_occupancy, patience).item()
    )
    if agents == UNREACHABLE:
        raise BadRequest(f"no head count meets this target for {load:g} Erlangs of offered load")
    positions = int(positions_after_shrinkage(agents, shrinkage).item())
    out: dict[str, Any] = {
        "model": "erlang_a" if patience is not None else "erlang_c",
        "calls": calls,
        "aht_seconds": aht,
        "interval_seconds": interval,
        "offered_load_erlangs": load,
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


def _reachable(row: roster.IntervalRow) -> bool:
    return row.required != UNREACHABLE


def staffing_team_day(engine: Engine, team: str, day: date, *, as_json: bool) -> int:
    """Required vs scheduled per interval and skill for one day of a team.

    A day without demand is an error (nothing to staff); a day with demand but nobody on the
    phones in any of its intervals is reported as having no roster, with the required agents
    only. An interval whose target no head count meets is marked unreachable; the rest of the
    day is reported as usual.
    """
    try:
        from bot.services import roster
        from storage.unit_of_work import UnitOfWork

        with UnitOfWork(engine, read_only=True) as uow:
            sd = roster.staffing_day(uow, team, day)
    except OverflowError:
        raise BadRequest(f"{day} is too close to the edge of the calendar") from None
    if not sd.rows:
        raise BadRequest(
            f"no demand for {long_day(day)}: {team} has no call volume (history or forecast) "
            "that day; import volume or run `shiftbot forecast` first"
        )
    rostered = any(r.scheduled > 0 for r in sd.rows)
    unreachable = [r for r in sd.rows if not _reachable(r)]
    if as_json:
        _staffing_day_json(sd, rostered)
        return 0
    head = f"{sd.team} {long_day(day)}: target {sd.target_service_level:.0%} in {sd.target_seconds:g} s"
    if not rostered:
        print(f"{head}; no roster for {long_day(day)} (nobody is scheduled in any interval)")
        print("required agents on the phones per interval:")
        header = f"{'interval':<8} {'skill':<8} {'calls':>6} {'aht':>5} {'req':>11}"
        print(header)
        print("-" * len(header))
        for r in sd.rows:
            req = f"{r.required:>11}" if _reachable(r) else f"{'unreachable':>11}"
            print(f"{r.start:%H:%M}    {r.skill:<8} {r.calls:>6.1f} {r.aht_seconds:>5.0f} {req}")
        return 0
    print(f"{head}; projected service level {sd.weighted_service_level:.1%} (call-weighted)")
    header = f"{'interval':<8} {'skill':<8} {'calls':>6} {'aht':>5} {'req':>4} {'sched':>6} {'gap':>6} {'SL':>6} {'ASA':>7} {'occ':>5}"
    print(header)
    print("-" * len(header))
    for r in sd.rows:
        asa = "∞" if math.isinf(r.asa_seconds) else f"{r.asa_seconds:.0f}s"
        if _reachable(r):
            req, gap = f"{r.required:>4}", f"{r.gap:>+6.1f}"
            flag = "  ← short" if r.gap < 0 else ""
        else:
            req, gap = f"{'—':>4}", f"{'—':>6}"
            flag = "  ← unreachable: no head count meets the target"
        print(
            f"{r.start:%H:%M}    {r.skill:<8} {r.calls:>6.1f} {r.aht_seconds:>5.0f} {req} "
            f"{r.scheduled:>6.1f} {gap} {r.service_level:>6.1%} {asa:>7} "
            f"{r.occupancy:>5.0%}{flag}"
        )
    short = [r for r in sd.gaps if _reachable(r)]
    print(f"\n{len(short)} of {len(sd.rows)} interval-skill rows are short of the required agents")
    if unreachable:
        print(f"{len(unreachable)} interval-skill rows have a target no head count can meet")
    return 0


def _staffing_day_json(sd: roster.StaffingDay, rostered: bool) -> None:
    def projected(value: float) -> float | None:
        return _finite(value) if rostered else None

    print(
        json.dumps(
            {
                "team": sd.team,
                "date": sd.day.isoformat(),
                "rostered": rostered,
                "interval_minutes": sd.interval_minutes,
                "service_level_target": sd.target_service_level,
                "target_seconds": sd.target_seconds,
                "weighted_service_level": projected(sd.weighted_service_level),
                "intervals": [
                    {
                        "interval_start": r.start.strftime("%Y-%m-%dT%H:%M"),
                        "skill": r.skill,
                        "calls": r.calls,
                        "aht_seconds": r.aht_seconds,
                        "reachable": _reachable(r),
                        "required": r.required if _reachable(r) else None,
                        "scheduled": r.scheduled,
                        "gap": r.gap if _reachable(r) else None,
                        "service_level": projected(r.service_level),
                        "asa_seconds": projected(r.asa_seconds),
                        "occupancy": projected(r.occupancy),
                    }
                    for r in sd.rows
                ],
            }
        )
    )


def forecast_report(engine: Engine, team: str, first: date, last: date) -> int:
    from bot.services import planning
    from storage.unit_of_work import UnitOfWork

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


def iso_weeks(monday: date, sunday: date) -> str:
    """``weeks 2026-W49..W52 (Mon 30 Nov – Sun 27 Dec)`` for whole ISO weeks."""
    first_year, first_week, _ = monday.isocalendar()
    last_year, last_week, _ = sunday.isocalendar()
    days = f"({short_day(monday)} – {short_day(sunday)})"
    if (first_year, first_week) == (last_year, last_week):
        return f"week {first_year}-W{first_week:02d} {days}"
    last = f"W{last_week:02d}" if last_year == first_year else f"{last_year}-W{last_week:02d}"
    return f"weeks {first_year}-W{first_week:02d}..{last} {days}"


def _days_with_volume(monday: date, missing: Sequence[date]) -> int:
    week = {monday + timedelta(days=i) for i in range(7)}
    return 7 - len(week.intersection(missing))


def headcount_report(engine: Engine, team: str, first: date, last: date, *, as_json: bool) -> int:
    """FTE per skill and ISO week, for the whole weeks that hold ``first`` … ``last``.

    A week's need is its hours against a week's contract, so the range is extended back to
    its Monday and on to its Sunday (and the report says so); a week in which some days have
    no volume is marked, as its need is understated.
    """
    if last < first:
        raise BadRequest(f"--to {last} is before --from {first}")
    try:
        from planner.headcount import whole_weeks

        monday, sunday = whole_weeks(first, last)
    except ValueError:
        raise BadRequest(f"the weeks of {first} … {last} run past the calendar") from None
    from bot.services import planning
    from storage.unit_of_work import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        result = planning.headcount_team(uow, team, monday, sunday)
    table = result.table
    extended = (monday, sunday) != (first, last)
    weeks = iso_weeks(monday, sunday)
    missing = result.days_without_forecast
    if as_json:
        print(
            json.dumps(
                {
                    "team": result.team,
                    "from": monday.isoformat(),
                    "to": sunday.isoformat(),
                    "requested_from": first.isoformat(),
                    "requested_to": last.isoformat(),
                    "weeks_label": weeks,
                    "shrinkage": result.shrinkage,
                    "weekly_hours": result.weekly_hours,
                    "days_without_forecast": [d.isoformat() for d in missing],
                    "weeks": [
                        {
                            "week_start": pd_date(rec.week_start),
                            "iso_week": _iso_week(rec.week_start),
                            "days_with_volume": _days_with_volume(
                                _as_date(rec.week_start), missing
                            ),
                            "skill": rec.skill,
                            "required_hours": float(rec.required_hours),
                            "fte_needed": float(rec.fte_needed),
                            "fte_available": float(rec.fte_available),
                            "surplus": float(rec.surplus),
                        }
                        for rec in table.itertuples(index=False)
                    ],
                }
            )
        )
        return 0
    print(
        f"{result.team} {weeks}: shrinkage {result.shrinkage:.0%}, "
        f"{result.weekly_hours:g} h per FTE"
    )
    if extended:
        print(f"(--from {first} --to {last} extended to whole ISO weeks, Monday to Sunday)")
    header = (
        f"{'week':<9} {'skill':<8} {'agent-h':>8} {'FTE need':>9} {'FTE have':>9} {'surplus':>8}"
    )
    print(header)
    print("-" * len(header))
    for rec in table.itertuples(index=False):
        days = _days_with_volume(_as_date(rec.week_start), missing)
        flag = f"  ← only {days} of 7 days have volume" if days < 7 else ""
        print(
            f"{_iso_week(rec.week_start):<9} {rec.skill:<8} {rec.required_hours:>8.1f} "
            f"{rec.fte_needed:>9.1f} {rec.fte_available:>9.1f} {rec.surplus:>+8.1f}{flag}"
        )
    if missing:
        print(f"\n{len(missing)} day(s) have no volume; run `shiftbot forecast` for them first")
    return 0


def _as_date(value: object) -> date:
    return date.fromisoformat(pd_date(value))


def _iso_week(value: object) -> str:
    year, week, _ = _as_date(value).isocalendar()
    return f"{year}-W{week:02d}"


def pd_date(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(np.datetime_as_string(np.datetime64(value), unit="D"))  # type: ignore[call-overload]
