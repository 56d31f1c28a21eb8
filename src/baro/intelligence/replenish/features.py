"""Features of each (target order, product the customer bought before): the candidates.

Everything is read from the customer's orders *before* the target, plus the target order's
own row (its ``days_since_prior`` is known when the order is being placed; its products are
not). Product features come from a separate frame (``product_features``) computed once on the
training history. Days are counted from the customer's first order (Instacart has no dates).
"""

from __future__ import annotations

import polars as pl

from baro.intelligence.replenish.frames import (
    LINE_COLUMNS,
    ORDER_COLUMNS,
    checked,
    targeted,
)

# Orders counted as "recent" for the user × product recency rate.
RECENT_ORDERS = 5

FEATURES = (
    "u_orders",
    "u_mean_gap",
    "u_basket",
    "u_products",
    "u_reorder_ratio",
    "u_none_rate",
    "target_gap",
    "target_gap_vs_mean",
    "up_orders",
    "up_rate",
    "up_rate_since_first",
    "up_recent_rate",
    "up_orders_since_last",
    "up_days_since_last",
    "up_median_interval",
    "up_days_vs_cycle",
    "p_buyers",
    "p_purchases",
    "p_repeat_ratio",
    "p_second_ratio",
)


def timed(orders: pl.DataFrame) -> pl.DataFrame:
    """``orders`` with ``day``: days since the customer's first order."""
    return (
        checked(orders, ORDER_COLUMNS, "orders")
        .sort("customer_id", "order_number")
        .with_columns(
            day=pl.col("days_since_prior")
            .cast(pl.Float64)
            .fill_null(0.0)
            .cum_sum()
            .over("customer_id")
        )
    )


def purchases_before(
    orders: pl.DataFrame, lines: pl.DataFrame, targets: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(history, bought): one row per (target, earlier order), and per (target, earlier line).

    history: target_id, customer_id, order_id, order_number, day, days_since_prior,
    target_number, target_day, target_gap. bought: target_id, customer_id, product_id,
    order_number, day. The targets' own lines are never joined.
    """
    orders = timed(orders)
    goal = targeted(orders, targets).select(
        "customer_id",
        target_id="order_id",
        target_number="order_number",
        target_day="day",
        target_gap=pl.col("days_since_prior").cast(pl.Float64),
    )
    history = orders.join(goal, on="customer_id").filter(
        pl.col("order_number") < pl.col("target_number")
    )
    bought = history.select("target_id", "customer_id", "order_id", "order_number", "day").join(
        # A product twice in one order (two lines) is one purchase.
        checked(lines, LINE_COLUMNS, "lines").unique(),
        on="order_id",
    )
    return history, bought.drop("order_id")


def product_features(orders: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """product_id, p_buyers, p_purchases, p_repeat_ratio, p_second_ratio over every order given."""
    per_customer = (
        checked(orders, ORDER_COLUMNS, "orders")
        .select("customer_id", "order_id")
        .join(checked(lines, LINE_COLUMNS, "lines"), on="order_id")
        .group_by("product_id", "customer_id")
        .agg(times=pl.len())
    )
    return (
        per_customer.group_by("product_id")
        .agg(
            p_buyers=pl.len().cast(pl.Float64),
            p_purchases=pl.col("times").sum().cast(pl.Float64),
            p_second_ratio=(pl.col("times") >= 2).mean(),
        )
        .with_columns(p_repeat_ratio=1.0 - pl.col("p_buyers") / pl.col("p_purchases"))
    )


def candidates(
    orders: pl.DataFrame, lines: pl.DataFrame, targets: pl.DataFrame, products: pl.DataFrame
) -> pl.DataFrame:
    """customer_id, order_id (the target), product_id and ``FEATURES``: one row per product the
    customer bought before each target."""
    history, bought = purchases_before(orders, lines, targets)
    bought = bought.with_columns(
        repeat=pl.col("order_number") > pl.col("order_number").min().over("target_id", "product_id")
    )
    per_order = bought.group_by("target_id", "order_number").agg(
        size=pl.len(), any_repeat=pl.col("repeat").any()
    )
    users = (
        history.group_by("target_id")
        .agg(
            pl.col("customer_id", "target_number", "target_day", "target_gap").first(),
            u_orders=pl.len().cast(pl.Float64),
            u_mean_gap=pl.col("days_since_prior").cast(pl.Float64).mean(),
        )
        .join(
            per_order.group_by("target_id").agg(
                u_basket=pl.col("size").mean(),
                # Orders after the first that reordered nothing: how often "None" is the truth.
                u_none_rate=(~pl.col("any_repeat")).filter(pl.col("order_number") > 1).mean(),
            ),
            on="target_id",
            how="left",
        )
        .join(
            bought.group_by("target_id").agg(
                u_products=pl.col("product_id").n_unique().cast(pl.Float64),
                u_reorder_ratio=pl.col("repeat").mean(),
            ),
            on="target_id",
            how="left",
        )
    )
    pairs = (
        bought.join(users.select("target_id", "target_number"), on="target_id")
        .sort("day")
        .group_by("target_id", "product_id")
        .agg(
            up_orders=pl.len().cast(pl.Float64),
            up_first=pl.col("order_number").min(),
            up_last=pl.col("order_number").max(),
            up_last_day=pl.col("day").max(),
            up_recent=(pl.col("order_number") >= pl.col("target_number") - RECENT_ORDERS).sum(),
            up_median_interval=pl.col("day").diff().median(),
        )
    )
    return (
        pairs.join(users, on="target_id")
        .with_columns(
            up_rate=pl.col("up_orders") / pl.col("u_orders"),
            up_rate_since_first=pl.col("up_orders")
            / (pl.col("target_number") - pl.col("up_first")),
            up_recent_rate=pl.col("up_recent") / pl.min_horizontal(RECENT_ORDERS, "u_orders"),
            up_orders_since_last=(pl.col("target_number") - pl.col("up_last")).cast(pl.Float64),
            up_days_since_last=pl.col("target_day") - pl.col("up_last_day"),
            # +1 day: a zero gap (two orders on one day) must not divide by zero.
            target_gap_vs_mean=pl.col("target_gap") / (pl.col("u_mean_gap") + 1.0),
        )
        .with_columns(
            up_days_vs_cycle=pl.col("up_days_since_last") / (pl.col("up_median_interval") + 1.0)
        )
        .join(products, on="product_id", how="left")
        .select("customer_id", pl.col("target_id").alias("order_id"), "product_id", *FEATURES)
        # Group-bys come out in any order; LightGBM's bagging must see the same rows each run.
        .sort("customer_id", "order_id", "product_id")
    )
