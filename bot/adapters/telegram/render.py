"""A core :class:`Reply`, :class:`Outgoing` or :class:`Edit` as Telegram messages.

Texts go out with ``parse_mode=HTML``; every character of the core's plain text is escaped
with :func:`html.escape` (the escaping python-telegram-bot's own helpers use for HTML), so a
name, a reason or anything else a user typed can never open a tag or break the message.
Only one piece of markup is ours: a span in backticks (a command to run) becomes ``<code>``.

A message holds at most one request's buttons, so that when the request settles the core's
edit (new text, no buttons) replaces exactly that message. A list (``pending``, ``open``)
therefore becomes a heading message and one message per request.

A notice with a picture (the digest's chart) is one photo with the text as its caption when
the text fits in a caption, else the text's messages followed by the photo.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import KeyboardButtonStyle, MessageLimit

from bot.core.messages import Button, Edit, Outgoing, Reply

LIMIT = MessageLimit.MAX_TEXT_LENGTH
"""Telegram's longest message text, counted after entities are parsed (4,096)."""
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH
"""Telegram's longest photo caption, counted the same way (1,024)."""

_CODE = re.compile(r"`([^`\n]+)`")
_STYLES = {"primary": KeyboardButtonStyle.PRIMARY, "danger": KeyboardButtonStyle.DANGER}


@dataclass(frozen=True)
class Post:
    """One Telegram message to send: HTML text and, maybe, one request's buttons."""

    text: str
    buttons: tuple[Button, ...] = ()
    kinds: dict[int, list[str]] = field(default_factory=dict)
    """Action kinds per request id on this message (what :meth:`ChatCore.posted` records)."""

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return keyboard(self.buttons)


def html_text(plain: str) -> str:
    """The core's plain text as Telegram HTML: escaped, with `commands` as code."""
    return _CODE.sub(r"<code>\1</code>", html.escape(plain, quote=False))


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One row per request, its buttons side by side; ``callback_data`` is the action id
    (``approve:12``), which :meth:`Action.from_action_id` reads back."""
    if not buttons:
        return None
    rows: dict[int, list[InlineKeyboardButton]] = {}
    for b in buttons:
        rows.setdefault(b.action.request_id, []).append(
            InlineKeyboardButton(
                b.label, callback_data=b.action_id, style=_STYLES.get(b.style or "")
            )
        )
    return InlineKeyboardMarkup(list(rows.values()))


def chunks(plain: str, limit: int = LIMIT) -> list[str]:
    """``plain`` cut at line ends into parts that each fit one message; a line longer than a
    message is cut where it must. The limit counts the text Telegram shows, which is the
    plain text (escaping adds only markup)."""
    if len(plain) <= limit:
        return [plain]
    parts: list[str] = []
    current = ""
    for line in plain.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current:
        parts.append(current)
    return parts


def _posts(plain: str, buttons: tuple[Button, ...]) -> list[Post]:
    parts = chunks(plain or "…")
    posts = [Post(html_text(p)) for p in parts[:-1]]
    kinds: dict[int, list[str]] = {}
    for b in buttons:
        kinds.setdefault(b.action.request_id, []).append(b.action.kind)
    posts.append(Post(html_text(parts[-1]), buttons, kinds))
    return posts


def _split_by_request(text: str, buttons: tuple[Button, ...]) -> list[Post]:
    """A message whose buttons belong to several requests (no blocks to go by): the text
    first, then one short message per request with its buttons."""
    by_request: dict[int, list[Button]] = {}
    for b in buttons:
        by_request.setdefault(b.action.request_id, []).append(b)
    posts = _posts(text, ())
    for rid, group in by_request.items():
        posts += _posts(f"#{rid}", tuple(group))
    return posts


def render_reply(reply: Reply) -> list[Post]:
    """The messages that answer the sender (none for a duplicate delivery)."""
    if reply.duplicate:
        return []
    if reply.blocks:
        return _render_blocks(reply)
    if len({b.action.request_id for b in reply.buttons}) > 1:
        return _split_by_request(reply.text, reply.buttons)
    return _posts(reply.text, reply.buttons)


def _render_blocks(reply: Reply) -> list[Post]:
    head, *blocks = reply.blocks
    posts: list[Post] = []
    plain: list[str] = [head.text]
    for block in blocks:
        if not block.buttons:
            plain.append(f"  {block.text}")
            continue
        posts += _posts("\n".join(plain), ()) if plain else []
        plain = []
        posts += _posts(block.text, block.buttons)
    shown = "\n".join([head.text, *[f"  {b.text}" for b in blocks]])
    tail = reply.text[len(shown) :].strip("\n") if reply.text.startswith(shown) else ""
    if tail:
        plain.append(tail)
    if plain:
        posts += _posts("\n".join(plain), ())
    return posts


def render_notice(notice: Outgoing) -> list[Post]:
    if len({b.action.request_id for b in notice.buttons}) > 1:
        return _split_by_request(notice.text, notice.buttons)
    return _posts(notice.text, notice.buttons)


def render_caption(notice: Outgoing) -> Post | None:
    """The notice as the caption of its photo, when it fits in one; None when it does not
    (it then goes as messages, the photo after them). A notice with buttons is never a
    caption: its messages are edited as text when the request settles."""
    plain = notice.text or "…"
    if notice.buttons or len(plain.encode("utf-16-le")) // 2 > CAPTION_LIMIT:
        return None
    return Post(html_text(plain))


def render_edit(edit: Edit) -> str:
    """The settled message's new text (sent without a keyboard, which removes the buttons)."""
    return html_text(chunks(edit.text)[0])
