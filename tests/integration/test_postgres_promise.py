"""On PostgreSQL: an order keeps the delivery promised at placement (its columns ride on
the order's INSERT), the preference is read with the key, and capacity counts come back
from the orders table."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from baro.commerce.orders import Delivery, promised_per_day
from baro.core.ids import new_id
from baro.core.money import Money
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

pytestmark = pytest.mark.postgres

NORTH_10KM = (SAO_PAULO[0] + 10 / 111.19508, SAO_PAULO[1])


def test_placement_stores_the_chosen_option_and_its_window(platform: Platform) -> None:
    item = add_product(platform, sku=new_id("SKU"))
    fc = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, fc, item.id, 5)
    buyer = shopper(platform, at=NORTH_10KM)
    fastest = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="p1", delivery_option="same_day"
    )
    platform.customers.set_delivery_preference(buyer.customer_id, "standard")
    principal = platform.customers.authenticate(buyer.api_key)
    assert principal.delivery_preference == "standard"
    preferred = platform.orders.place_one_click(principal, item.id, 1, idempotency_key="p2")

    stored = platform.orders.get(principal, fastest.order.id)
    assert stored.delivery == Delivery(
        "same_day",
        Money(1299, "BRL"),
        datetime(2026, 11, 25, 11, 58, tzinfo=UTC),
        datetime(2026, 11, 25, 13, 58, tzinfo=UTC),
    )
    assert stored.total == item.price + Money(1299, "BRL")  # the fee asked for is charged
    assert platform.orders.get(principal, preferred.order.id).delivery == Delivery(
        "standard",
        Money(0, "BRL"),
        datetime(2026, 11, 27, 8, tzinfo=UTC),
        datetime(2026, 11, 29, 21, tzinfo=UTC),
    )
    with platform.db.read() as session:
        counts = promised_per_day(session, datetime(2026, 11, 25, tzinfo=UTC))
    assert (fc, "same_day", date(2026, 11, 25), 1) in counts
    assert (fc, "standard", date(2026, 11, 27), 1) in counts
