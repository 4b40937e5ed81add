"""Digest claims: one holder per team and day, leases taken over, sends recorded per transport.

Run on SQLite and PostgreSQL, with real threads for the races.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from storage import digests as claims
from storage import repository as repo
from storage.unit_of_work import UnitOfWork
from tests.factories import TEAM, seed

T = TypeVar("T")
DAY = date(2026, 12, 1)
T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
BOTH = ("slack", "telegram")


@pytest.fixture
def team_id(engine: Engine, tmp_path: Path) -> int:
    seed(engine, tmp_path)
    with UnitOfWork(engine, read_only=True) as uow:
        team = repo.team_by_name(uow.session, TEAM)
        assert team is not None and team.id is not None
        return team.id


def claim(
    engine: Engine,
    team_id: int,
    owner: str,
    at: datetime,
    transports: tuple[str, ...] = BOTH,
    *,
    eager: bool = False,
) -> claims.Claim | None:
    with UnitOfWork(engine) as uow:
        got = claims.claim(uow.session, team_id, DAY, owner, at, LEASE, transports, eager=eager)
        uow.commit()
    return got


def step(engine: Engine, fn: Callable[..., T], *args: object) -> T:
    with UnitOfWork(engine) as uow:
        result = fn(uow.session, *args)
        uow.commit()
    return result


def state(engine: Engine, team_id: int) -> claims.RunState:
    with UnitOfWork(engine, read_only=True) as uow:
        found = claims.run_state(uow.session, team_id, DAY)
    assert found is not None
    return found


def race(n: int, fn: Callable[[int], T]) -> list[T]:
    results: list[T] = []
    barrier = threading.Barrier(n)
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        value = fn(i)
        with lock:
            results.append(value)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == n
    return results


def test_the_first_claim_wins_and_others_wait_while_its_lease_lasts(
    engine: Engine, team_id: int
) -> None:
    first = claim(engine, team_id, "a", T0)
    assert first is not None and not first.taken_over
    assert claim(engine, team_id, "b", T0 + timedelta(minutes=4)) is None
    held = state(engine, team_id)
    assert (held.status, held.claimed_by, held.lease_until) == ("claimed", "a", T0 + LEASE)


def test_a_claim_whose_holder_died_is_taken_over_after_its_lease(
    engine: Engine, team_id: int
) -> None:
    first = claim(engine, team_id, "a", T0)
    assert first is not None
    assert step(engine, claims.start_send, first, "slack", T0, LEASE) == 1
    step(engine, claims.end_send, first, "slack", T0, "sent")
    assert step(engine, claims.start_send, first, "telegram", T0, LEASE) == 1
    # "a" dies here, in the middle of its Telegram post.
    later = T0 + LEASE + timedelta(seconds=1)
    second = claim(engine, team_id, "b", later)
    assert second is not None and second.taken_over
    assert second.settled("slack") and second.uncertain("telegram")
    assert state(engine, team_id).attempts == 2
    # The old holder cannot record anything for the claim any more.
    assert step(engine, claims.start_send, first, "telegram", later, LEASE) is None
    assert not step(engine, claims.finish, first, later)


def test_of_many_processes_at_once_exactly_one_claims(engine: Engine, team_id: int) -> None:
    got = race(8, lambda i: claim(engine, team_id, f"p{i}", T0))
    assert sum(1 for c in got if c is not None) == 1


def test_of_many_processes_taking_over_at_once_exactly_one_wins(
    engine: Engine, team_id: int
) -> None:
    assert claim(engine, team_id, "dead", T0) is not None
    later = T0 + LEASE * 2
    got = race(8, lambda i: claim(engine, team_id, f"p{i}", later))
    winners = [c for c in got if c is not None]
    assert len(winners) == 1
    assert state(engine, team_id).claimed_by == winners[0].owner


def test_a_done_digest_is_not_claimed_again_unless_a_transport_is_missing(
    engine: Engine, team_id: int
) -> None:
    first = claim(engine, team_id, "a", T0, ("slack",))
    assert first is not None
    step(engine, claims.start_send, first, "slack", T0, LEASE)
    step(engine, claims.end_send, first, "slack", T0, "sent")
    assert step(engine, claims.finish, first, T0)
    assert claim(engine, team_id, "b", T0, ("slack",)) is None
    # A process that can also post to Telegram finishes what the first could not.
    second = claim(engine, team_id, "c", T0, BOTH)
    assert second is not None and second.settled("slack") and not second.settled("telegram")


def test_a_failed_post_waits_for_its_retry_unless_someone_asks_now(
    engine: Engine, team_id: int
) -> None:
    first = claim(engine, team_id, "a", T0)
    assert first is not None
    step(engine, claims.start_send, first, "slack", T0, LEASE)
    step(engine, claims.end_send, first, "slack", T0, "error", "HTTP 500 " * 100)
    assert step(engine, claims.release, first, T0 + timedelta(seconds=30))
    stored = state(engine, team_id)
    assert stored.status == "retry" and len(stored.sends["slack"].error or "") == 500
    assert claim(engine, team_id, "b", T0 + timedelta(seconds=10)) is None
    assert claim(engine, team_id, "b", T0 + timedelta(seconds=10), eager=True) is not None


def test_a_retry_counts_the_attempts_of_each_transport(engine: Engine, team_id: int) -> None:
    first = claim(engine, team_id, "a", T0)
    assert first is not None
    step(engine, claims.start_send, first, "slack", T0, LEASE)
    step(engine, claims.end_send, first, "slack", T0, "error", "timeout")
    step(engine, claims.release, first, T0)
    second = claim(engine, team_id, "b", T0 + timedelta(seconds=1))
    assert second is not None
    assert step(engine, claims.start_send, second, "slack", T0, LEASE) == 2
    step(engine, claims.end_send, second, "slack", T0, "sent")
    sends = state(engine, team_id).sends
    assert (sends["slack"].status, sends["slack"].attempts, sends["slack"].error) == (
        "sent",
        2,
        None,
    )
