"""Cold start of shiftbot commands, paired against the floor of importing the numeric stack.

Each round runs, in turn and as fresh processes, the floor
(``python -c "import numpy, scipy.special"``) and every command below; the order inside a
round rotates so that neither side always runs first on a warm cache. Printed per command:
its median wall time, the floor's median, and the median of the per-round ratios
(command / floor of the same round). Goals: ``staffing`` at most 1.5x the floor, ``parse``
at most 1.0x (parsing needs no numeric stack).

Run: ``.venv/bin/python bench/cli.py [--runs 7]``. Only figures are printed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

FLOOR = [sys.executable, "-c", "import numpy, scipy.special"]
SHIFTBOT = str(Path(sys.executable).with_name("shiftbot"))
COMMANDS: dict[str, tuple[list[str], float]] = {
    "staffing --calls 300 --aht 240 --json": (
        [SHIFTBOT, "staffing", "--calls", "300", "--aht", "240", "--json"],
        1.5,
    ),
    'parse "swap fri with bob" --json': ([SHIFTBOT, "parse", "swap fri with bob", "--json"], 1.0),
    'parse "12月24日請假" --json': ([SHIFTBOT, "parse", "12月24日請假", "--json"], 1.0),
}


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    names = list(COMMANDS)
    for argv_ in [FLOOR, *(c for c, _ in COMMANDS.values())]:
        wall(argv_)  # once each, so the first round is not the only one reading from disk
    floors: list[float] = []
    times: dict[str, list[float]] = {n: [] for n in names}
    ratios: dict[str, list[float]] = {n: [] for n in names}
    for run in range(args.runs):
        order = ["floor", *names]
        shift = run % len(order)
        order = order[shift:] + order[:shift]
        seen: dict[str, float] = {}
        for name in order:
            seen[name] = wall(FLOOR if name == "floor" else COMMANDS[name][0])
        floors.append(seen["floor"])
        for name in names:
            times[name].append(seen[name])
            ratios[name].append(seen[name] / seen["floor"])
    floor = statistics.median(floors)
    print(f"floor  python -c 'import numpy, scipy.special': median {floor * 1000:.0f} ms")
    for name in names:
        ratio = statistics.median(ratios[name])
        goal = COMMANDS[name][1]
        verdict = "met" if ratio <= goal else "NOT met"
        print(
            f"shiftbot {name}: median {statistics.median(times[name]) * 1000:.0f} ms, "
            f"{ratio:.2f}x the floor (median of {args.runs} paired runs; goal <= {goal:g}x, "
            f"{verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
