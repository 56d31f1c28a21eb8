"""``baro bench forecast``: baro's demand forecast against seasonal naive and statsforecast's
AutoETS on the last weeks of UCI Online Retail, none of which the models see.

The data set as demand (``retail_demand``):

- **Demand** is the units of each invoice line that is not a cancellation (invoice ``C…``) and
  has a positive quantity, on the invoice's UK day. A return does not undo demand: the unit
  was asked for, and had to be in stock, on the day of the order. Cancellations are read as a
  ``returns`` signal (``retail_demand``) but not given to the forecast: on the validation
  window before the default test (trained before 2011-06-11, tested to 2011-08-05, never the
  test weeks) they made WAPE 0.5 to 1.5 points worse at every level but the total. Other
  negative lines (stock corrections, damages) are no one's demand and are dropped.
- **Products** are stock codes that start with five digits, the shop's merchandise; postage,
  carriage, fees, manual lines, samples and vouchers (``POST``, ``DOT``, ``C2``, ``M``, ``S``,
  ``AMAZONFEE``, ``gift_…``) are not demand for a product.
- **Category**: the data set has none; the first three digits of the stock code stand in (the
  shop numbers products in blocks, and a block is listed together: ``850…`` the jumbo bags).
- **Region**: the customer's country, the only place the data gives.

The split: training is every day before ``test_from`` (default: the data's last eight weeks,
from its last day), the test is the eight weeks from ``test_from``, cut at the data's end.
Daily forecasts (the season is the week: the shop does not trade on Saturdays); the
seasonal-naive and AutoETS baselines are fitted to every series of every level on their own.
Everything (days, products, countries) comes from the data, so another directory of the same
layout, larger or of other months, runs unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from baro.datasets import load_online_retail
from baro.intelligence.forecast import (
    BASELINES,
    LEVELS,
    POOL,
    ForecastSettings,
    InvalidSettings,
    Training,
    accuracy,
    actual_series,
    base_forecasts,
    baseline_forecasts,
    interval_coverage,
    reconcile,
    training_frame,
)

UK = "Europe/London"
TEST_WEEKS = 8
MERCHANDISE = r"^\d{5}"
METHODS = ("baro", *BASELINES)
STEPS = ("load", "training frame", "baro", "baselines", "accuracy")

Progress = Callable[[str, int, int], None]


def retail_demand(lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Online Retail's invoice lines -> (demand, returns signal), by the module's rules."""
    merchandise = lines.filter(pl.col("stock_code").str.contains(MERCHANDISE)).select(
        product_id=pl.col("stock_code"),
        category=pl.col("stock_code").str.slice(0, 3),
        region=pl.col("country"),
        day=pl.col("invoice_date").dt.convert_time_zone(UK).dt.date(),
        quantity=pl.col("quantity"),
        is_cancellation=pl.col("is_cancellation"),
    )
    keys = ("product_id", "category", "region", "day")
    demand = (
        merchandise.filter(~pl.col("is_cancellation"), pl.col("quantity") > 0)
        .group_by(keys)
        .agg(units=pl.col("quantity").sum().cast(pl.Float64))
        .sort(keys)
    )
    returns = (
        merchandise.filter(pl.col("is_cancellation"))
        .group_by(keys)
        .agg(returns=pl.col("quantity").abs().sum().cast(pl.Float64))
        .sort(keys)
    )
    return demand, returns


def default_test_from(demand: pl.DataFrame) -> date:
    """The first day of the data's last ``TEST_WEEKS`` weeks."""
    return demand["day"].max() - timedelta(weeks=TEST_WEEKS) + timedelta(days=1)


def run(
    data_dir: Path | None,
    *,
    test_from: date | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train before ``test_from``, forecast the test weeks, and measure every method."""
    step = progress or (lambda _name, _done, _total: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str, index: int) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[name] = round(now - started, 1)
        started = now
        step(STEPS[index + 1] if index + 1 < len(STEPS) else "done", index + 1, len(STEPS))

    step(STEPS[0], 0, len(STEPS))
    demand, _returns = retail_demand(load_online_retail(data_dir))
    if demand.is_empty():
        raise InvalidSettings("Online Retail holds no merchandise demand")
    first, last = demand["day"].min(), demand["day"].max()
    test_from = test_from or default_test_from(demand)
    if test_from > last:
        raise InvalidSettings(f"the test starts on {test_from}, after the data's last day {last}")
    test_to = min(test_from + timedelta(weeks=TEST_WEEKS), last + timedelta(days=1))
    settings = ForecastSettings(horizon=(test_to - test_from).days, period="day")
    lap("load_s", 0)

    training = training_frame(demand, cutoff=test_from, settings=settings)
    lap("training_frame_s", 1)
    forecast = reconcile(training, base_forecasts(training))
    lap("baro_s", 2)
    baselines = baseline_forecasts(training)
    lap("baselines_s", 3)

    actuals = actual_series(demand, training)
    forecasts = baselines.join(
        forecast.select("unique_id", ds="period", baro="mean"), on=["unique_id", "ds"]
    )
    scores = accuracy(forecasts, actuals, training, list(METHODS))
    coverage = interval_coverage(forecast, actuals, settings.levels)
    lap("accuracy_s", 4)
    return _report(
        training, scores, coverage, timings, first=first, last=last, test_from=test_from
    ) | {"data_dir": str(data_dir) if data_dir else None}


def _report(
    training: Training,
    scores: pl.DataFrame,
    coverage: pl.DataFrame,
    timings: dict[str, float],
    *,
    first: date,
    last: date,
    test_from: date,
) -> dict[str, Any]:
    settings = training.settings
    by_level = {
        level: {
            row["method"]: {
                "wape": _round(row["wape"]),
                "mase": _round(row["mase"]),
                "forecast_units": round(row["forecast_units"]),
            }
            | {"actual_units": round(row["actual_units"])}
            for row in scores.filter(pl.col("level") == level).iter_rows(named=True)
        }
        for level in LEVELS
    }
    counts = {
        row["level"]: {"series": row["series"], "series_with_mase_scale": row["mase_series"]}
        for row in scores.filter(pl.col("method") == "baro").iter_rows(named=True)
    }
    items = training.items
    own = items.filter(pl.col("item") != POOL)
    return {
        "dataset": "online_retail",
        "granularity": settings.period,
        "season_length": settings.season,
        "train_from": str(first),
        "train_to": str(test_from - timedelta(days=1)),
        "test_from": str(test_from),
        "test_to": str(test_from + timedelta(days=settings.horizon - 1)),
        "data_last_day": str(last),
        "horizon_days": settings.horizon,
        "methods": list(METHODS),
        "overall_level": "item",
        "overall": by_level["item"],
        "levels": by_level,
        "series": counts,
        "products": items["product_id"].n_unique(),
        "product_regions_with_own_series": own.height,
        "product_regions_pooled": items.height - own.height,
        "interval_coverage": {
            level: {
                str(row["interval"]): _round(row["coverage"])
                for row in coverage.filter(pl.col("level") == level).iter_rows(named=True)
            }
            for level in LEVELS
        },
        "targets": _targets(by_level),
        "timings_s": timings | {"total_s": round(sum(timings.values()), 1)},
        "rules": {
            "demand": "units of non-cancelled invoice lines with a positive quantity, on the UK "
            "day; cancellations (invoice C…) are a returns signal, not negative demand",
            "products": f"stock codes matching {MERCHANDISE} (merchandise)",
            "category": "first three digits of the stock code (the data set has no category)",
            "region": "country",
            "signals": "none (cancellations as a returns signal made the validation window worse)",
            "sparse": f"a product keeps its own series in a country when it sold there on at "
            f"least {settings.min_active} of the last {settings.recent} days before the "
            "test; else it is in its category's pool there",
        },
    }


def _targets(by_level: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """baro below both baselines, on WAPE and on MASE, overall (item level) and per level."""

    def beats(level: str, measure: str) -> bool | None:
        scores = by_level[level]
        mine = scores["baro"][measure]
        others = [scores[name][measure] for name in BASELINES]
        if mine is None or any(other is None for other in others):
            return None
        return all(mine < other for other in others)

    return {
        "wape_better_than_baselines": beats("item", "wape"),
        "mase_better_than_baselines": beats("item", "mase"),
        "per_level": {
            level: {"wape": beats(level, "wape"), "mase": beats(level, "mase")} for level in LEVELS
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
