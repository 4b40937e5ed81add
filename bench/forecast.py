"""Forecast accuracy on the demo history: shiftbot's model against a seasonal-naive baseline.

Writes the demo files for a fixed ``--today`` into a temporary directory, holds out the last
two weeks of the eight-week call history, forecasts them from the first six weeks and prints
the weighted absolute percentage error (WAPE) of the calls per skill and overall. Also prints
what importing ``planner.forecast`` costs a fresh interpreter (``scipy.stats`` is imported
only when a trend is fitted).

Run: ``.venv/bin/python bench/forecast.py [--today 2026-11-25] [--seed 7] [--holdout-days 14]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.demo_data import INTERVAL_MINUTES, write_demo_files
from planner.forecast import forecast_volume, seasonal_naive, wape


def _load(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], format="%Y-%m-%dT%H:%M")
    return frame


def _wape_by_skill(actual: pd.DataFrame, forecast: pd.DataFrame) -> dict[str, float]:
    merged = actual.merge(
        forecast, on=["interval_start", "skill"], how="left", suffixes=("", "_forecast")
    )
    scores = {
        str(skill): wape(group["calls"], group["calls_forecast"].fillna(0.0))
        for skill, group in merged.groupby("skill", sort=True)
    }
    scores["overall"] = wape(merged["calls"], merged["calls_forecast"].fillna(0.0))
    return scores


IMPORT_PROBE = (
    "import sys, time; t = time.perf_counter(); import planner.forecast; "
    "print(time.perf_counter() - t, 'scipy.stats' in sys.modules)"
)


def import_seconds(runs: int = 3) -> tuple[float, bool]:
    """Best time to import ``planner.forecast`` in a fresh interpreter, and whether it pulled
    in ``scipy.stats``."""
    root = Path(__file__).resolve().parent.parent
    best, loaded = float("inf"), False
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE], cwd=root, capture_output=True, text=True
        ).stdout.split()
        best, loaded = min(best, float(out[0])), out[1] == "True"
    return best, loaded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--holdout-days", type=int, default=14)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        files = write_demo_files(Path(tmp), args.today, seed=args.seed)
        volume = _load(files.volume)

    cut = args.today - timedelta(days=args.holdout_days)
    train = volume[volume["interval_start"] < pd.Timestamp(cut)]
    test = volume[volume["interval_start"] >= pd.Timestamp(cut)]
    end = args.today - timedelta(days=1)

    started = time.perf_counter()
    model = forecast_volume(train, cut, end, INTERVAL_MINUTES)
    elapsed = time.perf_counter() - started
    naive = seasonal_naive(train, cut, end, INTERVAL_MINUTES)

    ours = _wape_by_skill(test, model)
    base = _wape_by_skill(test, naive)
    first = train["interval_start"].min().date()
    print(
        f"demo history {first} … {end} (seed {args.seed}); "
        f"train {first} … {cut - timedelta(days=1)}, holdout {cut} … {end}"
    )
    print(f"{'skill':<10}{'calls':>10}{'shiftbot':>11}{'seasonal':>11}{'improvement':>13}")
    volumes = test.groupby("skill")["calls"].sum()
    for key in ours:
        calls = int(volumes.sum() if key == "overall" else volumes[key])
        improvement = 1.0 - ours[key] / base[key] if base[key] > 0 else float("nan")
        print(f"{key:<10}{calls:>10d}{ours[key]:>11.1%}{base[key]:>11.1%}{improvement:>13.1%}")
    print(f"forecast time {elapsed * 1000:.0f} ms for {len(model)} rows")
    seconds, loaded = import_seconds()
    print(
        f"import planner.forecast in a fresh interpreter: {seconds:.2f} s (best of 3); "
        f"scipy.stats imported: {'yes' if loaded else 'no'}"
    )


if __name__ == "__main__":
    main()
