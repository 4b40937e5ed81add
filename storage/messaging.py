"""Persistence of what was said: posted messages with buttons, the outbox, claimed events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.tables import MessageRef, OutboxMessage


def add_message_ref(
    session: Session,
    *,
    transport: str,
    recipient: str,
    request_id: int,
    kind: str,
    lang: str,
    ref: dict[str, Any],
    at: datetime,
) -> MessageRef:
    row = MessageRef(
        transport=transport,
        recipient=recipient,
        request_id=request_id,
        kind=kind,
        lang=lang,
        ref=ref,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def live_message_refs(session: Session, request_id: int) -> list[MessageRef]:
    """The request's posted button messages not yet edited, oldest first."""
    return list(
        session.exec(
            select(MessageRef)
            .where(col(MessageRef.request_id) == request_id, col(MessageRef.retired_at).is_(None))
            .order_by(col(MessageRef.id))
        )
    )


def retire_message_ref(session: Session, ref_id: int, at: datetime) -> bool:
    """Mark one posted message as edited; False when another process did it first."""
    result = session.execute(
        update(MessageRef)
        .where(col(MessageRef.id) == ref_id, col(MessageRef.retired_at).is_(None))
        .values(retired_at=at)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def message_ref(session: Session, ref_id: int) -> MessageRef | None:
    return session.get(MessageRef, ref_id)


def add_outbox(
    session: Session,
    *,
    team_id: int,
    recipient: str,
    kind: str,
    request_id: int | None,
    payload: dict[str, Any] | None = None,
    at: datetime,
) -> None:
    session.add(
        OutboxMessage(
            team_id=team_id,
            recipient=recipient,
            kind=kind,
            request_id=request_id,
            payload=payload or {},
            created_at=at,
        )
    )


def undelivered(
    session: Session, team_ids: Iterable[int] | None = None, limit: int = 200
) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(col(OutboxMessage.delivered_at).is_(None))
    if team_ids is not None:
        query = query.where(col(OutboxMessage.team_id).in_(list(team_ids)))
    return list(session.exec(query.order_by(col(OutboxMessage.id)).limit(limit)))


def claim_outbox(session: Session, ids: Sequence[int], at: datetime) -> list[int]:
    """Mark outbox rows delivered; only the ones this call claimed are returned."""
    claimed = []
    for row_id in ids:
        result = session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.delivered_at).is_(None))
            .values(delivered_at=at)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(row_id)
    return claimed
