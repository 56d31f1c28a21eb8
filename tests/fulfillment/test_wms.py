"""The WMS on a real database: receive → stow → release → pick → pack → hand off, with the
order's status following and the floor's units reconciling with the spine's ``on_hand``
after every step; bad scans refused, nothing moved, and counted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.catalog import Product
from baro.commerce.orders import Order, OrderStatus
from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.fulfillment import (
    Bin,
    DedicatedSlots,
    Fulfillment,
    NoBinRoom,
    NothingToStow,
    UnknownBarcode,
    WeightMismatch,
    WrongBin,
    WrongItem,
    WrongStep,
)
from baro.jobs import Jobs, release_to_floor
from baro.network import Move, PlanSummary, stock_level
from baro.platform import CatalogFacts, Platform
from tests.builders import RIO, SAO_PAULO, add_facility, product, shopper, stock

# builders.product: 500 g, 30 x 10 x 10 cm (3,000 cm³): six fit a 20,000 cm³ bin.
BIN_CM3, BIN_G = 20_000, 10_000


def floor(platform: Platform, bins: int = 4) -> tuple[str, Product, Product]:
    facility_id = add_facility(platform, "CD São Paulo", SAO_PAULO)
    bottle, flask = product("BOTTLE"), product("FLASK")
    platform.catalog.add([bottle, flask])
    platform.fulfillment.add_bins(
        [
            Bin(
                f"B-{i}",
                facility_id,
                "K",
                BIN_CM3,
                BIN_G,
                station_distance=10 * i,
                pod=f"P{i}",
                shelf=1,
            )
            for i in range(bins)
        ]
    )
    return facility_id, bottle, flask


def receive(platform: Platform, facility_id: str, units: dict[Product, int]) -> None:
    inbound = platform.fulfillment.open_inbound(
        facility_id, {p.id: n for p, n in units.items()}, source="seller:acme"
    )
    for item, n in units.items():
        for _ in range(n):
            platform.fulfillment.scan_in(inbound.inbound_id, item.sku)
    platform.fulfillment.close_inbound(inbound.inbound_id)


def reconciles(platform: Platform, facility_id: str) -> bool:
    return platform.fulfillment.reconcile(facility_id) == []


def status(platform: Platform, order: Order) -> OrderStatus:
    return platform.order_book.get(order.id).status


def test_receiving_records_over_and_short_and_reconciles_after_every_scan(
    platform: Platform,
) -> None:
    facility_id, bottle, flask = floor(platform)
    inbound = platform.fulfillment.open_inbound(
        facility_id, {bottle.id: 2, flask.id: 2}, source="transfer:trf_1"
    )

    for barcode in (bottle.sku, bottle.id, bottle.sku, flask.id):  # by SKU or by id
        platform.fulfillment.scan_in(inbound.inbound_id, barcode)
        assert reconciles(platform, facility_id)
    receipt = platform.fulfillment.close_inbound(inbound.inbound_id)

    lines = {ln.product_id: (ln.expected, ln.received, ln.over, ln.short) for ln in receipt.lines}
    assert lines == {bottle.id: (2, 3, 1, 0), flask.id: (2, 1, 0, 1)}
    with platform.db.read() as session:
        assert stock_level(session, facility_id, bottle.id).on_hand == 3
    assert platform.fulfillment.status(facility_id).receiving == 4
    with pytest.raises(WrongStep, match="closed"):
        platform.fulfillment.scan_in(inbound.inbound_id, bottle.sku)


def test_an_unknown_barcode_at_receiving_is_refused_and_counted(platform: Platform) -> None:
    facility_id, bottle, _ = floor(platform)
    inbound = platform.fulfillment.open_inbound(facility_id, {bottle.id: 1}, source="seller")

    with pytest.raises(UnknownBarcode, match="'NO-SUCH-SKU'"):
        platform.fulfillment.scan_in(inbound.inbound_id, "NO-SUCH-SKU")

    assert platform.fulfillment.status(facility_id).bad_scans == {"unknown_barcode": 1}
    assert platform.fulfillment.receipt(inbound.inbound_id).lines[0].received == 0
    assert reconciles(platform, facility_id)


def test_stow_fills_bins_by_room_remembers_where_and_reconciles(platform: Platform) -> None:
    facility_id, bottle, _ = floor(platform, bins=2)
    receive(platform, facility_id, {bottle: 8})

    placed = platform.fulfillment.stow(facility_id, bottle.id, 8)

    assert sum(n for _, n in placed) == 8
    assert all(n <= 6 for _, n in placed)  # six bottles fill a bin by volume
    for bin_id, n in placed:
        assert platform.fulfillment.bin_contents(bin_id) == {bottle.id: n}
    assert platform.fulfillment.status(facility_id).receiving == 0
    assert reconciles(platform, facility_id)


def test_stow_with_no_room_left_moves_nothing(platform: Platform) -> None:
    facility_id, bottle, _ = floor(platform, bins=1)
    receive(platform, facility_id, {bottle: 7})

    with pytest.raises(NoBinRoom, match="1 of 7 unplaced"):
        platform.fulfillment.stow(facility_id, bottle.id, 7)
    with pytest.raises(NothingToStow):
        platform.fulfillment.stow(facility_id, bottle.id, 8)

    assert platform.fulfillment.status(facility_id).units_in_bins == 0
    assert reconciles(platform, facility_id)


def test_an_order_goes_through_the_floor_and_its_status_follows(platform: Platform) -> None:
    facility_id, bottle, flask = floor(platform)
    receive(platform, facility_id, {bottle: 4, flask: 2})
    platform.fulfillment.stow(facility_id, bottle.id, 4)
    platform.fulfillment.stow(facility_id, flask.id, 2)
    buyer = shopper(platform)
    order = platform.orders.place_one_click(
        buyer.principal, bottle.id, 2, idempotency_key="k1"
    ).order
    jobs = Jobs(platform)
    assert status(platform, order) is OrderStatus.ALLOCATED

    [released] = release_to_floor(platform, [order.id])
    jobs.tick()
    assert released.waiting is None and released.pick_list_id is not None
    assert status(platform, order) is OrderStatus.PICKING
    assert reconciles(platform, facility_id)

    task = platform.fulfillment.next_task(released.pick_list_id)
    assert task is not None and task.product_id == bottle.id and task.pod is not None
    for _ in range(2):
        task = platform.fulfillment.next_task(released.pick_list_id)
        assert task is not None
        platform.fulfillment.pick(released.pick_list_id, task.bin_id, bottle.sku)
        assert reconciles(platform, facility_id)
    assert platform.fulfillment.next_task(released.pick_list_id) is None
    assert platform.fulfillment.status(facility_id).packing == 2

    # 2 x 500 g in an M box (150 g): 1,150 g expected, 3 % tolerance is 34 g
    with pytest.raises(WeightMismatch, match="expected 1,150 g ± 34 g"):
        platform.fulfillment.pack(order.id, measured_weight_g=650)  # one bottle short
    box = platform.fulfillment.pack(order.id, measured_weight_g=1_160)
    jobs.tick()
    assert box.name == "M"
    assert status(platform, order) is OrderStatus.PACKED
    assert reconciles(platform, facility_id)

    platform.fulfillment.hand_off(order.id)
    assert reconciles(platform, facility_id)  # handed off, the order not shipped yet
    jobs.tick()
    assert status(platform, order) is OrderStatus.SHIPPED
    assert reconciles(platform, facility_id)  # the spine took them off on hand
    with platform.db.read() as session:
        assert stock_level(session, facility_id, bottle.id).on_hand == 2
        steps = [e.event_type for e in read_log(session) if e.aggregate_id == order.id]
    assert [s for s in steps if s.startswith("fulfillment.")] == [
        "fulfillment.released",
        "fulfillment.picked",
        "fulfillment.packed",
        "fulfillment.handed_off",
    ]


def test_bad_scans_at_picking_are_refused_move_nothing_and_are_counted(
    platform: Platform,
) -> None:
    facility_id, bottle, flask = floor(platform)
    receive(platform, facility_id, {bottle: 1, flask: 1})
    platform.fulfillment.stow(facility_id, bottle.id, 1)
    platform.fulfillment.stow(facility_id, flask.id, 1)
    order = platform.orders.place_one_click(
        shopper(platform).principal, bottle.id, 1, idempotency_key="k1"
    ).order
    [released] = release_to_floor(platform, [order.id])
    assert released.pick_list_id is not None
    task = platform.fulfillment.next_task(released.pick_list_id)
    assert task is not None
    other_bin = next(b.id for b in platform.fulfillment.bins(facility_id) if b.id != task.bin_id)

    with pytest.raises(WrongBin, match=f"this pick is from bin {task.bin_id}"):
        platform.fulfillment.pick(released.pick_list_id, other_bin, bottle.sku)
    with pytest.raises(WrongItem, match="FLASK"):
        platform.fulfillment.pick(released.pick_list_id, task.bin_id, flask.sku)
    with pytest.raises(UnknownBarcode):
        platform.fulfillment.pick(released.pick_list_id, task.bin_id, "7891234567890")

    floor_now = platform.fulfillment.status(facility_id)
    assert floor_now.bad_scans == {"wrong_bin": 1, "wrong_item": 1, "unknown_barcode": 1}
    assert floor_now.packing == 0
    assert platform.fulfillment.next_task(released.pick_list_id) == task
    assert reconciles(platform, facility_id)


def test_an_order_whose_units_are_not_in_bins_waits_and_the_wave_goes_on(
    platform: Platform,
) -> None:
    facility_id, bottle, flask = floor(platform)
    receive(platform, facility_id, {bottle: 1, flask: 2})
    platform.fulfillment.stow(facility_id, bottle.id, 1)  # the flasks stay in receiving
    buyer = shopper(platform)
    first = platform.orders.place_one_click(buyer.principal, bottle.id, 1, idempotency_key="a")
    second = platform.orders.place_one_click(buyer.principal, flask.id, 1, idempotency_key="b")

    going, waiting = release_to_floor(platform, [first.order.id, second.order.id])

    assert going.pick_list_id is not None and going.waiting is None
    assert waiting.pick_list_id is None
    assert waiting.waiting == f"0 of 1 units of {flask.id} are in bins"
    assert reconciles(platform, facility_id)


def test_reconcile_names_stock_the_floor_cannot_account_for(platform: Platform) -> None:
    facility_id, bottle, _ = floor(platform)
    receive(platform, facility_id, {bottle: 2})
    # stock that came in past the floor's receiving
    stock(platform, facility_id, bottle.id, 3)

    [mismatch] = platform.fulfillment.reconcile(facility_id)
    assert (mismatch.product_id, mismatch.on_hand, mismatch.on_floor) == (bottle.id, 5, 2)


def test_a_putaway_strategy_plugs_in_without_changing_the_service(platform: Platform) -> None:
    """The same floor with dedicated slots: the flask goes only to its own bin, and with
    that bin full, nowhere."""
    facility_id = add_facility(platform, "CD", SAO_PAULO)
    bottle, flask = product("BOTTLE"), product("FLASK")
    platform.catalog.add([bottle, flask])
    dedicated = Fulfillment(
        platform.db, platform.clock, CatalogFacts(platform.db), putaway=DedicatedSlots()
    )
    dedicated.add_bins(
        [
            Bin("OPEN", facility_id, "K", BIN_CM3, BIN_G),
            Bin("FLASKS", facility_id, "K", 6_000, BIN_G, dedicated_to=flask.id),
        ]
    )
    inbound = dedicated.open_inbound(facility_id, {flask.id: 3}, source="seller")
    for _ in range(3):
        dedicated.scan_in(inbound.inbound_id, flask.sku)

    assert dedicated.stow(facility_id, flask.id, 2) == [("FLASKS", 2)]
    with pytest.raises(NoBinRoom):
        dedicated.stow(facility_id, flask.id, 1)
    assert dedicated.bin_contents("OPEN") == {}
    assert dedicated.reconcile(facility_id) == []


def test_a_landed_transfer_is_checked_in_from_the_dock_and_its_short_written_off(
    platform: Platform, clock: SimulatedClock
) -> None:
    """The spine counts a transfer's units when it lands; the floor holds them on the dock
    until each is scanned, and a unit never found comes off on hand at closing."""
    facility_id, bottle, _ = floor(platform)
    source = add_facility(platform, "CD Rio", RIO)
    stock(platform, source, bottle.id, 10)
    platform.network.dispatch(
        [Move(bottle.id, source, facility_id, 3, clock.now() + timedelta(hours=8))],
        PlanSummary("t"),
        idempotency_key="plan-1",
    )
    clock.advance(timedelta(hours=8))
    platform.network.arrive_due()
    assert reconciles(platform, facility_id)  # landed, its inbound not opened yet

    [inbound_id] = platform.fulfillment.receive_landed_transfers()
    assert platform.fulfillment.receive_landed_transfers() == []  # once per transfer
    assert platform.fulfillment.receipt(inbound_id).source.startswith("transfer:")
    for _ in range(2):
        platform.fulfillment.scan_in(inbound_id, bottle.sku)
        assert reconciles(platform, facility_id)
    with platform.db.read() as session:
        assert stock_level(session, facility_id, bottle.id).on_hand == 3  # not counted twice
    receipt = platform.fulfillment.close_inbound(inbound_id)

    assert [(ln.expected, ln.received, ln.short) for ln in receipt.lines] == [(3, 2, 1)]
    with platform.db.read() as session:
        assert stock_level(session, facility_id, bottle.id).on_hand == 2
    assert reconciles(platform, facility_id)


def test_a_transfer_to_a_facility_without_bins_opens_no_inbound(
    platform: Platform, clock: SimulatedClock
) -> None:
    sp, bottle, _ = floor(platform)
    rio = add_facility(platform, "CD Rio", RIO)  # no bins: the floor does not run it
    stock(platform, sp, bottle.id, 2)
    platform.network.dispatch(
        [Move(bottle.id, sp, rio, 2, clock.now() + timedelta(hours=1))],
        PlanSummary("t"),
        idempotency_key="plan-2",
    )
    clock.advance(timedelta(hours=1))

    landed = Jobs(platform).tick()

    assert (landed.transfers_arrived, landed.transfer_inbounds_opened) == (1, 0)


def test_an_order_cancelled_mid_pick_gives_its_units_back(platform: Platform) -> None:
    """One of two bottles picked, then the customer cancels: the picked one goes back to
    receiving, the other is free for the next order, and the order stays refunded."""
    facility_id, bottle, _ = floor(platform, bins=1)
    receive(platform, facility_id, {bottle: 2})
    platform.fulfillment.stow(facility_id, bottle.id, 2)
    buyer = shopper(platform)
    order = platform.orders.place_one_click(buyer.principal, bottle.id, 2, idempotency_key="a")
    [released] = release_to_floor(platform, [order.order.id])
    assert released.pick_list_id is not None
    platform.fulfillment.pick(released.pick_list_id, "B-0", bottle.sku)
    jobs = Jobs(platform)
    jobs.tick()

    platform.orders.cancel(buyer.principal, order.order.id)
    done = jobs.tick()

    assert done.floor_orders_cancelled == 1
    assert status(platform, order.order) is OrderStatus.REFUNDED  # the floor did not move it
    assert platform.fulfillment.next_task(released.pick_list_id) is None
    now = platform.fulfillment.status(facility_id)
    assert (now.units_in_bins, now.receiving, now.packing) == (1, 1, 0)
    assert now.orders == {"cancelled": 1}
    assert reconciles(platform, facility_id)
    again = platform.orders.place_one_click(buyer.principal, bottle.id, 1, idempotency_key="b")
    [next_one] = release_to_floor(platform, [again.order.id])
    assert next_one.pick_list_id is not None  # the unit left in the bin was freed
    with pytest.raises(WrongStep, match="only a picked order is packed"):
        platform.fulfillment.pack(order.order.id, measured_weight_g=560)
