"""The promise on the pages: the product page lists the delivery options (the fastest,
or the preferred, chosen), 1-Click ships by the one picked, and the order page shows it.

The shopper lives at São Paulo's centre, where the FC is (0 km), at 09:00 UTC: same-day
11:30-13:30 (ready 11:00, 30 min handling) for 12.99; two-day the 26th 08:00-21:00."""

from __future__ import annotations

import re

from tests.channels.pages.conftest import csrf_token
from tests.channels.pages.test_storefront_orders import one_click_form, orders_of


def checked(page: str) -> list[str]:
    return re.findall(r'name="delivery_option" value="(\w+)" checked', page)


def test_the_product_page_lists_the_options_fastest_free_chosen(platform, shopper, shop) -> None:
    """Fastest first; the one picked unless the customer picks another is the fastest
    without a fee (what 1-Click would ship by)."""
    page = shopper.get(f"/products/{shop.product}").text
    assert 'data-testid="delivery-options"' in page
    assert re.findall(r'name="delivery_option" value="(\w+)"', page) == [
        "same_day",
        "two_day",
        "standard",
    ]
    assert checked(page) == ["two_day"]
    assert "Same-day delivery" in page and "R$12.99" in page and "Free" in page


def test_the_preferred_option_is_the_one_chosen(platform, shopper, shop) -> None:
    who = platform.accounts.session(shopper.cookies["baro_session"])
    platform.customers.set_delivery_preference(who.principal.customer_id, "standard")
    assert checked(shopper.get(f"/products/{shop.product}").text) == ["standard"]


def test_1_click_ships_by_the_option_picked_and_the_order_page_says_so(
    platform, shopper, shop
) -> None:
    form = one_click_form(shopper, shop.product) | {"delivery_option": "two_day"}
    token = csrf_token(shopper, f"/products/{shop.product}")
    placed = shopper.post(f"/products/{shop.product}/buy", data={"csrf_token": token, **form})
    assert placed.status_code == 303, placed.text
    (order,) = orders_of(platform, shopper)
    assert order.delivery is not None and order.delivery.option == "two_day"
    page = shopper.get(placed.headers["location"]).text
    assert 'data-testid="delivery-option">Two-day delivery<' in page
    assert 'data-testid="order-delivery-fee">Free<' in page or (
        'data-testid="order-delivery-fee">R$0.00<' in page
    )
    assert 'data-testid="order-items-total">' in page
    assert "11/26/26, 8:00\u202fAM" in page or "11/26/26, 8:00 AM" in page
    assert "9:00" in page.split('data-testid="delivery-window">')[1].split("<")[0]
    shopper.cookies.set("baro_lang", "ko")
    korean = shopper.get(placed.headers["location"]).text
    assert 'data-testid="delivery-option">2일 배송<' in korean


def test_an_option_not_offered_is_refused_beside_the_options(platform, shopper, shop) -> None:
    token = csrf_token(shopper, f"/products/{shop.product}")
    for option, status in (("boat", 409), ("drone", 409)):
        form = one_click_form(shopper, shop.product) | {"delivery_option": option}
        refused = shopper.post(f"/products/{shop.product}/buy", data={"csrf_token": token, **form})
        assert refused.status_code == status, refused.text
        assert 'data-testid="delivery-options"' in refused.text
    assert orders_of(platform, shopper) == []
