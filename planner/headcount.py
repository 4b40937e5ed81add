"""Headcount (定編): full-time equivalents needed per skill and week against those the team has.

Staffing says how many agents must be on the phones in each interval; summed over a week
that is the agent-hours on the phones. Paid time also holds breaks, meetings, training,
leave and sickness — the shrinkage — so the paid hours needed are
``agent_hours / (1 − shrinkage)``, and dividing by a full-timer's weekly hours gives FTE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import pandas as pd

HEADCOUNT_COLUMNS: tuple[str, ...] = (
    "week_start",
    "skill",
    "required_hours",
    "fte_needed",
    "fte_available",
    "surplus",
)


def whole_weeks(first: date, last: date) -> tuple[date, date]:
    """The ISO weeks (Monday to Sunday) that hold ``first`` … ``last``: their Monday and Sunday.

    A week's FTE need is a week's hours against a week's contract, so headcount is reported
    for whole weeks only: a range that starts on a Wednesday starts on that week's Monday.

    Raises
    ------
    ValueError
        If ``last`` is before ``first``, or the weeks run past the calendar (year 1 or 9999).
    """
    if last < first:
        raise ValueError(f"{last} is before {first}")
    try:
        return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())
    except OverflowError:
        raise ValueError("the weeks run past the calendar") from None


def fte_by_skill(
    agents: Iterable[tuple[frozenset[str], float | None]], standard_weekly_hours: float
) -> dict[str, float]:
    """Full-time equivalents the team has per skill.

    Parameters
    ----------
    agents
        One ``(skills, weekly_hours)`` pair per agent: the skills they can take calls for
        and their contracted hours a week (``None`` counts as full time).
    standard_weekly_hours
        Hours a week of one full-timer (e.g. 40).

    Returns
    -------
    dict[str, float]
        ``FTE = weekly_hours / standard_weekly_hours`` per agent, split evenly across the
        agent's skills: a full-timer with ``cards`` and ``loans`` adds 0.5 FTE to each. The
        even split is a planning assumption (the agent's time goes where the roster puts it);
        it keeps the total equal to the team's FTE. Agents without skills add nothing.

    Raises
    ------
    ValueError
        If ``standard_weekly_hours`` is not positive or an agent's hours are negative.
    """
    if standard_weekly_hours <= 0:
        raise ValueError("standard_weekly_hours must be positive")
    totals: dict[str, float] = {}
    for skills, hours in agents:
        if not skills:
            continue
        weekly = standard_weekly_hours if hours is None else float(hours)
        if weekly < 0:
            raise ValueError("weekly hours cannot be negative")
        share = weekly / standard_weekly_hours / len(skills)
        for skill in sorted(skills):
            totals[skill] = totals.get(skill, 0.0) + share
    return totals


def headcount(
    required_agent_hours: pd.DataFrame,
    shrinkage: float,
    weekly_hours: float,
    agents_by_skill: Mapping[str, float],
) -> pd.DataFrame:
    """FTE needed per skill and week against the FTE available.

    Parameters
    ----------
    required_agent_hours : pandas.DataFrame
        Columns ``week_start`` (the week's first day), ``skill`` and ``agent_hours``: hours
        of agents on the phones the week needs (e.g. required agents per interval × interval
        length in hours, summed over the week). Several rows of one week and skill are added.
    shrinkage : float
        Fraction of paid time not on the phones, ``0 ≤ shrinkage < 1``.
    weekly_hours : float
        Paid hours a week of one full-time equivalent (> 0).
    agents_by_skill : Mapping[str, float]
        FTE the team has per skill, e.g. from :func:`fte_by_skill`.

    Returns
    -------
    pandas.DataFrame
        Columns ``week_start``, ``skill``, ``required_hours`` (agent-hours on the phones),
        ``fte_needed = required_hours / (1 − shrinkage) / weekly_hours``, ``fte_available``
        and ``surplus = fte_available − fte_needed`` (negative: a shortfall), one row for
        every week in the input and every skill that is either required or staffed, sorted by
        week then skill. Nothing is rounded; a partial week's hours give a partial week's
        need, so pass whole weeks.

    Raises
    ------
    ValueError
        On missing columns, ``shrinkage`` outside ``[0, 1)`` or non-positive ``weekly_hours``.

    Examples
    --------
    280 agent-hours on the phones with 30 % shrinkage need 400 paid hours, 10 FTE of 40 h.
    """
    missing = [c for c in ("week_start", "skill", "agent_hours") if c not in required_agent_hours]
    if missing:
        raise ValueError(f"required_agent_hours lacks column(s): {', '.join(missing)}")
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError("shrinkage must be at least 0 and below 1")
    if weekly_hours <= 0:
        raise ValueError("weekly_hours must be positive")

    hours = (
        required_agent_hours.assign(skill=required_agent_hours["skill"].astype(str))
        .groupby(["week_start", "skill"], sort=True)["agent_hours"]
        .sum()
    )
    weeks = sorted(set(required_agent_hours["week_start"]))
    skills = sorted(set(hours.index.get_level_values("skill")) | {str(s) for s in agents_by_skill})
    rows = []
    for week in weeks:
        for skill in skills:
            required = float(hours.get((week, skill), 0.0))
            needed = required / (1.0 - shrinkage) / weekly_hours
            available = float(agents_by_skill.get(skill, 0.0))
            rows.append((week, skill, required, needed, available, available - needed))
    return pd.DataFrame(rows, columns=list(HEADCOUNT_COLUMNS))
