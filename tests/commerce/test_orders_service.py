"""The order path on the real services and a real (SQLite) database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.orders import CancelWindowClosed, OrderNotFound, OrderStatus
from baro.commerce.payments import DECLINES, TIMES_OUT, GatewayUnavailable, PaymentDeclined
from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.core.idempotency import IdempotencyKeyReused, InvalidIdempotencyKey
from baro.network import Line, OutOfStock, stock_level
from baro.platform import Platform
from tests.builders import BELO_HORIZONTE, RIO, SAO_PAULO, add_facility, add_product, shopper, stock


def test_one_click_ships_from_the_nearest_facility_that_can_fill_it(platform: Platform) -> None:
    """Given stock in Rio and São Paulo, a São Paulo buyer's order ships from São Paulo."""
    item = add_product(platform)
    rio, sp = add_facility(platform, "Rio", RIO), add_facility(platform, "SP", SAO_PAULO)
    stock(platform, rio, item.id, 5)
    stock(platform, sp, item.id, 5)
    buyer = shopper(platform, at=SAO_PAULO)

    placement = platform.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k1")

    order = placement.order
    assert order.status is OrderStatus.ALLOCATED
    assert order.facility_id == sp
    assert order.total.minor == 2 * 1990
    with platform.db.transaction() as session:
        assert stock_level(session, sp, item.id).reserved == 2
        types = [e.event_type for e in read_log(session)]
    assert types == ["order.placed", "order.paid", "order.allocated"]


def test_same_key_same_parameters_replays_the_first_order(platform: Platform) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)

    first = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")
    second = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")

    assert second.replayed and not first.replayed
    assert second.order == first.order
    assert len(platform.orders.list(buyer.principal)) == 1


def test_same_key_other_parameters_is_refused(platform: Platform) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")

    with pytest.raises(IdempotencyKeyReused):
        platform.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k")


def test_missing_key_is_refused_before_anything_is_written(platform: Platform) -> None:
    item = add_product(platform)
    buyer = shopper(platform)
    with pytest.raises(InvalidIdempotencyKey):
        platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key=None)
    assert platform.orders.list(buyer.principal) == []


def test_order_splits_only_when_no_single_facility_can_fill_it(platform: Platform) -> None:
    item = add_product(platform)
    rio, bh = add_facility(platform, "Rio", RIO), add_facility(platform, "BH", BELO_HORIZONTE)
    stock(platform, rio, item.id, 2)
    stock(platform, bh, item.id, 2)
    buyer = shopper(platform, at=SAO_PAULO)

    order = platform.orders.place_one_click(buyer.principal, item.id, 3, idempotency_key="k").order

    assert [(ln.facility_id, ln.quantity) for ln in order.lines] == [(rio, 2), (bh, 1)]


def test_out_of_stock_writes_nothing(platform: Platform) -> None:
    item = add_product(platform)
    sp = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, sp, item.id, 1)
    buyer = shopper(platform)

    with pytest.raises(OutOfStock):
        platform.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k")

    assert platform.orders.list(buyer.principal) == []
    with platform.db.transaction() as session:
        assert stock_level(session, sp, item.id).reserved == 0
        assert read_log(session) == []


def test_declined_card_releases_the_stock_and_is_replayed(platform: Platform) -> None:
    item = add_product(platform)
    sp = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, sp, item.id, 1)
    buyer = shopper(platform, token=DECLINES)

    with pytest.raises(PaymentDeclined):
        platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")
    with pytest.raises(PaymentDeclined) as replay:
        platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")

    assert replay.value.context["replayed"] is True
    [order] = platform.orders.list(buyer.principal)
    assert order.status is OrderStatus.PAYMENT_FAILED
    with platform.db.transaction() as session:
        assert stock_level(session, sp, item.id).reserved == 0


def test_a_gateway_outage_keeps_the_order_waiting_for_a_retry_with_the_same_key(
    platform: Platform, clock: SimulatedClock
) -> None:
    """The gateway did not answer: it may or may not have charged the card. The order keeps
    its stock and its key; the retry pays that same order (same gateway keys), never a
    second one. Only the recovery sweep, meeting the outage again, gives up on it."""
    item = add_product(platform)
    sp = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, sp, item.id, 1)
    buyer = shopper(platform, token=TIMES_OUT)

    for _ in range(2):
        with pytest.raises(GatewayUnavailable):
            platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")

    [waiting] = platform.orders.list(buyer.principal)
    assert waiting.status is OrderStatus.PLACED
    assert waiting.failure_reason == "payment_gateway_unavailable"
    with platform.db.read() as session:
        assert stock_level(session, sp, item.id).reserved == 1
    clock.advance(timedelta(minutes=3))
    [closed] = platform.orders.recover_abandoned()
    assert closed.id == waiting.id and closed.status is OrderStatus.PAYMENT_FAILED
    with platform.db.read() as session:
        assert stock_level(session, sp, item.id).reserved == 0
    with pytest.raises(GatewayUnavailable):  # the key was freed: this runs as a new order
        platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")
    assert len(platform.orders.list(buyer.principal)) == 2


def test_cancel_inside_the_window_refunds_and_returns_stock(
    platform: Platform, clock: SimulatedClock
) -> None:
    item = add_product(platform)
    sp = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, sp, item.id, 3)
    buyer = shopper(platform)
    order = platform.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k").order
    clock.advance(timedelta(minutes=29))

    cancelled = platform.orders.cancel(buyer.principal, order.id)

    assert cancelled.status is OrderStatus.REFUNDED
    assert cancelled.refund is not None and cancelled.refund.amount == order.total
    assert cancelled.refund.refunded_at == clock.now()
    with platform.db.transaction() as session:
        assert stock_level(session, sp, item.id).reserved == 0
    assert platform.orders.cancel(buyer.principal, order.id) == cancelled  # repeat is harmless


def test_cancel_after_the_window_is_refused(platform: Platform, clock: SimulatedClock) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 3)
    buyer = shopper(platform)
    order = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k").order
    clock.advance(timedelta(minutes=30, seconds=1))

    with pytest.raises(CancelWindowClosed):
        platform.orders.cancel(buyer.principal, order.id)


def test_another_customers_order_is_not_found(platform: Platform) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 3)
    owner, other = shopper(platform, "Ana"), shopper(platform, "Bia")
    order = platform.orders.place_one_click(owner.principal, item.id, 1, idempotency_key="k").order

    with pytest.raises(OrderNotFound):
        platform.orders.get(other.principal, order.id)
    with pytest.raises(OrderNotFound):
        platform.orders.cancel(other.principal, order.id)


def test_cart_checkout_places_one_order_and_empties_the_cart(platform: Platform) -> None:
    a, b = add_product(platform, sku="A"), add_product(platform, sku="B", price_minor=500)
    sp = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, sp, a.id, 3)
    stock(platform, sp, b.id, 3)
    buyer = shopper(platform)
    platform.cart.put(buyer.customer_id, a.id, 1)
    platform.cart.put(buyer.customer_id, b.id, 2)

    first = platform.orders.checkout_cart(buyer.principal, idempotency_key="c1")
    again = platform.orders.checkout_cart(buyer.principal, idempotency_key="c1")

    assert first.order.total.minor == 1990 + 2 * 500
    assert again.replayed and again.order.id == first.order.id
    assert platform.cart.items(buyer.customer_id) == []


def test_two_lines_of_one_product_split_over_two_facilities(platform: Platform) -> None:
    """The Olist replay's one product bought from two sellers: no facility holds both
    units, so the lines ship from the two facilities (not stock_contention)."""
    item = add_product(platform)
    sp, rio = add_facility(platform, "SP", SAO_PAULO), add_facility(platform, "Rio", RIO)
    stock(platform, sp, item.id, 1)
    stock(platform, rio, item.id, 1)
    buyer = shopper(platform, at=SAO_PAULO)

    placement = platform.orders.place(
        buyer.principal, [Line(item.id, 1), Line(item.id, 1)], idempotency_key="two-sellers"
    )

    assert [line.facility_id for line in placement.order.lines] == [sp, rio]
    assert placement.order.status is OrderStatus.ALLOCATED
