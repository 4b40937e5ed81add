"""``serve --scheduler``: morning digests, the expiry sweep, reminders and intraday alerts.

One APScheduler 3 ``AsyncIOScheduler`` on ``serve``'s loop runs:

- each team's digest at its ``digest_time`` in its own zone (a cron trigger with a misfire
  grace time and coalescing), and a check every minute that sends any digest whose time has
  passed and that nobody has sent: a process started late, a claim whose holder died, a
  retry after a failed post;
- the expiry sweep of pending requests (:meth:`ChatCore.sweep`) every minute;
- reminders for requests unanswered for the team's ``reminder_hours``;
- every 30 minutes, an intraday check that alerts the team's channel when an interval in the
  next two hours is projected below 80 % (warning) or 60 % (critical) of the SL target;
- a reload of the teams every minute, so teams added or changed by ``import teams`` are
  picked up without a restart.

Exactly once across processes: a digest is claimed per (team, local date) in ``digest_run``
and each transport's post is recorded in ``digest_send`` before and after it
(:mod:`storage.digests`); a claim whose holder died is taken over when its lease runs out, and
only what is not known to be posted is posted again. Reminders and alerts are claimed as
events (one per request and status, one per interval, skill and level) before they go out, so
they are sent at most once. Digests and alerts go through every transport that reaches the
team's channel: those ``serve`` runs, and for the others with credentials, their outbound
side (``bot.adapters.<name>.outbound(router, settings)``).

The jobs work on the core in worker threads (:meth:`Router.call`); nothing blocks the loop.
On SIGTERM, sends under way finish (up to a grace time) or their claims are released for
another process at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import re
import secrets
import socket
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.core.digest import alert_notice, digest_notice, reminder_notices
from bot.core.messages import Outgoing
from bot.serve import Router, ServeOptions, Transport
from bot.services import digest as digests
from bot.services import events
from bot.services.digest import DigestView, Intraday, Reminder, TeamSchedule
from bot.services.roster import IntervalRow
from storage import digests as claims
from storage import repository as repo

log = logging.getLogger("shiftbot.scheduler")

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Timing:
    """How often the jobs run and how long claims and sends may take (seconds)."""

    lease: float = 300.0
    """A digest claim's lease: longer than a whole send (chart and every transport)."""
    send_timeout: float = 60.0
    check_every: float = 60.0
    reload_every: float = 60.0
    sweep_every: float = 60.0
    remind_every: float = 600.0
    intraday_every: float = 1800.0
    horizon: float = 7200.0
    """The intraday check looks this far ahead."""
    misfire_grace: int = 3600
    max_attempts: int = 5
    """Posts per transport before a digest's send is given up (recorded as failed)."""
    backoff: float = 30.0
    """Wait before the first retry of a failed post; doubled for each further failure."""
    backoff_cap: float = 1800.0
    shutdown_grace: float = 20.0
    parallel: int = 2
    """Digests one process works on at once; it claims one only when it can start on it,
    so with many teams the other processes share the morning's work."""

    def retry_after(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_cap, self.backoff * 2 ** max(0, attempts - 1)))


def default_owner() -> str:
    """Who holds a claim: host, process id and a random tag (a restarted pid differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:128]


def outbound_transports(router: Router, settings: Settings) -> list[Transport]:
    """Transports with credentials that this process does not serve, for posting only.

    Each adapter offers ``outbound(router, settings) -> Transport``: a Web API / Bot API
    client that ``reaches`` and ``deliver``s to a team's channel and its people, and
    ``apply``s edits, without serving inbound traffic. It reads the directory and records
    its posts through the router's core, as the serving parts do.
    """
    served = {t.name for t in router.transports}
    out: list[Transport] = []
    for name, token in (
        ("slack", settings.slack_bot_token),
        ("telegram", settings.telegram_bot_token),
    ):
        if not token or name in served:
            continue
        module_name = f"bot.adapters.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            log.warning("%s credentials are set but this build has no %s adapter", name, name)
            continue
        make = getattr(module, "outbound", None)
        if make is None:
            log.warning("the %s adapter cannot post without serving (no outbound())", name)
            continue
        out.append(make(router, settings))
    return out


class Scheduler:
    """The scheduler part of ``serve``."""

    name = "scheduler"

    def __init__(
        self,
        router: Router,
        settings: Settings,
        *,
        clock: Clock | None = None,
        timing: Timing | None = None,
        owner: str | None = None,
        outbound: Sequence[Transport] | None = None,
    ) -> None:
        self.router = router
        self.settings = settings
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.timing = timing or Timing()
        self.owner = owner or default_owner()
        self.outbound: list[Transport] | None = None if outbound is None else list(outbound)
        self.teams: dict[str, TeamSchedule] = {}
        self._aps: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[str] = set()
        self._done: set[tuple[str, date]] = set()
        self._held: dict[int, claims.Claim] = {}
        self._stopping = False
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        if self.outbound is None:
            self.outbound = outbound_transports(self.router, self.settings)
        for transport in self.outbound:
            await transport.start()
            # The router delivers by them too: reminders, and the outbox it drains.
            self.router.transports.append(transport)
        aps = AsyncIOScheduler(timezone=UTC)
        self._aps = aps
        soon = datetime.now(UTC)
        t = self.timing
        for name, every, first in (
            ("reload", t.reload_every, soon + timedelta(seconds=t.reload_every)),
            ("check", t.check_every, soon),
            ("sweep", t.sweep_every, soon),
            ("remind", t.remind_every, soon),
            ("intraday", t.intraday_every, soon),
        ):
            aps.add_job(
                self._job,
                IntervalTrigger(seconds=every, timezone=UTC),
                args=[name],
                id=name,
                next_run_time=first,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, int(every)),
            )
        await self.reload()
        aps.start()

    async def stop(self) -> None:
        """Stop taking work; let sends under way finish, else release their claims."""
        self._stopping = True
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            _done, late = await asyncio.wait(pending, timeout=self.timing.shutdown_grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
        for claim in list(self._held.values()):
            await self._release_now(claim)
        for transport in self.outbound or ():
            try:
                await transport.stop()
            except Exception:
                log.exception("stopping the %s outbound client failed", transport.name)

    # -- jobs ----------------------------------------------------------------------------

    async def _job(self, name: str) -> None:
        """What APScheduler runs: start the work as a task of ours and return.

        The work runs as our own task so that a shutdown waits for it (APScheduler would
        cancel its own), and one kind of work never runs twice at once in this process.
        """
        work: dict[str, Callable[[], Awaitable[Any]]] = {
            "reload": self.reload,
            "check": self.check_due,
            "sweep": self.sweep,
            "remind": self.remind,
            "intraday": self.intraday,
        }
        if name in work:
            self._spawn(name, work[name])
        elif name.startswith("digest:"):
            self._spawn(name, partial(self.digest_today, name.removeprefix("digest:")))

    def _spawn(self, name: str, work: Callable[[], Awaitable[Any]]) -> bool:
        if self._stopping or name in self._running:
            return False
        self._running.add(name)

        async def run() -> None:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduled %s failed", name)
            finally:
                self._running.discard(name)

        task = asyncio.get_running_loop().create_task(run(), name=f"shiftbot-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def reload(self) -> None:
        """Read the teams again; (re)schedule each one's digest at its time in its zone."""
        found = await self.router.call(self._schedules)
        fresh = {s.name: s for s in found}
        for name, old in list(self.teams.items()):
            if fresh.get(name) != old:
                self._done = {k for k in self._done if k[0] != name}
                if self._aps is not None and name not in fresh:
                    with contextlib.suppress(Exception):
                        self._aps.remove_job(f"digest:{name}")
        if self._aps is not None:
            for name, schedule in fresh.items():
                if self.teams.get(name) != schedule:
                    self._aps.add_job(
                        self._job,
                        CronTrigger(
                            hour=schedule.digest_time.hour,
                            minute=schedule.digest_time.minute,
                            timezone=ZoneInfo(schedule.timezone),
                        ),
                        args=[f"digest:{name}"],
                        id=f"digest:{name}",
                        replace_existing=True,
                        coalesce=True,
                        max_instances=1,
                        misfire_grace_time=self.timing.misfire_grace,
                    )
        self.teams = fresh

    def _schedules(self) -> list[TeamSchedule]:
        with self.router.core.read() as uow:
            return digests.schedules(uow)

    async def check_due(self) -> None:
        """Send every digest whose time has passed today and that is not settled."""
        now = self.clock()
        for schedule in list(self.teams.values()):
            day = schedule.due(now)
            if day is None or (schedule.name, day) in self._done:
                continue
            self._spawn(f"digest:{schedule.name}", partial(self.send_digest, schedule.name, day))

    async def digest_today(self, team: str) -> str:
        schedule = self.teams.get(team)
        if schedule is None:
            return "unknown"
        return await self.send_digest(team, schedule.local_now(self.clock()).date())

    async def sweep(self) -> None:
        expired = await self.router.call(self.router.core.sweep, self.clock())
        if expired:
            log.info("expired %d request(s)", len(expired))

    async def remind(self) -> None:
        for reminder in await self.router.call(self._claim_reminders, self.clock()):
            await self.router.deliver(reminder.team, reminder_notices(reminder))

    def _claim_reminders(self, now: datetime) -> list[Reminder]:
        with self.router.core.read() as uow:
            due = digests.due_reminders(uow, now)
        if not due:
            return []
        kept = []
        with self.router.core.uow() as uow:
            for reminder in due:
                if events.claim(uow, "reminder", reminder.key):
                    kept.append(reminder)
            uow.commit()
        return kept

    async def intraday(self) -> None:
        now = self.clock()
        for schedule in list(self.teams.values()):
            senders = await self.senders(schedule.name)
            if not senders:
                continue
            found = await self.router.call(self._intraday, schedule.name, now)
            if not found.risks:
                continue
            for level, rows in (await self.router.call(self._claim_alerts, found)).items():
                notice = alert_notice(found, level, rows)
                for sender in senders:
                    await self._post(sender, schedule.name, notice)

    def _intraday(self, team: str, now: datetime) -> Intraday:
        with self.router.core.read() as uow:
            return digests.intraday(uow, team, now, timedelta(seconds=self.timing.horizon))

    def _claim_alerts(self, found: Intraday) -> dict[str, list[IntervalRow]]:
        """Claim each risky interval at its level (a critical one also takes the warning)."""
        out: dict[str, list[IntervalRow]] = {}
        with self.router.core.uow() as uow:
            for risk in found.risks:
                stamp = risk.row.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
                base = f"{found.team}:{stamp}:{risk.row.skill}"
                levels = ["critical", "warning"] if risk.level == "critical" else ["warning"]
                won = [lv for lv in levels if events.claim(uow, "alert", f"{base}:{lv}")]
                if risk.level in won:
                    out.setdefault(risk.level, []).append(risk.row)
            uow.commit()
        return {level: out[level] for level in ("critical", "warning") if level in out}

    # -- the digest ----------------------------------------------------------------------

    async def senders(self, team: str) -> list[Transport]:
        """The transports of this process that reach the team's channel."""
        out = []
        extra = [t for t in self.outbound or () if t not in self.router.transports]
        for transport in [*self.router.transports, *extra]:
            try:
                if await transport.reaches(team, None, True):
                    out.append(transport)
            except Exception:
                log.exception("asking %s whether it reaches %s failed", transport.name, team)
        return out

    async def send_digest(self, team: str, day: date, *, eager: bool = False) -> str:
        """Send the team's digest of local ``day`` unless it is settled or held elsewhere.

        Returns what happened: ``sent``, ``settled`` (nothing left to post), ``held``
        (another process is on it), ``retry`` (a post failed; any process retries after
        the backoff), ``unreachable`` (no transport of this process reaches the channel),
        ``lost`` (the claim was taken over meanwhile) or ``stopped``. ``eager`` retries a
        failed post at once instead of after its backoff (someone asked for it).
        """
        if self._stopping:
            return "stopped"
        senders = await self.senders(team)
        if not senders:
            return "unreachable"
        async with self._slot():
            if self._stopping:
                return "stopped"
            return await self._send_digest(team, day, senders, eager)

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(max(1, self.timing.parallel)))
        return self._slots[1]

    async def _send_digest(
        self, team: str, day: date, senders: list[Transport], eager: bool
    ) -> str:
        names = [s.name for s in senders]
        claim, settled = await self.router.call(self._claim, team, day, names, eager)
        if claim is None:
            if settled:
                self._done.add((team, day))
            return "settled" if settled else "held"
        self._held[claim.run_id] = claim
        chart: Path | None = None
        try:
            try:
                view = await self.router.call(self._view, team, day)
                chart = await asyncio.to_thread(_chart_file, view)
            except Exception:
                log.exception("building the digest of %s for %s failed", team, day)
                await self.router.call(self._release, claim, self.timing.retry_after(1))
                return "retry"
            notice = digest_notice(view, str(chart) if chart else None)
            worst = 0
            for sender in senders:
                outcome = await self._send_one(claim, sender, team, notice)
                if outcome == "lost":
                    return "lost"
                if outcome.startswith("error:"):
                    worst = max(worst, int(outcome.removeprefix("error:")))
            if worst:
                await self.router.call(self._release, claim, self.timing.retry_after(worst))
                return "retry"
            await self.router.call(self._finish, claim)
            self._done.add((team, day))
            log.info("digest of %s for %s sent by %s", team, day, self.owner)
            return "sent"
        except asyncio.CancelledError:
            await self._release_now(claim)
            raise
        finally:
            self._held.pop(claim.run_id, None)
            if chart is not None:
                _drop_chart(chart)

    async def _send_one(
        self, claim: claims.Claim, sender: Transport, team: str, notice: Outgoing
    ) -> str:
        """Post by one transport, recorded before and after: ``sent``, ``skip``, ``lost``,
        ``failed`` (given up) or ``error:<attempt>`` (to retry)."""
        if claim.settled(sender.name):
            return "skip"
        if claim.uncertain(sender.name) and await _was_posted(sender, team, notice):
            await self.router.call(self._end, claim, sender.name, "sent", None)
            return "sent"
        attempt = await self.router.call(self._start_send, claim, sender.name)
        if attempt is None:
            log.warning("the digest claim of %s was taken over; stopping", team)
            return "lost"
        try:
            await asyncio.wait_for(sender.deliver(team, notice), self.timing.send_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            give_up = attempt >= self.timing.max_attempts
            status = "failed" if give_up else "error"
            error = f"{type(exc).__name__}: {exc}"
            await self.router.call(self._end, claim, sender.name, status, error)
            log.warning(
                "posting the digest of %s by %s failed (attempt %d%s): %s",
                team,
                sender.name,
                attempt,
                ", given up" if give_up else "",
                error,
            )
            return "failed" if give_up else f"error:{attempt}"
        await self.router.call(self._end, claim, sender.name, "sent", None)
        return "sent"

    async def _post(self, sender: Transport, team: str, notice: Outgoing) -> None:
        try:
            await asyncio.wait_for(sender.deliver(team, notice), self.timing.send_timeout)
        except Exception:
            log.exception("posting a %s to %s by %s failed", notice.kind, team, sender.name)

    async def _release_now(self, claim: claims.Claim) -> None:
        try:
            await self.router.call(self._release, claim, timedelta(0))
        except Exception:
            log.exception("releasing the digest claim %d failed", claim.run_id)

    # -- database steps (worker threads) ---------------------------------------------------

    def _team_id(self, uow: Any, team: str) -> int:
        found = repo.team_by_name(uow.session, team)
        if found is None or found.id is None:
            raise LookupError(f"unknown team {team!r}")
        return found.id

    def _claim(
        self, team: str, day: date, transports: Sequence[str], eager: bool
    ) -> tuple[claims.Claim | None, bool]:
        """Claim the digest (a read first, so a settled or held one costs no write lock);
        the flag says whether it is settled."""
        now = self.clock()
        with self.router.core.read() as uow:
            state = claims.run_state(uow.session, self._team_id(uow, team), day)
            if state is not None and state.settled(transports):
                return None, True
            if state is not None and claims.waits(state, now, eager=eager):
                return None, False
        with self.router.core.uow() as uow:
            lease = timedelta(seconds=self.timing.lease)
            claim = claims.claim(
                uow.session,
                self._team_id(uow, team),
                day,
                self.owner,
                now,
                lease,
                transports,
                eager=eager,
            )
            uow.commit()
        return claim, False

    def _view(self, team: str, day: date) -> DigestView:
        with self.router.core.read() as uow:
            return digests.digest_day(uow, team, day, self.clock())

    def _start_send(self, claim: claims.Claim, transport: str) -> int | None:
        with self.router.core.uow() as uow:
            lease = timedelta(seconds=self.timing.lease)
            attempt = claims.start_send(uow.session, claim, transport, self.clock(), lease)
            uow.commit()
        return attempt

    def _end(self, claim: claims.Claim, transport: str, status: str, error: str | None) -> None:
        with self.router.core.uow() as uow:
            claims.end_send(uow.session, claim, transport, self.clock(), status, error)
            uow.commit()

    def _finish(self, claim: claims.Claim) -> None:
        with self.router.core.uow() as uow:
            claims.finish(uow.session, claim, self.clock())
            uow.commit()

    def _release(self, claim: claims.Claim, after: timedelta) -> None:
        with self.router.core.uow() as uow:
            claims.release(uow.session, claim, self.clock() + after)
            uow.commit()


async def _was_posted(sender: Transport, team: str, notice: Outgoing) -> bool:
    """Whether a transport can tell that an interrupted post went out (``was_posted``)."""
    check = getattr(sender, "was_posted", None)
    if check is None:
        return False
    try:
        return bool(await check(team, notice))
    except Exception:
        log.exception("asking %s whether the digest went out failed", sender.name)
        return False


def _chart_file(view: DigestView) -> Path | None:
    """The digest's chart in a temporary PNG file (None when the day has no demand).

    The file is named for what it shows (``digest-hotline-2026-12-01.png``), in a directory
    of its own: the name is what people see on the uploaded picture.
    """
    from bot.charts import digest_chart

    chart = digest_chart(view)
    if chart is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="shiftbot-chart-"))
    team = re.sub(r"[^A-Za-z0-9_.-]+", "-", view.team).strip(".-") or "team"
    path = folder / f"digest-{team}-{view.day.isoformat()}.png"
    path.write_bytes(chart.png)
    return path


def _drop_chart(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def build(router: Router, settings: Settings, options: ServeOptions) -> Scheduler:
    """The scheduler part for ``serve --scheduler``."""
    return Scheduler(router, settings)


async def send_now(
    router: Router,
    settings: Settings,
    team: str,
    day: date,
    *,
    clock: Clock | None = None,
    outbound: Sequence[Transport] | None = None,
) -> str:
    """``shiftbot digest --send``: post one digest now, claimed and recorded as the
    scheduler does (so a digest the scheduler sent is not posted again)."""
    scheduler = Scheduler(router, settings, clock=clock, outbound=outbound)
    transports = list(outbound) if outbound is not None else outbound_transports(router, settings)
    scheduler.outbound = transports
    for transport in transports:
        await transport.start()
    try:
        return await scheduler.send_digest(team, day, eager=True)
    finally:
        for transport in transports:
            await transport.stop()
