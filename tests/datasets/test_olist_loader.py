"""Olist loaders on tiny files written by each test: types, UTC, centavos, prefixes, errors."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from baro.datasets import (
    OLIST_CATEGORY_TRANSLATION_SCHEMA,
    OLIST_CUSTOMERS_SCHEMA,
    OLIST_GEOLOCATION_SCHEMA,
    OLIST_ORDER_ITEMS_SCHEMA,
    OLIST_ORDERS_SCHEMA,
    OLIST_PRODUCTS_SCHEMA,
    OLIST_SELLERS_SCHEMA,
    DatasetCorrupt,
    DatasetMissing,
    add_coordinates,
    load_olist_category_translation,
    load_olist_customers,
    load_olist_geolocation,
    load_olist_order_items,
    load_olist_orders,
    load_olist_products,
    load_olist_sellers,
    one_point_per_prefix,
)

Put = Callable[[str, str], Path]

ORDERS_HEADER = (
    "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date\n"
)
ITEMS_HEADER = (
    "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n"
)
CUSTOMERS_HEADER = (
    "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state\n"
)
GEOLOCATION_HEADER = (
    "geolocation_zip_code_prefix,geolocation_lat,geolocation_lng,geolocation_city,"
    "geolocation_state\n"
)


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def put_orders(put: Put, *purchase_times: str) -> None:
    rows = "".join(
        f"o{n},c{n},delivered,{time},{time},,,2017-10-18 00:00:00\n"
        for n, time in enumerate(purchase_times)
    )
    put("olist/orders.csv.gz", ORDERS_HEADER + rows)


def test_orders_have_the_documented_schema_and_nulls_for_events_not_yet_happened(
    put: Put, data_dir: Path
) -> None:
    put_orders(put, "2017-10-02 10:56:33")

    orders = load_olist_orders(data_dir)

    assert orders.schema == pl.Schema(OLIST_ORDERS_SCHEMA)
    assert orders.row(0, named=True)["order_delivered_customer_date"] is None
    assert orders.row(0, named=True)["order_status"] == "delivered"


def test_brazilian_wall_clock_times_become_utc_with_daylight_saving(
    put: Put, data_dir: Path
) -> None:
    # Brazil kept DST until 2019: UTC-3 in winter, UTC-2 from mid-October to mid-February.
    put_orders(put, "2017-10-02 10:56:33", "2017-12-01 10:00:00")

    purchased = load_olist_orders(data_dir)["order_purchase_timestamp"].to_list()

    assert purchased == [utc(2017, 10, 2, 13, 56, 33), utc(2017, 12, 1, 12, 0, 0)]


@pytest.mark.parametrize(
    "wall_clock",
    [
        "2017-10-15 00:30:00",  # inside the spring-forward gap: no clock showed it
        "2018-02-17 23:30:00",  # in the repeated hour when DST ended
        "2016-10-16 00:00:00",  # midnight that did not exist (a promised delivery day)
        "2017-06-01 12:00:00",
    ],
)
def test_skipped_and_repeated_hours_convert_as_zoneinfo_does(
    put: Put, data_dir: Path, wall_clock: str
) -> None:
    put_orders(put, wall_clock)

    converted = load_olist_orders(data_dir)["order_purchase_timestamp"].item()

    naive = datetime.strptime(wall_clock, "%Y-%m-%d %H:%M:%S")
    expected = naive.replace(tzinfo=ZoneInfo("America/Sao_Paulo")).astimezone(UTC)
    assert converted == expected


def test_prices_are_exact_centavos_rounded_half_to_even(put: Put, data_dir: Path) -> None:
    put(
        "olist/order_items.csv.gz",
        ITEMS_HEADER
        + "o1,1,p1,s1,2017-02-13 13:57:51,199.9,18.14\n"
        + "o1,2,p1,s1,2017-02-13 13:57:51,0.1,144.0\n"
        + "o2,1,p2,s1,2017-02-13 13:57:51,10.125,10.135\n",
    )

    items = load_olist_order_items(data_dir)

    assert items.schema == pl.Schema(OLIST_ORDER_ITEMS_SCHEMA)
    assert items["price_minor"].to_list() == [19990, 10, 1012]
    assert items["freight_value_minor"].to_list() == [1814, 14400, 1014]
    assert items["shipping_limit_date"][0] == utc(2017, 2, 13, 15, 57, 51)


def test_zip_prefixes_compare_as_integers_with_or_without_leading_zeros(
    put: Put, data_dir: Path
) -> None:
    put("olist/customers.csv.gz", CUSTOMERS_HEADER + "c1,u1,4571,sao paulo,SP\n")
    put(
        "olist/sellers.csv",
        '"seller_id","seller_zip_code_prefix","seller_city","seller_state"\n'
        '"s1","04571",sao paulo,SP\n',
    )

    customers = load_olist_customers(data_dir)
    sellers = load_olist_sellers(data_dir)

    assert customers.schema == pl.Schema(OLIST_CUSTOMERS_SCHEMA)
    assert sellers.schema == pl.Schema(OLIST_SELLERS_SCHEMA)
    assert customers["customer_zip_code_prefix"].item() == sellers["seller_zip_code_prefix"].item()


def test_products_fix_the_sources_lenght_typo_and_keep_missing_sizes_null(
    put: Put, data_dir: Path
) -> None:
    put(
        "olist/products.csv.gz",
        '"product_id","product_category_name","product_name_lenght",'
        '"product_description_lenght","product_photos_qty","product_weight_g",'
        '"product_length_cm","product_height_cm","product_width_cm"\n'
        '"p1",perfumaria,40,287,1,225,16,10,14\n'
        '"p2",,,,,,,,\n',
    )

    products = load_olist_products(data_dir)

    assert products.schema == pl.Schema(OLIST_PRODUCTS_SCHEMA)
    assert products.row(0, named=True)["product_name_length"] == 40
    assert products.row(1, named=True)["product_weight_g"] is None


def test_category_translation_reads_past_the_byte_order_mark(put: Put, data_dir: Path) -> None:
    put(
        "olist/product_category_name_translation.csv",
        "\ufeffproduct_category_name,product_category_name_english\nbeleza_saude,health_beauty\n",
    )

    translation = load_olist_category_translation(data_dir)

    assert translation.schema == pl.Schema(OLIST_CATEGORY_TRANSLATION_SCHEMA)
    assert translation.row(0) == ("beleza_saude", "health_beauty")


def test_customers_and_sellers_get_the_point_of_their_prefix(put: Put, data_dir: Path) -> None:
    put(
        "olist/geolocation_one_row_per_prefix.csv.gz",
        GEOLOCATION_HEADER + "1001,-23.549292,-46.63355948,sao paulo,SP\n",
    )
    put(
        "olist/customers.csv.gz",
        CUSTOMERS_HEADER + "c1,u1,99999,nowhere,XX\nc2,u2,01001,sao paulo,SP\n",
    )
    lookup = load_olist_geolocation(data_dir)

    located = add_coordinates(load_olist_customers(data_dir), lookup, "customer_zip_code_prefix")

    assert lookup.schema == pl.Schema(OLIST_GEOLOCATION_SCHEMA)
    assert located["customer_id"].to_list() == ["c1", "c2"]
    assert located.row(0, named=True)["lat"] is None
    assert located.row(1, named=True)["lat"] == pytest.approx(-23.549292)
    assert located.row(1, named=True)["lng"] == pytest.approx(-46.63355948)


def test_raw_geolocation_must_be_reduced_to_one_point_per_prefix_before_joining() -> None:
    raw = pl.DataFrame(
        {
            "zip_code_prefix": [1001, 1001, 1001, 2002],
            "lat": [-23.0, -24.0, -23.5, -10.0],
            "lng": [-46.0, -47.0, -46.5, -40.0],
            "city": ["sao paulo", "sao paulo", "sp", "x"],
            "state": ["SP", "SP", "SP", "BA"],
        },
        schema_overrides={"zip_code_prefix": pl.Int32},
    )
    sellers = pl.DataFrame(
        {"seller_id": ["s1"], "seller_zip_code_prefix": [1001]},
        schema_overrides={"seller_zip_code_prefix": pl.Int32},
    )

    with pytest.raises(ValueError, match="one_point_per_prefix"):
        add_coordinates(sellers, raw, "seller_zip_code_prefix")
    lookup = one_point_per_prefix(raw)

    assert lookup.row(0) == (1001, -23.5, -46.5, "sao paulo", "SP")
    assert add_coordinates(sellers, lookup, "seller_zip_code_prefix")["lat"].item() == -23.5


def test_a_missing_file_names_the_file_the_data_dir_and_how_to_point_at_it(
    data_dir: Path,
) -> None:
    with pytest.raises(DatasetMissing) as raised:
        load_olist_orders(data_dir)

    message = str(raised.value)
    assert str(data_dir / "olist" / "orders.csv.gz") in message
    assert f"data dir {data_dir}" in message
    assert "BARO_DATA_DIR" in message and "--data-dir" in message


def test_a_wrong_header_says_which_columns_are_missing(put: Put, data_dir: Path) -> None:
    put("olist/orders.csv.gz", "order_id,customer\no1,c1\n")

    with pytest.raises(DatasetCorrupt, match=r"missing column.*customer_id") as raised:
        load_olist_orders(data_dir)

    assert raised.value.path == data_dir / "olist" / "orders.csv.gz"


def test_a_file_that_is_not_gzip_is_corrupt(data_dir: Path) -> None:
    path = data_dir / "olist" / "orders.csv.gz"
    path.parent.mkdir()
    path.write_text(ORDERS_HEADER)

    with pytest.raises(DatasetCorrupt, match="not a complete gzip file"):
        load_olist_orders(data_dir)


def test_a_truncated_gzip_is_corrupt(data_dir: Path) -> None:
    path = data_dir / "olist" / "orders.csv.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress((ORDERS_HEADER + "o1,c1,delivered\n" * 500).encode())[:60])

    with pytest.raises(DatasetCorrupt, match="gzip"):
        load_olist_orders(data_dir)


def test_a_value_of_the_wrong_type_is_reported_with_column_and_row(
    put: Put, data_dir: Path
) -> None:
    put(
        "olist/order_items.csv.gz",
        ITEMS_HEADER
        + "o1,1,p1,s1,2017-02-13 13:57:51,199.9,18.14\n"
        + 'o1,2,p1,s1,2017-02-13 13:57:51,"12,5",18.14\n',
    )

    with pytest.raises(DatasetCorrupt, match=r"column 'price', data row 2: '12,5'"):
        load_olist_order_items(data_dir)


def test_a_time_in_another_format_is_corrupt(put: Put, data_dir: Path) -> None:
    put_orders(put, "02/10/2017 10:56")

    with pytest.raises(DatasetCorrupt, match="order_purchase_timestamp"):
        load_olist_orders(data_dir)
