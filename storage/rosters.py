"""What ``roster generate`` reads and writes: templates, a week's shifts, drafts.

The generation use case reads a week and the days around it as plain values, solves without
holding a transaction, and stores the result in one transaction that first checks the week
is still what it read (:func:`lock_window`, then the caller compares its digest).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from storage.tables import Request, RosterDraft, Shift, ShiftTemplate

LIVE = ("approved", "pending_counterpart", "pending_lead", "open")
"""Request states that tie a shift to a decision: such a shift is kept as it is."""
BATCH = 2_000
"""Rows per statement: a few columns each, far below every bind-parameter limit."""


@dataclass(frozen=True)
class StoredShift:
    """A stored shift as plain columns (``agent_pk`` None: an open shift)."""

    id: int
    agent_pk: int | None
    local_date: date
    start: datetime
    end: datetime
    skill: str
    breaks: tuple[tuple[str, str], ...]
    status: str
    freed_from_pk: int | None


def templates_of(session: Session, team_id: int) -> list[ShiftTemplate]:
    """The team's shift templates in the order of its teams file."""
    return list(
        session.exec(
            select(ShiftTemplate)
            .where(ShiftTemplate.team_id == team_id)
            .order_by(col(ShiftTemplate.position), col(ShiftTemplate.id))
        )
    )


def shifts_between(session: Session, team_id: int, first: date, last: date) -> list[StoredShift]:
    """Every shift (open ones too) on local dates ``first``..``last``, by start and id."""
    rows = session.execute(
        sa_select(
            col(Shift.id),
            col(Shift.agent_pk),
            col(Shift.local_date),
            col(Shift.start_utc),
            col(Shift.end_utc),
            col(Shift.skill),
            col(Shift.breaks),
            col(Shift.status),
            col(Shift.freed_from_pk),
        )
        .where(
            col(Shift.team_id) == team_id,
            col(Shift.local_date) >= first,
            col(Shift.local_date) <= last,
        )
        .order_by(col(Shift.start_utc), col(Shift.id))
    ).all()
    return [
        StoredShift(
            id=shift_id,
            agent_pk=agent_pk,
            local_date=day,
            start=start,
            end=end,
            skill=skill,
            breaks=tuple((str(b0), str(b1)) for b0, b1 in breaks or ()),
            status=status,
            freed_from_pk=freed,
        )
        for shift_id, agent_pk, day, start, end, skill, breaks, status, freed in rows
    ]


def requests_on(
    session: Session, team_id: int, first: date, last: date
) -> dict[int, list[tuple[int, str]]]:
    """``(request id, status)`` of the approved and pending requests about each shift of
    ``first``..``last`` (a swap names both its shifts; a give-away, a sick call and a shift
    freed by leave name theirs)."""
    found: dict[int, set[tuple[int, str]]] = {}
    for pointer in (col(Request.shift_id), col(Request.counterpart_shift_id)):
        rows = session.execute(
            sa_select(col(Shift.id), col(Request.id), col(Request.status))
            .join(Request, pointer == col(Shift.id))
            .where(
                col(Shift.team_id) == team_id,
                col(Shift.local_date) >= first,
                col(Shift.local_date) <= last,
                col(Request.status).in_(LIVE),
            )
        ).all()
        for shift_id, request_id, status in rows:
            found.setdefault(shift_id, set()).add((request_id, status))
    return {shift_id: sorted(refs) for shift_id, refs in found.items()}


def sick_days(session: Session, team_id: int, first: date, last: date) -> list[tuple[int, date]]:
    """``(agent pk, day)`` of the sick calls on ``first``..``last`` that were not withdrawn."""
    rows = session.execute(
        sa_select(col(Request.requester_pk), col(Request.start_date)).where(
            col(Request.team_id) == team_id,
            col(Request.kind) == "sick",
            col(Request.status) != "cancelled",
            col(Request.start_date) >= first,
            col(Request.start_date) <= last,
        )
    ).all()
    return [(pk, day) for pk, day in rows if day is not None]


def lock_window(session: Session, team_id: int, first: date, last: date) -> None:
    """Hold the shifts of ``first``..``last`` until commit.

    PostgreSQL locks the rows (``FOR UPDATE``); SQLite's writer already holds the whole
    database. Chat decisions lock a shift before they change it, so what the caller reads
    next stays as read until it commits.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        sa_select(col(Shift.id))
        .where(
            col(Shift.team_id) == team_id,
            col(Shift.local_date) >= first,
            col(Shift.local_date) <= last,
        )
        .order_by(col(Shift.id))  # one order for every locker: no deadlock between two
        .with_for_update()
    ).all()


def replace_shifts(
    session: Session,
    remove: Iterable[int],
    add: Sequence[dict[str, Any]],
    audits: Sequence[dict[str, Any]],
) -> None:
    """Delete the shifts ``remove``, insert the rows ``add`` (shift columns), write the audit
    rows; all in the caller's transaction, in batches."""
    shifts = SQLModel.metadata.tables["shift"]
    audit = SQLModel.metadata.tables["audit_event"]
    ids = list(remove)
    for start in range(0, len(ids), BATCH):
        session.execute(delete(shifts).where(shifts.c.id.in_(ids[start : start + BATCH])))
    for table, rows in ((shifts, add), (audit, audits)):
        for start in range(0, len(rows), BATCH):
            session.execute(insert(table), list(rows[start : start + BATCH]))


# ----------------------------------------------------------------------------------- drafts


def add_draft(session: Session, draft: RosterDraft) -> RosterDraft:
    session.add(draft)
    session.flush()
    return draft


def draft_by_id(session: Session, draft_id: int, *, lock: bool = False) -> RosterDraft | None:
    query = select(RosterDraft).where(RosterDraft.id == draft_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def add_draft_message(
    session: Session, draft_id: int, message: dict[str, Any]
) -> RosterDraft | None:
    """Remember a posted message with the draft's Apply button (under the draft's row lock)."""
    draft = draft_by_id(session, draft_id, lock=True)
    if draft is None:
        return None
    session.refresh(draft)
    if draft.status == "draft":
        draft.messages = [*draft.messages, message]
        session.add(draft)
        session.flush()
    return draft


def mark_applied(session: Session, draft_id: int, by: str, at: datetime) -> bool:
    """Compare-and-set a draft from ``draft`` to ``applied``; False when it was already."""
    result = session.execute(
        update(RosterDraft)
        .where(col(RosterDraft.id) == draft_id, col(RosterDraft.status) == "draft")
        .values(status="applied", applied_by=by, applied_at=at)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
