"""What a command loads before it answers: one interval's staffing needs only the numerics."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from bot.cli import main
code = main({argv!r})
heavy = sorted(m for m in ("pandas", "sqlalchemy", "alembic", "sqlmodel", "scipy.stats")
               if m in sys.modules)
print("LOADED", ",".join(heavy))
"""


def loaded(argv: list[str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("LOADED"))
    return [m for m in line.removeprefix("LOADED ").split(",") if m]


def test_one_interval_of_staffing_loads_no_database_layer_and_no_pandas() -> None:
    assert loaded(["staffing", "--calls", "300", "--aht", "240", "--json"]) == []
