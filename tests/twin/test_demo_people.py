"""The demo's web accounts and its simulated shoppers."""

from __future__ import annotations

from baro.commerce.customers import Role
from baro.commerce.orders import OrderStatus
from baro.commerce.orders.repository import OrderRow
from baro.jobs import Jobs
from baro.platform import Platform
from baro.twin.demo import add_demo_accounts, add_demo_delivery
from baro.twin.traffic import ShopperTraffic
from baro.twin.world import CatalogueSource, WorldSpec, seed_world
from tests.channels.support import api

SMALL = WorldSpec(products=20, customers=3, facilities=2, source=CatalogueSource.SYNTHETIC)


def test_the_demo_shopper_can_sign_in_and_one_click_at_once(platform: Platform) -> None:
    manifest = seed_world(platform, SMALL)
    people = add_demo_accounts(platform, manifest)
    token = platform.accounts.sign_in(
        email=people.shopper_email, password=people.shopper_password, role=Role.CUSTOMER
    )
    shopper = platform.accounts.session(token).principal
    assert shopper.address is not None and shopper.payment_method is not None
    assert shopper.payment_method.last4 == "4242"
    placement = platform.orders.place_one_click(
        shopper, str(manifest.products[0]["id"]), 1, idempotency_key="demo"
    )
    assert placement.order.status is OrderStatus.ALLOCATED
    operator = platform.accounts.sign_in(
        email=people.operator_email, password=people.operator_password, role=Role.ADMIN
    )
    assert platform.accounts.session(operator).principal.is_admin


def test_each_demo_gets_its_own_passwords(platform: Platform) -> None:
    manifest = seed_world(platform, SMALL)
    first = add_demo_accounts(platform, manifest)
    assert len(first.shopper_password) >= 12 and first.shopper_password != first.operator_password


def test_simulated_shoppers_order_and_cancel_through_the_api(platform: Platform) -> None:
    manifest = seed_world(platform, SMALL)
    traffic = ShopperTraffic("http://testserver", manifest, orders_per_s=1, cancel_share=1.0)
    with api(platform) as client:
        for _ in range(3):
            traffic._shop_once(client)
    assert traffic.answers == {201: 3, 200: 3}
    customers = {str(c["id"]) for c in manifest.customers}
    with platform.db.read() as session:
        orders = [(row.customer_id, row.status) for row in session.query(OrderRow)]
    assert [status for _, status in orders] == ["refunded"] * 3
    assert {customer for customer, _ in orders} <= customers  # with the world's own keys


def test_the_demo_world_flies_drones_and_has_lockers(platform: Platform) -> None:
    """Synthetic customers live around the centres' cities: those who prefer drones and
    live in range get their 1-Click order by drone, and a tick assigns its sortie."""
    manifest = seed_world(
        platform,
        WorldSpec(
            products=20, customers=40, facilities=3, seed=3, source=CatalogueSource.SYNTHETIC
        ),
    )
    added = add_demo_delivery(platform, manifest, seed=3)
    platform.promises.refresh(platform.clock.now())

    products = [platform.catalog.get(str(p["id"])).product for p in manifest.products]
    bay = (50, 40, 30)  # cm, longest side first
    light = next(  # one that a drone carries: light, and small enough for its bay
        p
        for p in products
        if p.weight_g <= 1500
        and all(
            side <= room
            for side, room in zip(
                sorted(
                    (p.dimensions.length_cm, p.dimensions.width_cm, p.dimensions.height_cm),
                    reverse=True,
                ),
                bay,
                strict=True,
            )
        )
    )
    options = []
    for customer in manifest.customers:
        principal = platform.customers.authenticate(str(customer["api_key"]))
        placed = platform.orders.place_one_click(
            principal, light.id, 1, idempotency_key=str(customer["id"])
        )
        assert placed.order.delivery is not None
        options.append(placed.order.delivery.option)

    assert (added.drone_bases, added.lockers, added.prefer_drones) == (3, 3, 4)
    assert len(platform.drones.bases()) == 3 and len(platform.lockers.occupancy()) == 3
    assert 1 <= options.count("drone") <= added.prefer_drones
    assert Jobs(platform).tick().sorties_assigned == options.count("drone")
