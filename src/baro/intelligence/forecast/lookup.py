"""A product's forecast in a region, whatever its history: its own series when it has one,
else its share of its category's pool there (a product with no history, or too sparse), else
nothing known (``source`` says which)."""

from __future__ import annotations

import polars as pl

from baro.intelligence.forecast.errors import InvalidDemand

SOURCES = ("product", "category_pool", "none")


def product_forecast(forecast: pl.DataFrame, wanted: pl.DataFrame) -> pl.DataFrame:
    """forecast: ``forecast_demand``'s frame; wanted: product_id, category, region.
    -> product_id, category, region, period, source, mean and the interval bounds.

    A product with its own series in the region gets it (``source`` "product"). Any other gets
    its category's pool there divided by the number of products the pool held before the
    cut-off: a product with no history is taken to sell like the category's sparse products do
    on average (the bounds are divided alike, an approximation) ("category_pool"). A category
    never sold in the region gets zero demand ("none"): there is nothing to go on.
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
    wanted = wanted.select("product_id", "category", "region").unique()
    with_own = wanted.join(own, on=["product_id", "region"], how="inner").with_columns(
        source=pl.lit("product")
    )
    rest = wanted.join(
        own.select("product_id", "region").unique(), on=["product_id", "region"], how="anti"
    )
    in_pool = rest.join(pools, on=["region", "category"], how="inner").with_columns(
        source=pl.lit("category_pool"),
        **{name: pl.col(name) / pl.col("pool_size") for name in values},
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
