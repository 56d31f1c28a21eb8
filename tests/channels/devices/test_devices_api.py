"""Devices over HTTP: the SDK's routes with the device's own secret, the owner's routes
(claim, configure, virtual press, confirm, notifications), the operators' registration, and
hostile input answered with problems, never a 500."""

from __future__ import annotations

import pytest

from baro.channels.devices.client import DeviceApiError, DeviceClient
from baro.platform import Platform
from tests.builders import shopper
from tests.channels.support import World, assert_problem, bearer


def register(client, world: World, kind: str = "button") -> dict:
    response = client.post(
        "/v1/admin/devices",
        json={
            "kind": kind,
            "label": "Dash",
            "slots": [{"slot": "main", "product_id": world.product}],
        },
        headers=bearer(world.admin_key),
    )
    assert response.status_code == 201, response.text
    return response.json()


def claimed(client, world: World) -> dict:
    device = register(client, world)
    response = client.post(
        "/v1/devices/claim",
        json={"claim_code": device["claim_code"]},
        headers=bearer(world.buyer.api_key),
    )
    assert response.status_code == 200, response.text
    return device


def test_a_device_presses_once_and_then_hears_already_on_its_way(client, world: World) -> None:
    device = claimed(client, world)
    sdk = DeviceClient("http://testserver", device["secret"], transport=client._transport)
    first = sdk.press("main", press_id="p-1")
    again = sdk.press("main", press_id="p-1")
    other = sdk.press("main", press_id="p-2")
    assert first.status == "ordered" and not first.replayed and first.total_minor
    assert again.status == "ordered" and again.replayed and again.order_id == first.order_id
    assert other.status == "already_on_its_way" and other.order_id == first.order_id
    (slot,) = sdk.slots()
    assert slot.open_order_id == first.order_id
    orders = client.get("/v1/orders", headers=bearer(world.buyer.api_key)).json()["items"]
    assert [o["id"] for o in orders] == [first.order_id]
    notes = client.get("/v1/notifications", headers=bearer(world.buyer.api_key)).json()
    assert notes[0]["order_id"] == first.order_id and notes[0]["link"].endswith(first.order_id)


def test_an_unknown_device_secret_is_refused(client, world: World) -> None:
    sdk = DeviceClient("http://testserver", "dev_forged", transport=client._transport)
    with pytest.raises(DeviceApiError) as refused:
        sdk.press("main", press_id="p-1")
    assert refused.value.status == 401 and refused.value.code == "device_not_authenticated"
    assert_problem(client.get("/v1/device"), 401, "not_authenticated")


def test_an_unclaimed_device_cannot_order(client, world: World) -> None:
    device = register(client, world)
    response = client.post(
        "/v1/device/slots/main/press",
        json={"press_id": "p-1"},
        headers=bearer(device["secret"]),
    )
    assert_problem(response, 409, "device_not_claimed")


def test_a_device_is_its_owners_alone(client, world: World, platform: Platform) -> None:
    device = claimed(client, world)
    stranger = shopper(platform, "Eve")
    device_id = device["device"]["id"]
    for method, path in (
        ("GET", f"/v1/devices/{device_id}"),
        ("POST", f"/v1/devices/{device_id}/slots/main/press"),
        ("PATCH", f"/v1/devices/{device_id}/slots/main"),
        ("POST", f"/v1/devices/{device_id}/slots/main/confirm"),
    ):
        body = {"press_id": "x"} if path.endswith("press") else {}
        response = client.request(method, path, json=body, headers=bearer(stranger.api_key))
        assert_problem(response, 404, "device_not_found")
    assert client.get("/v1/devices", headers=bearer(stranger.api_key)).json() == []


def test_a_claim_code_works_once(client, world: World, platform: Platform) -> None:
    device = claimed(client, world)
    other = shopper(platform, "Bia")
    response = client.post(
        "/v1/devices/claim",
        json={"claim_code": device["claim_code"]},
        headers=bearer(other.api_key),
    )
    assert_problem(response, 404, "invalid_claim_code")


def test_the_owner_presses_a_virtual_button_and_sets_the_guard(client, world: World) -> None:
    device_id = claimed(client, world)["device"]["id"]
    headers = bearer(world.buyer.api_key)
    response = client.patch(
        f"/v1/devices/{device_id}/slots/main", json={"guard": False, "quantity": 2}, headers=headers
    )
    assert response.status_code == 200 and response.json()["guard"] is False
    for n in range(2):
        pressed = client.post(
            f"/v1/devices/{device_id}/slots/main/press",
            json={"press_id": f"v-{n}"},
            headers=headers,
        )
        assert pressed.status_code == 201, pressed.text
        assert pressed.json()["order"]["lines"][0]["quantity"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"press_id": ""},
        {"press_id": "a" * 65},
        {"press_id": "a/b"},
        {"press_id": "nul\x00"},
        {"press_id": 7},
        {"press_id": "ok", "extra": 1},
        {},
    ],
)
def test_bad_presses_are_refused_at_the_edge(client, world: World, body: dict) -> None:
    device = claimed(client, world)
    response = client.post(
        "/v1/device/slots/main/press", json=body, headers=bearer(device["secret"])
    )
    assert_problem(response, 422, "invalid_request")


def test_bad_registrations_are_refused(client, world: World) -> None:
    headers = bearer(world.admin_key)
    for body in (
        {"kind": "button", "label": "x", "slots": []},
        {"kind": "toaster", "label": "x", "slots": [{"slot": "a", "product_id": world.product}]},
        {"kind": "button", "label": "x", "slots": [{"slot": "a b", "product_id": world.product}]},
    ):
        assert_problem(
            client.post("/v1/admin/devices", json=body, headers=headers), 422, "invalid_request"
        )
    two = {
        "kind": "button",
        "label": "x",
        "slots": [
            {"slot": "a", "product_id": world.product},
            {"slot": "b", "product_id": world.product},
        ],
    }
    assert_problem(  # the schema says a button has one slot
        client.post("/v1/admin/devices", json=two, headers=headers), 422, "invalid_request"
    )
    same = {**two, "kind": "appliance", "slots": [two["slots"][0]] * 2}
    assert_problem(
        client.post("/v1/admin/devices", json=same, headers=headers), 409, "duplicate_slot"
    )
    unknown = {**two, "slots": [{"slot": "a", "product_id": "prd_unknown"}]}
    assert_problem(
        client.post("/v1/admin/devices", json=unknown, headers=headers), 404, "product_not_found"
    )
    customer = bearer(world.buyer.api_key)
    assert client.post("/v1/admin/devices", json=unknown, headers=customer).status_code == 403
