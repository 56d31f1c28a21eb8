"""How close forecasts came to what happened: WAPE and MASE per level, interval coverage.

- **WAPE** = Σ|actual − forecast| / Σ actual over every series of the level and every period of
  the horizon: the share of the units sold that the forecast missed.
- **MASE** (Hyndman & Koehler 2006): a series' mean absolute error over the horizon divided by
  the mean absolute error, in its own history before the cut-off, of the seasonal naive
  forecast one season back; the level's MASE is the mean over its series. Below 1 beats the
  in-sample seasonal naive. Series the training never saw (a region's first sale) and series
  that never changed in training have no scale and are left out of MASE, not of WAPE.

A series sold in the test period but absent from the forecast (new to a region) counts with a
forecast of zero for every method alike; a product new altogether joins its category's pool.
"""

from __future__ import annotations

import polars as pl
from hierarchicalforecast.utils import aggregate

from baro.intelligence.forecast.series import (
    LEVEL_OF_TAG,
    LEVELS,
    SPEC,
    Training,
    bottom_series,
    check_demand,
    future_periods,
    horizon_end,
    period_start,
)


def actual_series(demand: pl.DataFrame, training: Training) -> pl.DataFrame:
    """What sold in the forecast periods, summed into the training's series with the
    training's item rule: unique_id, level, ds, y (only series and periods with sales)."""
    settings = training.settings
    end = horizon_end(training.cutoff, settings)
    sold = (
        check_demand(demand)
        .filter(pl.col("day") >= training.cutoff, pl.col("day") < end)
        .with_columns(ds=period_start(pl.col("day"), settings))
    )
    if sold.is_empty():
        return pl.DataFrame(
            schema={"unique_id": pl.String, "level": pl.String, "ds": pl.Date, "y": pl.Float64}
        )
    aggregated, _, tags = aggregate(
        bottom_series(sold, training.items, "units").rename({"units": "y"}), SPEC
    )
    levels = pl.DataFrame(
        [(str(uid), LEVEL_OF_TAG[tag]) for tag, ids in tags.items() for uid in ids],
        schema={"unique_id": pl.String, "level": pl.String},
        orient="row",
    )
    return aggregated.join(levels, on="unique_id").select("unique_id", "level", "ds", "y")


def accuracy(
    forecasts: pl.DataFrame, actuals: pl.DataFrame, training: Training, methods: list[str]
) -> pl.DataFrame:
    """forecasts: unique_id, ds and one column per method (the training's series);
    actuals: ``actual_series``. -> level, method, wape, mase, series, mase_series,
    actual_units, forecast_units, one row per level and method."""
    grid = _grid(forecasts, actuals, training, methods)
    scales = _scales(training)
    rows = []
    for level in LEVELS:
        at = grid.filter(pl.col("level") == level)
        for method in methods:
            error = (pl.col("y") - pl.col(method)).abs()
            units = at["y"].sum()
            per_series = (
                at.group_by("unique_id")
                .agg(mae=error.mean())
                .join(scales, on="unique_id", how="inner")
                .filter(pl.col("scale") > 0)
            )
            rows.append(
                {
                    "level": level,
                    "method": method,
                    "wape": at.select(error.sum()).item() / units if units > 0 else None,
                    "mase": (per_series["mae"] / per_series["scale"]).mean()
                    if per_series.height
                    else None,
                    "series": at["unique_id"].n_unique(),
                    "mase_series": per_series.height,
                    "actual_units": float(units),
                    "forecast_units": float(at[method].sum()),
                }
            )
    return pl.DataFrame(rows)


def interval_coverage(
    forecast: pl.DataFrame, actuals: pl.DataFrame, levels: list[int]
) -> pl.DataFrame:
    """forecast: ``forecast_demand``'s frame; -> level, interval (percent), coverage: the
    share of the forecast's series × periods whose actual fell inside the interval."""
    joined = forecast.join(
        actuals.select("unique_id", period="ds", y="y"), on=["unique_id", "period"], how="left"
    ).with_columns(pl.col("y").fill_null(0.0))
    return (
        joined.group_by("level")
        .agg(
            pl.col("y").is_between(pl.col(f"lo_{lv}"), pl.col(f"hi_{lv}")).mean().alias(str(lv))
            for lv in levels
        )
        .unpivot(index="level", variable_name="interval", value_name="coverage")
        .with_columns(pl.col("interval").cast(pl.Int32))
        .sort("level", "interval")
    )


def _grid(
    forecasts: pl.DataFrame, actuals: pl.DataFrame, training: Training, methods: list[str]
) -> pl.DataFrame:
    known = training.series.select("unique_id", "level")
    ids = pl.concat([known, actuals.select("unique_id", "level").unique()]).unique()
    periods = pl.DataFrame({"ds": future_periods(training.cutoff, training.settings)})
    return (
        ids.join(periods, how="cross")
        .join(actuals.select("unique_id", "ds", "y"), on=["unique_id", "ds"], how="left")
        .join(forecasts.select("unique_id", "ds", *methods), on=["unique_id", "ds"], how="left")
        .with_columns(pl.col("y", *methods).fill_null(0.0))
    )


def _scales(training: Training) -> pl.DataFrame:
    season = training.settings.season
    return (
        training.history.sort("unique_id", "ds")
        .with_columns(step=(pl.col("y") - pl.col("y").shift(season).over("unique_id")).abs())
        .group_by("unique_id")
        .agg(scale=pl.col("step").mean())
        .filter(pl.col("scale").is_not_null())
    )
