"""The Bolt app: one ``AsyncApp`` with its listeners registered in one place per kind."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt.app.async_app import AsyncApp

from bot.adapters.slack.listeners import register

if TYPE_CHECKING:
    from bot.adapters.slack.part import SlackPart


def build_app(part: SlackPart, token: str, signing_secret: str) -> AsyncApp:
    """The Bolt app of ``part``: Bolt verifies every HTTP request's signature (a bad or stale
    one gets 401 before any listener runs) and answers as soon as a listener acks."""
    app = AsyncApp(
        token=token,
        signing_secret=signing_secret,
        process_before_response=False,
        logger=logging.getLogger("shiftbot.slack.bolt"),
    )
    register(app, part)
    return app
