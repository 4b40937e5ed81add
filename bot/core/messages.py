"""Transport-neutral messages: what adapters hand to the core and what they get back.

An adapter turns a transport event into an :class:`Incoming` (text typed, or an
:class:`Action` from a button), calls :meth:`bot.core.handlers.ChatCore.handle`, and renders
the :class:`Reply`: its text and buttons for the sender, each :class:`Outgoing` notice for
someone else (a person, or the team's channel) and each :class:`Edit` of a message posted
earlier whose buttons are now stale. When it posts a notice that has buttons it tells the
core the transport's reference (:meth:`ChatCore.posted`), so that message can be edited
when the request settles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

ACTION_KINDS = ("accept", "decline", "approve", "deny", "take", "cancel", "roster_apply")
"""What a button can do; each also has a typed form (``approve 12``). ``roster_apply``
applies a generated roster draft (its id is the draft's, not a request's)."""
TYPED = {"roster_apply": "apply"}
"""Typed forms that differ from the action's kind: ``roster_apply 3`` is typed ``apply 3``."""


@dataclass(frozen=True)
class Action:
    """A button click: ``Action("approve", 12)`` is the same as typing ``approve 12``."""

    kind: str
    request_id: int
    note: str | None = None

    @property
    def command(self) -> str:
        """The typed equivalent, shown by the console."""
        return f"{TYPED.get(self.kind, self.kind)} {self.request_id}"

    @property
    def action_id(self) -> str:
        """Unique within one message, stable across messages: ``approve:12``."""
        return f"{self.kind}:{self.request_id}"

    @classmethod
    def from_action_id(cls, action_id: str) -> Action | None:
        """The action a transport hands back (``approve:12``); None when it is not ours."""
        kind, _, rid = action_id.partition(":")
        if kind not in ACTION_KINDS or not rid.isdigit() or len(rid) > 18:
            return None
        return cls(kind, int(rid))


@dataclass(frozen=True)
class Button:
    label: str
    action: Action
    style: str | None = None  # "primary" or "danger": how prominent a transport draws it

    @property
    def command(self) -> str:
        return self.action.command

    @property
    def action_id(self) -> str:
        return self.action.action_id

    @property
    def value(self) -> str:
        return str(self.action.request_id)


@dataclass(frozen=True)
class Incoming:
    """One message from a person: the team, who they are (``sender`` is an ``agent_id``)
    and what they said (``text``) or clicked (``action``).

    ``source`` and ``event_id`` name the delivery (Slack ``event_id`` or action ts, Telegram
    ``update_id``): the core claims it in the same transaction as the change it makes, so a
    retried delivery has no second effect. ``lang`` is the transport's hint of the person's
    language (Telegram ``language_code``), used when there is no text to read it from.
    """

    team: str
    sender: str
    text: str = ""
    action: Action | None = None
    now: datetime | None = None
    source: str = "console"
    event_id: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Block:
    """One part of a reply with its own buttons (a ``pending`` list: one block per request)."""

    text: str
    buttons: tuple[Button, ...] = ()
    request_id: int | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message for someone other than the sender.

    ``to`` is an ``agent_id``; ``channel`` True means the team's channel instead (approved
    changes and uncovered gaps only). ``lang`` is the recipient's language, in which the text
    is already written. ``attachment`` is the path of a file to post with the text (the
    digest's PNG chart: Slack ``files_upload_v2`` with the text as its comment, Telegram
    ``sendPhoto`` with the text as caption or a following message). ``key`` is the message's
    stable identity (``digest:card-hotline:2026-12-01``), which a transport may attach to the
    post so that it can tell later whether it went out.
    """

    to: str | None
    text: str
    buttons: tuple[Button, ...] = ()
    kind: str = "notice"
    request_id: int | None = None
    lang: str = "en"
    channel: bool = False
    team: str | None = None
    attachment: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Edit:
    """Replace a message posted earlier (its buttons are stale): new text, no buttons."""

    transport: str
    recipient: str
    ref: Mapping[str, object]
    text: str
    request_id: int
    lang: str = "en"
    team: str | None = None


@dataclass(frozen=True)
class Reply:
    """The answer to the sender, notices for everyone else concerned, and stale-message edits.

    ``blocks``, when given, split ``text`` into parts with their own buttons (transports that
    can group buttons per request use them; ``text`` and ``buttons`` hold the same content
    flattened). ``duplicate`` means the delivery was seen before: send nothing.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    notices: tuple[Outgoing, ...] = field(default_factory=tuple)
    edits: tuple[Edit, ...] = field(default_factory=tuple)
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    request_id: int | None = None
    ok: bool = True
    lang: str = "en"
    duplicate: bool = False
