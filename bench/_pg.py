"""A fresh PostgreSQL schema for one benchmark run, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text

from storage.urls import normalise_url


@contextmanager
def fresh_schema(base: str, *, required: bool = False) -> Iterator[str | None]:
    """The URL of a new schema on ``base`` (its ``search_path``), dropped at the end.

    When the server cannot be reached the run goes on without PostgreSQL (``None``, with the
    reason printed), unless ``required``: then the error is raised.
    """
    base = normalise_url(base)
    schema = f"shiftbot_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any connection problem means: no PostgreSQL for this run
        if required:
            raise
        print(f"\nPostgreSQL skipped: unreachable at {base}: {type(exc).__name__}: {exc}")
        yield None
        return
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
