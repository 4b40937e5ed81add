"""Who could work a freed or open shift?

:func:`suggest_cover` lists the agents who could take a shift without breaking any roster rule
(the same rules :func:`planner.rules.validate` applies to a ``cover`` change), ranked so that
the work goes to those with the fewest paid hours that ISO week and, among equals, to those
with the most rest around the shift.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from planner.model import Shift
from planner.rules import (
    Formatter,
    RosterContext,
    agent_violations,
    fmt_number,
    neighbours,
    roster_after,
)

__all__ = ["CoverCandidate", "suggest_cover"]


@dataclass(frozen=True)
class CoverCandidate:
    """An agent who could work the shift.

    ``week_hours`` are their paid hours in the shift's ISO week before taking it;
    ``rest_hours`` is the shorter rest next to the shift (before or after it), ``None`` when
    they have no shift on either side in the roster given; ``reasons`` say why they qualify.
    """

    agent_id: str
    name: str
    week_hours: float
    rest_hours: float | None
    reasons: tuple[str, ...]


def suggest_cover(
    shift: Shift,
    ctx: RosterContext,
    exclude: Iterable[str] = (),
    limit: int = 5,
) -> list[CoverCandidate]:
    """Up to ``limit`` agents who could work ``shift``, best first.

    A candidate has the shift's skill, is not on leave that day, is not ``shift.agent_id``
    (who frees it) nor in ``exclude``, and passes every rule for
    ``RosterChange(kind="cover", add=(shift.reassigned(candidate),))``: no overlap, enough
    rest, weekly hours, consecutive days. Staffing does not apply (adding a shift never lowers
    coverage). Ranking: fewest hours in the shift's ISO week, then most rest around the shift
    (none on either side counts as the most), then ``agent_id``.
    """
    if limit <= 0:
        return []
    excluded = {*exclude, shift.agent_id}
    on_leave = {lv.agent_id for lv in ctx.leaves if lv.day == shift.local_date}
    rosters: dict[str, list[Shift]] = {
        info.agent_id: []
        for info in ctx.agents.values()
        if shift.skill in info.skills
        and info.agent_id not in excluded
        and info.agent_id not in on_leave
    }
    if not rosters:
        return []

    for s in ctx.shifts:
        own = rosters.get(s.agent_id)
        if own is not None:
            own.append(s)

    rest = timedelta(hours=ctx.rules.min_rest_hours)
    near_start = shift.start - rest
    near_end = shift.end + rest
    week = shift.local_date.isocalendar()[:2]
    fmt = Formatter(ctx.tz, ctx.agents)
    ranked: list[tuple[float, float, str, CoverCandidate]] = []

    for agent_id, roster in rosters.items():
        if any(s.start < near_end and s.end > near_start for s in roster):
            continue
        if shift.id is not None and any(s.id == shift.id for s in roster):
            continue
        added = shift.reassigned(agent_id)
        before = sorted(roster, key=lambda s: (s.start, s.end))
        after = roster_after(before, set(), [added])
        leave_days: set[date] = set()
        if agent_violations(agent_id, before, after, [added], leave_days, ctx, fmt):
            continue
        week_hours = sum(s.hours for s in before if s.local_date.isocalendar()[:2] == week)
        prev, nxt = neighbours(added, after)
        rest_before = None if prev is None else (added.start - prev.end).total_seconds() / 3600.0
        rest_after = None if nxt is None else (nxt.start - added.end).total_seconds() / 3600.0
        rests = [r for r in (rest_before, rest_after) if r is not None]
        rest_hours = min(rests) if rests else None
        reasons = [f"has {shift.skill}", f"{fmt_number(week_hours)} h this week"]
        if rest_before is not None:
            reasons.append(f"{fmt_number(rest_before)} h rest before")
        if rest_after is not None:
            reasons.append(f"{fmt_number(rest_after)} h rest after")
        if not rests:
            reasons.append("no shift next to it")
        candidate = CoverCandidate(
            agent_id=agent_id,
            name=fmt.name(agent_id),
            week_hours=week_hours,
            rest_hours=rest_hours,
            reasons=tuple(reasons),
        )
        ranked.append(
            (week_hours, -(rest_hours if rest_hours is not None else math.inf), agent_id, candidate)
        )

    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked[:limit]]
