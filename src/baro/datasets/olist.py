"""Olist Brazilian E-Commerce: the uniform order sample of 2017 in ``<data dir>/olist/``.

Conventions of every Olist frame (also those of ``olist_casestudy``):

- Times are Brazilian wall-clock times in the files (``America/Sao_Paulo``, no offset written);
  the frames hold them as UTC instants, ``Datetime("us", "UTC")``, with DST honoured (see
  ``_tables.local_timestamp`` for the ambiguous and skipped hours).
- Money is integer centavos (BRL minor units), in columns suffixed ``_minor``: ``199.9`` in the
  file is ``19990``. Parsed from the decimal text, rounding half to even, never through a float.
- Zip-code prefixes are ``Int32``: the sample lost leading zeros in some files (``4571``) and
  kept them in others (``"04195"``), so they are only comparable as integers.
- Other names are the source's, in snake_case, except the two ``lenght`` typos in products.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from baro.datasets._paths import data_file
from baro.datasets._tables import (
    Column,
    integer,
    local_timestamp,
    minor_units,
    read_table,
    real,
    schema,
    text,
)

BRAZIL = "America/Sao_Paulo"
FOLDER = "olist"

ORDER_COLUMNS = (
    text("order_id"),
    text("customer_id"),
    text("order_status"),
    local_timestamp("order_purchase_timestamp", BRAZIL),
    local_timestamp("order_approved_at", BRAZIL),
    local_timestamp("order_delivered_carrier_date", BRAZIL),
    local_timestamp("order_delivered_customer_date", BRAZIL),
    local_timestamp("order_estimated_delivery_date", BRAZIL),
)
ORDER_ITEM_COLUMNS = (
    text("order_id"),
    integer("order_item_id", pl.Int16()),
    text("product_id"),
    text("seller_id"),
    local_timestamp("shipping_limit_date", BRAZIL),
    minor_units("price", "price_minor"),
    minor_units("freight_value", "freight_value_minor"),
)
CUSTOMER_COLUMNS = (
    text("customer_id"),
    text("customer_unique_id"),
    integer("customer_zip_code_prefix", pl.Int32()),
    text("customer_city"),
    text("customer_state"),
)
GEOLOCATION_COLUMNS = (
    integer("geolocation_zip_code_prefix", pl.Int32(), "zip_code_prefix"),
    real("geolocation_lat", "lat"),
    real("geolocation_lng", "lng"),
    text("geolocation_city", "city"),
    text("geolocation_state", "state"),
)
_SELLER_COLUMNS = (
    text("seller_id"),
    integer("seller_zip_code_prefix", pl.Int32()),
    text("seller_city"),
    text("seller_state"),
)
_PRODUCT_COLUMNS = (
    text("product_id"),
    text("product_category_name"),
    integer("product_name_lenght", pl.Int32(), "product_name_length"),
    integer("product_description_lenght", pl.Int32(), "product_description_length"),
    integer("product_photos_qty", pl.Int32()),
    integer("product_weight_g", pl.Int32()),
    integer("product_length_cm", pl.Int32()),
    integer("product_height_cm", pl.Int32()),
    integer("product_width_cm", pl.Int32()),
)
_CATEGORY_TRANSLATION_COLUMNS = (
    text("product_category_name"),
    text("product_category_name_english"),
)

OLIST_ORDERS_SCHEMA = schema(ORDER_COLUMNS)
OLIST_ORDER_ITEMS_SCHEMA = schema(ORDER_ITEM_COLUMNS)
OLIST_CUSTOMERS_SCHEMA = schema(CUSTOMER_COLUMNS)
OLIST_GEOLOCATION_SCHEMA = schema(GEOLOCATION_COLUMNS)
OLIST_SELLERS_SCHEMA = schema(_SELLER_COLUMNS)
OLIST_PRODUCTS_SCHEMA = schema(_PRODUCT_COLUMNS)
OLIST_CATEGORY_TRANSLATION_SCHEMA = schema(_CATEGORY_TRANSLATION_COLUMNS)


def read_olist_table(
    data_dir: Path | None, relative: str, columns: tuple[Column, ...], what: str
) -> pl.DataFrame:
    return read_table(data_file(data_dir, relative, what=what), columns)


def load_olist_orders(data_dir: Path | None = None) -> pl.DataFrame:
    """One row per order (``olist/orders.csv.gz``).

    order_id: String, customer_id: String (one per order; ``customer_unique_id`` in the
    customers frame identifies the person), order_status: String (delivered, shipped, canceled,
    unavailable, invoiced, processing, created, approved), then UTC ``Datetime("us", "UTC")``:
    order_purchase_timestamp, order_approved_at, order_delivered_carrier_date,
    order_delivered_customer_date (null until it happened), order_estimated_delivery_date (the
    promised day: local midnight).
    """
    return read_olist_table(data_dir, f"{FOLDER}/orders.csv.gz", ORDER_COLUMNS, "Olist orders")


def load_olist_order_items(data_dir: Path | None = None) -> pl.DataFrame:
    """One row per unit sold (``olist/order_items.csv.gz``): two of a product are two rows.

    order_id: String, order_item_id: Int16 (1, 2, … within the order), product_id: String,
    seller_id: String, shipping_limit_date: Datetime UTC (the seller's hand-over deadline),
    price_minor: Int64 (centavos), freight_value_minor: Int64 (centavos, this item's share).
    """
    return read_olist_table(
        data_dir, f"{FOLDER}/order_items.csv.gz", ORDER_ITEM_COLUMNS, "Olist order items"
    )


def load_olist_customers(data_dir: Path | None = None) -> pl.DataFrame:
    """One row per order's customer record (``olist/customers.csv.gz``).

    customer_id: String, customer_unique_id: String (the person, across orders),
    customer_zip_code_prefix: Int32 (first five digits of the CEP), customer_city: String,
    customer_state: String (two-letter UF).
    """
    return read_olist_table(
        data_dir, f"{FOLDER}/customers.csv.gz", CUSTOMER_COLUMNS, "Olist customers"
    )


def load_olist_sellers(data_dir: Path | None = None) -> pl.DataFrame:
    """Every Olist seller (``olist/sellers.csv``, complete, not sampled).

    seller_id: String, seller_zip_code_prefix: Int32, seller_city: String, seller_state: String.
    """
    return read_olist_table(data_dir, f"{FOLDER}/sellers.csv", _SELLER_COLUMNS, "Olist sellers")


def load_olist_products(data_dir: Path | None = None) -> pl.DataFrame:
    """Every Olist product (``olist/products.csv.gz``, complete, not sampled).

    product_id: String, product_category_name: String (Portuguese; null for a few),
    product_name_length: Int32, product_description_length: Int32 (characters; ``lenght`` in
    the source), product_photos_qty: Int32, product_weight_g: Int32, product_length_cm: Int32,
    product_height_cm: Int32, product_width_cm: Int32. Any of the numbers may be null.
    """
    return read_olist_table(
        data_dir, f"{FOLDER}/products.csv.gz", _PRODUCT_COLUMNS, "Olist products"
    )


def load_olist_category_translation(data_dir: Path | None = None) -> pl.DataFrame:
    """Portuguese category name to English (``olist/product_category_name_translation.csv``).

    product_category_name: String, product_category_name_english: String.
    """
    return read_olist_table(
        data_dir,
        f"{FOLDER}/product_category_name_translation.csv",
        _CATEGORY_TRANSLATION_COLUMNS,
        "Olist category translation",
    )


def load_olist_geolocation(data_dir: Path | None = None) -> pl.DataFrame:
    """One point per zip-code prefix (``olist/geolocation_one_row_per_prefix.csv.gz``).

    zip_code_prefix: Int32 (unique), lat: Float64, lng: Float64 (degrees, WGS 84),
    city: String, state: String. A prefix→point lookup for ``add_coordinates``, not raw data.
    """
    return read_olist_table(
        data_dir,
        f"{FOLDER}/geolocation_one_row_per_prefix.csv.gz",
        GEOLOCATION_COLUMNS,
        "Olist geolocation",
    )


def one_point_per_prefix(geolocation: pl.DataFrame) -> pl.DataFrame:
    """A lookup from raw geolocation rows (several per prefix, as in ``olist_casestudy``).

    zip_code_prefix, lat, lng, city, state -> the same columns, one row per prefix, sorted: the
    median latitude and longitude of the prefix's rows, and its most frequent city and state.
    """
    return (
        geolocation.group_by("zip_code_prefix")
        .agg(
            pl.col("lat").median(),
            pl.col("lng").median(),
            pl.col("city").mode().sort().first(),
            pl.col("state").mode().sort().first(),
        )
        .sort("zip_code_prefix")
    )


def add_coordinates(frame: pl.DataFrame, lookup: pl.DataFrame, zip_column: str) -> pl.DataFrame:
    """``frame`` with ``lat`` and ``lng`` (Float64) of the prefix in ``zip_column`` appended.

    One row out per row in, in the same order; lat and lng are null where ``lookup`` has no
    point for the prefix. ``lookup`` is zip_code_prefix, lat, lng with unique prefixes
    (``load_olist_geolocation``, or ``one_point_per_prefix`` of raw rows). For example
    ``add_coordinates(customers, lookup, "customer_zip_code_prefix")`` or
    ``add_coordinates(sellers, lookup, "seller_zip_code_prefix")``.
    """
    prefixes = lookup.get_column("zip_code_prefix")
    if prefixes.is_duplicated().any():
        raise ValueError(
            "the lookup has several rows for a zip-code prefix "
            f"({prefixes.filter(prefixes.is_duplicated()).to_list()[0]}); "
            "reduce raw geolocation rows with one_point_per_prefix first"
        )
    points = lookup.select(pl.col("zip_code_prefix").alias(zip_column), "lat", "lng")
    return frame.join(points, on=zip_column, how="left", maintain_order="left")
