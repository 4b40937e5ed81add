"""Telegram front-end: the python-telegram-bot Application as a part of ``shiftbot serve``."""

from __future__ import annotations

from bot.adapters.telegram.part import TelegramPart, TelegramUnavailable, build

__all__ = ["TelegramPart", "TelegramUnavailable", "build"]
