"""Telegram as one part of ``shiftbot serve``: polling or a webhook, on serve's event loop.

The Application runs by its manual lifecycle (``initialize``, ``start``, ``stop``,
``shutdown``) so it shares the loop with every other part. In webhook mode our own aiohttp
server takes ``POST /telegram/webhook``: a request without the right
``X-Telegram-Bot-Api-Secret-Token`` gets 403 and has no effect; a good one is queued for the
Application and acknowledged at once, as Telegram wants a quick answer. Each update reaches
the core with an event id built from its ``update_id`` (a callback query: its own id), which
the core claims in the same transaction as the change, so a repeated update, in this process
or another one on the same database, has one effect.

The core is synchronous and is only ever called through the router's worker threads.
Sending is :class:`~bot.adapters.telegram.outbound.TelegramPoster`'s, which a process that
only posts uses on its own.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import re
from typing import Protocol, TypeVar

from aiohttp import web
from telegram import Update
from telegram.constants import ChatType
from telegram.error import InvalidToken, TelegramError

from bot.adapters.telegram.app import (
    ALLOWED_UPDATES,
    MENUS,
    Said,
    TelegramApp,
    build_application,
    menu,
    register,
)
from bot.adapters.telegram.outbound import API_URL, NAME, TelegramPoster
from bot.adapters.telegram.render import render_reply
from bot.core.messages import Action, Incoming, Reply
from bot.core.transport import Router

log = logging.getLogger("shiftbot.telegram")
T = TypeVar("T")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramUnavailable(ValueError):
    """Telegram cannot be used as configured (token, address, port): said to the user."""


# What serve hands to ``build``: described here by shape, as adapters sit below serve.


class Settings(Protocol):
    @property
    def telegram_bot_token(self) -> str | None: ...

    @property
    def telegram_api_url(self) -> str | None: ...

    @property
    def telegram_webhook_secret(self) -> str | None: ...

    @property
    def telegram_webhook_url(self) -> str | None: ...


class Options(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def telegram_polling(self) -> bool: ...

    @property
    def telegram_webhook(self) -> int | None: ...


class TelegramPart(TelegramPoster):
    """Serve's Telegram transport: receives updates, answers, delivers notices, edits."""

    def __init__(self, router: Router, settings: Settings, options: Options) -> None:
        token = settings.telegram_bot_token
        if not token:
            raise TelegramUnavailable(
                "Telegram needs TELEGRAM_BOT_TOKEN (the token @BotFather gave the bot)"
            )
        if options.telegram_polling and options.telegram_webhook is not None:
            raise TelegramUnavailable(
                "choose one of --telegram-polling and --telegram-webhook: Telegram delivers "
                "updates one way at a time"
            )
        self.webhook_port = options.telegram_webhook
        self.secret = settings.telegram_webhook_secret or ""
        if self.webhook_port is not None and not _SECRET.fullmatch(self.secret):
            raise TelegramUnavailable(
                "--telegram-webhook needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z, "
                "a-z, 0-9, _ and -, which Telegram sends back in "
                f"{SECRET_HEADER} so forged updates are refused"
            )
        self.host = options.host
        self.polling = options.telegram_polling
        self.webhook_url = settings.telegram_webhook_url
        self.api_url = settings.telegram_api_url or API_URL
        self.app: TelegramApp = build_application(
            token, settings.telegram_api_url, polling=self.polling
        )
        super().__init__(router, self.app.bot)
        register(self.app, self)
        self._runner: web.AppRunner | None = None
        self._running = False

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self.app.initialize()  # getMe: checks the token, learns the bot's name
        except InvalidToken as exc:
            raise TelegramUnavailable(
                f"Telegram refused TELEGRAM_BOT_TOKEN ({exc.message})"
            ) from None
        except TelegramError as exc:
            raise TelegramUnavailable(
                f"cannot reach the Telegram Bot API at {self.api_url}: {exc.message}"
            ) from None
        try:
            await self._set_menus()
            await self.app.start()
            self._running = True
            if self.polling:
                assert self.app.updater is not None
                await self.app.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
            if self.webhook_port is not None:
                await self._serve_webhook(self.webhook_port)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self._running:
            self._running = False
            await self.app.stop()  # handles what is already queued first
        await self.app.shutdown()

    async def _set_menus(self) -> None:
        """The command menu; without it the bot still works, so a refusal is only logged."""
        for code, lang in MENUS:
            try:
                await self.bot.set_my_commands(menu(lang), language_code=code)
            except TelegramError as exc:
                log.warning("Telegram refused the %s command menu: %s", lang, exc.message)

    async def _serve_webhook(self, port: int) -> None:
        web_app = web.Application()
        web_app.router.add_post(WEBHOOK_PATH, self._webhook)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise TelegramUnavailable(
                f"cannot listen on {self.host}:{port} for Telegram: {exc.strerror or exc}"
            ) from None
        self._runner = runner
        if self.webhook_url:
            try:
                await self.bot.set_webhook(
                    self.webhook_url,
                    secret_token=self.secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            except TelegramError as exc:
                raise TelegramUnavailable(
                    f"Telegram refused TELEGRAM_WEBHOOK_URL {self.webhook_url}: {exc.message}"
                ) from None

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403, text="wrong secret token\n")
        try:
            data = await request.json()
            update = Update.de_json(data, self.app.bot) if isinstance(data, dict) else None
        except Exception:  # any malformed body: not an update
            update = None
        if update is None:
            return web.Response(status=400, text="not a Telegram update\n")
        await self.app.update_queue.put(update)
        return web.Response(text="ok\n")

    # -- updates in ----------------------------------------------------------------------

    async def said(self, update: Update, said: Said) -> None:
        message = update.message
        assert message is not None and message.from_user is not None
        user = message.from_user
        chat_id = message.chat_id
        quote = message.message_id if message.chat.type != ChatType.PRIVATE else None
        member = await self.router.call(self.core.identify, NAME, str(user.id))
        if member is None:
            reply = await self.router.call(
                self.core.onboarding, NAME, str(user.id), user.language_code
            )
            await self.send_all(chat_id, render_reply(reply), quote=quote)
            return
        incoming = Incoming(
            member.team,
            member.agent_id,
            text=said.text,
            source=NAME,
            event_id=f"{update.update_id}:{chat_id}:{message.message_id}",
            lang=user.language_code,
        )
        reply = await self.router.call(self.core.handle, incoming)
        await self._answer(member.team, member.agent_id, chat_id, reply, quote=quote)

    async def clicked(self, update: Update) -> None:
        """A button: the core decides, the click is answered (always, so the client stops
        waiting; a refusal shows as a toast), then the messages go out."""
        query = update.callback_query
        assert query is not None
        answered = False

        async def answer(toast: str | None = None) -> None:
            nonlocal answered
            answered = True
            with contextlib.suppress(TelegramError):
                await query.answer(toast)

        try:
            user = query.from_user
            action = Action.from_action_id(query.data or "")
            chat_id = query.message.chat.id if query.message is not None else user.id
            member = await self.router.call(self.core.identify, NAME, str(user.id))
            if member is None:
                reply = await self.router.call(
                    self.core.onboarding, NAME, str(user.id), user.language_code
                )
                await answer()
                await self.send_all(user.id, render_reply(reply))
                return
            if action is None:
                return
            incoming = Incoming(
                member.team,
                member.agent_id,
                action=action,
                source=NAME,
                event_id=f"cb:{query.id}",
                lang=user.language_code,
            )
            reply = await self.router.call(self.core.handle, incoming)
            refused = not reply.ok and not reply.duplicate and reply.text
            await answer(reply.text.split("\n", 1)[0][:200] if refused else None)
            await self._answer(member.team, member.agent_id, chat_id, reply)
        finally:
            if not answered:
                await answer()

    async def _answer(
        self, team: str, agent_id: str, chat_id: int, reply: Reply, quote: int | None = None
    ) -> None:
        """The reply to the sender, then the edits and the notices it brings."""
        if reply.duplicate:
            return
        for i, post in enumerate(render_reply(reply)):
            sent = await self.send(chat_id, post, quote=quote if i == 0 else None)
            await self.record(team, agent_id, sent, post, reply.lang)
        await self.router.apply(reply.edits)
        for notice in reply.notices:
            to_chat = await self.chat_of(team, notice.to, notice.channel)
            if to_chat is not None:
                try:
                    await self.deliver_to(to_chat, team, notice)
                    continue
                except TelegramError as exc:  # e.g. they never started the bot
                    log.warning("a %s notice could not be sent on Telegram: %s", notice.kind, exc)
            await self.router.deliver(team, [notice], exclude=NAME)


def build(router: Router, settings: Settings, options: Options) -> TelegramPart:
    """Serve's entry point for Telegram (``--telegram-polling`` or ``--telegram-webhook``)."""
    # httpx logs every request URL at INFO, and a Bot API URL holds the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return TelegramPart(router, settings, options)
