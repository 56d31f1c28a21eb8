"""RFM quintile scores and the segment each customer falls in."""

from __future__ import annotations

from datetime import timedelta

from baro.intelligence.customers import SEGMENTS, rfm_scores, segment_sizes
from tests.intelligence.customers.helpers import at, orders


def test_every_cell_of_the_grid_has_exactly_one_segment() -> None:
    for r in range(1, 6):
        for f in range(1, 6):
            names = [name for name, rs, fs in SEGMENTS if r in rs and f in fs]
            assert len(names) == 1, (r, f, names)


def test_five_customers_spread_over_the_five_scores() -> None:
    """Customer i (1..5) ordered i times, each for 100 x i, the last time 50 - 10 i days
    (and an hour) before the end: e is the most recent, frequent and valuable; a the least."""
    end = at(2024, 6, 1, 0)
    rows = []
    for i, customer in enumerate("abcde", start=1):
        last = end - timedelta(days=50 - 10 * i, hours=1)
        rows += [(customer, last - timedelta(days=k), 100 * i) for k in range(i)]

    scores = rfm_scores(orders(rows), as_of=end)

    assert scores.select("customer_id", "recency_days", "frequency", "r", "f", "m").rows() == [
        ("a", 40, 1, 1, 1, 1),
        ("b", 30, 2, 2, 2, 2),
        ("c", 20, 3, 3, 3, 3),
        ("d", 10, 4, 4, 4, 4),
        ("e", 0, 5, 5, 5, 5),
    ]
    assert scores["segment"].to_list() == [
        "hibernating",
        "hibernating",
        "need_attention",
        "loyal",
        "champions",
    ]


def test_tied_customers_share_a_score() -> None:
    """Three one-order customers tie on frequency: all score 1, whatever their row order."""
    end = at(2024, 6, 1, 0)
    rows = [(c, at(2024, 5, d), 100) for c, d in (("x", 1), ("y", 2), ("z", 3))]
    rows += [("w", at(2024, 5, 4), 100), ("w", at(2024, 5, 5), 100)]

    scores = rfm_scores(orders(rows), as_of=end)

    assert dict(scores.select("customer_id", "f").iter_rows()) == {"w": 4, "x": 1, "y": 1, "z": 1}


def test_segment_sizes_list_every_segment_with_its_share() -> None:
    """Two customers: the recent one ranks 2 of 2 on recency (score 3), both tie on one
    order (score 1): about to sleep, and hibernating."""
    end = at(2024, 6, 1, 0)
    scores = rfm_scores(
        orders([("a", at(2024, 5, 31), 300), ("b", at(2024, 1, 1), 100)]), as_of=end
    )

    sizes = segment_sizes(scores)

    assert sizes["segment"].to_list() == [name for name, _, _ in SEGMENTS]
    assert dict(sizes.select("segment", "customers").iter_rows()) == {
        name: 1 if name in ("about_to_sleep", "hibernating") else 0 for name, _, _ in SEGMENTS
    }
    assert sizes["share"].sum() == 1.0
    assert sizes.filter(segment="about_to_sleep")["monetary_share"].item() == 0.75
