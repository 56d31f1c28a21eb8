"""Buying on the pages: the 1-Click form places one order however often it is posted, a
shopper without defaults is sent to set them and back, cancel and refund, and nobody sees
another shopper's order. Every POST needs its CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

from baro.commerce.orders import OrderStatus
from baro.core.events import read_log
from baro.core.money import Money
from tests.channels.pages.conftest import TestClient, csrf_token, post_form, sign_up

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def one_click_form(client, product_id: str) -> dict[str, str]:
    """The 1-Click form's fields as the product page rendered them."""
    page = client.get(f"/products/{product_id}")
    assert page.status_code == 200, page.text
    found = KEY.search(page.text)
    assert found, "no 1-Click form on the product page"
    return {"idempotency_key": found.group(1), "quantity": "1"}


def orders_of(platform, client) -> list:
    who = platform.accounts.session(client.cookies["baro_session"])
    return platform.orders.list(who.principal)


def test_the_product_page_shows_the_card_and_address_1_click_will_use(shopper, shop) -> None:
    page = shopper.get(f"/products/{shop.product}")

    assert 'data-testid="one-click-card">Visa •••• 4242<' in page.text
    assert 'data-testid="one-click-address">Rua Augusta 1, São Paulo 01305-000, BR<' in page.text
    assert 'data-testid="one-click"' in page.text


def test_a_double_submitted_1_click_form_places_one_order(platform, shopper, shop) -> None:
    form = one_click_form(shopper, shop.product)
    token = csrf_token(shopper, f"/products/{shop.product}")

    first = shopper.post(f"/products/{shop.product}/buy", data={"csrf_token": token, **form})
    second = shopper.post(f"/products/{shop.product}/buy", data={"csrf_token": token, **form})

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    (order,) = orders_of(platform, shopper)
    assert first.headers["location"] == f"/orders/{order.id}"
    assert platform.catalog.get(shop.product).available == 4


def test_each_render_of_the_product_page_is_a_new_order(platform, shopper, shop) -> None:
    for _ in range(2):
        post_form(
            shopper,
            f"/products/{shop.product}/buy",
            one_click_form(shopper, shop.product),
            page=f"/products/{shop.product}",
        )

    assert len(orders_of(platform, shopper)) == 2


def test_1_click_without_a_token_is_refused_and_orders_nothing(platform, shopper, shop) -> None:
    response = shopper.post(
        f"/products/{shop.product}/buy", data=one_click_form(shopper, shop.product)
    )

    assert response.status_code == 403
    assert 'data-testid="error-403"' in response.text
    assert orders_of(platform, shopper) == []


def test_another_visitors_token_is_refused(platform, browser, shop) -> None:
    with TestClient(browser.app, follow_redirects=False) as stranger:
        stolen = csrf_token(stranger, "/signup")
    response = browser.post(
        "/signup",
        data={"csrf_token": stolen, "name": "Ana", "email": "a@example.com", "password": "x" * 12},
    )

    assert response.status_code == 403


def test_htmx_may_send_the_token_as_a_header(shopper, shop) -> None:
    token = csrf_token(shopper, "/cart")

    response = shopper.post(
        "/cart/items",
        data={"product_id": shop.product, "quantity": "2"},
        headers={"X-CSRF-Token": token},
    )

    assert response.status_code == 303
    assert 'data-testid="cart-item"' in shopper.get("/cart").text


def test_a_shopper_without_defaults_is_sent_to_set_them_then_back(browser, shop) -> None:
    sign_up(browser)
    product_page = browser.get(f"/products/{shop.product}")
    assert 'data-testid="set-defaults"' in product_page.text

    address = post_form(
        browser,
        "/account/addresses",
        {
            "line1": "Rua 1",
            "place": "sao-paulo",
            "postcode": "01001",
            "next": f"/products/{shop.product}",
        },
        page="/account",
    )
    card = post_form(
        browser,
        "/account/cards",
        {
            "number": "4242424242424242",
            "exp_month": "12",
            "exp_year": "2030",
            "cvc": "123",
            "next": f"/products/{shop.product}",
        },
        page="/account",
    )

    assert address.status_code == 303 and address.headers["location"].startswith("/account?")
    assert card.status_code == 303 and card.headers["location"] == f"/products/{shop.product}"
    assert 'data-testid="one-click"' in browser.get(f"/products/{shop.product}").text


def test_a_post_to_1_click_without_defaults_goes_to_the_account_page(browser, shop) -> None:
    sign_up(browser)

    response = post_form(
        browser,
        f"/products/{shop.product}/buy",
        {"idempotency_key": "k1", "quantity": "1"},
        page=f"/products/{shop.product}",
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/account?next=/products/{shop.product}"


def test_cancel_inside_the_window_shows_the_refund(platform, shopper, shop) -> None:
    placed = post_form(
        shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product)
    )
    order_page = shopper.get(placed.headers["location"])
    assert 'data-testid="cancel-countdown"' in order_page.text
    assert 'data-countdown-until="2026-11-25T09:30:00+00:00"' in order_page.text

    cancelled = post_form(shopper, f"{placed.headers['location']}/cancel", {}, page="/orders")
    after = shopper.get(placed.headers["location"])

    assert cancelled.status_code == 303
    assert 'data-status="refunded"' in after.text
    assert 'data-testid="refund-status" data-refund="refunded">Refunded R$19.90' in after.text
    assert 'data-testid="cancel-order"' not in after.text


def test_after_the_window_there_is_no_cancel_button_and_a_late_post_is_told_why(
    platform, shopper, shop, clock
) -> None:
    placed = post_form(
        shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product)
    )
    clock.advance(timedelta(minutes=30, seconds=1))

    page = shopper.get(placed.headers["location"])
    late = post_form(shopper, f"{placed.headers['location']}/cancel", {}, page="/orders")

    assert 'data-testid="cancel-order"' not in page.text
    assert 'data-testid="cancel-closed"' in page.text
    assert late.status_code == 409 and "The cancel window has closed." in late.text


def test_a_shopper_cannot_open_another_shoppers_order(platform, shopper, shop, browser) -> None:
    placed = post_form(
        shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product)
    )
    order_path = placed.headers["location"]

    with TestClient(shopper.app, follow_redirects=False) as other:
        sign_up(other, "Bia")
        seen = other.get(order_path)
        cancel = post_form(other, f"{order_path}/cancel", {}, page="/orders")

    assert seen.status_code == 404 and 'data-testid="error-404"' in seen.text
    assert cancel.status_code == 404
    assert 'data-status="allocated"' in shopper.get(order_path).text


def test_checkout_orders_the_cart_once(platform, shopper, shop) -> None:
    post_form(shopper, "/cart/items", {"product_id": shop.product, "quantity": "2"}, page="/cart")
    cart = shopper.get("/cart").text
    key = KEY.search(cart).group(1)
    token = csrf_token(shopper, "/cart")

    first = shopper.post("/cart/checkout", data={"csrf_token": token, "idempotency_key": key})
    second = shopper.post("/cart/checkout", data={"csrf_token": token, "idempotency_key": key})

    assert first.headers["location"] == second.headers["location"]
    (order,) = orders_of(platform, shopper)
    assert order.total == Money(3980, "BRL")
    assert 'data-testid="cart-empty"' in shopper.get("/cart").text


def test_orders_list_shows_the_shoppers_orders(shopper, shop) -> None:
    post_form(shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product))

    page = shopper.get("/orders")

    assert page.text.count('data-testid="order-row"') == 1
    assert "Garrafa térmica inox" in page.text


def test_api_keys_are_shown_once_work_for_the_api_and_can_be_revoked(shopper) -> None:
    created = post_form(shopper, "/account/api-keys", {"label": "my script"}, page="/account")
    raw = re.search(r'data-testid="new-api-key">([^<]+)<', created.text).group(1)
    listed = shopper.get("/account").text
    key_id = re.search(r'action="/account/api-keys/([^/]+)/revoke"', listed).group(1)

    before = shopper.get("/v1/orders", headers={"Authorization": f"Bearer {raw}"})
    post_form(shopper, f"/account/api-keys/{key_id}/revoke", {}, page="/account")
    after = shopper.get("/v1/orders", headers={"Authorization": f"Bearer {raw}"})

    assert created.status_code == 200 and raw not in listed
    assert before.status_code == 200 and after.status_code == 401


def test_a_bad_card_is_said_beside_its_field_and_the_number_never_comes_back(shopper) -> None:
    response = post_form(
        shopper,
        "/account/cards",
        {"number": "4242424242424241", "exp_month": "12", "exp_year": "2030", "cvc": "123"},
        page="/account",
    )

    assert response.status_code == 422
    assert 'data-testid="error-number">that is not a valid card number<' in response.text
    assert "4242424242424241" not in response.text


def test_an_address_without_a_city_keeps_what_was_typed(shopper) -> None:
    response = post_form(
        shopper, "/account/addresses", {"line1": "Rua Augusta 9", "postcode": "01305"}, page="/"
    )

    assert response.status_code == 422
    assert 'data-testid="error-place">Choose your city.<' in response.text
    assert 'value="Rua Augusta 9"' in response.text and 'value="01305"' in response.text


def test_the_status_panel_alone_is_served_for_polling(shopper, shop) -> None:
    placed = post_form(
        shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product)
    )

    panel = shopper.get(f"{placed.headers['location']}/live", headers={"HX-Request": "true"})

    assert panel.status_code == 200
    assert panel.text.lstrip().startswith('<section class="panel" id="order-status-panel"')
    assert 'hx-trigger="every 10s"' in panel.text and 'data-status="allocated"' in panel.text


def test_htmx_without_a_session_is_told_where_to_sign_in(browser) -> None:
    response = browser.get(
        "/orders/ord_1/live",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/ord_1"},
    )

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/signin?next=/orders/ord_1"


def test_a_declined_card_is_said_on_the_product_page(platform, browser, shop) -> None:
    sign_up(browser)
    address = {"line1": "Rua 1", "place": "sao-paulo", "postcode": "01001"}
    post_form(browser, "/account/addresses", address, page="/account")
    declining = {"number": "4000000000000002", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
    post_form(browser, "/account/cards", declining, page="/account")

    response = post_form(
        browser, f"/products/{shop.product}/buy", one_click_form(browser, shop.product)
    )

    assert response.status_code == 409
    assert 'data-testid="form-error">Your card was declined. Try another card.<' in response.text
    assert platform.catalog.get(shop.product).available == 5


def delivered_order_page(platform, shopper, shop) -> str:
    """A 1-Click order of the shopper, delivered now; its page's path."""
    placed = post_form(
        shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product)
    )
    (order,) = orders_of(platform, shopper)
    platform.orders.advance(
        order.id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    return placed.headers["location"]


def return_form(client, path: str) -> dict[str, str]:
    page = client.get(path)
    assert 'data-testid="return-order"' in page.text, "no Return button on a delivered order"
    found = KEY.search(page.text)
    assert found, "the return form carries no key"
    return {"idempotency_key": found.group(1)}


def test_a_delivered_order_is_returned_with_its_button_once(platform, shopper, shop) -> None:
    path = delivered_order_page(platform, shopper, shop)
    form = return_form(shopper, path)

    first = post_form(shopper, f"{path}/return", form, page=path)
    second = post_form(shopper, f"{path}/return", form, page=path)  # resubmitted
    after = shopper.get(path)

    assert first.status_code == second.status_code == 303
    assert 'data-status="refunded"' in after.text
    assert 'data-testid="refund-status" data-refund="refunded">Refunded R$19.90' in after.text
    assert 'data-testid="return-order"' not in after.text
    with platform.db.read() as session:
        assert len(read_log(session, event_types=["order.returned"])) == 1


def test_after_the_return_window_there_is_no_button_and_a_late_post_is_told_why(
    platform, shopper, shop, clock
) -> None:
    # A shop with a week's window (BARO_RETURN_WINDOW_DAYS=7): the shopper's session (14
    # days) outlives it, where it would not outlive the default 30 days.
    platform.orders.return_window = timedelta(days=7)
    path = delivered_order_page(platform, shopper, shop)
    form = return_form(shopper, path)
    clock.advance(timedelta(days=7, seconds=1))

    page = shopper.get(path)
    late = post_form(shopper, f"{path}/return", form, page=path)

    assert 'data-testid="return-order"' not in page.text
    assert 'data-testid="return-closed"' in page.text
    assert late.status_code == 409
    assert "The return window has closed." in late.text


def test_an_order_on_its_way_has_no_return_button(platform, shopper, shop) -> None:
    placed = post_form(
        shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product)
    )
    page = shopper.get(placed.headers["location"])
    assert 'data-testid="return-order"' not in page.text
    assert 'data-testid="return-closed"' not in page.text


def test_in_korean_the_return_button_speaks_korean(platform, shopper, shop) -> None:
    path = delivered_order_page(platform, shopper, shop)
    page = shopper.get(path, headers={"Accept-Language": "ko"})
    assert "반품하고 전액 환불받을 수 있습니다" in page.text
    assert ">반품</button>" in page.text
