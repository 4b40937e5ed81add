"""Database URLs, without loading a database driver (the command line starts faster)."""

from __future__ import annotations

DEFAULT_DATABASE_URL = "sqlite:///./shiftbot.db"


def normalise_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
