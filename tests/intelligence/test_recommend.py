"""baro.intelligence.recommend: each scorer on a tiny history whose answer is known, TIFU-KNN
against a loop written the way the authors' code is, the blend (milk first for a customer who
always buys milk; trending for a new one), search affinity, and the metrics by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from baro.intelligence.recommend import (
    BlendSettings,
    BuyAgain,
    CoPurchase,
    History,
    InvalidRecommendSettings,
    SearchAffinity,
    TifuKnn,
    Trending,
    basket_metrics,
    bootstrap_difference,
    choose_explore_weight,
    explore_weighted,
    fit_blend,
    mean_metrics,
    recommend,
)
from baro.intelligence.replenish import InvalidOrders, ReorderSettings

MILK = 1


def frames(baskets: dict[int, list[list[int]]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """{customer: [basket, …] oldest first} -> (orders, lines), 7 days between orders."""
    orders, lines, order_id = [], [], 0
    for customer, history in baskets.items():
        for number, basket in enumerate(history, start=1):
            order_id += 1
            orders.append((customer, order_id, number, None if number == 1 else 7.0))
            lines.extend((order_id, product) for product in basket)
    return (
        pl.DataFrame(
            orders,
            schema={
                "customer_id": pl.Int64,
                "order_id": pl.Int64,
                "order_number": pl.Int32,
                "days_since_prior": pl.Float64,
            },
            orient="row",
        ),
        pl.DataFrame(lines, schema=["order_id", "product_id"], orient="row"),
    )


def shoppers(customers: int = 80, orders: int = 8, seed: int = 3) -> dict[int, list[list[int]]]:
    """Each customer has a staple bought in every order (customer 0's is milk), a few
    favourites bought often, and popular products (low ids) now and then."""
    rng = np.random.default_rng(seed)
    popular = np.arange(100, 140)
    weights = 1 / np.arange(1, len(popular) + 1)
    weights /= weights.sum()
    out = {}
    for customer in range(customers):
        staple = MILK if customer == 0 else 1000 + customer
        favourites = rng.choice(np.arange(200, 260), size=4, replace=False)
        history = []
        for _ in range(orders):
            basket = {staple}
            basket |= {int(f) for f in favourites if rng.random() < 0.5}
            basket |= {int(p) for p in rng.choice(popular, size=3, p=weights)}
            history.append(sorted(basket))
        out[customer] = history
    return out


def test_buy_again_puts_what_is_bought_every_time_first_and_decays_the_old() -> None:
    orders, lines = frames({1: [[5, 6], [5, 7], [5, MILK], [MILK]], 2: [[9]]})
    history = History.build(orders, lines)
    top = recommend(BuyAgain(0.5).fit(history), history, [1], 4)

    # milk: 0.5**0 + 0.5**1 = 1.5; product 5: 0.5 + 0.25 + 0.125; 7: 0.25; 6: 0.125
    assert top["product_id"].to_list() == [MILK, 5, 7, 6]
    assert top["score"].to_list() == pytest.approx([1.5, 0.875, 0.25, 0.125])
    assert recommend(BuyAgain().fit(history), history, [77], 4).is_empty()


def test_orders_left_out_of_the_orders_frame_leave_their_lines_out_too() -> None:
    orders, lines = frames({1: [[5], [6], [MILK]]})
    history = History.build(orders.filter(pl.col("order_number") < 3), lines)

    assert MILK not in history.products.tolist()
    assert history.lines["back"].to_list() == [0, 1]


def authors_vector(baskets: list[list[int]], size: int, groups: int, rb: float, rg: float):
    """The user vector as the authors' TIFUKNN code computes it, loop by loop."""
    vectors = []
    for inc, basket in enumerate(baskets):
        v = np.zeros(size)
        v[basket] = rb ** (len(baskets) - inc - 1)
        vectors.append(v)
    if len(vectors) < groups:
        grouped = vectors
    else:
        base = len(vectors) // groups
        extra = round((len(vectors) / groups - base) * groups)
        grouped, at = [], 0
        for g in range(groups):
            n = base if g < groups - extra else base + 1
            grouped.append(sum(vectors[at : at + n]) / n)
            at += n
    out = sum(grouped[i] * rg ** (groups - i - 1) for i in range(len(grouped)))
    return out / len(grouped)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, 8, 11])
def test_tifu_vectors_match_the_authors_grouping_and_decays(count: int) -> None:
    rng = np.random.default_rng(count)
    baskets = [sorted({int(p) for p in rng.integers(0, 6, size=3)}) for _ in range(count)]
    orders, lines = frames({1: baskets, 2: [[0, 1, 2, 3, 4, 5]]})
    history = History.build(orders, lines)
    model = TifuKnn(neighbours=1, within_decay=0.9, group_decay=0.7, groups=3).fit(history)
    mine = model.vectors[history.rows([1])].toarray().ravel()
    expected = authors_vector(
        [[int(np.searchsorted(history.products, p)) for p in b] for b in baskets],
        len(history.products),
        3,
        0.9,
        0.7,
    )

    np.testing.assert_allclose(mine, expected)


def test_tifu_blends_the_customer_with_the_nearest_neighbours() -> None:
    orders, lines = frames({1: [[1, 2]], 2: [[1, 2, 3]], 3: [[8, 9]]})
    history = History.build(orders, lines)
    model = TifuKnn(neighbours=1, alpha=0.5, groups=1).fit(history)
    scores = model.scores(history.rows([1])).toarray().ravel()

    # customer 2 is nearer to 1 than customer 3: product 3 comes from 2, nothing from 3
    by_product = dict(zip(history.products.tolist(), scores.tolist(), strict=True))
    assert by_product == pytest.approx({1: 1.0, 2: 1.0, 3: 0.5, 8: 0.0, 9: 0.0})
    with pytest.raises(InvalidRecommendSettings, match="alpha"):
        TifuKnn(alpha=1.5)


def test_tifu_share_counts_the_neighbours_who_bought_not_how_much() -> None:
    # 2 and 3 are customer 1's two nearest; 2 bought product 3 in both orders, 3 never did
    orders, lines = frames(
        {1: [[1, 2]], 2: [[1, 2, 3], [1, 2, 3]], 3: [[1, 2], [1, 2]], 4: [[8, 9]]}
    )
    history = History.build(orders, lines)
    model = TifuKnn(neighbours=2, alpha=0.0, groups=1, shares=True).fit(history)
    scores = model.scores_and_shares(history.rows([1]))[1].toarray().ravel()

    by_product = dict(zip(history.products.tolist(), scores.tolist(), strict=True))
    assert by_product == pytest.approx({1: 1.0, 2: 1.0, 3: 0.5, 8: 0.0, 9: 0.0})


def test_copurchase_suggests_what_is_bought_together_not_merely_what_is_popular() -> None:
    # 10 and 11 always go together; 50 is in every basket.
    baskets = {c: [[10, 11, 50], [20, 50], [30, 50]] for c in range(5)}
    baskets[9] = [[10, 50]]
    orders, lines = frames(baskets)
    history = History.build(orders, lines)
    scores = CoPurchase(neighbours=5).fit(history).scores(history.rows([9])).toarray().ravel()
    by_product = dict(zip(history.products.tolist(), scores.tolist(), strict=True))

    assert by_product[11] > by_product[20]
    assert by_product[11] > 0 and by_product[20] > 0


def test_trending_weighs_recent_orders_more_and_is_the_same_for_everyone() -> None:
    orders, lines = frames({1: [[7], [7], [8]], 2: [[7], [8]], 3: [[8]]})
    history = History.build(orders, lines)
    top = recommend(Trending(decay=0.5).fit(history), history, [1, 42], 2)

    assert top.filter(pl.col("customer_id") == 42)["product_id"].to_list() == [8, 7]
    assert top.filter(pl.col("customer_id") == 1)["product_id"].to_list() == [8, 7]


def test_the_blend_puts_milk_first_for_the_milk_buyer_and_trending_for_a_new_customer() -> None:
    orders, lines = frames(shoppers())
    blend = fit_blend(
        orders,
        lines,
        BlendSettings(training_targets=2, ranker=ReorderSettings(threads=1, max_rounds=60)),
    )
    page = blend.recommend([0, 999_999], 10)
    trending = recommend(blend.serving.scorers["trending"], blend.serving.history, [999_999], 10)

    assert page.filter(pl.col("customer_id") == 0)["product_id"][0] == MILK
    assert page.filter(pl.col("customer_id") == 999_999)["product_id"].to_list() == (
        trending["product_id"].to_list()
    )
    assert page.filter(pl.col("customer_id") == 0)["rank"].to_list() == list(range(1, 11))


def one_target(
    customer: int, *, tenth_bought: bool, new_bought: bool, size: int
) -> tuple[pl.DataFrame, np.ndarray]:
    """One customer's labelled candidates: ten products bought before (probabilities 0.50
    down to 0.41; the first in the target, the tenth when asked) and one new product (0.2,
    in the target when asked). The target holds ``size`` products, one of them new; the
    customer's repeat share is 0.5."""
    probability = np.array([0.5 - 0.01 * i for i in range(10)] + [0.2])
    frame = pl.DataFrame(
        {
            "level": [0] * 11,
            "customer_id": [customer] * 11,
            "label": [1] + [0] * 8 + [int(tenth_bought), int(new_bought)],
            "bought": [1.0] * 10 + [0.0],
            "target_size": [float(size)] * 11,
            "target_new": [1.0] * 11,
            "customer_repeat_share": [0.5] * 11,
        }
    )
    return frame, probability


def test_a_new_product_is_weighed_up_by_the_customers_share_of_new_products() -> None:
    frame, probability = one_target(7, tenth_bought=False, new_bought=True, size=5)
    weighted = explore_weighted(probability, frame, 0.75)

    assert weighted[:10].tolist() == probability[:10].tolist()
    assert weighted[10] == pytest.approx(0.2 * (1 + 0.75 / 0.5))
    assert explore_weighted(probability, frame, 0.0).tolist() == probability.tolist()
    always_again = frame.with_columns(customer_repeat_share=pl.lit(1.0))
    assert explore_weighted(probability, always_again, 1.0)[10] == pytest.approx(0.2 * 11)


def test_the_explore_weight_is_the_least_that_finds_new_products_without_losing_recall() -> None:
    settings = BlendSettings(explore_weights=(0.25, 0.75, 1.5))
    gain, probability = one_target(7, tenth_bought=False, new_bought=True, size=5)
    # 0.25 leaves the new product 11th (0.3 < 0.41); 0.75 lifts it to 0.5 over a product
    # the customer did not buy: recall 1/5 -> 2/5, and the new product found.
    assert choose_explore_weight(gain, probability, settings) == 0.75

    # Another customer loses the tenth product, which they bought, to a new one they did
    # not: recall falls from (1/5 + 2/2) / 2 to (2/5 + 1/2) / 2, more than 1 % of it.
    loss, _ = one_target(8, tenth_bought=True, new_bought=False, size=2)
    both = pl.concat([gain, loss])
    assert choose_explore_weight(both, np.concatenate([probability] * 2), settings) == 0.0
    lenient = BlendSettings(explore_weights=(0.25, 0.75, 1.5), recall_for_explore=0.5)
    assert choose_explore_weight(both, np.concatenate([probability] * 2), lenient) == 0.75

    assert choose_explore_weight(gain.clear(), np.zeros(0), settings) == 0.0
    with pytest.raises(InvalidRecommendSettings, match="recall_for_explore"):
        BlendSettings(recall_for_explore=1.0)
    with pytest.raises(InvalidRecommendSettings, match="explore_weights"):
        BlendSettings(explore_weights=(-0.5,))


def test_search_affinity_follows_the_latest_queries_and_rare_words() -> None:
    catalog = pl.DataFrame(
        {
            "product_id": [1, 2, 3, 4],
            "text": [
                "Basmati Rice (grains)",
                "Jasmine rice (grains)",
                "Organic milk",
                "Organic eggs",
            ],
        }
    )
    searches = pl.DataFrame(
        {"customer_id": [5, 5, 6], "query": ["milk", "basmati rice", "organic"], "at": [1, 2, 1]}
    )
    model = SearchAffinity(decay=0.25).fit(searches, catalog)
    page = model.recommend([5, 6, 7], 3)

    assert page.filter(pl.col("customer_id") == 5)["product_id"].to_list() == [1, 2, 3]
    assert sorted(page.filter(pl.col("customer_id") == 6)["product_id"].to_list()) == [3, 4]
    assert page.filter(pl.col("customer_id") == 7).is_empty()
    with pytest.raises(InvalidOrders, match="lacks at"):
        SearchAffinity().fit(searches.drop("at"), catalog)


def test_recall_ndcg_and_the_repeat_explore_split_by_hand() -> None:
    truth = pl.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "product_id": [10, 11, 12, 20],
            "repeat": [True, True, False, False],
        }
    )
    recommended = pl.DataFrame(
        {"customer_id": [1, 1, 1, 2], "product_id": [11, 99, 12, 21], "rank": [1, 2, 3, 1]}
    )
    scores = basket_metrics(recommended, truth)
    one = scores.filter(pl.col("customer_id") == 1).row(0, named=True)

    assert one["recall_10"] == pytest.approx(2 / 3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert one["ndcg_10"] == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    assert one["phr_10"] == 1.0
    assert one["repeat_recall_10"] == pytest.approx(0.5)
    assert one["explore_recall_10"] == pytest.approx(1.0)
    two = scores.filter(pl.col("customer_id") == 2).row(0, named=True)
    assert (two["recall_10"], two["ndcg_10"], two["repeat_recall_10"]) == (0.0, 0.0, None)
    means = mean_metrics(scores)
    assert means["repeat_recall_10"] == pytest.approx(0.5)  # customer 2 has no repeat item
    assert means["explore_recall_10"] == pytest.approx(0.5)


def test_the_bootstrap_interval_sees_a_steady_gain_and_no_gain() -> None:
    ids = list(range(200))
    a = pl.DataFrame({"customer_id": ids, "recall_10": [0.5 + 0.1 * (i % 2) for i in ids]})
    b = pl.DataFrame({"customer_id": ids, "recall_10": [0.45] * 200})

    gain = bootstrap_difference(a, b, "recall_10")
    assert gain["mean"] == pytest.approx(0.1)
    assert gain["excludes_zero"] and gain["low"] > 0.09
    same = bootstrap_difference(a, a, "recall_10")
    assert (same["low"], same["high"], same["excludes_zero"]) == (0.0, 0.0, False)


def test_tifu_scores_the_same_in_chunks_as_at_once() -> None:
    orders, lines = frames(shoppers(customers=300, orders=3))
    history = History.build(orders, lines)
    model = TifuKnn(neighbours=20).fit(history)
    rows = np.arange(300)

    chunked = model.scores(rows)
    whole = model._scores(rows, shares=False)[0]
    assert abs(chunked - whole).max() < 1e-12
