"""The one place that wires storage, the chat core and the adapters together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from bot.core.handlers import ChatCore
from bot.services import directory
from storage.unit_of_work import UnitOfWork


def make_core(engine: Engine, clock: Callable[[], datetime] | None = None) -> ChatCore:
    return ChatCore(lambda: UnitOfWork(engine), clock, lambda: UnitOfWork(engine, read_only=True))


def find_member(engine: Engine, team: str) -> Callable[[str], str | None]:
    """``agent_id`` as typed (any case) to the team's own spelling of it, or None."""

    def find(agent_id: str) -> str | None:
        with UnitOfWork(engine, read_only=True) as uow:
            found = directory.member(uow, team, agent_id)
        return None if found is None else found.agent_id

    return find
