"""SQLModel tables: the persistent shape of teams, agents, shifts, demand and requests.

Instants are :class:`storage.types.UTCDateTime` (aware UTC). Local dates (a shift's day,
a leave day, a digest's day) are plain ``date`` values in the team's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1024)
def parse_skills(skills: str) -> frozenset[str]:
    """The skills of a stored ``a;b`` list (a team has a handful of distinct lists)."""
    return frozenset(s for s in skills.split(";") if s)


class Team(SQLModel, table=True):
    __tablename__ = "team"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    timezone: str = Field(max_length=64)
    interval_minutes: int = 30
    digest_time: str = Field(default="08:00", max_length=5)
    slack_channel: str | None = Field(default=None, max_length=64)
    telegram_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    service_level: float = 0.80
    target_seconds: float = 20.0
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    min_rest_hours: float = 11.0
    max_weekly_hours: float = 48.0
    max_consecutive_days: int = 6
    swap_cutoff_hours: float = 12.0
    max_off_per_day: int = 2
    approval: str = Field(default="lead", max_length=8)
    staffing_policy: str = Field(default="review", max_length=8)
    language: str | None = Field(default=None, max_length=8)
    reminder_hours: float = 4.0
    skill_names: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class Agent(SQLModel, table=True):
    __tablename__ = "agent"
    __table_args__ = (
        UniqueConstraint("team_id", "agent_id", name="uq_agent_team_agent_id"),
        Index("ix_agent_slack_user_id", "slack_user_id"),
        Index("ix_agent_telegram_user_id", "telegram_user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    agent_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(default="agent", max_length=8)
    skills: str = Field(default="", max_length=500)
    slack_user_id: str | None = Field(default=None, max_length=32)
    telegram_user_id: int | None = Field(default=None, sa_type=BigInteger)
    weekly_hours: float | None = None
    lang: str | None = Field(default=None, max_length=8)
    last_lang: str | None = Field(default=None, max_length=8)
    shift_hours: str | None = Field(default=None, max_length=64)

    @property
    def skill_set(self) -> frozenset[str]:
        return parse_skills(self.skills)

    @property
    def shift_lengths(self) -> frozenset[float]:
        """The shift lengths (hours) this person works; empty: any template."""
        return frozenset(float(h) for h in (self.shift_hours or "").split(";") if h)


class Shift(SQLModel, table=True):
    """A shift on the roster; ``agent_pk`` is empty while it is open (freed by a sick call)."""

    __tablename__ = "shift"
    __table_args__ = (
        Index("ix_shift_team_start", "team_id", "start_utc"),
        Index("ix_shift_agent_start", "agent_pk", "start_utc"),
        # The rules, the imports and the roster read a team's shifts by local date.
        Index("ix_shift_team_date", "team_id", "local_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    agent_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agent.id"), nullable=True)
    )
    local_date: date
    start_utc: datetime = Field(sa_type=UTCDateTime)
    end_utc: datetime = Field(sa_type=UTCDateTime)
    skill: str = Field(max_length=64)
    breaks: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="scheduled", max_length=16)
    freed_from_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agent.id"), nullable=True)
    )


class ShiftTemplate(SQLModel, table=True):
    """A shift ``roster generate`` may use (teams TOML ``[[team.shift_template]]``).

    ``start`` is local ``HH:MM``; ``hours`` the length, break included; ``break_window``
    ``HH:MM-HH:MM`` (when the break of ``break_minutes`` may start) or empty for no break;
    ``days`` the weekdays it runs on as digits, ``0`` = Monday. ``position`` keeps the
    file's order.
    """

    __tablename__ = "shift_template"
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_shift_template_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    position: int = 0
    name: str = Field(max_length=64)
    start: str = Field(max_length=5)
    hours: float
    break_minutes: int = 0
    break_window: str | None = Field(default=None, max_length=11)
    days: str = Field(default="0123456", max_length=7)


class Volume(SQLModel, table=True):
    """Calls and handling time for one interval and skill.

    ``source`` is ``actual`` (history), ``user`` (a forecast the user supplied) or ``model``
    (computed by ``shiftbot forecast``); a ``user`` row wins over a ``model`` row.
    """

    __tablename__ = "volume"
    __table_args__ = (
        # Every read is one team over a range of instants: this one index serves them all.
        UniqueConstraint("team_id", "interval_start", "skill", "source", name="uq_volume_interval"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    skill: str = Field(max_length=64)
    interval_start: datetime = Field(sa_type=UTCDateTime)
    calls: float
    aht_seconds: float
    source: str = Field(default="actual", max_length=8)


class Request(SQLModel, table=True):
    """A swap, give-away, leave or sick request and its life cycle.

    Status changes are compare-and-set on ``status`` so that one decision wins.
    """

    __tablename__ = "request"
    __table_args__ = (Index("ix_request_team_status", "team_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    kind: str = Field(max_length=16)
    status: str = Field(max_length=24)
    requester_pk: int = Field(foreign_key="agent.id")
    counterpart_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agent.id"), nullable=True)
    )
    taker_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agent.id"), nullable=True)
    )
    shift_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("shift.id", ondelete="SET NULL"), nullable=True),
    )
    counterpart_shift_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("shift.id", ondelete="SET NULL"), nullable=True),
    )
    start_date: date | None = None
    end_date: date | None = None
    reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("agent.id"), nullable=True)
    )
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str | None = Field(default=None, max_length=500)
    override_cutoff: bool = False
    staffing_warning: bool = False


class AuditEvent(SQLModel, table=True):
    """Who did what, when, and the state before and after. Never updated or deleted."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    request_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    note: str | None = Field(default=None, max_length=500)


class ProcessedEvent(SQLModel, table=True):
    """A transport event already handled (Slack event/action id, Telegram update id)."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_processed_event"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    event_id: str = Field(max_length=128)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DigestRun(SQLModel, table=True):
    """The claim on one team's digest for one local day: exactly one process sends it.

    ``status`` is ``claimed`` while a process holds it (until ``lease_until``; a claim whose
    lease ran out is taken over by another process), ``retry`` when its holder gave it back
    after a failed post (any process retries from ``lease_until`` on) or on shutdown, and
    ``done`` once every transport the holder could reach is settled. ``attempts`` counts the
    claims taken.
    """

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("team_id", "local_date", name="uq_digest_run"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    local_date: date
    claimed_by: str = Field(max_length=128)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="claimed", max_length=16)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class DigestSend(SQLModel, table=True):
    """One transport's delivery of a digest: recorded before and after the post.

    ``status``: ``sending`` (the post is under way, or its process died during it),
    ``sent``, ``error`` (failed, to be retried after a backoff) or ``failed`` (given up).
    """

    __tablename__ = "digest_send"
    __table_args__ = (UniqueConstraint("run_id", "transport", name="uq_digest_send"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(
        sa_column=Column(Integer, ForeignKey("digest_run.id", ondelete="CASCADE"), nullable=False)
    )
    transport: str = Field(max_length=16)
    status: str = Field(default="sending", max_length=16)
    attempts: int = 0
    sender: str = Field(default="", max_length=128)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)


class MessageRef(SQLModel, table=True):
    """An actionable message a transport posted (buttons to accept, approve or take).

    ``ref`` is the transport's own reference (Slack ``{"channel", "ts"}``, Telegram
    ``{"chat_id", "message_id"}``), so that the message can be edited when the request
    settles; ``retired_at`` is set once it has been.
    """

    __tablename__ = "message_ref"
    __table_args__ = (Index("ix_message_ref_request", "request_id", "retired_at"),)

    id: int | None = Field(default=None, primary_key=True)
    transport: str = Field(max_length=16)
    recipient: str = Field(max_length=64)
    request_id: int = Field(foreign_key="request.id")
    kind: str = Field(max_length=32)
    lang: str = Field(default="en", max_length=8)
    ref: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A notice produced outside a conversation (an expiry, an import with ``--force``).

    Written in the transaction that caused it; whoever delivers (the console after each
    message, ``serve``) claims it by setting ``delivered_at``.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_team_pending", "team_id", "delivered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    recipient: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    request_id: int | None = Field(default=None)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RosterDraft(SQLModel, table=True):
    """A generated week, stored so that applying it stores exactly what was shown.

    ``shifts`` are the week's rows as ``roster generate`` prints them (§2.3, with
    ``breaks``; kept shifts included), ``summary`` the figures shown with it. ``basis`` is a
    digest of what the roster was built on (the week's shifts and the days around it, their
    requests, leave, people and templates): applying refuses when it no longer matches.
    ``status`` is ``draft`` until it is ``applied``. ``messages`` are the transports' posted
    messages with its Apply button (``transport``, ``recipient``, ``lang``, ``ref``), edited
    once it is applied.
    """

    __tablename__ = "roster_draft"
    __table_args__ = (Index("ix_roster_draft_team_week", "team_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    week: date
    status: str = Field(default="draft", max_length=16)
    basis: str = Field(max_length=64)
    shifts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    messages: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    applied_by: str | None = Field(default=None, max_length=64)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
