"""The order path's counts: placed, replayed and failed by code; batch sizes; retries."""

from __future__ import annotations

from prometheus_client import REGISTRY

from baro.commerce.orders import metrics
from baro.network import OutOfStock
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_outcomes_are_counted_as_placed_replayed_or_failed_by_code(platform: Platform) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "FC", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    first = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")
    replay = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")
    counted = {
        "placed": value("baro_orders_placed_total"),
        "replayed": value("baro_orders_replayed_total"),
        "out_of_stock": value("baro_orders_failed_total", code="out_of_stock"),
    }

    metrics.record_outcomes([first, replay, OutOfStock("only 0 of 1"), first])

    assert value("baro_orders_placed_total") == counted["placed"] + 2
    assert value("baro_orders_replayed_total") == counted["replayed"] + 1
    assert value("baro_orders_failed_total", code="out_of_stock") == counted["out_of_stock"] + 1


def test_a_batch_size_lands_in_its_bucket() -> None:
    in_8 = value("baro_order_batch_size_bucket", le="8.0")
    in_4 = value("baro_order_batch_size_bucket", le="4.0")

    metrics.record_batch(5)

    assert value("baro_order_batch_size_bucket", le="8.0") == in_8 + 1
    assert value("baro_order_batch_size_bucket", le="4.0") == in_4


def test_each_stock_contention_retry_is_counted() -> None:
    before = value("baro_order_stock_contention_retries_total")

    metrics.record_stock_contention_retry()
    metrics.record_stock_contention_retry()

    assert value("baro_order_stock_contention_retries_total") == before + 2
