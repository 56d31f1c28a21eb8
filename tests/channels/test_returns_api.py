"""POST /v1/orders/{order_id}/return: a delivered order goes back inside the return window
and is refunded in full; a repeat with its key is a replay; everything else is refused with
a stable code and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.orders import OrderStatus
from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.platform import Platform
from tests.builders import shopper
from tests.channels.support import World, assert_problem, bearer


def delivered(platform: Platform, world: World, key: str = "buy") -> str:
    placed = platform.orders.place_one_click(
        world.buyer.principal, world.product, 1, idempotency_key=key
    )
    platform.orders.advance(
        placed.order.id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    return placed.order.id


def returned_events(platform: Platform) -> list[tuple[str, dict]]:
    with platform.db.read() as session:
        return [
            (e.aggregate_id, dict(e.data))
            for e in read_log(session, event_types=["order.returned"])
        ]


def test_a_delivered_order_is_returned_and_refunded(client, platform, world, clock) -> None:
    order_id = delivered(platform, world)
    shown = client.get(f"/v1/orders/{order_id}", headers=bearer(world.buyer.api_key)).json()
    assert shown["can_return"] is True
    assert shown["delivered_at"] == "2026-11-25T09:00:00Z"
    assert shown["returnable_until"] == "2026-12-25T09:00:00Z"
    clock.advance(timedelta(days=2))

    response = client.post(
        f"/v1/orders/{order_id}/return", headers=bearer(world.buyer.api_key, "r1")
    )

    assert response.status_code == 200, response.text
    assert "Idempotent-Replayed" not in response.headers
    body = response.json()
    assert body["status"] == "refunded" and body["can_return"] is False
    assert body["refund"]["amount"]["minor"] == body["total"]["minor"] == 1990
    assert returned_events(platform) == [
        (
            order_id,
            {
                "customer_id": world.buyer.customer_id,
                "reason": "customer_return",
                "lines": [{"product_id": world.product, "quantity": 1}],
            },
        )
    ]


def test_a_repeat_with_the_key_is_a_replay(client, platform, world) -> None:
    order_id = delivered(platform, world)
    headers = bearer(world.buyer.api_key, "r1")
    first = client.post(f"/v1/orders/{order_id}/return", headers=headers)

    again = client.post(f"/v1/orders/{order_id}/return", headers=headers)

    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["refund"] == first.json()["refund"]
    assert len(returned_events(platform)) == 1


def test_after_the_window_409_return_window_closed(
    client, platform, world, clock: SimulatedClock
) -> None:
    order_id = delivered(platform, world)
    clock.advance(timedelta(days=30, seconds=1))

    response = client.post(
        f"/v1/orders/{order_id}/return", headers=bearer(world.buyer.api_key, "r1")
    )

    body = assert_problem(response, 409, "return_window_closed")
    assert body["returnable_until"] == "2026-12-25T09:00:00+00:00"
    assert returned_events(platform) == []


def test_an_order_on_its_way_409_order_not_returnable(client, platform, world) -> None:
    placed = platform.orders.place_one_click(
        world.buyer.principal, world.product, 1, idempotency_key="buy"
    )

    response = client.post(
        f"/v1/orders/{placed.order.id}/return", headers=bearer(world.buyer.api_key, "r1")
    )

    body = assert_problem(response, 409, "order_not_returnable")
    assert body["current"] == "allocated"
    assert returned_events(platform) == []


def test_another_customers_order_is_404(client, platform, world) -> None:
    order_id = delivered(platform, world)
    stranger = shopper(platform, "Bia")

    response = client.post(f"/v1/orders/{order_id}/return", headers=bearer(stranger.api_key, "r1"))

    assert_problem(response, 404, "order_not_found")
    assert returned_events(platform) == []


def test_without_a_key_or_with_an_operators_key_nothing_is_returned(
    client, platform, world
) -> None:
    order_id = delivered(platform, world)

    no_key = client.post(f"/v1/orders/{order_id}/return", headers=bearer(world.buyer.api_key))
    blank_key = client.post(
        f"/v1/orders/{order_id}/return", headers=bearer(world.buyer.api_key, "  ")
    )
    operator = client.post(f"/v1/orders/{order_id}/return", headers=bearer(world.admin_key, "r1"))

    assert_problem(no_key, 422, "invalid_request")
    assert_problem(blank_key, 400, "invalid_idempotency_key")
    assert_problem(operator, 403, "customer_key_required")
    assert returned_events(platform) == []


def delivered_two(platform: Platform, world: World) -> str:
    """A delivered order of two units of the world's product."""
    placed = platform.orders.place_one_click(
        world.buyer.principal, world.product, 2, idempotency_key="buy2"
    )
    platform.orders.advance(
        placed.order.id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    return placed.order.id


def test_a_body_of_lines_returns_part_then_the_rest(client, platform, world) -> None:
    order_id = delivered_two(platform, world)
    url, one = f"/v1/orders/{order_id}/return", [{"product_id": world.product, "quantity": 1}]

    part = client.post(url, headers=bearer(world.buyer.api_key, "r1"), json={"lines": one})
    rest = client.post(url, headers=bearer(world.buyer.api_key, "r2"))

    assert part.status_code == 200, part.text
    body = part.json()
    assert body["status"] == "delivered" and body["can_return"] is True
    assert body["lines"][0]["returned"] == 1
    (partial,) = body["returns"]
    assert partial["number"] == 1 and partial["amount"]["minor"] == 1990
    assert partial["refund"]["amount"]["minor"] == 1990
    assert rest.status_code == 200, rest.text
    assert rest.json()["status"] == "refunded"
    assert rest.json()["refund"]["amount"]["minor"] == 1990
    assert [data["lines"] for _, data in returned_events(platform)] == [one, one]


def test_more_than_is_left_409_return_exceeds_order(client, platform, world) -> None:
    order_id = delivered_two(platform, world)
    lines = [{"product_id": world.product, "quantity": 3}]

    response = client.post(
        f"/v1/orders/{order_id}/return",
        headers=bearer(world.buyer.api_key, "r1"),
        json={"lines": lines},
    )

    body = assert_problem(response, 409, "return_exceeds_order")
    assert body["returnable"] == 2 and body["product_id"] == world.product
    assert returned_events(platform) == []


@pytest.mark.parametrize(
    ("lines", "status", "code"),
    [
        ([{"product_id": "prd_other", "quantity": 1}], 409, "product_not_in_order"),
        ("twice", 409, "duplicate_return_line"),
        ("two_lines", 409, "product_not_in_order"),
        ("quantity_0", 422, "invalid_request"),
        ("past_the_limit", 409, "return_exceeds_order"),
        ([{"product_id": "prd_\x00", "quantity": 1}], 422, "invalid_request"),
        ([{"product_id": "prd_1", "quantity": "1"}], 422, "invalid_request"),
        ([], 422, "invalid_request"),
        ([{"product_id": "x", "quantity": 1}] * 501, 422, "invalid_request"),
    ],
    ids=[
        "unknown",
        "twice",
        "more_lines_than_the_order",
        "quantity_0",
        "past_the_limit",
        "nul",
        "string_quantity",
        "empty",
        "over_the_bound",
    ],
)
def test_a_body_the_order_cannot_take_is_refused_and_writes_nothing(
    client, platform, world, lines, status: int, code: str
) -> None:
    order_id = delivered_two(platform, world)
    mine = {"product_id": world.product, "quantity": 1}
    named = {
        "twice": [mine, mine],
        "two_lines": [mine, {"product_id": "prd_other", "quantity": 1}],
        "quantity_0": [{**mine, "quantity": 0}],
        "past_the_limit": [{**mine, "quantity": platform.settings.max_order_quantity + 1}],
    }

    response = client.post(
        f"/v1/orders/{order_id}/return",
        headers=bearer(world.buyer.api_key, "r1"),
        json={"lines": named.get(lines, lines) if isinstance(lines, str) else lines},
    )

    assert_problem(response, status, code)
    assert returned_events(platform) == []


def test_a_body_that_is_not_an_object_of_lines_is_422(client, platform, world) -> None:
    order_id = delivered_two(platform, world)
    url, headers = f"/v1/orders/{order_id}/return", bearer(world.buyer.api_key, "r1")

    extra = client.post(url, headers=headers, json={"lines": [], "everything": True})
    listed = client.post(url, headers=headers, json=[{"product_id": world.product}])

    assert_problem(extra, 422, "invalid_request")
    assert_problem(listed, 422, "invalid_request")
    assert returned_events(platform) == []
