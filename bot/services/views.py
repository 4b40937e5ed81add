"""Plain views of requests and shifts that services hand to the chat core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from planner.cover import CoverCandidate
from planner.rules import Violation


@dataclass(frozen=True)
class Person:
    agent_id: str
    name: str
    role: str = "agent"
    lang: str = "en"  # the language this person reads (agents.csv lang, team, last written)


@dataclass(frozen=True)
class ShiftView:
    id: int | None
    agent_id: str | None
    local_date: date
    start: datetime  # local, aware
    end: datetime  # local, aware
    skill: str
    breaks: tuple[tuple[datetime, datetime], ...] = ()


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
    staffing_warning: bool = False
    created_at: datetime | None = None  # local, aware


@dataclass(frozen=True)
class RefView:
    """A posted message with buttons (see :class:`storage.tables.MessageRef`)."""

    id: int
    transport: str
    recipient: str
    request_id: int
    kind: str
    lang: str
    ref: Mapping[str, Any]


@dataclass(frozen=True)
class Notice:
    """A message for someone other than the person who asked.

    ``kind`` says what happened (``swap_asked``, ``approval_needed`` …) so the chat core can
    word it; ``actions`` are the answers the recipient can give (``accept``/``decline``,
    ``approve``/``deny``, ``take``) for buttons. ``to`` None with ``channel`` True is the
    team's channel.
    """

    to: Person | None
    kind: str
    request: RequestView
    actions: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    cover: tuple[CoverCandidate, ...] = ()
    impact: Any = None
    channel: bool = False
    team_lang: str = "en"
    no_shift_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What a request use case did: the request as it is now, and who else to tell.

    ``retired`` are the posted button messages of the request that are stale now and were
    claimed for editing; ``impact`` is the staffing impact (``planner.impact.Impact``) as
    the roster is now, when the request changes coverage.
    """

    request: RequestView
    notices: list[Notice] = field(default_factory=list)
    violations: tuple[Violation, ...] = ()
    cover: tuple[CoverCandidate, ...] = ()
    needs_override: bool = False
    leads_available: bool = True
    retired: tuple[RefView, ...] = ()
    impact: Any = None
    warnings: tuple[Violation, ...] = ()
    no_shift_days: tuple[date, ...] = ()
