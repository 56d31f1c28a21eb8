"""Locker pickup through the API, the same on SQLite and PostgreSQL: find lockers near the
order's address, reserve a compartment (once per order), a full locker names the ones that
hold, the pickup code opens its compartment once, expires, and what is not collected goes
back with a ``locker.uncollected`` event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_product, shopper, stock
from tests.channels.support import World, assert_problem, bearer

NEAR = (SAO_PAULO[0] + 0.005, SAO_PAULO[1])  # ~0.6 km from the shoppers
FARTHER = (SAO_PAULO[0] + 0.02, SAO_PAULO[1])  # ~2.2 km


@pytest.fixture
def settings(any_database: str) -> Settings:
    return Settings(
        database_url=any_database, currency="BRL", argon2_memory_kib=32, argon2_time_cost=1
    )


def open_locker(client, world: World, at: tuple[float, float], **sizes: int) -> str:
    response = client.post(
        "/v1/admin/lockers",
        json={
            "name": f"Locker {new_id('x')[-6:]}",
            "lat": at[0],
            "lng": at[1],
            "compartments": sizes,
        },
        headers=bearer(world.admin_key, new_id("k")),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def place(client, api_key: str, product_id: str) -> str:
    response = client.post(
        "/v1/orders/one-click",
        json={"product_id": product_id, "quantity": 1},
        headers=bearer(api_key, new_id("k")),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def reserve(client, api_key: str, order_id: str, locker_id: str):
    return client.post(
        f"/v1/orders/{order_id}/locker", json={"locker_id": locker_id}, headers=bearer(api_key)
    )


def test_a_customer_reserves_once_and_picks_up_once_with_the_code(
    client, platform: Platform, world: World
) -> None:
    locker = open_locker(client, world, NEAR, S=1, M=1)
    order = place(client, world.buyer.api_key, world.product)

    listed = client.get(f"/v1/lockers?order_id={order}", headers=bearer(world.buyer.api_key))
    assert listed.status_code == 200, listed.text
    mine = next(option for option in listed.json() if option["id"] == locker)
    assert mine["free"] == {"S": 1, "M": 1, "L": 0} and mine["fits"] is True
    assert 0.4 < mine["distance_km"] < 0.8

    first = reserve(client, world.buyer.api_key, order, locker)
    again = reserve(client, world.buyer.api_key, order, locker)
    assert first.status_code == 201, first.text
    assert first.json()["compartment"] == "S01"  # the smallest that fits
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]

    # Before arrival there is no code to give.
    early = client.post(
        f"/v1/orders/{order}/locker/pickup-code", headers=bearer(world.buyer.api_key)
    )
    assert_problem(early, 409, "locker_reservation_state")

    arrived = client.post(
        f"/v1/admin/orders/{order}/locker/arrived", headers=bearer(world.admin_key)
    )
    assert arrived.status_code == 200 and arrived.json()["state"] == "arrived"
    issued = client.post(
        f"/v1/orders/{order}/locker/pickup-code", headers=bearer(world.buyer.api_key)
    )
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    code = issued.json()["code"]

    wrong = client.post(f"/v1/lockers/{locker}/pickup", json={"code": "2345-6789"})
    assert_problem(wrong, 404, "pickup_code_not_found")
    opened = client.post(f"/v1/lockers/{locker}/pickup", json={"code": code.lower()})
    assert opened.status_code == 200, opened.text
    assert opened.json() == {"compartment": "S01", "order_id": order}
    twice = client.post(f"/v1/lockers/{locker}/pickup", json={"code": code})
    assert_problem(twice, 404, "pickup_code_not_found")

    state = client.get(f"/v1/orders/{order}/locker", headers=bearer(world.buyer.api_key))
    assert state.json()["state"] == "collected"
    with platform.db.read() as session:
        types = [e.event_type for e in read_log(session) if e.aggregate_id == first.json()["id"]]
    assert types == [
        "locker.reserved",
        "locker.arrived",
        "locker.pickup_code_issued",
        "locker.collected",
    ]


def test_a_full_locker_is_409_naming_the_lockers_that_hold(
    client, platform: Platform, world: World
) -> None:
    full = open_locker(client, world, NEAR, S=1)
    other = open_locker(client, world, FARTHER, M=2)
    other_buyer = shopper(platform, "Bia")
    assert (
        reserve(
            client, world.buyer.api_key, place(client, world.buyer.api_key, world.product), full
        ).status_code
        == 201
    )

    order = place(client, other_buyer.api_key, world.product)
    refused = reserve(client, other_buyer.api_key, order, full)

    body = assert_problem(refused, 409, "locker_full")
    assert other in [alternative["id"] for alternative in body["alternatives"]]
    assert full not in [alternative["id"] for alternative in body["alternatives"]]
    # Nothing was half-written: the order holds no compartment and can take the other locker.
    assert_problem(
        client.get(f"/v1/orders/{order}/locker", headers=bearer(other_buyer.api_key)),
        404,
        "locker_reservation_not_found",
    )
    assert reserve(client, other_buyer.api_key, order, other).json()["compartment"] == "M01"


def test_a_parcel_too_large_for_any_compartment_is_409(
    client, platform: Platform, world: World
) -> None:
    locker = open_locker(client, world, NEAR, L=1)
    bulky = add_product(platform, sku=new_id("SKU"), title="Geladeira")
    with platform.db.transaction() as session:
        from baro.commerce.catalog.repository import ProductRow

        row = session.get_one(ProductRow, bulky.id)
        row.length_cm, row.width_cm, row.height_cm = 180, 70, 70
    stock(platform, world.facility, bulky.id, 1)
    order = place(client, world.buyer.api_key, bulky.id)

    body = assert_problem(
        reserve(client, world.buyer.api_key, order, locker), 409, "parcel_too_large"
    )
    assert body["largest_cm"] == [60, 45, 40]


def test_another_customers_order_and_unknown_lockers_are_404(
    client, platform: Platform, world: World
) -> None:
    locker = open_locker(client, world, NEAR, S=1)
    order = place(client, world.buyer.api_key, world.product)
    stranger = shopper(platform, "Caio")

    assert_problem(reserve(client, stranger.api_key, order, locker), 404, "order_not_found")
    assert_problem(reserve(client, world.buyer.api_key, order, "fac_nope"), 404, "locker_not_found")
    assert_problem(reserve(client, world.admin_key, order, locker), 403, "customer_key_required")


def test_uncollected_parcels_go_back_and_their_codes_expire(
    client, platform: Platform, world: World, clock: SimulatedClock
) -> None:
    locker = open_locker(client, world, NEAR, S=1)
    order = place(client, world.buyer.api_key, world.product)
    reservation = reserve(client, world.buyer.api_key, order, locker).json()
    client.post(f"/v1/admin/orders/{order}/locker/arrived", headers=bearer(world.admin_key))
    first = client.post(
        f"/v1/orders/{order}/locker/pickup-code", headers=bearer(world.buyer.api_key)
    ).json()["code"]
    second = client.post(
        f"/v1/orders/{order}/locker/pickup-code", headers=bearer(world.buyer.api_key)
    ).json()["code"]
    # Asking again replaced the code: the first no longer opens anything.
    assert_problem(
        client.post(f"/v1/lockers/{locker}/pickup", json={"code": first}),
        404,
        "pickup_code_not_found",
    )

    clock.advance(platform.lockers.pickup_window + timedelta(seconds=1))
    expired = client.post(f"/v1/lockers/{locker}/pickup", json={"code": second})
    assert_problem(expired, 409, "pickup_code_expired")
    returned = client.post("/v1/admin/lockers/returns", headers=bearer(world.admin_key))

    assert [r["id"] for r in returned.json()] == [reservation["id"]]
    assert returned.json()[0]["state"] == "returned"
    assert_problem(
        client.post(f"/v1/lockers/{locker}/pickup", json={"code": second}),
        404,
        "pickup_code_not_found",
    )
    with platform.db.read() as session:
        uncollected = [
            e
            for e in read_log(session, event_types=["locker.uncollected"])
            if e.aggregate_id == reservation["id"]
        ]
    assert [e.data["order_id"] for e in uncollected] == [order]
    # The compartment is free again.
    listed = client.get("/v1/lockers", headers=bearer(world.buyer.api_key)).json()
    assert next(o for o in listed if o["id"] == locker)["free"]["S"] == 1


def test_guessing_pickup_codes_is_rate_limited(client, world: World) -> None:
    locker = open_locker(client, world, NEAR, S=1)
    answers = [
        client.post(
            f"/v1/lockers/{locker}/pickup",
            json={"code": f"2222-{n:04d}".replace("0", "3").replace("1", "4")},
        ).status_code
        for n in range(25)
    ]
    assert answers[:20] == [404] * 20 and set(answers[20:]) == {429}


def test_a_locker_out_of_range_is_409_naming_the_lockers_in_range(client, world: World) -> None:
    in_range = open_locker(client, world, NEAR, S=1)
    in_rio = open_locker(client, world, (-22.9068, -43.1729), S=1)
    order = place(client, world.buyer.api_key, world.product)

    refused = reserve(client, world.buyer.api_key, order, in_rio)

    body = assert_problem(refused, 409, "locker_out_of_range")
    assert in_range in [alternative["id"] for alternative in body["alternatives"]]
    assert in_rio not in [alternative["id"] for alternative in body["alternatives"]]


def test_lockers_for_a_product_and_quantity_say_which_fit(client, world: World) -> None:
    small = open_locker(client, world, NEAR, S=3)
    large = open_locker(client, world, FARTHER, L=1)
    url = f"/v1/lockers?product_id={world.product}&quantity="

    one = client.get(url + "1", headers=bearer(world.buyer.api_key)).json()
    five = client.get(url + "5", headers=bearer(world.buyer.api_key)).json()  # 50 cm high

    fits = {o["id"]: o["fits"] for o in one}
    assert fits[small] is True and fits[large] is True
    fits = {o["id"]: o["fits"] for o in five}
    assert fits[small] is False and fits[large] is True
    assert [o["id"] for o in five].index(small) < [o["id"] for o in five].index(large)


def test_a_repeated_request_opens_one_locker(client, world: World) -> None:
    body = {"name": "Paulista", "lat": NEAR[0], "lng": NEAR[1], "compartments": {"M": 2}}
    key = new_id("k")
    first = client.post("/v1/admin/lockers", json=body, headers=bearer(world.admin_key, key))
    again = client.post("/v1/admin/lockers", json=body, headers=bearer(world.admin_key, key))
    other = client.post(
        "/v1/admin/lockers", json=body | {"name": "Sé"}, headers=bearer(world.admin_key, key)
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() == {
        "id": first.json()["id"], "name": "Paulista", "lat": NEAR[0], "lng": NEAR[1],
        "compartments": {"M": 2},
    }  # fmt: skip
    assert_problem(other, 422, "idempotency_key_reused")
    assert_problem(
        client.post("/v1/admin/lockers", json=body, headers=bearer(world.buyer.api_key, "k")),
        403,
        "forbidden",
    )


@pytest.mark.parametrize(
    "bad", ["2345\x00678", "\x1b[31m", "0", "2345-678", "2345-67890", "2345-678O", "2345_6789"]
)
def test_what_is_not_shaped_like_a_pickup_code_is_422(client, world: World, bad: str) -> None:
    """Control characters, a wrong length, a letter the alphabet leaves out (O), another
    separator: the document's pattern refuses them, before any code is looked up."""
    locker = open_locker(client, world, NEAR, S=1)

    response = client.post(f"/v1/lockers/{locker}/pickup", json={"code": bad})

    assert_problem(response, 422, "invalid_request")


def test_a_cancelled_order_gets_no_locker(client, world: World) -> None:
    locker = open_locker(client, world, NEAR, S=1)
    order = place(client, world.buyer.api_key, world.product)
    client.post(f"/v1/orders/{order}/cancel", headers=bearer(world.buyer.api_key))

    refused = reserve(client, world.buyer.api_key, order, locker)

    assert_problem(refused, 409, "order_not_open_for_locker")
