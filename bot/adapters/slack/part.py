"""The Slack part of ``shiftbot serve``: the Bolt app on the process's one event loop.

Every request from Slack is acknowledged at once (Bolt answers the HTTP request, or the
Socket Mode envelope, as soon as a listener calls ``ack``); the work runs after the ack in
a task of its own, and the synchronous core runs in a worker thread (``Router.call``). The
answer goes back by ``respond`` (a slash command's ``response_url``, seen only by the sender)
or ``chat.postMessage``; notices go by DM (``conversations.open``) or to the team's
``slack_channel``; every message with buttons is recorded with the core (``ChatCore.posted``)
and edited with ``chat.update`` once its request settles. Posting is
:class:`~bot.adapters.slack.outbound.SlackPoster`'s, which a process that only posts uses
on its own.

Exactly once: each delivery carries an event id (the Events API ``event_id``, an
interaction's ``trigger_id``, a modal's view id) that the core claims in the same
transaction as the change, so a Slack retry or the same click reaching two processes has
one effect. A retry of a look-up reaching the same process is dropped here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.blocks import render_reply
from bot.adapters.slack.home import home_replies, home_view, reader_language
from bot.adapters.slack.modal import Submission, request_modal
from bot.adapters.slack.outbound import (
    CACHE_SECONDS,
    TRANSPORT,
    SlackPoster,
    TtlCache,
    configure,
)
from bot.core.messages import Action, Incoming, Outgoing, Reply
from bot.core.transport import Router
from bot.i18n import normalise, words
from bot.services.directory import Member

log = logging.getLogger("shiftbot.slack")
T = TypeVar("T")

EVENTS_PATH = "/slack/events"
HOME_DELAY = 1.0
"""Changes that concern one person within this many seconds refresh their Home tab once."""
HOME_WATCH = 3600.0
"""A Home tab opened within this many seconds is refreshed after each change that concerns
its person (opening the tab always publishes it afresh)."""
CORE_SLOTS = 2
"""Core calls in flight at once. The core is mostly Python work that holds the interpreter;
more worker threads only queue for it (and for SQLite's write lock) while taking its time
away from the event loop that acknowledges Slack."""
ACK_FIRST = 0.5
"""While requests are being acknowledged, a core call waits for them for up to this many
seconds before starting, so a burst is acknowledged before the work it brings begins."""
SWITCH_INTERVAL = 0.0005
"""Seconds a worker thread may hold the interpreter while the event loop waits for it
(Python's default is 5 ms). The loop takes the interpreter back after every socket call; at
the default, core work in worker threads adds up to 5 ms to each, and a burst of Slack
requests is acknowledged markedly later."""
RECENT_EVENTS = 10_000
"""Event ids this process remembers, so a retried look-up is not answered twice."""
STOP_GRACE = 10.0
"""Seconds ``stop`` waits for work already acknowledged to finish."""


class SlackSettings(Protocol):
    @property
    def slack_bot_token(self) -> str | None: ...

    @property
    def slack_signing_secret(self) -> str | None: ...

    @property
    def slack_app_token(self) -> str | None: ...

    @property
    def slack_api_url(self) -> str | None: ...


class SlackOptions(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def slack_http(self) -> int | None: ...

    @property
    def slack_socket(self) -> bool: ...


@dataclass(frozen=True)
class Where:
    """Where the answer to one delivery goes.

    ``response_url``: a slash command's, seen only by the sender (an answer with buttons goes
    to the sender's DM instead, so it can be edited later); ``channel``: post there (the DM
    or the channel of a mention, in ``thread_ts``); neither: the sender's DM.
    """

    channel: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None


def event_key(*parts: object) -> str:
    """A short, stable event id for an interaction (the core keeps up to 128 characters)."""
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:32]


class SlackPart(SlackPoster):
    """The Slack transport: HTTP (``POST /slack/events``) and/or Socket Mode."""

    def __init__(self, router: Router, settings: SlackSettings, options: SlackOptions) -> None:
        from bot.adapters.slack.app import build_app

        token = settings.slack_bot_token
        if not token:
            raise ValueError("Slack needs SLACK_BOT_TOKEN (the app's xoxb- bot token)")
        if options.slack_http is not None and not settings.slack_signing_secret:
            raise ValueError(
                "--slack-http needs SLACK_SIGNING_SECRET (Basic Information → Signing Secret)"
            )
        if options.slack_socket and not settings.slack_app_token:
            raise ValueError("--slack-socket needs SLACK_APP_TOKEN (an xapp- token)")
        self.host = options.host
        self.http_port = options.slack_http
        self.socket = options.slack_socket
        self.app_token = settings.slack_app_token
        self.app: AsyncApp = build_app(self, token, settings.slack_signing_secret or "")
        super().__init__(router, configure(self.app.client, settings.slack_api_url))
        self.runner: web.AppRunner | None = None
        self.socket_handler: Any = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.bound: tuple[str, int] | None = None
        self._members = TtlCache(CACHE_SECONDS)
        self._locales: dict[str, str | None] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._slots = asyncio.Semaphore(CORE_SLOTS)
        self._acking = 0
        self._acked = asyncio.Event()
        self._home_seen: dict[str, float] = {}
        self._home_due: set[str] = set()
        self._home_running: set[str] = set()
        self._home_pool: ThreadPoolExecutor | None = None

    # -- Part ------------------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """A core call in a worker thread (``Router.call``), a few at a time, each starting
        once the requests being acknowledged are answered (a busy worker thread slows the
        event loop that answers them), or after ``ACK_FIRST`` seconds at most."""
        async with self._slots:
            if self._acking:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._acked.wait(), ACK_FIRST)
            return await self.router.call(fn, *args)

    async def start(self) -> None:
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        self._home_pool = ThreadPoolExecutor(1, thread_name_prefix="slack-home")
        await super().start()
        if self.http_port is not None:
            web_app = web.Application()
            web_app.router.add_post(EVENTS_PATH, self._http)
            self.runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
            await self.runner.setup()
            site = web.TCPSite(self.runner, self.host, self.http_port, backlog=1024)
            await site.start()
            self.bound = (self.host, self.http_port)
            log.info("Slack events on http://%s:%s%s", self.host, self.http_port, EVENTS_PATH)
        if self.socket:
            await self._connect_socket()

    async def _connect_socket(self) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self.socket_handler = AsyncSocketModeHandler(
            self.app, self.app_token, logger=log, web_client=self.client
        )
        connecting = asyncio.ensure_future(self.socket_handler.connect_async())
        done, _ = await asyncio.wait({connecting}, timeout=15)
        if connecting in done:
            connecting.result()
            log.info("Slack Socket Mode connected")
        else:  # it keeps retrying in the background
            log.warning("Slack Socket Mode is not connected yet; still trying")

    async def stop(self) -> None:
        if self.socket_handler is not None:
            with contextlib.suppress(Exception):
                await self.socket_handler.close_async()
        if self.runner is not None:
            await self.runner.cleanup()
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=STOP_GRACE)
        await super().stop()
        if self._home_pool is not None:
            self._home_pool.shutdown(wait=False, cancel_futures=True)

    async def _http(self, request: web.Request) -> web.Response:
        stamp = request.headers.get("X-Slack-Request-Timestamp", "0")
        if not stamp.isdigit() or len(stamp) > 12:
            # Bolt's verifier reads the timestamp as a number: a malformed one is refused
            # here, as Bolt refuses a wrong one, instead of failing inside it.
            return web.Response(status=401, text="")
        self._acking += 1
        self._acked.clear()
        try:
            bolt_req = await to_bolt_request(request)
            bolt_resp = await self.app.async_dispatch(bolt_req)
            return await to_aiohttp_response(bolt_resp)
        finally:
            self._acking -= 1
            if not self._acking:
                self._acked.set()

    # -- work after the ack ----------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run work acknowledged already, logging (never raising) what goes wrong."""

        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("handling a Slack %s failed", what)

        task = asyncio.create_task(guarded())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def first_time(self, event_id: str) -> bool:
        """False when this process saw the delivery before (a retry of it)."""
        if event_id in self._recent:
            return False
        self._recent[event_id] = None
        if len(self._recent) > RECENT_EVENTS:
            self._recent.popitem(last=False)
        return True

    def forget(self, event_id: str) -> None:
        self._recent.pop(event_id, None)

    # -- directory -------------------------------------------------------------------------

    async def member(self, user_id: str) -> Member | None:
        found: Member | None = self._members.get(user_id)
        if found is None:
            found = await self.call(self.core.identify, TRANSPORT, user_id)
            if found is not None:
                self._members.put(user_id, found)
        return found

    async def locale(self, user_id: str) -> str | None:
        """The Slack user's locale (``zh-TW``), for people the team has not added yet."""
        if user_id not in self._locales:
            try:
                resp = await self.client.users_info(user=user_id, include_locale=True)
                user = resp.get("user") or {}
                self._locales[user_id] = user.get("locale")
            except SlackApiError as exc:
                log.info("users.info %s: %s", user_id, exc.response.get("error"))
                return None
        return self._locales[user_id]

    # -- conversations ---------------------------------------------------------------------

    async def converse(
        self,
        user_id: str,
        where: Where,
        *,
        text: str = "",
        action: Action | None = None,
        event_id: str | None = None,
    ) -> None:
        """One delivery from a person: ask the core, answer, tell everyone concerned."""
        if event_id and not self.first_time(event_id):
            log.info("Slack delivery %s seen before: ignored", event_id)
            return
        try:
            await self._converse(user_id, where, text, action, event_id)
        except Exception:
            if event_id:
                self.forget(event_id)
            raise

    async def _converse(
        self,
        user_id: str,
        where: Where,
        text: str,
        action: Action | None,
        event_id: str | None,
    ) -> None:
        member = await self.member(user_id)
        if member is None:
            lang = await self.locale(user_id)
            reply = await self.call(self.core.onboarding, TRANSPORT, user_id, lang)
            await self.answer(user_id, None, reply, where)
            return
        msg = Incoming(
            member.team,
            member.agent_id,
            text,
            action=action,
            source=TRANSPORT,
            event_id=event_id,
        )
        try:
            reply = await self.call(self.core.handle, msg)
        except Exception:
            log.exception("the core failed on a Slack %s", "click" if action else "message")
            info = await self.team_info(member.team)
            w = words(reader_language(member, info))
            await self.answer(user_id, None, Reply(w("slack.error"), ok=False, lang=w.lang), where)
            return
        if reply.duplicate:
            log.info("Slack delivery %s was handled already", event_id)
            return
        await self.answer(user_id, member, reply, where)
        await self.spread(member.team, reply)
        concerned = {member.agent_id}
        concerned |= {n.to for n in reply.notices if n.to and not n.channel}
        concerned |= {e.recipient for e in reply.edits if not e.recipient.startswith("#")}
        for agent_id in concerned:
            self.refresh_home(member.team, agent_id)

    async def answer(self, user_id: str, member: Member | None, reply: Reply, where: Where) -> None:
        """The reply to the person who wrote or clicked."""
        message = render_reply(reply)
        if where.response_url and not message.has_buttons:
            assert self.session is not None
            hook = AsyncWebhookClient(where.response_url, session=self.session, logger=log)
            resp = await hook.send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
            if resp.status_code != 200:
                log.warning("response_url answered %s: %s", resp.status_code, resp.body)
            return
        channel = where.channel if where.channel and not where.response_url else None
        channel = channel or await self.dm(user_id)
        thread = where.thread_ts if channel == where.channel else None
        if member is None:
            await self.post(channel, message, thread_ts=thread)
            return
        await self.post_recorded(member.team, member.agent_id, channel, message, reply.lang, thread)

    async def spread(self, team: str, reply: Reply) -> None:
        """The edits of stale button messages first (so nobody decides twice), then the
        notices for everyone else (by another transport when Slack cannot reach them)."""
        if reply.edits:
            await self.router.apply(reply.edits)
        mine: list[Outgoing] = []
        others: list[Outgoing] = []
        for notice in reply.notices:
            if await self.reaches(team, notice.to, notice.channel):
                mine.append(notice)
            else:
                others.append(notice)
        results = await asyncio.gather(
            *(self.deliver(team, n) for n in mine), return_exceptions=True
        )
        for notice, result in zip(mine, results, strict=True):
            if isinstance(result, BaseException):
                log.error("Slack notice %s to %s failed: %r", notice.kind, notice.to, result)
        if others:
            await self.router.deliver(team, others, exclude=TRANSPORT)

    def delivered(self, team: str, agent_id: str) -> None:
        self.refresh_home(team, agent_id)

    # -- App Home and the modal ------------------------------------------------------------

    def refresh_home(self, team: str, agent_id: str) -> None:
        """Publish this person's Home tab again soon, when it was opened lately.

        Several changes close together give one refresh; a refresh never runs twice at once
        for a person, and the look-ups run on a thread of their own, so refreshing Home tabs
        never delays an answer.
        """
        self.spawn(self._refresh_home(team, agent_id), "App Home refresh")

    async def _refresh_home(self, team: str, agent_id: str) -> None:
        person = await self.contact(team, agent_id)
        user = person.slack_user_id if person else None
        if person is None or not user or not self.watching_home(user):
            return
        if user in self._home_due:
            return
        self._home_due.add(user)
        try:
            await asyncio.sleep(HOME_DELAY)
            while user in self._home_running:
                await asyncio.sleep(HOME_DELAY)
        finally:
            self._home_due.discard(user)
        self._home_running.add(user)
        try:
            await self.publish_home(user, person)
        finally:
            self._home_running.discard(user)

    def watching_home(self, user_id: str) -> bool:
        seen = self._home_seen.get(user_id)
        return seen is not None and time.monotonic() - seen < HOME_WATCH

    async def home_opened(self, user_id: str) -> None:
        self._home_seen[user_id] = time.monotonic()
        if len(self._home_seen) > 50_000:
            self._home_seen.clear()
        await self.publish_home(user_id)

    async def publish_home(self, user_id: str, member: Member | None = None) -> None:
        member = member or await self.member(user_id)
        if member is None:
            lang = normalise(await self.locale(user_id))
            reply = await self.call(self.core.onboarding, TRANSPORT, user_id, lang)
            view = home_view([reply], lang, member=False)
        else:
            info = await self.team_info(member.team)
            if info is None:
                return
            lang = reader_language(member, info, self._locales.get(user_id))
            now = datetime.now(UTC)
            loop = asyncio.get_running_loop()
            replies = await loop.run_in_executor(
                self._home_pool, home_replies, self.core, member, info, lang, now
            )
            view = home_view(replies, lang, now.astimezone(ZoneInfo(info.timezone)))
        await self.client.views_publish(user_id=user_id, view=view)

    async def open_modal(self, user_id: str, trigger_id: str, kind: str = "swap") -> None:
        """The request modal in the person's language (the trigger is valid for 3 s)."""
        member = await self.member(user_id)
        if member is None:
            lang = normalise(self._locales.get(user_id))
        else:
            lang = reader_language(member, await self.team_info(member.team))
        await self.client.views_open(trigger_id=trigger_id, view=request_modal(lang, kind))

    async def submit(self, user_id: str, submission: Submission, event_id: str) -> None:
        await self.converse(user_id, Where(), text=submission.text(), event_id=event_id)


def build(router: Router, settings: SlackSettings, options: SlackOptions) -> SlackPart:
    """The Slack part ``shiftbot serve --slack-http PORT`` / ``--slack-socket`` runs."""
    return SlackPart(router, settings, options)
