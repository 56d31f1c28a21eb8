"""The allocation chain: whole orders from the nearest facility, splits only when needed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from baro.network import (
    Allocation,
    AllocationChain,
    HasStock,
    Line,
    NearestFirst,
    OutOfStock,
    StockAt,
    WithinRange,
)
from baro.network.allocation import InvalidLine


def at(facility: str, product: str, available: int, km: float) -> StockAt:
    return StockAt(facility, product, available, km)


def test_errors_have_stable_codes() -> None:
    assert OutOfStock.code == "out_of_stock"
    assert InvalidLine.code == "invalid_line"


# --- whole order, whole line, split -----------------------------------------------------


def test_nearest_facility_that_holds_the_whole_order_wins() -> None:
    stock = {
        "a": [at("near", "a", 5, 10), at("far", "a", 5, 400)],
        "b": [at("far", "b", 5, 400), at("near", "b", 0, 10)],
    }
    plan = AllocationChain().plan([Line("a", 1), Line("b", 1)], stock)
    assert plan == [Allocation("a", "far", 1), Allocation("b", "far", 1)]


def test_a_facility_holding_exactly_the_whole_order_wins_over_splitting() -> None:
    """Given the far facility holds exactly 2 of a and 1 of b, and the near one more a but
    no b, when planned, then the order ships whole from far."""
    stock = {
        "a": [at("near", "a", 9, 10), at("far", "a", 2, 400)],
        "b": [at("far", "b", 1, 400)],
    }
    plan = AllocationChain().plan([Line("a", 2), Line("b", 1)], stock)
    assert plan == [Allocation("a", "far", 2), Allocation("b", "far", 1)]


def test_a_facility_holding_exactly_the_line_wins_over_splitting() -> None:
    whole_far = {"a": [at("far", "a", 3, 400), at("near", "a", 2, 10)]}
    assert AllocationChain().plan([Line("a", 3)], whole_far) == [Allocation("a", "far", 3)]


def test_lines_go_separately_when_no_facility_holds_everything() -> None:
    stock = {"a": [at("near", "a", 5, 10)], "b": [at("far", "b", 5, 400)]}
    plan = AllocationChain().plan([Line("a", 2), Line("b", 1)], stock)
    assert plan == [Allocation("a", "near", 2), Allocation("b", "far", 1)]


def test_per_line_a_facility_holding_exactly_the_line_wins_over_splitting() -> None:
    """Given no facility holds both products, when the lines are planned one by one, then
    line a ships whole from the far facility that holds exactly 3, not split near-first."""
    stock = {
        "a": [at("near", "a", 2, 10), at("far", "a", 3, 400)],
        "b": [at("other", "b", 1, 50)],
    }
    plan = AllocationChain().plan([Line("a", 3), Line("b", 1)], stock)
    assert plan == [Allocation("a", "far", 3), Allocation("b", "other", 1)]


def test_a_line_is_split_nearest_first_only_when_it_must_be() -> None:
    whole_far = {"a": [at("far", "a", 4, 400), at("near", "a", 2, 10)]}
    assert AllocationChain().plan([Line("a", 3)], whole_far) == [Allocation("a", "far", 3)]

    nobody_whole = {"a": [at("far", "a", 2, 400), at("near", "a", 2, 10), at("mid", "a", 2, 100)]}
    assert AllocationChain().plan([Line("a", 3)], nobody_whole) == [
        Allocation("a", "near", 2),
        Allocation("a", "mid", 1),
    ]


def test_a_split_where_the_stock_equals_the_demand_uses_every_unit() -> None:
    stock = {"a": [at("far", "a", 2, 400), at("near", "a", 2, 10), at("mid", "a", 2, 100)]}
    assert AllocationChain().plan([Line("a", 6)], stock) == [
        Allocation("a", "near", 2),
        Allocation("a", "mid", 2),
        Allocation("a", "far", 2),
    ]


# --- repeated product lines -------------------------------------------------------------


def test_two_lines_of_one_product_are_planned_on_what_the_first_left() -> None:
    """One product from two sellers makes two lines: the second must not count on the
    unit the first took (no facility holds both)."""
    stock = {"a": [at("near", "a", 1, 10), at("far", "a", 1, 400)]}
    plan = AllocationChain().plan([Line("a", 1), Line("a", 1)], stock)
    assert plan == [Allocation("a", "near", 1), Allocation("a", "far", 1)]


def test_two_lines_of_one_product_ship_whole_from_a_facility_holding_their_sum() -> None:
    stock = {"a": [at("near", "a", 3, 10), at("far", "a", 4, 400)]}
    plan = AllocationChain().plan([Line("a", 2), Line("a", 2)], stock)
    assert plan == [Allocation("a", "far", 2), Allocation("a", "far", 2)]


def test_a_split_skips_the_facility_an_earlier_line_emptied() -> None:
    """Given 2 units at each of three facilities, when lines of 2 and 3 of the product are
    planned, then the first empties the nearest and the second splits over the others."""
    stock = {"a": [at("near", "a", 2, 10), at("mid", "a", 2, 100), at("far", "a", 2, 400)]}
    plan = AllocationChain().plan([Line("a", 2), Line("a", 3)], stock)
    assert plan == [
        Allocation("a", "near", 2),
        Allocation("a", "mid", 2),
        Allocation("a", "far", 1),
    ]


def test_repeated_lines_that_together_exceed_the_stock_are_out_of_stock() -> None:
    stock = {"a": [at("near", "a", 2, 10), at("far", "a", 1, 400)]}
    with pytest.raises(OutOfStock, match="only 3 of product a available, 4 asked"):
        AllocationChain().plan([Line("a", 2), Line("a", 2)], stock)


# --- out of stock -----------------------------------------------------------------------


def test_short_stock_names_the_numbers() -> None:
    with pytest.raises(OutOfStock) as short:
        AllocationChain().plan([Line("a", 4)], {"a": [at("x", "a", 3, 1), at("y", "a", 0, 2)]})
    assert short.value.message == "only 3 of product a available, 4 asked"
    assert short.value.context == {"product_id": "a", "available": 3, "requested": 4}


def test_a_product_nobody_stocks_is_out_of_stock() -> None:
    with pytest.raises(OutOfStock) as short:
        AllocationChain().plan([Line("a", 1), Line("b", 2)], {"a": [at("x", "a", 3, 1)]})
    assert short.value.message == "only 0 of product b available, 2 asked"
    assert short.value.context == {"product_id": "b", "available": 0, "requested": 2}


def test_stock_that_a_filter_drops_does_not_count() -> None:
    chain = AllocationChain(filters=(HasStock(), WithinRange(max_km=50)))
    with pytest.raises(OutOfStock) as short:
        chain.plan([Line("a", 2)], {"a": [at("near", "a", 1, 50), at("far", "a", 9, 400)]})
    assert short.value.context == {"product_id": "a", "available": 1, "requested": 2}


# --- filters and ordering ---------------------------------------------------------------


def test_has_stock_keeps_only_facilities_with_something_left() -> None:
    assert HasStock().keep(at("x", "a", 1, 10))
    assert not HasStock().keep(at("x", "a", 0, 10))


def test_within_range_keeps_a_facility_at_exactly_max_km() -> None:
    in_range = WithinRange(max_km=50)
    assert in_range.keep(at("x", "a", 1, 50))
    assert not in_range.keep(at("x", "a", 1, 50.001))


def test_within_range_needs_a_positive_distance() -> None:
    assert WithinRange(max_km=0.5).keep(at("x", "a", 1, 0.5))
    with pytest.raises(ValueError, match=r"^max_km must be positive, got 0$"):
        WithinRange(max_km=0)
    with pytest.raises(ValueError, match=r"^max_km must be positive, got -1$"):
        WithinRange(max_km=-1)


def test_nearest_first_orders_by_distance() -> None:
    assert NearestFirst().key(at("x", "a", 1, 12.5)) == 12.5


def test_the_chain_plans_on_stock_within_range_nearest_first() -> None:
    chain = AllocationChain(filters=(HasStock(), WithinRange(max_km=50)))
    stock = {"a": [at("far", "a", 9, 51), at("edge", "a", 9, 50), at("near", "a", 9, 5)]}
    assert chain.plan([Line("a", 1)], stock) == [Allocation("a", "near", 1)]
    assert chain.plan([Line("a", 1)], {"a": stock["a"][:2]}) == [Allocation("a", "edge", 1)]


def test_the_order_policy_is_pluggable() -> None:
    @dataclass(frozen=True)
    class MostStockFirst:
        def key(self, stock: StockAt) -> float:
            return float(-stock.available)

    stock = {"a": [at("near", "a", 2, 10), at("big", "a", 5, 400)]}
    chain = AllocationChain(order=MostStockFirst())
    assert chain.plan([Line("a", 1)], stock) == [Allocation("a", "big", 1)]


def test_filters_are_pluggable() -> None:
    chain = AllocationChain(filters=(HasStock(), WithinRange(max_km=50)))
    with pytest.raises(OutOfStock):
        chain.plan([Line("a", 1)], {"a": [at("far", "a", 9, 400)]})


# --- lines ------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1])
def test_lines_need_a_positive_quantity(quantity: int) -> None:
    with pytest.raises(InvalidLine) as refused:
        Line("a", quantity)
    assert refused.value.message == f"quantity must be at least 1, got {quantity}"


def test_a_line_of_one_unit_is_valid() -> None:
    assert Line("a", 1).quantity == 1
