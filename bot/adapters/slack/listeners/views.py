"""The request modal's submission: problems shown in the modal, the request sent by DM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.modal import CALLBACK_ID, read_submission

if TYPE_CHECKING:
    from bot.adapters.slack.part import SlackPart


def register(app: AsyncApp, part: SlackPart) -> None:
    from bot.adapters.slack.part import event_key

    async def request_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        submission = read_submission(view)
        problems = submission.problems()
        if problems:
            await ack(response_action="errors", errors=problems)
            return
        await ack()
        user = (body.get("user") or {}).get("id")
        if not user:
            return
        event_id = "view:" + event_key(view.get("id"), view.get("hash"))
        part.spawn(part.submit(user, submission, event_id), "request modal")

    app.view(CALLBACK_ID)(request_submitted)
