"""Cohort retention by month of first purchase."""

from __future__ import annotations

from datetime import date

from baro.intelligence.customers import cohort_retention, retention_curve
from tests.intelligence.customers.helpers import at, orders

# January cohort: a (back in February and April), b (never back), c (back in April).
# February cohort: d (back in March). The data end on 30 April 18:00, midnight after is 1 May,
# so April is whole.
SHOP = orders(
    [
        ("a", at(2024, 1, 3), 10),
        ("b", at(2024, 1, 20), 10),
        ("c", at(2024, 1, 31), 10),
        ("a", at(2024, 2, 14), 10),
        ("a", at(2024, 2, 15), 10),
        ("d", at(2024, 2, 2), 10),
        ("d", at(2024, 3, 9), 10),
        ("a", at(2024, 4, 1), 10),
        ("c", at(2024, 4, 30, 18), 10),
    ]
)


def test_cohort_table_counts_each_customer_once_a_month_and_keeps_empty_months() -> None:
    table = cohort_retention(SHOP)

    assert table.select("cohort", "month", "customers", "active").rows() == [
        (date(2024, 1, 1), 0, 3, 3),
        (date(2024, 1, 1), 1, 3, 1),
        (date(2024, 1, 1), 2, 3, 0),
        (date(2024, 1, 1), 3, 3, 2),
        (date(2024, 2, 1), 0, 1, 1),
        (date(2024, 2, 1), 1, 1, 1),
        (date(2024, 2, 1), 2, 1, 0),
    ]


def test_a_month_cut_short_by_the_end_of_the_data_is_left_out() -> None:
    """Observed until 30 April noon: April is not whole, so the January cohort stops at
    March (month 2) and the February one at March (month 1)."""
    table = cohort_retention(SHOP, as_of=at(2024, 4, 30))

    assert table.select("cohort", "month", "active").rows() == [
        (date(2024, 1, 1), 0, 3),
        (date(2024, 1, 1), 1, 1),
        (date(2024, 1, 1), 2, 0),
        (date(2024, 2, 1), 0, 1),
        (date(2024, 2, 1), 1, 1),
    ]


def test_curve_pools_only_the_cohorts_observed_that_long() -> None:
    curve = retention_curve(cohort_retention(SHOP))

    assert curve.select("month", "cohorts", "customers", "active").rows() == [
        (0, 2, 4, 4),
        (1, 2, 4, 2),
        (2, 2, 4, 0),
        (3, 1, 3, 2),
    ]
    assert curve["share"].to_list() == [1.0, 0.5, 0.0, 2 / 3]
