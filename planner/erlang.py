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

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "ErlangAMetrics",
    "erlang_a_metrics",
    "erlang_a_occupancy",
    "erlang_a_service_level",
    "erlang_c_asa",
    "erlang_c_service_level",
    "erlang_c_wait_probability",
    "occupancy",
    "offered_load",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

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
    occ = np.where(a > 0, 1.0, 0.0)
    patient = np.isinf(p) & (a > 0)
    if np.any(patient):
        occ[patient] = _occupancy(n[patient], a[patient])
    regular = (a > 0) & (n >= 1) & ~np.isinf(p)
    if np.any(regular):
        parts = _erlang_a_parts(n[regular], a[regular], h[regular], p[regular], t[regular])
        answered = parts.no_wait + parts.wait * parts.served_given_wait
        occ[regular] = np.minimum(a[regular] * answered / n[regular], 1.0)
    return occ.reshape(shape)


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
