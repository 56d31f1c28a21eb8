"""Demand signals through the API: product views, searches and cart changes land in the
outbox with their data; a request that is refused records nothing."""

from __future__ import annotations

import pytest

from baro.channels.web.schemas import MAX_SEARCH_TEXT
from baro.core.events import read_log
from baro.platform import Platform
from tests.builders import add_product
from tests.channels.support import World, assert_problem, bearer

SIGNALS = ["product.viewed", "search.performed", "cart.item_added", "cart.item_removed"]


def signals(platform: Platform) -> list[tuple[str, str, dict]]:
    """(type, aggregate, data) of every signal, the searches and page views held included."""
    platform.catalog.flush_signals()
    with platform.db.read() as session:
        return [
            (e.event_type, e.aggregate_id, dict(e.data))
            for e in read_log(session, event_types=SIGNALS)
        ]


# Product views -----------------------------------------------------------------------------


def test_a_view_is_recorded_for_the_customer(client, platform, world: World) -> None:
    response = client.post(
        "/v1/events/view", json={"product_id": world.product}, headers=bearer(world.buyer.api_key)
    )

    assert response.status_code == 204 and response.content == b""
    assert signals(platform) == [
        (
            "product.viewed",
            world.product,
            {"customer_id": world.buyer.customer_id, "product_id": world.product},
        )
    ]


def test_each_view_counts_but_a_retry_with_its_key_does_not(client, platform, world: World) -> None:
    body = {"product_id": world.product}
    client.post("/v1/events/view", json=body, headers=bearer(world.buyer.api_key))
    client.post("/v1/events/view", json=body, headers=bearer(world.buyer.api_key))
    first = client.post("/v1/events/view", json=body, headers=bearer(world.buyer.api_key, "v1"))
    retry = client.post("/v1/events/view", json=body, headers=bearer(world.buyer.api_key, "v1"))

    assert first.status_code == retry.status_code == 204
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert [kind for kind, _, _ in signals(platform)] == ["product.viewed"] * 3


def test_the_key_of_one_view_cannot_record_another(client, platform, world: World) -> None:
    other = add_product(platform, sku="SKU-2")
    client.post(
        "/v1/events/view",
        json={"product_id": world.product},
        headers=bearer(world.buyer.api_key, "v1"),
    )

    reused = client.post(
        "/v1/events/view", json={"product_id": other.id}, headers=bearer(world.buyer.api_key, "v1")
    )

    assert_problem(reused, 422, "idempotency_key_reused")
    assert [aggregate for _, aggregate, _ in signals(platform)] == [world.product]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"product_id": "prd_nope"}, 404, "product_not_found"),
        ({"product_id": "prd_\x00"}, 422, "invalid_request"),
        ({"product_id": "p" * 41}, 422, "invalid_request"),
        ({"product_id": ""}, 422, "invalid_request"),
        ({"product_id": "a/b"}, 422, "invalid_request"),
        ({"product_id": 7}, 422, "invalid_request"),
        ({"product_id": "x", "customer_id": "cus_other"}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
    ],
    ids=["unknown", "nul", "too-long", "empty", "slash", "number", "extra-field", "missing"],
)
def test_a_bad_view_is_refused_and_records_nothing(
    client, platform, world: World, body: dict, status: int, code: str
) -> None:
    response = client.post("/v1/events/view", json=body, headers=bearer(world.buyer.api_key))

    assert_problem(response, status, code)
    assert signals(platform) == []


def test_a_view_needs_a_customers_key(client, platform, world: World) -> None:
    body = {"product_id": world.product}

    anonymous = client.post("/v1/events/view", json=body)
    unknown = client.post("/v1/events/view", json=body, headers=bearer("bk_nobody"))
    operator = client.post("/v1/events/view", json=body, headers=bearer(world.admin_key))
    blank_key = client.post("/v1/events/view", json=body, headers=bearer(world.buyer.api_key, " "))

    assert_problem(anonymous, 401, "not_authenticated")
    assert_problem(unknown, 401, "not_authenticated")
    assert_problem(operator, 403, "customer_key_required")
    assert_problem(blank_key, 400, "invalid_idempotency_key")
    assert signals(platform) == []


# Searches ----------------------------------------------------------------------------------


def test_an_anonymous_search_is_logged_with_its_first_matches(
    client, platform, world: World
) -> None:
    found = client.get("/v1/products", params={"q": 'Garrafa "INOX"'}).json()["items"]

    assert [p["id"] for p in found] == [world.product]
    ((kind, aggregate, data),) = signals(platform)
    assert kind == "search.performed" and aggregate.startswith("srch_")
    assert data.pop("search_id") == aggregate  # an anonymous search is its own aggregate
    assert data == {
        "customer_id": None,
        "query": "garrafa inox",  # the words searched for, as matched
        "category": None,
        "product_ids": [world.product],
        "categories": ["casa"],
    }


def test_a_customers_search_is_theirs_and_a_search_with_no_match_still_counts(
    client, platform, world: World
) -> None:
    client.get(
        "/v1/products",
        params={"q": "bicicleta", "category": "casa"},
        headers=bearer(world.buyer.api_key),
    )

    ((_, aggregate, data),) = signals(platform)
    assert aggregate == world.buyer.customer_id
    assert data.pop("search_id").startswith("srch_")
    assert data == {
        "customer_id": world.buyer.customer_id,
        "query": "bicicleta",
        "category": "casa",
        "product_ids": [],
        "categories": [],
    }


def test_at_most_a_storefront_page_of_matches_is_logged(client, platform, world: World) -> None:
    for n in range(30):
        add_product(platform, sku=f"SKU-B{n:02}", title="Garrafa")

    found = client.get("/v1/products", params={"q": "garrafa", "limit": 100}).json()["items"]

    ((_, _, data),) = signals(platform)
    assert len(found) == 31
    assert data["product_ids"] == [p["id"] for p in found[:24]]


@pytest.mark.parametrize(
    "params",
    [{"q": "garrafa", "offset": 20}, {}, {"q": " ?! "}],
    ids=["next-page", "listing", "no-words"],
)
def test_a_next_page_or_a_listing_is_not_a_search(client, platform, world, params) -> None:
    assert client.get("/v1/products", params=params).status_code == 200
    assert signals(platform) == []


def test_a_refused_search_logs_nothing(client, platform, world: World) -> None:
    control = client.get("/v1/products", params={"q": "garrafa\x00"})
    # Past 10,000 characters (a longer search than that is misuse; up to it, cut to 200).
    too_long = client.get("/v1/products", params={"q": "a" * (MAX_SEARCH_TEXT + 1)})
    unknown_key = client.get("/v1/products", params={"q": "garrafa"}, headers=bearer("bk_no"))
    operator = client.get("/v1/products", params={"q": "garrafa"}, headers=bearer(world.admin_key))

    assert_problem(control, 422, "invalid_request")
    assert_problem(too_long, 422, "invalid_request")
    assert_problem(unknown_key, 401, "not_authenticated")
    assert_problem(operator, 403, "customer_key_required")
    assert signals(platform) == []


def test_searches_are_held_and_written_together(client, platform, world: World) -> None:
    """A search is a read: its signal waits in the buffer and is written with the others
    held, in one transaction (the buffer's thread does it every second)."""
    for word in ("garrafa", "inox", "térmica"):
        client.get("/v1/products", params={"q": word})
    with platform.db.read() as session:
        assert read_log(session, event_types=["search.performed"]) == []

    assert platform.catalog.flush_signals() == 3
    assert [data["query"] for _, _, data in signals(platform)] == ["garrafa", "inox", "térmica"]


# Cart changes ------------------------------------------------------------------------------


def test_cart_changes_record_what_changed(client, platform, world: World) -> None:
    who = world.buyer
    path = f"/v1/cart/items/{world.product}"

    for quantity in (2, 5, 1, 1):  # the last changes nothing
        assert client.put(path, json={"quantity": quantity}, headers=bearer(who.api_key)).is_success
    assert client.delete(path, headers=bearer(who.api_key)).is_success
    assert client.delete(path, headers=bearer(who.api_key)).is_success  # nothing left

    def change(kind: str, quantity: int, left: int) -> tuple[str, str, dict]:
        data = {"customer_id": who.customer_id, "product_id": world.product}
        return (kind, who.customer_id, data | {"quantity": quantity, "cart_quantity": left})

    assert signals(platform) == [
        change("cart.item_added", 2, 2),
        change("cart.item_added", 3, 5),
        change("cart.item_removed", 4, 1),
        change("cart.item_removed", 1, 0),
    ]


def test_checkout_is_an_order_not_a_removal(client, platform, world: World) -> None:
    who = world.buyer
    client.put(f"/v1/cart/items/{world.product}", json={"quantity": 2}, headers=bearer(who.api_key))

    placed = client.post("/v1/cart/checkout", headers=bearer(who.api_key, "c1"))

    assert placed.status_code == 201, placed.text
    assert client.get("/v1/cart", headers=bearer(who.api_key)).json()["items"] == []
    assert [kind for kind, _, _ in signals(platform)] == ["cart.item_added"]


def test_a_refused_cart_change_records_nothing(client, platform, world: World) -> None:
    who = bearer(world.buyer.api_key)

    unknown = client.put("/v1/cart/items/prd_nope", json={"quantity": 1}, headers=who)
    zero = client.put(f"/v1/cart/items/{world.product}", json={"quantity": 0}, headers=who)
    too_many = client.put(f"/v1/cart/items/{world.product}", json={"quantity": 101}, headers=who)

    assert_problem(unknown, 404, "product_not_found")
    assert_problem(zero, 422, "invalid_request")
    assert_problem(too_many, 422, "invalid_quantity")
    assert signals(platform) == []
