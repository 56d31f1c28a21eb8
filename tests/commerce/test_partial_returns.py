"""A customer returns part of a delivered order: each partial return is refunded its lines'
value with a gateway key of its own, the order stays delivered until the last unit is back
(then it is returned, and refunded what is left, delivery fee included), and nothing is
returned or refunded twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from baro.commerce.orders import (
    Delivery,
    DuplicateReturnLine,
    EmptyReturn,
    InvalidQuantity,
    NotReturnable,
    Order,
    OrderStatus,
    ProductNotInOrder,
    ReturnExceedsOrder,
)
from baro.commerce.orders.best_sellers import sold_lines
from baro.commerce.orders.domain import Payment
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.core.money import Money
from baro.network import Allocation, Line
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock
from tests.commerce.test_order_returns import CountingGateway, ProcessDied, die, events_of

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
WINDOW = timedelta(days=30)


def delivered(fee_minor: int = 500) -> Order:
    """Two lines (2 × 10.00 and 3 × 4.00) and a 5.00 fee, delivered at ``AT``."""
    order = Order.place(
        order_id="ord_1",
        customer_id="cus_1",
        allocations=[Allocation("prd_a", "fac_1", 2), Allocation("prd_b", "fac_1", 3)],
        unit_prices={"prd_a": Money(1000, "BRL"), "prd_b": Money(400, "BRL")},
        address_id="adr_1",
        payment_method_id="pm_1",
        at=AT,
        cancel_window=timedelta(minutes=30),
        delivery=Delivery("standard", Money(fee_minor, "BRL"), AT, AT),
    )
    order.record_payment(Payment("auth_1", "cap_1", AT))
    order.allocate(AT)
    for step in (
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ):
        order.advance(step, AT)
    order.pull_events()
    return order


def test_a_partial_return_is_its_lines_value_and_the_order_stays_delivered() -> None:
    order = delivered()

    partial = order.return_delivered(AT, WINDOW, [Line("prd_b", 2)])

    assert partial is not None and partial.number == 1
    assert partial.amount == Money(2 * 400, "BRL")  # no delivery fee
    assert partial.refund_key("ord_1") == "ord_1:refund:1"
    assert order.status is OrderStatus.DELIVERED
    assert [(ln.product_id, ln.returned, ln.left) for ln in order.lines] == [
        ("prd_a", 0, 2),
        ("prd_b", 2, 1),
    ]
    (event,) = order.pull_events()
    assert event.event_type == "order.returned"
    assert event.data == {
        "customer_id": "cus_1",
        "reason": "customer_return",
        "lines": [{"product_id": "prd_b", "quantity": 2}],
        "return_no": 1,
        "amount_minor": 800,
    }


def test_the_return_of_the_rest_moves_it_to_returned_with_what_is_left_and_the_fee() -> None:
    order = delivered()
    order.return_delivered(AT, WINDOW, [Line("prd_b", 2)])
    order.return_delivered(AT, WINDOW, [Line("prd_a", 1)])
    order.pull_events()

    assert order.return_delivered(AT, WINDOW) is None  # everything not yet returned

    assert order.status is OrderStatus.RETURNED and order.cancelled_at == AT
    assert order.refundable == Money(1000 + 400 + 500, "BRL")
    assert sum(r.amount.minor for r in order.returns) + order.refundable.minor == order.total.minor
    (event,) = order.pull_events()
    assert event.data["lines"] == [
        {"product_id": "prd_a", "quantity": 1},
        {"product_id": "prd_b", "quantity": 1},
    ]
    assert "return_no" not in event.data


def test_naming_every_unit_left_is_the_whole_return() -> None:
    order = delivered()

    assert order.return_delivered(AT, WINDOW, [Line("prd_a", 2), Line("prd_b", 3)]) is None

    assert order.status is OrderStatus.RETURNED and order.refundable == order.total


@pytest.mark.parametrize(
    ("lines", "error", "context"),
    [
        ([Line("prd_a", 3)], ReturnExceedsOrder, {"product_id": "prd_a", "returnable": 2}),
        ([Line("prd_x", 1)], ProductNotInOrder, {"product_id": "prd_x"}),
        ([Line("prd_a", 1), Line("prd_a", 1)], DuplicateReturnLine, {"product_id": "prd_a"}),
        ([], EmptyReturn, {}),
    ],
    ids=["more", "unknown", "twice", "empty"],
)
def test_a_return_the_order_cannot_hold_is_refused_and_changes_nothing(
    lines: list[Line], error: type[Exception], context: dict
) -> None:
    order = delivered()

    with pytest.raises(error) as refused:
        order.return_delivered(AT, WINDOW, lines)

    assert refused.value.context == context  # type: ignore[attr-defined]
    assert order.status is OrderStatus.DELIVERED and order.returns == ()
    assert all(ln.returned == 0 for ln in order.lines) and order.pull_events() == []


def test_what_already_came_back_cannot_come_back_again() -> None:
    order = delivered()
    order.return_delivered(AT, WINDOW, [Line("prd_b", 2)])

    with pytest.raises(ReturnExceedsOrder) as refused:
        order.return_delivered(AT, WINDOW, [Line("prd_b", 2)])

    assert refused.value.context == {"product_id": "prd_b", "returnable": 1}


def test_a_parcel_back_from_its_locker_brings_every_unit_left() -> None:
    order = delivered()
    order.return_delivered(AT, WINDOW, [Line("prd_b", 1)])
    order.pull_events()

    order.mark_returned(AT)

    assert [ln.left for ln in order.lines] == [0, 0]
    assert order.refundable == Money(2 * 1000 + 2 * 400 + 500, "BRL")
    (event,) = order.pull_events()
    assert event.data["reason"] == "locker_uncollected"
    assert event.data["lines"] == [
        {"product_id": "prd_a", "quantity": 2},
        {"product_id": "prd_b", "quantity": 2},
    ]


def test_a_product_split_over_two_lines_comes_back_from_the_first_first() -> None:
    order = Order.place(
        order_id="ord_2",
        customer_id="cus_1",
        allocations=[Allocation("prd_a", "fac_1", 1), Allocation("prd_a", "fac_2", 2)],
        unit_prices={"prd_a": Money(1000, "BRL")},
        address_id="adr_1",
        payment_method_id="pm_1",
        at=AT,
        cancel_window=timedelta(minutes=30),
    )
    order.status, order.delivered_at = OrderStatus.DELIVERED, AT

    partial = order.return_delivered(AT, WINDOW, [Line("prd_a", 2)])

    assert partial is not None and partial.amount == Money(2000, "BRL")
    assert [ln.returned for ln in order.lines] == [1, 1]


# through the service --------------------------------------------------------------------


@pytest.fixture
def gateway(clock: SimulatedClock) -> CountingGateway:
    return CountingGateway(clock)


@pytest.fixture
def shop(settings: Settings, clock: SimulatedClock, gateway: CountingGateway) -> Iterator[Platform]:
    started = Platform.start(settings, clock=clock, gateway=gateway)
    yield started
    started.close()


def two_lines(platform: Platform) -> tuple[Shopper, Order, str, str]:
    """A delivered order of 2 × 19.90 and 3 × 5.00 (no delivery fee in the sandbox)."""
    a = add_product(platform, sku=new_id("SKU"))
    b = add_product(platform, sku=new_id("SKU"), price_minor=500)
    facility = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, facility, a.id, 5)
    stock(platform, facility, b.id, 5)
    buyer = shopper(platform)
    placed = platform.orders.place(
        buyer.principal, [Line(a.id, 2), Line(b.id, 3)], idempotency_key="buy"
    )
    order = platform.orders.advance(
        placed.order.id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    return buyer, order, a.id, b.id


def test_a_partial_return_then_the_rest_refunds_each_once_with_its_own_key(
    shop: Platform, gateway: CountingGateway
) -> None:
    buyer, order, a, b = two_lines(shop)

    first = shop.orders.return_order(
        buyer.principal, order.id, idempotency_key="r1", lines=[(b, 2)]
    )
    rest = shop.orders.return_order(buyer.principal, order.id, idempotency_key="r2")

    kept = first.order
    assert kept.status is OrderStatus.DELIVERED
    (partial,) = kept.returns
    assert partial.refund is not None and partial.refund.amount == Money(1000, "BRL")
    assert [(ln.product_id, ln.returned) for ln in kept.lines] == [(a, 0), (b, 2)]
    assert rest.order.status is OrderStatus.REFUNDED
    assert rest.order.refund is not None
    assert rest.order.refund.amount == Money(2 * 1990 + 500, "BRL")
    assert gateway.refunds == [f"{order.id}:refund:1", f"{order.id}:refund"]
    moves = [(t, d.get("return_no"), d.get("amount_minor")) for t, d in events_of(shop, order.id)]
    assert moves[-4:] == [
        ("order.returned", 1, 1000),
        ("order.refunded", 1, 1000),
        ("order.returned", None, None),
        ("order.refunded", None, 2 * 1990 + 500),
    ]
    assert shop.orders.get(buyer.principal, order.id) == rest.order


def test_a_repeat_of_a_partial_return_with_its_key_is_a_replay(
    shop: Platform, gateway: CountingGateway
) -> None:
    buyer, order, _a, b = two_lines(shop)
    first = shop.orders.return_order(
        buyer.principal, order.id, idempotency_key="r1", lines=[(b, 1)]
    )

    again = shop.orders.return_order(
        buyer.principal, order.id, idempotency_key="r1", lines=[(b, 1)]
    )

    assert again.replayed and again.order == first.order
    assert [ln.returned for ln in again.order.lines] == [0, 1]
    assert gateway.refunds == [f"{order.id}:refund:1"]


def test_a_second_partial_return_gets_the_next_key_and_an_over_return_is_refused(
    shop: Platform, gateway: CountingGateway
) -> None:
    buyer, order, a, b = two_lines(shop)
    shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1", lines=[(b, 1)])
    second = shop.orders.return_order(
        buyer.principal, order.id, idempotency_key="r2", lines=[(a, 1), (b, 1)]
    )

    with pytest.raises(ReturnExceedsOrder):
        shop.orders.return_order(buyer.principal, order.id, idempotency_key="r3", lines=[(b, 2)])

    assert [r.amount.minor for r in second.order.returns] == [500, 1990 + 500]
    assert gateway.refunds == [f"{order.id}:refund:1", f"{order.id}:refund:2"]
    assert shop.orders.get(buyer.principal, order.id).status is OrderStatus.DELIVERED


def test_a_returned_order_takes_no_partial_return(shop: Platform) -> None:
    buyer, order, _a, b = two_lines(shop)
    shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1")

    with pytest.raises(NotReturnable):
        shop.orders.return_order(buyer.principal, order.id, idempotency_key="r2", lines=[(b, 1)])


@pytest.mark.parametrize(
    ("units", "refusal"),
    [(0, InvalidQuantity), (-1, InvalidQuantity), (101, ReturnExceedsOrder)],
    ids=["zero", "negative", "past_the_limit"],
)
def test_a_quantity_out_of_range_is_refused_before_anything_is_written(
    shop: Platform,
    settings: Settings,
    gateway: CountingGateway,
    units: int,
    refusal: type[Exception],
) -> None:
    assert settings.max_order_quantity == 100
    buyer, order, a, _b = two_lines(shop)

    with pytest.raises(refusal):
        shop.orders.return_order(
            buyer.principal, order.id, idempotency_key="r1", lines=[(a, units)]
        )

    assert shop.orders.get(buyer.principal, order.id).returns == () and gateway.refunds == []


def test_units_returned_are_not_sold(shop: Platform) -> None:
    buyer, order, a, b = two_lines(shop)
    shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1", lines=[(b, 3)])

    with shop.db.read() as session:
        sold = sold_lines(
            session, since=order.placed_at, until=order.placed_at + timedelta(seconds=1)
        )

    assert [(line.product_id, line.units) for line in sold] == [(a, 2)]


@pytest.mark.parametrize("point", ["return.returned", "return.refunded"])
def test_a_partial_refund_that_died_halfway_is_finished_by_the_recovery_sweep(
    shop: Platform,
    gateway: CountingGateway,
    clock: SimulatedClock,
    settings: Settings,
    point: str,
) -> None:
    """``return.returned``: the partial return committed, the gateway was never asked.
    ``return.refunded``: the gateway refunded, the refund was never recorded. The sweep
    refunds it with the return's own key: the same refund, recorded once."""
    buyer, order, _a, b = two_lines(shop)
    with armed(point, die), pytest.raises(ProcessDied):
        shop.orders.return_order(buyer.principal, order.id, idempotency_key="r1", lines=[(b, 1)])
    (waiting,) = shop.orders.get(buyer.principal, order.id).returns
    assert waiting.refund is None
    assert shop.orders.recover_abandoned() == []
    clock.advance(timedelta(seconds=settings.abandoned_after_seconds + 1))

    (recovered,) = shop.orders.recover_abandoned()

    assert recovered.status is OrderStatus.DELIVERED
    assert recovered.returns[0].refund is not None
    assert shop.orders.recover_abandoned() == []
    assert set(gateway.refunds) == {f"{order.id}:refund:1"}
    assert [t for t, _ in events_of(shop, order.id)].count("order.refunded") == 1
