"""RFM: recency, frequency and monetary value scored in quintiles, and the named segments of
the usual recency x frequency grid."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from baro.intelligence.customers.cohorts import observed_until
from baro.intelligence.customers.frames import require

# (segment, recency scores, frequency scores): the widely used RFM grid (R and F only; the
# monetary score is reported, not used to name). Every one of the 25 cells has one name.
SEGMENTS: tuple[tuple[str, range, range], ...] = (
    ("champions", range(5, 6), range(4, 6)),
    ("loyal", range(3, 5), range(4, 6)),
    ("potential_loyalists", range(4, 6), range(2, 4)),
    ("new_customers", range(5, 6), range(1, 2)),
    ("promising", range(4, 5), range(1, 2)),
    ("need_attention", range(3, 4), range(3, 4)),
    ("about_to_sleep", range(3, 4), range(1, 3)),
    ("cant_lose_them", range(1, 3), range(5, 6)),
    ("at_risk", range(1, 3), range(3, 5)),
    ("hibernating", range(1, 3), range(1, 3)),
)


def quintile(values: pl.Expr, *, descending: bool = False) -> pl.Expr:
    """1..5 by rank: ties share the lower score, so 60 % of customers with one order all
    score 1 rather than being split across scores by the order of the rows."""
    rank = values.rank("min", descending=descending)
    return (1 + (5 * (rank - 1)) // pl.len()).cast(pl.Int8)


def rfm_scores(orders: pl.DataFrame, *, as_of: datetime | None = None) -> pl.DataFrame:
    """customer_id, placed_at, total_minor -> customer_id, recency_days (Int64, whole days from
    the last order to ``as_of``, default ``observed_until``), frequency (Int64, orders),
    monetary_minor (Int64), r, f, m (Int8, 1..5, 5 = best: recent, often, much), segment."""
    require(orders, "orders", "customer_id", "placed_at", "total_minor")
    end = as_of or observed_until(orders)
    per_customer = (
        orders.filter(pl.col("placed_at") < end)
        .group_by("customer_id")
        .agg(
            recency_days=(pl.lit(end) - pl.col("placed_at").max()).dt.total_days(),
            frequency=pl.len().cast(pl.Int64),
            monetary_minor=pl.col("total_minor").sum().cast(pl.Int64),
        )
        .with_columns(
            r=quintile(pl.col("recency_days"), descending=True),
            f=quintile(pl.col("frequency")),
            m=quintile(pl.col("monetary_minor")),
        )
    )
    segment = pl.lit(None, dtype=pl.String)
    for name, r, f in reversed(SEGMENTS):
        inside = pl.col("r").is_between(r.start, r.stop - 1) & pl.col("f").is_between(
            f.start, f.stop - 1
        )
        segment = pl.when(inside).then(pl.lit(name)).otherwise(segment)
    return per_customer.with_columns(segment=segment).sort("customer_id")


def segment_sizes(scores: pl.DataFrame) -> pl.DataFrame:
    """``rfm_scores``' frame -> segment, customers (Int64), share, monetary_share (Float64),
    in the grid's order (best first); segments nobody falls in are listed with zeros."""
    require(scores, "RFM scores", "segment", "monetary_minor")
    names = pl.DataFrame({"segment": [name for name, _, _ in SEGMENTS]})
    sizes = scores.group_by("segment").agg(
        customers=pl.len().cast(pl.Int64), monetary=pl.col("monetary_minor").sum()
    )
    total = max(scores.height, 1)
    revenue = scores["monetary_minor"].sum() or 1
    return (
        names.join(sizes, on="segment", how="left", maintain_order="left")
        .with_columns(pl.col("customers").fill_null(0), pl.col("monetary").fill_null(0))
        .select(
            "segment",
            "customers",
            share=pl.col("customers") / total,
            monetary_share=pl.col("monetary") / revenue,
        )
    )
