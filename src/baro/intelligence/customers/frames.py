"""The orders frame every customer measure reads, and how the real data sets make one.

An orders frame has one row per order:

    order_id (String), customer_id (String), placed_at (Datetime, UTC), total_minor (Int64,
    what the customer paid for the goods, minor units), currency (String), items (Int64, units)

and, where the source knows them, shipping_minor (Int64: what shipping the order cost the
retailer) and margin_minor (Int64: contribution margin before shipping). A measure checks
only the columns it reads, so a twin run's (customer_id, total_minor) frame serves the
revenue shares.
"""

from __future__ import annotations

import polars as pl

from baro.intelligence.customers.errors import InvalidFrame

UTC_TIME = pl.Datetime("us", "UTC")


def require(frame: pl.DataFrame, what: str, *columns: str) -> None:
    """Raise ``InvalidFrame`` naming the columns ``frame`` lacks; ``placed_at``-like time
    columns must be timezone-aware UTC (a naive one would shift every month boundary)."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InvalidFrame(f"{what} frame lacks {', '.join(missing)} (has {frame.columns})")
    for column in columns:
        dtype = frame.schema[column]
        if isinstance(dtype, pl.Datetime) and dtype.time_zone != "UTC":
            raise InvalidFrame(f"{what}.{column} must be UTC, is {dtype}")


def currency_of(orders: pl.DataFrame) -> str:
    """The one currency of ``orders``: sums of money across currencies mean nothing."""
    require(orders, "orders", "currency")
    currencies = orders["currency"].unique().drop_nulls().sort().to_list()
    if len(currencies) != 1:
        raise InvalidFrame(
            f"orders must be in one currency to add their money, found {currencies or 'none'}: "
            "measure each currency on its own"
        )
    return str(currencies[0])


def online_retail_orders(lines: pl.DataFrame) -> pl.DataFrame:
    """Orders (the module's columns, GBP, no shipping or margin: the data set has neither)
    from ``baro.datasets.load_online_retail``'s invoice lines: known customers, sales only
    (no cancellations, returns or adjustments), one order per invoice."""
    return (
        lines.filter(
            ~pl.col("is_cancellation"),
            pl.col("customer_id").is_not_null(),
            pl.col("quantity") > 0,
        )
        .group_by("invoice_no")
        .agg(
            customer_id=pl.col("customer_id").first().cast(pl.String),
            placed_at=pl.col("invoice_date").min(),
            total_minor=(pl.col("quantity") * pl.col("unit_price_minor")).sum().cast(pl.Int64),
            items=pl.col("quantity").sum().cast(pl.Int64),
        )
        .select(
            order_id="invoice_no",
            customer_id="customer_id",
            placed_at=pl.col("placed_at").cast(UTC_TIME),
            total_minor="total_minor",
            currency=pl.lit("GBP"),
            items="items",
        )
    )


def olist_orders(orders: pl.DataFrame, items: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Orders (the module's columns, BRL) from Olist's loaders' frames. The customer is the
    person (``customer_unique_id``: Olist gives every order a new ``customer_id``);
    shipping_minor is the freight the order was charged, the data set's only trace of what
    shipping cost. Every status is kept, as the twin's replay keeps it."""
    totals = items.group_by("order_id").agg(
        total_minor=pl.col("price_minor").sum().cast(pl.Int64),
        items=pl.len().cast(pl.Int64),
        shipping_minor=pl.col("freight_value_minor").sum().cast(pl.Int64),
    )
    return (
        orders.join(people.select("customer_id", "customer_unique_id"), on="customer_id")
        .join(totals, on="order_id")
        .select(
            order_id=pl.col("order_id").cast(pl.String),
            customer_id=pl.col("customer_unique_id").cast(pl.String),
            placed_at=pl.col("order_purchase_timestamp").cast(UTC_TIME),
            total_minor="total_minor",
            currency=pl.lit("BRL"),
            items="items",
            shipping_minor="shipping_minor",
        )
    )
