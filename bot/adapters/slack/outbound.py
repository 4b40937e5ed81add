"""Posting to Slack with the Web API alone: the team's channel, DMs, edits and file uploads.

:class:`SlackPoster` is the outbound half of the Slack transport. ``serve --slack-http`` /
``--slack-socket`` runs it inside :class:`~bot.adapters.slack.part.SlackPart`, which adds
the Bolt listeners; a process that only posts (``shiftbot digest --send``, or
``serve --scheduler`` without a Slack front-end) gets it from :func:`outbound`: no listener,
no signing secret, only ``SLACK_BOT_TOKEN``.

A notice with an attachment (the digest's chart) is uploaded with ``files_upload_v2``:
``files.getUploadURLExternal``, the file's bytes to the ``upload_url`` Slack returns, then
``files.completeUploadExternal`` sharing it to the channel with the text as its
``initial_comment``: one message, the chart under the text. That needs the ``files:write``
scope. If the upload fails (the scope is missing, the file is gone, Slack refuses it), the
text goes out alone by ``chat.postMessage`` and the failure is logged; the delivery still
counts as done, so the text is never posted a second time for want of its picture.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import Message, escape, render_edit, render_notice
from bot.core.messages import Edit, Outgoing
from bot.core.transport import Router
from bot.services.directory import Member, TeamInfo

log = logging.getLogger("shiftbot.slack")
T = TypeVar("T")

TRANSPORT = "slack"
CACHE_SECONDS = 60.0
"""How long a person's or a team's directory entry is reused before it is read again."""
TITLE_LIMIT = 250
"""Longest file title and alt text shiftbot gives an upload (Slack allows more)."""


class OutboundSettings(Protocol):
    @property
    def slack_bot_token(self) -> str | None: ...

    @property
    def slack_api_url(self) -> str | None: ...


class TtlCache:
    """A small time-bounded cache of directory look-ups."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.items: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        hit = self.items.get(key)
        if hit is None or time.monotonic() - hit[0] > self.seconds:
            return None
        return hit[1]

    def put(self, key: Any, value: Any) -> None:
        if len(self.items) > 50_000:
            self.items.clear()
        self.items[key] = (time.monotonic(), value)


def configure(client: AsyncWebClient, api_url: str | None) -> AsyncWebClient:
    """Point ``client`` at ``api_url`` (``SLACK_API_URL``) and retry rate-limited calls."""
    if api_url:
        client.base_url = api_url if api_url.endswith("/") else api_url + "/"
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return client


def _reason(exc: Exception) -> str:
    """What Slack (or the file system) said, for the log."""
    if isinstance(exc, SlackApiError):
        resp = exc.response
        error = str(resp.get("error") or exc)
        needed = resp.get("needed")
        return f"{error} (the app needs the {needed} scope)" if needed else error
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


class SlackPoster:
    """Slack's outbound side: it reaches the team's ``slack_channel`` and people with a
    ``slack_user_id``, posts notices (charts uploaded with them) and edits its messages."""

    name = TRANSPORT

    def __init__(self, router: Router, client: AsyncWebClient) -> None:
        self.router = router
        self.core = router.core
        self.client = client
        self.session: aiohttp.ClientSession | None = None
        self._dm: dict[str, str] = {}
        self._teams = TtlCache(CACHE_SECONDS)
        self._contacts = TtlCache(CACHE_SECONDS)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """A core call in a worker thread."""
        return await self.router.call(fn, *args)

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()
        self.client.session = self.session

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    # -- directory ---------------------------------------------------------------------------

    async def team_info(self, team: str) -> TeamInfo | None:
        found: TeamInfo | None = self._teams.get(team)
        if found is None:
            found = await self.call(self.core.team, team)
            if found is not None:
                self._teams.put(team, found)
        return found

    async def contact(self, team: str, agent_id: str) -> Member | None:
        key = (team, agent_id)
        found: Member | None = self._contacts.get(key)
        if found is None:
            found = await self.call(self.core.contact, team, agent_id)
            if found is not None:
                self._contacts.put(key, found)
        return found

    async def dm(self, user_id: str) -> str:
        channel = self._dm.get(user_id)
        if channel is None:
            resp = await self.client.conversations_open(users=user_id)
            channel = str(resp["channel"]["id"])
            self._dm[user_id] = channel
        return channel

    def remember_dm(self, user_id: str, channel: str) -> None:
        self._dm[user_id] = channel

    # -- posting -----------------------------------------------------------------------------

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        kwargs: dict[str, Any] = {}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        resp = await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False, **kwargs
        )
        return str(resp["ts"])

    async def post_recorded(
        self,
        team: str,
        recipient: str,
        channel: str,
        message: Message,
        lang: str,
        thread_ts: str | None = None,
    ) -> None:
        """Post a message and record each request with buttons in it, so it can be edited."""
        ts = await self.post(channel, message, thread_ts=thread_ts)
        for request_id, kinds in message.requests.items():
            ref = {"channel": channel, "ts": ts}
            edit = await self.call(
                self.core.posted, team, TRANSPORT, recipient, request_id, kinds, ref, lang
            )
            if edit is not None:  # the request settled meanwhile
                await self.apply(edit)

    async def upload(self, channel: str, path: Path, title: str, comment: str | None) -> None:
        """Share the file at ``path`` to ``channel`` (``files_upload_v2``), with ``comment``
        as the message text above it."""
        await self.client.files_upload_v2(
            channel=channel,
            file=str(path),
            filename=path.name,
            title=title,
            alt_txt=title,
            initial_comment=comment,
        )

    async def post_notice(self, team: str, recipient: str, channel: str, notice: Outgoing) -> None:
        """A notice in ``channel``: its text, and its attachment uploaded with it."""
        message = render_notice(notice)
        if not notice.attachment:
            await self.post_recorded(team, recipient, channel, message, notice.lang)
            return
        path = Path(notice.attachment)
        title = notice.text.strip().split("\n", 1)[0][:TITLE_LIMIT] or path.name
        if not message.has_buttons:
            try:
                await self.upload(channel, path, title, escape(notice.text))
                return
            except (SlackApiError, SlackRequestError, OSError) as exc:
                log.warning(
                    "uploading the %s chart to %s failed: %s; posting the text without it",
                    notice.kind,
                    channel,
                    _reason(exc),
                )
            await self.post_recorded(team, recipient, channel, message, notice.lang)
            return
        # Buttons cannot ride on a file's comment: the message first, the file after it.
        await self.post_recorded(team, recipient, channel, message, notice.lang)
        try:
            await self.upload(channel, path, title, None)
        except (SlackApiError, SlackRequestError, OSError) as exc:
            log.warning(
                "uploading the %s chart to %s failed: %s", notice.kind, channel, _reason(exc)
            )

    def delivered(self, team: str, agent_id: str) -> None:
        """Called after a notice reached ``agent_id`` by DM (the front-end refreshes their
        Home tab)."""

    # -- Transport ---------------------------------------------------------------------------

    async def reaches(self, team: str, agent_id: str | None, channel: bool) -> bool:
        if channel or agent_id is None:
            info = await self.team_info(team)
            return bool(info and info.slack_channel)
        person = await self.contact(team, agent_id)
        return bool(person and person.slack_user_id)

    async def deliver(self, team: str, notice: Outgoing) -> None:
        if notice.channel or notice.to is None:
            info = await self.team_info(team)
            if info is None or not info.slack_channel:
                log.warning("team %s has no slack_channel for a %s notice", team, notice.kind)
                return
            channel = info.slack_channel
            await self.post_notice(team, f"#{channel}", channel, notice)
            return
        person = await self.contact(team, notice.to)
        if person is None or not person.slack_user_id:
            log.warning(
                "%s of %s has no slack_user_id for a %s notice", notice.to, team, notice.kind
            )
            return
        channel = await self.dm(person.slack_user_id)
        await self.post_notice(team, notice.to, channel, notice)
        self.delivered(team, notice.to)

    async def apply(self, edit: Edit) -> None:
        channel, ts = edit.ref.get("channel"), edit.ref.get("ts")
        if not isinstance(channel, str) or not isinstance(ts, str):
            log.warning("a Slack edit without channel and ts: %r", edit.ref)
            return
        message = render_edit(edit)
        try:
            await self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            log.warning("chat.update %s %s: %s", channel, ts, exc.response.get("error"))


class SlackOutbound(SlackPoster):
    """The post-only Slack client of a process that does not serve Slack."""

    async def start(self) -> None:
        await super().start()
        try:
            await self.client.auth_test()
        except SlackApiError as exc:
            # Posts are still tried (and their failures recorded); this says why they fail.
            log.error("Slack refused SLACK_BOT_TOKEN: %s", _reason(exc))
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Slack's Web API is not reachable now (%s); posts will be retried", exc)


def outbound(router: Router, settings: OutboundSettings) -> SlackOutbound:
    """A Web API client that posts to the teams' channels and people without serving Slack
    (``shiftbot digest --send``, ``serve --scheduler`` alone)."""
    token = settings.slack_bot_token
    if not token:
        raise ValueError("posting to Slack needs SLACK_BOT_TOKEN (the app's xoxb- bot token)")
    client = configure(AsyncWebClient(token=token, logger=log), settings.slack_api_url)
    return SlackOutbound(router, client)
