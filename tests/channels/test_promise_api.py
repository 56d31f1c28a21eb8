"""GET /v1/promise and /v1/cart/promise, the preference, and the option on the order.

The shopper is 10 km north of the FC at 09:00 UTC: same-day 11:58-13:58 for 12.99,
two-day the 26th, standard the 27th-29th (worked out in test_promise_rules.py)."""

from __future__ import annotations

import httpx

from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.channels.support import api, assert_problem, bearer

NORTH_10KM = (SAO_PAULO[0] + 10 / 111.19508, SAO_PAULO[1])
FAR = (SAO_PAULO[0] + 6000 / 111.19508, SAO_PAULO[1])  # 6,000 km: out of every range


def setup(platform: Platform, at: tuple[float, float] = NORTH_10KM) -> tuple[str, str]:
    item = add_product(platform, sku=new_id("SKU"))
    fc = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, fc, item.id, 5)
    return item.id, shopper(platform, at=at).api_key


def test_the_options_for_a_product_fastest_first(platform: Platform) -> None:
    product_id, key = setup(platform)
    with api(platform) as client:
        response = client.get(
            f"/v1/promise?product_id={product_id}&quantity=2", headers=bearer(key)
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [o["option"] for o in body["options"]] == ["same_day", "two_day", "standard"]
    same_day = body["options"][0]
    assert same_day["fee"] == {"amount": "12.99", "currency": "BRL", "minor": 1299}
    assert same_day["window_start"] == "2026-11-25T11:58:00Z"
    assert same_day["window_end"] == "2026-11-25T13:58:00Z"
    refused = {r["option"]: r["code"] for r in body["refused"]}
    assert refused == {"drone": "no_drone_base", "locker": "no_locker", "in_car": "no_vehicle"}


def test_a_registered_car_adds_in_car(platform: Platform) -> None:
    product_id, key = setup(platform)
    with api(platform) as client:
        body = client.get(
            f"/v1/promise?product_id={product_id}&has_vehicle=true", headers=bearer(key)
        ).json()
    in_car = next(o for o in body["options"] if o["option"] == "in_car")
    assert (in_car["window_start"], in_car["window_end"]) == (
        "2026-11-26T09:00:00Z",
        "2026-11-26T17:00:00Z",
    )


def test_an_address_out_of_range_is_a_problem_that_says_why(platform: Platform) -> None:
    product_id, key = setup(platform, at=FAR)
    with api(platform) as client:
        response = client.get(f"/v1/promise?product_id={product_id}", headers=bearer(key))
    body = assert_problem(response, 409, "no_delivery_option")
    assert body["options"] == []
    assert {r["option"]: r["code"] for r in body["refused"]}["standard"] == "out_of_range"


def test_more_than_the_stock_is_out_of_stock(platform: Platform) -> None:
    product_id, key = setup(platform)
    with api(platform) as client:
        response = client.get(
            f"/v1/promise?product_id={product_id}&quantity=6", headers=bearer(key)
        )
        assert_problem(response, 409, "out_of_stock")
        response = client.get(
            f"/v1/promise?product_id={product_id}&quantity=0", headers=bearer(key)
        )
        assert response.status_code == 422
        response = client.get("/v1/promise?product_id=prd_nope", headers=bearer(key))
        assert_problem(response, 404, "product_not_found")
        assert client.get(f"/v1/promise?product_id={product_id}").status_code == 401


def test_the_cart_as_one_order(platform: Platform) -> None:
    product_id, key = setup(platform)
    with api(platform) as client:
        assert_problem(client.get("/v1/cart/promise", headers=bearer(key)), 409, "empty_cart")
        client.put(f"/v1/cart/items/{product_id}", json={"quantity": 2}, headers=bearer(key))
        response = client.get("/v1/cart/promise", headers=bearer(key))
    assert response.status_code == 200, response.text
    assert response.json()["options"][0]["option"] == "same_day"


def one_click(
    client: object, key: str, product_id: str, ikey: str, **extra: object
) -> httpx.Response:
    body = {"product_id": product_id, "quantity": 1, **extra}
    return client.post("/v1/orders/one-click", json=body, headers=bearer(key, ikey))  # type: ignore[attr-defined,no-any-return]


def test_1_click_names_an_option_or_is_told_which_hold(platform: Platform) -> None:
    product_id, key = setup(platform)
    with api(platform) as client:
        refused = one_click(client, key, product_id, "k1", delivery_option="drone")
        body = assert_problem(refused, 409, "delivery_option_unavailable")
        assert [o["option"] for o in body["options"]] == ["same_day", "two_day", "standard"]
        assert client.get("/v1/orders", headers=bearer(key)).json()["items"] == []
        unknown = one_click(client, key, product_id, "k2", delivery_option="boat")
        assert unknown.status_code == 422
        placed = one_click(client, key, product_id, "k3", delivery_option="standard")
    assert placed.status_code == 201, placed.text
    delivery = placed.json()["delivery"]
    assert delivery == {
        "option": "standard",
        "fee": {"amount": "0.00", "currency": "BRL", "minor": 0},
        "window_start": "2026-11-27T08:00:00Z",
        "window_end": "2026-11-29T21:00:00Z",
        "member_benefit": None,  # not a Prime member
    }


def test_1_click_follows_the_preference_and_the_order_shows_it(platform: Platform) -> None:
    product_id, key = setup(platform)
    with api(platform) as client:
        put = client.put("/v1/promise/preference", json={"option": "two_day"}, headers=bearer(key))
        assert put.json() == {"option": "two_day"}
        quoted = client.get(f"/v1/promise?product_id={product_id}", headers=bearer(key)).json()
        assert quoted["preferred"] == "two_day"
        placed = one_click(client, key, product_id, "k1")
        order = client.get(placed.headers["Location"], headers=bearer(key)).json()
        bad = client.put("/v1/promise/preference", json={"option": "boat"}, headers=bearer(key))
        assert bad.status_code == 422
        client.put("/v1/promise/preference", json={"option": None}, headers=bearer(key))
        fastest = one_click(client, key, product_id, "k2").json()
        paid = one_click(client, key, product_id, "k3", delivery_option="same_day").json()
    assert order["delivery"]["option"] == "two_day"
    assert order["delivery"]["window_start"] == "2026-11-26T08:00:00Z"
    # No preference, no option named: the fastest free one, never a fee nobody asked for.
    assert fastest["delivery"]["option"] == "two_day"
    assert fastest["delivery_fee"]["minor"] == 0
    assert fastest["total"] == fastest["items_total"]
    # Same-day asked for: its fee is part of what the card is charged.
    assert paid["delivery"]["fee"] == {"amount": "12.99", "currency": "BRL", "minor": 1299}
    assert paid["delivery_fee"] == paid["delivery"]["fee"]
    assert paid["total"]["minor"] == paid["items_total"]["minor"] + 1299
