"""The platform's own ticks (baro.jobs): a paid drone order gets its sortie and flies with
nobody calling the drone API; a grounded base keeps it waiting until the weather clears; a
parcel left in its locker is returned and refunded, once, also when the first try died
halfway; stock sent between facilities lands when its time comes; ``baro serve`` runs the
ticks by itself.

The world (as in tests/delivery/test_promise_orders.py): a fulfilment centre at São Paulo,
the shopper 10 km due north, 09:00 UTC; a drone base with one drone 2 km from the shopper;
a locker bank 1 km from the shopper.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from baro.channels.web import create_app
from baro.commerce.catalog import Product
from baro.commerce.orders import OrderStatus
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.delivery.drones import Weather
from baro.delivery.lockers import CompartmentSize
from baro.jobs import Jobs, steps_to
from baro.network import FacilityKind, Move, PlanSummary, open_facility, stock_level
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, Shopper, add_facility, product, shopper, stock

KM = 1 / 111.19508
NORTH_10KM = (SAO_PAULO[0] + 10 * KM, SAO_PAULO[1])


def goods(platform: Platform) -> Product:
    item = replace(product(sku=new_id("SKU")), weight_g=500)
    platform.catalog.add([item])
    return item


def drone_world(platform: Platform) -> tuple[Product, str, Shopper]:
    """Goods stocked at an FC and at a drone base with one drone; the shopper's drop zone."""
    item = goods(platform)
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 10)
    with platform.db.transaction() as session:
        base_facility = open_facility(
            session,
            name="Drone base Sé",
            kind=FacilityKind.DRONE_BASE,
            lat=NORTH_10KM[0] - 2 * KM,
            lng=SAO_PAULO[1],
            capacity_units=500,
        ).id
    stock(platform, base_facility, item.id, 5)
    base = platform.drones.open_base(base_facility, drones=1)
    buyer = shopper(platform, at=NORTH_10KM)
    platform.drones.set_drop_zone(buyer.customer_id, *NORTH_10KM, address=NORTH_10KM)
    platform.promises.refresh(platform.clock.now())
    return item, base.id, buyer


def events_of(platform: Platform, order_id: str) -> list[str]:
    with platform.db.read() as session:
        return [e.event_type for e in read_log(session) if e.aggregate_id == order_id]


def test_a_paid_drone_order_gets_its_sortie_and_flies(
    platform: Platform, clock: SimulatedClock
) -> None:
    item, _base, buyer = drone_world(platform)
    by_drone = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    ).order
    by_van = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k2", delivery_option="two_day"
    ).order
    jobs = Jobs(platform)

    first = jobs.tick()
    again = jobs.tick()

    # Assigned at once, launched so that the parcel lands as its window opens (09:17:
    # tests/delivery/test_promise_orders.py), not while it is still being packed.
    assert (first.sorties_assigned, first.drone_steps, first.waiting) == (1, 0, {})
    assert (again.sorties_assigned, again.drone_steps) == (0, 0)  # never a second sortie
    with platform.db.read() as session:
        (assigned,) = read_log(session, event_types=["drone.assigned"])
    assert by_drone.delivery is not None
    assert assigned.data["drop_at"] == by_drone.delivery.window_start.isoformat()
    clock.advance(timedelta(hours=2))
    flown = jobs.tick()
    assert (flown.drone_steps, flown.orders_delivered_by_drone) == (3, 1)
    assert platform.order_book.get(by_drone.id).status is OrderStatus.DELIVERED
    assert [e for e in events_of(platform, by_drone.id) if e.startswith("drone.")] == [
        "drone.assigned",
        "drone.launched",
        "drone.dropped",
        "drone.returned",
    ]
    assert not [e for e in events_of(platform, by_van.id) if e.startswith("drone.")]
    assert jobs.tick().orders_delivered_by_drone == 0  # each step moves the order once


def test_the_order_follows_its_sortie_only_forward() -> None:
    assert steps_to(OrderStatus.ALLOCATED, OrderStatus.SHIPPED) == (
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
    )
    assert steps_to(OrderStatus.SHIPPED, OrderStatus.DELIVERED) == (OrderStatus.DELIVERED,)
    assert steps_to(OrderStatus.DELIVERED, OrderStatus.SHIPPED) == ()
    assert steps_to(OrderStatus.DELIVERED, OrderStatus.DELIVERED) == ()
    assert steps_to(OrderStatus.CANCELLED, OrderStatus.DELIVERED) == ()


def test_a_grounded_base_keeps_the_order_waiting_until_the_weather_clears(
    platform: Platform,
) -> None:
    item, base, buyer = drone_world(platform)
    order = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    ).order
    platform.drones.set_weather(base, Weather(rain_mm_h=5))
    jobs = Jobs(platform)

    grounded = jobs.tick()
    platform.drones.set_weather(base, Weather())
    cleared = jobs.tick()

    assert (grounded.sorties_assigned, grounded.waiting) == (0, {order.id: "drones_grounded"})
    assert (cleared.sorties_assigned, cleared.waiting) == (1, {})


def test_a_cancelled_drone_order_never_flies(platform: Platform) -> None:
    item, _base, buyer = drone_world(platform)
    order = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    ).order
    platform.orders.cancel(buyer.principal, order.id)

    assert Jobs(platform).tick().sorties_assigned == 0
    assert "drone.assigned" not in events_of(platform, order.id)


def test_a_drone_order_cancelled_before_take_off_is_called_off(
    platform: Platform, clock: SimulatedClock
) -> None:
    item, _base, buyer = drone_world(platform)
    order = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    ).order
    jobs = Jobs(platform)
    assert jobs.tick().sorties_assigned == 1  # take-off at 09:15, for the 09:17 window
    platform.orders.cancel(buyer.principal, order.id)

    called_off = jobs.tick()
    clock.advance(timedelta(hours=2))
    later = jobs.tick()

    assert (called_off.sorties_cancelled, later.drone_steps) == (1, 0)
    drone_steps = [e for e in events_of(platform, order.id) if e.startswith("drone.")]
    assert drone_steps == ["drone.assigned", "drone.cancelled"]
    assert platform.order_book.get(order.id).status is OrderStatus.REFUNDED


def locker_order_left_uncollected(platform: Platform, clock: SimulatedClock) -> str:
    item = goods(platform)
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 10)
    bank = platform.lockers.open_locker(
        "Locker Paulista", NORTH_10KM[0] + KM, NORTH_10KM[1], {CompartmentSize.S: 1}
    )
    platform.promises.refresh(platform.clock.now())
    buyer = shopper(platform, at=NORTH_10KM)
    order = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", locker_id=bank.id
    ).order
    platform.orders.advance(order.id, OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED)
    platform.lockers.mark_arrived(order.id)
    clock.advance(platform.lockers.pickup_window + timedelta(seconds=1))
    return order.id


def test_a_parcel_left_in_its_locker_is_returned_and_refunded_once(
    platform: Platform, clock: SimulatedClock
) -> None:
    order_id = locker_order_left_uncollected(platform, clock)
    jobs = Jobs(platform)

    done = jobs.tick()
    again = jobs.tick()

    assert (done.lockers_returned, done.uncollected_refunded) == (1, 1)
    assert (again.lockers_returned, again.uncollected_refunded) == (0, 0)
    assert platform.order_book.get(order_id).status is OrderStatus.REFUNDED
    assert events_of(platform, order_id).count("order.refunded") == 1


def test_a_refund_that_died_halfway_is_found_again_next_tick(
    platform: Platform, clock: SimulatedClock
) -> None:
    """The parcel went back and ``locker.uncollected`` committed; the process died before
    the order's return committed. The next tick finds the event unconsumed and refunds."""
    order_id = locker_order_left_uncollected(platform, clock)
    jobs = Jobs(platform)

    def die() -> None:
        raise SystemExit("killed")

    with armed("uncollected.before_commit", die), pytest.raises(SystemExit):
        jobs.tick()
    assert platform.order_book.get(order_id).status is OrderStatus.SHIPPED
    done = jobs.tick()

    assert (done.lockers_returned, done.uncollected_refunded) == (0, 1)
    assert platform.order_book.get(order_id).status is OrderStatus.REFUNDED


def test_a_transfer_lands_on_the_tick_after_its_arrival_time(
    platform: Platform, clock: SimulatedClock
) -> None:
    item = goods(platform)
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    stock(platform, sp, item.id, 10)
    arrives = clock.now() + timedelta(hours=8)
    platform.network.dispatch(
        [Move(item.id, sp, rio, 4, arrives)], PlanSummary("by hand"), idempotency_key="k"
    )
    jobs = Jobs(platform)

    early = jobs.tick()
    clock.advance(timedelta(hours=8))
    landed = jobs.tick()

    assert (early.transfers_arrived, landed.transfers_arrived) == (0, 1)
    with platform.db.read() as session:
        assert stock_level(session, rio, item.id).on_hand == 4


def test_serve_ticks_by_itself(settings: Settings, clock: SimulatedClock) -> None:
    """With an interval set (``baro serve`` sets 5 s), nobody calls a tick: the app does."""
    platform = Platform.start(
        settings.model_copy(update={"jobs_interval_seconds": 0.05}), clock=clock
    )
    item, _base, buyer = drone_world(platform)
    order = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    ).order
    with TestClient(create_app(platform)):
        for _ in range(200):  # the test waits at most 10 s for a tick
            if "drone.assigned" in events_of(platform, order.id):
                break
            time.sleep(0.05)
    assert "drone.assigned" in events_of(platform, order.id)
