"""The replenishment API: subscribe once per key, act only on your own subscriptions, and
answer bad input with problem+json, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import shopper
from tests.channels.support import World, assert_problem, bearer

BASE = "/v1/replenishment"


def subscribe(client, world: World, key: str = "k1", **body: object):
    return client.post(
        f"{BASE}/subscriptions",
        json={"product_id": world.product, "quantity": 1, "interval_days": 7, **body},
        headers=bearer(world.buyer.api_key, key),
    )


def test_subscribe_then_repeat_the_key_gets_the_same_subscription(client, world: World) -> None:
    first = subscribe(client, world)
    again = subscribe(client, world)

    assert first.status_code == 201, first.text
    assert first.headers["Location"] == f"{BASE}/subscriptions/{first.json()['id']}"
    assert first.json()["schedule"] == "interval" and first.json()["status"] == "active"
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = client.get(f"{BASE}/subscriptions", headers=bearer(world.buyer.api_key))
    assert [s["id"] for s in listed.json()] == [first.json()["id"]]


def test_another_customer_gets_404_for_every_route(
    client,
    world: World,
    platform: Platform,
) -> None:
    sub_id = subscribe(client, world).json()["id"]
    other = shopper(platform, "Bia")
    headers = bearer(other.api_key)

    assert_problem(
        client.get(f"{BASE}/subscriptions/{sub_id}", headers=headers),
        404,
        "subscription_not_found",
    )
    for action in ("pause", "resume", "cancel"):
        assert_problem(
            client.post(f"{BASE}/subscriptions/{sub_id}/{action}", headers=headers),
            404,
            "subscription_not_found",
        )
    assert client.get(f"{BASE}/subscriptions", headers=headers).json() == []
    owner = client.get(f"{BASE}/subscriptions/{sub_id}", headers=bearer(world.buyer.api_key))
    assert owner.json()["status"] == "active"


def test_pause_resume_cancel_and_a_cancelled_one_stays_cancelled(client, world: World) -> None:
    sub_id = subscribe(client, world).json()["id"]
    headers = bearer(world.buyer.api_key)
    path = f"{BASE}/subscriptions/{sub_id}"

    assert client.post(f"{path}/pause", headers=headers).json()["status"] == "paused"
    assert client.post(f"{path}/resume", headers=headers).json()["status"] == "active"
    assert client.post(f"{path}/cancel", headers=headers).json()["status"] == "cancelled"
    assert client.post(f"{path}/cancel", headers=headers).json()["status"] == "cancelled"
    assert_problem(client.post(f"{path}/resume", headers=headers), 409, "subscription_closed")


def test_a_second_subscription_to_the_product_is_a_conflict(client, world: World) -> None:
    subscribe(client, world, "k1")
    assert_problem(subscribe(client, world, "k2"), 409, "already_subscribed")


def test_from_my_cycle_without_a_history_is_a_conflict(client, world: World) -> None:
    assert_problem(subscribe(client, world, interval_days=None), 409, "no_purchase_cycle")


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 0},
        {"quantity": 100},
        {"quantity": "2"},
        {"interval_days": 0},
        {"interval_days": 367},
        {"interval_days": 7.5},
        {"product_id": ""},
        {"product_id": "a/b"},
        {"product_id": "x" * 41},
        {"product_id": "\u0000"},
        {"colour": "red"},
    ],
    ids=str,
)
def test_bad_input_is_422_problem_json(client, world: World, body: dict) -> None:
    assert_problem(subscribe(client, world, **body), 422, "invalid_request")


def test_without_an_idempotency_key_subscribing_is_refused(client, world: World) -> None:
    response = client.post(
        f"{BASE}/subscriptions",
        json={"product_id": world.product, "interval_days": 7},
        headers=bearer(world.buyer.api_key),
    )
    assert_problem(response, 422, "invalid_request")


def test_an_unknown_product_is_404(client, world: World) -> None:
    assert_problem(subscribe(client, world, product_id="prd_nothing"), 404, "product_not_found")


def test_a_bad_path_id_is_422_and_no_key_is_401(client, world: World) -> None:
    too_long = "s" * 41
    assert_problem(
        client.post(f"{BASE}/subscriptions/{too_long}/pause", headers=bearer(world.buyer.api_key)),
        422,
        "invalid_request",
    )
    assert client.get(f"{BASE}/subscriptions").status_code == 401


def test_the_orders_placed_for_you_are_listed(
    client,
    world: World,
    platform: Platform,
    clock: SimulatedClock,
) -> None:
    sub_id = subscribe(client, world).json()["id"]
    clock.advance(timedelta(days=7))
    platform.replenishment.run()

    placed = client.get(f"{BASE}/orders", headers=bearer(world.buyer.api_key)).json()

    assert [(p["subscription_id"], p["cycle"]) for p in placed] == [(sub_id, 1)]
    order = client.get(f"/v1/orders/{placed[0]['order_id']}", headers=bearer(world.buyer.api_key))
    assert order.status_code == 200


def test_suggestions_answer_an_empty_list_for_a_new_customer(client, world: World) -> None:
    response = client.get(f"{BASE}/suggestions", headers=bearer(world.buyer.api_key))
    assert response.status_code == 200 and response.json() == []
