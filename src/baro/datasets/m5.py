"""M5 Forecasting (Walmart), ``m5/``: the full calendar, and the sales and prices of 10 series.

The sales file is wide (one ``d_<n>`` column per day); ``load_m5_sales`` makes it long, one row
per series and day. Dates come from the calendar: ``sales.join(calendar, on="d")``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from baro.datasets._paths import data_file
from baro.datasets._tables import (
    calendar_date,
    flag,
    integer,
    minor_units,
    parse_columns,
    read_table,
    read_text_table,
    require_columns,
    schema,
    text,
)
from baro.datasets.errors import DatasetCorrupt

FOLDER = "m5"
DAY_COLUMN = r"^d_\d+$"
SERIES_KEYS = ("id", "item_id", "dept_id", "cat_id", "store_id", "state_id")

_CALENDAR_COLUMNS = (
    calendar_date("date"),
    integer("wm_yr_wk", pl.Int32()),
    text("weekday"),
    integer("wday", pl.Int8()),
    integer("month", pl.Int8()),
    integer("year", pl.Int16()),
    text("d"),
    text("event_name_1"),
    text("event_type_1"),
    text("event_name_2"),
    text("event_type_2"),
    flag("snap_CA", "snap_ca"),
    flag("snap_TX", "snap_tx"),
    flag("snap_WI", "snap_wi"),
)
_SALES_COLUMNS = (
    *(text(key) for key in SERIES_KEYS),
    text("d"),
    integer("units", pl.Int32()),
)
_PRICE_COLUMNS = (
    text("store_id"),
    text("item_id"),
    integer("wm_yr_wk", pl.Int32()),
    minor_units("sell_price", "sell_price_minor"),
)

M5_CALENDAR_SCHEMA = schema(_CALENDAR_COLUMNS)
M5_SALES_SCHEMA = schema(_SALES_COLUMNS)
M5_SELL_PRICES_SCHEMA = schema(_PRICE_COLUMNS)


def load_m5_calendar(data_dir: Path | None = None) -> pl.DataFrame:
    """One row per day (``m5/calendar.csv``).

    date: Date, wm_yr_wk: Int32 (Walmart week, the key of the prices), weekday: String,
    wday: Int8 (1 = Saturday), month: Int8, year: Int16, d: String (``d_1``…, the key of the
    sales), event_name_1, event_type_1, event_name_2, event_type_2: String (null on most
    days), snap_ca, snap_tx, snap_wi: Boolean (SNAP food-stamp purchases allowed that day).
    """
    return read_table(
        data_file(data_dir, f"{FOLDER}/calendar.csv", what="M5 calendar"), _CALENDAR_COLUMNS
    )


def load_m5_sales(data_dir: Path | None = None) -> pl.DataFrame:
    """Units sold per series and day (``m5/sales_train_validation_10series.csv``), long.

    id, item_id, dept_id, cat_id, store_id, state_id: String (the series), d: String (the
    day, ``d_1``…), units: Int32. Sorted by id, then day.
    """
    path = data_file(data_dir, f"{FOLDER}/sales_train_validation_10series.csv", what="M5 sales")
    wide = read_text_table(path)
    require_columns(wide, SERIES_KEYS, path)
    days = wide.select(pl.col(DAY_COLUMN)).columns
    if not days:
        raise DatasetCorrupt(path, "has no day columns (d_1, d_2, …)")
    long = wide.unpivot(on=days, index=list(SERIES_KEYS), variable_name="d", value_name="units")
    day_number = pl.col("d").str.strip_prefix("d_").cast(pl.Int32())
    return parse_columns(long, _SALES_COLUMNS, path).sort(pl.col("id"), day_number)


def load_m5_sell_prices(data_dir: Path | None = None) -> pl.DataFrame:
    """Weekly prices of the 10 items in every store (``m5/sell_prices_10items.csv``).

    store_id: String, item_id: String, wm_yr_wk: Int32, sell_price_minor: Int64 (US cents).
    """
    path = data_file(data_dir, f"{FOLDER}/sell_prices_10items.csv", what="M5 sell prices")
    return read_table(path, _PRICE_COLUMNS)
