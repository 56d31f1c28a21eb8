"""UCI Online Retail loader: UK time to UTC, pence, customer ids, cancellations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from baro.datasets import ONLINE_RETAIL_SCHEMA, load_online_retail

Put = Callable[[str, str], Path]
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def test_invoice_lines_are_typed_with_uk_time_in_utc_and_pence(put: Put, data_dir: Path) -> None:
    put(
        "online_retail/online_retail.csv.gz",
        HEADER + "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,"
        "17850.0,United Kingdom\n"
        + "C536379,D,Discount,-1,2011-06-01 09:41:00,27.5,14527.0,United Kingdom\n"
        + "A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom\n"
        + "540001,22139,,12,2011-01-04 10:00:00,0.001,,EIRE\n",
    )

    lines = load_online_retail(data_dir)

    assert lines.schema == pl.Schema(ONLINE_RETAIL_SCHEMA)
    assert lines["invoice_date"].to_list() == [
        datetime(2010, 12, 1, 8, 26, tzinfo=UTC),  # GMT in winter
        datetime(2011, 6, 1, 8, 41, tzinfo=UTC),  # BST in summer: an hour behind
        datetime(2011, 8, 12, 13, 50, tzinfo=UTC),
        datetime(2011, 1, 4, 10, 0, tzinfo=UTC),
    ]
    assert lines["unit_price_minor"].to_list() == [255, 2750, 1106206, 0]
    assert lines["customer_id"].to_list() == [17850, 14527, None, None]
    assert lines["is_cancellation"].to_list() == [False, True, False, False]
    assert lines["quantity"].to_list() == [6, -1, 1, 12]
    assert lines["description"][3] is None
