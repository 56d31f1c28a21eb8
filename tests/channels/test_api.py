"""The HTTP API end to end (in-process ASGI, real services, SQLite)."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from baro.channels.web import create_app
from baro.commerce.payments import DECLINES, TIMES_OUT
from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform)) as test_client:
        yield test_client


@pytest.fixture
def world(platform: Platform) -> dict[str, str]:
    item = add_product(platform, title="Garrafa térmica inox")
    facility = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, facility, item.id, 5)
    return {"product": item.id, "facility": facility}


def auth(who: Shopper, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {who.api_key}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def one_click(client: TestClient, who: Shopper, product: str, quantity: int = 1, key: str = "k1"):
    return client.post(
        "/v1/orders/one-click",
        json={"product_id": product, "quantity": quantity},
        headers=auth(who, key),
    )


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert "Traceback" not in response.text
    return body


def test_one_click_places_an_order_and_replays_it(client, platform, world) -> None:
    buyer = shopper(platform)

    first = one_click(client, buyer, world["product"], 2)
    again = one_click(client, buyer, world["product"], 2)

    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "allocated"
    assert body["total"] == {"amount": "39.80", "currency": "BRL", "minor": 3980}
    assert body["facility_id"] == world["facility"]
    assert first.headers["Location"] == f"/v1/orders/{body['id']}"
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == body


def test_key_reused_with_other_parameters_is_422(client, platform, world) -> None:
    buyer = shopper(platform)
    one_click(client, buyer, world["product"], 1)
    assert_problem(one_click(client, buyer, world["product"], 2), 422, "idempotency_key_reused")


def test_bad_input_gets_problem_json_and_writes_nothing(client, platform, world) -> None:
    buyer = shopper(platform)
    post = client.post
    assert_problem(one_click(client, buyer, "prd_missing"), 404, "product_not_found")
    assert_problem(one_click(client, buyer, world["product"], 0), 422, "invalid_request")
    assert_problem(one_click(client, buyer, world["product"], 10**6), 422, "invalid_quantity")
    assert_problem(one_click(client, buyer, world["product"], 6), 409, "out_of_stock")
    assert_problem(
        post("/v1/orders/one-click", json={"product_id": world["product"]}, headers=auth(buyer)),
        422,
        "invalid_request",
    )
    assert_problem(
        post(
            "/v1/orders/one-click",
            content=b'{"product_id": ',
            headers={**auth(buyer, "k9"), "Content-Type": "application/json"},
        ),
        400,
        "malformed_json",
    )
    assert_problem(
        post(
            "/v1/orders/one-click",
            json={"product_id": world["product"], "extra": 1},
            headers=auth(buyer, "k8"),
        ),
        422,
        "invalid_request",
    )
    listed = client.get("/v1/orders", headers=auth(buyer)).json()
    assert listed["items"] == []
    product = client.get(f"/v1/products/{world['product']}").json()
    assert product["available"] == 5


def test_declined_card_is_402_and_a_gateway_outage_502(client, platform, world) -> None:
    declined = shopper(platform, "Dora", token=DECLINES)
    offline = shopper(platform, "Olga", token=TIMES_OUT)

    assert_problem(one_click(client, declined, world["product"]), 402, "payment_declined")
    replay = one_click(client, declined, world["product"])
    assert replay.headers["Idempotent-Replayed"] == "true"
    outage = one_click(client, offline, world["product"])
    assert_problem(outage, 502, "payment_gateway_unavailable")
    assert outage.headers["Retry-After"] == "5"
    # The order keeps its unit while the gateway is down; the retry pays that same order.
    assert client.get(f"/v1/products/{world['product']}").json()["available"] == 4
    retried = one_click(client, offline, world["product"])
    assert_problem(retried, 502, "payment_gateway_unavailable")
    assert len(client.get("/v1/orders", headers=auth(offline)).json()["items"]) == 1


def test_unauthenticated_and_unknown_keys_are_401(client, world) -> None:
    response = client.post(
        "/v1/orders/one-click",
        json={"product_id": world["product"]},
        headers={"Idempotency-Key": "k"},
    )
    assert_problem(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    bad = client.get("/v1/orders", headers={"Authorization": "Bearer bk_live_guess"})
    assert_problem(bad, 401, "not_authenticated")


def test_repeated_failed_keys_are_rate_limited(client) -> None:
    for _ in range(20):
        client.get("/v1/orders", headers={"Authorization": "Bearer bk_live_guess"})
    limited = client.get("/v1/orders", headers={"Authorization": "Bearer bk_live_guess"})
    assert_problem(limited, 429, "too_many_attempts")
    assert limited.headers["Retry-After"] == "60"


def test_another_customers_order_is_404(client, platform, world) -> None:
    owner, other = shopper(platform, "Ana"), shopper(platform, "Bia")
    order = one_click(client, owner, world["product"]).json()

    assert_problem(
        client.get(f"/v1/orders/{order['id']}", headers=auth(other)), 404, "order_not_found"
    )
    assert_problem(
        client.post(f"/v1/orders/{order['id']}/cancel", headers=auth(other)), 404, "order_not_found"
    )
    assert client.get("/v1/orders", headers=auth(other)).json()["items"] == []


def test_cancel_refunds_inside_the_window_and_409_after(
    client, platform, world, clock: SimulatedClock
) -> None:
    buyer = shopper(platform)
    early = one_click(client, buyer, world["product"], 1, key="a").json()
    late = one_click(client, buyer, world["product"], 1, key="b").json()
    clock.advance(timedelta(minutes=10))

    cancelled = client.post(f"/v1/orders/{early['id']}/cancel", headers=auth(buyer))
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "refunded"
    assert cancelled.json()["refund"]["amount"]["minor"] == 1990

    clock.advance(timedelta(minutes=21))
    closed = client.post(f"/v1/orders/{late['id']}/cancel", headers=auth(buyer))
    assert_problem(closed, 409, "cancel_window_closed")
    assert client.get(f"/v1/products/{world['product']}").json()["available"] == 4


def test_orders_are_listed_newest_first_with_paging(client, platform, world) -> None:
    buyer = shopper(platform)
    ids = [
        one_click(client, buyer, world["product"], 1, key=f"k{n}").json()["id"] for n in range(3)
    ]

    page = client.get("/v1/orders?limit=2", headers=auth(buyer)).json()
    rest = client.get(f"/v1/orders?limit=2&before={page['next_before']}", headers=auth(buyer))

    assert [o["id"] for o in page["items"]] + [o["id"] for o in rest.json()["items"]] == sorted(
        ids, reverse=True
    )


def test_search_finds_products_in_english_and_korean(client, platform, world) -> None:
    add_product(platform, sku="SKU-2", title="Cafeteira elétrica")

    english = client.get("/v1/products", params={"q": "garraf"}).json()["items"]
    korean = client.get("/v1/products", params={"q": "보온병"}).json()["items"]
    hostile = client.get("/v1/products", params={"q": '" OR 1=1 -- NEAR('})

    assert [p["id"] for p in english] == [world["product"]]
    assert {p["sku"] for p in korean} == {"SKU-1", "SKU-2"}
    assert hostile.status_code == 200
    detail = client.get(f"/v1/products/{world['product']}").json()
    assert detail["stock"] == [
        {"facility_id": world["facility"], "on_hand": 5, "reserved": 0, "available": 5}
    ]


def test_cart_checkout_uses_the_same_placement(client, platform, world) -> None:
    buyer = shopper(platform)
    put = client.put(
        f"/v1/cart/items/{world['product']}", json={"quantity": 3}, headers=auth(buyer)
    )
    assert put.json()["items"][0]["amount"]["minor"] == 3 * 1990

    order = client.post("/v1/cart/checkout", headers=auth(buyer, "c1"))
    empty = client.post("/v1/cart/checkout", headers=auth(buyer, "c2"))

    assert order.status_code == 201 and order.json()["total"]["minor"] == 3 * 1990
    assert_problem(empty, 409, "empty_cart")


def test_operators_receive_stock_once_per_key_and_customers_cannot(client, platform, world) -> None:
    admin_key = platform.customers.issue_admin_key()
    buyer = shopper(platform)
    url = f"/v1/admin/facilities/{world['facility']}/stock/{world['product']}/receive"
    admin = {"Authorization": f"Bearer {admin_key}", "Idempotency-Key": "delivery-1"}

    first = client.post(url, json={"quantity": 10}, headers=admin)
    repeat = client.post(url, json={"quantity": 10}, headers=admin)

    assert first.json()["on_hand"] == 15 and repeat.json()["on_hand"] == 15
    assert_problem(
        client.post(url, json={"quantity": 10}, headers=auth(buyer, "x")), 403, "forbidden"
    )


def test_unknown_routes_and_health(client) -> None:
    assert_problem(client.get("/v1/nope"), 404, "not_found")
    assert client.get("/healthz").json() == {"status": "ok"}


def test_openapi_is_3_1_and_documents_the_idempotency_key(client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    parameters = spec["paths"]["/v1/orders/one-click"]["post"]["parameters"]
    assert {"name": "Idempotency-Key", "in": "header"}.items() <= parameters[0].items()
    assert parameters[0]["required"] is True
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_presses_arriving_together_are_placed_in_shared_batches(
    platform: Platform, world: dict[str, str]
) -> None:
    """Twenty buyers press at once: every press gets its own 201, in fewer batches."""
    app = create_app(platform)
    buyers = [shopper(platform, name=f"B{n}") for n in range(20)]
    stock(platform, world["facility"], world["product"], 15)

    async def press_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://baro") as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/v1/orders/one-click",
                        json={"product_id": world["product"], "quantity": 1},
                        headers=auth(buyer, key=f"k{n}"),
                    )
                    for n, buyer in enumerate(buyers)
                )
            )

    responses = asyncio.run(press_all())

    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.json()["id"] for r in responses}) == 20
    assert app.state.one_click.batches < 20
    app.state.one_click.close()
