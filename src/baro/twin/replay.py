"""What the twin replays: a data set's orders with their customers, sellers and real timings.

Frames (times are timezone-aware UTC; money in integer minor units):

- ``orders``: order_id, customer_key, purchased_at, approved_at, carrier_at, delivered_at,
  estimated_at, status
- ``lines``: order_id, product_id, seller_id, quantity, price_minor
- ``customers``: customer_key, lat, lng, state
- ``sellers``: seller_id, lat, lng, state
- ``products``: product_id, category, weight_g, length_cm, width_cm, height_cm, price_minor
  (sizes may be null: the twin fills a default parcel)
- ``returns`` (only where the data set has them; None for Olist, whose cancellations are
  replayed as cancels): return_id, customer_key, returned_at, product_id, quantity (units
  sent back, > 0), one row per product of a return
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import polars as pl

from baro.datasets import (
    add_coordinates,
    load_olist_casestudy_customers,
    load_olist_casestudy_order_items,
    load_olist_casestudy_orders,
    load_olist_customers,
    load_olist_geolocation,
    load_olist_order_items,
    load_olist_orders,
    load_olist_sellers,
    load_online_retail,
)
from baro.twin.olist_catalogue import olist_product_frame


@dataclass(frozen=True)
class ReplayData:
    name: str
    currency: str
    orders: pl.DataFrame
    lines: pl.DataFrame
    customers: pl.DataFrame
    sellers: pl.DataFrame
    products: pl.DataFrame
    returns: pl.DataFrame | None = None

    @property
    def period(self) -> tuple[datetime, datetime]:
        first, last = self.orders.select(
            first=pl.col("purchased_at").min(), last=pl.col("purchased_at").max()
        ).row(0)
        return first, last

    def between(self, start: date | None, end: date | None) -> ReplayData:
        """Only the orders purchased in [start, end) (dates in UTC), with their lines, and
        the returns made in it."""
        orders = _dated(self.orders, "purchased_at", start, end)
        lines = self.lines.join(orders.select("order_id"), on="order_id", how="semi")
        returns = None if self.returns is None else _dated(self.returns, "returned_at", start, end)
        return replace(self, orders=orders, lines=lines, returns=returns)


def _dated(frame: pl.DataFrame, column: str, start: date | None, end: date | None) -> pl.DataFrame:
    if start is not None:
        frame = frame.filter(pl.col(column).dt.date() >= start)
    if end is not None:
        frame = frame.filter(pl.col(column).dt.date() < end)
    return frame


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
    return _olist(
        "olist",
        load_olist_orders(data_dir),
        load_olist_order_items(data_dir),
        load_olist_customers(data_dir),
        data_dir,
    )


def olist_casestudy_replay(data_dir: Path | None) -> ReplayData:
    """The Olist case-study sample's *delivered* orders ready to replay: an independent
    sample of the same network, over other months (2016-09 to 2018-06, less held-out ones).

    The sample holds every non-delivered order of the full data set but only about one
    delivered order in eighteen, spread evenly over the months; kept whole, its problem
    orders would weigh three times their real share of the load. Its delivered orders alone
    are a thinned but fair picture of the delivered flow. Sellers, products and the
    zip-prefix points come from ``olist/``."""
    orders = load_olist_casestudy_orders(data_dir).filter(pl.col("order_status") == "delivered")
    return _olist(
        "olist_casestudy",
        orders,
        load_olist_casestudy_order_items(data_dir),
        load_olist_casestudy_customers(data_dir),
        data_dir,
    )


def _olist(
    name: str,
    raw_orders: pl.DataFrame,
    items: pl.DataFrame,
    people: pl.DataFrame,
    data_dir: Path | None,
) -> ReplayData:
    """Olist-layout orders, order items and customers as replay frames, located by zip prefix."""
    geo = within_brazil(load_olist_geolocation(data_dir))
    orders = (
        raw_orders.join(people.select("customer_id", "customer_unique_id"), on="customer_id")
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
        items.group_by("order_id", "product_id", "seller_id")
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
    products = olist_product_frame(data_dir).join(
        lines.select("product_id").unique(), on="product_id", how="semi"
    )
    return ReplayData(name, "BRL", orders, lines, customers, sellers.sort("seller_id"), products)


# Online Retail has no addresses, only a country: customers are put at their country's
# main city (UK customers at one of the UK's largest cities, chosen by their id), and the
# retailer ships from one warehouse near London. Synthetic geography, said in the report.
RETAILER_WAREHOUSE = (51.5072, -0.1276)
UK_CITIES = (
    (51.5072, -0.1276),
    (52.4862, -1.8904),
    (53.4808, -2.2426),
    (53.8008, -1.5491),
    (55.8642, -4.2518),
    (53.4084, -2.9916),
    (51.4545, -2.5879),
    (54.9783, -1.6178),
    (52.9548, -1.1581),
    (50.9097, -1.4044),
)
COUNTRY_POINTS = {
    "Germany": (52.52, 13.40),
    "France": (48.86, 2.35),
    "EIRE": (53.35, -6.26),
    "Spain": (40.42, -3.70),
    "Netherlands": (52.37, 4.90),
    "Belgium": (50.85, 4.35),
    "Switzerland": (47.37, 8.54),
    "Australia": (-33.87, 151.21),
    "Portugal": (38.72, -9.14),
    "Norway": (59.91, 10.75),
    "Channel Islands": (49.46, -2.54),
    "Finland": (60.17, 24.94),
    "Italy": (41.90, 12.50),
    "Cyprus": (35.17, 33.36),
    "Sweden": (59.33, 18.07),
    "Japan": (35.68, 139.69),
    "Austria": (48.21, 16.37),
    "Denmark": (55.68, 12.57),
    "Poland": (52.23, 21.01),
    "Israel": (32.09, 34.78),
    "Singapore": (1.35, 103.82),
    "Canada": (43.65, -79.38),
    "Iceland": (64.15, -21.94),
    "Greece": (37.98, 23.73),
    "Malta": (35.90, 14.51),
    "United Arab Emirates": (25.20, 55.27),
    "European Community": (50.85, 4.35),
    "Lebanon": (33.89, 35.50),
    "Lithuania": (54.69, 25.28),
    "Brazil": (-23.55, -46.63),
    "USA": (40.71, -74.01),
    "Bahrain": (26.23, 50.59),
    "Czech Republic": (50.08, 14.44),
    "Saudi Arabia": (24.71, 46.68),
    "RSA": (-33.92, 18.42),
    "Hong Kong": (22.32, 114.17),
}


def _customer_point(customer_key: str, country: str) -> tuple[float, float]:
    if country in COUNTRY_POINTS:
        return COUNTRY_POINTS[country]
    # The UK, "Unspecified" and any country not listed: a UK city, stable per customer.
    return UK_CITIES[int(customer_key) % len(UK_CITIES)]


def online_retail_replay(data_dir: Path | None) -> ReplayData:
    """UCI Online Retail's invoices (sales to known customers) ready to replay, with their
    returns: the lines of the cancellation invoices (``C…``, negative quantities) of
    customers who bought, of products sold, one row per (invoice, product). A return names
    no sale: the twin takes the units back from the customer's latest order that holds the
    product. Most are partial (of 2,303 matched to such an invoice, 91 send back the whole
    invoice). There are no delivery timestamps: the twin's stage models for it are
    assumptions, not calibrations."""
    invoiced = load_online_retail(data_dir)
    sales = invoiced.filter(
        ~pl.col("is_cancellation"),
        pl.col("customer_id").is_not_null(),
        pl.col("quantity") > 0,
        pl.col("unit_price_minor") > 0,
    )
    orders = (
        sales.group_by("invoice_no")
        .agg(
            customer_key=pl.col("customer_id").first().cast(pl.String),
            purchased_at=pl.col("invoice_date").min(),
        )
        .select(
            order_id="invoice_no",
            customer_key="customer_key",
            purchased_at="purchased_at",
            **{
                column: pl.lit(None, dtype=pl.Datetime("us", "UTC"))
                for column in ("approved_at", "carrier_at", "delivered_at", "estimated_at")
            },
            status=pl.lit("invoiced"),
        )
        .sort("purchased_at", "order_id")
    )
    lines = (
        sales.group_by(order_id="invoice_no", product_id="stock_code")
        .agg(quantity=pl.col("quantity").sum(), price_minor=pl.col("unit_price_minor").first())
        .with_columns(seller_id=pl.lit("retailer"))
        .select("order_id", "product_id", "seller_id", "quantity", "price_minor")
        .sort("order_id", "product_id")
    )
    people = sales.group_by(customer_key=pl.col("customer_id").cast(pl.String)).agg(
        state=pl.col("country").first()
    )
    points = [_customer_point(key, country) for key, country in people.iter_rows()]
    customers = (
        people.with_columns(
            lat=pl.Series([p[0] for p in points]), lng=pl.Series([p[1] for p in points])
        )
        .select("customer_key", "lat", "lng", "state")
        .sort("customer_key")
    )
    sellers = pl.DataFrame(
        {
            "seller_id": ["retailer"],
            "lat": [RETAILER_WAREHOUSE[0]],
            "lng": [RETAILER_WAREHOUSE[1]],
            "state": ["United Kingdom"],
        }
    )
    products = (
        sales.group_by("stock_code")
        .agg(price_minor=pl.col("unit_price_minor").median().round().cast(pl.Int64))
        .select(
            product_id="stock_code",
            category=pl.lit("giftware"),
            **{
                c: pl.lit(None, dtype=pl.Int32)
                for c in ("weight_g", "length_cm", "width_cm", "height_cm")
            },
            price_minor="price_minor",
        )
    )
    returns = (
        invoiced.filter(pl.col("is_cancellation"), pl.col("quantity") < 0)
        .with_columns(customer_key=pl.col("customer_id").cast(pl.String))
        .join(customers.select("customer_key"), on="customer_key", how="semi")
        # Discounts (``D``) and fees were never sold: not returns of anything.
        .join(products.select(stock_code="product_id"), on="stock_code", how="semi")
        .group_by(return_id="invoice_no", product_id="stock_code")
        .agg(
            customer_key=pl.col("customer_key").first(),
            returned_at=pl.col("invoice_date").min(),
            quantity=-pl.col("quantity").sum(),
        )
        .select("return_id", "customer_key", "returned_at", "product_id", "quantity")
        .sort("returned_at", "return_id", "product_id")
    )
    return ReplayData("online_retail", "GBP", orders, lines, customers, sellers, products, returns)


REPLAYS: dict[str, Callable[[Path | None], ReplayData]] = {
    "olist": olist_replay,
    "olist_casestudy": olist_casestudy_replay,
    "online_retail": online_retail_replay,
}
