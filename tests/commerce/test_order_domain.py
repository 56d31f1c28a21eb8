"""The order aggregate without a database: placing, paying, cancelling, refunding, checks.

The legal moves of the state machine, pair by pair, are in ``test_order_transitions.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baro.commerce.catalog import Dimensions, Product, ProductNotFound, ProductUnavailable
from baro.commerce.orders import (
    AlreadyShipped,
    CancelWindowClosed,
    EmptyCart,
    IllegalTransition,
    InvalidQuantity,
    Order,
    OrderEvent,
    OrderLine,
    OrderNotFound,
    OrderStatus,
)
from baro.commerce.orders.domain import Payment, RefundRecord, check_quantity, check_sellable
from baro.core.money import Money
from baro.network import Allocation, Line

AT = datetime(2026, 11, 25, 9, tzinfo=UTC)
WINDOW_ENDS = AT + timedelta(minutes=30)
TICK = timedelta(microseconds=1)
PAID_AT = AT + timedelta(minutes=1)


def placed(**overrides: object) -> Order:
    arguments: dict[str, object] = {
        "order_id": "ord_1",
        "customer_id": "cus_1",
        "allocations": [Allocation("prd_1", "fac_1", 2)],
        "unit_prices": {"prd_1": Money(1990, "BRL")},
        "address_id": "adr_1",
        "payment_method_id": "pm_1",
        "at": AT,
        "cancel_window": timedelta(minutes=30),
    }
    return Order.place(**{**arguments, **overrides})


def paid() -> Order:
    order = placed()
    order.record_payment(Payment("auth_1", "cap_1", PAID_AT))
    order.allocate(PAID_AT)
    return order


def shipped() -> Order:
    order = paid()
    for step in (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED):
        order.advance(step, AT)
    return order


def event(status: OrderStatus, at: datetime, **data: object) -> OrderEvent:
    return OrderEvent(
        aggregate_id="ord_1", occurred_at=at, status=status, data={"customer_id": "cus_1", **data}
    )


def test_errors_have_stable_codes() -> None:
    assert OrderNotFound.code == "order_not_found"
    assert IllegalTransition.code == "illegal_order_transition"
    assert CancelWindowClosed.code == "cancel_window_closed"
    assert AlreadyShipped.code == "order_already_shipped"
    assert InvalidQuantity.code == "invalid_quantity"
    assert EmptyCart.code == "empty_cart"


# --- placing ----------------------------------------------------------------------------


def test_placing_builds_the_order_from_its_allocations() -> None:
    order = placed(
        allocations=[Allocation("prd_1", "fac_1", 2), Allocation("prd_2", "fac_2", 1)],
        unit_prices={"prd_1": Money(1990, "BRL"), "prd_2": Money(500, "BRL")},
        idempotency_key="press-1",
    )
    assert order == Order(
        id="ord_1",
        customer_id="cus_1",
        status=OrderStatus.PLACED,
        lines=(
            OrderLine("prd_1", "fac_1", 2, Money(1990, "BRL")),
            OrderLine("prd_2", "fac_2", 1, Money(500, "BRL")),
        ),
        address_id="adr_1",
        payment_method_id="pm_1",
        placed_at=AT,
        cancel_until=WINDOW_ENDS,
        idempotency_key="press-1",
    )
    assert order.payment is None and order.refund is None
    assert order.cancelled_at is None and order.failure_reason is None
    assert order.total == Money(4480, "BRL")
    assert order.facility_id == "fac_1"
    assert order.allocations == [Allocation("prd_1", "fac_1", 2), Allocation("prd_2", "fac_2", 1)]


def test_placing_records_the_lines_and_total_in_its_event() -> None:
    order = placed(
        allocations=[Allocation("prd_1", "fac_1", 2), Allocation("prd_2", "fac_2", 1)],
        unit_prices={"prd_1": Money(1990, "BRL"), "prd_2": Money(500, "BRL")},
    )
    assert order.pull_events() == [
        event(
            OrderStatus.PLACED,
            AT,
            total_minor=4480,
            currency="BRL",
            lines=[
                {
                    "product_id": "prd_1",
                    "facility_id": "fac_1",
                    "quantity": 2,
                    "unit_price_minor": 1990,
                },
                {
                    "product_id": "prd_2",
                    "facility_id": "fac_2",
                    "quantity": 1,
                    "unit_price_minor": 500,
                },
            ],
        )
    ]
    assert order.pull_events() == []


def test_an_order_without_a_key_has_none() -> None:
    assert placed().idempotency_key is None


def test_a_line_costs_its_unit_price_times_its_quantity() -> None:
    assert OrderLine("prd_1", "fac_1", 3, Money(1990, "BRL")).amount == Money(5970, "BRL")


def test_event_types_name_the_status() -> None:
    assert event(OrderStatus.PAYMENT_FAILED, AT).event_type == "order.payment_failed"


# --- paying -----------------------------------------------------------------------------


def test_a_payment_moves_the_order_to_paid_and_records_the_capture() -> None:
    order = placed()
    order.pull_events()
    payment = Payment("auth_1", "cap_1", PAID_AT)
    order.record_payment(payment)
    assert order.status is OrderStatus.PAID
    assert order.payment == payment
    assert order.pull_events() == [event(OrderStatus.PAID, PAID_AT, capture_id="cap_1")]


def test_allocating_records_the_facility() -> None:
    order = placed()
    order.record_payment(Payment("auth_1", "cap_1", PAID_AT))
    order.pull_events()
    order.allocate(PAID_AT + TICK)
    assert order.status is OrderStatus.ALLOCATED
    assert order.pull_events() == [
        event(OrderStatus.ALLOCATED, PAID_AT + TICK, facility_id="fac_1")
    ]


def test_a_declined_payment_fails_the_order_with_its_reason() -> None:
    order = placed()
    order.pull_events()
    order.fail_payment("card_declined", PAID_AT)
    assert order.status is OrderStatus.PAYMENT_FAILED
    assert order.failure_reason == "card_declined"
    assert order.pull_events() == [
        event(OrderStatus.PAYMENT_FAILED, PAID_AT, reason="card_declined")
    ]


def test_an_interrupted_payment_keeps_the_order_placed_and_notes_why() -> None:
    order = placed()
    order.pull_events()
    order.payment_interrupted("gateway_timeout")
    assert order.status is OrderStatus.PLACED
    assert order.failure_reason == "gateway_timeout"
    assert order.pull_events() == []


def test_only_a_placed_order_can_have_its_payment_interrupted() -> None:
    order = paid()
    with pytest.raises(IllegalTransition) as refused:
        order.payment_interrupted("gateway_timeout")
    assert refused.value.message == "order ord_1 is allocated, not awaiting payment"
    assert order.failure_reason is None


# --- cancelling -------------------------------------------------------------------------


def test_cancelling_exactly_at_the_end_of_the_window_is_allowed() -> None:
    order = paid()
    order.pull_events()
    assert order.can_cancel(WINDOW_ENDS)
    order.cancel(WINDOW_ENDS)
    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_at == WINDOW_ENDS
    assert order.pull_events() == [event(OrderStatus.CANCELLED, WINDOW_ENDS)]


def test_cancelling_one_microsecond_after_the_window_is_refused() -> None:
    order = paid()
    order.pull_events()
    assert not order.can_cancel(WINDOW_ENDS + TICK)
    with pytest.raises(CancelWindowClosed) as closed:
        order.cancel(WINDOW_ENDS + TICK)
    assert closed.value.message == (
        "order ord_1 could be cancelled until 2026-11-25T09:30:00+00:00; "
        "it is now 2026-11-25T09:30:00.000001+00:00"
    )
    assert order.status is OrderStatus.ALLOCATED
    assert order.cancelled_at is None
    assert order.pull_events() == []


@pytest.mark.parametrize("status", ["paid", "allocated", "picking", "packed"])
def test_a_paid_order_not_yet_shipped_can_be_cancelled_in_the_window(status: str) -> None:
    order = placed()
    order.status = OrderStatus(status)
    assert order.can_cancel(AT)
    order.cancel(AT)
    assert order.status is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    "status", ["placed", "payment_failed", "shipped", "delivered", "cancelled", "refunded"]
)
def test_other_orders_cannot_be_cancelled_even_in_the_window(status: str) -> None:
    order = placed()
    order.status = OrderStatus(status)
    assert not order.can_cancel(AT)


@pytest.mark.parametrize("status", ["shipped", "delivered"])
def test_shipped_orders_cannot_be_cancelled(status: str) -> None:
    for at in (AT, WINDOW_ENDS + TICK):
        order = shipped()
        order.status = OrderStatus(status)
        with pytest.raises(AlreadyShipped) as refused:
            order.cancel(at)
        assert refused.value.message == (
            "order ord_1 has already shipped; it can be returned instead"
        )


@pytest.mark.parametrize("status", ["placed", "payment_failed", "cancelled", "refunded"])
def test_an_order_that_was_never_paid_or_is_cancelled_cannot_be_cancelled(status: str) -> None:
    for at in (AT, WINDOW_ENDS + TICK):
        order = placed()
        order.status = OrderStatus(status)
        with pytest.raises(IllegalTransition, match=f"cannot go from {status} to cancelled"):
            order.cancel(at)


# --- refunding, fulfilment --------------------------------------------------------------


def test_a_refund_moves_a_cancelled_order_to_refunded() -> None:
    order = paid()
    order.cancel(AT)
    order.pull_events()
    refund = RefundRecord("ref_1", Money(3980, "BRL"), AT + timedelta(minutes=2))
    order.record_refund(refund)
    assert order.status is OrderStatus.REFUNDED
    assert order.refund == refund
    assert order.pull_events() == [
        event(
            OrderStatus.REFUNDED,
            AT + timedelta(minutes=2),
            refund_id="ref_1",
            amount_minor=3980,
        )
    ]


def test_every_transition_records_an_event() -> None:
    order = paid()
    order.advance(OrderStatus.PICKING, AT)
    assert [e.event_type for e in order.pull_events()] == [
        "order.placed",
        "order.paid",
        "order.allocated",
        "order.picking",
    ]
    assert order.pull_events() == []


# --- checks before placing --------------------------------------------------------------


@pytest.mark.parametrize("quantity", [1, 5, 10])
def test_a_quantity_from_one_to_the_limit_is_accepted(quantity: int) -> None:
    check_quantity(quantity, 10)


@pytest.mark.parametrize("quantity", [0, -1, 11])
def test_a_quantity_outside_one_to_the_limit_is_refused(quantity: int) -> None:
    with pytest.raises(InvalidQuantity) as refused:
        check_quantity(quantity, 10)
    assert refused.value.message == f"quantity must be between 1 and 10, got {quantity}"
    assert refused.value.context == {"minimum": 1, "maximum": 10}


def product(product_id: str, *, active: bool = True) -> Product:
    return Product(
        id=product_id,
        sku=f"SKU-{product_id}",
        title_ko="보온병",
        title_en="Thermos",
        category="casa",
        price=Money(1990, "BRL"),
        weight_g=500,
        dimensions=Dimensions(30, 10, 10),
        active=active,
    )


def test_lines_of_products_on_sale_are_sellable() -> None:
    check_sellable(
        [Line("prd_1", 1), Line("prd_2", 3)], {"prd_1": product("prd_1"), "prd_2": product("prd_2")}
    )


def test_an_unknown_product_is_not_found() -> None:
    with pytest.raises(ProductNotFound, match=r"^no product 'prd_x'$"):
        check_sellable([Line("prd_1", 1), Line("prd_x", 1)], {"prd_1": product("prd_1")})


def test_a_product_no_longer_sold_is_unavailable() -> None:
    products = {"prd_1": product("prd_1"), "prd_2": product("prd_2", active=False)}
    with pytest.raises(ProductUnavailable, match=r"^product prd_2 is no longer sold$"):
        check_sellable([Line("prd_1", 1), Line("prd_2", 1)], products)
