"""The order page's tracking and its "report lost" button: the steps in the shopper's
language, the button only once the parcel has shipped, and the free re-ship it makes."""

from __future__ import annotations

from baro.commerce.orders import OrderStatus
from tests.channels.pages.conftest import post_form
from tests.channels.pages.test_storefront_orders import one_click_form, orders_of

SHIPPING = (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED)


def test_tracking_shows_each_step_and_report_lost_reships_free(platform, shopper, shop) -> None:
    page = f"/products/{shop.product}"
    placed = post_form(shopper, f"{page}/buy", one_click_form(shopper, shop.product), page=page)
    order_id = placed.headers["location"].rsplit("/", 1)[-1]

    allocated = shopper.get(f"/orders/{order_id}").text
    assert 'data-event="order.allocated"' in allocated and "Being prepared" in allocated
    assert 'data-testid="report-lost"' not in allocated  # not shipped yet

    platform.orders.advance(order_id, *SHIPPING)
    shipped = shopper.get(f"/orders/{order_id}").text
    assert 'data-event="order.shipped"' in shipped
    assert 'data-testid="report-lost"' in shipped

    reported = post_form(shopper, f"/orders/{order_id}/report-lost", {}, page=f"/orders/{order_id}")
    assert reported.status_code == 303
    new_id = reported.headers["location"].rsplit("/", 1)[-1]
    assert new_id != order_id
    new_page = shopper.get(f"/orders/{new_id}").text
    assert f'href="/orders/{order_id}"' in new_page and 'data-testid="reship-of"' in new_page
    lost_page = shopper.get(f"/orders/{order_id}").text
    assert 'data-status="lost"' in lost_page and 'data-testid="reshipped-as"' in lost_page
    assert 'data-testid="report-lost"' not in lost_page
    assert {o.id: o.total.minor for o in orders_of(platform, shopper)}[new_id] == 0


def test_in_korean_the_tracking_speaks_korean(platform, shopper, shop) -> None:
    page = f"/products/{shop.product}"
    placed = post_form(shopper, f"{page}/buy", one_click_form(shopper, shop.product), page=page)
    order_id = placed.headers["location"].rsplit("/", 1)[-1]
    platform.orders.advance(order_id, *SHIPPING)
    shopper.cookies.set("baro_lang", "ko")
    korean = shopper.get(f"/orders/{order_id}").text
    assert "배송 조회" in korean and "분실 신고" in korean and "Report parcel lost" not in korean
