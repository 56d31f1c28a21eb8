"""POST /v1/orders/{order_id}/return: a delivered order goes back inside the return window
and is refunded in full; a repeat with its key is a replay; everything else is refused with
a stable code and writes nothing."""

from __future__ import annotations

from datetime import timedelta

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
        (order_id, {"customer_id": world.buyer.customer_id, "reason": "customer_return"})
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
