"""Slack rendering: escaped text, Slack's limits, buttons per request, the modal's words."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.slack.blocks import (
    SECTION_LIMIT,
    escape,
    render_edit,
    render_notice,
    render_reply,
    strip_mention,
    unescape,
)
from bot.adapters.slack.modal import Submission, read_submission, request_modal
from bot.core.messages import Action, Block, Button, Edit, Outgoing, Reply
from bot.core.parsing import parse

TZ = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ).astimezone(UTC)


def _mrkdwn_texts(blocks: list[dict[str, object]]) -> list[str]:
    out = []
    for b in blocks:
        text = b.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            out.append(str(text["text"]))
        for e in b.get("elements", []) or []:  # type: ignore[attr-defined]
            if isinstance(e, dict) and e.get("type") == "mrkdwn":
                out.append(str(e["text"]))
    return out


@given(st.text(max_size=4000))
def test_no_text_can_inject_slack_markup(text: str) -> None:
    for message in (
        render_notice(Outgoing("bob", text)),
        render_reply(Reply(text)),
        render_edit(Edit("slack", "bob", {}, text, 1)),
    ):
        assert "<" not in message.text and ">" not in message.text
        for shown in _mrkdwn_texts(message.blocks):
            assert "<" not in shown and ">" not in shown
            assert len(shown) <= SECTION_LIMIT


@given(st.text())
def test_escaping_round_trips(text: str) -> None:
    assert unescape(escape(text)) == text


def test_a_channel_ping_is_shown_not_sent() -> None:
    message = render_notice(Outgoing("lin", "#3 leave: Amy Chen (party <!channel> <@U0LIN00005>)"))
    assert "&lt;!channel&gt;" in message.blocks[0]["text"]["text"]  # type: ignore[index]
    assert "<!channel>" not in json.dumps(message.blocks)


def test_a_long_text_is_split_at_whole_lines_within_the_section_limit() -> None:
    lines = [f"line {i}: " + "x" * 90 for i in range(80)]
    blocks = render_reply(Reply("\n".join(lines))).blocks
    texts = _mrkdwn_texts(blocks)
    assert len(texts) > 1 and all(len(t) <= SECTION_LIMIT for t in texts)
    assert "\n".join(texts).split("\n") == lines


def test_buttons_go_in_one_actions_block_per_request() -> None:
    buttons = (
        Button("Approve", Action("approve", 4), "primary"),
        Button("Deny", Action("deny", 4), "danger"),
    )
    reply = Reply(
        "Waiting for you:\n  #4 …\n  #5 …",
        blocks=(
            Block("Waiting for you:"),
            Block("#4 leave", buttons, 4),
            Block("#5 swap", (Button("Accept", Action("accept", 5)),), 5),
        ),
    )
    message = render_reply(reply)
    groups = [b for b in message.blocks if b["type"] == "actions"]
    assert [g["block_id"] for g in groups] == ["req:4", "req:5"]
    assert [e["action_id"] for e in groups[0]["elements"]] == ["approve:4", "deny:4"]  # type: ignore[index]
    assert groups[0]["elements"][0]["style"] == "primary"  # type: ignore[index]
    assert message.requests == {4: ["approve", "deny"], 5: ["accept"]}


def test_the_staffing_impact_is_a_compact_context_under_its_text() -> None:
    text = (
        "Needs your decision: #1 leave: Dan Ho Tue 1 Dec [waiting for a lead]\n"
        "Staffing impact:\n"
        "  Tue 1 Dec cards: SL 79.1% → 55.2%; 18 interval(s) below required after it"
    )
    buttons = (Button("Approve", Action("approve", 1)), Button("Deny", Action("deny", 1)))
    blocks = render_notice(Outgoing("lin", text, buttons, request_id=1)).blocks
    assert [b["type"] for b in blocks] == ["section", "context", "actions"]
    assert "Staffing impact:\nTue 1 Dec cards" in blocks[1]["elements"][0]["text"]  # type: ignore[index]
    assert "Staffing impact" not in blocks[0]["text"]["text"]  # type: ignore[index]


def test_an_edit_has_no_buttons() -> None:
    message = render_edit(
        Edit("slack", "lin", {"channel": "D1", "ts": "1.2"}, "#1 …\n✔ Approved", 1)
    )
    assert not message.has_buttons
    assert all(b["type"] != "actions" for b in message.blocks)


def test_the_bots_own_mention_is_dropped_and_others_kept() -> None:
    text = "<@U0SHIFTBOT> swap fri with <@U0BOB00002>"
    assert strip_mention(text, "U0SHIFTBOT") == "swap fri with <@U0BOB00002>"
    assert strip_mention("<@U0SHIFTBOT|shiftbot> mine", "U0SHIFTBOT") == "mine"


days = st.dates(min_value=date(2026, 12, 2), max_value=date(2027, 6, 30))


@given(st.sampled_from(["swap", "giveaway", "leave"]), days, st.integers(0, 5))
def test_a_modal_submission_reads_as_the_same_request_typed(
    kind: str, day: date, length: int
) -> None:
    until = day + timedelta(days=length)
    sub = Submission(kind, day, colleague="U0BOB00002", until=until)
    parsed = parse(sub.text(), NOW, TZ)
    assert parsed.intent == kind and parsed.dates[0] == day
    if kind == "leave" and length:
        assert parsed.dates[-1] == until
    if kind != "leave":
        assert parsed.users == ("U0BOB00002",)


def test_a_swap_without_a_colleague_is_refused_in_the_modal_in_the_readers_language() -> None:
    assert "colleague" in Submission("swap", date(2026, 12, 4)).problems()
    zh = Submission("swap", date(2026, 12, 4), lang="zh-Hant").problems()["colleague"]
    assert "同事" in zh
    backwards = Submission("leave", date(2026, 12, 4), until=date(2026, 12, 3)).problems()
    assert "until" in backwards


def test_the_modal_keeps_its_language_for_the_submission() -> None:
    view = request_modal("zh-Hant")
    assert view["title"]["text"] == "提出申請"
    values = {
        "kind": {"kind": {"selected_option": {"value": "leave"}}},
        "date": {"date": {"selected_date": "2026-12-24"}},
        "until": {"until": {"selected_date": "2026-12-26"}},
        "reason": {"reason": {"value": "  family\ntrip "}},
        "colleague": {"colleague": {"selected_user": None}},
    }
    sub = read_submission({**view, "state": {"values": values}})
    assert sub.lang == "zh-Hant" and sub.kind == "leave"
    assert sub.text() == "leave 2026-12-24 to 2026-12-26 family trip"


def test_the_manifest_asks_for_what_the_app_listens_to() -> None:
    from pathlib import Path

    from bot.adapters.slack.listeners.commands import COMMAND
    from bot.adapters.slack.modal import CALLBACK_ID
    from bot.adapters.slack.part import EVENTS_PATH

    manifest = (Path(__file__).parents[2] / "slack_manifest.yml").read_text()
    assert f"- command: {COMMAND}\n" in manifest and "should_escape: true" in manifest
    assert f"callback_id: {CALLBACK_ID}\n" in manifest
    assert manifest.count(f"https://shiftbot.example.com{EVENTS_PATH}\n") == 3
    for event in ("app_home_opened", "app_mention", "message.im"):
        assert f"      - {event}\n" in manifest
    for scope in ("chat:write", "commands", "im:write", "users:read", "app_mentions:read"):
        assert f"      - {scope} " in manifest
    assert "home_tab_enabled: true" in manifest and "socket_mode_enabled:" in manifest
