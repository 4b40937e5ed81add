"""Plain views of requests and shifts that services hand to the chat core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from planner.cover import CoverCandidate
from planner.rules import Violation


@dataclass(frozen=True)
class Person:
    agent_id: str
    name: str
    role: str = "agent"


@dataclass(frozen=True)
class ShiftView:
    id: int | None
    agent_id: str | None
    local_date: date
    start: datetime  # local, aware
    end: datetime  # local, aware
    skill: str
    breaks: tuple[tuple[datetime, datetime], ...] = ()

    @property
    def label(self) -> str:
        """``Fri 27 Nov 08:00–17:00 cards``."""
        return f"{self.start:%a %d %b %H:%M}–{self.end:%H:%M} {self.skill}"


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str
    status: str
    requester: Person
    counterpart: Person | None = None
    taker: Person | None = None
    shift: ShiftView | None = None
    counterpart_shift: ShiftView | None = None
    start_date: date | None = None
    end_date: date | None = None
    reason: str | None = None
    decided_by: Person | None = None
    decided_at: datetime | None = None  # local, aware
    decision_note: str | None = None
    override_cutoff: bool = False


@dataclass(frozen=True)
class Notice:
    """A message for someone other than the person who asked.

    ``kind`` says what happened (``swap_asked``, ``approval_needed`` …) so the chat core can
    word it; ``actions`` are the answers the recipient can give (``accept``/``decline``,
    ``approve``/``deny``, ``take``) for buttons.
    """

    to: Person
    kind: str
    request: RequestView
    actions: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    cover: tuple[CoverCandidate, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What a request use case did: the request as it is now, and who else to tell."""

    request: RequestView
    notices: list[Notice] = field(default_factory=list)
    violations: tuple[Violation, ...] = ()
    cover: tuple[CoverCandidate, ...] = ()
    needs_override: bool = False
    leads_available: bool = True
