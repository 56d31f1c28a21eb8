"""Olist case-study sample in ``<data dir>/olist_casestudy/``: payments, reviews, raw geolocation.

Biased on purpose upstream: it holds every non-delivered order of the full data set and only
some delivered ones, so it suits order-state, cancellation, support and delivery-delay work,
not demand forecasting. Same conventions as ``baro.datasets.olist`` (UTC instants, centavos,
integer zip prefixes); orders, order items and customers have the same schemas as there.
Products and sellers: use ``load_olist_products`` and ``load_olist_sellers``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from baro.datasets._tables import integer, local_timestamp, minor_units, schema, text
from baro.datasets.olist import (
    BRAZIL,
    CUSTOMER_COLUMNS,
    GEOLOCATION_COLUMNS,
    ORDER_COLUMNS,
    ORDER_ITEM_COLUMNS,
    read_olist_table,
)

FOLDER = "olist_casestudy"

_PAYMENT_COLUMNS = (
    text("order_id"),
    integer("payment_sequential", pl.Int16()),
    text("payment_type"),
    integer("payment_installments", pl.Int16()),
    minor_units("payment_value", "payment_value_minor"),
)
_REVIEW_COLUMNS = (
    text("review_id"),
    text("order_id"),
    integer("review_score", pl.Int8()),
    text("review_comment_title"),
    text("review_comment_message"),
    local_timestamp("review_creation_date", BRAZIL),
    local_timestamp("review_answer_timestamp", BRAZIL),
)

OLIST_PAYMENTS_SCHEMA = schema(_PAYMENT_COLUMNS)
OLIST_REVIEWS_SCHEMA = schema(_REVIEW_COLUMNS)


def load_olist_casestudy_orders(data_dir: Path | None = None) -> pl.DataFrame:
    """Orders (``olist_casestudy/orders.csv.gz``); schema ``OLIST_ORDERS_SCHEMA``."""
    return read_olist_table(
        data_dir, f"{FOLDER}/orders.csv.gz", ORDER_COLUMNS, "Olist case-study orders"
    )


def load_olist_casestudy_order_items(data_dir: Path | None = None) -> pl.DataFrame:
    """Order items (``olist_casestudy/order_items.csv.gz``); ``OLIST_ORDER_ITEMS_SCHEMA``.

    About one order in ten has no items (unavailable or canceled before picking).
    """
    return read_olist_table(
        data_dir,
        f"{FOLDER}/order_items.csv.gz",
        ORDER_ITEM_COLUMNS,
        "Olist case-study order items",
    )


def load_olist_casestudy_customers(data_dir: Path | None = None) -> pl.DataFrame:
    """Customers (``olist_casestudy/customers.csv.gz``); schema ``OLIST_CUSTOMERS_SCHEMA``."""
    return read_olist_table(
        data_dir, f"{FOLDER}/customers.csv.gz", CUSTOMER_COLUMNS, "Olist case-study customers"
    )


def load_olist_casestudy_payments(data_dir: Path | None = None) -> pl.DataFrame:
    """How each order was paid (``olist_casestudy/order_payments.csv.gz``).

    order_id: String, payment_sequential: Int16 (1, 2, … when one order is paid several ways),
    payment_type: String (credit_card, boleto, voucher, debit_card, not_defined),
    payment_installments: Int16, payment_value_minor: Int64 (centavos).
    """
    return read_olist_table(
        data_dir, f"{FOLDER}/order_payments.csv.gz", _PAYMENT_COLUMNS, "Olist case-study payments"
    )


def load_olist_casestudy_reviews(data_dir: Path | None = None) -> pl.DataFrame:
    """Customer reviews (``olist_casestudy/order_reviews.csv.gz``).

    review_id: String, order_id: String, review_score: Int8 (1..5), review_comment_title:
    String, review_comment_message: String (Portuguese, may span lines; both often null),
    review_creation_date: Datetime UTC (when the survey was sent), review_answer_timestamp:
    Datetime UTC.
    """
    return read_olist_table(
        data_dir, f"{FOLDER}/order_reviews.csv.gz", _REVIEW_COLUMNS, "Olist case-study reviews"
    )


def load_olist_casestudy_geolocation(data_dir: Path | None = None) -> pl.DataFrame:
    """Raw geolocation rows (``olist_casestudy/geolocation.csv.gz``), up to 8 per prefix.

    Schema ``OLIST_GEOLOCATION_SCHEMA`` (zip_code_prefix: Int32, lat, lng: Float64, city,
    state: String) but prefixes repeat: reduce with ``one_point_per_prefix`` before
    ``add_coordinates``.
    """
    return read_olist_table(
        data_dir,
        f"{FOLDER}/geolocation.csv.gz",
        GEOLOCATION_COLUMNS,
        "Olist case-study geolocation",
    )
