"""Deliveries: claimed transport events, posted button messages and the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.i18n import normalise
from bot.services.ports import UnitOfWork
from bot.services.requests import BUTTONS_VALID, Scope, _ref_view
from bot.services.views import RefView, RequestView
from storage import messaging as msgrepo
from storage import repository as repo
from storage.tables import Team


def claim(uow: UnitOfWork, source: str, event_id: str) -> bool:
    """Claim a delivery in the caller's transaction; False when it was claimed before.

    Committed (or rolled back) with the change it makes, so a retried delivery, even in
    another process on the same database, has no second effect.
    """
    return repo.claim_event(uow.session, source[:16], event_id[:128])


def record_posted(
    uow: UnitOfWork,
    *,
    transport: str,
    recipient: str,
    request_id: int,
    kind: str,
    lang: str,
    ref: dict[str, Any],
    now: datetime,
) -> tuple[RefView, RequestView] | None:
    """Store a posted button message; when its request already moved on, retire it at once
    and return it with the request, so the caller edits it right away."""
    row = msgrepo.add_message_ref(
        uow.session,
        transport=transport,
        recipient=recipient,
        request_id=request_id,
        kind=kind,
        lang=lang,
        ref=ref,
        at=now,
    )
    req = repo.request_by_id(uow.session, request_id)
    stale = req is not None and kind not in BUTTONS_VALID.get(req.status, ())
    out = None
    if (
        stale
        and req is not None
        and row.id is not None
        and msgrepo.retire_message_ref(uow.session, row.id, now)
    ):
        team = uow.session.get(Team, req.team_id)
        assert team is not None
        out = (_ref_view(row), Scope.load(uow.session, team.name).view(req))
    uow.commit()
    return out


@dataclass(frozen=True)
class Delivery:
    """One outbox row, ready to word: a notice (``ref`` None) or an edit of a posted message."""

    recipient: str
    kind: str
    request: RequestView
    lang: str
    team: str
    skill_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)
    ref: RefView | None = None


def waiting(uow: UnitOfWork, team: str | None) -> bool:
    """Whether anything waits in the outbox (a read, before claiming anything)."""
    team_ids = None
    if team is not None:
        found = repo.team_by_name(uow.session, team)
        if found is None or found.id is None:
            return False
        team_ids = [found.id]
    return bool(msgrepo.undelivered(uow.session, team_ids, limit=1))


def drain(uow: UnitOfWork, team: str | None, now: datetime) -> list[Delivery]:
    """Claim what waits in the outbox (all teams, or one); each row is delivered once."""
    team_ids = None
    if team is not None:
        found = repo.team_by_name(uow.session, team)
        if found is None or found.id is None:
            return []
        team_ids = [found.id]
    rows = msgrepo.undelivered(uow.session, team_ids)
    if not rows:
        return []
    claimed = set(msgrepo.claim_outbox(uow.session, [r.id for r in rows if r.id], now))
    scopes: dict[int, Scope] = {}
    out: list[Delivery] = []
    for row in rows:
        if row.id not in claimed or row.request_id is None:
            continue
        if row.team_id not in scopes:
            t = uow.session.get(Team, row.team_id)
            assert t is not None
            scopes[row.team_id] = Scope.load(uow.session, t.name)
        scope = scopes[row.team_id]
        req = repo.request_by_id(uow.session, row.request_id)
        if req is None:
            continue
        view = scope.view(req)
        ref = None
        if row.kind == "edit":
            stored = msgrepo.message_ref(uow.session, int(row.payload.get("ref_id", 0)))
            if stored is None:
                continue
            ref = _ref_view(stored)
            lang = ref.lang
        else:
            try:
                lang = scope.reads(scope.agent(row.recipient))
            except Exception:
                lang = scope.team_lang
        out.append(
            Delivery(
                recipient=row.recipient,
                kind=row.kind,
                request=view,
                lang=normalise(lang),
                team=scope.team.name,
                skill_names=scope.team.skill_names or {},
                payload={k: v for k, v in row.payload.items() if k != "ref_id"},
                ref=ref,
            )
        )
    uow.commit()
    return out
