"""The membership API: plans for anyone, a membership only for its customer (another's is
never shown or changed), joining once per key, prices right in KRW, the order showing the
benefit it got, and bad input answered with problem+json, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import shopper
from tests.channels.support import World, assert_problem, bearer

BASE = "/v1/membership"


def join(client, api_key: str, key: str = "k1", **body: object):
    return client.post(
        BASE, json={"plan_id": "yearly", "currency": "USD", **body}, headers=bearer(api_key, key)
    )


def test_plans_need_no_key_and_show_won_without_decimals(client) -> None:
    response = client.get(f"{BASE}/plans")

    assert response.status_code == 200
    yearly = next(p for p in response.json() if p["id"] == "yearly")
    prices = {p["currency"]: p for p in yearly["prices"]}
    assert prices["KRW"] == {"amount": "49000", "currency": "KRW", "minor": 49000}
    assert prices["USD"] == {"amount": "119.00", "currency": "USD", "minor": 11900}
    assert (yearly["trial_days"], yearly["household_max"]) == (30, 4)


def test_join_then_repeat_the_key_gets_the_same_membership(client, world: World) -> None:
    first = join(client, world.buyer.api_key)
    again = join(client, world.buyer.api_key)

    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["status"], body["role"], body["period"]) == ("trial", "owner", 0)
    assert body["renewal_price"] == {"amount": "119.00", "currency": "USD", "minor": 11900}
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"]
    mine = client.get(BASE, headers=bearer(world.buyer.api_key))
    assert mine.json()["id"] == body["id"]


def test_a_krw_membership_renews_at_whole_won(
    client, world: World, clock: SimulatedClock, platform: Platform
) -> None:
    join(client, world.buyer.api_key, currency="KRW")
    clock.advance(timedelta(days=30))  # the trial
    platform.prime.renew()

    body = client.get(BASE, headers=bearer(world.buyer.api_key)).json()

    assert (body["status"], body["price"]["amount"], body["price"]["minor"]) == (
        "active",
        "49000",
        49000,
    )


def test_another_customer_never_sees_or_changes_a_membership(
    client, world: World, platform: Platform
) -> None:
    join(client, world.buyer.api_key)
    other = shopper(platform, "Bia")
    headers = bearer(other.api_key)

    assert_problem(client.get(BASE, headers=headers), 404, "membership_not_found")
    assert_problem(client.post(f"{BASE}/cancel", headers=headers), 404, "membership_not_found")
    assert_problem(
        client.delete(f"{BASE}/household/{world.buyer.customer_id}", headers=headers),
        404,
        "membership_not_found",
    )
    assert client.get(BASE, headers=bearer(world.buyer.api_key)).json()["status"] == "trial"


def test_a_household_member_sees_the_benefits_not_the_bill_and_cannot_cancel(
    client, world: World, platform: Platform
) -> None:
    join(client, world.buyer.api_key)
    member = shopper(platform, "Bia")
    email = platform.customers.get(member.customer_id).email
    added = client.post(
        f"{BASE}/household", json={"email": email}, headers=bearer(world.buyer.api_key)
    )
    assert added.status_code == 200, added.text
    assert added.json()["household"] == [member.customer_id]

    shared = client.get(BASE, headers=bearer(member.api_key)).json()

    assert (shared["role"], shared["price"], shared["household"]) == ("household", None, [])
    assert_problem(
        client.post(f"{BASE}/cancel", headers=bearer(member.api_key)), 403, "not_household_owner"
    )
    assert_problem(
        client.post(f"{BASE}/household", json={"email": email}, headers=bearer(member.api_key)),
        403,
        "not_household_owner",
    )


def test_cancel_refunds_nothing_in_a_trial_and_a_second_cancel_is_404(client, world: World) -> None:
    join(client, world.buyer.api_key)
    cancelled = client.post(f"{BASE}/cancel", headers=bearer(world.buyer.api_key))

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["refund"]["minor"] == 0
    assert cancelled.json()["membership"]["status"] == "cancelled"
    assert_problem(
        client.post(f"{BASE}/cancel", headers=bearer(world.buyer.api_key)),
        404,
        "membership_not_found",
    )


def test_without_a_key_it_is_401(client) -> None:
    assert_problem(client.get(BASE), 401, "not_authenticated")
    assert_problem(
        client.post(
            BASE, json={"plan_id": "yearly", "currency": "USD"}, headers={"Idempotency-Key": "k"}
        ),
        401,
        "not_authenticated",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"plan_id": "weekly", "currency": "USD"},
        {"plan_id": "yearly", "currency": "usd"},
        {"plan_id": "yearly", "currency": "US\u0000"},
        {"plan_id": "yearly", "currency": "USD", "price": 1},
        {"plan_id": "yearly"},
        {"plan_id": 1, "currency": "USD"},
    ],
)
def test_bad_join_input_is_422(client, world: World, body: dict[str, object]) -> None:
    response = client.post(BASE, json=body, headers=bearer(world.buyer.api_key, "k"))
    assert_problem(response, 422, "invalid_request")


def test_a_currency_the_plan_is_not_sold_in_is_422(client, world: World) -> None:
    assert_problem(
        join(client, world.buyer.api_key, currency="JPY"), 409, "prime_no_price_in_currency"
    )


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b\u0000c", "a b@c", "x" * 321 + "@e"])
def test_bad_household_email_is_422(client, world: World, email: str) -> None:
    join(client, world.buyer.api_key)
    response = client.post(
        f"{BASE}/household", json={"email": email}, headers=bearer(world.buyer.api_key)
    )
    assert_problem(response, 422, "invalid_request")


def test_an_order_shows_the_benefit_it_got(client, world: World) -> None:
    join(client, world.buyer.api_key)
    placed = client.post(
        "/v1/orders/one-click",
        json={"product_id": world.product, "quantity": 1, "delivery_option": "same_day"},
        headers=bearer(world.buyer.api_key, "o1"),
    )

    assert placed.status_code == 201, placed.text
    delivery = placed.json()["delivery"]
    assert delivery["fee"]["minor"] == 0
    benefit = delivery["member_benefit"]
    assert (benefit["kind"], benefit["absorbed"]["minor"]) == ("free_delivery", 1299)
