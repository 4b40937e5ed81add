"""Transport-neutral messages: what adapters hand to the core and get back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Button:
    """An answer a person can click; ``command`` is what typing it would say (``approve 12``)."""

    label: str
    command: str

    @property
    def action_id(self) -> str:
        """A stable id for transports: ``approve`` from ``approve 12``."""
        return self.command.split()[0]

    @property
    def value(self) -> str:
        return self.command.split()[-1]


@dataclass(frozen=True)
class Incoming:
    """One message from a person: the team, who they are (``agent_id``) and what they said."""

    team: str
    sender: str
    text: str
    now: datetime | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message for someone else (``to`` is an ``agent_id``)."""

    to: str
    text: str
    buttons: tuple[Button, ...] = ()
    kind: str = "notice"
    request_id: int | None = None


@dataclass(frozen=True)
class Reply:
    """The answer to the sender, and notices for everyone else concerned."""

    text: str
    buttons: tuple[Button, ...] = ()
    notices: tuple[Outgoing, ...] = field(default_factory=tuple)
    request_id: int | None = None
    ok: bool = True
