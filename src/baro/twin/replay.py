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

BRAZIL = "America/Sao_Paulo"


class ReplayDataMissing(FileNotFoundError):
    """A file the replay needs is not in the data directory."""


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


def _local_to_utc(column: str) -> pl.Expr:
    """Olist stamps are Brazilian local time without an offset."""
    return (
        pl.col(column)
        .str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
        .dt.replace_time_zone(BRAZIL, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )


def _require(*paths: Path) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ReplayDataMissing(
            f"data files not found: {', '.join(missing)} (set --data-dir or BARO_DATA_DIR)"
        )


def olist_replay(data_dir: Path) -> ReplayData:
    """Olist's orders (the shared sample or the full set: same layout) ready to replay."""
    folder = data_dir / "olist"
    files = {
        name: folder / name
        for name in (
            "orders.csv.gz",
            "order_items.csv.gz",
            "customers.csv.gz",
            "sellers.csv",
            "geolocation_one_row_per_prefix.csv.gz",
        )
    }
    _require(*files.values())
    geo = pl.read_csv(
        files["geolocation_one_row_per_prefix.csv.gz"],
        schema_overrides={"geolocation_zip_code_prefix": pl.Int32},
    ).select(
        zip=pl.col("geolocation_zip_code_prefix"),
        lat=pl.col("geolocation_lat"),
        lng=pl.col("geolocation_lng"),
    )
    customers_raw = pl.read_csv(
        files["customers.csv.gz"], schema_overrides={"customer_zip_code_prefix": pl.Int32}
    )
    orders = (
        pl.read_csv(files["orders.csv.gz"], infer_schema_length=0)
        .join(customers_raw.select("customer_id", "customer_unique_id"), on="customer_id")
        .select(
            "order_id",
            customer_key=pl.col("customer_unique_id"),
            purchased_at=_local_to_utc("order_purchase_timestamp"),
            approved_at=_local_to_utc("order_approved_at"),
            carrier_at=_local_to_utc("order_delivered_carrier_date"),
            delivered_at=_local_to_utc("order_delivered_customer_date"),
            estimated_at=_local_to_utc("order_estimated_delivery_date"),
            status=pl.col("order_status"),
        )
        .drop_nulls("purchased_at")
        .sort("purchased_at", "order_id")
    )
    lines = (
        pl.read_csv(files["order_items.csv.gz"], schema_overrides={"price": pl.String})
        .with_columns(minor=(pl.col("price").str.to_decimal(scale=2) * 100).cast(pl.Int64))
        .group_by("order_id", "product_id", "seller_id")
        .agg(quantity=pl.len().cast(pl.Int32), price_minor=pl.col("minor").first())
        .sort("order_id", "product_id", "seller_id")
    )
    customers = (
        customers_raw.join(geo, left_on="customer_zip_code_prefix", right_on="zip")
        .group_by("customer_unique_id")
        .agg(pl.col("lat").first(), pl.col("lng").first(), state=pl.col("customer_state").first())
        .rename({"customer_unique_id": "customer_key"})
        .sort("customer_key")
    )
    sellers = (
        pl.read_csv(files["sellers.csv"], schema_overrides={"seller_zip_code_prefix": pl.Int32})
        .join(geo, left_on="seller_zip_code_prefix", right_on="zip")
        .select("seller_id", "lat", "lng", state=pl.col("seller_state"))
        .sort("seller_id")
    )
    # Keep only what can be placed on the map and priced: an order whose customer, seller
    # or items are unknown cannot be replayed.
    lines = lines.join(sellers.select("seller_id"), on="seller_id", how="semi")
    orders = orders.join(customers.select("customer_key"), on="customer_key", how="semi").join(
        lines.select("order_id").unique(), on="order_id", how="semi"
    )
    lines = lines.join(orders.select("order_id"), on="order_id", how="semi")
    return ReplayData("olist", "BRL", orders, lines, customers, sellers)


REPLAYS: dict[str, Callable[[Path], ReplayData]] = {"olist": olist_replay}
