"""Telegram front-end: the python-telegram-bot Application as a part of ``shiftbot serve``;
:func:`outbound` posts without serving."""

from __future__ import annotations

from bot.adapters.telegram.outbound import TelegramOutbound, TelegramPoster, outbound
from bot.adapters.telegram.part import TelegramPart, TelegramUnavailable, build

__all__ = [
    "TelegramOutbound",
    "TelegramPart",
    "TelegramPoster",
    "TelegramUnavailable",
    "build",
    "outbound",
]
