"""Replies, notices and edits as Slack messages: Block Kit with every text escaped.

The core writes plain text. Slack reads ``&``, ``<`` and ``>`` as markup (``<!channel>``,
``<@U123>``, links), so every text that reaches a ``mrkdwn`` field is escaped first: a reason
or a name typed by a person can never ping a channel or forge a link. Buttons go in one
``actions`` block per request (``block_id`` ``req:<id>``), the staffing impact in a compact
``context`` block under the text it belongs to, and column-aligned texts (help, staffing
tables) in a preformatted block so their columns stay aligned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.messages import Block, Button, Edit, Outgoing, Reply
from bot.i18n import words

SECTION_LIMIT = 3000
"""Longest ``text`` of a section or context element Slack accepts (characters)."""
FALLBACK_LIMIT = 3000
"""The notification text (``text`` next to ``blocks``) is cut to this many characters."""
LABEL_LIMIT = 75
"""Longest button label Slack accepts."""
MAX_BLOCKS = 50
"""Blocks per message (a Home tab allows 100)."""

Json = dict[str, Any]


def escape(text: str) -> str:
    """Text as Slack shows it literally in ``mrkdwn``: ``<!channel>`` stays harmless."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def unescape(text: str) -> str:
    """What a person typed, from the text Slack sends (it escapes ``& < >`` itself).

    Slack's own markup (``<@U0BOB00002>`` for a mention) arrives unescaped and stays as it
    is, for the parser to read.
    """
    for code, char in _SLACK_ESCAPES:
        text = text.replace(code, char)
    return text


def strip_mention(text: str, user_id: str | None) -> str:
    """The text without the mentions of ``user_id`` (the bot itself, in ``@shiftbot swap …``)."""
    if not user_id:
        return text.strip()
    return re.sub(rf"<@{re.escape(user_id)}(\|[^>]*)?>", " ", text).strip()


@dataclass(frozen=True)
class Message:
    """One Slack message: the notification ``text`` and its ``blocks``; ``requests`` maps each
    request id that has buttons in it to the action kinds shown, for ``ChatCore.posted``."""

    text: str
    blocks: list[Json]
    requests: dict[int, list[str]] = field(default_factory=dict)

    @property
    def has_buttons(self) -> bool:
        return bool(self.requests)


# --------------------------------------------------------------------------- text blocks


def _aligned(lines: Sequence[str]) -> bool:
    """Whether a text is laid out in columns (two or more lines with inner runs of spaces)."""
    return sum(1 for line in lines if re.search(r"\S {2,}\S", line)) >= 2


def _chunks(lines: Sequence[str], limit: int) -> Iterable[list[str]]:
    chunk: list[str] = []
    size = 0
    for line in lines:
        while len(line) > limit:  # one overlong line: cut it
            if chunk:
                yield chunk
                chunk, size = [], 0
            yield [line[:limit]]
            line = line[limit:]
        if size + len(line) + 1 > limit and chunk:
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        yield chunk


def _mrkdwn(text: str) -> Json:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def sections(text: str) -> list[Json]:
    """Section blocks for a text, escaped, split at whole lines within Slack's limit."""
    lines = [escape(line) for line in text.strip("\n").split("\n")]
    if not any(line.strip() for line in lines):
        return []
    if _aligned(lines):
        # ``` fences take six characters of the limit.
        return [
            {"type": "section", "text": _mrkdwn("```" + "\n".join(c) + "```")}
            for c in _chunks(lines, SECTION_LIMIT - 6)
        ]
    return [
        {"type": "section", "text": _mrkdwn("\n".join(c))} for c in _chunks(lines, SECTION_LIMIT)
    ]


def _split_impact(text: str, lang: str) -> tuple[str, list[str]]:
    """The text without its staffing impact, and the impact's lines (head first)."""
    head = words(lang)("impact.head")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() != head:
            continue
        end = i + 1
        while end < len(lines) and lines[end].startswith(" ") and lines[end].strip():
            end += 1
        if end == i + 1:
            return text, []
        impact = [head, *(line.strip() for line in lines[i + 1 : end])]
        rest = lines[:i] + lines[end:]
        return "\n".join(rest), impact
    return text, []


def text_blocks(text: str, lang: str) -> list[Json]:
    """A text as sections, its staffing impact (when it has one) as a compact context."""
    body, impact = _split_impact(text, lang)
    out = sections(body)
    if impact:
        joined = escape("\n".join(impact))[:SECTION_LIMIT]
        out.append({"type": "context", "elements": [_mrkdwn(joined)]})
    return out


def button(b: Button) -> Json:
    out: Json = {
        "type": "button",
        "action_id": b.action_id,
        "value": b.value,
        "text": {"type": "plain_text", "text": b.label[:LABEL_LIMIT], "emoji": True},
    }
    if b.style in ("primary", "danger"):
        out["style"] = b.style
    return out


def actions(buttons: Sequence[Button], block_id: str) -> Json:
    return {"type": "actions", "block_id": block_id, "elements": [button(b) for b in buttons[:25]]}


def _kinds(buttons: Iterable[Button]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for b in buttons:
        out.setdefault(b.action.request_id, []).append(b.action.kind)
    return out


def _fallback(text: str) -> str:
    return escape(text)[:FALLBACK_LIMIT]


def _with_buttons(text: str, buttons: Sequence[Button], lang: str) -> list[Json]:
    out = text_blocks(text, lang)
    by_request = _kinds(buttons)
    for rid in by_request:
        mine = [b for b in buttons if b.action.request_id == rid]
        out.append(actions(mine, f"req:{rid}"))
    return out


# --------------------------------------------------------------------------- messages


def list_blocks(items: Sequence[Block], lang: str, *, limit: int = MAX_BLOCKS) -> list[Json]:
    """A list reply (``pending``, ``open``): the heading, then each request with its buttons.

    Stops before ``limit`` blocks; the core never lists more than fit.
    """
    out: list[Json] = []
    for item in items:
        part = text_blocks(item.text.strip(), lang)
        if item.buttons:
            part.append(actions(item.buttons, f"req:{item.request_id or 0}"))
        if len(out) + len(part) > limit:
            break
        out += part
    return out


def render_reply(reply: Reply) -> Message:
    """The answer to the sender."""
    if reply.blocks:
        blocks = list_blocks(reply.blocks, reply.lang, limit=MAX_BLOCKS - 1)
        last = reply.text.rstrip().split("\n")[-1].strip()
        if last and not any(last in b.text for b in reply.blocks):  # "… and 3 more"
            blocks.append({"type": "context", "elements": [_mrkdwn(escape(last))]})
        shown = [b for item in reply.blocks for b in item.buttons]
        return Message(_fallback(reply.text), blocks, _kinds(shown))
    blocks = _with_buttons(reply.text, reply.buttons, reply.lang)
    return Message(_fallback(reply.text), blocks, _kinds(reply.buttons))


def render_notice(notice: Outgoing) -> Message:
    """A message for someone else (a DM, or the team's channel)."""
    blocks = _with_buttons(notice.text, notice.buttons, notice.lang)
    return Message(_fallback(notice.text), blocks, _kinds(notice.buttons))


def render_edit(edit: Edit) -> Message:
    """A message whose buttons went stale: what happened, and no buttons."""
    return Message(_fallback(edit.text), text_blocks(edit.text, edit.lang))
