"""The drone API on SQLite: operators open and see bases and fleets; a customer sets a drop
zone and asks whether an item flies; refusals are problem+json naming what held."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, product, shopper
from tests.channels.support import World, assert_problem, bearer

NEAR_HOME = {"lat": SAO_PAULO[0] + 0.001, "lng": SAO_PAULO[1] + 0.001}
EAST = (SAO_PAULO[0], SAO_PAULO[1] + 0.05)  # ~5 km east of the base


@pytest.fixture
def settings(any_database: str) -> Settings:
    """SQLite, and PostgreSQL under ``-m postgres`` (its tests share one database: each
    asserts on its own base, customers and orders only)."""
    return Settings(
        database_url=any_database, currency="BRL", argon2_memory_kib=32, argon2_time_cost=1
    )


def open_base(client, world: World, drones: int = 2) -> dict:  # type: ignore[no-untyped-def]
    body = {"facility_id": world.facility, "drones": drones}
    created = client.post("/v1/admin/drones/bases", json=body, headers=bearer(world.admin_key))
    assert created.status_code == 201, created.text
    return created.json()


def test_operators_open_and_see_bases_with_their_fleets(client, world: World) -> None:  # type: ignore[no-untyped-def]
    base = open_base(client, world, drones=3)
    assert [d["battery"] for d in base["drones"]] == [1.0, 1.0, 1.0]
    listed = client.get("/v1/admin/drones/bases", headers=bearer(world.admin_key)).json()
    assert base["id"] in [b["id"] for b in listed]
    assert_problem(
        client.get("/v1/admin/drones/bases", headers=bearer(world.buyer.api_key)), 403, "forbidden"
    )
    again = {"facility_id": world.facility, "drones": 1}
    assert_problem(
        client.post("/v1/admin/drones/bases", json=again, headers=bearer(world.admin_key)),
        409,
        "drone_base_exists",
    )
    windy = {"wind_ms": 20, "rain_mm_h": 0, "visibility_km": 10}
    grounded = client.put(
        f"/v1/admin/drones/bases/{base['id']}/weather", json=windy, headers=bearer(world.admin_key)
    ).json()
    assert grounded["grounded_because"] == ["wind 20 m/s over 12"]


def test_a_light_item_flies_to_a_drop_zone_near_the_base(client, world: World) -> None:  # type: ignore[no-untyped-def]
    open_base(client, world)
    me = bearer(world.buyer.api_key)
    url = f"/v1/drones/eligibility?product_id={world.product}&quantity=1"
    body = assert_problem(client.get(url, headers=me), 409, "drone_no_drop_zone")
    assert body["holds"] == ["payload", "size"]
    far = {"lat": SAO_PAULO[0] + 0.05, "lng": SAO_PAULO[1]}
    refused = assert_problem(
        client.put("/v1/drones/drop-zone", json=far, headers=me), 409, "drop_zone_too_far"
    )
    assert refused["max_km"] == 0.5 and refused["address"] == list(SAO_PAULO)
    assert client.put("/v1/drones/drop-zone", json=NEAR_HOME, headers=me).status_code == 200

    answer = client.get(url, headers=me)
    assert answer.status_code == 200, answer.text
    assert answer.json()["eligible"] and answer.json()["distance_km"] < 1
    assert answer.json()["payload_g"] > 500  # packaging counts


def test_too_heavy_says_how_many_would_fly(client, platform: Platform, world: World) -> None:  # type: ignore[no-untyped-def]
    open_base(client, world)
    heavy = replace(product(sku=new_id("SKU")), weight_g=900)
    platform.catalog.add([heavy])
    me = bearer(world.buyer.api_key)
    client.put("/v1/drones/drop-zone", json=NEAR_HOME, headers=me)
    url = f"/v1/drones/eligibility?product_id={heavy.id}&quantity=3"
    body = assert_problem(client.get(url, headers=me), 409, "drone_payload_too_heavy")
    assert body["max_payload_g"] == 2300 and body["payload_g"] > 2300
    fits = body["max_quantity_that_flies"][heavy.id]
    assert fits == 2
    ok = client.get(f"/v1/drones/eligibility?product_id={heavy.id}&quantity={fits}", headers=me)
    assert ok.status_code == 200


def test_an_address_out_of_range_names_the_nearest_base(  # type: ignore[no-untyped-def]
    client, platform: Platform, world: World
) -> None:
    open_base(client, world)
    carioca = shopper(platform, "Rio", at=RIO)
    me = bearer(carioca.api_key)
    client.put("/v1/drones/drop-zone", json={"lat": RIO[0], "lng": RIO[1]}, headers=me)
    url = f"/v1/drones/eligibility?product_id={world.product}"
    body = assert_problem(client.get(url, headers=me), 409, "drone_out_of_range")
    assert body["max_distance_km"] == 16 and body["nearest_base_km"] > 300
    assert body["holds"] == ["payload", "size", "drop_zone"]


def test_a_dispatched_order_is_tracked_launch_to_drop(  # type: ignore[no-untyped-def]
    client, clock: SimulatedClock, world: World
) -> None:
    open_base(client, world, drones=1)
    me = bearer(world.buyer.api_key)
    client.put("/v1/drones/drop-zone", json=NEAR_HOME, headers=me)
    order = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product, "quantity": 1},
        headers=bearer(world.buyer.api_key, "k1"),
    ).json()
    admin = bearer(world.admin_key)
    sortie = client.post(f"/v1/admin/orders/{order['id']}/drone", headers=admin)
    assert sortie.status_code == 201, sortie.text
    again = client.post(f"/v1/admin/orders/{order['id']}/drone", headers=admin).json()
    assert again["drone_id"] == sortie.json()["drone_id"]  # one sortie per order
    clock.advance(timedelta(minutes=10))
    assert client.post("/v1/admin/drones/advance", headers=admin).json() == [
        "drone.launched",
        "drone.dropped",
        "drone.returned",
    ]
    events = client.get(f"/v1/orders/{order['id']}/tracking", headers=me).json()["events"]
    types = [e["type"] for e in events]
    assert types[-3:] == ["drone.assigned", "drone.launched", "drone.dropped"]  # not returned
    assert "drone_id" not in events[-1]["details"] and "eta" in events[-1]["details"]


def test_a_no_fly_zone_over_the_drop_zone_refuses(  # type: ignore[no-untyped-def]
    client, platform: Platform, world: World
) -> None:
    open_base(client, world)
    lat, lng = EAST
    square = [[lat - 0.01, lng - 0.01], [lat - 0.01, lng + 0.01], [lat + 0.01, lng + 0.01],
              [lat + 0.01, lng - 0.01]]  # fmt: skip
    zone = {"name": "Hospital helipad", "vertices": square}
    made = client.post("/v1/admin/drones/no-fly-zones", json=zone, headers=bearer(world.admin_key))
    assert made.status_code == 201, made.text
    me = bearer(shopper(platform, "Leste", at=EAST).api_key)
    client.put("/v1/drones/drop-zone", json={"lat": lat, "lng": lng}, headers=me)
    url = f"/v1/drones/eligibility?product_id={world.product}"
    assert_problem(client.get(url, headers=me), 409, "drone_no_fly_zone")
    line = {"name": "Line", "vertices": [[0, 0], [1, 1], [2, 2]]}
    assert_problem(
        client.post("/v1/admin/drones/no-fly-zones", json=line, headers=bearer(world.admin_key)),
        422,
        "invalid_drone_zone",
    )


@pytest.mark.parametrize(
    "vertices",
    [
        [[0, 0], [0, 1], [91, 0]],  # off the globe
        [[0, 0], [0, 1], [1, 181]],
        [[0, 0], [0, 1], ["1", 0]],  # a number as text: strict, like every number sent
        [[0, 0], [0, 1], [1, 0, 0]],  # not a pair
    ],
)
def test_a_vertex_the_document_refuses_is_422_before_the_service(  # type: ignore[no-untyped-def]
    client, world: World, vertices: list
) -> None:
    """The document bounds each [lat, lng] pair, so a schema-valid zone is on the globe:
    only the polygon's shape is left to the service."""
    zone = {"name": "Off", "vertices": vertices}
    refused = client.post(
        "/v1/admin/drones/no-fly-zones", json=zone, headers=bearer(world.admin_key)
    )
    body = assert_problem(refused, 422, "invalid_request")
    assert body["errors"][0]["loc"][:3] == ["body", "vertices", 2]
