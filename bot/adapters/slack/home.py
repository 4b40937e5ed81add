"""App Home: my next shifts, my requests, open shifts I can take, and what waits for me
(for leads: the approvals with their staffing impact), with a button for a new request.

The look-ups are the core's own (``ChatCore.look_up``: ``mine``, ``open``, ``pending``) in
the reader's language, so refreshing a Home tab writes nothing, not even the language a
person last wrote in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.slack.blocks import list_blocks, text_blocks
from bot.adapters.slack.modal import OPEN_ACTION
from bot.core.handlers import LOOK_UPS, ChatCore
from bot.core.messages import Reply
from bot.i18n import normalise, words
from bot.services.directory import Member, TeamInfo

HOME_LIMIT = 100
"""Blocks a Home tab may have."""

Json = dict[str, Any]


def reader_language(member: Member, info: TeamInfo | None, hint: str | None = None) -> str:
    """The language a person reads, as the core decides it when nothing was written."""
    team_lang = info.language if info else None
    return normalise(member.lang or team_lang or member.last_lang or hint)


def home_replies(
    core: ChatCore, member: Member, info: TeamInfo, lang: str, now: datetime
) -> list[Reply]:
    """``mine``, ``open`` and ``pending`` for this person (synchronous: a worker thread)."""
    return [core.look_up(member, intent, lang, now, "slack") for intent in LOOK_UPS]


def _reply_blocks(reply: Reply, lang: str) -> list[Json]:
    if reply.blocks:
        return list_blocks(reply.blocks, lang, limit=30)
    return text_blocks(reply.text, lang)


def home_view(
    replies: list[Reply], lang: str, now: datetime | None = None, *, member: bool = True
) -> Json:
    """The Home tab for one person, from their look-ups (a stranger: the onboarding answer,
    without the request button)."""
    w = words(lang)
    blocks: list[Json] = [
        {"type": "header", "text": {"type": "plain_text", "text": w("slack.home.head")[:150]}}
    ]
    if member:
        blocks.append(
            {
                "type": "actions",
                "block_id": "home",
                "elements": [
                    {
                        "type": "button",
                        "action_id": OPEN_ACTION,
                        "style": "primary",
                        "text": {"type": "plain_text", "text": w("slack.home.new_request")[:75]},
                    }
                ],
            }
        )
    hint = w("slack.home.hint")
    if now is not None:
        hint += "  ·  " + w("slack.home.as_of", at=now)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
    for reply in replies:
        part = [{"type": "divider"}, *_reply_blocks(reply, lang)]
        if len(blocks) + len(part) > HOME_LIMIT:
            break
        blocks += part
    return {"type": "home", "blocks": blocks}
