"""A customer returns a delivered order inside the return window: it is refunded in full
with the order's own gateway key, once, however the request is repeated or wherever the
process dies on the way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from baro.commerce.orders import (
    NotReturnable,
    Order,
    OrderNotFound,
    OrderStatus,
    ReturnWindowClosed,
)
from baro.commerce.payments import GatewayUnavailable, Refund, SandboxGateway
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.failpoints import armed
from baro.core.idempotency import IdempotencyKeyReused
from baro.core.ids import new_id
from baro.core.money import Money
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock

WINDOW = timedelta(days=30)  # the default BARO_RETURN_WINDOW_DAYS


class CountingGateway(SandboxGateway):
    """The sandbox, remembering the key of every refund it was asked for; the first
    ``outages`` refunds do not answer."""

    def __init__(self, clock: SimulatedClock, outages: int = 0) -> None:
        super().__init__(clock)
        self.refunds: list[str] = []
        self._outages = outages

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        self.refunds.append(idempotency_key)
        if len(self.refunds) <= self._outages:
            raise GatewayUnavailable("the payment gateway did not answer in time")
        return super().refund(capture_id, amount, idempotency_key=idempotency_key)


@pytest.fixture
def gateway(clock: SimulatedClock) -> CountingGateway:
    return CountingGateway(clock)


@pytest.fixture
def shop(settings: Settings, clock: SimulatedClock, gateway: CountingGateway) -> Iterator[Platform]:
    started = Platform.start(settings, clock=clock, gateway=gateway)
    yield started
    started.close()


def delivered_order(platform: Platform, buyer: Shopper | None = None) -> tuple[Shopper, Order]:
    """An order of two units delivered now (its return window opens now)."""
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = buyer or shopper(platform)
    placed = platform.orders.place_one_click(
        buyer.principal, item.id, 2, idempotency_key=new_id("buy")
    )
    order = platform.orders.advance(
        placed.order.id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    return buyer, order


def events_of(platform: Platform, order_id: str) -> list[tuple[str, dict]]:
    with platform.db.read() as session:
        return [
            (e.event_type, dict(e.data)) for e in read_log(session) if e.aggregate_id == order_id
        ]


def test_a_delivered_order_is_returned_and_refunded_in_full(
    shop: Platform, gateway: CountingGateway, clock: SimulatedClock
) -> None:
    buyer, order = delivered_order(shop)
    assert order.delivered_at == clock.now()
    clock.advance(timedelta(days=3))

    returned = shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    assert not returned.replayed
    assert returned.order.status is OrderStatus.REFUNDED
    assert returned.order.refund is not None
    assert returned.order.refund.amount == order.total == Money(2 * 1990, "BRL")
    assert gateway.refunds == [f"{order.id}:refund"]
    assert events_of(shop, order.id)[-2:] == [
        (
            "order.returned",
            {
                "customer_id": buyer.customer_id,
                "reason": "customer_return",
                "lines": [{"product_id": order.lines[0].product_id, "quantity": 2}],
            },
        ),
        (
            "order.refunded",
            {
                "customer_id": buyer.customer_id,
                "refund_id": returned.order.refund.id,
                "amount_minor": 2 * 1990,
            },
        ),
    ]


def test_the_last_moment_of_the_window_is_inside_it(shop: Platform, clock: SimulatedClock) -> None:
    buyer, order = delivered_order(shop)
    clock.advance(WINDOW)

    returned = shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    assert returned.order.status is OrderStatus.REFUNDED


def test_a_second_after_the_window_is_refused_and_writes_nothing(
    shop: Platform, gateway: CountingGateway, clock: SimulatedClock
) -> None:
    buyer, order = delivered_order(shop)
    before = events_of(shop, order.id)
    clock.advance(WINDOW + timedelta(seconds=1))

    with pytest.raises(ReturnWindowClosed) as refused:
        shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    assert refused.value.context == {"returnable_until": (order.delivered_at + WINDOW).isoformat()}
    assert shop.orders.get(buyer.principal, order.id).status is OrderStatus.DELIVERED
    assert events_of(shop, order.id) == before and gateway.refunds == []


@pytest.mark.parametrize(
    "steps",
    [
        (),  # allocated
        (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED),
    ],
    ids=["allocated", "shipped"],
)
def test_an_order_not_yet_delivered_cannot_be_returned(
    shop: Platform, gateway: CountingGateway, steps: tuple[OrderStatus, ...]
) -> None:
    item = add_product(shop)
    stock(shop, add_facility(shop, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(shop)
    placed = shop.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="buy")
    if steps:
        shop.orders.advance(placed.order.id, *steps)

    with pytest.raises(NotReturnable):
        shop.orders.return_order(buyer.principal, placed.order.id, idempotency_key="r1")
    assert gateway.refunds == []


def test_a_returned_order_is_not_returned_again_with_another_key(
    shop: Platform, gateway: CountingGateway
) -> None:
    buyer, order = delivered_order(shop)
    shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    with pytest.raises(NotReturnable) as refused:
        shop.orders.return_order(buyer.principal, order.id, idempotency_key="r2")

    assert refused.value.context == {"current": "refunded"}
    assert gateway.refunds == [f"{order.id}:refund"]


def test_the_same_key_replays_the_return_and_refunds_once(
    shop: Platform, gateway: CountingGateway
) -> None:
    buyer, order = delivered_order(shop)
    first = shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    again = shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    assert again.replayed and again.order == first.order
    assert gateway.refunds == [f"{order.id}:refund"]
    assert [t for t, _ in events_of(shop, order.id)].count("order.refunded") == 1


def test_the_key_of_one_return_cannot_return_another_order(shop: Platform) -> None:
    buyer, order = delivered_order(shop)
    _, other = delivered_order(shop, buyer)
    shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    with pytest.raises(IdempotencyKeyReused):
        shop.orders.return_order(buyer.principal, other.id, idempotency_key="r1")
    assert shop.orders.get(buyer.principal, other.id).status is OrderStatus.DELIVERED


def test_another_customers_order_is_not_found(shop: Platform) -> None:
    _owner, order = delivered_order(shop)
    stranger = shopper(shop, "Bia")

    with pytest.raises(OrderNotFound):
        shop.orders.return_order(stranger.principal, order.id, idempotency_key="r1")


class ProcessDied(Exception):
    """Stands for the server process being killed at a failpoint."""


def die() -> None:
    raise ProcessDied("killed")


@pytest.mark.parametrize("point", ["return.returned", "cancel.refunded"])
def test_a_return_whose_refund_died_halfway_is_refunded_by_the_recovery_sweep(
    shop: Platform,
    gateway: CountingGateway,
    clock: SimulatedClock,
    settings: Settings,
    point: str,
) -> None:
    """``return.returned``: the return committed, the gateway was never asked.
    ``cancel.refunded``: the gateway refunded, the refund was never recorded. Either way
    the order waits as returned; the sweep refunds it with the same key: the gateway
    gives the same refund, and the order is refunded once."""
    buyer, order = delivered_order(shop)
    with armed(point, die), pytest.raises(ProcessDied):
        shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")
    waiting = shop.orders.get(buyer.principal, order.id)
    assert waiting.status is OrderStatus.RETURNED and waiting.refund is None
    assert shop.orders.recover_abandoned() == []  # not abandoned yet: maybe still refunding
    clock.advance(timedelta(seconds=settings.abandoned_after_seconds + 1))

    (recovered,) = shop.orders.recover_abandoned()

    assert recovered.id == order.id and recovered.status is OrderStatus.REFUNDED
    assert shop.orders.recover_abandoned() == []
    assert set(gateway.refunds) == {f"{order.id}:refund"}
    moves = [t for t, _ in events_of(shop, order.id)]
    assert moves[-2:] == ["order.returned", "order.refunded"]
    assert moves.count("order.refunded") == 1


def test_a_retry_with_the_key_refunds_what_a_gateway_outage_left(
    settings: Settings, clock: SimulatedClock
) -> None:
    gateway = CountingGateway(clock, outages=1)
    platform = Platform.start(settings, clock=clock, gateway=gateway)
    try:
        buyer, order = delivered_order(platform)
        with pytest.raises(GatewayUnavailable):
            platform.orders.return_order(buyer.principal, order.id, idempotency_key="r1")
        assert platform.orders.get(buyer.principal, order.id).status is OrderStatus.RETURNED

        retried = platform.orders.return_order(buyer.principal, order.id, idempotency_key="r1")
    finally:
        platform.close()

    assert retried.replayed and retried.order.status is OrderStatus.REFUNDED
    assert gateway.refunds == [f"{order.id}:refund"] * 2
