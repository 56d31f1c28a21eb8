"""What the twin replays: a data set's orders with their customers, sellers and real timings.

Frames (times are timezone-aware UTC; money in integer minor units):

- ``orders``: order_id, customer_key, purchased_at, approved_at, carrier_at, delivered_at,
  estimated_at, status
- ``lines``: order_id, product_id, seller_id, quantity, price_minor
- ``customers``: customer_key, lat, lng, state
- ``sellers``: seller_id, lat, lng, state
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from baro.datasets import (
    add_coordinates,
    load_olist_customers,
    load_olist_geolocation,
    load_olist_order_items,
    load_olist_orders,
    load_olist_sellers,
)


@dataclass(frozen=True)
class ReplayData:
    name: str
    currency: str
    orders: pl.DataFrame
    lines: pl.DataFrame
    customers: pl.DataFrame
    sellers: pl.DataFrame

    @property
    def period(self) -> tuple[datetime, datetime]:
        first, last = self.orders.select(
            first=pl.col("purchased_at").min(), last=pl.col("purchased_at").max()
        ).row(0)
        return first, last

    def between(self, start: date | None, end: date | None) -> ReplayData:
        """Only the orders purchased in [start, end) (dates in UTC), with their lines."""
        orders = self.orders
        if start is not None:
            orders = orders.filter(pl.col("purchased_at").dt.date() >= start)
        if end is not None:
            orders = orders.filter(pl.col("purchased_at").dt.date() < end)
        lines = self.lines.join(orders.select("order_id"), on="order_id", how="semi")
        return ReplayData(self.name, self.currency, orders, lines, self.customers, self.sellers)


# Olist's geolocation table has a few points far outside Brazil (typing errors in the
# source); they are treated as unknown rather than drawn in the Atlantic.
BRAZIL_LAT = (-34.0, 5.5)
BRAZIL_LNG = (-74.0, -34.5)


def within_brazil(lookup: pl.DataFrame) -> pl.DataFrame:
    return lookup.filter(
        pl.col("lat").is_between(*BRAZIL_LAT), pl.col("lng").is_between(*BRAZIL_LNG)
    )


def locate(frame: pl.DataFrame, lookup: pl.DataFrame, zip_column: str) -> pl.DataFrame:
    """``frame`` with lat, lng of its zip prefix. A prefix missing from the lookup takes the
    numerically nearest known prefix: Brazilian CEPs are assigned region by region, so close
    numbers are close places (a prefix is a number, not a string)."""
    located = add_coordinates(frame, lookup, zip_column)
    missing = located.filter(pl.col("lat").is_null())
    if missing.height == 0:
        return located
    nearest = (
        missing.drop("lat", "lng")
        .with_row_index("_row")
        .sort(zip_column)
        .join_asof(
            lookup.select(pl.col("zip_code_prefix").alias(zip_column), "lat", "lng").sort(
                zip_column
            ),
            on=zip_column,
            strategy="nearest",
        )
        .sort("_row")
        .drop("_row")
    )
    return pl.concat([located.filter(pl.col("lat").is_not_null()), nearest])


def olist_replay(data_dir: Path | None) -> ReplayData:
    """Olist's orders (the shared sample or the full set: same layout) ready to replay."""
    geo = within_brazil(load_olist_geolocation(data_dir))
    people = load_olist_customers(data_dir)
    orders = (
        load_olist_orders(data_dir)
        .join(people.select("customer_id", "customer_unique_id"), on="customer_id")
        .select(
            "order_id",
            customer_key=pl.col("customer_unique_id"),
            purchased_at=pl.col("order_purchase_timestamp"),
            approved_at=pl.col("order_approved_at"),
            carrier_at=pl.col("order_delivered_carrier_date"),
            delivered_at=pl.col("order_delivered_customer_date"),
            estimated_at=pl.col("order_estimated_delivery_date"),
            status=pl.col("order_status"),
        )
        .drop_nulls("purchased_at")
        .sort("purchased_at", "order_id")
    )
    lines = (
        load_olist_order_items(data_dir)
        .group_by("order_id", "product_id", "seller_id")
        .agg(quantity=pl.len().cast(pl.Int32), price_minor=pl.col("price_minor").first())
        .sort("order_id", "product_id", "seller_id")
    )
    customers = (
        locate(people, geo, "customer_zip_code_prefix")
        .group_by("customer_unique_id")
        .agg(pl.col("lat").first(), pl.col("lng").first(), state=pl.col("customer_state").first())
        .rename({"customer_unique_id": "customer_key"})
        .sort("customer_key")
    )
    sellers = locate(load_olist_sellers(data_dir), geo, "seller_zip_code_prefix").select(
        "seller_id", "lat", "lng", state=pl.col("seller_state")
    )
    # An order without items cannot be placed: leave it out (the report counts them).
    orders = orders.join(lines.select("order_id").unique(), on="order_id", how="semi")
    return ReplayData("olist", "BRL", orders, lines, customers, sellers.sort("seller_id"))


REPLAYS: dict[str, Callable[[Path | None], ReplayData]] = {"olist": olist_replay}
