"""Engine creation and schema migration.

SQLite (the default) is opened with WAL, a busy timeout and foreign keys on, so several
threads or processes can share one file. PostgreSQL URLs use the psycopg 3 driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.urls import DEFAULT_DATABASE_URL, normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["DEFAULT_DATABASE_URL", "make_engine", "normalise_url", "upgrade"]

SQLITE_BUSY_TIMEOUT_MS = 15_000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(
    dbapi_connection: Any, _record: Any, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


READ_ONLY = "shiftbot_read_only"


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN; a writing unit of work takes the
    # write lock up front so a compare-and-set never fails half-way with "database is
    # locked". Read-only units of work read a snapshot without taking it.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(
    url: str | None = None, *, echo: bool = False, busy_timeout_ms: int | None = None
) -> Engine:
    """Create an engine for ``url`` (default ``sqlite:///./shiftbot.db``).

    ``busy_timeout_ms`` is how long a SQLite writer waits for another writer's lock before
    it gives up ("database is locked"; the chat answers "busy, try again").
    """
    url = normalise_url(url or DEFAULT_DATABASE_URL)
    if busy_timeout_ms is None:
        busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
        )

        def _pragmas(dbapi_connection: Any, record: Any) -> None:
            _sqlite_pragmas(dbapi_connection, record, busy_timeout_ms)

        event.listen(engine, "connect", _pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic loads only for migrations

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema at ``url`` to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


BUSY_MESSAGE = "the database is busy (another import or the bot is writing); try again in a moment"


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means another writer held the lock longer than the busy timeout.

    SQLite says "database is locked" (or "busy"); PostgreSQL raises ``lock_not_available``
    (SQLSTATE 55P03) once an import's ``lock_timeout`` runs out.
    """
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "55P03":
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message
