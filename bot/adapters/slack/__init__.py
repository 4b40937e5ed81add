"""Slack: the ``/shift`` command, DMs and mentions, answer buttons that update, App Home and
a request modal, over HTTP (``POST /slack/events``) or Socket Mode, with slack_bolt's
``AsyncApp`` on ``shiftbot serve``'s event loop; :func:`outbound` posts without serving."""

from __future__ import annotations

from bot.adapters.slack.outbound import SlackOutbound, SlackPoster, outbound
from bot.adapters.slack.part import SlackPart, build

__all__ = ["SlackOutbound", "SlackPart", "SlackPoster", "build", "outbound"]
