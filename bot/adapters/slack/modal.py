"""The request modal: ask for a swap, a give-away or leave with date pickers and a user select.

Opened from the global shortcut and from the App Home button. A submission becomes the same
words a person would type (``swap 2026-12-04 with <@U0BOB00002>``), so the core parses and
checks it exactly as it does a message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.i18n import normalise, words

CALLBACK_ID = "shift_request"
"""The modal's ``callback_id`` and the global shortcut's."""
OPEN_ACTION = "open_request_modal"
"""The App Home button that opens the modal."""
KINDS = ("swap", "giveaway", "leave")
REASON_LIMIT = 500

Json = dict[str, Any]


def _plain(text: str, limit: int = 150) -> Json:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _input(block_id: str, label: str, element: Json, *, optional: bool = False) -> Json:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label, 2000),
        "optional": optional,
        "element": {**element, "action_id": block_id},
    }


def request_modal(lang: str, kind: str = "swap") -> Json:
    """The modal in the reader's language; ``private_metadata`` keeps the language, so a
    submission's problems are worded without a look-up before the ack."""
    w = words(lang)
    options = {k: {"text": _plain(w(f"slack.modal.kind_{k}"), 75), "value": k} for k in KINDS}
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps({"lang": w.lang}),
        "title": _plain(w("slack.modal.title"), 24),
        "submit": _plain(w("slack.modal.submit"), 24),
        "close": _plain(w("slack.modal.close"), 24),
        "blocks": [
            _input(
                "kind",
                w("slack.modal.kind"),
                {
                    "type": "static_select",
                    "options": list(options.values()),
                    "initial_option": options.get(kind, options["swap"]),
                },
            ),
            _input("date", w("slack.modal.date"), {"type": "datepicker"}),
            _input(
                "colleague", w("slack.modal.colleague"), {"type": "users_select"}, optional=True
            ),
            _input(
                "their_date", w("slack.modal.their_date"), {"type": "datepicker"}, optional=True
            ),
            _input("until", w("slack.modal.until"), {"type": "datepicker"}, optional=True),
            _input(
                "reason",
                w("slack.modal.reason"),
                {"type": "plain_text_input", "max_length": REASON_LIMIT},
                optional=True,
            ),
        ],
    }


@dataclass(frozen=True)
class Submission:
    """What was picked in the modal."""

    kind: str
    day: date | None
    colleague: str | None = None
    their_day: date | None = None
    until: date | None = None
    reason: str | None = None
    lang: str = "en"

    def problems(self) -> dict[str, str]:
        """Input ``block_id`` → what to fix, shown under that field (empty: fine)."""
        w = words(self.lang)
        out: dict[str, str] = {}
        if self.kind not in KINDS:
            out["kind"] = w("slack.modal.kind")
        if self.kind == "swap" and not self.colleague:
            out["colleague"] = w("slack.modal.need_colleague")
        if self.kind == "leave" and self.day and self.until and self.until < self.day:
            out["until"] = w("slack.modal.until_before")
        return out

    def text(self) -> str:
        """The same request as typed words, for the parser."""
        day = self.day.isoformat() if self.day else ""
        if self.kind == "swap":
            text = f"swap {day} with <@{self.colleague}>"
            if self.their_day and self.their_day != self.day:
                text += f" {self.their_day.isoformat()}"
            return text
        if self.kind == "giveaway":
            return f"giveaway {day}" + (f" to <@{self.colleague}>" if self.colleague else "")
        text = f"leave {day}"
        if self.until and self.until != self.day:
            text += f" to {self.until.isoformat()}"
        if self.reason:
            text += " " + " ".join(self.reason.split())[:REASON_LIMIT]
        return text


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def read_submission(view: Json) -> Submission:
    """The picked values of a ``view_submission`` payload's ``view``."""
    values: Json = view.get("state", {}).get("values", {})

    def field(block_id: str) -> Json:
        found = values.get(block_id, {}).get(block_id)
        return found if isinstance(found, dict) else {}

    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    option = field("kind").get("selected_option") or {}
    reason = field("reason").get("value")
    return Submission(
        kind=str(option.get("value", "")),
        day=_date(field("date").get("selected_date")),
        colleague=field("colleague").get("selected_user") or None,
        their_day=_date(field("their_date").get("selected_date")),
        until=_date(field("until").get("selected_date")),
        reason=reason.strip() if isinstance(reason, str) and reason.strip() else None,
        lang=normalise(meta.get("lang") if isinstance(meta, dict) else None),
    )
