"""People and places for a demo world: a shopper and an operator who sign in to the web
pages, what delivery needs to show itself (drone fleets, drop zones, locker banks), and a
robot floor in each centre holding its stock."""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Final

from baro.delivery.lockers import CompartmentSize
from baro.fulfillment import FloorLayout, Item
from baro.platform import CatalogFacts, Platform
from baro.twin.airports import airport_squares
from baro.twin.world import WorldManifest

if TYPE_CHECKING:
    from baro.twin.center import Layout

SHOPPER_EMAIL = "shopper@demo.baro.example"
OPERATOR_EMAIL = "operator@demo.baro.example"
# Stripe-style sandbox test number: the sandbox gateway approves it (see payments.sandbox_cards).
TEST_CARD = "4242 4242 4242 4242"


@dataclass(frozen=True)
class DemoAccounts:
    shopper_email: str
    shopper_password: str
    operator_email: str
    operator_password: str
    shopper_customer_id: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def add_demo_accounts(platform: Platform, manifest: WorldManifest) -> DemoAccounts:
    """A shopper who lives where the world's first customer lives, with an address and a
    sandbox card, so that 1-Click works at once; and an operator for the console. Fresh
    random passwords each time: a demo left running on a network is not an open door."""
    shopper_password, operator_password = secrets.token_urlsafe(9), secrets.token_urlsafe(9)
    shopper = platform.accounts.sign_up(
        name="Demo Shopper", email=SHOPPER_EMAIL, password=shopper_password
    )
    home = manifest.customers[0]
    platform.customers.add_address(
        shopper.id,
        line1="Demo street 1",
        city=str(home["city"]),
        postcode="00001",
        country="BR",
        lat=float(home["lat"]),  # type: ignore[arg-type]
        lng=float(home["lng"]),  # type: ignore[arg-type]
    )
    next_year = platform.clock.now().year + 1
    platform.customers.add_sandbox_card(
        shopper.id, number=TEST_CARD, exp_month=12, exp_year=next_year, cvc="123"
    )
    platform.accounts.add_operator(
        name="Demo Operator", email=OPERATOR_EMAIL, password=operator_password
    )
    return DemoAccounts(
        SHOPPER_EMAIL, shopper_password, OPERATOR_EMAIL, operator_password, shopper.id
    )


# A demo's delivery: enough to watch drones fly and lockers fill under ``--traffic``.
DRONES_PER_CENTRE = 40
LOCKER_COMPARTMENTS = {CompartmentSize.S: 24, CompartmentSize.M: 12, CompartmentSize.L: 6}
LOCKER_OFFSET_DEG = 0.02  # ~2 km from the centre, towards town
DRONE_PREFERRING_SHARE = 0.1


@dataclass(frozen=True)
class DemoDelivery:
    drone_bases: int
    no_fly_zones: int
    drop_zones: int
    lockers: int
    prefer_drones: int


def add_demo_delivery(platform: Platform, manifest: WorldManifest, seed: int) -> DemoDelivery:
    """A drone fleet at each centre, the airports' no-fly zones, a drop zone at every
    customer's door, a locker bank near each centre, and a tenth of the customers preferring
    drones, so that 1-Click (and ``baro demo --traffic``) sends some orders by air and the
    platform's ticks fly them."""
    rng = random.Random(seed)
    for facility in manifest.facilities:
        platform.drones.open_base(str(facility["id"]), drones=DRONES_PER_CENTRE)
        lat, lng = float(facility["lat"]), float(facility["lng"])  # type: ignore[arg-type]
        platform.lockers.open_locker(
            f"Locker {str(facility['name']).removeprefix('FC ')}",
            lat + LOCKER_OFFSET_DEG,
            lng + LOCKER_OFFSET_DEG,
            LOCKER_COMPARTMENTS,
        )
    zones = airport_squares()
    for name, corners in zones:
        platform.drones.add_no_fly_zone(name, corners)
    for customer in manifest.customers:
        home = (float(customer["lat"]), float(customer["lng"]))  # type: ignore[arg-type]
        platform.drones.set_drop_zone(str(customer["id"]), *home, address=home)
    preferring = rng.sample(
        manifest.customers, round(len(manifest.customers) * DRONE_PREFERRING_SHARE)
    )
    for customer in preferring:
        platform.customers.set_delivery_preference(str(customer["id"]), "drone")
    return DemoDelivery(
        len(manifest.facilities),
        len(zones),
        len(manifest.customers),
        len(manifest.facilities),
        len(preferring),
    )


# A demo centre's robot floor: the twin's generated floor (``twin.center``), 160 pods in
# blocks of 2 x 5 with aisles around them and four pick stations on the west wall; four
# bins a pod, one a shelf. Few bins keep the seeding quick (random stow draws from every
# bin for each product), so the bins are sized from the stock: it fills them to about
# ``DEMO_FILL`` by volume and by weight. The generator needs the twin's and the robots'
# extras (Polars, Numba): a server install's demo has no floors, and says so.
DEMO_FLOOR_SETTINGS: Final = dict(
    blocks_across=4,
    blocks_down=4,
    block_rows=2,
    block_columns=5,
    stations=4,
    robots=8,
    shelves_per_pod=4,
    bins_per_shelf=1,
)
NO_FLOOR_EXTRAS: Final = "install baro[twin,robots] for the demo's robot floors"
DEMO_FILL = 0.6
CHECK_IN_SOURCE = "demo: the centre's stock"


@dataclass(frozen=True)
class DemoFloor:
    facility_id: str
    pods: int
    stations: int
    bins: int
    units: int


def demo_floor_layout(layout: Layout) -> FloorLayout:
    """The WMS's layout of the twin's floor: each pod's cell and each station's, as (row,
    column) of its marker id."""
    width = layout.floor.width
    return FloorLayout(
        rows=layout.floor.height,
        cols=width,
        pods={pod: divmod(cell, width) for pod, cell in layout.pod_cell.items()},
        stations={
            f"ST-{number}": divmod(int(cell), width)
            for number, cell in enumerate(layout.floor.stations.tolist(), start=1)
        },
    )


def add_demo_floors(platform: Platform, manifest: WorldManifest) -> list[DemoFloor]:
    """A robot floor in every centre: the centre's stock checked in (the spine counts it
    already), bins on the pods' shelves sized for it, the layout, and the stock stowed at
    random, so that the floor reconciles with on hand and every order can be picked. None
    where the floor generator's extras are not installed (``NO_FLOOR_EXTRAS``)."""
    try:
        from baro.twin.center import CenterSettings, build_layout
    except ImportError:
        return []
    layout = build_layout(CenterSettings(**DEMO_FLOOR_SETTINGS))
    plan = demo_floor_layout(layout)
    floors = []
    for number, facility in enumerate(manifest.facilities, start=1):
        facility_id = str(facility["id"])
        receipt = platform.fulfillment.check_in_counted_stock(facility_id, source=CHECK_IN_SOURCE)
        units = {line.product_id: line.received for line in receipt.lines} if receipt else {}
        volume, weight = _bin_size(
            CatalogFacts(platform.db).facts(sorted(units)), units, len(layout.bins)
        )
        platform.fulfillment.add_bins(
            [
                # Bin ids are global: the centre's number keeps them apart.
                replace(
                    b,
                    id=f"C{number}-{b.id}",
                    facility_id=facility_id,
                    volume_cm3=volume,
                    max_weight_g=weight,
                )
                for b in layout.bins
            ]
        )
        platform.fulfillment.lay_out_floor(facility_id, plan)
        platform.fulfillment.stow_received(facility_id)
        floors.append(
            DemoFloor(
                facility_id,
                len(plan.pods),
                len(plan.stations),
                len(layout.bins),
                sum(units.values()),
            )
        )
    return floors


def _bin_size(items: Mapping[str, Item], units: Mapping[str, int], bins: int) -> tuple[int, int]:
    """A bin's volume (cm³) and weight limit (g) for ``units`` per product to fill ``bins``
    to about ``DEMO_FILL``; at least twice the largest item, so that every item finds room."""
    volume = sum(items[p].volume_cm3 * n for p, n in units.items())
    weight = sum(items[p].weight_g * n for p, n in units.items())
    largest = max((i.volume_cm3 for i in items.values()), default=1)
    heaviest = max((i.weight_g for i in items.values()), default=1)
    return (
        max(math.ceil(volume / (bins * DEMO_FILL)), 2 * largest),
        max(math.ceil(weight / (bins * DEMO_FILL)), 2 * heaviest),
    )
