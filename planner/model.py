"""Plain value types shared by the planner's modules.

Everything here is pure data: no database, no clock, no transport. Instants are
timezone-aware UTC ``datetime`` values; local dates are ``datetime.date`` in the team's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

Approval = Literal["lead", "auto"]


@dataclass(frozen=True)
class TeamRules:
    """A team's roster rules (CONTRACT §2.1 ``[team.rules]``); the defaults are the contract's."""

    min_rest_hours: float = 11.0
    max_weekly_hours: float = 48.0
    max_consecutive_days: int = 6
    swap_cutoff_hours: float = 12.0
    max_off_per_day: int = 2
    approval: Approval = "lead"


@dataclass(frozen=True)
class ServiceTarget:
    """A team's goal: ``service_level`` of calls answered within ``target_seconds``."""

    service_level: float = 0.80
    target_seconds: float = 20.0
    max_occupancy: float | None = None
    shrinkage: float = 0.0


@dataclass(frozen=True)
class Window:
    """A half-open UTC time window ``[start, end)``."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Shift:
    """One agent's shift.

    ``local_date`` is the date the shift starts on in the team's zone (a shift that ends the
    next day still belongs to its start date). ``start``/``end`` are aware UTC instants;
    ``breaks`` are windows off the phones inside the shift.
    """

    agent_id: str
    local_date: date
    start: datetime
    end: datetime
    skill: str
    breaks: tuple[Window, ...] = ()
    id: int | None = None

    @property
    def window(self) -> Window:
        return Window(self.start, self.end)

    @property
    def hours(self) -> float:
        """Paid hours of the shift (start to end; breaks are paid time)."""
        return (self.end - self.start).total_seconds() / 3600.0

    def reassigned(self, agent_id: str) -> Shift:
        """The same shift worked by someone else (its identity is kept)."""
        return Shift(
            agent_id=agent_id,
            local_date=self.local_date,
            start=self.start,
            end=self.end,
            skill=self.skill,
            breaks=self.breaks,
            id=self.id,
        )


@dataclass(frozen=True)
class AgentInfo:
    """What the rules need to know about an agent."""

    agent_id: str
    name: str
    skills: frozenset[str]
    role: Literal["agent", "lead"] = "agent"
    weekly_hours: float | None = None


@dataclass(frozen=True)
class Leave:
    """An approved (or proposed) day off for one agent, as a local date."""

    agent_id: str
    day: date


@dataclass(frozen=True)
class Demand:
    """Interval demand of one team for the staffing rule and coverage.

    ``interval_starts`` are aware UTC instants, each ``interval_seconds`` long. ``calls`` and
    ``aht_seconds`` map a skill to one value per interval (same length as ``interval_starts``).
    """

    interval_starts: tuple[datetime, ...]
    interval_seconds: int
    calls: dict[str, tuple[float, ...]] = field(default_factory=dict)
    aht_seconds: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def window(self, i: int) -> Window:
        start = self.interval_starts[i]
        return Window(start, start + timedelta(seconds=self.interval_seconds))
