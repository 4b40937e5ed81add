"""Interactivity: the answer buttons (``approve:12``), the request modal's opener (App Home
button and global shortcut)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.modal import CALLBACK_ID, OPEN_ACTION
from bot.core.messages import ACTION_KINDS, Action

if TYPE_CHECKING:
    from bot.adapters.slack.part import SlackPart, Where

ANSWER = re.compile(rf"^({'|'.join(ACTION_KINDS)}):\d{{1,18}}$")


def _where(body: dict[str, Any]) -> Where:
    """Answer a click next to the clicked message; a click in App Home: in the DM."""
    from bot.adapters.slack.part import Where

    container = body.get("container") or {}
    if container.get("type") == "message":
        if container.get("is_ephemeral") and body.get("response_url"):
            return Where(response_url=body["response_url"])
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        return Where(channel=channel)
    return Where()


def register(app: AsyncApp, part: SlackPart) -> None:
    from bot.adapters.slack.part import event_key

    async def answer_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        clicked = (body.get("actions") or [{}])[0]
        action = Action.from_action_id(str(clicked.get("action_id", "")))
        user = (body.get("user") or {}).get("id")
        if action is None or not user:
            return
        key = body.get("trigger_id") or clicked.get("action_ts")
        event_id = "act:" + event_key(key, user, action.action_id)
        part.spawn(part.converse(user, _where(body), action=action, event_id=event_id), "click")

    async def open_modal(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = (body.get("user") or {}).get("id")
        trigger = body.get("trigger_id")
        if user and trigger:
            part.spawn(part.open_modal(user, trigger), "request modal")

    app.action(ANSWER)(answer_button)
    app.action(OPEN_ACTION)(open_modal)
    app.shortcut(CALLBACK_ID)(open_modal)
