"""The python-telegram-bot ``Application``: its handlers, and a message read as the core reads it.

Commands (``/swap fri with @bob``), free text in a private chat, and in a group a mention
of the bot or a reply to one of its messages all become the same words the core's parser
reads (``swap fri with @bob``). A user picked from Telegram's mention list (a
``text_mention``, for people without a username) becomes ``@<telegram user id>``, which the
core resolves by ``telegram_user_id``. Button clicks arrive as callback queries whose data is
the action id (``approve:12``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, get_args

from telegram import BotCommand, LinkPreviewOptions, Message, Update
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.core.parsing import Intent
from bot.i18n import words

log = logging.getLogger("shiftbot.telegram")

COMMANDS = (*(intent for intent in get_args(Intent) if intent != "unknown"), "start")
"""Every chat intent as a Telegram command, and ``/start``."""
"""The command menu, in the order Telegram shows it."""

WORDS = {"start": "help"}
"""A command whose words for the core differ from its name (the rest say what they are)."""

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
"""The only updates asked of Telegram (no edits, channel posts or inline queries)."""

CONCURRENT_UPDATES = 32
"""Updates handled at once (each waits for the core in a worker thread)."""

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Said:
    """A message as the core reads it."""

    text: str
    addressed: bool
    """A command, a mention of the bot or a reply to it: in a group, only these are for us."""


class Talk(Protocol):
    """What the handlers hand their updates to (the Telegram part)."""

    async def said(self, update: Update, said: Said) -> None: ...

    async def clicked(self, update: Update) -> None: ...


def read_message(message: Message, bot_username: str, bot_id: int) -> Said | None:
    """The core's words for ``message``; None for a command addressed to another bot.

    Entity offsets count UTF-16 code units, so the text is rewritten in that encoding.
    """
    raw = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or ()
    data = raw.encode("utf-16-le")
    me = bot_username.casefold()
    replies_to_us = bool(
        message.reply_to_message
        and message.reply_to_message.from_user
        and message.reply_to_message.from_user.id == bot_id
    )
    addressed = replies_to_us
    edits: list[tuple[int, int, str]] = []
    for entity in entities:
        start, end = entity.offset * 2, (entity.offset + entity.length) * 2
        part = data[start:end].decode("utf-16-le", errors="replace")
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            name, _, target = part[1:].partition("@")
            if target and target.casefold() != me:
                return None
            name = name.casefold()
            addressed = True
            edits.append((start, end, WORDS.get(name, name)))
        elif entity.type == MessageEntityType.MENTION and part[1:].casefold() == me:
            addressed = True
            edits.append((start, end, " "))
        elif entity.type == MessageEntityType.TEXT_MENTION and entity.user is not None:
            if entity.user.id == bot_id:
                addressed = True
                edits.append((start, end, " "))
            else:
                edits.append((start, end, f"@{entity.user.id}"))
    for start, end, replacement in sorted(edits, reverse=True):
        data = data[:start] + replacement.encode("utf-16-le") + data[end:]
    text = " ".join(data.decode("utf-16-le", errors="replace").split())
    return Said(text, addressed)


def menu(lang: str) -> list[BotCommand]:
    """The command menu in ``lang``, from the message catalog."""
    w = words(lang)
    return [BotCommand(name, w(f"telegram.command.{name}")) for name in COMMANDS]


MENUS: Sequence[tuple[str | None, str]] = ((None, "en"), ("zh", "zh-Hant"))
"""``setMyCommands`` language codes (None: everyone else) and the catalog language for each.
Telegram takes two-letter codes only, so Chinese readers of both scripts get one menu."""


def defaults() -> Defaults:
    """How every message goes out: HTML (escaped by :mod:`render`), no link previews."""
    return Defaults(
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        allow_sending_without_reply=True,
    )


def build_application(token: str, base_url: str | None, *, polling: bool) -> TelegramApp:
    """An Application on ``base_url`` (Telegram's own when None); an Updater only for
    polling, as a webhook is served by our own web server."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .defaults(defaults())
        .concurrent_updates(CONCURRENT_UPDATES)
        .job_queue(None)  # serve has its own scheduler
    )
    if base_url:
        builder = builder.base_url(base_url)
    if not polling:
        builder = builder.updater(None)
    app: TelegramApp = builder.build()
    return app


def register(app: TelegramApp, talk: Talk) -> None:
    """Route every update the bot is asked for to ``talk``."""

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        said = read_message(message, context.bot.username, context.bot.id)
        if said is None:
            return
        if message.chat.type != ChatType.PRIVATE and not said.addressed:
            return
        await talk.said(update, said)

    async def on_click(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await talk.clicked(update)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling a Telegram update failed", exc_info=context.error)

    new_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(list(COMMANDS), on_message, filters=new_messages))
    # Unknown commands (``/swp``) and words alike: the core answers, with a suggestion.
    app.add_handler(MessageHandler(new_messages & (filters.TEXT | filters.CAPTION), on_message))
    # Anything else in a private chat (a sticker, a photo) gets the help, never silence.
    app.add_handler(
        MessageHandler(
            new_messages & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, on_message
        )
    )
    app.add_handler(CallbackQueryHandler(on_click))
    app.add_error_handler(on_error)
