"""The order state machine, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baro.commerce.orders import TRANSITIONS, IllegalTransition, Order, OrderStatus
from baro.commerce.orders.domain import AlreadyShipped, CancelWindowClosed, Payment
from baro.core.money import Money
from baro.network import Allocation

AT = datetime(2026, 11, 25, 9, tzinfo=UTC)


def placed() -> Order:
    return Order.place(
        order_id="ord_1",
        customer_id="cus_1",
        allocations=[Allocation("prd_1", "fac_1", 2)],
        unit_prices={"prd_1": Money(1990, "BRL")},
        address_id="adr_1",
        payment_method_id="pm_1",
        at=AT,
        cancel_window=timedelta(minutes=30),
    )


def paid() -> Order:
    order = placed()
    order.record_payment(Payment("auth_1", "cap_1", AT))
    order.allocate(AT)
    return order


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


@pytest.mark.parametrize("status", list(OrderStatus))
def test_illegal_transitions_are_rejected(status: OrderStatus) -> None:
    order = placed()
    if status in TRANSITIONS[OrderStatus.PLACED]:
        return
    with pytest.raises(IllegalTransition):
        order.advance(status, AT)


def test_cancel_window_is_inclusive_and_then_closed() -> None:
    order = paid()
    order.cancel(AT + timedelta(minutes=30))
    assert order.status is OrderStatus.CANCELLED
    late = paid()
    with pytest.raises(CancelWindowClosed):
        late.cancel(AT + timedelta(minutes=30, microseconds=1))


def test_shipped_orders_cannot_be_cancelled() -> None:
    order = paid()
    for step in (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED):
        order.advance(step, AT)
    with pytest.raises(AlreadyShipped):
        order.cancel(AT)


def test_an_unpaid_order_cannot_be_cancelled() -> None:
    with pytest.raises(IllegalTransition):
        placed().cancel(AT)
