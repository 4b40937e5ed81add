"""Interval forecast: known shapes are recovered, odd histories are handled."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.forecast import COLUMNS, forecast_volume, seasonal_naive, wape

WEEKDAY = (1.3, 1.05, 1.0, 1.0, 1.15, 0.6, 0.45)
TIME_OF_DAY = (0.5, 0.8, 1.1, 1.2, 1.0, 0.7, 0.9, 1.1, 1.0, 0.8, 0.6, 0.4)
TIMES = tuple(datetime(2000, 1, 1, 9) + timedelta(hours=i) for i in range(len(TIME_OF_DAY)))


def mean_calls(day: date, slot: int, origin: date, base: float, growth_per_week: float) -> float:
    weeks = (day - origin).days / 7
    return base * WEEKDAY[day.weekday()] * TIME_OF_DAY[slot] * (1 + growth_per_week * weeks)


def history(
    first: date,
    days: int,
    *,
    skill: str = "cards",
    base: float = 100.0,
    growth_per_week: float = 0.01,
    aht: float = 240.0,
    day_of_month: dict[int, float] | None = None,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        factor = (day_of_month or {}).get(day.day, 1.0)
        for slot, time in enumerate(TIMES):
            mean = max(0.0, factor * mean_calls(day, slot, first, base, growth_per_week))
            calls = float(rng.poisson(mean)) if rng is not None else mean
            rows.append((datetime.combine(day, time.time()), skill, calls, aht + 10 * slot))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    return frame


FIRST = date(2026, 3, 2)


def test_a_weekday_by_time_of_day_pattern_with_a_trend_is_recovered_within_a_few_percent() -> None:
    past = history(FIRST, 56)
    start = FIRST + timedelta(days=56)
    end = start + timedelta(days=13)
    result = forecast_volume(past, start, end, 60)
    truth = history(FIRST, 70).query("interval_start >= @start")
    merged = truth.merge(result, on=["interval_start", "skill"], suffixes=("", "_forecast"))
    assert len(merged) == len(truth) == len(result) == 14 * len(TIMES)
    assert wape(merged["calls"], merged["calls_forecast"]) < 0.02
    ratio = merged["calls_forecast"] / merged["calls"]
    assert ratio.between(0.96, 1.04).all()


def test_the_trend_is_damped_but_kept() -> None:
    past = history(FIRST, 56, growth_per_week=0.03)
    start = FIRST + timedelta(days=56)
    result = forecast_volume(past, start, start + timedelta(days=27), 60)
    result["day"] = result["interval_start"].dt.normalize()
    first_week = result[result["day"] < pd.Timestamp(start + timedelta(days=7))]["calls"].sum()
    last_week = result[result["day"] >= pd.Timestamp(start + timedelta(days=21))]["calls"].sum()
    growth = last_week / first_week - 1
    assert 0.0 < growth < 3 * 0.03 * 0.95


def test_noisy_history_is_forecast_close_to_the_true_mean() -> None:
    rng = np.random.default_rng(3)
    past = history(FIRST, 42, base=60.0, rng=rng)
    start = FIRST + timedelta(days=42)
    result = forecast_volume(past, start, start + timedelta(days=13), 60)
    truth = history(FIRST, 56, base=60.0).query("interval_start >= @start")
    merged = truth.merge(result, on=["interval_start", "skill"], suffixes=("", "_forecast"))
    assert wape(merged["calls"], merged["calls_forecast"]) < 0.05


def test_a_mid_month_peak_is_learnt_from_the_data() -> None:
    peak = {d: 1.4 for d in range(10, 21)}
    rng = np.random.default_rng(5)
    past = history(date(2026, 1, 5), 70, skill="loans", base=30.0, day_of_month=peak, rng=rng)
    result = forecast_volume(past, date(2026, 3, 16), date(2026, 4, 26), 60)
    daily = result.groupby(result["interval_start"].dt.normalize())["calls"].sum()
    weekdays = daily[daily.index.day_of_week < 5]
    mid = weekdays[(weekdays.index.day >= 11) & (weekdays.index.day <= 19)].mean()
    rest = weekdays[(weekdays.index.day <= 7) | (weekdays.index.day >= 23)].mean()
    assert mid / rest == pytest.approx(1.4, rel=0.1)


def test_no_day_of_month_effect_is_invented_from_noise() -> None:
    rng = np.random.default_rng(9)
    past = history(date(2026, 1, 5), 70, base=80.0, growth_per_week=0.0, rng=rng)
    result = forecast_volume(past, date(2026, 3, 16), date(2026, 4, 12), 60)
    daily = result.groupby(result["interval_start"].dt.normalize())["calls"].sum()
    mondays = daily[daily.index.day_of_week == 0]
    assert mondays.max() / mondays.min() < 1.05


def test_handling_time_is_the_recent_call_weighted_mean_per_time_of_day() -> None:
    past = history(FIRST, 28)
    result = forecast_volume(past, FIRST + timedelta(days=28), FIRST + timedelta(days=28), 60)
    expected = [240.0 + 10 * slot for slot in range(len(TIMES))]
    assert result["aht_seconds"].tolist() == pytest.approx(expected, rel=0.01)


def test_an_empty_history_gives_an_empty_frame_with_the_columns() -> None:
    empty = pd.DataFrame({c: [] for c in COLUMNS})
    for model in (forecast_volume, seasonal_naive):
        result = model(empty, date(2026, 1, 1), date(2026, 1, 7), 30)
        assert result.empty
        assert list(result.columns) == list(COLUMNS)


def test_a_reversed_range_gives_an_empty_frame() -> None:
    result = forecast_volume(history(FIRST, 14), date(2026, 5, 2), date(2026, 5, 1), 60)
    assert result.empty


def test_missing_columns_are_refused_with_their_names() -> None:
    with pytest.raises(ValueError, match="aht_seconds"):
        forecast_volume(
            pd.DataFrame({"interval_start": [], "skill": [], "calls": []}), FIRST, FIRST, 30
        )


def test_one_day_of_history_repeats_that_day() -> None:
    past = history(FIRST, 1)
    start = FIRST + timedelta(days=1)
    result = forecast_volume(past, start, start + timedelta(days=6), 60)
    assert len(result) == 7 * len(TIMES)
    for _, day in result.groupby(result["interval_start"].dt.normalize()):
        assert day["calls"].tolist() == pytest.approx(past["calls"].tolist(), rel=0.01)


def test_a_skill_with_little_history_falls_back_while_others_get_the_full_model() -> None:
    past = pd.concat(
        [history(FIRST, 56), history(FIRST + timedelta(days=50), 6, skill="wealth", base=5.0)]
    )
    start = FIRST + timedelta(days=56)
    result = forecast_volume(past, start, start + timedelta(days=6), 60)
    assert set(result["skill"]) == {"cards", "wealth"}
    assert (result.groupby("skill").size() == 7 * len(TIMES)).all()
    wealth = result[result["skill"] == "wealth"]
    assert wealth["calls"].sum() == pytest.approx(
        past[past["skill"] == "wealth"]["calls"].sum() * 7 / 6, rel=0.25
    )


def test_gaps_in_the_history_are_not_read_as_zero_calls() -> None:
    past = history(FIRST, 56)
    stamps = past["interval_start"]
    lost_week = (stamps >= pd.Timestamp(FIRST + timedelta(days=21))) & (
        stamps < pd.Timestamp(FIRST + timedelta(days=28))
    )
    lost_afternoons = (stamps.dt.hour >= 15) & (stamps.dt.day % 3 == 0)
    gappy = past[~lost_week & ~lost_afternoons]
    start = FIRST + timedelta(days=56)
    result = forecast_volume(gappy, start, start + timedelta(days=13), 60)
    full = forecast_volume(past, start, start + timedelta(days=13), 60)
    assert len(result) == len(full)
    assert wape(full["calls"], result["calls"]) < 0.03


def test_history_finer_than_the_interval_is_summed_onto_the_interval_grid() -> None:
    past = history(FIRST, 28)
    halves = pd.concat(
        [
            past.assign(calls=past["calls"] / 2),
            past.assign(
                calls=past["calls"] / 2,
                interval_start=past["interval_start"] + pd.Timedelta(minutes=30),
            ),
        ]
    )
    start = FIRST + timedelta(days=28)
    coarse = forecast_volume(halves, start, start + timedelta(days=6), 60)
    direct = forecast_volume(past, start, start + timedelta(days=6), 60)
    assert coarse["interval_start"].tolist() == direct["interval_start"].tolist()
    assert coarse["calls"].to_numpy() == pytest.approx(direct["calls"].to_numpy(), abs=0.2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.integers(min_value=1, max_value=40),
    base=st.floats(min_value=0.0, max_value=20.0),
    seed=st.integers(min_value=0, max_value=10_000),
    horizon=st.integers(min_value=1, max_value=20),
)
def test_forecasts_are_never_negative_and_cover_every_interval(
    days: int, base: float, seed: int, horizon: int
) -> None:
    rng = np.random.default_rng(seed)
    past = history(FIRST, days, base=base, growth_per_week=-0.2, rng=rng)
    past = past.sample(frac=0.9, random_state=seed)
    start = FIRST + timedelta(days=days)
    result = forecast_volume(past, start, start + timedelta(days=horizon - 1), 60)
    times = past["interval_start"].dt.time.nunique()
    assert len(result) == horizon * times
    assert (result["calls"] >= 0).all()
    assert np.isfinite(result["calls"]).all()
    assert (result["calls"] * 10 == (result["calls"] * 10).round()).all()
    assert list(result.columns) == list(COLUMNS)


def test_rows_are_sorted_by_interval_then_skill() -> None:
    past = pd.concat([history(FIRST, 14, skill="loans"), history(FIRST, 14, skill="cards")])
    result = forecast_volume(past, FIRST + timedelta(days=14), FIRST + timedelta(days=15), 60)
    keys = list(zip(result["interval_start"], result["skill"], strict=True))
    assert keys == sorted(keys)
    assert result["skill"].iloc[:2].tolist() == ["cards", "loans"]


def test_seasonal_naive_copies_the_same_interval_a_week_earlier() -> None:
    past = history(FIRST, 14)
    start = FIRST + timedelta(days=14)
    result = seasonal_naive(past, start, start + timedelta(days=9), 60)
    last_week = past[past["interval_start"] >= pd.Timestamp(FIRST + timedelta(days=7))]
    assert result["calls"].iloc[: 7 * len(TIMES)].tolist() == pytest.approx(
        last_week["calls"].round(1).tolist()
    )
    later = result[result["interval_start"] >= pd.Timestamp(start + timedelta(days=7))]
    assert later["calls"].tolist() == pytest.approx(
        last_week["calls"].round(1).iloc[: 3 * len(TIMES)].tolist()
    )


def test_wape_is_absolute_error_over_actual_volume() -> None:
    assert wape([10, 20, 30], [12, 18, 30]) == pytest.approx(4 / 60)
    assert wape([0, 0], [0, 0]) == 0.0
    assert wape([0, 0], [1, 0]) == float("inf")
    assert wape([10, np.nan], [5, 3]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        wape([1, 2], [1])


def test_a_weekday_never_in_a_long_history_is_forecast_closed() -> None:
    past = history(FIRST, 28)
    weekdays_only = past[past["interval_start"].dt.day_of_week < 5]
    start = FIRST + timedelta(days=28)
    result = forecast_volume(weekdays_only, start, start + timedelta(days=6), 60)
    day_of_week = result["interval_start"].dt.day_of_week
    assert (result.loc[day_of_week >= 5, "calls"] == 0).all()
    assert (result.loc[day_of_week < 5, "calls"] > 0).all()
