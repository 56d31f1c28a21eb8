"""Instacart loaders: integer ids, pandas-written floats as whole numbers, 0/1 flags."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from baro.datasets import (
    INSTACART_AISLES_SCHEMA,
    INSTACART_DEPARTMENTS_SCHEMA,
    INSTACART_ORDER_PRODUCTS_SCHEMA,
    INSTACART_ORDERS_SCHEMA,
    INSTACART_PRODUCTS_SCHEMA,
    DatasetCorrupt,
    load_instacart_aisles,
    load_instacart_departments,
    load_instacart_order_products_prior,
    load_instacart_orders,
    load_instacart_products,
)

Put = Callable[[str, str], Path]
ORDERS_HEADER = (
    "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n"
)


def test_orders_keep_the_relative_timing_as_integers(put: Put, data_dir: Path) -> None:
    put(
        "instacart/orders.csv.gz",
        ORDERS_HEADER + "1257636,347,prior,1,2,14,\n2190644,347,prior,2,2,9,7.0\n"
        "3000000,347,test,3,0,0,30.0\n",
    )

    orders = load_instacart_orders(data_dir)

    assert orders.schema == pl.Schema(INSTACART_ORDERS_SCHEMA)
    assert orders["days_since_prior_order"].to_list() == [None, 7, 30]
    assert orders["order_hour_of_day"].to_list() == [14, 9, 0]
    assert orders["order_id"].to_list() == [1257636, 2190644, 3000000]


def test_a_fractional_day_count_is_corrupt(put: Put, data_dir: Path) -> None:
    put("instacart/orders.csv.gz", ORDERS_HEADER + "1,347,prior,2,2,9,7.5\n")

    with pytest.raises(DatasetCorrupt, match=r"days_since_prior_order.*'7\.5'"):
        load_instacart_orders(data_dir)


def test_order_products_flag_reorders(put: Put, data_dir: Path) -> None:
    put(
        "instacart/order_products__prior.csv.gz",
        "order_id,product_id,add_to_cart_order,reordered\n122,17794,1,0\n122,18644,2,1\n",
    )

    lines = load_instacart_order_products_prior(data_dir)

    assert lines.schema == pl.Schema(INSTACART_ORDER_PRODUCTS_SCHEMA)
    assert lines["reordered"].to_list() == [False, True]


def test_a_flag_other_than_0_or_1_is_corrupt(put: Put, data_dir: Path) -> None:
    put(
        "instacart/order_products__prior.csv.gz",
        "order_id,product_id,add_to_cart_order,reordered\n122,17794,1,yes\n",
    )

    with pytest.raises(DatasetCorrupt, match="reordered"):
        load_instacart_order_products_prior(data_dir)


def test_catalogue_tables_have_integer_keys(put: Put, data_dir: Path) -> None:
    put(
        "instacart/products.csv.gz",
        'product_id,product_name,aisle_id,department_id\n1,"Cookies, Chocolate",61,19\n',
    )
    put("instacart/aisles.csv", "aisle_id,aisle\n61,cookies cakes\n")
    put("instacart/departments.csv", "department_id,department\n19,snacks\n")

    products = load_instacart_products(data_dir)
    aisles = load_instacart_aisles(data_dir)
    departments = load_instacart_departments(data_dir)

    assert products.schema == pl.Schema(INSTACART_PRODUCTS_SCHEMA)
    assert aisles.schema == pl.Schema(INSTACART_AISLES_SCHEMA)
    assert departments.schema == pl.Schema(INSTACART_DEPARTMENTS_SCHEMA)
    assert products.join(aisles, on="aisle_id").join(departments, on="department_id").row(0) == (
        1,
        "Cookies, Chocolate",
        61,
        19,
        "cookies cakes",
        "snacks",
    )
