"""The scheduler part of ``serve``: digests on time and once, retries, takeovers, shutdown,
reloads, the sweep, reminders and intraday alerts; transports are recording fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from bot.bootstrap import make_core
from bot.config import Settings
from bot.core.messages import Outgoing
from bot.scheduling import Scheduler, Timing
from bot.serve import Router
from storage import digests as claims
from storage import repository as repo
from storage.importers import import_teams
from storage.unit_of_work import UnitOfWork
from tests.integration import digest_world as world

T = TypeVar("T")
FAST = Timing(lease=60, send_timeout=5, backoff=30, max_attempts=3, shutdown_grace=0.3)
DAY = world.GAPS_DAY


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def local(self, *args: int) -> None:
        self.now = datetime(*args, tzinfo=world.TZ).astimezone(UTC)  # type: ignore[misc]


@dataclass
class Process:
    """One ``serve --scheduler`` process: its core, its transports, its scheduler."""

    engine: Engine
    clock: Clock
    owner: str
    timing: Timing = FAST
    slack: world.Recorder = field(default_factory=lambda: world.Recorder("slack", people=True))
    telegram: world.Recorder = field(default_factory=lambda: world.Recorder("telegram"))

    def __post_init__(self) -> None:
        self.router = Router(make_core(self.engine, self.clock))
        self.router.transports = [self.slack, self.telegram]
        self.scheduler = Scheduler(
            self.router,
            Settings(),
            clock=self.clock,
            timing=self.timing,
            owner=self.owner,
            outbound=[],
        )


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 7, 55, tzinfo=world.TZ).astimezone(UTC))


@pytest.fixture
def seeded(engine: Engine, tmp_path: Path) -> Engine:
    world.build(engine, tmp_path)
    return engine


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def digest_state(engine: Engine, team: str = world.TEAM, day: date = DAY) -> claims.RunState:
    with UnitOfWork(engine, read_only=True) as uow:
        found = repo.team_by_name(uow.session, team)
        assert found is not None and found.id is not None
        state = claims.run_state(uow.session, found.id, day)
    assert state is not None
    return state


def sending(engine: Engine) -> bool:
    """Whether a Telegram post of the digest is under way or done."""
    with UnitOfWork(engine, read_only=True) as uow:
        found = repo.team_by_name(uow.session, world.TEAM)
        assert found is not None and found.id is not None
        state = claims.run_state(uow.session, found.id, DAY)
    return state is not None and "telegram" in state.sends


def posted(*processes: Process, team: str = world.TEAM) -> dict[str, int]:
    out = {"slack": 0, "telegram": 0}
    for p in processes:
        out["slack"] += len(p.slack.digests(team))
        out["telegram"] += len(p.telegram.digests(team))
    return out


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


# ------------------------------------------------------------------------------ digests


def test_nothing_is_sent_before_the_digest_time_and_each_team_once_after(
    seeded: Engine, clock: Clock
) -> None:
    p = Process(seeded, clock, "a")

    async def scenario() -> None:
        await p.scheduler.reload()
        await p.scheduler.check_due()
        await asyncio.sleep(0.05)
        assert posted(p) == {"slack": 0, "telegram": 0}
        clock.local(2026, 12, 1, 8, 0, 30)
        await p.scheduler.check_due()
        await until(lambda: posted(p) == {"slack": 1, "telegram": 1})
        await p.scheduler.check_due()
        await p.scheduler.stop()

    run(scenario())
    assert posted(p) == {"slack": 1, "telegram": 1}
    # 08:00 in Taipei is 01:00 in Berlin: the night desk's 07:00 digest is not due yet.
    assert posted(p, team=world.NIGHT) == {"slack": 0, "telegram": 0}
    [notice] = p.slack.digests(world.TEAM)
    assert notice.text.startswith("Morning digest for hotline, Tue 1 Dec")
    assert notice.attachment is not None and not Path(notice.attachment).exists()
    assert p.slack.posts[0][2].startswith(b"\x89PNG")
    state = digest_state(seeded)
    assert state.status == "done" and set(state.sends) == {"slack", "telegram"}


def test_two_processes_at_the_same_moment_send_each_digest_once(
    seeded: Engine, clock: Clock
) -> None:
    clock.local(2026, 12, 1, 8, 0)
    a, b = Process(seeded, clock, "a"), Process(seeded, clock, "b")

    async def scenario() -> list[str]:
        return list(
            await asyncio.gather(
                a.scheduler.send_digest(world.TEAM, DAY), b.scheduler.send_digest(world.TEAM, DAY)
            )
        )

    outcomes = run(scenario())
    assert sorted(outcomes) in (["held", "sent"], ["sent", "settled"])
    assert posted(a, b) == {"slack": 1, "telegram": 1}


def test_a_process_started_after_the_digest_time_sends_it_if_nobody_has(
    seeded: Engine, clock: Clock
) -> None:
    clock.local(2026, 12, 1, 15, 0)
    late = Process(seeded, clock, "late")
    assert run(late.scheduler.send_digest(world.TEAM, DAY)) == "sent"
    again = Process(seeded, clock, "later")
    assert run(again.scheduler.send_digest(world.TEAM, DAY)) == "settled"
    assert posted(late, again) == {"slack": 1, "telegram": 1}


def test_a_failed_post_is_retried_after_a_backoff_and_the_other_not_repeated(
    seeded: Engine, clock: Clock
) -> None:
    clock.local(2026, 12, 1, 8, 0)
    p = Process(seeded, clock, "a")
    p.slack.fail = 1
    assert run(p.scheduler.send_digest(world.TEAM, DAY)) == "retry"
    state = digest_state(seeded)
    assert state.status == "retry" and state.sends["slack"].status == "error"
    assert state.lease_until == clock.now + timedelta(seconds=30)
    assert run(p.scheduler.send_digest(world.TEAM, DAY)) == "held"  # the backoff runs
    clock.now += timedelta(seconds=31)
    other = Process(seeded, clock, "b")
    assert run(other.scheduler.send_digest(world.TEAM, DAY)) == "sent"
    assert posted(p, other) == {"slack": 1, "telegram": 1}
    assert digest_state(seeded).sends["slack"].attempts == 2


def test_a_post_that_keeps_failing_is_given_up_after_the_last_attempt(
    seeded: Engine, clock: Clock
) -> None:
    clock.local(2026, 12, 1, 8, 0)
    p = Process(seeded, clock, "a")
    p.slack.fail = 99
    outcomes = []
    for _ in range(FAST.max_attempts):
        outcomes.append(run(p.scheduler.send_digest(world.TEAM, DAY)))
        clock.now += timedelta(hours=1)
    assert outcomes == ["retry", "retry", "sent"]
    state = digest_state(seeded)
    assert state.status == "done" and state.sends["slack"].status == "failed"
    assert run(p.scheduler.send_digest(world.TEAM, DAY)) == "settled"
    assert posted(p) == {"slack": 0, "telegram": 1}


@pytest.mark.parametrize("knows", [True, False, None])
def test_a_post_cut_off_by_a_dead_process_is_repeated_only_if_not_known_to_be_out(
    seeded: Engine, clock: Clock, knows: bool | None
) -> None:
    clock.local(2026, 12, 1, 8, 0)
    with UnitOfWork(seeded) as uow:
        team = repo.team_by_name(uow.session, world.TEAM)
        assert team is not None and team.id is not None
        lease = timedelta(seconds=FAST.lease)
        dead = claims.claim(uow.session, team.id, DAY, "dead", clock.now, lease, ["telegram"])
        assert dead is not None
        claims.start_send(uow.session, dead, "telegram", clock.now, lease)
        uow.commit()
    clock.now += timedelta(seconds=FAST.lease + 1)
    p = Process(seeded, clock, "b")
    p.telegram.knows = knows
    assert run(p.scheduler.send_digest(world.TEAM, DAY)) == "sent"
    # The transport that can tell the post went out is not asked to post again.
    assert posted(p) == {"slack": 1, "telegram": 0 if knows else 1}
    assert digest_state(seeded).sends["telegram"].status == "sent"


def test_on_shutdown_a_hanging_post_is_released_for_another_process_at_once(
    seeded: Engine, clock: Clock
) -> None:
    clock.local(2026, 12, 1, 8, 0)
    slow = Process(seeded, clock, "slow", timing=Timing(lease=600, shutdown_grace=0.3))
    slow.telegram.hold = asyncio.Event()

    async def scenario() -> None:
        task = asyncio.create_task(slow.scheduler.send_digest(world.TEAM, DAY))
        slow.scheduler._tasks.add(task)  # as the scheduler's own jobs are
        await until(lambda: sending(seeded))
        await slow.scheduler.stop()
        assert task.cancelled()

    run(scenario())
    state = digest_state(seeded)
    assert state.status == "retry" and state.lease_until == clock.now
    other = Process(seeded, clock, "next")
    assert run(other.scheduler.send_digest(world.TEAM, DAY)) == "sent"
    assert posted(slow, other) == {"slack": 1, "telegram": 1}


def test_a_post_under_way_finishes_before_shutdown(seeded: Engine, clock: Clock) -> None:
    clock.local(2026, 12, 1, 8, 0)
    p = Process(seeded, clock, "a", timing=Timing(shutdown_grace=10))
    p.telegram.hold = asyncio.Event()

    async def scenario() -> None:
        await p.scheduler.reload()
        p.scheduler._spawn("digest:hotline", lambda: p.scheduler.send_digest(world.TEAM, DAY))
        await until(lambda: sending(seeded))
        stopping = asyncio.create_task(p.scheduler.stop())
        await asyncio.sleep(0.1)
        assert not stopping.done()
        assert p.telegram.hold is not None
        p.telegram.hold.set()
        await stopping

    run(scenario())
    assert posted(p) == {"slack": 1, "telegram": 1}
    assert digest_state(seeded).status == "done"


# ------------------------------------------------------------------------ the schedule


def test_each_teams_digest_is_scheduled_at_its_time_in_its_zone_and_reloaded(
    seeded: Engine, clock: Clock, tmp_path: Path
) -> None:
    p = Process(seeded, clock, "a", timing=Timing(check_every=3600, sweep_every=3600))

    def trigger(team: str) -> CronTrigger:
        assert p.scheduler._aps is not None
        job = p.scheduler._aps.get_job(f"digest:{team}")
        assert job is not None and job.coalesce and job.misfire_grace_time == 3600
        assert isinstance(job.trigger, CronTrigger)
        return job.trigger

    def fields(t: CronTrigger) -> tuple[str, str, str]:
        named = {f.name: str(f) for f in t.fields}
        return str(t.timezone), named["hour"], named["minute"]

    async def scenario() -> None:
        await p.scheduler.start()
        assert fields(trigger(world.TEAM)) == ("Asia/Taipei", "8", "0")
        assert fields(trigger(world.NIGHT)) == ("Europe/Berlin", "7", "0")
        teams = world.TEAMS.replace('digest_time = "08:00"', 'digest_time = "07:30"')
        teams += '\n[[team]]\nname = "wealth"\ntimezone = "Asia/Tokyo"\ndigest_time = "09:15"\n'
        (tmp_path / "teams2.toml").write_text(teams)
        with UnitOfWork(seeded) as uow:
            import_teams(uow.session, tmp_path / "teams2.toml")
            uow.commit()
        await p.scheduler.reload()
        assert fields(trigger(world.TEAM)) == ("Asia/Taipei", "7", "30")
        assert fields(trigger("wealth")) == ("Asia/Tokyo", "9", "15")
        await p.scheduler.stop()

    run(scenario())


# ------------------------------------------------------------------------ the other jobs


def test_the_sweep_expires_requests_whose_time_has_come(seeded: Engine, clock: Clock) -> None:
    p = Process(seeded, clock, "a")
    clock.local(2026, 12, 3, 1, 0)
    run(p.scheduler.sweep())
    with UnitOfWork(seeded, read_only=True) as uow:
        leave = repo.request_by_id(uow.session, 5)
        assert leave is not None and leave.status == "expired"
    told = [
        (n.to, n.request_id)
        for n in p.router.core.drain(world.TEAM)
        if isinstance(n, Outgoing) and n.kind == "expired"
    ]
    assert ("amy", 5) in told


def test_a_request_unanswered_for_hours_reminds_each_lead_once(
    seeded: Engine, clock: Clock
) -> None:
    p = Process(seeded, clock, "a")
    clock.local(2026, 11, 30, 13, 0)  # Amy asked at 10:00: 3 h, not yet
    run(p.scheduler.remind())
    assert p.slack.posts == []
    clock.local(2026, 11, 30, 14, 30)
    run(p.scheduler.remind())
    run(Process(seeded, clock, "b").scheduler.remind())
    reminders = [(n.to, n) for _t, n, _ in p.slack.posts if n.kind == "reminder"]
    assert sorted(to for to, _ in reminders) == ["lin", "mei"]
    text = reminders[0][1]
    assert text.text.startswith("Reminder: #5 leave: Amy Chen Thu 3 Dec (dentist)")
    assert "waited 4 h for a lead's decision" in text.text
    assert [b.action_id for b in text.buttons] == ["approve:5", "deny:5"]


def test_an_interval_ahead_projected_under_the_target_is_alerted_once(
    seeded: Engine, clock: Clock
) -> None:
    a, b = Process(seeded, clock, "a"), Process(seeded, clock, "b")
    clock.local(2026, 12, 1, 9, 40)

    async def scenario() -> None:
        await a.scheduler.reload()
        await b.scheduler.reload()
        await asyncio.gather(a.scheduler.intraday(), b.scheduler.intraday())
        await a.scheduler.intraday()

    run(scenario())
    alerts = [n for p in (a, b) for _t, n, _ in p.slack.posts if n.kind.startswith("alert")]
    assert [n.kind for n in alerts] == ["alert_critical"]
    text = alerts[0].text
    assert text.startswith("Staffing critical for hotline")
    assert "Cards 09:30–10:00: SL 0%, 1 of 3 needed" in text
    assert "Cards 11:30–12:00" in text and "12:00–12:30" not in text  # the next two hours
    assert "@lin Lin Huang" in text and "@eve" not in text
    assert (
        sum(1 for p in (a, b) for _t, n, _ in p.telegram.posts if n.kind.startswith("alert")) == 1
    )


def test_a_busy_process_claims_no_more_than_it_can_work_on(seeded: Engine, clock: Clock) -> None:
    with UnitOfWork(seeded) as uow:
        night = repo.team_by_name(uow.session, world.NIGHT)
        assert night is not None
        night.digest_time = "01:00"  # 08:00 in Taipei: both teams are due together
        uow.session.add(night)
        uow.commit()
    clock.local(2026, 12, 1, 8, 0, 30)
    busy = Process(seeded, clock, "busy", timing=Timing(parallel=1, shutdown_grace=0.2))
    busy.telegram.hold = asyncio.Event()  # its first digest hangs in the Telegram post
    free = Process(seeded, clock, "free")

    async def scenario() -> None:
        await busy.scheduler.reload()
        await busy.scheduler.check_due()
        await until(lambda: len(busy.slack.posts) == 1)
        await free.scheduler.reload()
        await free.scheduler.check_due()
        await until(lambda: len(free.slack.posts) == 1)
        await busy.scheduler.stop()
        await free.scheduler.stop()

    run(scenario())
    first = busy.slack.posts[0][0]
    other = world.NIGHT if first == world.TEAM else world.TEAM
    assert free.slack.posts[0][0] == other  # the team the busy process had not claimed


def test_a_scheduler_only_process_posts_with_the_transports_it_has_credentials_for(
    seeded: Engine, clock: Clock
) -> None:
    clock.local(2026, 11, 30, 14, 30)
    outbound = world.Recorder("slack", people=True)
    router = Router(make_core(seeded, clock))
    part = Scheduler(
        router,
        Settings(),
        clock=clock,
        timing=Timing(check_every=3600, sweep_every=3600, intraday_every=3600),
        outbound=[outbound],
    )

    async def scenario() -> None:
        await part.start()
        await until(lambda: any(n.kind == "reminder" for _t, n, _ in outbound.posts))
        await part.stop()

    run(scenario())
    assert outbound.started == 1 and outbound in router.transports
    assert sorted(n.to or "" for _t, n, _ in outbound.posts if n.kind == "reminder") == [
        "lin",
        "mei",
    ]
