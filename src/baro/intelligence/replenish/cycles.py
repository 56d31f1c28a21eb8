"""When each customer will buy each product again: an interval model with an 80 % range.

The centre is the median of the customer's own intervals between purchases of the product.
The spread is log-normal: the customer's intervals scatter around their products' medians by a
factor the customer shows across all the products bought at least three times (pooled over all
customers when one has none), so a product bought twice still gets a range. A product bought
once has no cycle yet: its dates are null and only its reorder probability speaks.
"""

from __future__ import annotations

import polars as pl

from baro.intelligence.replenish.features import purchases_before

# z of the 10th and 90th percentiles: lo..hi is an 80 % interval.
Z_80 = 1.2816
# Intervals scattered around a median of their own need a few of them to say anything.
MIN_SPREAD_INTERVALS = 3


def purchase_cycles(
    orders: pl.DataFrame, lines: pl.DataFrame, predictions: pl.DataFrame
) -> pl.DataFrame:
    """predictions (customer_id, order_id: the target, product_id, p_reorder) -> customer_id,
    product_id, purchases, last_day, expected_next_day, lo_day, hi_day, target_day, p_reorder.

    Days count from the customer's first order (Instacart has no dates; add that order's date
    where there is one). Only the orders before each target are read.
    """
    targets = predictions.select("customer_id", "order_id").unique()
    history, bought = purchases_before(orders, lines, targets)
    intervals = (
        bought.sort("day")
        .group_by("target_id", "product_id")
        .agg(
            purchases=pl.len(),
            last_day=pl.col("day").max(),
            gaps=pl.col("day").diff().drop_nulls(),
        )
        .with_columns(median=pl.col("gaps").list.median())
    )
    # log(1 + interval) - log(1 + median): the +1 keeps same-day repeats finite.
    scatter = (
        intervals.filter(pl.col("gaps").list.len() >= MIN_SPREAD_INTERVALS)
        .explode("gaps")
        .select(
            "target_id",
            deviation=(pl.col("gaps").log1p() - pl.col("median").log1p()).pow(2),
        )
    )
    pooled = scatter["deviation"].mean() if scatter.height else None
    spread = scatter.group_by("target_id").agg(sigma=pl.col("deviation").mean().sqrt())
    centre = pl.col("median").log1p()
    sigma = pl.col("sigma").fill_null(pooled**0.5 if pooled is not None else 0.0)
    return (
        intervals.join(spread, on="target_id", how="left")
        .join(
            history.group_by("target_id").agg(pl.col("target_day").first()),
            on="target_id",
        )
        .join(
            predictions.rename({"order_id": "target_id"}),
            on=["target_id", "product_id"],
        )
        .select(
            "customer_id",
            "product_id",
            pl.col("purchases").cast(pl.Int32),
            "last_day",
            expected_next_day=pl.col("last_day") + pl.col("median"),
            lo_day=pl.col("last_day") + ((centre - Z_80 * sigma).exp() - 1.0).clip(0.0),
            hi_day=pl.col("last_day") + (centre + Z_80 * sigma).exp() - 1.0,
            target_day="target_day",
            p_reorder="p_reorder",
        )
        .sort("customer_id", "product_id")
    )
