"""A product's forecast in a region, whatever its history: its own series when it has one,
else its share of its category's pool there (a product with no history, or too sparse), else
nothing known (``source`` says which)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from baro.intelligence.forecast.errors import InvalidDemand

SOURCES = ("product", "category_pool", "none")
# A sale's weight halves every four weeks: chosen on Olist's July-August 2017 (trained before
# July), where four and eight weeks tied on local fill and two weeks did worse.
RECENCY_HALF_LIFE = timedelta(weeks=4)


def recent_products(
    demand: pl.DataFrame,
    regions: Sequence[str],
    *,
    cutoff: date,
    half_life: timedelta = RECENCY_HALF_LIFE,
) -> pl.DataFrame:
    """What to ask ``product_forecast`` for: every product sold before ``cutoff``, in every
    region, weighted by its recent units anywhere (a unit's weight halves every
    ``half_life``). -> product_id, category, region, weight.

    A sparse product's next sale is rarely where its last one was, so a region's pool is
    shared among all of the category's products, and recent sales say more about which
    product sells next than an equal share does (demand: product_id, category, day, units)."""
    age = (pl.lit(cutoff) - pl.col("day")).dt.total_days() / half_life.days
    return (
        demand.filter(pl.col("day") < cutoff)
        .group_by("product_id", "category")
        .agg(weight=(pl.col("units") * pl.lit(0.5).pow(age)).sum().cast(pl.Float64))
        .join(pl.DataFrame({"region": list(regions)}, schema={"region": pl.String}), how="cross")
        .sort("region", "product_id")
    )


def product_forecast(forecast: pl.DataFrame, wanted: pl.DataFrame) -> pl.DataFrame:
    """forecast: ``forecast_demand``'s frame; wanted: product_id, category, region, and
    optionally ``weight`` (>= 0). -> product_id, category, region, period, source, mean and
    the interval bounds.

    A product with its own series in the region gets it (``source`` "product"). Any other gets
    its category's pool there divided by the number of products the pool held before the
    cut-off: a product with no history is taken to sell like the category's sparse products do
    on average (the bounds are divided alike, an approximation) ("category_pool"). With a
    ``weight`` column the pool is shared instead by weight among the wanted products of the
    pool (top-down by historical proportions: recent sales say which sparse products sell);
    a pool whose wanted products all weigh zero is shared equally, as without weights. A
    category never sold in the region gets zero demand ("none"): there is nothing to go on.
    """
    missing = [c for c in ("product_id", "category", "region") if c not in wanted.columns]
    if missing:
        raise InvalidDemand(f"the products asked for lack {', '.join(missing)}")
    values = [c for c in forecast.columns if c == "mean" or c.startswith(("lo_", "hi_"))]
    bottom = forecast.filter(pl.col("level") == "item")
    periods = bottom.select("period").unique().sort("period")
    own = bottom.filter(pl.col("product_id").is_not_null()).select(
        "product_id", "region", "period", *values
    )
    pools = bottom.filter(pl.col("product_id").is_null()).select(
        "region", "category", "period", "pool_size", *values
    )
    weighted = "weight" in wanted.columns
    if weighted and wanted.filter(pl.col("weight").is_null() | (pl.col("weight") < 0)).height:
        raise InvalidDemand("a product's weight must be a number >= 0")
    wanted = (
        wanted.select("product_id", "category", "region", pl.col("weight").cast(pl.Float64))
        if weighted
        else wanted.select("product_id", "category", "region").with_columns(weight=pl.lit(0.0))
    ).unique(["product_id", "category", "region"], keep="first")
    with_own = wanted.join(own, on=["product_id", "region"], how="inner").with_columns(
        source=pl.lit("product")
    )
    rest = wanted.join(
        own.select("product_id", "region").unique(), on=["product_id", "region"], how="anti"
    )
    pool = ["region", "category", "period"]
    in_pool = (
        rest.join(pools, on=["region", "category"], how="inner")
        .with_columns(
            share=pl.when(pl.col("weight").sum().over(pool) > 0)
            .then(pl.col("weight") / pl.col("weight").sum().over(pool))
            .otherwise(1 / pl.col("pool_size"))
        )
        .with_columns(
            source=pl.lit("category_pool"),
            **{name: pl.col(name) * pl.col("share") for name in values},
        )
    )
    unknown = (
        rest.join(
            pools.select("region", "category").unique(), on=["region", "category"], how="anti"
        )
        .join(periods, how="cross")
        .with_columns(source=pl.lit("none"), **{name: pl.lit(0.0) for name in values})
    )
    columns = ["product_id", "category", "region", "period", "source", *values]
    return pl.concat([frame.select(columns) for frame in (with_own, in_pool, unknown)]).sort(
        "region", "product_id", "period"
    )
