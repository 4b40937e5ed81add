"""The solver's child process: HiGHS (``scipy.optimize.milp``) jobs over a pipe.

``python -m planner.solver_process`` reads length-prefixed pickled jobs on stdin and writes
each answer the same way on its original stdout (anything a library prints goes to stderr).
It imports only numpy and scipy, so it starts quickly; :class:`planner.rostering._Solver`
runs it and kills it by its pid when its time is up or the caller stops. ``--nice N`` lowers
its priority by ``N`` first (for a solve that should take only what the others leave).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import sys
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["read_frame", "run_milp", "wall", "write_frame"]


def run_milp(job: Mapping[str, Any]) -> dict[str, Any]:
    """One HiGHS solve (in the child process), ending by the job's wall-clock deadline."""
    relax = job.get("relax", False)
    options = dict(job["options"])
    if "deadline" in job:
        options["time_limit"] = max(0.05, min(options["time_limit"], job["deadline"] - wall()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = milp(
            c=job["c"],
            integrality=np.zeros_like(job["integrality"]) if relax else job["integrality"],
            bounds=Bounds(job["lb"], job["ub"]),
            constraints=LinearConstraint(job["a"], job["bl"], job["bu"]),
            options=options,
        )
    x = None if res.x is None else np.asarray(res.x, dtype=np.float64)
    dual = res.get("mip_dual_bound")
    return {
        "status": int(res.status),
        "x": x,
        "fun": None if res.fun is None else float(res.fun),
        "dual": None if dual is None else float(dual),
    }


def wall() -> float:
    """Seconds on the wall clock, which the solver's child process shares with its parent."""
    return time.time()


def write_frame(stream: Any, payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: Any) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (size,) = struct.unpack("<Q", head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def serve(argv: list[str] | None = None) -> None:
    """The child process (``python -m planner.solver_process [--nice N]``): solve jobs read
    from stdin.

    Answers go to the original stdout; anything a library prints goes to stderr instead.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--nice":
        with contextlib.suppress(OSError, ValueError):
            os.nice(int(args[1]))
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    jobs = sys.stdin.buffer
    while True:
        try:
            job = read_frame(jobs)
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            out = run_milp(job)
        except Exception as exc:  # reported to the parent, which falls back
            out = {"error": repr(exc)}
        try:
            write_frame(answers, out)
        except (BrokenPipeError, OSError):
            return


if __name__ == "__main__":
    serve()
