"""The slash command ``/shift <text>``: the same words as a DM, answered to the sender."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.blocks import unescape

if TYPE_CHECKING:
    from bot.adapters.slack.part import SlackPart

COMMAND = "/shift"


def register(app: AsyncApp, part: SlackPart) -> None:
    from bot.adapters.slack.part import Where, event_key

    async def shift_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = body.get("user_id")
        if not user:
            return
        where = Where(response_url=body.get("response_url") or None)
        event_id = "cmd:" + event_key(body.get("trigger_id"), user, body.get("text"))
        text = unescape(str(body.get("text") or ""))
        part.spawn(part.converse(user, where, text=text, event_id=event_id), "slash command")

    app.command(COMMAND)(shift_command)
