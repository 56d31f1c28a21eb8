"""M5 loaders: calendar dates and SNAP flags, wide sales made long, prices in cents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from baro.datasets import (
    M5_CALENDAR_SCHEMA,
    M5_SALES_SCHEMA,
    M5_SELL_PRICES_SCHEMA,
    DatasetCorrupt,
    load_m5_calendar,
    load_m5_sales,
    load_m5_sell_prices,
)

Put = Callable[[str, str], Path]
SERIES = "id,item_id,dept_id,cat_id,store_id,state_id"


def test_calendar_has_dates_and_boolean_snap_days(put: Put, data_dir: Path) -> None:
    put(
        "m5/calendar.csv",
        "date,wm_yr_wk,weekday,wday,month,year,d,event_name_1,event_type_1,event_name_2,"
        "event_type_2,snap_CA,snap_TX,snap_WI\n"
        "2011-01-29,11101,Saturday,1,1,2011,d_1,,,,,0,0,0\n"
        "2011-02-06,11102,Sunday,2,2,2011,d_9,SuperBowl,Sporting,,,1,1,0\n",
    )

    calendar = load_m5_calendar(data_dir)

    assert calendar.schema == pl.Schema(M5_CALENDAR_SCHEMA)
    assert calendar["date"].to_list() == [date(2011, 1, 29), date(2011, 2, 6)]
    assert calendar.row(1, named=True)["snap_ca"] is True
    assert calendar.row(1, named=True)["event_name_1"] == "SuperBowl"


def test_sales_become_one_row_per_series_and_day_in_day_order(put: Put, data_dir: Path) -> None:
    days = [f"d_{n}" for n in range(1, 12)]
    put(
        "m5/sales_train_validation_10series.csv",
        f"{SERIES},{','.join(days)}\n"
        f"B_validation,B,D,C,CA_1,CA,{','.join(['1'] * 11)}\n"
        f"A_validation,A,D,C,CA_1,CA,{','.join(str(n) for n in range(11))}\n",
    )

    sales = load_m5_sales(data_dir)

    assert sales.schema == pl.Schema(M5_SALES_SCHEMA)
    assert sales.height == 22
    first = sales.filter(pl.col("id") == "A_validation")
    assert first["d"].to_list() == days
    assert first["units"].to_list() == list(range(11))
    assert sales["id"][0] == "A_validation"


def test_sales_without_day_columns_are_corrupt(put: Put, data_dir: Path) -> None:
    put("m5/sales_train_validation_10series.csv", f"{SERIES}\nA,A,D,C,CA_1,CA\n")

    with pytest.raises(DatasetCorrupt, match="no day columns"):
        load_m5_sales(data_dir)


def test_sell_prices_are_cents_and_ignore_the_provenance_column(put: Put, data_dir: Path) -> None:
    put(
        "m5/sell_prices_10items.csv",
        "source_row,store_id,item_id,wm_yr_wk,sell_price\n0,CA_1,HOBBIES_1_001,11325,9.58\n",
    )

    prices = load_m5_sell_prices(data_dir)

    assert prices.schema == pl.Schema(M5_SELL_PRICES_SCHEMA)
    assert prices.row(0) == ("CA_1", "HOBBIES_1_001", 11325, 958)
