"""Instacart Online Grocery Shopping 2017: complete histories of sampled users, ``instacart/``.

Instacart published no dates: an order is placed in time only by its user's ``order_number``,
its weekday and hour, and the days since that user's previous order. Ids are integers.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from baro.datasets._paths import data_file
from baro.datasets._tables import flag, integer, read_table, schema, text, whole_number

FOLDER = "instacart"

_ORDER_COLUMNS = (
    integer("order_id", pl.Int32()),
    integer("user_id", pl.Int32()),
    text("eval_set"),
    integer("order_number", pl.Int16()),
    integer("order_dow", pl.Int8()),
    integer("order_hour_of_day", pl.Int8()),
    whole_number("days_since_prior_order", pl.Int16()),
)
_ORDER_PRODUCT_COLUMNS = (
    integer("order_id", pl.Int32()),
    integer("product_id", pl.Int32()),
    integer("add_to_cart_order", pl.Int16()),
    flag("reordered"),
)
_PRODUCT_COLUMNS = (
    integer("product_id", pl.Int32()),
    text("product_name"),
    integer("aisle_id", pl.Int16()),
    integer("department_id", pl.Int16()),
)
_AISLE_COLUMNS = (integer("aisle_id", pl.Int16()), text("aisle"))
_DEPARTMENT_COLUMNS = (integer("department_id", pl.Int16()), text("department"))

INSTACART_ORDERS_SCHEMA = schema(_ORDER_COLUMNS)
INSTACART_ORDER_PRODUCTS_SCHEMA = schema(_ORDER_PRODUCT_COLUMNS)
INSTACART_PRODUCTS_SCHEMA = schema(_PRODUCT_COLUMNS)
INSTACART_AISLES_SCHEMA = schema(_AISLE_COLUMNS)
INSTACART_DEPARTMENTS_SCHEMA = schema(_DEPARTMENT_COLUMNS)


def load_instacart_orders(data_dir: Path | None = None) -> pl.DataFrame:
    """Every order of the sampled users (``instacart/orders.csv.gz``).

    order_id: Int32, user_id: Int32, eval_set: String (``prior``; ``test`` for each user's
    last order, whose products Kaggle withheld), order_number: Int16 (1..n per user, no gaps),
    order_dow: Int8 (0..6, day of week), order_hour_of_day: Int8 (0..23),
    days_since_prior_order: Int16 (0..30, capped at 30 upstream; null for a first order).
    """
    path = data_file(data_dir, f"{FOLDER}/orders.csv.gz", what="Instacart orders")
    return read_table(path, _ORDER_COLUMNS)


def load_instacart_order_products_prior(data_dir: Path | None = None) -> pl.DataFrame:
    """The products of every ``prior`` order (``instacart/order_products__prior.csv.gz``).

    order_id: Int32, product_id: Int32, add_to_cart_order: Int16 (1 = first in the cart),
    reordered: Boolean (the user had bought this product before).
    """
    path = data_file(
        data_dir, f"{FOLDER}/order_products__prior.csv.gz", what="Instacart order products"
    )
    return read_table(path, _ORDER_PRODUCT_COLUMNS)


def load_instacart_products(data_dir: Path | None = None) -> pl.DataFrame:
    """The complete catalogue (``instacart/products.csv.gz``).

    product_id: Int32, product_name: String, aisle_id: Int16, department_id: Int16.
    """
    path = data_file(data_dir, f"{FOLDER}/products.csv.gz", what="Instacart products")
    return read_table(path, _PRODUCT_COLUMNS)


def load_instacart_aisles(data_dir: Path | None = None) -> pl.DataFrame:
    """aisle_id: Int16, aisle: String (``instacart/aisles.csv``)."""
    return read_table(
        data_file(data_dir, f"{FOLDER}/aisles.csv", what="Instacart aisles"), _AISLE_COLUMNS
    )


def load_instacart_departments(data_dir: Path | None = None) -> pl.DataFrame:
    """department_id: Int16, department: String (``instacart/departments.csv``)."""
    path = data_file(data_dir, f"{FOLDER}/departments.csv", what="Instacart departments")
    return read_table(path, _DEPARTMENT_COLUMNS)
