"""1-Click over HTTP with the delivery pieces: a locker named in the body is reserved with
the order (a full one is a 409 naming lockers that hold, and no order), and the order shows
what the card was charged: the items and the delivery fee."""

from __future__ import annotations

from baro.core.ids import new_id
from baro.delivery.lockers import CompartmentSize
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.channels.support import api, assert_problem, bearer

KM = 1 / 111.19508
NORTH_10KM = (SAO_PAULO[0] + 10 * KM, SAO_PAULO[1])


def test_a_locker_named_in_the_body_is_reserved_with_the_order(platform: Platform) -> None:
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 5)
    near = {CompartmentSize.S: 1}
    bank = platform.lockers.open_locker("Paulista", NORTH_10KM[0] + KM, NORTH_10KM[1], near)
    other = platform.lockers.open_locker("Augusta", NORTH_10KM[0] - KM, NORTH_10KM[1], near)
    platform.promises.refresh(platform.clock.now())
    key = shopper(platform, at=NORTH_10KM).api_key
    body = {"product_id": item.id, "quantity": 1, "locker_id": bank.id}
    with api(platform) as client:
        placed = client.post("/v1/orders/one-click", json=body, headers=bearer(key, "k1"))
        assert placed.status_code == 201, placed.text
        order = placed.json()
        held = client.get(f"/v1/orders/{order['id']}/locker", headers=bearer(key))
        full = client.post("/v1/orders/one-click", json=body, headers=bearer(key, "k2"))
        listed = client.get("/v1/orders", headers=bearer(key)).json()["items"]
    assert order["delivery"]["option"] == "locker"
    assert order["delivery_fee"]["minor"] == 0
    assert order["total"] == order["items_total"]
    assert held.status_code == 200, held.text
    assert held.json()["locker_id"] == bank.id
    problem = assert_problem(full, 409, "locker_full")
    assert [a["id"] for a in problem["alternatives"]] == [other.id]
    assert [o["id"] for o in listed] == [order["id"]]
