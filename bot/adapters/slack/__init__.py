"""Slack: the ``/shift`` command, DMs and mentions, answer buttons that update, App Home and
a request modal, over HTTP (``POST /slack/events``) or Socket Mode, with slack_bolt's
``AsyncApp`` on ``shiftbot serve``'s event loop."""

from __future__ import annotations

from bot.adapters.slack.part import SlackPart, build

__all__ = ["SlackPart", "build"]
