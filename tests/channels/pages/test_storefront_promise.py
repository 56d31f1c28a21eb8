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
    window = page.split('data-testid="delivery-window">')[1].split("<")[0]
    assert window.replace("\u202f", " ") == "Arrives Nov 26, 2026, 8:00 AM–9:00 PM UTC"
    shopper.cookies.set("baro_lang", "ko")
    korean = shopper.get(placed.headers["location"]).text
    assert 'data-testid="delivery-option">2일 배송<' in korean
    assert 'data-testid="delivery-fee">무료<' in korean
    korean_window = korean.split('data-testid="delivery-window">')[1].split("<")[0]
    assert korean_window == "2026. 11. 26. 오전 8:00~오후 9:00 (UTC) 사이 도착"


def test_a_free_option_says_free_in_korean_not_free_units(platform, shopper, shop) -> None:
    """The fee "Free" is 무료; 가용 is the console's word for unreserved units."""
    shopper.cookies.set("baro_lang", "ko")
    page = shopper.get(f"/products/{shop.product}").text
    options = page.split('data-testid="delivery-options"')[1].split("</fieldset>")[0]
    assert '<span class="delivery-fee">무료</span>' in options
    assert "가용" not in options


def test_each_option_is_one_row_its_window_says_a_same_day_date_once(
    platform, shopper, shop
) -> None:
    """The radio, the name, the window and the fee sit in one label, and a window inside
    one day names its date once (not "between 11/26/26, 8:00 AM and 11/26/26, 9:00 PM")."""
    page = shopper.get(f"/products/{shop.product}").text
    rows = re.findall(r'<label class="delivery-option"[^>]*>(.*?)</label>', page, re.S)
    assert len(rows) == 3
    for row in rows:
        assert 'type="radio"' in row and "delivery-name" in row
        assert "delivery-window" in row and "delivery-fee" in row
    two_day = next(row for row in rows if 'value="two_day"' in row)
    assert "Arrives Nov 26, 2026, 8:00" in two_day.replace("\u202f", " ")
    assert "between" not in two_day


def test_an_option_not_offered_is_refused_beside_the_options(platform, shopper, shop) -> None:
    token = csrf_token(shopper, f"/products/{shop.product}")
    for option, status in (("boat", 409), ("drone", 409)):
        form = one_click_form(shopper, shop.product) | {"delivery_option": option}
        refused = shopper.post(f"/products/{shop.product}/buy", data={"csrf_token": token, **form})
        assert refused.status_code == status, refused.text
        assert 'data-testid="delivery-options"' in refused.text
    assert orders_of(platform, shopper) == []
