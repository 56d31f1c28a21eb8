"""Input a database cannot store, or that is not what it claims, is a 422 at the edge:
the same answer on SQLite and PostgreSQL, and never a 500."""

from __future__ import annotations

import pytest

from baro.core.config import Settings
from baro.network import InvalidStockChange
from baro.platform import Platform
from tests.builders import stock
from tests.channels.support import World, assert_problem, bearer

MAX_INT32 = 2**31 - 1


@pytest.fixture
def settings(any_database: str) -> Settings:
    return Settings(database_url=any_database, currency="BRL")


# {bad} is replaced by the hostile value, {product} and {facility} by real ids.
CUSTOMER_ROUTES = [
    ("GET", "/v1/products/{bad}", None),
    ("GET", "/v1/products?category={bad}", None),
    ("GET", "/v1/products?q={bad}", None),
    ("GET", "/v1/orders/{bad}", None),
    ("POST", "/v1/orders/{bad}/cancel", None),
    ("GET", "/v1/orders?before={bad}", None),
    ("PUT", "/v1/cart/items/{bad}", {"quantity": 1}),
    ("DELETE", "/v1/cart/items/{bad}", None),
]
OPERATOR_ROUTES = [
    ("POST", "/v1/admin/facilities/{bad}/stock/{product}/receive", {"quantity": 1}),
    ("POST", "/v1/admin/facilities/{facility}/stock/{bad}/receive", {"quantity": 1}),
    ("POST", "/v1/admin/orders/{bad}/advance", {"status": "picking"}),
]
# NUL (PostgreSQL text cannot hold it), other C0 controls, DEL and a C1 control (U+0085).
IN_URL = ["%00", "a%00b", "%01", "%1B", "%7F", "%C2%85"]


@pytest.mark.parametrize("bad", IN_URL)
@pytest.mark.parametrize(("method", "url", "body"), CUSTOMER_ROUTES + OPERATOR_ROUTES)
def test_control_characters_in_paths_and_queries_are_422(
    client, world: World, method: str, url: str, body: dict | None, bad: str
) -> None:
    key = world.admin_key if "/admin/" in url else world.buyer.api_key
    target = url.format(bad=bad, product=world.product, facility=world.facility)

    response = client.request(method, target, json=body, headers=bearer(key, "delivery-1"))

    assert_problem(response, 422, "invalid_request")


@pytest.mark.parametrize(
    "raw",
    [
        '{"product_id": "prd\\u0000x"}',
        '{"product_id": "\\u001b[31m"}',
        '{"product_id": "\\ud800"}',  # a lone surrogate: no UTF-8 encoding exists
        '{"product_id": "ok", "\\ud800": 1}',  # ... in a field name that is refused
    ],
)
def test_control_characters_and_lone_surrogates_in_bodies_are_422(
    client, world: World, raw: str
) -> None:
    response = client.post(
        "/v1/orders/one-click",
        content=raw.encode(),
        headers={**bearer(world.buyer.api_key, "k1"), "Content-Type": "application/json"},
    )

    assert_problem(response, 422, "invalid_request")


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/v1/orders/one-click", {"product_id": "{product}"}),
        ("POST", "/v1/cart/checkout", None),
        ("POST", "/v1/admin/facilities/{facility}/stock/{product}/receive", {"quantity": 1}),
    ],
)
def test_a_control_character_in_the_idempotency_key_is_422(
    client, world: World, method: str, url: str, body: dict | None
) -> None:
    key = world.admin_key if "/admin/" in url else world.buyer.api_key
    target = url.format(product=world.product, facility=world.facility)
    json = (
        {k: v.format(product=world.product) if isinstance(v, str) else v for k, v in body.items()}
        if body
        else None
    )

    response = client.request(method, target, json=json, headers=bearer(key, "key\x7f"))

    assert_problem(response, 422, "invalid_request")


def test_ids_longer_than_forty_characters_are_422(client, world: World) -> None:
    forty, forty_one = "f" * 40, "f" * 41
    receive = "/v1/admin/facilities/{}/stock/{}/receive"
    admin = bearer(world.admin_key, "delivery-1")

    assert_problem(client.get(f"/v1/products/{forty_one}"), 422, "invalid_request")
    assert_problem(client.get(f"/v1/products/{forty}"), 404, "product_not_found")
    assert_problem(
        client.post(receive.format(forty_one, world.product), json={"quantity": 1}, headers=admin),
        422,
        "invalid_request",
    )
    assert_problem(
        client.post(receive.format(forty, world.product), json={"quantity": 1}, headers=admin),
        404,
        "facility_not_found",
    )


@pytest.mark.parametrize("quantity", [True, "1", 1.0])
def test_quantities_must_be_json_integers(client, world: World, quantity: object) -> None:
    buyer = bearer(world.buyer.api_key, "k1")
    admin = bearer(world.admin_key, "delivery-1")
    receive = f"/v1/admin/facilities/{world.facility}/stock/{world.product}/receive"

    one_click = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product, "quantity": quantity},
        headers=buyer,
    )
    cart = client.put(f"/v1/cart/items/{world.product}", json={"quantity": quantity}, headers=buyer)
    received = client.post(receive, json={"quantity": quantity}, headers=admin)

    for response in (one_click, cart, received):
        assert_problem(response, 422, "invalid_request")


def test_receiving_an_unknown_product_is_404(client, world: World) -> None:
    response = client.post(
        f"/v1/admin/facilities/{world.facility}/stock/prd_missing/receive",
        json={"quantity": 1},
        headers=bearer(world.admin_key, "delivery-1"),
    )

    assert_problem(response, 404, "unknown_product")


@pytest.mark.parametrize("quantity", [1_000_001, MAX_INT32, 2**31, 2**63, 10**30])
def test_a_delivery_of_more_than_a_million_units_is_422(
    client, world: World, quantity: int
) -> None:
    response = client.post(
        f"/v1/admin/facilities/{world.facility}/stock/{world.product}/receive",
        json={"quantity": quantity},
        headers=bearer(world.admin_key, "delivery-1"),
    )

    assert_problem(response, 422, "invalid_request")


def test_stock_fills_up_to_the_largest_count_and_not_beyond(
    client, platform: Platform, world: World
) -> None:
    """on_hand is a 32-bit INTEGER: exactly reaching 2**31 - 1 works, one more is refused."""
    stock(platform, world.facility, world.product, MAX_INT32 - 5 - 5)  # 5 are already there
    url = f"/v1/admin/facilities/{world.facility}/stock/{world.product}/receive"

    over = client.post(url, json={"quantity": 6}, headers=bearer(world.admin_key, "d1"))
    full = client.post(url, json={"quantity": 5}, headers=bearer(world.admin_key, "d2"))

    assert_problem(over, 422, "invalid_stock_change")
    assert full.status_code == 200, full.text
    assert full.json()["on_hand"] == MAX_INT32


@pytest.mark.parametrize("quantity", [2**31, 2**63, 10**30])
def test_the_service_refuses_a_count_that_cannot_be_stored(
    platform: Platform, world: World, quantity: int
) -> None:
    with pytest.raises(InvalidStockChange):
        platform.network.receive(
            world.facility, world.product, quantity, idempotency_key="delivery-1"
        )
