"""The order state machine's legal moves, written out here rather than read from the code.

Every (from, to) pair of statuses is tried: the moves in ``LEGAL_MOVES`` succeed and record
their event; every other move raises ``IllegalTransition`` and changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from baro.commerce.orders import TRANSITIONS, IllegalTransition, Order, OrderEvent, OrderStatus
from baro.commerce.orders.domain import OrderLine
from baro.core.money import Money

AT = datetime(2026, 11, 25, 9, tzinfo=UTC)

LEGAL_MOVES: dict[str, set[str]] = {
    "placed": {"paid", "payment_failed"},
    "paid": {"allocated", "cancelled"},
    "allocated": {"picking", "cancelled", "returned"},
    "picking": {"packed", "cancelled", "returned"},
    "packed": {"shipped", "cancelled", "returned"},
    "shipped": {"delivered", "lost", "returned"},
    "delivered": {"lost", "returned"},  # reported lost by the customer (reship.py)
    "payment_failed": set(),
    "cancelled": {"refunded"},
    "refunded": set(),
    "lost": set(),
    "returned": {"refunded"},  # uncollected from its locker (locker.uncollected)
}
LEGAL = sorted((before, after) for before, nexts in LEGAL_MOVES.items() for after in nexts)
ILLEGAL = sorted(
    (before, after)
    for before in LEGAL_MOVES
    for after in LEGAL_MOVES
    if after not in LEGAL_MOVES[before]
)


def order_in(status: str) -> Order:
    return Order(
        id="ord_1",
        customer_id="cus_1",
        status=OrderStatus(status),
        lines=(OrderLine("prd_1", "fac_1", 2, Money(1990, "BRL")),),
        address_id="adr_1",
        payment_method_id="pm_1",
        placed_at=AT,
        cancel_until=AT + timedelta(minutes=30),
    )


def test_the_table_names_every_status_and_no_other() -> None:
    assert set(LEGAL_MOVES) == {status.value for status in OrderStatus}
    assert len(LEGAL) + len(ILLEGAL) == 12 * 12


def test_the_published_table_is_the_one_written_here() -> None:
    published = {before.value: {a.value for a in after} for before, after in TRANSITIONS.items()}
    assert published == LEGAL_MOVES


@pytest.mark.parametrize(("before", "after"), LEGAL)
def test_a_legal_move_changes_the_status_and_records_its_event(before: str, after: str) -> None:
    order = order_in(before)
    order.advance(OrderStatus(after), AT + timedelta(minutes=1))
    assert order.status == after
    assert order.pull_events() == [
        OrderEvent(
            aggregate_id="ord_1",
            occurred_at=AT + timedelta(minutes=1),
            status=OrderStatus(after),
            data={"customer_id": "cus_1"},
        )
    ]


@pytest.mark.parametrize(("before", "after"), ILLEGAL)
def test_an_illegal_move_raises_and_changes_nothing(before: str, after: str) -> None:
    order = order_in(before)
    untouched = replace(order)
    with pytest.raises(IllegalTransition) as refused:
        order.advance(OrderStatus(after), AT)
    assert refused.value.code == "illegal_order_transition"
    assert refused.value.message == f"order ord_1 cannot go from {before} to {after}"
    assert refused.value.context == {"current": before, "requested": after}
    assert order == untouched
    assert order.pull_events() == []
