"""Staffing: agents required per interval, shrinkage, coverage from shifts, and the gap.

Everything works on whole arrays of intervals at once: :func:`required_agents` staffs a year of
30-minute intervals (17,520) in one vectorised search, and :func:`coverage` turns any number of
shifts into per-interval head counts with a sort and a cumulative sum.

Units: calls are counts per interval, times are seconds, loads are Erlangs, agents are heads
on the phones (not paid positions; see :func:`positions_after_shrinkage`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from planner import erlang
from planner.model import Demand, ServiceTarget, Shift

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TABLE_COLUMNS",
    "UNREACHABLE",
    "coverage",
    "interval_table",
    "positions_after_shrinkage",
    "projected_service_level",
    "required_agents",
    "weighted_service_level",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TABLE_COLUMNS = (
    "interval_start",
    "skill",
    "calls",
    "aht_seconds",
    "required",
    "scheduled",
    "gap",
    "service_level",
    "asa_seconds",
    "occupancy",
)

_FLOAT_SLACK = 1e-9
_MAX_AGENTS = 1 << 40

UNREACHABLE = -1
"""What :func:`required_agents` gives for an interval whose target no head count meets.

That is an offered load that is not a finite number, or one that would need more than
2**40 (about 1.1e12) agents on the phones. It is negative, so it can never be mistaken for
a head count; test for it with ``required == UNREACHABLE``.
"""


def _flat(values: npt.ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    return np.array(np.broadcast_to(np.asarray(values, dtype=np.float64), shape)).ravel()


def required_agents(
    calls: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    interval_seconds: npt.ArrayLike,
    service_level: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
    max_occupancy: npt.ArrayLike | None = None,
    patience_seconds: npt.ArrayLike | None = None,
) -> IntArray:
    r"""Fewest agents on the phones that meet the service level (and occupancy cap).

    For each interval, the smallest integer :math:`n` with

    .. math:: SL(n) \ge \text{service\_level} \quad\text{and}\quad \text{occupancy}(n) \le
              \text{max\_occupancy},

    where :math:`SL` is :func:`planner.erlang.erlang_c_service_level` (or, with a patience,
    :func:`planner.erlang.erlang_a_service_level`) with offered load
    :math:`A = \text{calls}\cdot\text{AHT}/\text{interval}` Erlangs.

    * Erlang C: the search starts at :math:`\lfloor A\rfloor + 1`, the smallest stable head
      count, so the answer is always above the offered load. A target time of 0 asks for
      :math:`1 - C(n, A) \ge` service_level. Occupancy is :math:`A/n`.
    * Erlang A (``patience_seconds`` given): callers hang up after an exponential patience
      with that mean, so the queue is stable for any :math:`n \ge 1` and the answer is often
      **below** the offered load (calls that are abandoned take no agent time); it can also
      exceed the Erlang C answer when callers hang up long before the target time and the
      goal is high. Service level counts abandoned calls as missed; occupancy is the
      carried load per agent :math:`A(1 - P_{ab})/n`. A patience of ``inf`` is Erlang C.
    * No traffic (:math:`A = 0`) needs 0 agents.
    * An interval whose target no head count meets gets :data:`UNREACHABLE` (``-1``) instead
      of a number, and the other intervals are solved as usual: a load that is not finite
      (calls × AHT overflowing), or one needing more than :math:`2^{40}` agents.

    Both conditions are monotone in :math:`n`, so all intervals are solved together by a
    vectorised bracket-and-bisect search; the result is the exact minimum of the predicate as
    computed by :mod:`planner.erlang` (``result`` passes, ``result - 1`` does not). The
    occupancy comparison allows :math:`10^{-12}` so that decimal ties survive binary
    rounding: 122.4 Erlangs on 144 agents is exactly 85% busy and meets an 85% cap, although
    ``122.4 / 144`` rounds to a double just above ``0.85``.

    Parameters
    ----------
    calls : array_like
        Calls offered per interval.
    aht_seconds : array_like
        Average handling time in seconds.
    interval_seconds : array_like
        Interval length in seconds.
    service_level : array_like
        Target fraction of calls answered within ``target_seconds``, in ``[0, 1)``.
    target_seconds : array_like
        Target answer time in seconds (0 allowed).
    max_occupancy : array_like, optional
        Cap on occupancy, in ``(0, 1]``. ``None`` means no cap.
    patience_seconds : array_like, optional
        Mean caller patience in seconds for Erlang A. ``None`` means Erlang C.

    Returns
    -------
    ndarray of int64
        Agents on the phones per interval, in the broadcast shape of the inputs;
        :data:`UNREACHABLE` where the target cannot be met.

    Raises
    ------
    ValueError
        On negative traffic, a service level outside ``[0, 1)``, a negative target time, an
        occupancy cap outside ``(0, 1]`` or a non-positive patience.
    """
    given = [calls, aht_seconds, interval_seconds, service_level, target_seconds]
    if max_occupancy is not None:
        given.append(max_occupancy)
    if patience_seconds is not None:
        given.append(patience_seconds)
    shape = tuple(np.broadcast_shapes(*(np.shape(v) for v in given)))
    load = _flat(erlang.offered_load(calls, aht_seconds, interval_seconds), shape)
    aht = _flat(aht_seconds, shape)
    goal = _flat(service_level, shape)
    target = _flat(target_seconds, shape)
    if not bool(np.all((goal >= 0) & (goal < 1))):
        raise ValueError("service_level must be in [0, 1)")
    if not bool(np.all(target >= 0)):
        raise ValueError("target_seconds must be non-negative")
    cap = None if max_occupancy is None else _flat(max_occupancy, shape)
    if cap is not None and not bool(np.all((cap > 0) & (cap <= 1))):
        raise ValueError("max_occupancy must be in (0, 1]")
    if patience_seconds is None:
        patience = np.full(load.size, np.inf)
    else:
        patience = _flat(patience_seconds, shape)
        if not bool(np.all(patience > 0)):
            raise ValueError("patience_seconds must be positive")

    result = np.zeros(load.size, dtype=np.int64)
    hopeless = ~np.isfinite(load) | (load >= _MAX_AGENTS)
    if cap is not None:
        hopeless |= load >= cap * _MAX_AGENTS
    result[hopeless] = UNREACHABLE
    busy = np.flatnonzero((load > 0) & ~hopeless)
    if busy.size == 0:
        return result.reshape(shape)
    a, h, g, t, p = load[busy], aht[busy], goal[busy], target[busy], patience[busy]
    c = None if cap is None else cap[busy]
    # The search itself lives in planner.erlang: a square-root staffing start, cheap
    # recurrences, and the exact functions wherever a test is close to its target.
    if patience_seconds is None:
        result[busy] = erlang.erlang_c_required_agents(a, h, g, t, c)
    else:
        result[busy] = erlang.erlang_a_required_agents(a, h, p, g, t, c)
    return result.reshape(shape)


def positions_after_shrinkage(agents: npt.ArrayLike, shrinkage: npt.ArrayLike) -> IntArray:
    r"""Paid positions needed so that ``agents`` are on the phones after shrinkage.

    .. math:: \text{positions} = \left\lceil \frac{\text{agents}}{1 - \text{shrinkage}}
              \right\rceil

    Shrinkage is the fraction of paid time not on the phones (breaks, training, absence). A
    slack of :math:`10^{-9}` absorbs float noise: 21 agents at 30% shrinkage need exactly 30
    positions, although ``21 / (1 - 0.3)`` is ``30.000000000000004`` in floating point.

    Parameters
    ----------
    agents : array_like
        Agents required on the phones.
    shrinkage : array_like
        Fraction in ``[0, 1)``.

    Returns
    -------
    ndarray of int64
        Positions (heads to schedule), in the broadcast shape.
    """
    n = np.asarray(agents, dtype=np.float64)
    s = np.asarray(shrinkage, dtype=np.float64)
    if not bool(np.all((s >= 0) & (s < 1))):
        raise ValueError("shrinkage must be in [0, 1)")
    if not bool(np.all(n >= 0)):
        raise ValueError("agents must be non-negative")
    positions: IntArray = np.asarray(np.ceil(n / (1.0 - s) - _FLOAT_SLACK), dtype=np.int64)
    return np.maximum(positions, 0)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _on_phone_pieces(shift: Shift) -> list[tuple[datetime, datetime]]:
    """The shift window with its breaks (clipped and merged) taken out."""
    start, end = _utc(shift.start), _utc(shift.end)
    pieces: list[tuple[datetime, datetime]] = []
    cursor = start
    for brk in sorted(shift.breaks, key=lambda w: _utc(w.start)):
        b_start = max(_utc(brk.start), start)
        b_end = min(_utc(brk.end), end)
        if b_end <= b_start:
            continue
        if b_start > cursor:
            pieces.append((cursor, b_start))
        cursor = max(cursor, b_end)
    if end > cursor:
        pieces.append((cursor, end))
    return pieces


def _covered_seconds(
    seg_start: FloatArray, seg_end: FloatArray, starts: FloatArray, length: float
) -> FloatArray:
    r"""Agent-seconds of segments inside ``[s, s + length)`` for each interval start ``s``.

    With :math:`F(b) = \sum_j \min(\max(b - s_j, 0), e_j - s_j)
    = \sum_{s_j < b} (b - s_j) - \sum_{e_j < b} (b - e_j)` (the agent-seconds worked before
    :math:`b`), the answer is :math:`F(s + \text{length}) - F(s)`; each sum comes from a
    sorted array and its cumulative sum.
    """
    if seg_start.size == 0:
        return np.zeros_like(starts)
    sorted_start = np.sort(seg_start)
    sorted_end = np.sort(seg_end)
    cum_start = np.concatenate(([0.0], np.cumsum(sorted_start)))
    cum_end = np.concatenate(([0.0], np.cumsum(sorted_end)))

    def worked_before(b: FloatArray) -> FloatArray:
        i = np.searchsorted(sorted_start, b)
        j = np.searchsorted(sorted_end, b)
        result: FloatArray = (i * b - cum_start[i]) - (j * b - cum_end[j])
        return result

    covered: FloatArray = worked_before(starts + length) - worked_before(starts)
    return covered


def coverage(
    shifts: Iterable[Shift],
    interval_starts: Sequence[datetime],
    interval_seconds: int,
    skills: Iterable[str] | None = None,
) -> dict[str, FloatArray]:
    """Agents on the phones per interval and skill (fractional).

    Each shift contributes, to every interval it touches, the fraction of the interval it
    covers, with its break windows taken out: a shift that starts half-way through a
    30-minute interval counts 0.5 there. A shift crossing midnight counts on the intervals of
    both days. Callers leave out shifts of agents on leave.

    Parameters
    ----------
    shifts : iterable of Shift
        Shifts to count, each in the skill (queue) it is worked in.
    interval_starts : sequence of datetime
        Start of each interval (aware; naive values are taken as UTC). Any order, need not be
        contiguous.
    interval_seconds : int
        Length of every interval in seconds.
    skills : iterable of str, optional
        Skills that must appear in the result even without shifts (they get zeros).

    Returns
    -------
    dict of str to ndarray
        For every skill of the given shifts and every listed skill, an array aligned with
        ``interval_starts`` holding the average number of agents on the phones in each
        interval.
    """
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    length = float(interval_seconds)
    moments = [_utc(s) for s in interval_starts]
    result: dict[str, FloatArray] = {}
    pieces: dict[str, tuple[list[float], list[float]]] = {}
    if not moments:
        for shift in shifts:
            result[shift.skill] = np.zeros(0)
        for skill in skills or ():
            result[skill] = np.zeros(0)
        return result
    origin = min(moments)
    starts = np.array([(m - origin).total_seconds() for m in moments], dtype=np.float64)
    window_lo, window_hi = float(starts.min()), float(starts.max()) + length
    for shift in shifts:
        seg_start, seg_end = pieces.setdefault(shift.skill, ([], []))
        for begin, finish in _on_phone_pieces(shift):
            lo = max((begin - origin).total_seconds(), window_lo)
            hi = min((finish - origin).total_seconds(), window_hi)
            if hi > lo:
                seg_start.append(lo)
                seg_end.append(hi)
    for skill in skills or ():
        pieces.setdefault(skill, ([], []))
    for skill, (seg_start, seg_end) in pieces.items():
        seconds = _covered_seconds(
            np.array(seg_start, dtype=np.float64),
            np.array(seg_end, dtype=np.float64),
            starts,
            length,
        )
        result[skill] = seconds / length
    return result


def projected_service_level(
    scheduled: npt.ArrayLike,
    calls: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    interval_seconds: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike | None = None,
) -> FloatArray:
    r"""Service level each interval would get with the agents scheduled.

    Fractional coverage is floored to whole heads, :math:`n = \lfloor \text{scheduled} +
    10^{-9} \rfloor` (half an agent does not answer calls), then Erlang C
    (:func:`planner.erlang.erlang_c_service_level`) or, with a patience, Erlang A
    (:func:`planner.erlang.erlang_a_service_level`, abandoned calls count as missed) gives the
    fraction of calls answered within ``target_seconds``.

    Parameters
    ----------
    scheduled : array_like
        Agents on the phones per interval (e.g. from :func:`coverage`).
    calls, aht_seconds, interval_seconds : array_like
        Calls offered, average handling time (s) and interval length (s).
    target_seconds : array_like
        Target answer time in seconds.
    patience_seconds : array_like, optional
        Mean caller patience in seconds for Erlang A; ``None`` means Erlang C.

    Returns
    -------
    ndarray
        Service level in ``[0, 1]``; 1.0 where there are no calls.
    """
    heads = np.floor(np.asarray(scheduled, dtype=np.float64) + _FLOAT_SLACK)
    heads = np.maximum(heads, 0.0)
    load = erlang.offered_load(calls, aht_seconds, interval_seconds)
    if patience_seconds is None:
        level = erlang.erlang_c_service_level(heads, load, aht_seconds, target_seconds)
    else:
        level = erlang.erlang_a_service_level(
            heads, load, aht_seconds, patience_seconds, target_seconds
        )
    no_calls = np.asarray(calls, dtype=np.float64) == 0
    result: FloatArray = np.where(no_calls, 1.0, level)
    return result


def interval_table(
    demand: Demand,
    shifts: Iterable[Shift],
    target: ServiceTarget,
    *,
    patience_seconds: float | None = None,
) -> pd.DataFrame:
    """Required versus scheduled agents, one row per (interval, skill).

    ``required`` is :func:`required_agents` for the team's target (agents on the phones; apply
    :func:`positions_after_shrinkage` for paid heads). ``scheduled`` is :func:`coverage`
    (fractional). ``service_level``, ``asa_seconds`` and ``occupancy`` are what the interval
    gets with the scheduled heads floored (Erlang C, or Erlang A with ``patience_seconds``):
    ASA is ``inf`` and occupancy 1 when the heads do not exceed the offered load in Erlang C;
    with no calls SL is 1, ASA 0 and occupancy 0.

    Parameters
    ----------
    demand : Demand
        Interval starts (UTC), interval length and calls / AHT per skill.
    shifts : iterable of Shift
        Shifts on the phones (leave already removed).
    target : ServiceTarget
        Service level, target time and optional occupancy cap.
    patience_seconds : float, optional
        Mean caller patience in seconds; switches to Erlang A.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`; rows sorted by ``interval_start`` (UTC) then ``skill``.
        Skills are those with demand plus any skill with scheduled agents in the period.
        ``gap`` is ``scheduled - required`` (negative means short). An interval whose target
        no head count meets has ``required`` :data:`UNREACHABLE` and ``gap`` ``-inf``; the
        others are unaffected.
    """
    starts = list(demand.interval_starts)
    count = len(starts)
    for name, per_skill in (("calls", demand.calls), ("aht_seconds", demand.aht_seconds)):
        for skill, values in per_skill.items():
            if len(values) != count:
                raise ValueError(
                    f"demand {name} for skill {skill!r} has {len(values)} values, "
                    f"expected {count} (one per interval)"
                )
    covered = coverage(shifts, starts, demand.interval_seconds, demand.calls.keys())
    skills = sorted(
        set(demand.calls)
        | set(demand.aht_seconds)
        | {skill for skill, heads in covered.items() if np.any(heads > 0)}
    )
    width = len(skills)
    calls_grid = np.zeros((count, width))
    aht_grid = np.zeros((count, width))
    scheduled_grid = np.zeros((count, width))
    for j, skill in enumerate(skills):
        if skill in demand.calls:
            calls_grid[:, j] = demand.calls[skill]
        if skill in demand.aht_seconds:
            aht_grid[:, j] = demand.aht_seconds[skill]
        if skill in covered:
            scheduled_grid[:, j] = covered[skill]
    calls, scheduled = calls_grid.ravel(), scheduled_grid.ravel()
    aht = np.where(calls > 0, aht_grid.ravel(), 0.0)
    interval = float(demand.interval_seconds)
    required = required_agents(
        calls,
        aht,
        interval,
        target.service_level,
        target.target_seconds,
        max_occupancy=target.max_occupancy,
        patience_seconds=patience_seconds,
    )
    heads = np.maximum(np.floor(scheduled + _FLOAT_SLACK), 0.0)
    load = erlang.offered_load(calls, aht, interval)
    if patience_seconds is None:
        level = erlang.erlang_c_service_level(heads, load, aht, target.target_seconds)
        asa = erlang.erlang_c_asa(heads, load, aht)
        occ = erlang.occupancy(heads, load)
    else:
        metrics = erlang.erlang_a_metrics(heads, load, aht, patience_seconds, target.target_seconds)
        level, asa, occ = metrics.service_level, metrics.asa_seconds, metrics.occupancy
    import pandas as pd  # only the table needs it; the numerics stay light to import

    stamps = pd.DatetimeIndex(pd.to_datetime(starts, utc=True)).repeat(width)
    return pd.DataFrame(
        {
            "interval_start": stamps,
            "skill": np.tile(np.array(skills, dtype=object), count),
            "calls": calls,
            "aht_seconds": aht,
            "required": required.astype(np.int64),
            "scheduled": scheduled,
            "gap": np.where(required == UNREACHABLE, -np.inf, scheduled - required),
            "service_level": np.where(calls > 0, level, 1.0),
            "asa_seconds": asa,
            "occupancy": occ,
        },
        columns=list(TABLE_COLUMNS),
    )


def weighted_service_level(table: pd.DataFrame | Any) -> float:
    """Call-weighted service level of a table from :func:`interval_table`.

    .. math:: \\frac{\\sum_i \\text{calls}_i\\, SL_i}{\\sum_i \\text{calls}_i}

    Returns
    -------
    float
        The fraction of the period's calls answered within the target; 1.0 with no calls.
    """
    calls = np.asarray(table["calls"], dtype=np.float64)
    level = np.asarray(table["service_level"], dtype=np.float64)
    total = float(calls.sum())
    if total <= 0:
        return 1.0
    return float(np.dot(calls, level) / total)
