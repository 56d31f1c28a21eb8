"""The shopper's replenishment page: suggestions from a regular history (subscribe with one
press, once however often the form is resent), pause, resume and cancel their own
subscriptions only, and the orders placed for them, each linked to its order page."""

from __future__ import annotations

import re
from datetime import timedelta

from baro.channels.web.pages import i18n
from baro.channels.web.pages.storefront.replenishment import NOTICES, STATUSES
from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.channels.pages.conftest import Shop, csrf_token, post_form, sign_up

PAGE = "/account/replenishment"


def customer_of(platform: Platform, client) -> str:
    who = platform.accounts.session(client.cookies["baro_session"])
    assert who.principal.customer_id is not None
    return who.principal.customer_id


def bought_every_three_days(
    platform: Platform, clock: SimulatedClock, customer: str, product: str
) -> None:
    principal = platform.customers.principals_of([customer])[customer]
    for number in range(4):
        platform.orders.place_one_click(principal, product, 1, idempotency_key=f"h{number}")
        clock.advance(timedelta(days=3))  # within the 14-day web session


def test_a_regular_purchase_is_suggested_and_one_press_subscribes_once(
    platform: Platform,
    clock: SimulatedClock,
    shopper,
    shop: Shop,
) -> None:
    customer = customer_of(platform, shopper)
    bought_every_three_days(platform, clock, customer, shop.product)

    page = shopper.get(PAGE)
    assert page.status_code == 200
    assert f'data-product-id="{shop.product}"' in page.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {
        "idempotency_key": key,
        "product_id": shop.product,
        "schedule": "cycle",
        "quantity": "1",
        "csrf_token": csrf_token(shopper, PAGE),
    }
    first = shopper.post(f"{PAGE}/subscribe", data=form)
    again = shopper.post(f"{PAGE}/subscribe", data=form)

    assert (first.status_code, again.status_code) == (303, 303)
    (sub,) = platform.replenishment.subscriptions_of(customer)
    assert sub.from_cycle and sub.product_id == shop.product
    after = shopper.get(f"{PAGE}?done=subscribed").text
    assert f'data-subscription-id="{sub.id}"' in after and 'data-testid="suggestion"' not in after


def test_pause_resume_and_cancel_from_the_page(
    platform: Platform,
    shopper,
    shop: Shop,
) -> None:
    customer = customer_of(platform, shopper)
    sub = platform.replenishment.subscribe(
        customer, shop.product, quantity=2, interval_days=14, idempotency_key="k"
    ).subscription

    for action, status in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
        answer = post_form(shopper, f"{PAGE}/{sub.id}/{action}", {}, page=PAGE)
        assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?done={action}"
        assert platform.replenishment.get(customer, sub.id).status.value == status
    assert f'data-subscription-id="{sub.id}"' not in shopper.get(PAGE).text


def test_another_shoppers_subscription_is_not_found(
    platform: Platform,
    browser,
    shop: Shop,
) -> None:
    sign_up(browser, "Ana")
    ana = customer_of(platform, browser)
    sub = platform.replenishment.subscribe(
        ana, shop.product, quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    browser.cookies.clear()
    sign_up(browser, "Bia")

    answer = post_form(browser, f"{PAGE}/{sub.id}/cancel", {}, page=PAGE)

    assert answer.status_code == 404
    assert platform.replenishment.get(ana, sub.id).status.value == "active"


def test_the_orders_placed_for_the_shopper_link_to_their_order_page(
    platform: Platform,
    clock: SimulatedClock,
    shopper,
    shop: Shop,
) -> None:
    customer = customer_of(platform, shopper)
    platform.replenishment.subscribe(
        customer, shop.product, quantity=1, interval_days=7, idempotency_key="k"
    )
    clock.advance(timedelta(days=7))
    (placed,) = platform.replenishment.run().outcomes

    page = shopper.get(PAGE).text

    assert f'href="/orders/{placed.order_id}"' in page
    assert shopper.get(f"/orders/{placed.order_id}").status_code == 200


def test_a_bad_interval_is_said_beside_the_form_not_a_500(
    platform: Platform,
    shopper,
    shop: Shop,
) -> None:
    answer = post_form(
        shopper,
        f"{PAGE}/subscribe",
        {
            "idempotency_key": "k1",
            "product_id": shop.product,
            "quantity": "1",
            "interval_days": "0",
        },
        page=PAGE,
    )
    assert answer.status_code == 422
    assert "Choose every how many days (1-366)." in answer.text


def test_the_page_is_in_korean_too(shopper) -> None:
    page = shopper.get(PAGE, headers={"Accept-Language": "ko"})
    assert "필요할 때 도착" in page.text
    words = set(NOTICES.values()) | set(STATUSES.values())
    assert sorted(w for w in words if w not in i18n.catalog("ko")) == []
