"""``shiftbot serve``: the chat front-ends and the scheduler in one process, one event loop.

Every part runs on one asyncio loop: the Slack app (HTTP or Socket Mode), the Telegram
application (webhook or polling), the scheduler, and the outbox drain. The chat core is
synchronous; parts call it through :meth:`Router.call` (a worker thread), so no part ever
blocks the loop.

A part is a :class:`Transport` (it can reach people: Slack, Telegram) or a plain
:class:`Part` (the scheduler). Notices produced by one transport for someone else go through
the :class:`Router`, which picks the transport that can reach that person, so a swap asked in
Slack reaches a colleague who only uses Telegram. Edits go back to the transport that posted
the message. Several ``serve`` processes may share one PostgreSQL database: every delivery is
claimed exactly once by the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.bootstrap import make_core
from bot.config import Settings
from bot.core.handlers import ChatCore
from bot.core.messages import Edit, Outgoing
from storage.db import make_engine

log = logging.getLogger("shiftbot.serve")
T = TypeVar("T")

DRAIN_SECONDS = 5.0
"""How often the outbox (expiries, import cancellations) is delivered."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    slack_http: int | None = None
    slack_socket: bool = False
    telegram_polling: bool = False
    telegram_webhook: int | None = None
    scheduler: bool = False


class Part(Protocol):
    """Something ``serve`` starts and stops on its loop."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Transport(Part, Protocol):
    """A part that reaches people: it delivers notices and applies edits of its own posts."""

    async def reaches(self, team: str, agent_id: str | None, channel: bool) -> bool:
        """Whether this transport can deliver to that person (or the team's channel)."""
        ...

    async def deliver(self, team: str, notice: Outgoing) -> None: ...

    async def apply(self, edit: Edit) -> None: ...


class Router:
    """The process's parts and the core they share."""

    def __init__(self, core: ChatCore) -> None:
        self.core = core
        self.transports: list[Transport] = []

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a synchronous core call in a worker thread."""
        return await asyncio.to_thread(fn, *args)

    async def deliver(self, team: str, notices: Sequence[Outgoing], exclude: str = "") -> None:
        """Send each notice by the first transport that reaches its recipient.

        ``exclude`` names the transport that already delivered it itself (the one the
        message came in on, which knows how to reach its own users).
        """
        for notice in notices:
            for transport in self.transports:
                if transport.name == exclude:
                    continue
                try:
                    if await transport.reaches(team, notice.to, notice.channel):
                        await transport.deliver(team, notice)
                        break
                except Exception:
                    log.exception(
                        "delivering a %s notice by %s failed", notice.kind, transport.name
                    )

    async def apply(self, edits: Sequence[Edit]) -> None:
        for edit in edits:
            for transport in self.transports:
                if transport.name == edit.transport:
                    try:
                        await transport.apply(edit)
                    except Exception:
                        log.exception("editing a %s message failed", edit.transport)

    async def drain_forever(self, every: float = DRAIN_SECONDS) -> None:
        """Deliver what waits in the outbox, for as long as the process runs."""
        while True:
            try:
                items = await self.call(self.core.drain)
                for item in items:
                    if isinstance(item, Edit):
                        await self.apply([item])
                    else:
                        await self.deliver(_team_of(item), [item])
            except Exception:
                log.exception("draining the outbox failed")
            await asyncio.sleep(every)


def _team_of(notice: Outgoing) -> str:
    return notice.team or ""


def build_parts(router: Router, settings: Settings, options: ServeOptions) -> list[Part]:
    """The parts the options ask for; each needs its credentials (a clear error otherwise)."""
    wanted = []
    if options.slack_http is not None or options.slack_socket:
        wanted.append("bot.adapters.slack")
    if options.telegram_webhook is not None or options.telegram_polling:
        wanted.append("bot.adapters.telegram")
    if options.scheduler:
        wanted.append("bot.scheduling")
    # Each module has ``build(router, settings, options) -> Part``; imported only when asked
    # for, so a Telegram-only process never loads slack_bolt.
    return [importlib.import_module(name).build(router, settings, options) for name in wanted]


async def run(settings: Settings, options: ServeOptions) -> int:
    """Start every part, drain the outbox, and stop cleanly on SIGTERM or Ctrl-C."""
    engine = make_engine(settings.database_url)
    router = Router(make_core(engine))
    parts = build_parts(router, settings, options)
    if not parts:
        raise ValueError(
            "nothing to serve: give --slack-http PORT, --slack-socket, --telegram-webhook PORT, "
            "--telegram-polling and/or --scheduler"
        )
    router.transports = [p for p in parts if hasattr(p, "deliver")]  # type: ignore[misc]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    started: list[Part] = []
    drain: asyncio.Task[None] | None = None
    try:
        for part in parts:
            await part.start()
            started.append(part)
            log.info("%s started", part.name)
        if router.transports:  # a process that reaches nobody must not claim the outbox
            drain = asyncio.create_task(router.drain_forever())
        print("shiftbot serving: " + ", ".join(p.name for p in started), flush=True)
        await stop.wait()
    finally:
        if drain is not None:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain
        for part in reversed(started):
            try:
                await part.stop()
            except Exception:
                log.exception("stopping %s failed", part.name)
        engine.dispose()
    return 0
