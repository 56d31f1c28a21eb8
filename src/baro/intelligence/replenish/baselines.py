"""The baselines a reorder model is measured against, in ``choose_baskets``' frame.

An empty basket stands for the None token, as when a customer's history suggests nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from baro.intelligence.replenish.features import purchases_before

# frequent_items: a product the customer bought in at least this share of their orders.
FREQUENT_SHARE = 0.3


def repeat_last_order(
    orders: pl.DataFrame, lines: pl.DataFrame, targets: pl.DataFrame
) -> pl.DataFrame:
    """Every product of the order just before the target."""
    _history, bought = purchases_before(orders, lines, targets)
    last = bought.filter(pl.col("order_number") == pl.col("order_number").max().over("target_id"))
    return _baskets(targets, last)


def frequent_items(
    orders: pl.DataFrame, lines: pl.DataFrame, targets: pl.DataFrame
) -> pl.DataFrame:
    """Every product in at least ``FREQUENT_SHARE`` of the customer's orders before the target."""
    history, bought = purchases_before(orders, lines, targets)
    counts = history.group_by("target_id").agg(u_orders=pl.len())
    frequent = (
        bought.group_by("target_id", "product_id")
        .agg(times=pl.len())
        .join(counts, on="target_id")
        .filter(pl.col("times") >= FREQUENT_SHARE * pl.col("u_orders"))
    )
    return _baskets(targets, frequent)


BASELINES: dict[str, Callable[[pl.DataFrame, pl.DataFrame, pl.DataFrame], pl.DataFrame]] = {
    "repeat_last_order": repeat_last_order,
    "frequent_items": frequent_items,
}


def _baskets(targets: pl.DataFrame, chosen: pl.DataFrame) -> pl.DataFrame:
    products = chosen.group_by(order_id="target_id").agg(
        products=pl.col("product_id").unique().sort()
    )
    return (
        targets.select("customer_id", "order_id")
        .join(products, on="order_id", how="left")
        .with_columns(pl.col("products").fill_null([]))
        .with_columns(none=pl.col("products").list.len() == 0)
        .sort("customer_id", "order_id")
    )
