r"""Erlang C and Erlang A queueing formulas, vectorised over intervals.

Every function takes array-likes and broadcasts them against each other (numpy rules), so a
whole year of intervals is one call. Inputs are in Erlangs (offered load), agents (a count)
and seconds (handling time, patience, target answer time); outputs are probabilities in
``[0, 1]``, seconds, or fractions of agent time.

Models
------
Erlang C (M/M/n): Poisson arrivals at rate :math:`\lambda`, exponential handling times with
mean :math:`1/\mu` (the AHT), :math:`n` agents, an unlimited queue served first come, first
served, and callers who never hang up. The offered load is :math:`A = \lambda/\mu` Erlangs.

Erlang A (M/M/n+M, Palm 1943): as Erlang C, but each waiting caller hangs up after an
exponential patience time with mean :math:`1/\theta` if not answered by then.

Numerics
--------
No factorial or power is ever formed. Poisson probabilities are computed in log space
(:func:`scipy.special.gammaln`, :func:`scipy.special.xlogy`), Poisson tails with the
regularized incomplete gamma functions (:func:`scipy.special.gammaincc`), and the Erlang A
queue sums with Kummer's function :math:`M(1, b, z)` (:func:`scipy.special.hyp1f1`, accurate
for :math:`z < b`) or its incomplete-gamma form (for :math:`z \ge b`). Probabilities that are
used as :math:`p` and as :math:`1 - p` are carried as log-odds and split with
:func:`scipy.special.expit`, so both keep full relative precision. The functions stay finite
from 0.1 Erlang to many thousands of Erlangs (e.g. 5,000 Erlangs with 6,000 agents).

Required agents
---------------
:func:`erlang_c_required_agents` and :func:`erlang_a_required_agents` find the fewest agents
that meet a target for a whole array of intervals. They start from the square-root staffing
estimate and step one agent at a time with cheap recurrences and series (no special
function), leaving every close call to the functions above, so the answer is the exact
minimum of what those functions compute.

References
----------
.. [1] A. K. Erlang, "Solution of some problems in the theory of probabilities of
   significance in automatic telephone exchanges", Elektroteknikeren 13, 1917.
.. [2] R. B. Cooper, *Introduction to Queueing Theory*, 2nd ed., North Holland, 1981, §3.
.. [3] N. Gans, G. Koole, A. Mandelbaum, "Telephone call centers: tutorial, review and
   research prospects", Manufacturing & Service Operations Management 5(2), 2003, 79-141.
.. [4] O. Garnett, A. Mandelbaum, M. Reiman, "Designing a call center with impatient
   customers", Manufacturing & Service Operations Management 4(3), 2002, 208-227.
.. [5] A. Mandelbaum, S. Zeltyn, "The M/M/n+G queue: summary of performance measures",
   technical note, Technion, 2009 (formulas for exponential patience).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "ErlangAMetrics",
    "erlang_a_metrics",
    "erlang_a_occupancy",
    "erlang_a_required_agents",
    "erlang_a_service_level",
    "erlang_c_asa",
    "erlang_c_required_agents",
    "erlang_c_service_level",
    "erlang_c_wait_probability",
    "occupancy",
    "offered_load",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

_WINDOW_SIGMAS = 13.0
_WINDOW_EXTRA = 20
_WINDOW_LOG_RATIO = 40.0
_MAX_CELLS = 1 << 21


class ErlangAMetrics(NamedTuple):
    """Erlang A (M/M/n+M) performance per interval; every field has the broadcast shape.

    Attributes
    ----------
    wait_probability : ndarray
        Probability that a call finds every agent busy and has to queue (PASTA).
    abandon_probability : ndarray
        Probability that a call hangs up before it is answered.
    service_level : ndarray
        Fraction of *all offered* calls that are answered within the target time. Calls that
        abandon count as missed, even when they hang up before the target time.
    asa_seconds : ndarray
        Average speed of answer in seconds: the mean wait of the calls that are answered
        (calls answered at once count with a wait of 0; abandoned calls are excluded).
        ``inf`` when no call can be answered (no agents), 0 when there is no traffic.
    occupancy : ndarray
        Fraction of agent time spent on calls, :math:`A (1 - P_{ab}) / n` (carried load per
        agent).
    """

    wait_probability: FloatArray
    abandon_probability: FloatArray
    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray


def _floats(*values: npt.ArrayLike) -> tuple[FloatArray, ...]:
    """Broadcast the inputs together and return them as flat float copies."""
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    return tuple(np.array(a, dtype=np.float64).ravel() for a in arrays)


def _shape(*values: npt.ArrayLike) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*(np.shape(v) for v in values)))


def _require(condition: npt.ArrayLike, message: str) -> None:
    if not bool(np.all(condition)):
        raise ValueError(message)


def _check_queue_inputs(agents: FloatArray, load: FloatArray) -> None:
    _require(agents >= 0, "agents must be non-negative")
    _require(load >= 0, "load must be non-negative (Erlangs)")


def _log_poisson_pmf(k: FloatArray, mean: FloatArray) -> FloatArray:
    """:math:`\\log(e^{-m} m^k / k!)` without forming the factorial or the power."""
    result: FloatArray = special.xlogy(k, mean) - mean - special.gammaln(k + 1.0)
    return result


def _log_poisson_cdf_below(k: FloatArray, mean: FloatArray) -> FloatArray:
    """:math:`\\log P(N \\le k - 1)`, :math:`N \\sim` Poisson(mean): :math:`\\log Q(k, m)`."""
    with np.errstate(divide="ignore"):
        result: FloatArray = np.log(special.gammaincc(k, mean))
    return result


def _log_kummer1(b: FloatArray, z: FloatArray) -> FloatArray:
    r"""Natural log of Kummer's function :math:`M(1, b, z) = \sum_{j\ge0} z^j / (b)_j`.

    For :math:`z < b` the series is moderate and :func:`scipy.special.hyp1f1` is accurate to
    a few ulp. For :math:`z \ge b` we use
    :math:`M(1, b, z) = \Gamma(b)\, e^{z} z^{1-b} P(b - 1, z)` in log space, where the
    regularized lower incomplete gamma :math:`P(b - 1, z) \ge 1/2` cannot underflow.
    Requires :math:`b > 1`, :math:`z \ge 0`.
    """
    out = np.empty_like(z)
    small = z < b
    out[small] = np.log(special.hyp1f1(1.0, b[small], z[small]))
    big = ~small
    bb, zz = b[big], z[big]
    out[big] = (
        special.gammaln(bb) + zz - (bb - 1.0) * np.log(zz) + np.log(special.gammainc(bb - 1.0, zz))
    )
    return out


def offered_load(
    calls: npt.ArrayLike, aht_seconds: npt.ArrayLike, interval_seconds: npt.ArrayLike
) -> FloatArray:
    r"""Offered load of each interval in Erlangs.

    .. math:: A = \frac{\text{calls} \times \text{AHT}}{\text{interval length}}

    Parameters
    ----------
    calls : array_like
        Calls offered in the interval (a count, may be fractional for a forecast).
    aht_seconds : array_like
        Average handling time in seconds (talk + hold + wrap-up).
    interval_seconds : array_like
        Length of the interval in seconds (e.g. 1800 for 30 minutes).

    Returns
    -------
    ndarray
        Offered load in Erlangs (average number of agents busy if every call were answered).

    Raises
    ------
    ValueError
        If calls or AHT are negative or an interval length is not positive.
    """
    c, h, s = _floats(calls, aht_seconds, interval_seconds)
    _require(c >= 0, "calls must be non-negative")
    _require(h >= 0, "aht_seconds must be non-negative")
    _require(s > 0, "interval_seconds must be positive")
    result: FloatArray = (c * h / s).reshape(_shape(calls, aht_seconds, interval_seconds))
    return result


def _erlang_c_split(n: FloatArray, load: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Erlang C ``(P(wait), 1 - P(wait))``, both with full relative precision."""
    wait = np.where(load > 0, 1.0, 0.0)
    no_wait = 1.0 - wait
    stable = (n > load) & (load > 0)
    if np.any(stable):
        k, a = n[stable], load[stable]
        log_odds = _log_poisson_pmf(k, a) + np.log(k) - np.log(k - a) - _log_poisson_cdf_below(k, a)
        wait[stable] = special.expit(log_odds)
        no_wait[stable] = special.expit(-log_odds)
    return wait, no_wait


def erlang_c_wait_probability(agents: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    r"""Erlang C probability that a call has to wait (all agents busy), :math:`C(n, A)`.

    .. math::

        B(n, A) = \frac{A^n / n!}{\sum_{k=0}^{n} A^k / k!}
                = \frac{\Pr[N = n]}{\Pr[N \le n]},\qquad
        C(n, A) = \frac{B}{1 - \rho (1 - B)},\quad \rho = A / n,

    with :math:`N \sim \text{Poisson}(A)` [1]_ [2]_. The same quantity is evaluated as the
    log-odds

    .. math::

        \log\frac{C}{1 - C} = \log \Pr[N = n] + \log\frac{n}{n - A} - \log \Pr[N \le n - 1],

    where :math:`\log\Pr[N = n] = n\log A - A - \log\Gamma(n + 1)` and
    :math:`\Pr[N \le n - 1] = Q(n, A)` (regularized upper incomplete gamma), so no factorial
    or power is formed and both :math:`C` and :math:`1 - C` keep full precision.

    Parameters
    ----------
    agents : array_like
        Agents on the phones, :math:`n` (integer-valued; non-integers use the incomplete-gamma
        continuation).
    load : array_like
        Offered load :math:`A` in Erlangs.

    Returns
    -------
    ndarray
        :math:`C(n, A)` in ``[0, 1]``. It is 1 when :math:`n \le A` (the queue grows without
        bound, every call waits) and 0 when there is no traffic.
    """
    n, a = _floats(agents, load)
    _check_queue_inputs(n, a)
    return _erlang_c_split(n, a)[0].reshape(_shape(agents, load))


def erlang_c_service_level(
    agents: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
) -> FloatArray:
    r"""Erlang C service level: fraction of calls answered within the target time.

    .. math:: SL = 1 - C(n, A)\, e^{-(n - A)\, t / \text{AHT}}

    [2]_ [3]_, evaluated as :math:`(1 - C) + C\,(1 - e^{-(n - A)t/\text{AHT}})` (two
    non-negative terms, no cancellation).

    Parameters
    ----------
    agents : array_like
        Agents on the phones :math:`n`.
    load : array_like
        Offered load :math:`A` in Erlangs.
    aht_seconds : array_like
        Average handling time in seconds (must be positive where there is traffic).
    target_seconds : array_like
        Target answer time :math:`t` in seconds; 0 gives :math:`1 - C(n, A)`.

    Returns
    -------
    ndarray
        Service level in ``[0, 1]``: 0 when :math:`n \le A` and there is traffic, 1 when
        there is no traffic.
    """
    n, a, h, t = _floats(agents, load, aht_seconds, target_seconds)
    _check_queue_inputs(n, a)
    _require(t >= 0, "target_seconds must be non-negative")
    _require((h > 0) | (a == 0), "aht_seconds must be positive where there is traffic")
    shape = _shape(agents, load, aht_seconds, target_seconds)
    return _erlang_c_service_level(n, a, h, t).reshape(shape)


def _erlang_c_service_level(
    n: FloatArray, a: FloatArray, h: FloatArray, t: FloatArray
) -> FloatArray:
    wait, no_wait = _erlang_c_split(n, a)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        answered_late = -np.expm1(-(n - a) * t / h)
    level = np.where(stable, np.minimum(no_wait + wait * answered_late, 1.0), 0.0)
    result: FloatArray = np.where(a == 0, 1.0, level)
    return result


def erlang_c_asa(
    agents: npt.ArrayLike, load: npt.ArrayLike, aht_seconds: npt.ArrayLike
) -> FloatArray:
    r"""Erlang C average speed of answer (mean wait of all calls) in seconds.

    .. math:: ASA = \frac{C(n, A)\, \text{AHT}}{n - A}

    [2]_. In Erlang C every call is eventually answered, so this is also the mean wait of
    answered calls.

    Parameters
    ----------
    agents : array_like
        Agents on the phones :math:`n`.
    load : array_like
        Offered load :math:`A` in Erlangs.
    aht_seconds : array_like
        Average handling time in seconds.

    Returns
    -------
    ndarray
        ASA in seconds: ``inf`` when :math:`n \le A` with traffic (the queue is unstable),
        0 when there is no traffic.
    """
    n, a, h = _floats(agents, load, aht_seconds)
    _check_queue_inputs(n, a)
    _require((h > 0) | (a == 0), "aht_seconds must be positive where there is traffic")
    return _erlang_c_asa(n, a, h).reshape(_shape(agents, load, aht_seconds))


def _erlang_c_asa(n: FloatArray, a: FloatArray, h: FloatArray) -> FloatArray:
    wait, _ = _erlang_c_split(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(n > a, wait * h / (n - a), np.inf)
    result: FloatArray = np.where(a == 0, 0.0, asa)
    return result


def occupancy(agents: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    r"""Erlang C occupancy: fraction of agent time spent on calls.

    .. math:: \text{occupancy} = \min(A / n, 1)

    Parameters
    ----------
    agents : array_like
        Agents on the phones :math:`n`.
    load : array_like
        Offered load :math:`A` in Erlangs.

    Returns
    -------
    ndarray
        Occupancy in ``[0, 1]``: 1 when :math:`n \le A` (every agent is always busy,
        including the degenerate case of traffic with no agents), 0 when there is no traffic.
    """
    n, a = _floats(agents, load)
    _check_queue_inputs(n, a)
    return _occupancy(n, a).reshape(_shape(agents, load))


def _occupancy(n: FloatArray, a: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.minimum(a / n, 1.0)
    result: FloatArray = np.where(a == 0, 0.0, ratio)
    return result


class _ErlangAParts(NamedTuple):
    wait: FloatArray
    no_wait: FloatArray
    served_given_wait: FloatArray
    abandon_given_wait: FloatArray
    service_level: FloatArray
    a: FloatArray
    x: FloatArray


def _erlang_a_parts(
    n: FloatArray, load: FloatArray, h: FloatArray, patience: FloatArray, t: FloatArray
) -> _ErlangAParts:
    r"""Erlang A on 1-d arrays with :math:`n \ge 1`, :math:`A > 0`, finite patience.

    With :math:`a = n\mu/\theta`, :math:`x = \lambda/\theta` and
    :math:`S = M(1, a + 1, x) = \sum_{k\ge0} x^k / (a+1)_k` (the relative weight of the
    states with :math:`n + k` calls in the system to the state with :math:`n`):

    * :math:`\log\frac{P_W}{1 - P_W} = \log\Pr[N = n] + \log S - \log\Pr[N \le n-1]`;
    * :math:`P(\text{ab}\mid W) = E[Q \mid W] / x`, with
      :math:`E[Q\mid W] = x M(2, a+2, x) / ((a+1) S) = x - a + a/S`;
    * :math:`P(\text{served}\mid W) = \frac{a}{a+1} M(1, a+2, x) / S = \frac{a}{x}(1 - 1/S)`;
    * :math:`P(\text{served}, \text{wait} > t \mid W) = \frac{a}{a+1}\, u^{a+1}
      e^{x(1-u)} M(1, a+2, xu) / S`, with :math:`u = e^{-\theta t}`.
    """
    ratio = patience / h
    a = n * ratio
    x = load * ratio
    log_s = _log_kummer1(a + 1.0, x)
    log_odds = _log_poisson_pmf(n, load) + log_s - _log_poisson_cdf_below(n, load)
    wait = special.expit(log_odds)
    no_wait = special.expit(-log_odds)

    served = np.empty_like(x)
    abandon = np.empty_like(x)
    below = x < a
    ab, xb, sb = a[below], x[below], np.exp(log_s[below])
    abandon[below] = special.hyp1f1(2.0, ab + 2.0, xb) / ((ab + 1.0) * sb)
    served[below] = ab / (ab + 1.0) * special.hyp1f1(1.0, ab + 2.0, xb) / sb
    above = ~below
    aa, xa, inv_s = a[above], x[above], np.exp(-log_s[above])
    abandon[above] = (xa - aa) / xa + aa / xa * inv_s
    served[above] = aa / xa * -np.expm1(-log_s[above])

    on_time = np.zeros_like(x)
    log_u = -t / patience
    y = x * np.exp(log_u)
    soon = below & (t > 0)
    if np.any(soon):
        ab, xb, yb, lu = a[soon], x[soon], y[soon], log_u[soon]
        log_late_share = (
            (ab + 1.0) * lu
            - xb * np.expm1(lu)
            + np.log(special.hyp1f1(1.0, ab + 2.0, yb))
            - np.log(special.hyp1f1(1.0, ab + 2.0, xb))
        )
        on_time[soon] = served[soon] * -np.expm1(log_late_share)
    late = above & (t > 0)
    if np.any(late):
        on_time[late] = _answered_by_target_overloaded(a[late], x[late], y[late])
    level = np.minimum(no_wait + wait * on_time, 1.0)
    return _ErlangAParts(wait, no_wait, served, abandon, level, a, x)


def _answered_by_target_overloaded(a: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
    r"""P(answered within the target | waited) when :math:`x \ge a`.

    Here :math:`S = \Gamma(a+1) e^x x^{-a} P(a, x)` with :math:`P(a, x) \ge 1/2`, and the
    probability is :math:`\frac{a}{x} \frac{P(a+1, x) - P(a+1, y)}{P(a, x)}`. When both
    :math:`x` and :math:`y` lie in the upper tail the difference is taken as
    :math:`Q(a+1, y)(1 - Q(a+1, x)/Q(a+1, y))`, so tiny service levels of badly understaffed
    intervals keep their relative precision.
    """
    difference = np.empty_like(x)
    tail = y >= a + 1.0
    q_y = special.gammaincc(a[tail] + 1.0, y[tail])
    q_x = special.gammaincc(a[tail] + 1.0, x[tail])
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = -np.expm1(np.log(q_x) - np.log(q_y))
    difference[tail] = np.where(q_y > 0.0, q_y * shrink, 0.0)
    body = ~tail
    difference[body] = special.gammainc(a[body] + 1.0, x[body]) - special.gammainc(
        a[body] + 1.0, y[body]
    )
    result: FloatArray = a / x * np.maximum(difference, 0.0) / special.gammainc(a, x)
    return result


def _mean_wait_answered_after_waiting(a: FloatArray, x: FloatArray) -> FloatArray:
    r"""Mean wait of callers who queued and were answered, in units of the mean patience.

    A caller who finds :math:`k` callers waiting ahead is answered after
    :math:`T_k = \sum_{i=0}^{k} \mathrm{Exp}(n\mu + i\theta)` unless their patience
    :math:`\tau \sim \mathrm{Exp}(\theta)` runs out first. With :math:`U = e^{-\theta T_k}`,
    :math:`P(T_k < \tau) = E[U] = a / (a + k + 1)` and
    :math:`\theta\, E[T_k U] / E[U] = \psi(a + k + 2) - \psi(a + 1) = \sum_{i=1}^{k+1} 1/(a+i)`.
    Weighting by the queue distribution seen on arrival gives

    .. math:: \theta\, E[W \mid \text{served}, W > 0]
              = \frac{\sum_k w_k h_k}{\sum_k w_k},\quad
              w_k \propto \frac{x^k}{\Gamma(a + k + 2)},\quad
              h_k = \psi(a + k + 2) - \psi(a + 1).

    The sum runs over a window of :math:`\pm 13\sqrt{\max(x, a+1)}` terms around the mode
    :math:`k^* = \max(0, \lfloor x - a - 1 \rfloor)` (shorter when the terms fall off
    geometrically, :math:`w_{k+1}/w_k \le x/(a+1) < 1`); the terms left out are below
    :math:`e^{-40}` of the largest. Both sums are built from running sums of
    :math:`\log(x/(a+k+1))` and :math:`1/(a+k+1)`, in blocks of bounded memory.
    """
    out = np.empty_like(x)
    if x.size == 0:
        return out
    log_x = np.log(x)
    sigma = np.sqrt(np.maximum(x, a + 1.0))
    mode = np.maximum(0.0, np.floor(x - a - 1.0))
    half = np.ceil(_WINDOW_SIGMAS * sigma) + _WINDOW_EXTRA
    with np.errstate(divide="ignore"):
        geometric = np.ceil(_WINDOW_LOG_RATIO / (np.log1p(a) - log_x)) + _WINDOW_EXTRA
    half = np.where(x < a + 1.0, np.minimum(half, geometric), half)
    start = np.maximum(0.0, mode - half)
    width = (mode + half - start + 1.0).astype(np.int64)
    order = np.argsort(width, kind="stable")
    first = 0
    while first < order.size:
        last = first + 1
        block = min(int(width[order[first]]), _MAX_CELLS)
        while last < order.size and (last + 1 - first) * min(int(width[order[last]]), block) <= (
            _MAX_CELLS
        ):
            last += 1
        rows = order[first:last]
        out[rows] = _windowed_mean(a[rows], log_x[rows], start[rows], width[rows], block)
        first = last
    return out


def _windowed_mean(
    a: FloatArray, log_x: FloatArray, start: FloatArray, width: npt.NDArray[np.int64], block: int
) -> FloatArray:
    r""":math:`\sum_k w_k h_k / \sum_k w_k` over ``width`` terms from ``start``, blockwise."""
    end = start + width - 1.0
    first_h = np.where(
        start == 0.0,
        1.0 / (a + 1.0),
        special.digamma(a + start + 2.0) - special.digamma(a + 1.0),
    )
    carry_log_w = np.zeros_like(a)
    carry_h = np.zeros_like(a)
    peak = np.full_like(a, -np.inf)
    sum_w = np.zeros_like(a)
    sum_wh = np.zeros_like(a)
    total = int(width.max())
    for offset in range(0, total, block):
        k = start[:, None] + (offset + np.arange(min(block, total - offset), dtype=np.float64))
        steps = log_x[:, None] - np.log(a[:, None] + k + 1.0)
        increments = 1.0 / (a[:, None] + k + 1.0)
        if offset == 0:
            steps[:, 0] = 0.0
            increments[:, 0] = first_h
        log_w = carry_log_w[:, None] + np.cumsum(steps, axis=1)
        h = carry_h[:, None] + np.cumsum(increments, axis=1)
        carry_log_w, carry_h = log_w[:, -1], h[:, -1]
        log_w[k > end[:, None]] = -np.inf
        new_peak = np.maximum(peak, log_w.max(axis=1))
        rescale = np.exp(peak - new_peak)
        weights = np.exp(log_w - new_peak[:, None])
        sum_w = sum_w * rescale + weights.sum(axis=1)
        sum_wh = sum_wh * rescale + (weights * h).sum(axis=1)
        peak = new_peak
    result: FloatArray = sum_wh / sum_w
    return result


def _erlang_a_prepare(
    agents: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    n, a, h, p, t = _floats(agents, load, aht_seconds, patience_seconds, target_seconds)
    _check_queue_inputs(n, a)
    _require(t >= 0, "target_seconds must be non-negative")
    _require((h > 0) | (a == 0), "aht_seconds must be positive where there is traffic")
    _require(p > 0, "patience_seconds must be positive (inf means callers never hang up)")
    return n, a, h, p, t


def erlang_a_service_level(
    agents: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
) -> FloatArray:
    """Erlang A service level only (the ``service_level`` of :func:`erlang_a_metrics`).

    Cheaper than :func:`erlang_a_metrics` because it skips the mean wait. Parameters and
    definition as there.

    Returns
    -------
    ndarray
        Fraction of all offered calls answered within ``target_seconds``.
    """
    n, a, h, p, t = _erlang_a_prepare(agents, load, aht_seconds, patience_seconds, target_seconds)
    shape = _shape(agents, load, aht_seconds, patience_seconds, target_seconds)
    return _erlang_a_service_level(n, a, h, p, t).reshape(shape)


def _erlang_a_service_level(
    n: FloatArray, a: FloatArray, h: FloatArray, p: FloatArray, t: FloatArray
) -> FloatArray:
    level = np.where(a == 0, 1.0, 0.0)
    patient = np.isinf(p) & (a > 0)
    if np.any(patient):
        level[patient] = _erlang_c_service_level(n[patient], a[patient], h[patient], t[patient])
    regular = (a > 0) & (n >= 1) & ~np.isinf(p)
    if np.any(regular):
        level[regular] = _erlang_a_parts(
            n[regular], a[regular], h[regular], p[regular], t[regular]
        ).service_level
    return level


def erlang_a_occupancy(
    agents: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
) -> FloatArray:
    """Erlang A occupancy only (the ``occupancy`` of :func:`erlang_a_metrics`).

    Carried load per agent, :math:`A (1 - P_{ab}) / n`; it does not depend on the target time.

    Returns
    -------
    ndarray
        Fraction of agent time on calls, in ``[0, 1]``.
    """
    n, a, h, p, t = _erlang_a_prepare(agents, load, aht_seconds, patience_seconds, 0.0)
    shape = _shape(agents, load, aht_seconds, patience_seconds)
    return _erlang_a_occupancy(n, a, h, p, t).reshape(shape)


def _erlang_a_occupancy(
    n: FloatArray, a: FloatArray, h: FloatArray, p: FloatArray, t: FloatArray
) -> FloatArray:
    occ = np.where(a > 0, 1.0, 0.0)
    patient = np.isinf(p) & (a > 0)
    if np.any(patient):
        occ[patient] = _occupancy(n[patient], a[patient])
    regular = (a > 0) & (n >= 1) & ~np.isinf(p)
    if np.any(regular):
        parts = _erlang_a_parts(n[regular], a[regular], h[regular], p[regular], t[regular])
        answered = parts.no_wait + parts.wait * parts.served_given_wait
        occ[regular] = np.minimum(a[regular] * answered / n[regular], 1.0)
    return occ


def erlang_a_metrics(
    agents: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
) -> ErlangAMetrics:
    r"""Erlang A (M/M/n+M) performance: queueing with exponentially impatient callers.

    Stationary birth-death chain [4]_ [5]_: with :math:`\mu = 1/\text{AHT}`,
    :math:`\theta = 1/\text{patience}`, :math:`A = \lambda/\mu`,

    .. math::

        \pi_j \propto \frac{A^j}{j!}\ (j \le n),\qquad
        \pi_{n+k} = \pi_n \prod_{i=1}^{k} \frac{\lambda}{n\mu + i\theta}.

    With :math:`a = n\mu/\theta`, :math:`x = \lambda/\theta` the queue sum is Kummer's
    function :math:`S = \sum_k \pi_{n+k}/\pi_n = M(1, a+1, x)
    = \Gamma(a+1) e^{x} x^{-a} P(a, x)`, and by PASTA

    .. math::

        P_W = \frac{\Pr[N = n]\, S}{\Pr[N \le n-1] + \Pr[N = n]\, S},\qquad
        P_{ab} = P_W \left(1 - \frac{a}{x}\left(1 - \frac{1}{S}\right)\right),

    with :math:`N \sim \text{Poisson}(A)`. A caller finding :math:`k` waiting is answered
    after :math:`T_k = \sum_{i=0}^{k}\mathrm{Exp}(n\mu + i\theta)`, and
    :math:`e^{-\theta T_k} \sim \mathrm{Beta}(a, k + 1)`; summing over :math:`k` gives the
    probability of being answered within :math:`t` after queueing,

    .. math::

        \frac{1}{S}\, a e^{x} \int_{e^{-\theta t}}^{1} u^{a} e^{-x u}\, du
        = P(\text{served}\mid W) - \frac{a}{a+1}\, \frac{u^{a+1} e^{x(1-u)} M(1, a+2, xu)}{S},
        \quad u = e^{-\theta t}.

    Service level is defined over **all offered calls**:
    :math:`SL = (1 - P_W) + P_W\, P(\text{answered by } t \mid W)`; abandoned calls count as
    missed. ASA is the mean wait of **answered** calls (see :class:`ErlangAMetrics`): with
    :math:`E[T_k\,;\,T_k < \tau] = \frac{a}{a+k+1}\,\frac{\psi(a+k+2) - \psi(a+1)}{\theta}`
    summed over the queue seen on arrival (a series cut where its terms fall below
    :math:`e^{-40}` of the largest). Unlike Erlang C the model is stable for any :math:`n`,
    including :math:`n \le A`.

    Parameters
    ----------
    agents : array_like
        Agents on the phones :math:`n`.
    load : array_like
        Offered load :math:`A` in Erlangs.
    aht_seconds : array_like
        Average handling time in seconds.
    patience_seconds : array_like
        Mean time a caller is willing to wait, in seconds; ``inf`` gives Erlang C.
    target_seconds : array_like
        Target answer time in seconds (0 allowed: :math:`SL = 1 - P_W`).

    Returns
    -------
    ErlangAMetrics
        Arrays of the broadcast shape. With no traffic: no wait, no abandonment, SL 1, ASA 0,
        occupancy 0. With traffic and no agents: every call waits and abandons, SL 0,
        ASA ``inf``, occupancy 1.
    """
    n, a, h, p, t = _erlang_a_prepare(agents, load, aht_seconds, patience_seconds, target_seconds)
    traffic = a > 0
    wait = np.where(traffic, 1.0, 0.0)
    abandon = wait.copy()
    level = 1.0 - wait
    asa = np.where(traffic, np.inf, 0.0)
    occ = wait.copy()

    patient = np.isinf(p) & traffic
    if np.any(patient):
        npat, apat, hpat = n[patient], a[patient], h[patient]
        wait[patient] = _erlang_c_split(npat, apat)[0]
        abandon[patient] = 0.0
        level[patient] = _erlang_c_service_level(npat, apat, hpat, t[patient])
        asa[patient] = _erlang_c_asa(npat, apat, hpat)
        occ[patient] = _occupancy(npat, apat)

    regular = traffic & (n >= 1) & ~np.isinf(p)
    if np.any(regular):
        nr, ar = n[regular], a[regular]
        parts = _erlang_a_parts(nr, ar, h[regular], p[regular], t[regular])
        wait[regular] = parts.wait
        abandon_r = parts.wait * parts.abandon_given_wait
        abandon[regular] = abandon_r
        level[regular] = parts.service_level
        answered = parts.no_wait + parts.wait * parts.served_given_wait
        queued_wait = p[regular] * _mean_wait_answered_after_waiting(parts.a, parts.x)
        asa[regular] = parts.wait * parts.served_given_wait * queued_wait / answered
        occ[regular] = np.minimum(ar * answered / nr, 1.0)
    shape = _shape(agents, load, aht_seconds, patience_seconds, target_seconds)
    return ErlangAMetrics(*(v.reshape(shape) for v in (wait, abandon, level, asa, occ)))


# Required agents ---------------------------------------------------------------------------

_OCCUPANCY_SLACK = 1e-12
_GUARD_RELATIVE = 1e-9
_GUARD_ABSOLUTE = 1e-12
_RECURRENCE_MAX = 64
_SCAN_STEPS = 8
_AMPLIFICATION_MAX = 1e3
_SERIES_MAX_LOAD = 64.0
_SERIES_LOOSE = 4.0
_SERIES_TIGHT = 30.0
_SERIES_MAX_TERMS = 4096
_SERIES_BLOCK_ROWS = 512
_SERIES_BUFFERS = 8
_BOUNDS_BUFFERS = 10
# The Erlang A scan works in one (rows, intervals) buffer: a year of intervals is a few MB,
# which the allocator would map afresh (and fault in page by page) on every call. Each thread
# keeps its buffer for the next call, up to this size; larger inputs get a buffer of their own.
_WORKSPACE_MAX_BYTES = 64 * 2**20
_workspace = threading.local()


def _work_buffer(rows: int, columns: int) -> FloatArray:
    """An uninitialised ``(rows, columns)`` buffer, reused by the calling thread."""
    if rows * columns * 8 > _WORKSPACE_MAX_BYTES:
        return np.empty((rows, columns))
    held: FloatArray | None = getattr(_workspace, "buffer", None)
    if held is None or held.size < rows * columns:
        held = np.empty(rows * columns)
        _workspace.buffer = held
    return held[: rows * columns].reshape(rows, columns)


_MAX_AGENTS = 1 << 40

_Test = Callable[[IntArray, FloatArray, FloatArray], BoolArray]
_Passes = Callable[[IntArray, FloatArray], BoolArray]


def erlang_c_required_agents(
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    service_level: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
    max_occupancy: npt.ArrayLike | None = None,
) -> IntArray:
    r"""Fewest agents that meet an Erlang C service level (and occupancy cap), per interval.

    For each interval the smallest integer :math:`n > \lfloor A \rfloor` (the smallest stable
    head count) with

    .. math:: SL(n) \ge \text{service\_level} \quad\text{and}\quad A / n \le
              \text{max\_occupancy} + 10^{-12},

    where :math:`SL` is :func:`erlang_c_service_level`. No traffic needs 0 agents. The result
    is the exact minimum of that predicate as :func:`erlang_c_service_level` and
    :func:`occupancy` compute it: ``result`` passes and ``result - 1`` does not (or is
    :math:`\lfloor A \rfloor`). The :math:`10^{-12}` lets decimal ties survive binary rounding
    (122.4 Erlangs on 144 agents is exactly 85% busy).

    Search
    ------
    The search starts at the square-root staffing estimate of Halfin and Whitt [6]_,
    :math:`n_0 = \lceil A + \beta\sqrt{A}\,\rceil` (at least :math:`\lfloor A\rfloor + 1`),
    where :math:`\beta` solves
    :math:`\alpha(\beta)\, e^{-\beta z} = 1 - \text{service\_level}`,
    :math:`\alpha(\beta) = [1 + \beta\,\Phi(\beta)/\varphi(\beta)]^{-1}`,
    :math:`z = \sqrt{A}\, t / \text{AHT}` (read off a table built for each service level).
    The estimate is usually the answer or one below it, so most intervals take two
    evaluations. From :math:`n_0` the search steps one agent at a time, carrying
    :math:`1/B(n, A)` with the Erlang B recurrence [2]_

    .. math:: \frac{1}{B(n, A)} = 1 + \frac{n}{A}\,\frac{1}{B(n - 1, A)}

    (started from :math:`1/B(0, A) = 1` for up to 64 agents, otherwise from
    :math:`P(N \le n) / P(N = n)` with :math:`N \sim` Poisson(A)), and tests

    .. math:: C(n, A)\, e^{-(n - A) t / \text{AHT}}
              = \frac{n\, e^{-(n - A) t / \text{AHT}}}{(n - A)/B(n, A) + A}
              \le 1 - \text{service\_level}

    with a handful of multiplications, no special function. A test within
    :math:`10^{-9}` (relative) of the target is decided by :func:`erlang_c_service_level`
    itself, and intervals that are not settled within a few steps are bracketed and bisected
    with it, so the shortcut never changes an answer.

    Parameters
    ----------
    load : array_like
        Offered load :math:`A` in Erlangs.
    aht_seconds : array_like
        Average handling time in seconds (positive where there is traffic).
    service_level : array_like
        Target fraction of calls answered within ``target_seconds``, in ``[0, 1)``.
    target_seconds : array_like
        Target answer time in seconds (0 allowed: :math:`1 - C(n, A) \ge` service_level).
    max_occupancy : array_like, optional
        Cap on occupancy :math:`A/n`, in ``(0, 1]``. ``None`` means no cap.

    Returns
    -------
    ndarray of int64
        Agents on the phones per interval, in the broadcast shape of the inputs.

    Raises
    ------
    ValueError
        On a negative load, a non-positive AHT with traffic, a service level outside
        ``[0, 1)``, a negative target time or an occupancy cap outside ``(0, 1]``.

    References
    ----------
    .. [6] S. Halfin, W. Whitt, "Heavy-traffic limits for queues with many exponential
       servers", Operations Research 29(3), 1981, 567-588.
    """
    return _required_agents(load, aht_seconds, service_level, target_seconds, max_occupancy, None)


def erlang_a_required_agents(
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
    service_level: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
    max_occupancy: npt.ArrayLike | None = None,
) -> IntArray:
    r"""Fewest agents that meet an Erlang A service level (and occupancy cap), per interval.

    For each interval the smallest integer :math:`n \ge 1` with
    :math:`SL(n) \ge` service_level (:func:`erlang_a_service_level`: abandoned calls count
    as missed) and, with a cap, :func:`erlang_a_occupancy` :math:`\le` max_occupancy
    :math:`+ 10^{-12}`. The queue is stable for any :math:`n`, so the answer can lie below
    the offered load; a patience of ``inf`` is Erlang C (:func:`erlang_c_required_agents`).
    The result is the exact minimum of that predicate as those functions compute it.

    Search
    ------
    Every :math:`n` with :math:`n < \text{service\_level}\cdot A` fails, because at most
    :math:`n/A` of the calls can be answered. The search starts in the neighbourhood of the
    Erlang C answer, one agent below its square-root staffing estimate
    (:func:`erlang_c_required_agents`; with patient-enough callers that is the answer or one
    off), not from 0, and steps one agent at a time, carrying :math:`1/B(n, A)` with the
    Erlang B recurrence (backwards when stepping down). With
    :math:`a = n\mu/\theta`, :math:`x = \lambda/\theta`, :math:`u = e^{-\theta t}`,
    :math:`y = xu`, :math:`R = 1/B(n, A) - 1`, :math:`S_2 = M(1, a + 2, x)` and
    :math:`T = M(1, a + 2, y)` (see :func:`erlang_a_metrics`), the service level and the
    occupancy are

    .. math::

        SL = \frac{R + \frac{a}{a+1}\left(S_2 - u^{a+1} e^{x - y}\, T\right)}
                  {R + 1 + \frac{x}{a+1} S_2},\qquad
        \text{occupancy} = \min\left(1, \frac{A}{n}\,
                  \frac{R + \frac{a}{a+1} S_2}{R + 1 + \frac{x}{a+1} S_2}\right).

    For :math:`x \le 64` the two Kummer series are summed directly (positive terms
    :math:`t_{j+1} = t_j\, x / (a + 2 + j)`, cut where they fall to about :math:`e^{-4}`,
    the rest bounded by a geometric series), which gives rigorous bounds on :math:`SL` and
    the occupancy; a test those bounds cannot settle is summed again to :math:`e^{-30}`, and
    one that still comes within :math:`10^{-9}` of the target, larger loads, and intervals
    not settled within a few steps are decided by :func:`erlang_a_service_level` and
    :func:`erlang_a_occupancy` (bracket and bisection upwards of the bound above).

    Parameters
    ----------
    load : array_like
        Offered load :math:`A` in Erlangs.
    aht_seconds : array_like
        Average handling time in seconds (positive where there is traffic).
    patience_seconds : array_like
        Mean caller patience in seconds (positive; ``inf`` means callers never hang up).
    service_level : array_like
        Target fraction of all offered calls answered within ``target_seconds``, in
        ``[0, 1)``.
    target_seconds : array_like
        Target answer time in seconds (0 allowed).
    max_occupancy : array_like, optional
        Cap on occupancy (carried load per agent), in ``(0, 1]``. ``None`` means no cap.

    Returns
    -------
    ndarray of int64
        Agents on the phones per interval, in the broadcast shape of the inputs.

    Raises
    ------
    ValueError
        As :func:`erlang_c_required_agents`, and on a non-positive patience.
    """
    return _required_agents(
        load, aht_seconds, service_level, target_seconds, max_occupancy, patience_seconds
    )


def _required_agents(
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    service_level: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
    max_occupancy: npt.ArrayLike | None,
    patience_seconds: npt.ArrayLike | None,
) -> IntArray:
    given = [load, aht_seconds, service_level, target_seconds]
    if max_occupancy is not None:
        given.append(max_occupancy)
    if patience_seconds is not None:
        given.append(patience_seconds)
    shape = _shape(*given)
    a, h, g, t = (_spread(v, shape) for v in (load, aht_seconds, service_level, target_seconds))
    _require(a >= 0, "load must be non-negative (Erlangs)")
    _require((h > 0) | (a == 0), "aht_seconds must be positive where there is traffic")
    _require((g >= 0) & (g < 1), "service_level must be in [0, 1)")
    _require(t >= 0, "target_seconds must be non-negative")
    cap = None if max_occupancy is None else _spread(max_occupancy, shape)
    if cap is not None:
        _require((cap > 0) & (cap <= 1), "max_occupancy must be in (0, 1]")
    patience = None if patience_seconds is None else _spread(patience_seconds, shape)
    if patience is not None:
        _require(patience > 0, "patience_seconds must be positive")

    result = np.zeros(a.size, dtype=np.int64)
    busy = np.flatnonzero(a > 0)
    if busy.size == 0:
        return result.reshape(shape)
    if busy.size == a.size:
        a_b, h_b, g_b, t_b, c_b, p_b = a, h, g, t, cap, patience
    else:
        a_b, h_b, g_b, t_b = a[busy], h[busy], g[busy], t[busy]
        c_b = None if cap is None else cap[busy]
        p_b = None if patience is None else patience[busy]
    patient = np.ones(busy.size, dtype=np.bool_) if p_b is None else np.isinf(p_b)
    out = np.empty(busy.size, dtype=np.int64)
    if np.all(patient):
        out = _erlang_c_minimum(a_b, h_b, g_b, t_b, c_b)
    elif np.any(patient):
        rows = np.flatnonzero(patient)
        c_r = None if c_b is None else c_b[rows]
        out[rows] = _erlang_c_minimum(a_b[rows], h_b[rows], g_b[rows], t_b[rows], c_r)
    if p_b is not None and not np.any(patient):
        out = _erlang_a_minimum(a_b, h_b, p_b, g_b, t_b, c_b)
    elif p_b is not None and not np.all(patient):
        rows = np.flatnonzero(~patient)
        c_r = None if c_b is None else c_b[rows]
        out[rows] = _erlang_a_minimum(a_b[rows], h_b[rows], p_b[rows], g_b[rows], t_b[rows], c_r)
    result[busy] = out
    return result.reshape(shape)


def _spread(value: npt.ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    """``value`` as a flat float array of the broadcast ``shape`` (a copy)."""
    result: FloatArray = np.array(
        np.broadcast_to(np.asarray(value, dtype=np.float64), shape), dtype=np.float64
    ).ravel()
    return result


def _guard(goal: FloatArray) -> FloatArray:
    """How close to the target a shortcut test may come before the exact function decides."""
    result: FloatArray = _GUARD_RELATIVE * (1.0 - goal) + _GUARD_ABSOLUTE
    return result


def _smallest_passing(lower: FloatArray, upper: FloatArray, passes: _Passes) -> FloatArray:
    """Smallest ``n`` in ``(lower, ...)`` with ``passes`` true, for a monotone predicate.

    ``lower`` is known to fail and ``upper`` is a first guess. Failing guesses are pushed up
    (the distance to ``lower`` doubles each round), then every row is bisected together.
    """
    lo = lower.copy()
    hi = np.maximum(upper, lower + 1.0)
    rows = np.arange(lo.size)
    while rows.size:
        ok = passes(rows, hi[rows])
        rows = rows[~ok]
        if not rows.size:
            break
        width = hi[rows] - lo[rows]
        lo[rows] = hi[rows]
        hi[rows] = hi[rows] + 2.0 * width
        if np.any(hi[rows] > _MAX_AGENTS):
            raise ValueError("service level target cannot be met by any head count")
    rows = np.flatnonzero(hi - lo > 1.0)
    while rows.size:
        mid = np.floor((lo[rows] + hi[rows]) / 2.0)
        ok = passes(rows, mid)
        hi[rows[ok]] = mid[ok]
        lo[rows[~ok]] = mid[~ok]
        rows = rows[hi[rows] - lo[rows] > 1.0]
    return hi


def _scan(
    start: FloatArray,
    inverse_b: FloatArray,
    load: FloatArray,
    lowest: FloatArray,
    test: _Test,
    passes: _Passes,
) -> FloatArray:
    r"""Smallest passing ``n > lowest`` by stepping one agent at a time from ``start``.

    ``test(rows, n, 1/B(n, A))`` decides the predicate exactly (it may use ``passes``, the
    reference predicate, for close calls). Each row keeps a bracket: the largest head count
    known to fail (``lowest`` at first) and the smallest known to pass. A row that passes
    steps down, one that fails steps up, all rows in the same round, until the bracket closes.
    :math:`1/B` follows the Erlang B recurrence forwards or backwards,
    :math:`1/B(n-1) = (1/B(n) - 1)\, A / n`, whose relative error grows by
    :math:`1/(1 - B(n))` a step (tracked; below 2 above the load). Rows not settled within a
    few steps, or whose backward recurrence has lost too much precision, are finished by
    :func:`_smallest_passing` with ``passes``.
    """
    answer = np.empty(start.size)
    rows = np.arange(start.size)
    # One row per interval still searching: head count, 1/B there, error growth of the
    # backward recurrence, largest head count known to fail, smallest known to pass.
    state = np.stack((start, inverse_b, np.ones(start.size), lowest, np.full(start.size, np.inf)))
    pending: list[tuple[IntArray, FloatArray]] = []
    steps = 0
    while True:
        n, inv_b, amplification, lo, hi = state
        ok = test(rows, n, inv_b)
        np.copyto(hi, n, where=ok)
        np.copyto(lo, n, where=~ok)
        done = hi - lo <= 1.0
        if done.any():
            answer[rows[done]] = hi[done]
            keep = np.flatnonzero(~done)
            rows, ok, state = rows.take(keep), ok.take(keep), state.take(keep, axis=1)
            n, inv_b, amplification, lo, hi = state
        if not rows.size:
            break
        if steps == _SCAN_STEPS:
            pending.append((rows, state[3:]))
            break
        steps += 1
        a = load.take(rows)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.copyto(amplification, amplification * inv_b / (inv_b - 1.0), where=ok)
            stepped = np.where(ok, (inv_b - 1.0) * a / n, 1.0 + inv_b * (n + 1.0) / a)
        inv_b[:] = stepped
        n += np.where(ok, -1.0, 1.0)
        if ok.any():
            trusted = ~ok | (
                np.isfinite(inv_b) & (inv_b >= 1.0) & (amplification <= _AMPLIFICATION_MAX)
            )
            if not trusted.all():
                pending.append((rows[~trusted], state[3:, ~trusted]))
                keep = np.flatnonzero(trusted)
                rows, state = rows.take(keep), state.take(keep, axis=1)
    for left, (lo, hi) in pending:
        guess = np.where(np.isfinite(hi), hi, lo + 1.0)
        answer[left] = _smallest_passing(lo, guess, _restricted(passes, left))
    return answer


def _restricted(passes: _Passes, rows: IntArray) -> _Passes:
    """``passes`` for a subset: row ``r`` of the result is row ``rows[r]`` of ``passes``."""

    def subset(r: IntArray, heads: FloatArray) -> BoolArray:
        return passes(rows[r], heads)

    return subset


def _inverse_erlang_b(agents: FloatArray, load: FloatArray) -> FloatArray:
    r""":math:`1/B(n, A)` for integer :math:`n \ge 0`, :math:`A > 0`.

    Up to :data:`_RECURRENCE_MAX` agents by the recurrence
    :math:`1/B(k) = 1 + (k/A)/B(k-1)` from :math:`1/B(0) = 1` (all intervals together,
    sorted by head count so that each step works on a contiguous tail); above it from
    :math:`1/B(n) = P(N \le n) / P(N = n) = Q(n + 1, A) / P(N = n)`.
    """
    out = np.empty_like(load)
    small = agents <= _RECURRENCE_MAX
    if np.all(small):
        return _inverse_erlang_b_recurrence(agents, load)
    if np.any(small):
        out[small] = _inverse_erlang_b_recurrence(agents[small], load[small])
    big = ~small
    n, a = agents[big], load[big]
    with np.errstate(divide="ignore", over="ignore"):
        out[big] = np.exp(np.log(special.gammaincc(n + 1.0, a)) - _log_poisson_pmf(n, a))
    return out


def _inverse_erlang_b_recurrence(agents: FloatArray, load: FloatArray) -> FloatArray:
    counts = agents.astype(np.int8)
    order = np.argsort(counts, kind="stable")
    ordered = counts[order]
    a = load[order]
    values = np.ones(a.size)
    top = int(ordered[-1]) if ordered.size else 0
    firsts = np.searchsorted(ordered, np.arange(1, top + 1), side="left").tolist()
    with np.errstate(over="ignore"):
        for k, first in enumerate(firsts, start=1):
            tail = values[first:]
            tail *= k
            tail /= a[first:]
            tail += 1.0
    out = np.empty_like(values)
    out[order] = values
    return out


@lru_cache(maxsize=1)
def _halfin_whitt_grid() -> tuple[FloatArray, FloatArray]:
    r"""A grid of :math:`\beta` and :math:`\log\alpha(\beta)`, the Halfin-Whitt delay."""
    beta = np.geomspace(1e-4, 10.0, 256)
    mills = np.sqrt(2.0 * np.pi) * special.ndtr(beta) * np.exp(beta * beta / 2.0)
    log_alpha: FloatArray = -np.log1p(beta * mills)
    return beta, log_alpha


def _square_root_staffing_beta(z: FloatArray, goal: FloatArray) -> FloatArray:
    r""":math:`\beta` with :math:`\alpha(\beta) e^{-\beta z} = 1 - \text{goal}` (0 if unknown).

    For each goal :math:`z(\beta) = (\log\alpha(\beta) - \log(1 - \text{goal}))/\beta`
    decreases in :math:`\beta`, so :math:`\beta(z)` is read off the grid by interpolation.
    More than eight different goals get no estimate (the search then starts lower).
    """
    out = np.zeros_like(z)
    lowest, highest = float(goal.min()), float(goal.max())
    goals = [lowest] if lowest == highest else np.unique(goal).tolist()
    if len(goals) > 8:
        return out
    beta, log_alpha = _halfin_whitt_grid()
    for value in goals:
        spread = (-np.log1p(-value) + log_alpha) / beta
        keep = spread > 0
        if not np.any(keep):
            continue
        zs, bs = spread[keep][::-1], beta[keep][::-1]
        if len(goals) == 1:
            out = np.interp(z, zs, bs)
        else:
            mine = goal == value
            out[mine] = np.interp(z[mine], zs, bs)
    return out


def _erlang_c_minimum(
    a: FloatArray, h: FloatArray, g: FloatArray, t: FloatArray, cap: FloatArray | None
) -> IntArray:
    """Erlang C required agents for intervals with traffic (flat arrays)."""
    n = _erlang_c_service_minimum(a, h, g, t)
    if cap is not None:
        n = np.maximum(n, _occupancy_minimum(a, cap))
    return n.astype(np.int64)


def _occupancy_minimum(a: FloatArray, cap: FloatArray) -> FloatArray:
    """Smallest ``n >= 1`` with ``occupancy(n, a) <= cap + slack`` as :func:`occupancy` rounds."""
    limit = cap + _OCCUPANCY_SLACK
    n = np.maximum(np.ceil(a / limit), 1.0)
    for _ in range(2):
        n = np.where(_occupancy(n, a) > limit, n + 1.0, n)
    for _ in range(2):
        fewer = np.maximum(n - 1.0, 1.0)
        n = np.where((n > 1.0) & (_occupancy(fewer, a) <= limit), fewer, n)
    return n


def _square_root_start(a: FloatArray, h: FloatArray, g: FloatArray, t: FloatArray) -> FloatArray:
    r"""Square-root staffing :math:`\max(\lfloor A\rfloor + 1, \lceil A + \beta\sqrt{A}\rceil)`."""
    root = np.sqrt(a)
    beta = _square_root_staffing_beta(t / h * root, g)
    result: FloatArray = np.maximum(np.floor(a) + 1.0, np.ceil(a + beta * root))
    return result


def _erlang_c_service_minimum(
    a: FloatArray, h: FloatArray, g: FloatArray, t: FloatArray
) -> FloatArray:
    """Smallest ``n > floor(a)`` with ``erlang_c_service_level(n, a, h, t) >= g``."""
    tau = t / h
    start = _square_root_start(a, h, g, t)
    inverse_b = _inverse_erlang_b(start, a)
    limit = 1.0 - g
    guard = _guard(g)

    def passes(rows: IntArray, n: FloatArray) -> BoolArray:
        level = _erlang_c_service_level(n, a[rows], h[rows], t[rows])
        result: BoolArray = level >= g[rows]
        return result

    def test(rows: IntArray, n: FloatArray, inv_b: FloatArray) -> BoolArray:
        ar = a[rows]
        d = n - ar
        with np.errstate(over="ignore", invalid="ignore"):
            miss = n * np.exp(-d * tau[rows]) / (inv_b * d + ar)
        lim, gr = limit[rows], guard[rows]
        ok = miss <= lim - gr
        unsure = ~ok & ~(miss > lim + gr)
        if np.any(unsure):
            ok[unsure] = passes(rows[unsure], n[unsure])
        return ok

    return _scan(start, inverse_b, a, np.floor(a), test, passes)


def _erlang_a_minimum(
    a: FloatArray,
    h: FloatArray,
    p: FloatArray,
    g: FloatArray,
    t: FloatArray,
    cap: FloatArray | None,
) -> IntArray:
    zero = np.zeros_like(t)

    def passes(rows: IntArray, n: FloatArray) -> BoolArray:
        ar, hr, pr = a[rows], h[rows], p[rows]
        ok: BoolArray = _erlang_a_service_level(n, ar, hr, pr, t[rows]) >= g[rows]
        if cap is not None:
            busy = _erlang_a_occupancy(n, ar, hr, pr, zero[rows])
            ok &= busy <= cap[rows] + _OCCUPANCY_SLACK
        return ok

    # At most n / A of the calls can be answered, so every n below g·A fails.
    lowest = np.maximum(np.ceil(g * a * (1.0 - 1e-9)) - 1.0, 0.0)
    guess = np.maximum(_square_root_start(a, h, g, t) - 1.0, lowest + 1.0)
    ratio = p / h
    x = a * ratio
    fast = x <= _SERIES_MAX_LOAD
    if np.all(fast):
        return _erlang_a_scan(a, ratio, x, g, t / p, cap, lowest, guess, passes)
    answer = np.empty_like(a)
    slow = np.flatnonzero(~fast)
    answer[slow] = _smallest_passing(lowest[slow], guess[slow], _restricted(passes, slow))
    quick = np.flatnonzero(fast)
    if quick.size:
        answer[quick] = _erlang_a_scan(
            a[quick],
            ratio[quick],
            x[quick],
            g[quick],
            t[quick] / p[quick],
            None if cap is None else cap[quick],
            lowest[quick],
            guess[quick],
            _restricted(passes, quick),
        )
    return answer.astype(np.int64)


def _erlang_a_scan(
    a: FloatArray,
    ratio: FloatArray,
    x: FloatArray,
    g: FloatArray,
    theta_t: FloatArray,
    cap: FloatArray | None,
    lowest: FloatArray,
    guess: FloatArray,
    passes: _Passes,
) -> IntArray:
    """:func:`_scan` with the Erlang A shortcut test (series bounds, then ``passes``).

    The intervals are sorted once by the length of their series (taken one agent below the
    guess, where most tests happen) and scanned in that order, so each test
    sums its series over contiguous tails without sorting again, in one preallocated
    workspace.
    """
    y = x * np.exp(-theta_t)
    terms = _series_terms(np.maximum(guess - 1.0, 0.0) * ratio + 2.0, x, _SERIES_LOOSE)
    order = np.argsort(terms, kind="stable")
    a, ratio, x, y, g, theta_t, lowest, guess = (
        v.take(order) for v in (a, ratio, x, y, g, theta_t, lowest, guess)
    )
    terms = terms.take(order)
    late = x - y - theta_t
    guard = _guard(g)
    limit = None if cap is None else cap.take(order) + _OCCUPANCY_SLACK
    columns = (a, ratio, x, y, late, theta_t, g, guard)
    work = _work_buffer(len(columns) + _BOUNDS_BUFFERS + _SERIES_BUFFERS, a.size)

    def decide(
        rows: IntArray,
        n: FloatArray,
        inv_b: FloatArray,
        picked: list[FloatArray],
        sums: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
        scratch: FloatArray,
    ) -> tuple[BoolArray, BoolArray]:
        ar, rr, xr, _, lr, tr, gr, grd = picked
        low, high, busy_low, busy_high = _erlang_a_bounds(
            n, ar, rr, xr, lr, tr, inv_b, sums, scratch, limit is not None
        )
        np.add(gr, grd, out=scratch[0])
        ok = low >= scratch[0]
        np.subtract(gr, grd, out=scratch[0])
        fail = high < scratch[0]
        if limit is not None:
            lim = limit[rows]
            bg = _GUARD_RELATIVE * lim + _GUARD_ABSOLUTE
            ok &= busy_high <= lim - bg
            fail |= busy_low > lim + bg
        return ok, fail

    def test(rows: IntArray, n: FloatArray, inv_b: FloatArray) -> BoolArray:
        size = rows.size
        if size == a.size:  # the first round tests every interval, in order
            picked = list(columns)
        else:
            picked = [np.take(c, rows, out=work[i, :size]) for i, c in enumerate(columns)]
        rest = work[len(columns) :, :size]
        series, scratch = rest[:_SERIES_BUFFERS], rest[_SERIES_BUFFERS:]
        b = np.multiply(n, picked[1], out=scratch[0])
        b += 2.0
        sums = _kummer_sums(b, picked[2], picked[3], terms[rows], series)
        ok, fail = decide(rows, n, inv_b, picked, sums, scratch)
        unsure = np.flatnonzero(~ok & ~fail)
        if unsure.size:
            r_u, n_u = rows[unsure], n[unsure]
            b_u = n_u * ratio[r_u] + 2.0
            tight = _kummer_pair(b_u, x[r_u], y[r_u], _SERIES_TIGHT)
            picked_u = [c[r_u] for c in columns]
            spare = np.empty((_BOUNDS_BUFFERS, unsure.size))
            ok_u, fail_u = decide(r_u, n_u, inv_b[unsure], picked_u, tight, spare)
            close = ~ok_u & ~fail_u
            if np.any(close):
                ok_u[close] = passes(order[r_u[close]], n_u[close])
            ok[unsure] = ok_u
        return ok

    inverse_b = _inverse_erlang_b(guess, a)
    found = _scan(guess, inverse_b, a, lowest, test, _restricted(passes, order))
    answer = np.empty(found.size, dtype=np.int64)
    answer[order] = found
    return answer


def _erlang_a_bounds(
    n: FloatArray,
    a: FloatArray,
    ratio: FloatArray,
    x: FloatArray,
    late: FloatArray,
    theta_t: FloatArray,
    inverse_b: FloatArray,
    sums: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    scratch: FloatArray,
    occupancy_too: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r"""Bounds on the Erlang A service level and occupancy from cut Kummer series.

    With :math:`k = a/(a+1)`, :math:`m = x/(a+1)`, :math:`w = u^{a+1} e^{x - y}` and the
    sums :math:`S_2 \in [s, s(1 + \rho)]`, :math:`T \in [\tau, \tau(1 + \rho)]` (``sums`` are
    :math:`s`, :math:`\tau` and their rests; :math:`\rho` is the larger relative rest):
    :math:`SL = N/D`, :math:`N = R + kS_2 - kwT`, :math:`D = R + 1 + mS_2`. Over the box
    :math:`N` moves by at most :math:`\rho\max(ks, kw\tau)` and :math:`D` by at most
    :math:`\rho m s`, so with :math:`0 \le N/D \le 1`,
    :math:`|SL - N_0/D_0| \le \rho\,(ks + kw\tau + ms)/D_0`. Occupancy is
    :math:`\min(1, (A/n)(R + kS_2)/D)`, bounded the same way (only when ``occupancy_too``;
    otherwise those bounds are meaningless). ``late`` is :math:`x - y - \theta t`, so
    :math:`w = e^{\text{late} - a\theta t}`. Results are views into ``scratch``
    (:data:`_BOUNDS_BUFFERS` rows of at least ``n.size``).
    """
    s2, tt, s2_rest, tt_rest = sums
    w = [scratch[i, : n.size] for i in range(_BOUNDS_BUFFERS)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        agents_a = np.multiply(n, ratio, out=w[0])
        above = np.add(agents_a, 1.0, out=w[1])
        k = np.divide(agents_a, above, out=w[2])
        m = np.divide(x, above, out=w[1])
        rho = np.divide(s2_rest, s2, out=w[3])
        np.maximum(rho, np.divide(tt_rest, tt, out=w[4]), out=rho)
        ks = np.multiply(k, s2, out=w[4])
        ms = np.multiply(m, s2, out=w[1])
        kwt = np.multiply(agents_a, theta_t, out=w[0])
        np.subtract(late, kwt, out=kwt)
        np.exp(kwt, out=kwt)
        kwt *= k
        kwt *= tt
        den = np.add(inverse_b, ms, out=w[2])
        served = np.subtract(inverse_b, 1.0, out=w[5])
        served += ks
        mid = np.subtract(served, kwt, out=w[6])
        mid /= den
        error = np.add(ks, kwt, out=w[7])
        error += ms
        error *= rho
        error /= den
        error *= 1.001
        low = np.subtract(mid, error, out=w[8])
        high = np.add(mid, error, out=w[9])
        if not occupancy_too:
            return low, high, low, high
        scale = np.divide(a, n, out=w[0])
        busy = np.divide(served, den, out=w[6])
        busy *= scale
        busy_error = np.add(ks, ms, out=w[7])
        busy_error *= rho
        busy_error /= den
        busy_error *= 1.001 * scale
        busy_low = np.minimum(busy - busy_error, 1.0, out=w[4])
        busy_high = np.minimum(busy + busy_error, 1.0, out=w[5])
    return low, high, busy_low, busy_high


def _kummer_pair(
    b: FloatArray, x: FloatArray, y: FloatArray, level: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r""":func:`_kummer_sums` over :math:`J` terms from :func:`_series_terms` (any order)."""
    counts = _series_terms(b, x, level)
    order = np.argsort(counts, kind="stable")
    work = np.empty((_SERIES_BUFFERS, b.size))
    found = _kummer_sums(b[order], x[order], y[order], counts[order], work)
    out = np.empty((4, b.size))
    for row, values in enumerate(found):
        out[row, order] = values
    return out[0], out[1], out[2], out[3]


def _kummer_sums(
    b: FloatArray,
    x: FloatArray,
    y: FloatArray,
    counts: npt.NDArray[np.int16],
    work: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r""":math:`M(1, b, x)` and :math:`M(1, b, y)` for :math:`0 \le y \le x`, with bounds.

    Both series :math:`\sum_j z^j / (b)_j` are summed over the same :math:`J + 1` terms
    (``counts``, ascending, so each step works on a contiguous tail),
    :math:`t_{j+1} = t_j\, z / (b + j)`; the last few long rows are finished as one block of
    cumulative products. The rest of each series is at most :math:`t_J\, q / (1 - q)`,
    :math:`q = z / (b + J)` (``inf`` when :math:`q \ge 1`). Returns
    ``(sum_x, sum_y, rest_x, rest_y)`` as views into ``work`` (:data:`_SERIES_BUFFERS` rows
    of at least ``b.size``).
    """
    size = b.size
    term_x, term_y, sum_x, sum_y, rest_x, rest_y, den, quotient = (
        work[i, :size] for i in range(_SERIES_BUFFERS)
    )
    for v in (term_x, term_y, sum_x, sum_y):
        v.fill(1.0)
    top = int(counts[-1]) if size else 0
    firsts = np.searchsorted(counts, np.arange(1, top + 1), side="left").tolist()
    for j, first in enumerate(firsts):
        if size - first <= _SERIES_BLOCK_ROWS and top - j > 2:
            # A few long rows left: the remaining terms as one block of cumulative products.
            width = np.arange(top - j, dtype=np.float64)
            denominators = b[first:, None] + (j + width)
            wanted = counts[first:, None] - j
            valid = width < wanted
            picks = np.arange(size - first), (wanted[:, 0] - 1).astype(np.intp)
            for term, total, z in ((term_x, sum_x, x), (term_y, sum_y, y)):
                block = np.where(valid, z[first:, None] / denominators, 0.0)
                block = term[first:, None] * np.cumprod(block, axis=1)
                total[first:] += block.sum(axis=1)
                term[first:] = block[picks]
            break
        d = np.add(b[first:], j, out=den[first:])
        q = np.divide(x[first:], d, out=quotient[first:])
        tail = term_x[first:]
        tail *= q
        sum_x[first:] += tail
        q = np.divide(y[first:], d, out=q)
        tail = term_y[first:]
        tail *= q
        sum_y[first:] += tail
    last = np.add(b, counts, out=den)
    with np.errstate(divide="ignore", invalid="ignore"):
        for term, z, rest in ((term_x, x, rest_x), (term_y, y, rest_y)):
            q = np.divide(z, last, out=quotient)
            np.subtract(1.0, q, out=rest)
            np.divide(q, rest, out=rest)
            rest *= term
            rest[q >= 1.0] = np.inf
    return sum_x, sum_y, rest_x, rest_y


def _series_terms(b: FloatArray, x: FloatArray, level: float) -> npt.NDArray[np.int16]:
    r"""Terms :math:`J` after which :math:`x^J / (b)_J` is about :math:`e^{-\text{level}}`.

    With :math:`\ell = \log(b/x)` and :math:`\log(x^j/(b)_j) \approx -j\ell - j^2/(2b)` for
    :math:`x \le b`, :math:`J \approx 2L / (\ell + \sqrt{\ell^2 + 2L/b})`; for :math:`x > b`
    the terms grow up to :math:`j \approx x - b` and
    :math:`J \approx (x - b) + \sqrt{2xL + (x - b)^2}`. Both get a quarter more as margin
    (the bounds of :func:`_kummer_pair` stay rigorous whatever :math:`J` is).
    """
    with np.errstate(divide="ignore"):
        ell = np.log(b / x)
    peak = np.maximum(x - b, 0.0)
    below = 2.0 * level / (ell + np.sqrt(ell * ell + 2.0 * level / b))
    above = peak + np.sqrt(2.0 * x * level + peak * peak)
    j = 1.25 * np.where(ell >= 0.0, below, above) + 1.0
    j = np.minimum(np.where(np.isfinite(j), np.ceil(j), 1.0), _SERIES_MAX_TERMS)
    return j.astype(np.int16)
