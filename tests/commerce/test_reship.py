"""Re-ship of a lost parcel: a free order linked to the lost one, stock reserved, the lost
one marked lost in the same transaction; the trust policy's limit per customer and period."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.orders import NotLosable, OrderNotFound, OrderStatus, ReshipLimitReached
from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.network import stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock

SHIPPING = (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED)


@pytest.fixture
def shop(platform: Platform) -> tuple[str, str]:
    item = add_product(platform, price_minor=4_990)
    facility = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, facility, item.id, 10)
    return facility, item.id


def shipped(
    platform: Platform, buyer: Shopper, product_id: str, key: str, quantity: int = 2
) -> str:
    placed = platform.orders.place_one_click(
        buyer.principal, product_id, quantity, idempotency_key=key
    )
    platform.orders.advance(placed.order.id, *SHIPPING)
    return placed.order.id


def test_a_lost_parcel_is_reshipped_free_linked_and_stock_reserved(
    platform: Platform, shop: tuple[str, str]
) -> None:
    facility, item = shop
    buyer = shopper(platform)
    lost_id = shipped(platform, buyer, item, "k1")

    reship = platform.orders.reships.report_lost(buyer.principal, lost_id)

    order = reship.order
    assert not reship.replayed
    assert order.reship_of == lost_id and order.customer_id == buyer.customer_id
    assert order.total.minor == 0 and order.status is OrderStatus.ALLOCATED
    assert order.delivery is not None and order.delivery.fee.minor == 0  # free delivery too
    assert [(ln.product_id, ln.quantity) for ln in order.lines] == [(item, 2)]
    assert platform.orders.get(buyer.principal, lost_id).status is OrderStatus.LOST
    with platform.db.read() as session:
        level = stock_level(session, facility, item)
        events = [(e.event_type, e.aggregate_id) for e in read_log(session)]
    assert (level.on_hand, level.reserved) == (8, 2)  # 2 shipped, 2 reserved for the re-ship
    assert ("order.lost", lost_id) in events
    assert ("order.placed", order.id) in events


def test_reporting_twice_gives_the_same_reship(platform: Platform, shop: tuple[str, str]) -> None:
    _, item = shop
    buyer = shopper(platform)
    lost_id = shipped(platform, buyer, item, "k1")
    first = platform.orders.reships.report_lost(buyer.principal, lost_id)
    again = platform.orders.reships.report_lost(buyer.principal, lost_id)
    assert again.replayed and again.order.id == first.order.id
    assert platform.orders.reships.figures().reships == 1


def test_only_a_shipped_or_delivered_parcel_can_be_lost(
    platform: Platform, shop: tuple[str, str]
) -> None:
    _, item = shop
    buyer = shopper(platform)
    placed = platform.orders.place_one_click(buyer.principal, item, 1, idempotency_key="k1")
    with pytest.raises(NotLosable) as refused:
        platform.orders.reships.report_lost(buyer.principal, placed.order.id)
    assert refused.value.context["losable"] == ["delivered", "shipped"]
    assert platform.orders.reships.figures().reships == 0
    delivered = shipped(platform, buyer, item, "k2", 1)
    platform.orders.advance(delivered, OrderStatus.DELIVERED)
    assert platform.orders.reships.report_lost(buyer.principal, delivered).order.reship_of


def test_someone_elses_order_is_not_found(platform: Platform, shop: tuple[str, str]) -> None:
    _, item = shop
    lost_id = shipped(platform, shopper(platform, "Ana"), item, "k1")
    with pytest.raises(OrderNotFound):
        platform.orders.reships.report_lost(shopper(platform, "Bia").principal, lost_id)


def test_the_trust_policy_limits_reships_per_customer_per_period(
    platform: Platform, clock: SimulatedClock, shop: tuple[str, str]
) -> None:
    _, item = shop
    buyer = shopper(platform)
    policy = platform.orders.reships.policy
    assert (policy.max_reships, policy.period) == (2, timedelta(days=90))
    orders = [shipped(platform, buyer, item, f"k{n}", 1) for n in range(3)]
    platform.orders.reships.report_lost(buyer.principal, orders[0])
    clock.advance(timedelta(days=10))
    platform.orders.reships.report_lost(buyer.principal, orders[1])
    with pytest.raises(ReshipLimitReached) as refused:
        platform.orders.reships.report_lost(buyer.principal, orders[2])
    assert refused.value.context["used"] == 2 and refused.value.context["limit"] == 2
    # Refused: nothing written, the order still shipped.
    assert platform.orders.get(buyer.principal, orders[2]).status is OrderStatus.SHIPPED
    # Another customer is not held back by this one's limit.
    other = shopper(platform, "Bia")
    platform.orders.reships.report_lost(other.principal, shipped(platform, other, item, "b1", 1))
    # Once the first re-ship is older than the period, one more is allowed.
    clock.advance(timedelta(days=81))
    assert platform.orders.reships.report_lost(buyer.principal, orders[2]).order.reship_of
    figures = platform.orders.reships.figures()
    assert figures.reships == 4
    assert [(m.minor, m.currency) for m in figures.cost] == [(4 * 4_990, "BRL")]
    assert figures.to_json() == {"reships": 4, "cost": [{"minor": 4 * 4_990, "currency": "BRL"}]}
    assert platform.orders.reships.figures(since=clock.now()).reships == 1  # the last one


def test_a_reship_is_not_counted_as_a_sale(platform: Platform, clock: SimulatedClock) -> None:
    facility = add_facility(platform, "SP", SAO_PAULO)
    a, b = add_product(platform, sku="A"), add_product(platform, sku="B")  # a's id sorts first
    for item in (a, b):
        stock(platform, facility, item.id, 10)
    buyer = shopper(platform)
    lost = shipped(platform, buyer, a.id, "ka", quantity=1)
    platform.orders.place_one_click(buyer.principal, b.id, 2, idempotency_key="kb")
    platform.orders.reships.report_lost(buyer.principal, lost)
    # a: 1 sold (its re-ship is no sale), b: 2 sold.
    assert platform.best_sellers.since(clock.now() - timedelta(days=1)) == [b.id, a.id]
