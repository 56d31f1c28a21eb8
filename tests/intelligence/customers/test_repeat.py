"""Repeat customers' share of revenue, overall and month by month."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from baro.intelligence.customers import (
    InvalidFrame,
    repeat_customer_revenue_share,
    repeat_customer_share,
    repeat_share_by_month,
)
from tests.intelligence.customers.helpers import at, orders


def test_a_customer_with_three_orders_is_a_repeat_customer() -> None:
    frame = orders(
        [
            ("a", at(2024, 1, 5), 100),
            ("a", at(2024, 2, 5), 100),
            ("a", at(2024, 3, 5), 100),
            ("b", at(2024, 1, 9), 700),
        ]
    )
    assert repeat_customer_revenue_share(frame) == pytest.approx(300 / 1000)
    assert repeat_customer_share(frame) == pytest.approx(1 / 2)


def test_no_revenue_is_a_share_of_zero_not_a_division_error() -> None:
    assert repeat_customer_revenue_share(orders([])) == 0.0


def test_by_month_separates_returning_orders_from_repeat_customers() -> None:
    """January: a's first order (200) and b's only one (800): a is a repeat customer, but
    nobody has come back yet. February: a's second order is all of it."""
    frame = orders(
        [
            ("a", at(2024, 1, 5), 200),
            ("b", at(2024, 1, 9), 800),
            ("a", at(2024, 2, 2), 500),
        ]
    )

    months = repeat_share_by_month(frame)

    assert months.rows() == [
        (date(2024, 1, 1), 2, 1000, 0.0, 0.2),
        (date(2024, 2, 1), 1, 500, 1.0, 1.0),
    ]


def test_a_frame_without_customers_is_refused_with_its_columns_named() -> None:
    with pytest.raises(InvalidFrame, match="lacks customer_id"):
        repeat_customer_revenue_share(pl.DataFrame({"total_minor": [1]}))
