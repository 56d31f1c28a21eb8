"""The demo's web accounts and its simulated shoppers."""

from __future__ import annotations

from baro.commerce.customers import Role
from baro.commerce.orders import OrderStatus
from baro.commerce.orders.repository import OrderRow
from baro.platform import Platform
from baro.twin.demo import add_demo_accounts
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
