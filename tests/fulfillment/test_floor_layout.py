"""The robot floor in the WMS: a facility's grid, pods' home cells and pick stations; each
new pick list sent to the least loaded station; the floor view the console draws; and a
floor going live with the stock the spine already counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from baro.commerce.catalog import Product
from baro.core.clock import SimulatedClock
from baro.fulfillment import (
    Bin,
    CellOutsideGrid,
    CellTaken,
    DedicatedSlots,
    FloorLayout,
    Fulfillment,
    InvalidLayout,
    OrderStage,
    PickRequest,
    PickTask,
    PodOnFloor,
    StationInUse,
    Wave,
)
from baro.network import FacilityNotFound
from baro.platform import CatalogFacts, Platform
from tests.builders import SAO_PAULO, add_facility, product, stock
from tests.conftest import START

# builders.product: 500 g, 30 x 10 x 10 cm (3,000 cm³).
LAYOUT = FloorLayout(
    rows=3,
    cols=4,
    pods={"P0": (0, 0), "P1": (0, 1), "P2": (1, 0), "P3": (1, 1)},
    stations={"ST-A": (2, 3), "ST-B": (2, 2)},
)


@dataclass(frozen=True)
class Floor:
    wms: Fulfillment
    facility_id: str
    bottle: Product
    flask: Product


def laid_out_floor(platform: Platform) -> Floor:
    """Four flasks in P0's first bin, six bottles in P1's (each product has its own bins,
    so that every count below is known); P2 has an empty bin, P3 none."""
    facility_id = add_facility(platform, "CD São Paulo", SAO_PAULO)
    bottle, flask = product("BOTTLE"), product("FLASK")
    platform.catalog.add([bottle, flask])
    wms = Fulfillment(
        platform.db, platform.clock, CatalogFacts(platform.db), putaway=DedicatedSlots()
    )
    wms.add_bins(
        [
            Bin("B-P0-1", facility_id, "K", 20_000, 10_000, 10, "P0", 1, dedicated_to=flask.id),
            Bin("B-P0-2", facility_id, "K", 20_000, 10_000, 10, "P0", 2),
            Bin("B-P1-1", facility_id, "K", 20_000, 10_000, 20, "P1", 1, dedicated_to=bottle.id),
            Bin("B-P2-1", facility_id, "K", 10_000, 10_000, 30, "P2", 1),
        ]
    )
    stock(platform, facility_id, bottle.id, 6)
    stock(platform, facility_id, flask.id, 4)
    wms.check_in_counted_stock(facility_id, source="go-live")
    wms.stow_received(facility_id)
    wms.lay_out_floor(facility_id, LAYOUT)
    return Floor(wms, facility_id, bottle, flask)


@pytest.fixture
def floor(platform: Platform) -> Floor:
    return laid_out_floor(platform)


def release(floor: Floor, order_id: str, *lines: tuple[Product, int]) -> tuple[str, str | None]:
    """The order released on a list of its own: (pick list, station)."""
    request = PickRequest(order_id, floor.facility_id, tuple((p.id, n) for p, n in lines))
    [done] = floor.wms.release([request])
    assert done.pick_list_id is not None, done.waiting
    return done.pick_list_id, done.station_id


# The layout --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "cols", "pods", "stations", "error", "message"),
    [
        (0, 4, {}, {}, InvalidLayout, "1 to 1,000 cells a side, got 0 x 4"),
        (3, 1_001, {}, {}, InvalidLayout, "got 3 x 1001"),
        (3, 4, {"P0": (3, 0)}, {}, CellOutsideGrid, "pod P0 at row 3, column 0 is off the"),
        (3, 4, {"P0": (0, -1)}, {}, CellOutsideGrid, "pod P0 at row 0, column -1"),
        (3, 4, {}, {"S": (0, 4)}, CellOutsideGrid, "station S at row 0, column 4"),
        (3, 4, {"P0": (1, 1), "P1": (1, 1)}, {}, CellTaken, "pod P1 and pod P0 both stand"),
        (3, 4, {"P0": (2, 3)}, {"S": (2, 3)}, CellTaken, "station S and pod P0 both stand"),
        (3, 4, {" ": (0, 0)}, {}, InvalidLayout, "a pod needs a name of 1 to 40"),
        (3, 4, {}, {"S" * 41: (0, 0)}, InvalidLayout, "a station needs a name"),
    ],
)
def test_a_layout_off_its_grid_or_with_two_things_on_a_cell_is_refused(
    rows: int,
    cols: int,
    pods: dict[str, tuple[int, int]],
    stations: dict[str, tuple[int, int]],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(")):
        FloorLayout(rows, cols, pods, stations)


def test_the_grid_s_last_cells_are_on_it() -> None:
    corner = FloorLayout(3, 4, {"P0": (2, 3)}, {"S": (0, 0)})
    assert corner.pods == {"P0": (2, 3)}


def test_laying_out_again_changes_nothing_and_a_new_layout_replaces_the_old(
    floor: Floor,
) -> None:
    first = floor.wms.floor_view(floor.facility_id)
    floor.wms.lay_out_floor(floor.facility_id, LAYOUT)
    assert floor.wms.floor_view(floor.facility_id) == first

    swapped = FloorLayout(
        rows=4,
        cols=4,
        pods={"P0": (0, 1), "P1": (0, 0), "P2": (3, 3)},  # P3 leaves the floor
        stations={"ST-A": (2, 2), "ST-B": (2, 3), "ST-C": (3, 0)},
    )
    floor.wms.lay_out_floor(floor.facility_id, swapped)

    view = floor.wms.floor_view(floor.facility_id)
    assert (view.rows, view.cols) == (4, 4)
    assert {p.pod: p.cell for p in view.pods} == {"P0": (0, 1), "P1": (0, 0), "P2": (3, 3)}
    assert {s.station_id: s.cell for s in view.stations} == {
        "ST-A": (2, 2),
        "ST-B": (2, 3),
        "ST-C": (3, 0),
    }


def test_a_floor_is_laid_out_only_at_a_facility_that_exists(platform: Platform) -> None:
    with pytest.raises(FacilityNotFound):
        platform.fulfillment.lay_out_floor("fac_nowhere", LAYOUT)
    with pytest.raises(FacilityNotFound):
        platform.fulfillment.floor_view("fac_nowhere")


def test_a_station_pick_lists_were_sent_to_may_move_but_not_leave(floor: Floor) -> None:
    release(floor, "ord-1", (floor.bottle, 1))  # to ST-A
    moved = FloorLayout(3, 4, dict(LAYOUT.pods), {"ST-A": (2, 0)})  # ST-B, unused, leaves

    floor.wms.lay_out_floor(floor.facility_id, moved)
    with pytest.raises(StationInUse, match=r"ST-A \(1 pick lists\)"):
        floor.wms.lay_out_floor(floor.facility_id, FloorLayout(3, 4, dict(LAYOUT.pods), {}))

    [station] = floor.wms.floor_view(floor.facility_id).stations
    assert (station.station_id, station.cell) == ("ST-A", (2, 0))


# Stations ----------------------------------------------------------------------------------


def test_each_new_list_goes_to_the_station_with_the_fewest_units_left_to_pick(
    floor: Floor,
) -> None:
    """Load is units still to pick, not lists: ties go to the smallest id, and a unit
    picked makes its station lighter."""
    first, at_first = release(floor, "ord-1", (floor.bottle, 2))
    _, at_second = release(floor, "ord-2", (floor.flask, 1))
    _, at_third = release(floor, "ord-3", (floor.flask, 1))  # ST-A 2 left, ST-B 1
    _, at_fourth = release(floor, "ord-4", (floor.flask, 1))  # 2 and 2: a tie
    for _ in range(2):
        floor.wms.pick(first, "B-P1-1", floor.bottle.sku)
    _, at_fifth = release(floor, "ord-5", (floor.bottle, 1))  # ST-A 1 left, ST-B 2

    assert [at_first, at_second, at_third, at_fourth, at_fifth] == [
        "ST-A",
        "ST-B",
        "ST-B",
        "ST-A",
        "ST-A",
    ]


def test_a_floor_without_stations_releases_lists_to_none(platform: Platform) -> None:
    facility_id = add_facility(platform, "CD", SAO_PAULO)
    bottle = product("BOTTLE")
    platform.catalog.add([bottle])
    platform.fulfillment.add_bins([Bin("B-1", facility_id, "K", 20_000, 10_000)])
    stock(platform, facility_id, bottle.id, 1)
    platform.fulfillment.check_in_counted_stock(facility_id, source="go-live")
    platform.fulfillment.stow_received(facility_id)

    [done] = platform.fulfillment.release([PickRequest("ord-1", facility_id, ((bottle.id, 1),))])

    assert done.pick_list_id is not None and done.station_id is None
    view = platform.fulfillment.floor_view(facility_id)
    assert (view.rows, view.cols, view.pods, view.stations) == (0, 0, (), ())
    assert [w.station_id for w in view.waves] == [None]


# The floor view ----------------------------------------------------------------------------


def test_the_floor_view_after_three_releases_and_a_pick(
    floor: Floor, clock: SimulatedClock
) -> None:
    first, _ = release(floor, "ord-a", (floor.bottle, 2))  # ST-A
    clock.advance(timedelta(minutes=1))
    second, _ = release(floor, "ord-b", (floor.flask, 1), (floor.bottle, 1))  # ST-B
    clock.advance(timedelta(minutes=1))
    third, _ = release(floor, "ord-c", (floor.flask, 2))  # 2 and 2: ST-A
    floor.wms.pick(first, "B-P1-1", floor.bottle.sku)

    view = floor.wms.floor_view(floor.facility_id)

    assert view.waves == (
        Wave(third, START + timedelta(minutes=2), "ST-A", orders=1, units=2, picked=0),
        Wave(second, START + timedelta(minutes=1), "ST-B", orders=1, units=2, picked=0),
        Wave(first, START, "ST-A", orders=1, units=2, picked=1),
    )
    assert view.open_lists == 3
    a, b = view.stations
    assert (a.station_id, a.cell, a.current, a.queued_lists, a.queued_units) == (
        "ST-A",
        (2, 3),
        view.waves[2],
        1,
        2,
    )
    assert a.next_task == PickTask(first, 0, "ord-a", "B-P1-1", "P1", 1, floor.bottle.id, 2, 1)
    assert (b.station_id, b.current, b.queued_lists, b.queued_units) == (
        "ST-B",
        view.waves[1],
        0,
        0,
    )
    # the nearest bin first: the flask in P0 (10 m) before the bottle in P1 (20 m)
    assert b.next_task == PickTask(second, 0, "ord-b", "B-P0-1", "P0", 1, floor.flask.id, 1, 0)
    assert view.pods == (
        PodOnFloor("P0", (0, 0), 12_000, 40_000, wanted_units=3, awaited=True),
        PodOnFloor("P1", (0, 1), 15_000, 20_000, wanted_units=2, awaited=True),
        PodOnFloor("P2", (1, 0), 0, 10_000, wanted_units=0, awaited=False),
        PodOnFloor("P3", (1, 1), 0, 0, wanted_units=0, awaited=False),
    )
    assert [p.fill for p in view.pods] == [0.3, 0.75, 0.0, 0.0]
    assert (view.status.units_in_bins, view.status.packing) == (9, 1)
    assert view.status.orders == {"released": 3}


def test_a_picked_list_leaves_the_view_and_its_station_takes_the_next(
    floor: Floor, clock: SimulatedClock
) -> None:
    first, _ = release(floor, "ord-a", (floor.bottle, 1))
    clock.advance(timedelta(minutes=1))
    release(floor, "ord-b", (floor.flask, 2))  # ST-B
    clock.advance(timedelta(minutes=1))
    third, _ = release(floor, "ord-c", (floor.flask, 1))  # 1 and 2: ST-A

    floor.wms.pick(first, "B-P1-1", floor.bottle.sku)
    view = floor.wms.floor_view(floor.facility_id, waves=1)

    assert [w.pick_list_id for w in view.waves] == [third]  # capped at one
    assert view.open_lists == 2
    a = view.stations[0]
    assert a.current is not None and a.current.pick_list_id == third
    assert (a.queued_lists, a.queued_units) == (0, 0)
    assert floor.wms.orders_at(floor.facility_id, OrderStage.PICKED) == ["ord-a"]
    assert floor.wms.orders_at(floor.facility_id, OrderStage.RELEASED, limit=1) == ["ord-b"]


def test_a_cancelled_order_s_units_leave_its_wave(floor: Floor) -> None:
    wave, _ = release(floor, "ord-a", (floor.bottle, 1))
    release(floor, "ord-b", (floor.flask, 1))

    floor.wms.cancel("ord-b")

    view = floor.wms.floor_view(floor.facility_id)
    assert [(w.pick_list_id, w.orders, w.units) for w in view.waves] == [(wave, 1, 1)]
    assert view.stations[1].current is None
    assert {p.pod: p.wanted_units for p in view.pods}["P0"] == 0


# Going live --------------------------------------------------------------------------------


def test_a_floor_goes_live_with_the_stock_the_spine_counts(platform: Platform) -> None:
    """Stock that came in past the floor is checked in whole, then stowed: the floor
    reconciles, and a second check-in finds nothing to do."""
    facility_id = add_facility(platform, "CD", SAO_PAULO)
    bottle, flask = product("BOTTLE"), product("FLASK")
    platform.catalog.add([bottle, flask])
    platform.fulfillment.add_bins(
        [Bin(f"B-{i}", facility_id, "K", 20_000, 10_000) for i in range(3)]
    )
    stock(platform, facility_id, bottle.id, 7)
    stock(platform, facility_id, flask.id, 2)
    assert len(platform.fulfillment.reconcile(facility_id)) == 2

    receipt = platform.fulfillment.check_in_counted_stock(facility_id, source="go-live")
    assert platform.fulfillment.reconcile(facility_id) == []  # in receiving
    placed = platform.fulfillment.stow_received(facility_id)

    assert receipt is not None and receipt.closed and receipt.source == "go-live"
    assert {(ln.product_id, ln.expected, ln.received) for ln in receipt.lines} == {
        (bottle.id, 7, 7),
        (flask.id, 2, 2),
    }
    assert sum(n for _, p, n in placed if p == bottle.id) == 7
    assert platform.fulfillment.reconcile(facility_id) == []
    status = platform.fulfillment.status(facility_id)
    assert (status.units_in_bins, status.receiving, status.open_inbounds) == (9, 0, 0)
    assert platform.fulfillment.check_in_counted_stock(facility_id, source="again") is None
    assert [f.facility_id for f in platform.fulfillment.floors()] == [facility_id]
