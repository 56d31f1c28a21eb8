"""People and places for a demo world: a shopper and an operator who sign in to the web
pages, and what delivery needs to show itself (drone fleets, drop zones, locker banks)."""

from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass

from baro.delivery.lockers import CompartmentSize
from baro.platform import Platform
from baro.twin.airports import airport_squares
from baro.twin.world import WorldManifest

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
