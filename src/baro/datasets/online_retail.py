"""UCI Online Retail (I): a UK gift wholesaler's invoice lines, ``online_retail/``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import polars as pl

from baro.datasets._paths import data_file
from baro.datasets._tables import (
    integer,
    local_timestamp,
    minor_units,
    read_table,
    schema,
    text,
    whole_number,
)

UK = "Europe/London"
RELATIVE_PATH = "online_retail/online_retail.csv.gz"

_COLUMNS = (
    text("InvoiceNo", "invoice_no"),
    text("StockCode", "stock_code"),
    text("Description", "description"),
    integer("Quantity", pl.Int32(), "quantity"),
    local_timestamp("InvoiceDate", UK, "invoice_date"),
    minor_units("UnitPrice", "unit_price_minor"),
    whole_number("CustomerID", pl.Int32(), "customer_id"),
    text("Country", "country"),
)

ONLINE_RETAIL_SCHEMA: Mapping[str, pl.DataType] = MappingProxyType(
    {**schema(_COLUMNS), "is_cancellation": pl.Boolean()}
)


def load_online_retail(data_dir: Path | None = None) -> pl.DataFrame:
    """Every invoice line (``online_retail/online_retail.csv.gz``), in file order.

    invoice_no: String (six digits; ``C`` + six digits for a cancellation, ``A`` for a
    bad-debt adjustment), stock_code: String, description: String (null for some),
    quantity: Int32 (negative on cancellations and stock corrections), invoice_date:
    Datetime("us", "UTC") (the file's UK wall-clock time, ``Europe/London``, so summer
    invoices move back an hour), unit_price_minor: Int64 (pence, GBP; rounded half to even, so
    the four lines priced 0.001 read 0), customer_id: Int32 (null when unknown),
    country: String, is_cancellation: Boolean (invoice_no starts with ``C``).
    """
    path = data_file(data_dir, RELATIVE_PATH, what="UCI Online Retail")
    lines = read_table(path, _COLUMNS)
    return lines.with_columns(is_cancellation=pl.col("invoice_no").str.starts_with("C"))
