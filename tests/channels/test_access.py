"""Operators act through /v1/admin only: every customer route answers an operator's key with
the same 403, and customers get a 403 on every operator route."""

from __future__ import annotations

import pytest

from tests.channels.support import World, assert_problem, bearer


@pytest.fixture
def order_id(client, world: World) -> str:
    placed = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product},
        headers=bearer(world.buyer.api_key, "k1"),
    )
    assert placed.status_code == 201, placed.text
    return str(placed.json()["id"])


CUSTOMER_ROUTES = [
    ("GET", "/v1/orders", None),
    ("GET", "/v1/orders/{order}", None),
    ("POST", "/v1/orders/{order}/cancel", None),
    ("GET", "/v1/cart", None),
    ("PUT", "/v1/cart/items/{product}", {"quantity": 1}),
    ("DELETE", "/v1/cart/items/{product}", None),
    ("POST", "/v1/cart/checkout", None),
]


@pytest.mark.parametrize(("method", "url", "body"), CUSTOMER_ROUTES)
def test_an_operator_key_on_a_customer_route_is_403(
    client, world: World, order_id: str, method: str, url: str, body: dict | None
) -> None:
    target = url.format(order=order_id, product=world.product)

    response = client.request(method, target, json=body, headers=bearer(world.admin_key, "k2"))

    assert_problem(response, 403, "customer_key_required")


def test_an_operator_key_on_one_click_is_403(client, world: World) -> None:
    response = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product},
        headers=bearer(world.admin_key, "k3"),
    )

    assert_problem(response, 403, "customer_key_required")


def test_an_operator_key_cannot_cancel_a_customers_order(
    client, world: World, order_id: str
) -> None:
    cancel = client.post(f"/v1/orders/{order_id}/cancel", headers=bearer(world.admin_key))

    assert_problem(cancel, 403, "customer_key_required")

    mine = client.get(f"/v1/orders/{order_id}", headers=bearer(world.buyer.api_key))
    assert mine.json()["status"] == "allocated"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/v1/admin/facilities", None),
        ("POST", "/v1/admin/facilities/{facility}/stock/{product}/receive", {"quantity": 1}),
        ("POST", "/v1/admin/orders/{order}/advance", {"status": "picking"}),
    ],
)
def test_a_customer_key_on_an_operator_route_is_403(
    client, world: World, order_id: str, method: str, url: str, body: dict | None
) -> None:
    target = url.format(order=order_id, product=world.product, facility=world.facility)

    response = client.request(method, target, json=body, headers=bearer(world.buyer.api_key, "k"))

    assert_problem(response, 403, "forbidden")
