"""baro.intelligence.replenish: the expected-F1 basket, the Kaggle scoring, the frames' door,
the baselines, the purchase cycles and the reorder model, on tiny literal or synthetic orders."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from baro.intelligence.replenish import (
    InvalidOrders,
    InvalidSettings,
    ReorderSettings,
    basket_scores,
    best_basket,
    expected_f1,
    fit_reorders,
    frequent_items,
    last_orders,
    orders_before,
    predict_reorders,
    purchase_cycles,
    reorder_truth,
    repeat_last_order,
)


def orders_of(*rows: tuple[int, int, int, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.Int32,
            "order_id": pl.Int32,
            "order_number": pl.Int16,
            "days_since_prior": pl.Float64,
        },
        orient="row",
    )


def lines_of(**baskets: list[int]) -> pl.DataFrame:
    """lines_of(o1=[10, 11]): order 1 holds products 10 and 11."""
    return pl.DataFrame(
        [(int(order[1:]), product) for order, products in baskets.items() for product in products],
        schema={"order_id": pl.Int32, "product_id": pl.Int32},
        orient="row",
    )


# Customer 1: orders 1..4, every 7 days; customer 2: orders 5..6.
ORDERS = orders_of(
    (1, 1, 1, None), (1, 2, 2, 7.0), (1, 3, 3, 7.0), (1, 4, 4, 7.0), (2, 5, 1, None), (2, 6, 2, 3.0)
)
LINES = lines_of(o1=[10, 11], o2=[10, 12], o3=[10, 13], o4=[10, 11, 99], o5=[20], o6=[21])
TARGETS = last_orders(ORDERS)


def brute_force_f1(p: list[float], k: int, with_none: bool) -> float:
    """E[F1] of the top k (and None) by enumerating every outcome."""
    expected = 0.0
    for outcome in itertools.product([0, 1], repeat=len(p)):
        chance = float(np.prod([q if hit else 1 - q for q, hit in zip(p, outcome, strict=True)]))
        truth = {i for i, hit in enumerate(outcome) if hit} or {"None"}
        guess = set(range(k)) | ({"None"} if with_none else set())
        if guess:
            expected += chance * 2 * len(truth & guess) / (len(truth) + len(guess))
    return expected


def test_expected_f1_is_exact_for_every_size_with_and_without_none() -> None:
    p = [0.9, 0.6, 0.35, 0.2, 0.05]
    without, with_none = expected_f1(np.array(p))
    for k in range(len(p) + 1):
        assert without[k] == pytest.approx(brute_force_f1(p, k, False))
        assert with_none[k] == pytest.approx(brute_force_f1(p, k, True))


def test_unlikely_reorders_predict_none_and_likely_ones_predict_products() -> None:
    assert best_basket(np.array([0.05, 0.03, 0.01])).size == 0
    assert best_basket(np.array([0.05, 0.03, 0.01])).with_none
    sure = best_basket(np.array([0.95, 0.9, 0.85, 0.02]))
    assert (sure.size, sure.with_none) == (3, False)
    assert best_basket(np.array([])).with_none


def test_scores_follow_the_kaggle_rules_with_none_as_a_token() -> None:
    truth = pl.DataFrame(
        {"customer_id": [1, 2, 3, 4], "order_id": [1, 2, 3, 4], "products": [[10, 11], [], [], [5]]}
    )
    baskets = pl.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "order_id": [1, 2, 3],
            "products": [[10], [], [7]],
            "none": [True, True, False],
        }
    )
    scores = basket_scores(baskets, truth).sort("customer_id")
    # {10, None} vs {10, 11}: 1 hit of 2 and 2; {None} vs {None}: perfect; {7} vs {None}: 0;
    # no basket for customer 4 is None vs {5}: 0.
    assert scores["f1"].to_list() == pytest.approx([0.5, 1.0, 0.0, 0.0])
    assert scores["precision"].to_list() == pytest.approx([0.5, 1.0, 0.0, 0.0])
    assert scores["recall"].to_list() == pytest.approx([0.5, 1.0, 0.0, 0.0])


def test_orders_before_drops_each_target_and_what_follows_keeping_untargeted_customers() -> None:
    kept = orders_before(ORDERS, pl.DataFrame({"customer_id": [1], "order_id": [3]}))
    assert sorted(kept["order_id"].to_list()) == [1, 2, 5, 6]


def test_a_target_that_is_not_an_order_of_its_customer_is_refused() -> None:
    with pytest.raises(InvalidOrders, match="1 of 1 targets"):
        orders_before(ORDERS, pl.DataFrame({"customer_id": [2], "order_id": [3]}))
    with pytest.raises(InvalidOrders, match="lacks days_since_prior"):
        last_orders(ORDERS.drop("days_since_prior"))
    with pytest.raises(InvalidSettings, match="validation_share"):
        ReorderSettings(validation_share=1.0)


def test_truth_is_the_targets_products_bought_before_or_nothing() -> None:
    truth = reorder_truth(ORDERS, LINES, TARGETS)
    assert truth.rows() == [(1, 4, [10, 11]), (2, 6, [])]


def test_baselines_repeat_the_last_order_or_the_frequent_items() -> None:
    last = repeat_last_order(ORDERS, LINES, TARGETS)
    assert last.select("customer_id", "products", "none").rows() == [
        (1, [10, 13], False),
        (2, [20], False),
    ]
    # Customer 1: 10 in 3 of 3 orders, 11/12/13 in 1 of 3 (33 % >= 30 %).
    frequent = frequent_items(ORDERS, LINES, TARGETS)
    assert frequent["products"].to_list() == [[10, 11, 12, 13], [20]]


def test_a_product_bought_weekly_is_due_a_week_after_its_last_purchase() -> None:
    predictions = pl.DataFrame(
        {"customer_id": [1, 1], "order_id": [4, 4], "product_id": [10, 11], "p_reorder": [0.9, 0.2]}
    )
    cycles = purchase_cycles(ORDERS, LINES, predictions)
    weekly = cycles.row(0, named=True)
    assert (weekly["product_id"], weekly["purchases"], weekly["last_day"]) == (10, 3, 14.0)
    assert weekly["expected_next_day"] == 21.0
    assert weekly["lo_day"] <= 21.0 <= weekly["hi_day"]
    assert weekly["target_day"] == 21.0 and weekly["p_reorder"] == 0.9
    once = cycles.row(1, named=True)
    assert once["purchases"] == 1 and once["expected_next_day"] is None


def synthetic(customers: int = 80, orders: int = 8, seed: int = 3) -> tuple[pl.DataFrame, ...]:
    """Each customer has staples (bought with probability 0.8) and buys one-offs once."""
    rng = np.random.default_rng(seed)
    order_rows, line_rows, order_id, one_off = [], [], 0, 10_000
    for customer in range(customers):
        staples = rng.choice(100, size=3, replace=False)
        for number in range(1, orders + 1):
            order_id += 1
            gap = None if number == 1 else float(rng.integers(5, 10))
            order_rows.append((customer, order_id, number, gap))
            line_rows += [(order_id, int(s)) for s in staples if rng.random() < 0.8]
            line_rows.append((order_id, one_off))
            one_off += 1
    return orders_of(*order_rows), pl.DataFrame(
        line_rows, schema={"order_id": pl.Int32, "product_id": pl.Int32}, orient="row"
    )


def test_the_model_ranks_a_customers_staples_above_their_one_offs() -> None:
    orders, lines = synthetic()
    training = pl.concat([last_orders(orders, back=b) for b in (1, 2, 3)])
    model = fit_reorders(orders, lines, training, ReorderSettings(threads=1, max_rounds=40))

    p = predict_reorders(model, orders, lines, last_orders(orders))

    staple = p.filter(pl.col("product_id") < 100)["p_reorder"].mean()
    one_off = p.filter(pl.col("product_id") >= 10_000)["p_reorder"].mean()
    assert staple > 0.5 > one_off
