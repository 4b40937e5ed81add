"""Thin listeners, one module per kind of Slack request, each with ``register(app, part)``.

A listener acknowledges at once, turns the payload into what the core needs (text, or a
typed action) and hands the rest to the part to run after the ack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.app.async_app import AsyncApp

from bot.adapters.slack.listeners import actions, commands, events, views

if TYPE_CHECKING:
    from bot.adapters.slack.part import SlackPart


def register(app: AsyncApp, part: SlackPart) -> None:
    for kind in (commands, events, actions, views):
        kind.register(app, part)
