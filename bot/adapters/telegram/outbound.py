"""Posting to Telegram with the Bot API alone: group chats, private chats, edits and photos.

:class:`TelegramPoster` is the outbound half of the Telegram transport.
``serve --telegram-polling`` / ``--telegram-webhook`` runs it inside
:class:`~bot.adapters.telegram.part.TelegramPart`, with the Application's bot; a process
that only posts (``shiftbot digest --send``, or ``serve --scheduler`` without a Telegram
front-end) gets it from :func:`outbound`: a bot and no updates, only ``TELEGRAM_BOT_TOKEN``.

A notice with a picture (the digest's chart) goes by ``sendPhoto`` (multipart upload) with
its text as the caption when the text fits in one (1,024 characters); a longer text goes as
its messages first, then the photo. If the photo cannot be sent, the text still goes out
(alone) and the failure is logged; the delivery counts as done, so the text is never sent a
second time for want of its picture.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.adapters.telegram.app import defaults
from bot.adapters.telegram.render import (
    Post,
    render_caption,
    render_edit,
    render_notice,
)
from bot.core.messages import Edit, Outgoing
from bot.core.transport import Router

log = logging.getLogger("shiftbot.telegram")
T = TypeVar("T")

NAME = "telegram"
API_URL = "https://api.telegram.org/bot"
"""The Bot API's own address (python-telegram-bot appends the token)."""
CHANNEL = "#channel"
"""The recipient recorded for a message posted in the team's group chat."""
MAX_FLOOD_WAIT = 30.0
"""Longest wait, in seconds, for Telegram's flood control before one more try."""


class OutboundSettings(Protocol):
    @property
    def telegram_bot_token(self) -> str | None: ...

    @property
    def telegram_api_url(self) -> str | None: ...


async def _flood_safe(send: Callable[[], Awaitable[T]]) -> T:
    """``send()``, once more after Telegram's flood-control wait (up to ``MAX_FLOOD_WAIT``)."""
    for attempt in (1, 2):
        try:
            return await send()
        except RetryAfter as exc:
            if attempt == 2:
                raise
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await asyncio.sleep(min(seconds, MAX_FLOOD_WAIT))
    raise AssertionError("unreachable")


class TelegramPoster:
    """Telegram's outbound side: it reaches the team's ``telegram_chat_id`` and people with a
    ``telegram_user_id``, sends notices (pictures as photos) and edits its messages."""

    name = NAME

    def __init__(self, router: Router, bot: Bot) -> None:
        self.router = router
        self.core = router.core
        self.bot = bot

    # -- Transport ---------------------------------------------------------------------------

    async def reaches(self, team: str, agent_id: str | None, channel: bool) -> bool:
        return await self.chat_of(team, agent_id, channel) is not None

    async def deliver(self, team: str, notice: Outgoing) -> None:
        chat_id = await self.chat_of(team, notice.to, notice.channel)
        if chat_id is None:
            raise LookupError(f"{notice.to or 'the team channel'} of {team} has no Telegram chat")
        await self.deliver_to(chat_id, team, notice)

    async def deliver_to(self, chat_id: int, team: str, notice: Outgoing) -> None:
        recipient = CHANNEL if notice.channel or notice.to is None else notice.to
        if notice.attachment:
            await self._deliver_with_photo(chat_id, team, recipient, notice)
            return
        await self._send_notice(chat_id, team, recipient, notice)

    async def apply(self, edit: Edit) -> None:
        chat_id, message_id = edit.ref.get("chat_id"), edit.ref.get("message_id")
        if not isinstance(chat_id, int) or not isinstance(message_id, int):
            log.warning("a Telegram message reference without chat and message id: %s", edit.ref)
            return
        try:
            await self.bot.edit_message_text(
                render_edit(edit), chat_id=chat_id, message_id=message_id
            )
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            # Too old or gone: at least take the stale buttons away.
            log.info("editing Telegram message %s/%s: %s", chat_id, message_id, exc.message)
            with contextlib.suppress(BadRequest):
                await self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                )

    # -- sending -----------------------------------------------------------------------------

    async def chat_of(self, team: str, agent_id: str | None, channel: bool) -> int | None:
        if channel or agent_id is None:
            info = await self.router.call(self.core.team, team)
            return None if info is None else info.telegram_chat_id
        member = await self.router.call(self.core.contact, team, agent_id)
        return None if member is None else member.telegram_user_id

    async def send_all(self, chat_id: int, posts: list[Post], quote: int | None = None) -> None:
        for i, post in enumerate(posts):
            await self.send(chat_id, post, quote=quote if i == 0 else None)

    async def send(self, chat_id: int, post: Post, quote: int | None = None) -> Message:
        reply_to = ReplyParameters(quote) if quote is not None else None
        return await _flood_safe(
            lambda: self.bot.send_message(
                chat_id, post.text, reply_markup=post.markup, reply_parameters=reply_to
            )
        )

    async def send_photo(self, chat_id: int, path: Path, caption: str | None) -> Message:
        """The picture at ``path`` as a photo (a multipart upload), with an HTML caption."""
        picture = path.read_bytes()
        return await _flood_safe(
            lambda: self.bot.send_photo(chat_id, picture, caption=caption, filename=path.name)
        )

    async def record(self, team: str, recipient: str, sent: Message, post: Post, lang: str) -> None:
        """Tell the core where the buttons are, so the message is edited when the request
        settles (at once, if it settled meanwhile)."""
        ref = {"chat_id": sent.chat_id, "message_id": sent.message_id}
        for request_id, kinds in post.kinds.items():
            edit = await self.router.call(
                self.core.posted, team, NAME, recipient, request_id, kinds, ref, lang
            )
            if edit is not None:
                await self.apply(edit)

    async def _send_notice(self, chat_id: int, team: str, recipient: str, notice: Outgoing) -> None:
        for post in render_notice(notice):
            sent = await self.send(chat_id, post)
            await self.record(team, recipient, sent, post, notice.lang)

    async def _deliver_with_photo(
        self, chat_id: int, team: str, recipient: str, notice: Outgoing
    ) -> None:
        path = Path(str(notice.attachment))
        caption = render_caption(notice)
        if caption is not None:
            try:
                await self.send_photo(chat_id, path, caption.text)
                return
            except TimedOut:
                raise  # it may have arrived: the delivery is tried again whole, or not at all
            except (TelegramError, OSError) as exc:
                log.warning(
                    "sending the %s chart to %s failed: %s; sending the text without it",
                    notice.kind,
                    chat_id,
                    _reason(exc),
                )
            await self._send_notice(chat_id, team, recipient, notice)
            return
        await self._send_notice(chat_id, team, recipient, notice)
        try:
            await self.send_photo(chat_id, path, None)
        except (TelegramError, OSError) as exc:
            log.warning("sending the %s chart to %s failed: %s", notice.kind, chat_id, _reason(exc))


def _reason(exc: Exception) -> str:
    if isinstance(exc, TelegramError):
        return exc.message
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


class TelegramOutbound(TelegramPoster):
    """The post-only Telegram client of a process that does not serve Telegram."""

    async def start(self) -> None:
        try:
            await self.bot.initialize()  # getMe: says early when the token is wrong
        except InvalidToken as exc:
            # Posts are still tried (and their failures recorded); this says why they fail.
            log.error("Telegram refused TELEGRAM_BOT_TOKEN (%s)", exc.message)
        except TelegramError as exc:
            log.warning("the Telegram Bot API is not reachable now (%s); posts go on trying", exc)

    async def stop(self) -> None:
        await self.bot.shutdown()


def outbound(router: Router, settings: OutboundSettings) -> TelegramOutbound:
    """A Bot API client that posts to the teams' chats and people without receiving updates
    (``shiftbot digest --send``, ``serve --scheduler`` alone)."""
    token = settings.telegram_bot_token
    if not token:
        raise ValueError("posting to Telegram needs TELEGRAM_BOT_TOKEN")
    # httpx logs every request URL at INFO, and a Bot API URL holds the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    bot = ExtBot(token, base_url=settings.telegram_api_url or API_URL, defaults=defaults())
    return TelegramOutbound(router, bot)
