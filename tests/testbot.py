"""A test bot: drive the chat core in-process as several people, as a transport would.

Every reply, notice and edit is recorded. Messages with buttons are "posted" (the core is
told their reference, as Slack or Telegram adapters do), so when a request settles the
core's edits are applied to the right message and its buttons disappear::

    bot = TestBot(engine)
    bot.say("amy", "swap tomorrow with @bob")
    bot.click("bob", "accept", 1)
    assert bot.inbox("lin")[-1].buttons            # lin can approve
    bot.click("mei", "approve", 1)
    assert "Approved by Mei" in bot.inbox("lin")[-1].text and not bot.inbox("lin")[-1].buttons
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from bot.bootstrap import make_core
from bot.core.messages import Action, Button, Edit, Incoming, Outgoing, Reply
from tests.factories import NOW, TEAM


@dataclass
class Posted:
    """One message as its recipient sees it now (after any edits)."""

    number: int
    to: str
    text: str
    buttons: tuple[Button, ...] = ()
    request_id: int | None = None
    edited: bool = False


@dataclass
class TestBot:
    engine: Engine
    team: str = TEAM
    now: datetime = NOW
    transport: str = "test"
    posted: list[Posted] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)

    __test__ = False  # not a pytest class

    def __post_init__(self) -> None:
        self.core = make_core(self.engine, lambda: self.now)

    # -- talking -----------------------------------------------------------------------

    def say(self, who: str, text: str, *, event_id: str | None = None) -> Reply:
        return self.deliver(
            Incoming(self.team, who, text, event_id=event_id, source=self.transport)
        )

    def click(self, who: str, kind: str, request_id: int, *, event_id: str | None = None) -> Reply:
        action = Action(kind, request_id)
        return self.deliver(
            Incoming(self.team, who, action=action, event_id=event_id, source=self.transport)
        )

    def deliver(self, msg: Incoming) -> Reply:
        reply = self.core.handle(msg)
        self.replies.append(reply)
        if reply.duplicate:
            return reply
        self._post(msg.sender, reply.text, reply.buttons, reply.request_id, reply.lang)
        for notice in reply.notices:
            self._post_notice(notice)
        self._apply(list(reply.edits))
        self.flush()
        return reply

    def flush(self) -> None:
        """Deliver what waits in the outbox (expiries, import cancellations)."""
        for item in self.core.drain(self.team, self.now):
            if isinstance(item, Edit):
                self._apply([item])
            else:
                self._post_notice(item)

    # -- what people see ------------------------------------------------------------------

    def inbox(self, who: str) -> list[Posted]:
        return [p for p in self.posted if p.to == who]

    def live_buttons(self, request_id: int) -> list[tuple[str, str]]:
        """(recipient, action id) of every button still shown for the request."""
        return [
            (p.to, b.action_id)
            for p in self.posted
            for b in p.buttons
            if b.action.request_id == request_id
        ]

    # -- transport side -------------------------------------------------------------------

    def _post_notice(self, notice: Outgoing) -> None:
        to = "#channel" if notice.channel or notice.to is None else notice.to
        self._post(to, notice.text, notice.buttons, notice.request_id, notice.lang)

    def _post(
        self,
        to: str,
        text: str,
        buttons: tuple[Button, ...],
        request_id: int | None,
        lang: str,
    ) -> None:
        posted = Posted(len(self.posted) + 1, to, text, buttons, request_id)
        self.posted.append(posted)
        by_request: dict[int, list[str]] = {}
        for b in buttons:
            by_request.setdefault(b.action.request_id, []).append(b.action.kind)
        for rid, kinds in by_request.items():
            edit = self.core.posted(
                self.team, self.transport, to, rid, kinds, {"number": posted.number}, lang, self.now
            )
            if edit is not None:
                self._apply([edit])

    def _apply(self, edits: list[Edit]) -> None:
        for edit in edits:
            self.edits.append(edit)
            number = edit.ref.get("number")
            for p in self.posted:
                if p.number == number:
                    p.text = edit.text
                    p.buttons = tuple(
                        b for b in p.buttons if b.action.request_id != edit.request_id
                    )
                    p.edited = True
