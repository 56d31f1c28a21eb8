"""Cohort retention: customers grouped by the month of their first purchase, and the share of
each cohort that buys again k months later."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from baro.intelligence.customers.frames import require


def observed_until(orders: pl.DataFrame) -> datetime:
    """The default end of observation: midnight (UTC) after the latest order."""
    require(orders, "orders", "placed_at")
    latest = orders["placed_at"].max()
    assert isinstance(latest, datetime), "an orders frame with at least one order"
    return latest.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def cohort_retention(orders: pl.DataFrame, *, as_of: datetime | None = None) -> pl.DataFrame:
    """customer_id, placed_at -> cohort (Date, the month's 1st), month (Int32, 0 = the month
    of the first purchase), customers (Int64, the cohort's size), active (Int64, customers who
    bought in that month), share (Float64).

    Only whole calendar months before ``as_of`` (default ``observed_until``) appear: a month
    cut short by the end of the data would read as customers leaving. Orders from ``as_of``
    on are ignored. The first cohort also holds everyone who bought before the data began.
    """
    require(orders, "orders", "customer_id", "placed_at")
    end = as_of or observed_until(orders)
    last = _month_before(end)
    month = pl.col("placed_at").dt.truncate("1mo").dt.date()
    active = (
        orders.filter(pl.col("placed_at") < end)
        .select("customer_id", month=month)
        .unique()
        .with_columns(cohort=pl.col("month").min().over("customer_id"))
        .filter(pl.col("month") <= last)
    )
    sizes = active.group_by("cohort").agg(customers=pl.col("customer_id").n_unique())
    counts = active.group_by("cohort", month_index=_months_between("cohort", "month")).agg(
        active=pl.len().cast(pl.Int64)
    )
    # A month in which nobody of a cohort bought is still observed: it is a zero, not a gap.
    grid = sizes.with_columns(
        month_index=pl.int_ranges(0, _months_between("cohort", pl.lit(last)) + 1, dtype=pl.Int32)
    ).explode("month_index")
    return (
        grid.join(counts, on=["cohort", "month_index"], how="left")
        .select(
            "cohort",
            month=pl.col("month_index").cast(pl.Int32),
            customers=pl.col("customers").cast(pl.Int64),
            active=pl.col("active").fill_null(0),
        )
        .with_columns(share=pl.col("active") / pl.col("customers"))
        .sort("cohort", "month")
    )


def _month_before(end: datetime) -> date:
    """The last calendar month that ends no later than ``end``."""
    first = end.date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _months_between(first: str, later: str | pl.Expr) -> pl.Expr:
    start = pl.col(first)
    stop = pl.col(later) if isinstance(later, str) else later
    return (
        (stop.dt.year() - start.dt.year()) * 12
        + stop.dt.month().cast(pl.Int32)
        - start.dt.month().cast(pl.Int32)
    ).cast(pl.Int32)


def retention_curve(table: pl.DataFrame) -> pl.DataFrame:
    """``cohort_retention``'s table -> month (Int32), cohorts, customers, active (Int64),
    share (Float64): each month since the first purchase pooled over the cohorts observed
    that long, so a young cohort does not pull the late months down."""
    require(table, "cohort table", "cohort", "month", "customers", "active")
    return (
        table.group_by("month")
        .agg(
            cohorts=pl.len().cast(pl.Int64),
            customers=pl.col("customers").sum().cast(pl.Int64),
            active=pl.col("active").sum().cast(pl.Int64),
        )
        .with_columns(share=pl.col("active") / pl.col("customers"))
        .sort("month")
    )
