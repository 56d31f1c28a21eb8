"""Delivery at placement on real PostgreSQL, each race staged at a named failpoint: two
1-Click orders for a locker's last compartment (one is placed, the other refused with
nothing written), and ``locker.uncollected`` delivered twice at once (one refund)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from baro.commerce.orders import OrderStatus
from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.delivery.lockers import CompartmentSize, LockerFull, ReservationState
from baro.network import stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres

KM = 1 / 111.19508
NORTH_10KM = (SAO_PAULO[0] + 10 * KM, SAO_PAULO[1])


def once(pg_url: str, rival: Rival, states: list[str]) -> Callable[[], None]:
    started: list[bool] = []

    def action() -> None:
        if not started:
            started.append(True)
            states.append(run_until_done_or_blocked(pg_url, rival))

    return action


def test_two_orders_for_the_last_compartment_place_one(platform: Platform, pg_url: str) -> None:
    """The first placement has reserved the compartment and not committed; the second
    waits on its row in the unique index, then finds the locker full: refused, its order
    not written and its stock not held."""
    item = add_product(platform, sku=new_id("SKU"))
    fc = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, fc, item.id, 5)
    bank = platform.lockers.open_locker(
        "Paulista", NORTH_10KM[0] + KM, NORTH_10KM[1], {CompartmentSize.S: 1}
    )
    platform.promises.refresh(platform.clock.now())
    ana, bia = shopper(platform, "Ana", at=NORTH_10KM), shopper(platform, "Bia", at=NORTH_10KM)

    def place(who, key: str):  # type: ignore[no-untyped-def]
        return platform.orders.place_one_click(
            who.principal, item.id, 1, idempotency_key=key, locker_id=bank.id
        )

    second = Rival(lambda: place(bia, "b1"))
    states: list[str] = []
    with armed("lockers.reserved", once(pg_url, second, states)):
        first = place(ana, "a1")
        second.join()

    assert states == ["blocked"]
    assert isinstance(second.error, LockerFull)
    held = platform.lockers.reservation(ana.customer_id, first.order.id)
    assert held.state is ReservationState.RESERVED
    assert platform.orders.list(bia.principal) == []
    with platform.db.read() as session:
        assert stock_level(session, fc, item.id).reserved == 1


def test_an_uncollected_event_delivered_twice_at_once_refunds_once(
    platform: Platform, pg_url: str
) -> None:
    """The first consumer has moved the order to returned and not committed; the second
    waits on its consumer-inbox row, then finds the event handled: nothing more."""
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 5)
    bank = platform.lockers.open_locker(
        "Paulista", NORTH_10KM[0] + KM, NORTH_10KM[1], {CompartmentSize.S: 1}
    )
    platform.promises.refresh(platform.clock.now())
    buyer = shopper(platform, at=NORTH_10KM)
    placed = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", locker_id=bank.id
    )
    platform.orders.advance(
        placed.order.id, OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED
    )
    platform.lockers.mark_arrived(placed.order.id)
    clock = platform.clock
    assert isinstance(clock, SimulatedClock)
    clock.advance(platform.lockers.pickup_window + timedelta(seconds=1))
    platform.lockers.return_uncollected()
    with platform.db.read() as session:
        (uncollected,) = [
            e
            for e in read_log(session, event_types=["locker.uncollected"])
            if e.data["order_id"] == placed.order.id
        ]

    second = Rival(lambda: platform.orders.consume(uncollected))
    states: list[str] = []
    with armed("uncollected.before_commit", once(pg_url, second, states)):
        refunded = platform.orders.consume(uncollected)
        second.join()

    assert states == ["blocked"]
    assert second.error is None and second.result is None
    assert refunded is not None and refunded.status is OrderStatus.REFUNDED
    with platform.db.read() as session:
        refunds = read_log(session, event_types=["order.refunded"])
    assert [e.aggregate_id for e in refunds if e.aggregate_id == placed.order.id] == [
        placed.order.id
    ]
