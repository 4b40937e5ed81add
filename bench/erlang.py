"""Benchmark shiftbot's staffing math against pyworkforce on a year of half-hour intervals.

Builds 17,520 intervals (one year of 30-minute intervals) with a fixed seed: whole calls from
8 to 15,000 per interval at an AHT of 240 s, i.e. offered loads from about 1 to 2,000 Erlangs.
Times ``planner.erlang.erlang_c_required_agents`` / ``erlang_a_required_agents`` (best of 7),
the bracket-and-bisection ``planner.staffing.required_agents`` (best of 3) and pyworkforce on
the same intervals, compares every answer and explains each difference against the exact
minimum.

pyworkforce works one interval at a time in pure Python, so by default it runs on a
deterministic sample (every 20th interval) and its time for the whole year is extrapolated;
``--every 1`` runs it on all intervals.

A second year has the small loads of a real forecast: gamma distributed with a median of
6 Erlangs, AHT 150..600 s per interval. There pyworkforce runs on every interval, and Erlang A
(patience 180 s) is timed in turn with Erlang C on the same intervals, as a ratio.

Erlang A: released pyworkforce (0.5.x) has no ``ErlangA``; when an installed version provides
one (``pyworkforce.queuing.ErlangA``), it is timed on a few of the lightest intervals (its
cost grows quickly with the load) and compared the same way.

Run::

    .venv/bin/python bench/erlang.py [--every K] [--erlang-a-sample M]

Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import importlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from planner import erlang, staffing

INTERVALS = 17_520
INTERVAL_SECONDS = 1800
AHT_SECONDS = 240.0
SERVICE_LEVEL = 0.80
TARGET_SECONDS = 20.0
MAX_OCCUPANCY = 0.85
PATIENCE_SECONDS = 180.0
SEED = 20240611
RUNS = 7
SMALL_RUNS = 15
PEER_RUNS = 5
SMALL_SHAPE = 2.0
SMALL_MEDIAN = 6.0
SMALL_AHT = (150.0, 600.0)
OCCUPANCY_SLACK = 1e-12

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scenario:
    name: str
    max_occupancy: float | None


def year_of_calls() -> FloatArray:
    rng = np.random.default_rng(SEED)
    calls = rng.integers(8, 15_001, INTERVALS).astype(np.float64)
    calls[0], calls[-1] = 8.0, 15_000.0
    return calls


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def seconds(value: float) -> str:
    if value < 1.0:
        return f"{value * 1000:.1f} ms"
    if value < 120.0:
        return f"{value:.2f} s"
    return f"{value:.0f} s ({value / 60:.1f} min)"


def load_of(calls: float) -> float:
    return float(erlang.offered_load(calls, AHT_SECONDS, INTERVAL_SECONDS))


# Exact references ------------------------------------------------------------------------


def exact_erlang_c_required(
    load: float, cap: float | None, aht: float = AHT_SECONDS
) -> tuple[int, str]:
    """Smallest n from floor(A) + 1 meeting the target, with 40-digit Erlang C if available."""
    try:
        mp = importlib.import_module("mpmath")
    except ImportError:
        n = math.floor(load) + 1
        while not _meets_erlang_c(n, load, cap, aht):
            n += 1
        return n, "shiftbot float linear search (mpmath not installed)"
    with mp.workdps(40):
        a = mp.mpf(load)
        inverse_b = mp.mpf(1)
        n = math.floor(load)
        for k in range(1, n + 1):
            inverse_b = 1 + inverse_b * k / a
        while True:
            n += 1
            inverse_b = 1 + inverse_b * n / a
            b = 1 / inverse_b
            c = b / (1 - a / n * (1 - b))
            level = 1 - c * mp.exp(-(n - a) * mp.mpf(TARGET_SECONDS) / aht)
            if level >= SERVICE_LEVEL and (cap is None or load / n <= cap + OCCUPANCY_SLACK):
                return n, "40-digit linear search"


def _meets_erlang_c(n: int, load: float, cap: float | None, aht: float = AHT_SECONDS) -> bool:
    level = float(erlang.erlang_c_service_level(n, load, aht, TARGET_SECONDS))
    return level >= SERVICE_LEVEL and (cap is None or load / n <= cap + OCCUPANCY_SLACK)


def exact_erlang_a_required(load: float, aht: float = AHT_SECONDS) -> int:
    """Linear search from 1 with shiftbot's Erlang A (checked against the chain in tests)."""
    n = 1
    while (
        float(erlang.erlang_a_service_level(n, load, aht, PATIENCE_SECONDS, TARGET_SECONDS))
        < SERVICE_LEVEL
    ):
        n += 1
    return n


def mp_erlang_c_service_level(n: int, load: float, aht: float = AHT_SECONDS) -> float:
    try:
        mp = importlib.import_module("mpmath")
    except ImportError:
        return float(erlang.erlang_c_service_level(n, load, aht, TARGET_SECONDS))
    with mp.workdps(40):
        a = mp.mpf(load)
        inverse_b = mp.mpf(1)
        for k in range(1, n + 1):
            inverse_b = 1 + inverse_b * k / a
        b = 1 / inverse_b
        c = b / (1 - a / n * (1 - b))
        return float(1 - c * mp.exp(-(n - a) * mp.mpf(TARGET_SECONDS) / aht))


# Peers -----------------------------------------------------------------------------------


def import_pyworkforce() -> tuple[Any, Any, str]:
    """(ErlangC class or None, ErlangA class or None, description)."""
    try:
        package = importlib.import_module("pyworkforce")
        queuing = importlib.import_module("pyworkforce.queuing")
    except Exception as exc:  # any import failure means no peer
        return None, None, f"not importable ({type(exc).__name__}: {exc})"
    version = getattr(package, "__version__", None)
    if version is None:
        version = getattr(importlib.import_module("pyworkforce._version"), "__version__", "?")
    erlang_a = getattr(queuing, "ErlangA", None)
    if erlang_a is None:
        try:
            erlang_a = importlib.import_module("pyworkforce.queuing.abandonment").ErlangA
        except Exception:
            erlang_a = None
    return getattr(queuing, "ErlangC", None), erlang_a, f"pyworkforce {version}"


def peer_erlang_c(cls: Any, calls: float, cap: float | None, aht: float = AHT_SECONDS) -> int:
    model = cls(transactions=calls, aht=aht, asa=TARGET_SECONDS, interval=INTERVAL_SECONDS)
    result = model.required_positions(
        service_level=SERVICE_LEVEL, max_occupancy=1.0 if cap is None else cap
    )
    return int(result["raw_positions"])


def peer_erlang_a(cls: Any, calls: float) -> int:
    model = cls(
        transactions=calls,
        aht=AHT_SECONDS,
        asa=TARGET_SECONDS,
        interval=INTERVAL_SECONDS,
        patience=PATIENCE_SECONDS,
    )
    return int(model.required_positions(service_level=SERVICE_LEVEL)["raw_positions"])


def explain_erlang_c(
    cls: Any,
    calls: float,
    cap: float | None,
    ours: int,
    theirs: int | str,
    aht: float = AHT_SECONDS,
) -> tuple[str, int]:
    load = float(erlang.offered_load(calls, aht, INTERVAL_SECONDS))
    exact, how = exact_erlang_c_required(load, cap, aht)
    if isinstance(theirs, str):
        return f"pyworkforce raised {theirs}", exact
    if ours != exact:
        return f"SHIFTBOT DIFFERS FROM THE EXACT MINIMUM ({how})", exact
    intensity = calls / INTERVAL_SECONDS * aht
    start = round(intensity + 1)
    if cap is not None and theirs == math.ceil(intensity / cap) and theirs > exact:
        busy = load / exact
        tie = "" if busy <= cap else f" (a decimal tie: {busy!r} is {cap} up to binary rounding)"
        return (
            f"pyworkforce occupancy handling: ceil(A / max_occupancy) = "
            f"ceil({intensity!r} / {cap}) = ceil({intensity / cap!r}) = {theirs}, but "
            f"{exact} agents are already at most {cap:.0%} busy, A / {exact} = {busy!r}{tie} "
            f"({how} gives {exact})"
        ), exact
    if theirs > exact and start > exact:
        return (
            f"pyworkforce starts its search at round(A + 1) = {start} > floor(A) + 1 = "
            f"{math.floor(load) + 1} ({how} gives {exact})"
        ), exact
    model = cls(transactions=calls, aht=aht, asa=TARGET_SECONDS, interval=INTERVAL_SECONDS)
    n = min(theirs, exact)
    their_level = model.service_level(n)
    exact_level = mp_erlang_c_service_level(n, load, aht)
    return (
        f"pyworkforce float error: its SL at n={n} is {their_level!r}, exact {exact_level!r} "
        f"({how} gives {exact})"
    ), exact


# Report ----------------------------------------------------------------------------------


def run(every: int, erlang_a_sample: int) -> None:
    calls = year_of_calls()
    loads = erlang.offered_load(calls, AHT_SECONDS, INTERVAL_SECONDS)
    print("shiftbot staffing benchmark")
    print(
        f"  {INTERVALS:,} half-hour intervals (one year), seed {SEED}; calls 8..15,000 per "
        f"interval, AHT {AHT_SECONDS:.0f} s -> loads {loads.min():.2f}..{loads.max():.0f} "
        "Erlangs"
    )
    print(
        f"  target {SERVICE_LEVEL:.0%} of calls in {TARGET_SECONDS:.0f} s; "
        f"Erlang A patience {PATIENCE_SECONDS:.0f} s"
    )
    erlang_c_cls, erlang_a_cls, peer = import_pyworkforce()
    print(f"  peer: {peer}")
    if erlang_c_cls is None:
        print(
            "  pyworkforce is NOT importable: peer comparison skipped "
            "(pip install -e '.[dev,bench]' installs it); shiftbot timings follow."
        )
    print()

    scenarios = [Scenario("Erlang C", None), Scenario("Erlang C", MAX_OCCUPANCY)]
    for scenario in scenarios:
        cap = scenario.max_occupancy
        label = scenario.name + (f", max occupancy {cap:.0%}" if cap is not None else "")
        print(f"== {label}: required agents ==")
        ours_time, ours = best_of(
            RUNS,
            partial(
                erlang.erlang_c_required_agents,
                loads,
                AHT_SECONDS,
                SERVICE_LEVEL,
                TARGET_SECONDS,
                cap,
            ),
        )
        print(
            f"  shiftbot erlang_c_required_agents: {seconds(ours_time)} for all "
            f"{INTERVALS:,} intervals (best of {RUNS})"
        )
        bisection_time, bisection = best_of(
            3,
            partial(
                staffing.required_agents,
                calls,
                AHT_SECONDS,
                INTERVAL_SECONDS,
                SERVICE_LEVEL,
                TARGET_SECONDS,
                cap,
            ),
        )
        print(
            f"  shiftbot staffing.required_agents (bracket and bisection): "
            f"{seconds(bisection_time)} (best of 3), {bisection_time / ours_time:.1f}x the "
            f"time; same answers: {bool(np.array_equal(bisection, ours))}"
        )
        if erlang_c_cls is None:
            print()
            continue
        sample = np.arange(0, INTERVALS, every)
        theirs: dict[int, int | str] = {}
        started = time.perf_counter()
        for i in sample:
            try:
                theirs[int(i)] = peer_erlang_c(erlang_c_cls, float(calls[i]), cap)
            except Exception as exc:  # the peer's own failures are part of the report
                theirs[int(i)] = f"{type(exc).__name__}: {exc}"
        peer_time = time.perf_counter() - started
        year_time = peer_time / sample.size * INTERVALS
        what = "all intervals" if every == 1 else f"every {every}th interval"
        print(
            f"  pyworkforce ErlangC: {seconds(peer_time)} for {sample.size:,} intervals "
            f"({what}, one call each)"
        )
        if every != 1:
            print(f"  pyworkforce extrapolated to {INTERVALS:,} intervals: {seconds(year_time)}")
        print(f"  speed-up: {year_time / ours_time:,.0f}x")
        differing = [i for i in sample if theirs[int(i)] != int(ours[i])]
        print(f"  intervals compared: {sample.size:,}; answers differ in {len(differing)}")
        for i in differing:
            reason, exact = explain_erlang_c(
                erlang_c_cls, float(calls[i]), cap, int(ours[i]), theirs[int(i)]
            )
            print(
                f"    interval {i}: calls {calls[i]:.0f}, A = {loads[i]:.4f} E; "
                f"shiftbot {int(ours[i])}, pyworkforce {theirs[int(i)]}, exact {exact}: {reason}"
            )
        checked = sample[: min(sample.size, 200)]
        wrong = [
            int(i)
            for i in checked
            if exact_erlang_c_required(float(loads[i]), cap)[0] != int(ours[i])
        ]
        print(
            f"  shiftbot vs exact minimum on {checked.size} sampled intervals: "
            f"{checked.size - len(wrong)} equal" + (f", DIFFERENT at {wrong}" if wrong else "")
        )
        print()

    print("== Erlang A (M/M/n+M): required agents ==")
    ours_time, ours = best_of(
        RUNS,
        lambda: erlang.erlang_a_required_agents(
            loads, AHT_SECONDS, PATIENCE_SECONDS, SERVICE_LEVEL, TARGET_SECONDS
        ),
    )
    print(
        f"  shiftbot erlang_a_required_agents: {seconds(ours_time)} for all {INTERVALS:,} "
        f"intervals (best of {RUNS})"
    )
    bisection_time, bisection = best_of(
        3,
        lambda: staffing.required_agents(
            calls,
            AHT_SECONDS,
            INTERVAL_SECONDS,
            SERVICE_LEVEL,
            TARGET_SECONDS,
            patience_seconds=PATIENCE_SECONDS,
        ),
    )
    print(
        f"  shiftbot staffing.required_agents (bracket and bisection from 0): "
        f"{seconds(bisection_time)} (best of 3), {bisection_time / ours_time:.1f}x the time; "
        f"same answers: {bool(np.array_equal(bisection, ours))}"
    )
    metrics_time, _ = best_of(
        3,
        lambda: erlang.erlang_a_metrics(ours, loads, AHT_SECONDS, PATIENCE_SECONDS, TARGET_SECONDS),
    )
    print(
        f"  shiftbot erlang_a_metrics (P(wait), P(abandon), SL, ASA, occupancy): "
        f"{seconds(metrics_time)} for all {INTERVALS:,} intervals (best of 3)"
    )
    below = int(np.sum(ours < np.ceil(loads)))
    print(f"  intervals staffed below the offered load (impatient callers): {below:,}")
    rng = np.random.default_rng(SEED)
    checked = np.sort(rng.choice(INTERVALS, size=40, replace=False))
    wrong = [int(i) for i in checked if exact_erlang_a_required(float(loads[i])) != int(ours[i])]
    print(
        f"  shiftbot vs linear search on {checked.size} random intervals: "
        f"{checked.size - len(wrong)} equal" + (f", DIFFERENT at {wrong}" if wrong else "")
    )
    if erlang_a_cls is None:
        if erlang_c_cls is not None:
            exported = getattr(importlib.import_module("pyworkforce.queuing"), "__all__", [])
            print(
                f"  {peer} has no ErlangA (pyworkforce.queuing exports "
                f"{', '.join(sorted(exported))}): no Erlang A peer to compare; shiftbot's "
                "Erlang A is checked against the birth-death chain and a simulation in "
                "tests/unit/test_erlang.py"
            )
        print()
        return
    order = np.argsort(loads, kind="stable")
    sample = order[np.linspace(0, min(INTERVALS, 200) - 1, erlang_a_sample).astype(int)]
    theirs_a: dict[int, int | str] = {}
    started = time.perf_counter()
    for i in sample:
        try:
            theirs_a[int(i)] = peer_erlang_a(erlang_a_cls, float(calls[i]))
        except Exception as exc:  # the peer's own failures are part of the report
            theirs_a[int(i)] = f"{type(exc).__name__}: {exc}"
    peer_time = time.perf_counter() - started
    year_time = peer_time / sample.size * INTERVALS
    print(
        f"  pyworkforce ErlangA: {seconds(peer_time)} for {sample.size} intervals "
        f"(the lightest loads, {loads[sample].min():.1f}..{loads[sample].max():.1f} E; "
        "its cost grows with the load)"
    )
    print(
        f"  pyworkforce extrapolated to {INTERVALS:,} intervals: at least {seconds(year_time)}; "
        f"speed-up at least {year_time / ours_time:,.0f}x"
    )
    differing = [i for i in sample if theirs_a[int(i)] != int(ours[i])]
    print(f"  intervals compared: {sample.size}; answers differ in {len(differing)}")
    for i in differing:
        load = float(loads[i])
        exact = exact_erlang_a_required(load)
        their = theirs_a[int(i)]
        if isinstance(their, str):
            reason = f"pyworkforce raised {their}"
        elif int(ours[i]) != exact:
            reason = "SHIFTBOT DIFFERS FROM THE LINEAR SEARCH"
        elif their > exact and exact < math.ceil(load):
            reason = (
                f"pyworkforce starts its ErlangA search at ceil(A) = {math.ceil(load)}, "
                f"but {exact} agents already meet the target with impatient callers"
            )
        else:
            level = float(
                erlang.erlang_a_service_level(
                    min(their, exact), load, AHT_SECONDS, PATIENCE_SECONDS, TARGET_SECONDS
                )
            )
            reason = (
                f"pyworkforce truncation/uniformization error near the target "
                f"(exact SL at n={min(their, exact)} is {level!r})"
            )
        print(
            f"    interval {i}: A = {load:.4f} E; shiftbot {int(ours[i])}, "
            f"pyworkforce {their}, exact {exact}: {reason}"
        )
    print()


def small_year() -> tuple[FloatArray, FloatArray, FloatArray]:
    """Calls, AHT and offered loads of a year of small, forecast-like half-hour intervals.

    Loads are gamma distributed (shape 2, median 6 Erlangs), AHT uniform on 150..600 s, and
    calls rounded to whole calls, so a few intervals have none.
    """
    rng = np.random.default_rng(SEED + 1)
    scale = SMALL_MEDIAN / float(special.gammaincinv(SMALL_SHAPE, 0.5))
    raw = rng.gamma(SMALL_SHAPE, scale, INTERVALS)
    aht = rng.uniform(*SMALL_AHT, INTERVALS)
    calls = np.round(raw * INTERVAL_SECONDS / aht)
    return calls, aht, erlang.offered_load(calls, aht, INTERVAL_SECONDS)


def best_pair(
    runs: int, first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[float, Any, float, Any]:
    """Best times of two workloads timed in alternation, so that both see the same machine."""
    best_first, best_second = math.inf, math.inf
    out_first: Any = None
    out_second: Any = None
    for _ in range(runs):
        started = time.perf_counter()
        out_first = first()
        best_first = min(best_first, time.perf_counter() - started)
        started = time.perf_counter()
        out_second = second()
        best_second = min(best_second, time.perf_counter() - started)
    return best_first, out_first, best_second, out_second


def run_small_year(erlang_c_cls: Any) -> None:
    calls, aht, loads = small_year()
    busy = np.flatnonzero(calls > 0)
    low, mid, high = np.percentile(loads, [10, 50, 90])
    print("== A year of small forecast loads: required agents ==")
    print(
        f"  {INTERVALS:,} half-hour intervals, seed {SEED + 1}: gamma loads (shape "
        f"{SMALL_SHAPE:g}) with median {mid:.2f} E (p10 {low:.2f}, p90 {high:.2f}, max "
        f"{loads.max():.1f}), AHT {SMALL_AHT[0]:.0f}..{SMALL_AHT[1]:.0f} s, whole calls "
        f"({INTERVALS - busy.size} intervals without calls)"
    )
    c_time, ours, a_time, ours_a = best_pair(
        SMALL_RUNS,
        partial(erlang.erlang_c_required_agents, loads, aht, SERVICE_LEVEL, TARGET_SECONDS),
        partial(
            erlang.erlang_a_required_agents,
            loads,
            aht,
            PATIENCE_SECONDS,
            SERVICE_LEVEL,
            TARGET_SECONDS,
        ),
    )
    print(f"  shiftbot erlang_c_required_agents: {seconds(c_time)} (best of {SMALL_RUNS})")
    old_c, bisection, old_a, bisection_a = best_pair(
        3,
        partial(
            staffing.required_agents, calls, aht, INTERVAL_SECONDS, SERVICE_LEVEL, TARGET_SECONDS
        ),
        partial(
            staffing.required_agents,
            calls,
            aht,
            INTERVAL_SECONDS,
            SERVICE_LEVEL,
            TARGET_SECONDS,
            patience_seconds=PATIENCE_SECONDS,
        ),
    )
    print(
        f"  shiftbot staffing.required_agents (bracket and bisection): {seconds(old_c)} "
        f"(best of 3), {old_c / c_time:.1f}x the time; same answers: "
        f"{bool(np.array_equal(bisection, ours))}"
    )
    if erlang_c_cls is not None:

        def peer_year() -> list[int]:
            return [peer_erlang_c(erlang_c_cls, float(calls[i]), None, float(aht[i])) for i in busy]

        peer_time, theirs = best_of(PEER_RUNS, peer_year)
        print(
            f"  pyworkforce ErlangC: {seconds(peer_time)} for the {busy.size:,} intervals with "
            f"calls (best of {PEER_RUNS}, one call each; it refuses an interval without calls)"
        )
        print(
            f"  speed-up of erlang_c_required_agents over pyworkforce: {peer_time / c_time:,.0f}x"
        )
        differing = [int(i) for i, t in zip(busy, theirs, strict=True) if t != int(ours[i])]
        print(f"  intervals compared: {busy.size:,}; answers differ in {len(differing)}")
        for i in differing[:5]:
            their = peer_erlang_c(erlang_c_cls, float(calls[i]), None, float(aht[i]))
            reason, exact = explain_erlang_c(
                erlang_c_cls, float(calls[i]), None, int(ours[i]), their, float(aht[i])
            )
            print(
                f"    interval {i}: calls {calls[i]:.0f}, AHT {aht[i]:.0f} s, A = "
                f"{loads[i]:.4f} E; shiftbot {int(ours[i])}, pyworkforce {their}, exact "
                f"{exact}: {reason}"
            )
        if len(differing) > 5:
            print(f"    ... and {len(differing) - 5} more")
    checked = np.random.default_rng(SEED).choice(busy, size=min(busy.size, 300), replace=False)
    wrong = [
        int(i)
        for i in checked
        if exact_erlang_c_required(float(loads[i]), None, float(aht[i]))[0] != int(ours[i])
    ]
    print(
        f"  shiftbot vs 40-digit linear search on {checked.size} random intervals: "
        f"{checked.size - len(wrong)} equal" + (f", DIFFERENT at {wrong}" if wrong else "")
    )
    print(
        f"  shiftbot erlang_a_required_agents (patience {PATIENCE_SECONDS:.0f} s): "
        f"{seconds(a_time)} (best of {SMALL_RUNS}, timed in turn with Erlang C): "
        f"{a_time / c_time:.2f}x the Erlang C time"
    )
    print(
        f"  shiftbot staffing.required_agents with patience: {seconds(old_a)} (best of 3), "
        f"{old_a / old_c:.2f}x its Erlang C time; same answers: "
        f"{bool(np.array_equal(bisection_a, ours_a))}"
    )
    sample = np.random.default_rng(SEED + 2).choice(busy, size=min(busy.size, 100), replace=False)
    wrong_a = [
        int(i)
        for i in sample
        if exact_erlang_a_required(float(loads[i]), float(aht[i])) != int(ours_a[i])
    ]
    print(
        f"  Erlang A vs linear search from 1 on {sample.size} random intervals: "
        f"{sample.size - len(wrong_a)} equal" + (f", DIFFERENT at {wrong_a}" if wrong_a else "")
    )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--every", type=int, default=20, help="run pyworkforce ErlangC on every K-th interval"
    )
    parser.add_argument(
        "--erlang-a-sample", type=int, default=8, help="intervals for pyworkforce ErlangA"
    )
    args = parser.parse_args()
    run(max(1, args.every), max(1, args.erlang_a_sample))
    run_small_year(import_pyworkforce()[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
