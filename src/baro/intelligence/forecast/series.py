"""The training frame: demand before the cut-off, shaped into the series the models learn from.

``training_frame`` is the one function that takes the cut-off. Everything a model sees, which
products keep their own series, the hierarchy, the history, the signal features, is computed
from the rows before it, so nothing from the forecast period can reach training (the leakage
test poisons the rows after it and checks that the forecast does not move).

**Levels.** A bottom series is an *item* in a region: a product that sells often enough there,
or the pool (``POOL``) of its category's sparser products there. Above it: the category in the
region, the category across regions, the region, and the total. Every series is keyed by the
``unique_id`` hierarchicalforecast's ``aggregate`` builds (``all/<region>/<category>/<item>``).

**Sparse rule.** A product keeps its own series in a region when it sold there in at least
``min_active_periods`` of the last ``recent_periods`` periods before the cut-off (by default one
day a week on average over twelve weeks); otherwise its demand there joins the pool. A pool is
still a product-level demand: ``pool_size`` says how many products it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
from hierarchicalforecast.utils import SMatrix, aggregate

from baro.intelligence.forecast.errors import InvalidDemand, InvalidSettings, NoHistory
from baro.intelligence.forecast.settings import ForecastSettings

DEMAND_COLUMNS = ("product_id", "category", "region", "day", "units")
KEY_COLUMNS = ("product_id", "category", "region")
SEPARATOR = "/"  # aggregate joins keys with it, so no key may contain one
POOL = "~pool"
TOTAL = "all"
LEVELS = ("total", "region", "category", "region_category", "item")
SPEC = [
    ["total"],
    ["total", "region"],
    ["total", "category"],
    ["total", "region", "category"],
    ["total", "region", "category", "item"],
]
LEVEL_OF_TAG = dict(zip(("/".join(cols) for cols in SPEC), LEVELS, strict=True))
# The least history a forecast learns from: the season's days twice, or two months of weeks.
MIN_HISTORY = {"day": 14, "week": 8}


@dataclass(frozen=True)
class Training:
    """What the models learn from, all of it from before ``cutoff``.

    ``history``: unique_id, ds (the period's first day), y (units), every series of every level,
    zero-filled from its start to the last period before the cut-off. ``features``: unique_id,
    ds, one ``signal_<name>`` column per signal, over the history and the horizon (None without
    signals). ``summing`` and ``tags``: the hierarchy as hierarchicalforecast takes it.
    ``series``: unique_id, level, region, category, item, pool_size (products in a pool).
    ``items``: product_id, region, category, item, how each product sold before the cut-off is
    forecast in each region.
    """

    cutoff: date
    settings: ForecastSettings
    history: pl.DataFrame
    features: pl.DataFrame | None
    summing: SMatrix
    tags: dict[str, np.ndarray]
    series: pl.DataFrame
    items: pl.DataFrame

    @property
    def future_periods(self) -> list[date]:
        return future_periods(self.cutoff, self.settings)


def training_frame(
    demand: pl.DataFrame,
    *,
    cutoff: date,
    settings: ForecastSettings,
    signals: pl.DataFrame | None = None,
) -> Training:
    """Demand (product_id, category, region, day, units) and optional signals (product_id,
    category, region, day, then one numeric column per signal) before ``cutoff`` -> Training."""
    demand = check_demand(demand)
    if settings.period == "week" and cutoff.weekday() != 0:
        raise InvalidSettings(f"a weekly forecast's cut-off must be a Monday, not {cutoff}")
    past = demand.filter(pl.col("day") < cutoff)
    if past.is_empty():
        first = demand["day"].min() if demand.height else None
        raise NoHistory(
            f"no demand before the cut-off {cutoff}"
            + (f": the first sale is on {first}" if first else ": the demand frame is empty"),
            cutoff=cutoff,
        )
    past = past.with_columns(ds=period_start(pl.col("day"), settings))
    last = previous_period(cutoff, settings)
    periods = _periods_between(past["ds"].min(), last, settings)
    if periods < MIN_HISTORY[settings.period]:
        raise NoHistory(
            f"{periods} {settings.period}s of demand before the cut-off {cutoff}; a forecast "
            f"learns from at least {MIN_HISTORY[settings.period]}",
            cutoff=cutoff,
        )
    items = item_rule(past, cutoff, settings)
    bottom = bottom_series(past, items, "units").rename({"units": "y"})
    aggregated, summing, tags = aggregate(bottom, SPEC, sparse_s=True)
    history = _zero_filled(aggregated, past["ds"].min(), last, settings)
    series = _series_keys(tags, items)
    features = (
        None
        if signals is None
        else _signal_features(signals, items, history, cutoff=cutoff, settings=settings)
    )
    return Training(cutoff, settings, history, features, summing, tags, series, items)


def check_demand(demand: pl.DataFrame, columns: tuple[str, ...] = DEMAND_COLUMNS) -> pl.DataFrame:
    """The frame with units as Float64, or ``InvalidDemand`` saying what is wrong with it."""
    missing = [name for name in columns if name not in demand.columns]
    if missing:
        raise InvalidDemand(
            f"the demand frame lacks {', '.join(missing)} (it needs {', '.join(columns)})"
        )
    if demand.schema["day"] != pl.Date:
        raise InvalidDemand(
            f"day must be a Date (the customer's local day), not {demand['day'].dtype}"
        )
    for key in KEY_COLUMNS:
        if demand.schema[key] != pl.String:
            raise InvalidDemand(f"{key} must be a String, not {demand[key].dtype}")
        if demand[key].null_count():
            raise InvalidDemand(f"{demand[key].null_count()} rows have no {key}")
        bad = demand.filter(pl.col(key).str.contains(SEPARATOR, literal=True))[key]
        if bad.len():
            raise InvalidDemand(f"{key} may not contain {SEPARATOR!r}: {bad[0]!r}")
    if demand.filter(pl.col("product_id") == POOL).height:
        raise InvalidDemand(f"{POOL!r} names the pool of sparse products, not a product")
    if "units" in columns:
        if not demand.schema["units"].is_numeric():
            raise InvalidDemand(f"units must be a number, not {demand['units'].dtype}")
        negative = demand.filter(pl.col("units") < 0).height
        if negative or demand["units"].null_count():
            raise InvalidDemand(
                f"{negative} rows have negative units and {demand['units'].null_count()} none: "
                "demand counts what was asked for (pass returns as a signal)"
            )
        demand = demand.with_columns(pl.col("units").cast(pl.Float64))
    categories = demand.group_by("product_id").agg(pl.col("category").n_unique())
    mixed = categories.filter(pl.col("category") > 1)["product_id"]
    if mixed.len():
        raise InvalidDemand(f"product {mixed[0]!r} is in more than one category")
    return demand


def period_start(day: pl.Expr, settings: ForecastSettings) -> pl.Expr:
    return day if settings.period == "day" else day.dt.truncate("1w")


def period_step(settings: ForecastSettings) -> timedelta:
    return timedelta(days=1 if settings.period == "day" else 7)


def previous_period(cutoff: date, settings: ForecastSettings) -> date:
    return cutoff - period_step(settings)


def future_periods(cutoff: date, settings: ForecastSettings) -> list[date]:
    return [cutoff + i * period_step(settings) for i in range(settings.horizon)]


def horizon_end(cutoff: date, settings: ForecastSettings) -> date:
    """The day after the forecast's last period."""
    return cutoff + settings.horizon * period_step(settings)


def _periods_between(first: date, last: date, settings: ForecastSettings) -> int:
    return (last - first) // period_step(settings) + 1


def item_rule(past: pl.DataFrame, cutoff: date, settings: ForecastSettings) -> pl.DataFrame:
    """product_id, region, category, item: the product itself where it sold in at least
    ``min_active`` of the last ``recent`` periods in that region, else ``POOL``."""
    since = cutoff - settings.recent * period_step(settings)
    active = (
        past.filter(pl.col("day") >= since)
        .group_by("product_id", "region")
        .agg(active=pl.col("ds").n_unique())
        .filter(pl.col("active") >= settings.min_active)
        .select("product_id", "region", own=pl.lit(True))
    )
    return (
        past.select("product_id", "region", "category")
        .unique()
        .join(active, on=["product_id", "region"], how="left")
        .select(
            "product_id",
            "region",
            "category",
            item=pl.when(pl.col("own")).then(pl.col("product_id")).otherwise(pl.lit(POOL)),
        )
        .sort("region", "category", "product_id")
    )


def map_to_items(frame: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with an item column: a product the training saw in that region keeps its
    item; any other (new to the region, or new altogether) is in its category's pool."""
    return frame.join(
        items.select("product_id", "region", "item"), on=["product_id", "region"], how="left"
    ).with_columns(pl.col("item").fill_null(POOL))


def bottom_series(frame: pl.DataFrame, items: pl.DataFrame, *values: str) -> pl.DataFrame:
    """``values`` summed per item, region, category and period, the rows ``aggregate`` takes."""
    return (
        map_to_items(frame, items)
        .group_by("region", "category", "item", "ds")
        .agg(pl.col(name).sum() for name in values)
        .with_columns(total=pl.lit(TOTAL))
    )


def _zero_filled(
    aggregated: pl.DataFrame, first: date, last: date, settings: ForecastSettings
) -> pl.DataFrame:
    """Every series from its first sale to ``last``, zeros where nothing sold. A series starts
    earlier (never before the data) when it is shorter than the conformal intervals'
    calibration needs (``calibration_windows`` × horizon + 1) or than two seasons."""
    needed = max(
        settings.calibration_windows * settings.horizon + 1,
        2 * settings.season,
        MIN_HISTORY[settings.period],
    )
    earliest = max(first, last - (needed - 1) * period_step(settings))
    starts = aggregated.group_by("unique_id").agg(
        start=pl.min_horizontal(pl.col("ds").min(), pl.lit(earliest))
    )
    grid = starts.select(
        "unique_id",
        ds=pl.date_ranges("start", pl.lit(last), interval=settings.frequency),
    ).explode("ds")
    return (
        grid.join(aggregated.select("unique_id", "ds", "y"), on=["unique_id", "ds"], how="left")
        .with_columns(pl.col("y").fill_null(0.0))
        .sort("unique_id", "ds")
    )


def _series_keys(tags: dict[str, np.ndarray], items: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for tag, ids in tags.items():
        level = LEVEL_OF_TAG[tag]
        for unique_id in ids:
            parts = str(unique_id).split(SEPARATOR)[1:]
            keys = dict(zip(SPEC[LEVELS.index(level)][1:], parts, strict=True))
            rows.append({"unique_id": str(unique_id), "level": level, **keys})
    keys = pl.DataFrame(
        rows,
        schema={
            "unique_id": pl.String,
            "level": pl.String,
            "region": pl.String,
            "category": pl.String,
            "item": pl.String,
        },
    )
    pools = (
        items.filter(pl.col("item") == POOL)
        .group_by("region", "category")
        .agg(pool_size=pl.len().cast(pl.Int32))
        .with_columns(item=pl.lit(POOL))
    )
    return keys.join(pools, on=["region", "category", "item"], how="left").with_columns(
        pl.when(pl.col("level") == "item")
        .then(pl.col("pool_size").fill_null(1))
        .otherwise(None)
        .alias("pool_size")
    )


def signal_names(signals: pl.DataFrame) -> list[str]:
    return [name for name in signals.columns if name not in (*KEY_COLUMNS, "day")]


def _signal_features(
    signals: pl.DataFrame,
    items: pl.DataFrame,
    history: pl.DataFrame,
    *,
    cutoff: date,
    settings: ForecastSettings,
) -> pl.DataFrame:
    """One ``signal_<name>`` column per signal: its sum over a season of periods ending
    ``horizon`` periods before each period, so that every value the forecast uses was known
    at the cut-off (a view today says something about an order next week, and is known)."""
    signals = check_demand(signals, (*KEY_COLUMNS, "day"))
    names = signal_names(signals)
    not_numeric = [name for name in names if not signals.schema[name].is_numeric()]
    if not names or not_numeric:
        raise InvalidDemand(
            "signals need one numeric column per signal besides product_id, category, "
            f"region and day (not numeric: {', '.join(not_numeric) or 'none given'})"
        )
    past = signals.filter(pl.col("day") < cutoff).with_columns(
        pl.col(names).cast(pl.Float64).fill_null(0.0), ds=period_start(pl.col("day"), settings)
    )
    ids = history.select("unique_id").unique()
    future = pl.DataFrame({"ds": future_periods(cutoff, settings)})
    grid = pl.concat([history.select("unique_id", "ds"), ids.join(future, how="cross")])
    if past.is_empty():
        schema = {"unique_id": pl.String, "ds": pl.Date, **dict.fromkeys(names, pl.Float64)}
        known = pl.DataFrame(schema=schema)
    else:
        known, _, _ = aggregate(bottom_series(past, items, *names), SPEC, target_cols=names)
    window = settings.season
    return (
        grid.join(known, on=["unique_id", "ds"], how="left")
        .with_columns(pl.col(names).fill_null(0.0))
        .sort("unique_id", "ds")
        .select(
            "unique_id",
            "ds",
            *(
                pl.col(name)
                .rolling_sum(window, min_samples=1)
                .shift(settings.horizon)
                .over("unique_id")
                .fill_null(0.0)
                .alias(f"signal_{name}")
                for name in names
            ),
        )
    )
