"""On time against baro's own promise: the end of the window each order.placed carries,
beside the data set's promised date."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from baro.core.events import StoredEvent
from baro.twin import kpis
from tests.twin.test_twin import replay_once


def placed(order_id: str, window: list[str] | None) -> StoredEvent:
    data = {"customer_id": "cus_1", "total_minor": 100, "lines": []}
    if window is not None:
        data["delivery_window"] = window
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    return StoredEvent(1, f"evt_{order_id}", "order.placed", order_id, at, data)


def test_baros_promise_is_the_end_of_the_window_placed_with_the_order() -> None:
    events = [
        placed("ord_a", ["2026-11-26T08:00:00+00:00", "2026-11-26T21:00:00+00:00"]),
        placed("ord_b", None),  # placed before orders carried a promise
    ]
    frame = kpis.baro_promises(events)
    assert frame.to_dicts() == [
        {"order_id": "ord_a", "promised_at": datetime(2026, 11, 26, 21, tzinfo=UTC)}
    ]


def test_on_time_against_baros_promise_sits_beside_the_data_sets(database_url: str) -> None:
    """Counted by hand from the run's own frames: delivered orders whose delivery came
    by the end of baro's window, over the delivered orders baro promised."""
    replay, run = replay_once(database_url)
    orders, parcels = kpis.order_frames(run.events)
    promised = kpis.baro_promises(run.events)
    dataset = kpis.promised_dates(run.order_keys, replay.orders)

    values = kpis.network_kpis(orders, parcels, run.facilities, run.customers, dataset, promised)

    assert promised.height == orders.height  # every replayed order got a promise
    delivered = orders.drop_nulls("delivered_at").join(promised, on="order_id")
    by_hand = delivered.filter(pl.col("delivered_at") <= pl.col("promised_at")).height
    assert values["on_time_rate_baro"] == round(by_hand / delivered.height, 4)
    assert values["on_time_rate"] == 1.0  # the data set's, unchanged beside it
    without = kpis.network_kpis(orders, parcels, run.facilities, run.customers, dataset)
    assert without["on_time_rate_baro"] is None
