"""The WMS on real PostgreSQL: an order through the floor with the spine reconciling at
every step, and two releases racing for the last unit in a bin, staged at a named
failpoint: the second waits on the bin's stock row, then finds the unit promised."""

from __future__ import annotations

import pytest

from baro.commerce.catalog import Product
from baro.commerce.orders import Order, OrderStatus
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.fulfillment import Bin, Release, WrongStep
from baro.jobs import Jobs, release_to_floor
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres


def floor_with(platform: Platform, *, received: int, stowed: int) -> tuple[str, Product]:
    facility_id = add_facility(platform, "CD SP", SAO_PAULO)
    bottle = add_product(platform, sku=new_id("SKU"))
    platform.fulfillment.add_bins(
        [Bin(new_id("bin"), facility_id, "K", 20_000, 10_000, station_distance=i) for i in (1, 2)]
    )
    inbound = platform.fulfillment.open_inbound(facility_id, {bottle.id: received}, source="s")
    for _ in range(received):
        platform.fulfillment.scan_in(inbound.inbound_id, bottle.sku)
    platform.fulfillment.stow(facility_id, bottle.id, stowed)
    return facility_id, bottle


def buy(platform: Platform, bottle: Product, units: int = 1) -> Order:
    return platform.orders.place_one_click(
        shopper(platform).principal, bottle.id, units, idempotency_key=new_id("k")
    ).order


def test_an_order_through_the_floor_reconciles_at_every_step(platform: Platform) -> None:
    facility_id, bottle = floor_with(platform, received=3, stowed=3)
    order = buy(platform, bottle, 2)
    jobs = Jobs(platform)
    assert platform.fulfillment.reconcile(facility_id) == []

    [released] = release_to_floor(platform, [order.id])
    assert released.pick_list_id is not None
    while task := platform.fulfillment.next_task(released.pick_list_id):
        platform.fulfillment.pick(released.pick_list_id, task.bin_id, bottle.id)
        assert platform.fulfillment.reconcile(facility_id) == []
    platform.fulfillment.pack(order.id, measured_weight_g=1_150)
    platform.fulfillment.hand_off(order.id)
    assert platform.fulfillment.reconcile(facility_id) == []
    jobs.tick()

    assert platform.order_book.get(order.id).status is OrderStatus.SHIPPED
    assert platform.fulfillment.reconcile(facility_id) == []
    assert platform.fulfillment.status(facility_id).units_in_bins == 1


def test_two_releases_cannot_both_promise_the_last_unit_in_a_bin(
    platform: Platform, pg_url: str
) -> None:
    # Two on hand (both orders are allocated), one in a bin: one order can be picked.
    facility_id, bottle = floor_with(platform, received=2, stowed=1)
    first, second = buy(platform, bottle), buy(platform, bottle)
    rival = Rival(lambda: release_to_floor(platform, [second.id]))
    states: list[str] = []

    def start_the_rival() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    with armed("fulfillment.promised", start_the_rival):
        [went] = release_to_floor(platform, [first.id])
        [waited] = rival.join()

    assert states == ["blocked"]
    assert went.pick_list_id is not None
    assert isinstance(waited, Release) and waited.pick_list_id is None
    assert waited.waiting == f"0 of 1 units of {bottle.id} are in bins"
    assert platform.fulfillment.reconcile(facility_id) == []


def test_two_scanners_on_one_list_cannot_pick_the_last_unit_twice(
    platform: Platform, pg_url: str
) -> None:
    """The second waits on the list's tasks, then finds the list picked (nothing moved)."""
    facility_id, bottle = floor_with(platform, received=1, stowed=1)
    order = buy(platform, bottle)
    [released] = release_to_floor(platform, [order.id])
    assert released.pick_list_id is not None
    task = platform.fulfillment.next_task(released.pick_list_id)
    assert task is not None
    rival = Rival(lambda: platform.fulfillment.pick(released.pick_list_id, task.bin_id, bottle.id))
    states: list[str] = []

    def start_the_rival() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    with armed("fulfillment.picking", start_the_rival):
        platform.fulfillment.pick(released.pick_list_id, task.bin_id, bottle.id)
        rival.join()

    assert states == ["blocked"]
    assert isinstance(rival.error, WrongStep)
    assert platform.fulfillment.status(facility_id).packing == 1
    assert platform.fulfillment.reconcile(facility_id) == []
