"""Olist case-study loaders: payments, multi-line reviews, raw geolocation with zero-padding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from baro.datasets import (
    OLIST_GEOLOCATION_SCHEMA,
    OLIST_ORDERS_SCHEMA,
    OLIST_PAYMENTS_SCHEMA,
    OLIST_REVIEWS_SCHEMA,
    load_olist_casestudy_geolocation,
    load_olist_casestudy_orders,
    load_olist_casestudy_payments,
    load_olist_casestudy_reviews,
    one_point_per_prefix,
)

Put = Callable[[str, str], Path]


def test_casestudy_orders_share_the_olist_orders_schema(put: Put, data_dir: Path) -> None:
    put(
        "olist_casestudy/orders.csv.gz",
        "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
        "order_delivered_carrier_date,order_delivered_customer_date,"
        "order_estimated_delivery_date\n"
        "o1,c1,canceled,2016-09-04 21:15:19,,,,2016-10-20 00:00:00\n",
    )

    orders = load_olist_casestudy_orders(data_dir)

    assert orders.schema == pl.Schema(OLIST_ORDERS_SCHEMA)
    assert orders["order_approved_at"].item() is None


def test_payment_values_are_centavos(put: Put, data_dir: Path) -> None:
    put(
        "olist_casestudy/order_payments.csv.gz",
        "order_id,payment_sequential,payment_type,payment_installments,payment_value\n"
        "o1,1,credit_card,2,128.45\no1,2,voucher,1,541.0\n",
    )

    payments = load_olist_casestudy_payments(data_dir)

    assert payments.schema == pl.Schema(OLIST_PAYMENTS_SCHEMA)
    assert payments["payment_value_minor"].to_list() == [12845, 54100]


def test_reviews_keep_quoted_multi_line_comments(put: Put, data_dir: Path) -> None:
    put(
        "olist_casestudy/order_reviews.csv.gz",
        "review_id,order_id,review_score,review_comment_title,review_comment_message,"
        "review_creation_date,review_answer_timestamp\n"
        'r1,o1,1,,"Não chegou,\nainda espero",2018-03-08 00:00:00,2018-03-08 12:27:34\n'
        "r2,o2,5,,,2018-01-18 00:00:00,2018-01-18 19:12:30\n",
    )

    reviews = load_olist_casestudy_reviews(data_dir)

    assert reviews.schema == pl.Schema(OLIST_REVIEWS_SCHEMA)
    assert reviews["review_comment_message"].to_list() == ["Não chegou,\nainda espero", None]
    assert reviews["review_answer_timestamp"][0] == datetime(2018, 3, 8, 15, 27, 34, tzinfo=UTC)


def test_raw_geolocation_keeps_every_row_and_reduces_to_one_point_per_prefix(
    put: Put, data_dir: Path
) -> None:
    put(
        "olist_casestudy/geolocation.csv.gz",
        "geolocation_zip_code_prefix,geolocation_lat,geolocation_lng,geolocation_city,"
        "geolocation_state\n"
        "01012,-23.5,-46.6,sao paulo,SP\n01012,-23.7,-46.8,sao paulo,SP\n"
        "82820,-25.4,-49.2,curitiba,PR\n",
    )

    raw = load_olist_casestudy_geolocation(data_dir)
    lookup = one_point_per_prefix(raw)

    assert raw.schema == pl.Schema(OLIST_GEOLOCATION_SCHEMA)
    assert raw["zip_code_prefix"].to_list() == [1012, 1012, 82820]
    assert lookup["zip_code_prefix"].to_list() == [1012, 82820]
    assert lookup.row(0, named=True)["lat"] == -23.6
