"""Exactly one morning digest per team and local day, across processes.

A process claims ``(team, local date)`` with ``INSERT … ON CONFLICT DO NOTHING RETURNING``;
the winner holds a lease. Each transport's post is recorded before it starts (``sending``) and
after it ends (``sent``, ``error``, ``failed``), so a process that takes over a claim whose
holder died (its lease ran out) posts only what is not known to be posted. Every change of a
claim is compare-and-set on its holder, so two processes never both believe they hold it.

Functions take a ``Session`` from the caller's unit of work; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from storage.tables import DigestRun, DigestSend

SETTLED = ("sent", "failed")
"""Send states that end a transport's part: posted, or given up after every retry."""


@dataclass(frozen=True)
class SendState:
    transport: str
    status: str
    attempts: int
    sender: str
    started_at: datetime
    sent_at: datetime | None
    error: str | None

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


@dataclass(frozen=True)
class RunState:
    """A digest claim as stored, with its sends by transport."""

    id: int
    team_id: int
    day: date
    status: str
    claimed_by: str
    claimed_at: datetime
    lease_until: datetime | None
    attempts: int
    sent_at: datetime | None
    sends: Mapping[str, SendState] = field(default_factory=dict)

    def settled(self, transports: Collection[str]) -> bool:
        """Whether every one of ``transports`` is posted or given up."""
        return all(t in self.sends and self.sends[t].settled for t in transports)


@dataclass(frozen=True)
class Claim:
    """A claim this process holds: send what is not settled, then :func:`finish`."""

    run_id: int
    owner: str
    day: date
    taken_over: bool
    sends: Mapping[str, SendState] = field(default_factory=dict)

    def settled(self, transport: str) -> bool:
        state = self.sends.get(transport)
        return state is not None and state.settled

    def uncertain(self, transport: str) -> bool:
        """An earlier holder started this post and never recorded how it ended."""
        state = self.sends.get(transport)
        return state is not None and state.status == "sending"


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def run_state(session: Session, team_id: int, day: date) -> RunState | None:
    row = session.execute(
        sa_select(DigestRun).where(
            col(DigestRun.team_id) == team_id, col(DigestRun.local_date) == day
        )
    ).scalar_one_or_none()
    if row is None or row.id is None:
        return None
    session.refresh(row)
    return RunState(
        id=row.id,
        team_id=row.team_id,
        day=row.local_date,
        status=row.status,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        lease_until=row.lease_until,
        attempts=row.attempts,
        sent_at=row.sent_at,
        sends=_sends(session, row.id),
    )


def _sends(session: Session, run_id: int) -> dict[str, SendState]:
    rows = session.execute(
        sa_select(
            col(DigestSend.transport),
            col(DigestSend.status),
            col(DigestSend.attempts),
            col(DigestSend.sender),
            col(DigestSend.started_at),
            col(DigestSend.sent_at),
            col(DigestSend.error),
        ).where(col(DigestSend.run_id) == run_id)
    ).all()
    return {r[0]: SendState(*r) for r in rows}


def _insert_run(session: Session, values: dict[str, Any]) -> int | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the new id, or None when it exists.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and
    then inserts nothing, so exactly one process wins.
    """
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(DigestRun).values(**values)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(DigestRun).values(**values)
    else:
        try:
            with session.begin_nested():
                result: Any = session.execute(insert(DigestRun).values(**values))
            return int(result.inserted_primary_key[0])
        except IntegrityError:
            return None
    stmt = stmt.on_conflict_do_nothing(index_elements=["team_id", "local_date"]).returning(
        col(DigestRun.id)
    )
    row = session.execute(stmt).first()
    return None if row is None else int(row[0])


def claim(
    session: Session,
    team_id: int,
    day: date,
    owner: str,
    now: datetime,
    lease: timedelta,
    transports: Collection[str],
    *,
    eager: bool = False,
) -> Claim | None:
    """Claim the team's digest of local ``day`` for ``owner``; None when there is nothing to
    do (every one of ``transports`` is settled) or another process holds it.

    A new claim is inserted; an existing one is taken over when its lease ran out (its holder
    died), when it was given back for a retry and the retry is due (at once with ``eager``:
    a person asked to send it now), or when it is done but one of ``transports`` is not
    settled (a process with other credentials finished its part).
    """
    until = now + lease
    run_id = _insert_run(
        session,
        {
            "team_id": team_id,
            "local_date": day,
            "claimed_by": owner,
            "claimed_at": now,
            "status": "claimed",
            "lease_until": until,
            "attempts": 1,
        },
    )
    if run_id is not None:
        return Claim(run_id, owner, day, taken_over=False)
    state = run_state(session, team_id, day)
    if state is None or state.settled(transports):
        return None
    if waits(state, now, eager=eager):
        return None
    # Compare-and-set on what was read: of two processes taking over at once, one wins.
    condition = [
        col(DigestRun.id) == state.id,
        col(DigestRun.status) == state.status,
        col(DigestRun.claimed_by) == state.claimed_by,
        col(DigestRun.attempts) == state.attempts,
    ]
    result = session.execute(
        update(DigestRun)
        .where(*condition)
        .values(
            claimed_by=owner,
            claimed_at=now,
            status="claimed",
            lease_until=until,
            attempts=state.attempts + 1,
        )
    )
    if _rowcount(result) != 1:
        return None
    return Claim(state.id, owner, day, taken_over=True, sends=state.sends)


def waits(state: RunState, now: datetime, *, eager: bool = False) -> bool:
    """Whether a claim may not be taken now: held under a live lease, or waiting for the
    time of its retry (unless ``eager``)."""
    pending = state.lease_until is None or state.lease_until > now
    if state.status == "claimed":
        return pending
    if state.status == "retry":
        return pending and not eager
    return False


def renew(session: Session, claim: Claim, now: datetime, lease: timedelta) -> bool:
    """Extend the lease; False when the claim is no longer this process's."""
    result = session.execute(
        update(DigestRun)
        .where(
            col(DigestRun.id) == claim.run_id,
            col(DigestRun.claimed_by) == claim.owner,
            col(DigestRun.status) == "claimed",
        )
        .values(lease_until=now + lease)
    )
    return _rowcount(result) == 1


def start_send(
    session: Session, claim: Claim, transport: str, now: datetime, lease: timedelta
) -> int | None:
    """Record that ``transport`` is about to post (and renew the lease).

    Returns the attempt number, or None when the claim was lost (nothing may be posted).
    """
    if not renew(session, claim, now, lease):
        return None
    result = session.execute(
        update(DigestSend)
        .where(col(DigestSend.run_id) == claim.run_id, col(DigestSend.transport) == transport)
        .values(
            status="sending",
            attempts=col(DigestSend.attempts) + 1,
            sender=claim.owner,
            started_at=now,
            error=None,
        )
    )
    if _rowcount(result) == 0:
        session.add(
            DigestSend(
                run_id=claim.run_id,
                transport=transport,
                status="sending",
                attempts=1,
                sender=claim.owner,
                started_at=now,
            )
        )
        session.flush()
    attempts = session.execute(
        sa_select(col(DigestSend.attempts)).where(
            col(DigestSend.run_id) == claim.run_id, col(DigestSend.transport) == transport
        )
    ).scalar_one()
    return int(attempts)


def end_send(
    session: Session,
    claim: Claim,
    transport: str,
    now: datetime,
    status: str,
    error: str | None = None,
) -> None:
    """Record how a post ended: ``sent``, ``error`` (to retry) or ``failed`` (given up)."""
    if status not in ("sent", "error", "failed"):
        raise ValueError(f"unknown send status {status!r}")
    session.execute(
        update(DigestSend)
        .where(col(DigestSend.run_id) == claim.run_id, col(DigestSend.transport) == transport)
        .values(
            status=status,
            sent_at=now if status == "sent" else None,
            error=None if error is None else error[:500],
        )
    )


def finish(session: Session, claim: Claim, now: datetime) -> bool:
    """Mark the claim done (every transport settled); False when it was lost meanwhile."""
    result = session.execute(
        update(DigestRun)
        .where(col(DigestRun.id) == claim.run_id, col(DigestRun.claimed_by) == claim.owner)
        .values(status="done", sent_at=now, lease_until=None)
    )
    return _rowcount(result) == 1


def release(session: Session, claim: Claim, until: datetime) -> bool:
    """Give the claim back: any process may take it over from ``until`` on (a retry after a
    backoff, or at once on shutdown)."""
    result = session.execute(
        update(DigestRun)
        .where(
            col(DigestRun.id) == claim.run_id,
            col(DigestRun.claimed_by) == claim.owner,
            col(DigestRun.status) == "claimed",
        )
        .values(status="retry", lease_until=until)
    )
    return _rowcount(result) == 1


def runs_between(
    session: Session, first: date, last: date, team_ids: Collection[int] | None = None
) -> list[RunState]:
    """Claims of local days ``first``..``last`` (for reports and tests), by team and day."""
    query = sa_select(col(DigestRun.team_id), col(DigestRun.local_date)).where(
        col(DigestRun.local_date) >= first, col(DigestRun.local_date) <= last
    )
    if team_ids is not None:
        query = query.where(col(DigestRun.team_id).in_(list(team_ids)))
    out = []
    for team_id, day in session.execute(query.order_by(col(DigestRun.team_id))).all():
        state = run_state(session, team_id, day)
        if state is not None:
            out.append(state)
    return out
