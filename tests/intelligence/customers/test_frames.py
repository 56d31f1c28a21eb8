"""Orders frames from the real data sets' loaders, on hand-made rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from baro.datasets import load_online_retail
from baro.intelligence.customers import (
    InvalidFrame,
    currency_of,
    olist_orders,
    online_retail_orders,
    repeat_customer_revenue_share,
)
from tests.intelligence.customers.helpers import at, orders

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"


def test_online_retail_sales_leave_out_cancellations_and_unknown_customers() -> None:
    when = datetime(2011, 3, 1, 9, tzinfo=UTC)
    lines = pl.DataFrame(
        {
            "invoice_no": ["1", "1", "C2", "3", "4"],
            "customer_id": [7, 7, 7, None, 8],
            "quantity": [2, 1, -1, 5, 3],
            "unit_price_minor": [100, 50, 100, 10, 20],
            "invoice_date": [when] * 5,
            "is_cancellation": [False, False, True, False, False],
        },
        schema_overrides={"customer_id": pl.Int32, "invoice_date": pl.Datetime("us", "UTC")},
    )

    totals = online_retail_orders(lines).sort("order_id")

    assert totals.select("order_id", "customer_id", "total_minor", "items").rows() == [
        ("1", "7", 250, 3),
        ("4", "8", 60, 3),
    ]
    assert totals["currency"].unique().to_list() == ["GBP"]


def test_olist_orders_belong_to_the_person_not_the_order_s_customer_id() -> None:
    """Olist gives each order a new customer_id; two orders of one person are a repeat."""
    when = datetime(2017, 5, 1, tzinfo=UTC)
    placed = pl.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["k1", "k2"],
            "order_purchase_timestamp": [when] * 2,
        },
        schema_overrides={"order_purchase_timestamp": pl.Datetime("us", "UTC")},
    )
    items = pl.DataFrame(
        {
            "order_id": ["o1", "o1", "o2"],
            "price_minor": [1000, 500, 2000],
            "freight_value_minor": [300, 300, 700],
        }
    )
    people = pl.DataFrame({"customer_id": ["k1", "k2"], "customer_unique_id": ["p", "p"]})

    frame = olist_orders(placed, items, people).sort("order_id")

    assert frame.select("customer_id", "total_minor", "items", "shipping_minor").rows() == [
        ("p", 1500, 2, 600),
        ("p", 2000, 1, 700),
    ]
    assert repeat_customer_revenue_share(frame) == 1.0


def test_money_in_two_currencies_is_refused() -> None:
    frame = orders([("a", at(2024, 1, 1), 1), ("b", at(2024, 1, 1), 1)]).with_columns(
        currency=pl.Series(["GBP", "KRW"])
    )
    with pytest.raises(InvalidFrame, match=r"one currency.*GBP.*KRW"):
        currency_of(frame)


@pytest.mark.data
def test_online_retail_repeat_share_is_the_twin_s_nine_tenths() -> None:
    """The figure docs/analytics.md gives (and the twin measured) for the shared rows."""
    if not (SHARED_DATA / "online_retail" / "online_retail.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    share = repeat_customer_revenue_share(online_retail_orders(load_online_retail(SHARED_DATA)))
    assert share == pytest.approx(0.903, abs=0.001)
