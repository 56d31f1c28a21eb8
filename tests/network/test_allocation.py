"""The allocation chain: whole orders from the nearest facility, splits only when needed."""

from __future__ import annotations

import pytest

from baro.network import (
    Allocation,
    AllocationChain,
    HasStock,
    Line,
    OutOfStock,
    StockAt,
    WithinRange,
)
from baro.network.allocation import InvalidLine


def at(facility: str, product: str, available: int, km: float) -> StockAt:
    return StockAt(facility, product, available, km)


def test_nearest_facility_that_holds_the_whole_order_wins() -> None:
    stock = {
        "a": [at("near", "a", 5, 10), at("far", "a", 5, 400)],
        "b": [at("far", "b", 5, 400), at("near", "b", 0, 10)],
    }
    plan = AllocationChain().plan([Line("a", 1), Line("b", 1)], stock)
    assert plan == [Allocation("a", "far", 1), Allocation("b", "far", 1)]


def test_lines_go_separately_when_no_facility_holds_everything() -> None:
    stock = {"a": [at("near", "a", 5, 10)], "b": [at("far", "b", 5, 400)]}
    plan = AllocationChain().plan([Line("a", 2), Line("b", 1)], stock)
    assert plan == [Allocation("a", "near", 2), Allocation("b", "far", 1)]


def test_a_line_is_split_nearest_first_only_when_it_must_be() -> None:
    whole_far = {"a": [at("far", "a", 4, 400), at("near", "a", 2, 10)]}
    assert AllocationChain().plan([Line("a", 3)], whole_far) == [Allocation("a", "far", 3)]

    nobody_whole = {"a": [at("far", "a", 2, 400), at("near", "a", 2, 10), at("mid", "a", 2, 100)]}
    assert AllocationChain().plan([Line("a", 3)], nobody_whole) == [
        Allocation("a", "near", 2),
        Allocation("a", "mid", 1),
    ]


def test_short_stock_names_the_numbers() -> None:
    with pytest.raises(OutOfStock, match="only 3 of product a available, 4 asked"):
        AllocationChain().plan([Line("a", 4)], {"a": [at("x", "a", 3, 1)]})


def test_filters_are_pluggable() -> None:
    chain = AllocationChain(filters=(HasStock(), WithinRange(max_km=50)))
    with pytest.raises(OutOfStock):
        chain.plan([Line("a", 1)], {"a": [at("far", "a", 9, 400)]})
    with pytest.raises(ValueError, match="max_km"):
        WithinRange(max_km=0)


def test_lines_need_a_positive_quantity() -> None:
    with pytest.raises(InvalidLine):
        Line("a", 0)


def test_two_lines_of_one_product_are_planned_on_what_the_first_left() -> None:
    """One product from two sellers makes two lines: the second must not count on the
    unit the first took (no facility holds both)."""
    stock = {"a": [at("near", "a", 1, 10), at("far", "a", 1, 400)]}
    plan = AllocationChain().plan([Line("a", 1), Line("a", 1)], stock)
    assert plan == [Allocation("a", "near", 1), Allocation("a", "far", 1)]


def test_repeated_lines_that_together_exceed_the_stock_are_out_of_stock() -> None:
    stock = {"a": [at("near", "a", 2, 10), at("far", "a", 1, 400)]}
    with pytest.raises(OutOfStock, match="only 3 of product a available, 4 asked"):
        AllocationChain().plan([Line("a", 2), Line("a", 2)], stock)
