"""Two people acting at the same moment: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.services import requests as svc
from bot.services.errors import Conflict, DomainError, InvalidTransition, RulesBroken
from storage.importers import export_shifts
from storage.unit_of_work import UnitOfWork
from tests.factories import NOW, TEAM, seed

DEC1 = date(2026, 12, 1)


def race(engine: Engine, *actions: Callable[[UnitOfWork], object]) -> list[object]:
    """Run each action in its own thread and transaction, released together."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def worker(i: int, action: Callable[[UnitOfWork], object]) -> None:
        barrier.wait()
        try:
            with UnitOfWork(engine) as uow:
                results[i] = action(uow)
        except DomainError as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def pending_swap(engine: Engine, counterpart: str = "bob", kind: str = "swap") -> int:
    with UnitOfWork(engine) as uow:
        if kind == "swap":
            rid = svc.request_swap(uow, TEAM, "amy", counterpart, DEC1, None, NOW).request.id
        else:
            rid = svc.request_giveaway(uow, TEAM, "amy", DEC1, counterpart, NOW).request.id
    with UnitOfWork(engine) as uow:
        svc.answer(uow, TEAM, counterpart, rid, True, NOW)
    return rid


@pytest.mark.parametrize("round_", range(3))
def test_two_leads_approving_at_once_give_exactly_one_approval(
    engine: Engine, tmp_path: Path, round_: int
) -> None:
    seed(engine, tmp_path)
    rid = pending_swap(engine)
    results = race(
        engine,
        lambda uow: svc.decide(uow, TEAM, "lin", rid, True, NOW),
        lambda uow: svc.decide(uow, TEAM, "mei", rid, True, NOW),
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], InvalidTransition)
    assert "was already approved by" in str(losers[0])
    with UnitOfWork(engine) as uow:
        lines = export_shifts(uow.session, TEAM, DEC1, DEC1).splitlines()
    assert "bob,2026-12-01,08:00,17:00,cards,12:00-13:00" in lines
    assert "amy,2026-12-01,13:00,22:00,cards,17:30-18:00" in lines


@pytest.mark.parametrize("round_", range(3))
def test_two_requests_for_the_same_shift_cannot_both_be_applied(
    engine: Engine, tmp_path: Path, round_: int
) -> None:
    seed(engine, tmp_path)
    swap = pending_swap(engine, "bob")
    give = pending_swap(engine, "eve", kind="giveaway")
    results = race(
        engine,
        lambda uow: svc.decide(uow, TEAM, "lin", swap, True, NOW),
        lambda uow: svc.decide(uow, TEAM, "mei", give, True, NOW),
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert isinstance(losers[0], RulesBroken | Conflict)
    with UnitOfWork(engine) as uow:
        lines = export_shifts(uow.session, TEAM, DEC1, DEC1).splitlines()
    early = [line for line in lines if ",2026-12-01,08:00,17:00,cards,12:00-13:00" in line]
    assert len(early) == 1 and not early[0].startswith("amy,")
