"""Who could work a freed or open shift?

:func:`suggest_cover` lists the agents who could take a shift without breaking any roster rule
(the same rules :func:`planner.rules.validate` applies to a ``cover`` change), ranked so that
the work goes to those with the fewest paid hours that ISO week and, among equals, to those
with the most rest around the shift. A lead who is not on the phones that week comes after
every agent: leads are asked to cover only when nobody else can, unless they are working
shifts that week anyway.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from planner.model import Shift
from planner.rules import (
    Formatter,
    RosterContext,
    agent_violations,
    english,
    neighbours,
    roster_after,
)

__all__ = ["CoverCandidate", "Reason", "suggest_cover"]


@dataclass(frozen=True)
class Reason:
    """Why a candidate qualifies: ``code`` names the sentence (catalog id ``cover.<code>``)
    and ``params`` its values (``skill`` a skill code, ``hours`` a float)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    @property
    def text(self) -> str:
        """The English words, for logs and tests."""
        return english("cover." + self.code, self.params)


@dataclass(frozen=True)
class CoverCandidate:
    """An agent who could work the shift.

    ``week_hours`` are their paid hours in the shift's ISO week before taking it;
    ``rest_hours`` is the shorter rest next to the shift (before or after it), ``None`` when
    they have no shift on either side in the roster given; ``reasons`` say why they qualify
    (codes and values; :attr:`reason_text` is the English line).
    """

    agent_id: str
    name: str
    week_hours: float
    rest_hours: float | None
    reasons: tuple[Reason, ...]

    @property
    def reason_text(self) -> str:
        """``has cards, 24 h this week, 16 h rest before``."""
        return ", ".join(r.text for r in self.reasons)


def _one_decimal(hours: float) -> float:
    return round(hours, 1)


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
    coverage). Ranking: agents, and leads with at least one shift in the shift's ISO week,
    before leads without one; then fewest hours in that week, then most rest around the shift
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
    ranked: list[tuple[bool, float, float, str, CoverCandidate]] = []

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
        this_week = [s for s in before if s.local_date.isocalendar()[:2] == week]
        week_hours = sum(s.hours for s in this_week)
        info = ctx.agents[agent_id]
        off_phones = info.role == "lead" and not this_week
        prev, nxt = neighbours(added, after)
        rest_before = None if prev is None else (added.start - prev.end).total_seconds() / 3600.0
        rest_after = None if nxt is None else (nxt.start - added.end).total_seconds() / 3600.0
        rests = [r for r in (rest_before, rest_after) if r is not None]
        rest_hours = min(rests) if rests else None
        reasons = [
            Reason("has_skill", {"skill": shift.skill}),
            Reason("week_hours", {"hours": _one_decimal(week_hours)}),
        ]
        if rest_before is not None:
            reasons.append(Reason("rest_before", {"hours": _one_decimal(rest_before)}))
        if rest_after is not None:
            reasons.append(Reason("rest_after", {"hours": _one_decimal(rest_after)}))
        if not rests:
            reasons.append(Reason("no_neighbour"))
        if off_phones:
            reasons.append(Reason("lead_off_phones"))
        candidate = CoverCandidate(
            agent_id=agent_id,
            name=fmt.name(agent_id),
            week_hours=week_hours,
            rest_hours=rest_hours,
            reasons=tuple(reasons),
        )
        ranked.append(
            (
                off_phones,
                week_hours,
                -(rest_hours if rest_hours is not None else math.inf),
                agent_id,
                candidate,
            )
        )

    ranked.sort(key=lambda item: item[:4])
    return [item[4] for item in ranked[:limit]]
