"""What Telegram shows for a reply: escaped text, one request's buttons per message, messages
cut to fit; and a Telegram message read back as the words the core parses."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from telegram import Chat, Message, MessageEntity, User

from bot.adapters.telegram.app import read_message
from bot.adapters.telegram.render import LIMIT, chunks, html_text, render_reply
from bot.core.messages import Action, Block, Button, Reply
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, parse_html

TEXT = st.text(st.characters(max_codepoint=0x2FFFF, exclude_categories=["Cs"]), max_size=300)


@given(TEXT)
def test_any_text_is_shown_exactly_as_written(text: str) -> None:
    shown = parse_html(html_text(text))  # raises as Telegram refuses, when markup breaks
    assert shown == re.sub(r"`([^`\n]+)`", r"\1", text)


def test_markup_in_user_text_is_shown_not_obeyed() -> None:
    html = html_text("deny 3 <b>late</b> & <a href='x'>here</a>")
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html
    assert html_text("run `shiftbot import agents`") == "run <code>shiftbot import agents</code>"


@given(st.lists(st.text(alphabet="ab<&\n", max_size=40), max_size=30), st.integers(5, 60))
def test_long_text_is_cut_into_messages_that_fit_and_keep_every_character(
    lines: list[str], limit: int
) -> None:
    text = "\n".join(lines)
    parts = chunks(text, limit)
    assert parts and all(len(p) <= limit for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_a_reply_longer_than_a_message_keeps_its_buttons_on_the_last_part() -> None:
    button = Button("Approve", Action("approve", 4), "primary")
    posts = render_reply(Reply("x" * (LIMIT + 10), buttons=(button,)))
    assert len(posts) == 2 and not posts[0].buttons
    assert posts[1].kinds == {4: ["approve"]}
    markup = posts[1].markup
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == "approve:4"
    assert markup.inline_keyboard[0][0].style == "primary"


def test_a_list_gets_one_message_per_request_so_each_can_be_edited_alone() -> None:
    def buttons(rid: int) -> tuple[Button, ...]:
        return (Button("Approve", Action("approve", rid)), Button("Deny", Action("deny", rid)))

    head = "Waiting for you (2):"
    blocks = (Block(head), Block("#1 leave", buttons(1), 1), Block("#2 leave", buttons(2), 2))
    text = f"{head}\n  #1 leave\n  #2 leave\n  … and 3 more"
    reply = Reply(text, buttons=buttons(1) + buttons(2), blocks=blocks)
    posts = render_reply(reply)
    assert [p.text for p in posts] == [head, "#1 leave", "#2 leave", "  … and 3 more"]
    assert [p.kinds for p in posts] == [{}, {1: ["approve", "deny"]}, {2: ["approve", "deny"]}, {}]


def test_a_duplicate_delivery_sends_nothing() -> None:
    assert render_reply(Reply("", duplicate=True)) == []


def _message(text: str, *entities: MessageEntity, reply_to: Message | None = None) -> Message:
    return Message(
        1,
        datetime(2026, 12, 1, tzinfo=UTC),
        Chat(-100, Chat.SUPERGROUP),
        from_user=User(1001, "Amy", False),
        text=text,
        entities=entities,
        reply_to_message=reply_to,
    )


def test_commands_mentions_and_picked_users_become_the_words_the_core_reads() -> None:
    cmd = MessageEntity(MessageEntity.BOT_COMMAND, 0, len(f"/swap@{BOT_USERNAME}"))
    said = read_message(_message(f"/swap@{BOT_USERNAME} fri with @bob", cmd), BOT_USERNAME, BOT_ID)
    assert said is not None and said.addressed and said.text == "swap fri with @bob"

    other = MessageEntity(MessageEntity.BOT_COMMAND, 0, len("/swap@other_bot"))
    assert read_message(_message("/swap@other_bot fri", other), BOT_USERNAME, BOT_ID) is None

    start = MessageEntity(MessageEntity.BOT_COMMAND, 0, 6)
    said = read_message(_message("/start", start), BOT_USERNAME, BOT_ID)
    assert said is not None and said.text == "help"

    # Offsets count UTF-16 units: an emoji before the mention takes two.
    text = f"👋 @{BOT_USERNAME} swap fri with Bob"
    mention = MessageEntity(MessageEntity.MENTION, 3, len(BOT_USERNAME) + 1)
    bob = MessageEntity(
        MessageEntity.TEXT_MENTION, 3 + len(BOT_USERNAME) + 1 + 15, 3, user=User(1002, "Bob", False)
    )
    said = read_message(_message(text, mention, bob), BOT_USERNAME, BOT_ID)
    assert said is not None and said.addressed and said.text == "👋 swap fri with @1002"


def test_in_a_group_only_what_is_meant_for_the_bot_is_addressed() -> None:
    said = read_message(_message("who works tomorrow?"), BOT_USERNAME, BOT_ID)
    assert said is not None and not said.addressed
    ours = Message(
        9,
        datetime(2026, 12, 1, tzinfo=UTC),
        Chat(-100, Chat.SUPERGROUP),
        from_user=User(BOT_ID, "Shiftbot", True),
        text="Roster for Sat 5 Dec",
    )
    said = read_message(_message("and friday?", reply_to=ours), BOT_USERNAME, BOT_ID)
    assert said is not None and said.addressed
