"""How much of the revenue comes from customers who come back (the seed: two thirds)."""

from __future__ import annotations

import polars as pl

from baro.intelligence.customers.frames import require


def repeat_customer_revenue_share(orders: pl.DataFrame) -> float:
    """Share of revenue from customers who ordered more than once (customer_id, total_minor)."""
    require(orders, "orders", "customer_id", "total_minor")
    per_customer = orders.group_by("customer_id").agg(
        revenue=pl.col("total_minor").sum(), orders=pl.len()
    )
    revenue, repeat = per_customer.select(
        all=pl.col("revenue").sum(), repeat=pl.col("revenue").filter(pl.col("orders") > 1).sum()
    ).row(0)
    return float(repeat / revenue) if revenue else 0.0


def repeat_customer_share(orders: pl.DataFrame) -> float:
    """Share of customers who ordered more than once (customer_id)."""
    require(orders, "orders", "customer_id")
    counts = orders.group_by("customer_id").len()
    return float(counts.select((pl.col("len") > 1).mean()).item() or 0.0)


def repeat_share_by_month(orders: pl.DataFrame) -> pl.DataFrame:
    """customer_id, placed_at, total_minor -> month (Date, the 1st), orders, revenue_minor,
    returning_share, repeat_share (Float64), one row per calendar month (UTC) with orders.

    Two readings of "from repeat customers", because each is biased at one end:
    ``returning_share`` is the month's revenue from customers who had bought before (low in
    the first months: whoever bought before the data begins looks new), ``repeat_share`` is
    from customers who order more than once anywhere in the data (the whole-period figure
    month by month; low in the last months: new customers have had no time to come back).
    """
    require(orders, "orders", "customer_id", "placed_at", "total_minor")
    total = pl.col("total_minor")
    flagged = orders.with_columns(
        returning=pl.col("placed_at") > pl.col("placed_at").min().over("customer_id"),
        repeat=pl.len().over("customer_id") > 1,
    )
    return (
        flagged.group_by(month=pl.col("placed_at").dt.truncate("1mo").dt.date())
        .agg(
            orders=pl.len().cast(pl.Int64),
            revenue_minor=total.sum().cast(pl.Int64),
            returning_share=total.filter(pl.col("returning")).sum() / total.sum(),
            repeat_share=total.filter(pl.col("repeat")).sum() / total.sum(),
        )
        .sort("month")
    )
