"""Events API: direct messages, ``@shiftbot`` mentions and the App Home tab being opened."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.adapters.slack.blocks import strip_mention, unescape

if TYPE_CHECKING:
    from bot.adapters.slack.part import SlackPart


def _said(event: dict[str, Any]) -> bool:
    """A person's own new message (not an edit, a join, a file share or a bot's post)."""
    return bool(event.get("user")) and not event.get("subtype") and not event.get("bot_id")


def register(app: AsyncApp, part: SlackPart) -> None:
    from bot.adapters.slack.part import Where

    async def direct_message(
        body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if not _said(event) or event.get("channel_type") != "im":
            return
        user, channel = event["user"], event["channel"]
        part.remember_dm(user, channel)
        text = unescape(strip_mention(str(event.get("text") or ""), context.bot_user_id))
        where = Where(channel=channel, thread_ts=event.get("thread_ts"))
        part.spawn(part.converse(user, where, text=text, event_id=body.get("event_id")), "message")

    async def mention(
        body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if not event.get("user") or event.get("bot_id"):
            return
        text = unescape(strip_mention(str(event.get("text") or ""), context.bot_user_id))
        where = Where(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"])
        part.spawn(
            part.converse(event["user"], where, text=text, event_id=body.get("event_id")),
            "mention",
        )

    async def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab") == "home" and event.get("user"):
            part.spawn(part.home_opened(event["user"]), "App Home")

    app.event("message")(direct_message)
    app.event("app_mention")(mention)
    app.event("app_home_opened")(home_opened)
