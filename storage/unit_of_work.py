"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

from storage.db import READ_ONLY


class UnitOfWork:
    """Open a session for one use case (``read_only`` for look-ups that never write).

    ``with UnitOfWork(engine) as uow: …; uow.commit()`` — leaving the block without
    ``commit()`` (or through an exception) rolls everything back, so nothing is
    half-written.
    """

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.read_only = read_only
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a with-block")
        return self._session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        bind = self.engine.execution_options(**{READ_ONLY: True}) if self.read_only else self.engine
        self._session = Session(bind, expire_on_commit=False)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
