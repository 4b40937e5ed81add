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


def is_member(engine: Engine, team: str) -> Callable[[str], bool]:
    def check(agent_id: str) -> bool:
        with UnitOfWork(engine, read_only=True) as uow:
            return directory.member(uow, team, agent_id) is not None

    return check
