"""The demo's robot floors: each centre's stock in bins on pods, laid out on a grid with its
pick stations, reconciling with on hand; and the simulated floor crew that takes an order
from allocated to handed off through the WMS, a round per step."""

from __future__ import annotations

from baro.commerce.customers import Principal, Role
from baro.commerce.orders import Order, OrderStatus
from baro.fulfillment import OrderStage
from baro.jobs import Jobs
from baro.network import stock_level
from baro.platform import Platform
from baro.twin.center import CenterSettings
from baro.twin.demo import DEMO_FLOOR_SETTINGS, DemoFloor, add_demo_accounts, add_demo_floors
from baro.twin.floor_crew import CrewRound, FloorCrew
from baro.twin.world import CatalogueSource, WorldSpec, seed_world


def small_world(facilities: int) -> WorldSpec:
    return WorldSpec(
        products=20, customers=3, facilities=facilities, source=CatalogueSource.SYNTHETIC
    )


def demo_order(platform: Platform, *, units: int) -> tuple[DemoFloor, Principal, Order]:
    """A one-centre demo world with its floor, and the demo shopper's 1-Click order."""
    manifest = seed_world(platform, small_world(facilities=1))
    people = add_demo_accounts(platform, manifest)
    [floor] = add_demo_floors(platform, manifest)
    token = platform.accounts.sign_in(
        email=people.shopper_email, password=people.shopper_password, role=Role.CUSTOMER
    )
    shopper = platform.accounts.session(token).principal
    order = platform.orders.place_one_click(
        shopper, str(manifest.products[0]["id"]), units, idempotency_key="crew"
    ).order
    return floor, shopper, order


def test_each_demo_centre_gets_a_robot_floor_holding_its_stock(platform: Platform) -> None:
    manifest = seed_world(platform, small_world(facilities=2))

    floors = add_demo_floors(platform, manifest)

    assert [f.facility_id for f in floors] == [str(f["id"]) for f in manifest.facilities]
    for floor in floors:
        assert platform.fulfillment.reconcile(floor.facility_id) == []
        with platform.db.read() as session:
            on_hand = sum(
                stock_level(session, floor.facility_id, str(p["id"])).on_hand
                for p in manifest.products
            )
        status = platform.fulfillment.status(floor.facility_id)
        assert status.units_in_bins == floor.units == on_hand
        assert (status.receiving, status.bins) == (0, 640)
        view = platform.fulfillment.floor_view(floor.facility_id)
        assert (
            (view.rows, view.cols)
            == (
                CenterSettings(**DEMO_FLOOR_SETTINGS).height,
                CenterSettings(**DEMO_FLOOR_SETTINGS).width,
            )
            == (15, 27)
        )
        assert (len(view.pods), len(view.stations)) == (floor.pods, floor.stations) == (160, 4)
        assert all(s.cell[1] == 0 for s in view.stations)  # on the west wall
        assert all(0 < p.fill <= 1 for p in view.pods if p.used_volume_cm3)  # full is allowed


def test_the_floor_crew_takes_an_order_from_allocated_to_shipped(platform: Platform) -> None:
    """Released and picked in the first round, packed in the second, handed off in the
    third; the tick after each moves the order's status."""
    floor, _shopper, order = demo_order(platform, units=1)
    crew, jobs = FloorCrew(platform), Jobs(platform)

    rounds, statuses = [], []
    for _ in range(3):
        rounds.append(crew.work())
        jobs.tick()
        statuses.append(platform.order_book.get(order.id).status)

    assert rounds == [
        CrewRound(released=1, picked=1),
        CrewRound(packed=1),
        CrewRound(handed_off=1),
    ]
    assert statuses == [OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED]
    handed_off = platform.fulfillment.orders_at(floor.facility_id, OrderStage.HANDED_OFF)
    assert handed_off == [order.id]
    assert platform.fulfillment.reconcile(floor.facility_id) == []
    assert crew.work() == CrewRound()  # nothing left to do


def test_the_crew_stows_again_what_an_order_cancelled_mid_pick_gave_back(
    platform: Platform,
) -> None:
    floor, shopper, order = demo_order(platform, units=2)
    crew, jobs = FloorCrew(platform), Jobs(platform)
    first = crew.work()  # released, one of its two units picked
    platform.orders.cancel(shopper, order.id)
    jobs.tick()  # the floor cancels it: the picked unit goes back to receiving

    again = crew.work()

    assert (first.released, first.picked) == (1, 1)
    assert again == CrewRound(stowed=1)
    assert platform.fulfillment.status(floor.facility_id).receiving == 0
    assert platform.fulfillment.reconcile(floor.facility_id) == []
