"""In-car delivery through the API, and the attacks on its one-time trunk code, the same on
SQLite and PostgreSQL: reuse after the trunk locked, use outside the window, another
courier, brute force, replay of an old code, a code for another car."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.ids import new_id
from baro.delivery.access.repository import TrunkDeliveryRow
from baro.platform import Platform
from tests.builders import shopper
from tests.channels.support import World, assert_problem, bearer
from tests.conftest import START

WINDOW_START = START + timedelta(hours=1)
WINDOW_END = START + timedelta(hours=3)
IN_WINDOW = timedelta(hours=1, minutes=30)


@pytest.fixture
def settings(any_database: str) -> Settings:
    return Settings(
        database_url=any_database, currency="BRL", argon2_memory_kib=32, argon2_time_cost=1
    )


@dataclass
class Car:
    id: str
    key: str


@dataclass
class Job:
    order: str
    delivery: str
    car: Car


def register_car(client, api_key: str, plate: str | None = None) -> Car:
    response = client.post(
        "/v1/vehicles",
        json={
            "plate": plate or new_id("P")[-7:],
            "make": "Hyundai",
            "model": "Ioniq 5",
            "lat": -23.55,
            "lng": -46.63,
        },
        headers=bearer(api_key),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Car(body["id"], body["telematics_key"])


def add_courier(client, world: World, name: str) -> tuple[str, str]:
    response = client.post(
        "/v1/admin/couriers", json={"name": name}, headers=bearer(world.admin_key)
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["key"]


def consent(client, api_key: str, order: str, car: Car, start=WINDOW_START, end=WINDOW_END):
    return client.post(
        f"/v1/orders/{order}/trunk",
        json={
            "vehicle_id": car.id,
            "window_start": start.isoformat(),
            "window_end": end.isoformat(),
        },
        headers=bearer(api_key),
    )


def new_job(client, world: World, courier_id: str, car: Car | None = None) -> Job:
    placed = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product, "quantity": 1},
        headers=bearer(world.buyer.api_key, new_id("k")),
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()["id"]
    car = car or register_car(client, world.buyer.api_key)
    given = consent(client, world.buyer.api_key, order, car)
    assert given.status_code == 201, given.text
    delivery = given.json()["id"]
    assigned = client.post(
        f"/v1/admin/trunk-deliveries/{delivery}/courier",
        json={"courier_id": courier_id},
        headers=bearer(world.admin_key),
    )
    assert assigned.status_code == 200, assigned.text
    return Job(order, delivery, car)


def code_for(client, courier_key: str, delivery: str) -> str:
    response = client.post(
        f"/v1/courier/trunk-deliveries/{delivery}/code", headers=bearer(courier_key)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


def open_trunk(client, courier_key: str, delivery: str, vehicle: str, code: str):
    return client.post(
        f"/v1/courier/trunk-deliveries/{delivery}/open",
        json={"vehicle_id": vehicle, "code": code},
        headers=bearer(courier_key),
    )


def denied(response, reason: str) -> dict:
    body = assert_problem(response, 403, "trunk_access_denied")
    assert body["reason"] == reason, body
    return body


def lock(client, car: Car):
    return client.post(f"/v1/vehicles/{car.id}/trunk-locked", headers=bearer(car.key))


def outcomes(client, world: World, delivery: str) -> list[str]:
    response = client.get(
        f"/v1/admin/trunk-deliveries/{delivery}/attempts", headers=bearer(world.admin_key)
    )
    return [a["outcome"] for a in response.json()]


@pytest.fixture
def courier(client, world: World) -> tuple[str, str]:
    return add_courier(client, world, "Davi")


def test_the_assigned_courier_opens_once_and_the_lock_destroys_the_code(
    client, platform: Platform, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    job = new_job(client, world, courier_id)
    code = code_for(client, courier_key, job.delivery)
    assert_problem(
        client.post(
            f"/v1/courier/trunk-deliveries/{job.delivery}/code", headers=bearer(courier_key)
        ),
        409,
        "access_code_already_issued",
    )
    jobs = client.get("/v1/courier/trunk-deliveries", headers=bearer(courier_key)).json()
    assert [(j["id"], j["vehicle"]["id"]) for j in jobs] == [(job.delivery, job.car.id)]

    clock.advance(IN_WINDOW)
    opened = open_trunk(client, courier_key, job.delivery, job.car.id, code)
    assert opened.status_code == 200 and opened.json()["state"] == "opened"
    # Single use: the same code again, before the trunk is even locked.
    denied(open_trunk(client, courier_key, job.delivery, job.car.id, code), "already_used")

    locked = lock(client, job.car)
    assert [d["state"] for d in locked.json()["delivered"]] == ["delivered"]
    assert lock(client, job.car).json() == {"delivered": []}  # a repeated report: nothing left

    # Reuse after lock.
    denied(open_trunk(client, courier_key, job.delivery, job.car.id, code), "already_used")
    with platform.db.read() as session:
        row = session.get_one(TrunkDeliveryRow, job.delivery)
        assert row.code_hash is None and row.state == "delivered"
        events = [e for e in read_log(session) if e.aggregate_id == job.delivery]
    assert [e.event_type.removeprefix("trunk.") for e in events] == [
        "consented", "courier_assigned", "code_issued", "opened", "locked",
    ]  # fmt: skip
    assert all(code.replace("-", "") not in str(e.data) for e in events)
    assert outcomes(client, world, job.delivery) == ["opened", "already_used", "already_used"]


def test_the_code_is_stored_only_as_a_hash(
    client, platform: Platform, world: World, courier
) -> None:
    courier_id, courier_key = courier
    job = new_job(client, world, courier_id)
    code = code_for(client, courier_key, job.delivery)

    with platform.db.read() as session:
        row = session.get_one(TrunkDeliveryRow, job.delivery)
    assert row.code_hash is not None and len(row.code_hash) == 64
    assert code.replace("-", "") not in row.code_hash


def test_outside_the_window_the_code_does_not_open(
    client, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    job = new_job(client, world, courier_id)
    code = code_for(client, courier_key, job.delivery)

    denied(open_trunk(client, courier_key, job.delivery, job.car.id, code), "outside_window")
    clock.advance(timedelta(hours=3))  # the window ended
    denied(open_trunk(client, courier_key, job.delivery, job.car.id, code), "expired")
    denied(open_trunk(client, courier_key, job.delivery, job.car.id, code), "expired")
    assert outcomes(client, world, job.delivery) == ["outside_window", "expired", "expired"]


def test_another_courier_can_neither_get_nor_use_the_code(
    client, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    _, rogue_key = add_courier(client, world, "Rogue")
    job = new_job(client, world, courier_id)
    assert_problem(
        client.post(f"/v1/courier/trunk-deliveries/{job.delivery}/code", headers=bearer(rogue_key)),
        403,
        "not_your_delivery",
    )
    code = code_for(client, courier_key, job.delivery)
    clock.advance(IN_WINDOW)

    denied(open_trunk(client, rogue_key, job.delivery, job.car.id, code), "wrong_courier")
    # The rogue's tries do not lock the real courier out.
    assert open_trunk(client, courier_key, job.delivery, job.car.id, code).status_code == 200
    assert_problem(
        open_trunk(client, "ck_forged", job.delivery, job.car.id, code),
        401,
        "courier_not_authenticated",
    )
    assert outcomes(client, world, job.delivery) == ["wrong_courier", "opened"]


def test_five_wrong_codes_lock_the_code_even_for_the_right_one(
    client, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    job = new_job(client, world, courier_id)
    code = code_for(client, courier_key, job.delivery)
    clock.advance(IN_WINDOW)

    left = [
        denied(
            open_trunk(client, courier_key, job.delivery, job.car.id, f"2222-22{n}2"), "wrong_code"
        )["attempts_left"]
        for n in range(2, 7)
    ]
    assert left == [4, 3, 2, 1, 0]
    denied(open_trunk(client, courier_key, job.delivery, job.car.id, code), "locked_out")
    assert outcomes(client, world, job.delivery) == ["wrong_code"] * 5 + ["locked_out"]


def test_guessing_is_rate_limited_per_courier(
    client, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    job = new_job(client, world, courier_id)
    code_for(client, courier_key, job.delivery)
    clock.advance(IN_WINDOW)

    answers = [
        open_trunk(client, courier_key, job.delivery, job.car.id, "2222-2222").status_code
        for _ in range(22)
    ]

    assert answers[:20] == [403] * 20 and set(answers[20:]) == {429}


def test_an_old_code_is_not_replayed_on_a_new_delivery(
    client, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    first = new_job(client, world, courier_id)
    old_code = code_for(client, courier_key, first.delivery)
    clock.advance(IN_WINDOW)
    assert (
        open_trunk(client, courier_key, first.delivery, first.car.id, old_code).status_code == 200
    )
    assert lock(client, first.car).status_code == 200

    later = clock.now()
    placed = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product},
        headers=bearer(world.buyer.api_key, new_id("k")),
    ).json()["id"]
    second = consent(
        client, world.buyer.api_key, placed, first.car, later, later + timedelta(hours=2)
    ).json()["id"]
    client.post(
        f"/v1/admin/trunk-deliveries/{second}/courier",
        json={"courier_id": courier_id},
        headers=bearer(world.admin_key),
    )
    new_code = code_for(client, courier_key, second)

    denied(open_trunk(client, courier_key, second, first.car.id, old_code), "wrong_code")
    denied(open_trunk(client, courier_key, first.delivery, first.car.id, old_code), "already_used")
    assert open_trunk(client, courier_key, second, first.car.id, new_code).status_code == 200


def test_a_code_for_another_car_does_not_open_it(
    client, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    mine = new_job(client, world, courier_id)
    other = new_job(client, world, courier_id)
    my_code = code_for(client, courier_key, mine.delivery)
    other_code = code_for(client, courier_key, other.delivery)
    clock.advance(IN_WINDOW)

    # At the other car with my delivery's code, either way round.
    denied(open_trunk(client, courier_key, mine.delivery, other.car.id, my_code), "wrong_vehicle")
    denied(open_trunk(client, courier_key, other.delivery, other.car.id, my_code), "wrong_code")
    # Another car's telematics key cannot report this car locked.
    assert_problem(
        client.post(f"/v1/vehicles/{mine.car.id}/trunk-locked", headers=bearer(other.car.key)),
        401,
        "vehicle_not_authenticated",
    )
    assert (
        open_trunk(client, courier_key, other.delivery, other.car.id, other_code).status_code == 200
    )
    assert open_trunk(client, courier_key, mine.delivery, mine.car.id, my_code).status_code == 200


def test_consent_refuses_a_window_in_the_past_and_is_idempotent(
    client, world: World, courier
) -> None:
    car = register_car(client, world.buyer.api_key, "ABC1D23")
    assert_problem(
        client.post(
            "/v1/vehicles",
            json={"plate": "abc1d23", "make": "Kia", "model": "EV6", "lat": 0.0, "lng": 0.0},
            headers=bearer(world.buyer.api_key),
        ),
        409,
        "vehicle_already_registered",
    )
    order = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product},
        headers=bearer(world.buyer.api_key, "o1"),
    ).json()["id"]

    past = consent(
        client,
        world.buyer.api_key,
        order,
        car,
        START - timedelta(hours=2),
        START - timedelta(hours=1),
    )
    body = assert_problem(past, 422, "invalid_delivery_window")
    assert body["earliest_start"].startswith(START.isoformat()[:19]) and body["max_hours"] == 12
    first = consent(client, world.buyer.api_key, order, car)
    again = consent(client, world.buyer.api_key, order, car)
    assert first.status_code == 201 and again.status_code == 200
    assert (
        again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    )
    other = consent(
        client, world.buyer.api_key, order, car, WINDOW_START, WINDOW_END + timedelta(hours=1)
    )
    assert_problem(other, 409, "trunk_already_consented")
    naive = client.post(
        f"/v1/orders/{order}/trunk",
        json={
            "vehicle_id": car.id,
            "window_start": "2026-11-25T10:00:00",
            "window_end": "2026-11-25T11:00:00",
        },
        headers=bearer(world.buyer.api_key),
    )
    assert_problem(naive, 422, "invalid_request")


def test_withdrawn_consent_kills_the_code(
    client, world: World, courier, clock: SimulatedClock
) -> None:
    courier_id, courier_key = courier
    job = new_job(client, world, courier_id)
    code = code_for(client, courier_key, job.delivery)
    withdrawn = client.delete(f"/v1/orders/{job.order}/trunk", headers=bearer(world.buyer.api_key))
    assert withdrawn.json()["state"] == "revoked"
    clock.advance(IN_WINDOW)

    denied(open_trunk(client, courier_key, job.delivery, job.car.id, code), "revoked")
    # Consent given again starts afresh: the old code still opens nothing.
    again = consent(client, world.buyer.api_key, job.order, job.car, clock.now(), WINDOW_END)
    assert again.status_code == 201 and again.json()["state"] == "consented"
    assert_problem(
        open_trunk(client, courier_key, job.delivery, job.car.id, code), 403, "trunk_access_denied"
    )


def test_a_stranger_cannot_consent_with_my_car_or_for_my_order(
    client, platform, world: World
) -> None:
    car = register_car(client, world.buyer.api_key)
    stranger = shopper(platform, "Eva")
    stranger_car = register_car(client, stranger.api_key)
    order = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product},
        headers=bearer(world.buyer.api_key, "o2"),
    ).json()["id"]

    assert_problem(consent(client, stranger.api_key, order, stranger_car), 404, "order_not_found")
    assert_problem(
        consent(client, world.buyer.api_key, order, stranger_car), 404, "vehicle_not_found"
    )
    assert consent(client, world.buyer.api_key, order, car).status_code == 201


def test_control_characters_in_a_plate_or_code_are_422(client, world: World, courier) -> None:
    _, courier_key = courier
    plate = client.post(
        "/v1/vehicles",
        json={"plate": "AB\x00C", "make": "Kia", "model": "EV6", "lat": 0.0, "lng": 0.0},
        headers=bearer(world.buyer.api_key),
    )
    code = open_trunk(client, courier_key, "trk_x", "veh_x", "2345\x006789")

    assert_problem(plate, 422, "invalid_request")
    assert_problem(code, 422, "invalid_request")


def test_a_cancelled_order_gets_no_trunk_delivery(client, world: World) -> None:
    car = register_car(client, world.buyer.api_key)
    order = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product},
        headers=bearer(world.buyer.api_key, "o3"),
    ).json()["id"]
    cancelled = client.post(f"/v1/orders/{order}/cancel", headers=bearer(world.buyer.api_key))
    assert cancelled.json()["status"] in {"cancelled", "refunded"}

    assert_problem(
        consent(client, world.buyer.api_key, order, car), 409, "order_not_open_for_trunk"
    )


@pytest.mark.parametrize("plate", ["---", "ÄB-123", "AB\u3000C", "AB.C1", "X" * 17])
def test_a_plate_outside_the_documented_pattern_is_422(client, world: World, plate: str) -> None:
    """The document's pattern is registration's own rule: what it refuses never reaches
    the service, and what it allows (below) is registered."""
    refused = client.post(
        "/v1/vehicles",
        json={"plate": plate, "make": "Kia", "model": "EV6", "lat": 0.0, "lng": 0.0},
        headers=bearer(world.buyer.api_key),
    )

    assert_problem(refused, 422, "invalid_request")


@pytest.mark.parametrize(("plate", "stored"), [("12가 3456", "12가3456"), ("-a1-", "-A1-")])
def test_a_plate_in_the_documented_pattern_is_registered(
    client, world: World, plate: str, stored: str
) -> None:
    registered = client.post(
        "/v1/vehicles",
        json={"plate": plate, "make": "Kia", "model": "EV6", "lat": 0.0, "lng": 0.0},
        headers=bearer(world.buyer.api_key),
    )

    assert registered.status_code == 201, registered.text
    assert registered.json()["plate"] == stored


@pytest.mark.parametrize("name", ["   ", "\u3000", " \u00a0 "])
def test_a_courier_named_only_spaces_is_refused_by_the_schema(
    client, world: World, name: str
) -> None:
    refused = client.post(
        "/v1/admin/couriers", json={"name": name}, headers=bearer(world.admin_key)
    )

    body = assert_problem(refused, 422, "invalid_request")
    assert body["errors"][0]["loc"] == ["body", "name"]
