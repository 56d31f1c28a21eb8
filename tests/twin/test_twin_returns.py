"""Returns in the twin (Online Retail's C-invoices): each takes units back from the
customer's latest order holding the product, through the platform's partial returns; an
order not yet shipped is cancelled instead; the rest is counted by reason."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from baro.twin.engine import run_twin
from baro.twin.policies import SellerShipsBaseline
from baro.twin.replay import ReplayData, online_retail_replay
from tests.twin.test_twin import START, fixed_stages, products, tiny_places

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def retail_replay() -> ReplayData:
    """c0 buys 3 × p0 and 1 × p1; c1 buys 1 × p0; c2 buys 1 × p2. Each order is handed
    over after 24 h and delivered 48 h later."""
    sellers, customers = tiny_places()
    placed = [("i1", "c0", START), ("i2", "c1", START + HOUR), ("i3", "c2", START + 2 * HOUR)]
    orders = pl.DataFrame(
        {
            "order_id": [order for order, _, _ in placed],
            "customer_key": [customer for _, customer, _ in placed],
            "purchased_at": [at for _, _, at in placed],
            **{
                column: pl.Series([None] * 3, dtype=pl.Datetime("us", "UTC"))
                for column in ("approved_at", "carrier_at", "delivered_at", "estimated_at")
            },
            "status": ["invoiced"] * 3,
        }
    )
    lines = pl.DataFrame(
        {
            "order_id": ["i1", "i1", "i2", "i3"],
            "product_id": ["p0", "p1", "p0", "p2"],
            "seller_id": ["s0", "s1", "s0", "s2"],
            "quantity": [3, 1, 1, 1],
            "price_minor": [1000, 2000, 1000, 3000],
        },
        schema_overrides={"quantity": pl.Int32},
    )
    returns = pl.DataFrame(
        {
            "return_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "customer_key": ["c1", "c2", "c0", "c2", "c0", "c0"],
            "returned_at": [
                START + HOUR + timedelta(minutes=10),  # i2 inside its cancel window
                START + 2 * HOUR + DAY + HOUR,  # i3 handed over, on its way
                START + 5 * DAY,  # 2 of i1's 3 × p0
                START + 5 * DAY,  # c2 never bought p0
                START + 6 * DAY,  # 5 more of p0: the 1 left
                START + 40 * DAY,  # p1: the return window closed
            ],
            "product_id": ["p0", "p2", "p0", "p0", "p0", "p1"],
            "quantity": [1, 1, 2, 1, 5, 1],
        },
        schema_overrides={"quantity": pl.Int32},
    )
    return ReplayData("retail", "BRL", orders, lines, customers, sellers, products(), returns)


def test_returns_take_units_back_cancel_what_has_not_shipped_and_count_the_rest(
    database_url: str,
) -> None:
    run = run_twin(
        retail_replay(),
        SellerShipsBaseline(),
        fixed_stages(24, 48),
        database_url=database_url,
        seed=7,
    )

    assert run.failed_placements == {}
    assert run.returns == {
        "cancelled": 1,
        "in_transit": 1,
        "returned": 2,
        "no_matching_order": 1,
        "refused:return_window_closed": 1,
    }
    source = dict(run.order_keys.select("order_id", "source_order_id").iter_rows())
    by_source = {source_id: order_id for order_id, source_id in source.items()}
    i1, i2 = by_source["i1"], by_source["i2"]
    returned = [
        (e.data["lines"], e.data.get("amount_minor"))
        for e in run.events
        if e.event_type == "order.returned" and e.aggregate_id == i1
    ]
    assert [[line["quantity"] for line in lines] for lines, _ in returned] == [[2], [1]]
    assert [amount for _, amount in returned] == [2000, 1000]
    refunds = [
        e.data["amount_minor"]
        for e in run.events
        if e.event_type == "order.refunded" and e.aggregate_id == i1
    ]
    assert refunds == [2000, 1000]
    i2_moves = [e.event_type for e in run.events if e.aggregate_id == i2]
    assert i2_moves[-2:] == ["order.cancelled", "order.refunded"]
    assert "order.shipped" not in i2_moves  # its carrying stopped at the cancel


def test_a_replay_without_returns_counts_none(database_url: str) -> None:
    """As Olist's: its cancellations are replayed as cancels, it has no returns."""
    run = run_twin(
        replace(retail_replay(), returns=None),
        SellerShipsBaseline(),
        fixed_stages(24, 48),
        database_url=database_url,
        seed=7,
    )

    assert run.returns == {}


def test_between_keeps_the_returns_made_in_the_period() -> None:
    replay = retail_replay()

    early = replay.between(None, (START + 2 * DAY).date())

    assert early.returns is not None
    assert early.returns["return_id"].to_list() == ["C1", "C2"]
    assert replace(replay, returns=None).between(None, None).returns is None


def test_online_retail_returns_are_its_c_invoices_lines_per_product(tmp_path: Path) -> None:
    """Lines of one C-invoice for one product are one return (units added up, as a positive
    count); a return of an unknown customer, of a customer who never bought, or of a
    discount (never sold) is left out."""
    folder = tmp_path / "online_retail"
    folder.mkdir()
    rows = [
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom",
        "536365,71053,LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom",
        "C536379,85123A,HEART,-1,2010-12-02 09:41:00,2.55,17850.0,United Kingdom",
        "C536379,85123A,HEART,-2,2010-12-02 09:41:00,2.55,17850.0,United Kingdom",
        "C536379,D,Discount,-1,2010-12-02 09:41:00,27.50,17850.0,United Kingdom",
        "C536380,71053,LANTERN,-1,2010-12-02 10:00:00,3.39,,United Kingdom",
        "C536381,71053,LANTERN,-1,2010-12-02 10:00:00,3.39,12345.0,France",
    ]
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    with gzip.open(folder / "online_retail.csv.gz", "wt") as out:
        out.write("\n".join([header, *rows]) + "\n")

    replay = online_retail_replay(tmp_path)

    assert replay.returns is not None
    assert replay.returns.rows() == [
        ("C536379", "17850", datetime(2010, 12, 2, 9, 41, tzinfo=UTC), "85123A", 3)
    ]
