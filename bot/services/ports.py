"""What the services need from persistence, as a protocol the chat core can name.

The core and the adapters hold a factory of these and never see storage; only
``bot.bootstrap`` (and the CLI) pass the concrete :class:`storage.unit_of_work.UnitOfWork`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.services.errors import Busy


class UnitOfWork(Protocol):
    """One transaction: leaving the ``with`` block without :meth:`commit` rolls back."""

    @property
    def session(self) -> Session: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


UowFactory = Callable[[], UnitOfWork]


@contextmanager
def busy_guard() -> Iterator[None]:
    """Turn "the database is locked" (SQLite) or a lock timeout (PostgreSQL) into :class:`Busy`.

    A long import holds SQLite's write lock; a change that cannot get it within the busy
    timeout is refused with "busy, try again in a moment" and nothing is written.
    """
    try:
        yield
    except OperationalError as exc:
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text or "lock timeout" in text:
            raise Busy("error.busy") from exc
        raise
