"""What a transport adapter is handed by ``shiftbot serve``, described by shape.

Adapters sit below the entry points, so they cannot import ``bot.serve``; its ``Router``
satisfies this protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from bot.core.handlers import ChatCore
from bot.core.messages import Edit, Outgoing

T = TypeVar("T")


class Router(Protocol):
    """The core the process shares, a worker-thread call, and delivery through the transport
    that reaches each person."""

    @property
    def core(self) -> ChatCore: ...

    async def call(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def deliver(self, team: str, notices: Sequence[Outgoing], exclude: str = "") -> None: ...

    async def apply(self, edits: Sequence[Edit]) -> None: ...
