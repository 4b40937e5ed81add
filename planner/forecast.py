"""Interval call-volume forecast from history.

The model is a multiplicative decomposition fitted per skill on daily totals in log space,
with a separate time-of-day profile per weekday and a handling-time profile per time of
day. It is small, explainable and needs no more than a few weeks of history; see
:func:`forecast_volume` for the formulas.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

COLUMNS: tuple[str, ...] = ("interval_start", "skill", "calls", "aht_seconds")

TREND_DAMPING_PER_DAY = 0.98
"""Damping ``φ`` of the trend: ``h`` days ahead the trend adds ``Σ_{i=1..h} φ^i`` days' slope."""

MAX_TREND_PER_WEEK = 0.05
"""The fitted trend is clipped to ±5 % a week so a short or odd history cannot run away."""

MIN_DAYS_FOR_TREND = 21
MIN_DAYS_FOR_DAY_OF_MONTH = 28
MIN_DAYS_FOR_CLOSED_WEEKDAY = 14
"""A weekday with no history at all in this many days is taken as closed (0 calls)."""
SHAPE_HISTORY_DAYS = 56
AHT_HISTORY_DAYS = 28

SHAPE_PRIOR_CALLS = 1500.0
"""Calls' worth of weight given to the pooled profile when estimating one weekday's profile."""

AHT_PRIOR_CALLS = 30.0
"""Calls' worth of weight given to the skill's mean handling time in one interval's estimate."""

OUTLIER_SIGMAS = 3.5
"""Days whose log total is further than this many robust standard deviations from the fit
(holidays, outages) are left out of the next fitting round."""

DAY_OF_MONTH_KERNEL = (0.5, 1.0, 0.5)
"""Weights of the previous, same and next day of the month in a day-of-month effect."""

_BACKFIT_ROUNDS = 4
_WEEKEND = (5, 6)


FloatArray = npt.NDArray[np.float64]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interval_start": pd.Series([], dtype="datetime64[ns]"),
            "skill": pd.Series([], dtype=object),
            "calls": pd.Series([], dtype=float),
            "aht_seconds": pd.Series([], dtype=float),
        }
    )


def _prepare(history: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Clean history: aligned to the interval grid, one row per (interval, skill).

    Rows without a call count are dropped; negative counts become 0. Several rows in one
    interval (finer history, duplicates) are summed, with a call-weighted handling time.
    """
    missing = [c for c in COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks column(s): {', '.join(missing)}")
    if interval_minutes <= 0:
        raise ValueError("interval_minutes must be positive")
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(history["interval_start"]),
            "skill": history["skill"].astype(str),
            "calls": pd.to_numeric(history["calls"], errors="coerce"),
            "aht_seconds": pd.to_numeric(history["aht_seconds"], errors="coerce"),
        }
    )
    if isinstance(frame["interval_start"].dtype, pd.DatetimeTZDtype):
        frame["interval_start"] = frame["interval_start"].dt.tz_localize(None)
    frame = frame.dropna(subset=["interval_start", "calls"])
    if frame.empty:
        return frame
    frame["calls"] = frame["calls"].clip(lower=0.0)
    frame["interval_start"] = frame["interval_start"].dt.floor(f"{interval_minutes}min")
    frame["handled"] = frame["calls"] * frame["aht_seconds"]
    frame["has_aht"] = frame["aht_seconds"].notna() & (frame["calls"] > 0)
    frame["handled_calls"] = frame["calls"].where(frame["has_aht"], 0.0)
    grouped = frame.groupby(["skill", "interval_start"], sort=True)
    out = grouped.agg(
        calls=("calls", "sum"),
        handled=("handled", "sum"),
        handled_calls=("handled_calls", "sum"),
        aht_plain=("aht_seconds", "mean"),
    ).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = out["handled"] / out["handled_calls"]
    out["aht_seconds"] = weighted.where(out["handled_calls"] > 0, out["aht_plain"])
    return out[["interval_start", "skill", "calls", "aht_seconds", "handled_calls"]]


@dataclass(frozen=True)
class _Grid:
    """One skill's history as a day × time-of-day matrix (NaN where nothing was recorded)."""

    first_day: pd.Timestamp
    tods: pd.TimedeltaIndex
    calls: FloatArray
    aht: FloatArray
    weekdays: npt.NDArray[np.int64]
    days_of_month: npt.NDArray[np.int64]


def _grid(frame: pd.DataFrame) -> _Grid:
    starts = frame["interval_start"]
    days = starts.dt.normalize()
    tod = starts - days
    first_day = days.min()
    all_days = pd.date_range(first_day, days.max(), freq="D")
    tods = pd.TimedeltaIndex(np.sort(tod.unique()))
    row = ((days - first_day) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    col = tods.get_indexer(pd.TimedeltaIndex(tod))
    calls = np.full((len(all_days), len(tods)), np.nan)
    aht = np.full_like(calls, np.nan)
    calls[row, col] = frame["calls"].to_numpy(dtype=float)
    handled_calls = frame["handled_calls"].to_numpy(dtype=float)
    aht_values = frame["aht_seconds"].to_numpy(dtype=float)
    aht[row, col] = np.where(handled_calls > 0, aht_values, np.nan)
    return _Grid(
        first_day=first_day,
        tods=tods,
        calls=calls,
        aht=aht,
        weekdays=np.asarray(all_days.day_of_week, dtype=np.int64),
        days_of_month=np.asarray(all_days.day, dtype=np.int64),
    )


def _normalise(values: FloatArray) -> FloatArray:
    total = float(np.nansum(values))
    if not np.isfinite(total) or total <= 0.0:
        return np.full(values.shape, 1.0 / values.size)
    return np.nan_to_num(values, nan=0.0) / total


def _profiles(grid: _Grid) -> FloatArray:
    """Time-of-day share of the day's calls per weekday (rows Monday … Sunday).

    Each weekday's profile is the mean calls per interval over its recent days, normalised,
    shrunk towards the pooled weekday or weekend profile, which is itself shrunk towards the
    profile of all days:
    ``p_dow = (N_dow·p̂_dow + K·p_group) / (N_dow + K)`` with ``N`` the calls observed and
    ``K`` = :data:`SHAPE_PRIOR_CALLS`.
    """
    recent = slice(max(0, grid.calls.shape[0] - SHAPE_HISTORY_DAYS), None)
    calls = grid.calls[recent]
    weekdays = grid.weekdays[recent]

    def mean_profile(mask: npt.NDArray[np.bool_]) -> tuple[FloatArray, float]:
        block = calls[mask]
        if block.size == 0 or np.all(np.isnan(block)):
            return np.full(calls.shape[1], np.nan), 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            means = np.nanmean(block, axis=0)
        return means, float(np.nansum(block))

    def shrink(own: FloatArray, weight: float, prior: FloatArray) -> FloatArray:
        if weight <= 0.0 or np.all(np.isnan(own)):
            return prior
        filled = np.where(np.isnan(own), prior * np.nansum(own), own)
        share = _normalise(filled)
        return _normalise(weight * share + SHAPE_PRIOR_CALLS * prior)

    all_means, all_weight = mean_profile(np.ones(len(weekdays), dtype=bool))
    overall = _normalise(np.nan_to_num(all_means, nan=0.0))
    if all_weight <= 0.0:
        overall = np.full(calls.shape[1], 1.0 / calls.shape[1])
    profiles = np.empty((7, calls.shape[1]))
    for group in (np.array([0, 1, 2, 3, 4]), np.array(_WEEKEND)):
        group_means, group_weight = mean_profile(np.isin(weekdays, group))
        group_profile = shrink(group_means, group_weight, overall)
        for weekday in group:
            own_means, own_weight = mean_profile(weekdays == weekday)
            profiles[weekday] = shrink(own_means, own_weight, group_profile)
    return profiles


def _daily_totals(grid: _Grid, profiles: FloatArray) -> FloatArray:
    """Each day's total calls; a partly recorded day is scaled up by the share it covers.

    A day with less than half of its expected calls' share recorded is treated as missing.
    """
    observed = ~np.isnan(grid.calls)
    share = (profiles[grid.weekdays] * observed).sum(axis=1)
    sums = np.nansum(grid.calls, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        totals: FloatArray = sums / share
    totals[share < 0.5] = np.nan
    return totals


def _theil_sen_slope(t: FloatArray, y: FloatArray) -> float:
    if len(t) < 3 or np.ptp(t) == 0:
        return 0.0
    # scipy.stats takes about a second to import; only a forecast with a trend needs it.
    from scipy.stats import theilslopes

    return float(theilslopes(y, t).slope)


@dataclass(frozen=True)
class _DailyFit:
    intercept: float
    slope: float
    weekday_effect: FloatArray
    day_of_month_effect: FloatArray
    last_index: int
    log_variance: float
    closed_weekdays: frozenset[int]


def _robust_sigma(values: FloatArray) -> float:
    if values.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def _fit_daily(
    totals: FloatArray, weekdays: npt.NDArray[np.int64], doms: npt.NDArray[np.int64]
) -> _DailyFit:
    """Fit ``log(1 + D) = a + b·t + w[weekday] + g[day of month]`` by backfitting.

    ``b`` is the Theil–Sen slope (robust to a few odd days), ``w`` the mean residual per
    weekday (centred over the weekdays seen), ``g`` an empirical-Bayes shrunk mean residual
    per day of month; days far off the fit are dropped between rounds.
    """
    index = np.flatnonzero(~np.isnan(totals))
    y = np.log1p(totals[index])
    t = index.astype(float)
    wd = weekdays[index]
    dom = doms[index]
    span = int(index[-1] - index[0]) + 1 if index.size else 0
    keep = np.ones(index.size, dtype=bool)
    slope = 0.0
    intercept = float(np.mean(y)) if y.size else 0.0
    weekday_effect = np.zeros(7)
    dom_effect = np.zeros(32)
    max_slope = np.log1p(MAX_TREND_PER_WEEK) / 7.0
    for _ in range(_BACKFIT_ROUNDS):
        base = y - slope * t - dom_effect[dom]
        seen = [k for k in range(7) if np.any(keep & (wd == k))]
        means = {k: float(np.mean(base[keep & (wd == k)])) for k in seen}
        intercept = float(np.mean(list(means.values())))
        weekday_effect = np.zeros(7)
        for k, value in means.items():
            weekday_effect[k] = value - intercept
        if span >= MIN_DAYS_FOR_TREND:
            detrended = y - weekday_effect[wd] - dom_effect[dom]
            slope = float(
                np.clip(_theil_sen_slope(t[keep], detrended[keep]), -max_slope, max_slope)
            )
            intercept = float(np.mean(detrended[keep] - slope * t[keep]))
        if span >= MIN_DAYS_FOR_DAY_OF_MONTH:
            residual = y - intercept - slope * t - weekday_effect[wd]
            dom_effect = _day_of_month_effect(residual[keep], dom[keep], t[keep])
        residual = y - intercept - slope * t - weekday_effect[wd] - dom_effect[dom]
        sigma = _robust_sigma(residual[keep])
        if sigma > 0:
            inliers = np.abs(residual) <= OUTLIER_SIGMAS * max(sigma, 0.01)
            if inliers.sum() >= 0.75 * inliers.size and set(wd[inliers]) == set(wd):
                keep = inliers
    residual = y - intercept - slope * t - weekday_effect[wd] - dom_effect[dom]
    variance = _robust_sigma(residual[keep]) ** 2 if keep.any() else 0.0
    return _DailyFit(
        intercept=intercept,
        slope=slope,
        weekday_effect=weekday_effect,
        day_of_month_effect=dom_effect,
        last_index=int(index[-1]) if index.size else 0,
        log_variance=min(variance, 0.25),
        closed_weekdays=frozenset(
            k for k in range(7) if span >= MIN_DAYS_FOR_CLOSED_WEEKDAY and not np.any(wd == k)
        ),
    )


def _day_of_month_effect(
    residual: FloatArray, dom: npt.NDArray[np.int64], t: FloatArray
) -> FloatArray:
    """Smoothed mean residual per day of month, shrunk by how much it stands out from noise.

    ``r̄_k`` is the mean residual of days ``k − 1, k, k + 1`` of the month weighted
    ``½, 1, ½`` (a monthly pattern spans several days; one odd day is not a pattern), with
    ``n_k`` its effective number of days. Then ``g_k = r̄_k · τ² / (τ² + σ²/n_k)``: ``σ²``
    is the day-to-day noise, estimated from successive differences of the residuals in time
    order (a day-of-month pattern changes slowly, so differencing removes most of it); ``τ²``
    is the spread of the true effects, the variance of the ``r̄_k`` less the noise they
    carry. With no real effect ``τ² ≈ 0`` and every ``g_k`` shrinks to 0.
    """
    effect = np.zeros(32)
    if residual.size < 3:
        return effect
    order = np.argsort(t)
    noise = _robust_sigma(np.diff(residual[order])) ** 2 / 2.0
    kernel = np.array(DAY_OF_MONTH_KERNEL)
    counts = np.bincount(dom, minlength=32).astype(float)
    counts[0] = 0.0
    sums = np.bincount(dom, weights=residual, minlength=32)
    weights = np.convolve(counts, kernel, mode="same")
    squares = np.convolve(counts, kernel**2, mode="same")
    weighted = np.convolve(sums, kernel, mode="same")
    seen = weights > 0
    seen[0] = False
    means = np.zeros(32)
    means[seen] = weighted[seen] / weights[seen]
    means[seen] -= np.average(means[seen], weights=weights[seen])
    effective = np.zeros(32)
    effective[seen] = weights[seen] ** 2 / squares[seen]
    spread = float(np.var(means[seen])) - float(np.mean(noise / effective[seen]))
    if spread <= 0.0:
        return effect
    effect[seen] = means[seen] * spread / (spread + noise / effective[seen])
    return effect


def _damped_steps(horizon: FloatArray) -> FloatArray:
    """``Σ_{i=1..h} φ^i`` for ``h > 0``; ``h`` itself (no damping) inside the history."""
    phi = TREND_DAMPING_PER_DAY
    ahead = np.maximum(horizon, 0.0)
    damped = phi * (1.0 - phi**ahead) / (1.0 - phi)
    return np.where(horizon > 0, damped, horizon)


def _aht_profile(grid: _Grid) -> FloatArray:
    """Recent call-weighted handling time per time of day, shrunk towards the skill's mean.

    ``aht_t = (Σ calls·aht + K·ā) / (Σ calls + K)`` over the last :data:`AHT_HISTORY_DAYS`
    days, with ``ā`` the call-weighted mean of the skill over the same days and ``K`` =
    :data:`AHT_PRIOR_CALLS`. Falls back to all of the history, then to a plain mean.
    """
    for days in (AHT_HISTORY_DAYS, grid.calls.shape[0]):
        calls = grid.calls[-days:]
        aht = grid.aht[-days:]
        weight = np.where(np.isnan(aht) | np.isnan(calls), 0.0, calls)
        handled = np.nansum(weight * np.nan_to_num(aht), axis=0)
        volume = weight.sum(axis=0)
        if volume.sum() > 0:
            mean = handled.sum() / volume.sum()
            return np.asarray((handled + AHT_PRIOR_CALLS * mean) / (volume + AHT_PRIOR_CALLS))
    if np.all(np.isnan(grid.aht)):
        return np.zeros(grid.calls.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        plain = np.nanmean(grid.aht, axis=0)
    return np.asarray(np.where(np.isnan(plain), np.nanmean(grid.aht), plain))


def _forecast_skill(frame: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    grid = _grid(frame)
    profiles = _profiles(grid)
    totals = _daily_totals(grid, profiles)
    fit = _fit_daily(totals, grid.weekdays, grid.days_of_month)
    index = ((days - grid.first_day) // pd.Timedelta(days=1)).to_numpy(dtype=float)
    steps = np.where(
        index > fit.last_index, fit.last_index + _damped_steps(index - fit.last_index), index
    )
    weekdays = np.asarray(days.day_of_week, dtype=np.int64)
    log_total = (
        fit.intercept
        + fit.slope * steps
        + fit.weekday_effect[weekdays]
        + fit.day_of_month_effect[np.asarray(days.day, dtype=np.int64)]
        + fit.log_variance / 2.0
    )
    daily = np.maximum(np.expm1(log_total), 0.0)
    daily[np.isin(weekdays, list(fit.closed_weekdays))] = 0.0
    calls = daily[:, None] * profiles[weekdays]
    aht = np.broadcast_to(_aht_profile(grid), calls.shape)
    starts = (days.to_numpy()[:, None] + grid.tods.to_numpy()[None, :]).ravel()
    return pd.DataFrame(
        {
            "interval_start": pd.to_datetime(starts),
            "skill": str(frame["skill"].iloc[0]),
            "calls": np.round(np.maximum(calls.ravel(), 0.0), 1),
            "aht_seconds": np.round(aht.ravel(), 1),
        }
    )


def _dates(start: date, end: date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")


def forecast_volume(
    history: pd.DataFrame, start: date, end: date, interval_minutes: int
) -> pd.DataFrame:
    """Forecast calls and handling time per interval and skill for the days ``start``–``end``.

    Parameters
    ----------
    history : pandas.DataFrame
        Columns ``interval_start`` (naive local datetime), ``skill``, ``calls`` and
        ``aht_seconds`` (seconds). Missing intervals or days are gaps, not zeros.
    start, end : datetime.date
        First and last local day to forecast (inclusive).
    interval_minutes : int
        The team's interval; history is aligned down to it (finer history is summed).

    Returns
    -------
    pandas.DataFrame
        The same columns, one row per skill and interval of every day in ``[start, end]`` at
        the times of day the skill's history has, sorted by ``interval_start`` then
        ``skill``. ``calls`` (calls per interval, ≥ 0) and ``aht_seconds`` are floats rounded
        to 0.1. Empty when the history is empty or ``start > end``.

    Notes
    -----
    Per skill, with ``D`` the calls of a day ``d`` and ``t`` its index in days::

        log(1 + D_d) = a + b·t_d + w[weekday(d)] + g[day_of_month(d)] + ε_d
        calls(d, i) = D̂_d · p[weekday(d), i]

    * ``b`` is a Theil–Sen slope (median of pairwise slopes), clipped to
      ±:data:`MAX_TREND_PER_WEEK` and fitted only with at least :data:`MIN_DAYS_FOR_TREND`
      days of history. Beyond the last day of history the trend is damped: ``h`` days ahead
      it contributes ``b·Σ_{i=1..h} φ^i`` with ``φ`` = :data:`TREND_DAMPING_PER_DAY`.
    * ``w`` are the weekday effects (mean residual per weekday).
    * ``g`` is a day-of-month effect (a mid-month peak for loans, say) learnt from the data
      with at least :data:`MIN_DAYS_FOR_DAY_OF_MONTH` days of history: the mean residual per
      day of month, shrunk towards 0 by an empirical-Bayes factor so that noise is not
      mistaken for a pattern.
    * The terms are fitted by backfitting; days more than :data:`OUTLIER_SIGMAS` robust
      standard deviations off the fit are set aside, and ``D̂ = exp(ŷ + σ²/2) − 1`` corrects
      for the log transform.
    * ``p`` is the time-of-day share of the day's calls per weekday over the last
      :data:`SHAPE_HISTORY_DAYS` days, shrunk towards the weekday/weekend profile.
    * Handling time per time of day is the call-weighted mean over the last
      :data:`AHT_HISTORY_DAYS` days, shrunk towards the skill's mean.

    With little history the terms it cannot support are left out: one day of history
    repeats that day's total and profile on every day. A weekday absent from at least
    :data:`MIN_DAYS_FOR_CLOSED_WEEKDAY` days of history is forecast with 0 calls (closed);
    single missing days or intervals are gaps and do not lower the forecast.
    """
    if start > end:
        return _empty()
    frame = _prepare(history, interval_minutes)
    if frame.empty:
        return _empty()
    days = _dates(start, end)
    parts = [_forecast_skill(group, days) for _, group in frame.groupby("skill", sort=True)]
    return _sorted(parts)


def _sorted(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["interval_start", "skill"], kind="stable").reset_index(drop=True)


def seasonal_naive(
    history: pd.DataFrame, start: date, end: date, interval_minutes: int
) -> pd.DataFrame:
    """Baseline forecast: each interval takes the value of the same interval a week earlier.

    When the week before is not in the history (a horizon of more than a week, or a gap),
    the value comes from the most recent earlier week that has the interval; intervals with
    none get 0 calls and the skill's mean handling time. Same columns and rows as
    :func:`forecast_volume`.
    """
    if start > end:
        return _empty()
    frame = _prepare(history, interval_minutes)
    if frame.empty:
        return _empty()
    days = _dates(start, end)
    parts = []
    for skill, group in frame.groupby("skill", sort=True):
        series = group.set_index("interval_start")
        tods = pd.TimedeltaIndex(
            np.sort((group["interval_start"] - group["interval_start"].dt.normalize()).unique())
        )
        targets = pd.DatetimeIndex((days.to_numpy()[:, None] + tods.to_numpy()[None, :]).ravel())
        calls = pd.Series(np.nan, index=targets)
        aht = pd.Series(np.nan, index=targets)
        first = group["interval_start"].min()
        weeks = max(1, int((targets.max() - first) / pd.Timedelta(days=7)) + 1)
        for k in range(1, weeks + 1):
            source = targets - pd.Timedelta(days=7 * k)
            todo = calls.isna().to_numpy()
            if not todo.any():
                break
            found_calls = series["calls"].reindex(source).to_numpy()
            found_aht = series["aht_seconds"].reindex(source).to_numpy()
            calls[todo] = found_calls[todo]
            aht[todo] = found_aht[todo]
        mean_aht = (
            float(np.nanmean(group["aht_seconds"])) if group["aht_seconds"].notna().any() else 0.0
        )
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": targets,
                    "skill": str(skill),
                    "calls": np.round(calls.fillna(0.0).to_numpy(dtype=float), 1),
                    "aht_seconds": np.round(aht.fillna(mean_aht).to_numpy(dtype=float), 1),
                }
            )
        )
    return _sorted(parts)


def wape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Weighted absolute percentage error ``Σ|a − f| / Σ|a|`` (0 is perfect).

    Pairs where either value is NaN are ignored. With no actual volume the error is 0 when
    the forecast is also all zero, else infinite.
    """
    a = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    if a.shape != f.shape:
        raise ValueError(f"actual has {a.size} values, forecast {f.size}")
    valid = ~(np.isnan(a) | np.isnan(f))
    error = float(np.abs(a[valid] - f[valid]).sum())
    scale = float(np.abs(a[valid]).sum())
    if scale == 0.0:
        return 0.0 if error == 0.0 else float("inf")
    return error / scale


__all__ = [
    "COLUMNS",
    "forecast_volume",
    "seasonal_naive",
    "wape",
]
