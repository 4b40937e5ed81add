"""The one place that wires storage, the chat core and the adapters together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from bot.core.handlers import ChatCore
from bot.services import directory
from storage.db import make_engine
from storage.unit_of_work import UnitOfWork


class UnknownMember(LookupError):
    """The console was asked to speak as someone the team does not have."""


def make_core(engine: Engine, clock: Callable[[], datetime] | None = None) -> ChatCore:
    return ChatCore(lambda: UnitOfWork(engine), clock, lambda: UnitOfWork(engine, read_only=True))


def find_member(engine: Engine, team: str) -> Callable[[str], str | None]:
    """``agent_id`` as typed (any case) to the team's own spelling of it, or None."""

    def find(agent_id: str) -> str | None:
        with UnitOfWork(engine, read_only=True) as uow:
            found = directory.member(uow, team, agent_id)
        return None if found is None else found.agent_id

    return find


def open_console(
    url: str, team: str, agent_id: str, banner: str = "", now: datetime | None = None
) -> int:
    """The terminal console on the database at ``url``, as ``agent_id`` of ``team``.

    ``now`` fixes the clock (rehearsals); otherwise it is the real one.
    """
    from bot.adapters.console import Console, run

    engine = make_engine(url)
    find = find_member(engine, team)
    found = find(agent_id)
    if found is None:
        raise UnknownMember(f"there is no agent {agent_id!r} in team {team!r}")
    clock = (lambda: now) if now is not None else None
    core = make_core(engine, clock)
    return run(Console(core, team, found, find=find, now=clock), banner)
