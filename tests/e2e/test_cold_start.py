"""What a command loads before it answers: staffing needs only the numerics, parsing nothing."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from bot.cli import main
code = main({argv!r})
heavy = sorted(m for m in ("pandas", "sqlalchemy", "alembic", "sqlmodel", "scipy.stats",
                           "numpy", "scipy") if m in sys.modules)
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
    assert loaded(["staffing", "--calls", "300", "--aht", "240", "--json"]) == ["numpy", "scipy"]


def test_parsing_a_message_loads_no_numeric_stack_and_no_database() -> None:
    assert loaded(["parse", "swap fri with bob", "--json"]) == []
    assert loaded(["parse", "12月24日請假", "--json"]) == []
