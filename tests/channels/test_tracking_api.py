"""Tracking and report-lost on the API (SQLite): the owner reads the parcel's steps, others
get 404; a lost parcel is re-shipped at once and free, within the trust policy's limit."""

from __future__ import annotations

import pytest

from baro.core.config import Settings
from tests.channels.support import World, assert_problem, bearer, build_world


@pytest.fixture
def settings(any_database: str) -> Settings:
    return Settings(
        database_url=any_database, currency="BRL", argon2_memory_kib=32, argon2_time_cost=1
    )


def shipped(client, world: World, key: str) -> str:  # type: ignore[no-untyped-def]
    placed = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product, "quantity": 1},
        headers=bearer(world.buyer.api_key, key),
    )
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    for step in ("picking", "packed", "shipped"):
        moved = client.post(
            f"/v1/admin/orders/{order_id}/advance",
            json={"status": step},
            headers=bearer(world.admin_key),
        )
        assert moved.status_code == 200, moved.text
    return str(order_id)


def test_the_owner_reads_the_parcels_steps_others_get_404(  # type: ignore[no-untyped-def]
    client, platform, world: World
) -> None:
    from tests.builders import shopper

    order_id = shipped(client, world, "k1")
    answer = client.get(f"/v1/orders/{order_id}/tracking", headers=bearer(world.buyer.api_key))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "shipped" and body["reship_of"] is None
    assert [e["type"] for e in body["events"]] == [
        "order.placed",
        "order.paid",
        "order.allocated",
        "order.picking",
        "order.packed",
        "order.shipped",
    ]
    assert all("customer_id" not in e["details"] for e in body["events"])
    stranger = shopper(platform, "Eve")
    for path in (f"/v1/orders/{order_id}/tracking", "/v1/orders/ord_nope/tracking"):
        assert_problem(client.get(path, headers=bearer(stranger.api_key)), 404, "order_not_found")
    assert_problem(
        client.post(f"/v1/orders/{order_id}/report-lost", headers=bearer(stranger.api_key)),
        404,
        "order_not_found",
    )


def test_report_lost_reships_free_at_once_and_is_repeat_safe(client, world: World) -> None:  # type: ignore[no-untyped-def]
    me = bearer(world.buyer.api_key)
    lost_id = shipped(client, world, "k1")
    reship = client.post(f"/v1/orders/{lost_id}/report-lost", headers=me)
    assert reship.status_code == 201, reship.text
    new = reship.json()
    assert new["total"]["minor"] == 0 and new["status"] == "allocated"
    assert reship.headers["Location"] == f"/v1/orders/{new['id']}"
    again = client.post(f"/v1/orders/{lost_id}/report-lost", headers=me)
    assert again.json()["id"] == new["id"] and again.headers["Idempotent-Replayed"] == "true"

    lost = client.get(f"/v1/orders/{lost_id}/tracking", headers=me).json()
    assert lost["status"] == "lost"
    assert lost["events"][-1] == {
        "at": lost["events"][-1]["at"],
        "type": "order.lost",
        "details": {"reshipped_as": new["id"]},
    }
    linked = client.get(f"/v1/orders/{new['id']}/tracking", headers=me).json()
    assert linked["reship_of"] == lost_id


def test_refusals_are_problems_that_say_why(client, platform) -> None:  # type: ignore[no-untyped-def]
    world = build_world(platform, units=20)
    me = bearer(world.buyer.api_key)
    placed = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product, "quantity": 1},
        headers=bearer(world.buyer.api_key, "k0"),
    ).json()
    body = assert_problem(
        client.post(f"/v1/orders/{placed['id']}/report-lost", headers=me), 409, "order_not_losable"
    )
    assert body["order_status"] == "allocated" and body["losable"] == ["delivered", "shipped"]
    first, second = shipped(client, world, "k1"), shipped(client, world, "k2")
    assert client.post(f"/v1/orders/{first}/report-lost", headers=me).status_code == 201
    third = shipped(client, world, "k3")
    assert client.post(f"/v1/orders/{second}/report-lost", headers=me).status_code == 201
    body = assert_problem(
        client.post(f"/v1/orders/{third}/report-lost", headers=me), 409, "reship_limit_reached"
    )
    assert (body["limit"], body["used"], body["period_days"]) == (2, 2, 90)
    assert "next_allowed_at" in body
    assert client.get(f"/v1/orders/{third}", headers=me).json()["status"] == "shipped"
