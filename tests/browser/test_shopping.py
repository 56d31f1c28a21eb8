"""A new shopper's whole first purchase, in English and in Korean: sign up, search, save a
card and an address, 1-Click, watch the cancel window count down, cancel, see the refund."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.conftest import Camera, Site, Visitor, WindowOpener

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "language", "name"),
    [("en-US", "en", "Ana Souza"), ("ko-KR", "ko", "김민지")],
    ids=["english", "korean"],
)
def test_a_new_shopper_buys_with_one_click_and_cancels_for_a_refund(
    site: Site, open_window: WindowOpener, camera: Camera, locale: str, language: str, name: str
) -> None:
    # given: a browser whose Accept-Language is the locale's, and nobody signed in
    window: Visitor = open_window(locale)
    me = window.page
    shopper = flows.NewShopper.invent(name)

    # when: they sign up, find the product, are sent to save a card and an address and
    # come back to it, then press 1-Click
    flows.sign_up(me, camera, shopper)
    flows.search_and_open(me, camera, site.product_title, site.product_id)
    flows.set_card_and_address(me, camera, site.product_id)
    assert me.locator("html").get_attribute("lang") == language
    button = me.get_by_test_id("one-click").inner_text()
    assert bool(flows.HANGUL.search(button)) is (language == "ko"), button
    order_id = flows.buy_with_one_click(me, camera)

    # then: the order's page, its cancel window counting down live
    expect(me.get_by_test_id("order-id")).to_have_text(order_id)
    countdown = me.get_by_test_id("cancel-countdown")
    shown = countdown.inner_text()
    expect(countdown).not_to_have_text(shown, timeout=5_000)
    camera(me, "order-placed")
    with me.expect_navigation():
        me.get_by_test_id("nav-orders").click()
    expect(me.locator(f"[data-testid=order-row][data-order-id='{order_id}']")).to_be_visible()
    camera(me, "orders")

    # when: they cancel it inside the window
    me.goto(f"/orders/{order_id}")
    with me.expect_navigation():
        me.get_by_test_id("cancel-order").click()

    # then: it is refunded, and it is their one and only order
    expect(me.get_by_test_id("order-status")).to_have_attribute("data-status", "refunded")
    expect(me.get_by_test_id("refund-status")).to_have_attribute("data-refund", "refunded")
    expect(me.get_by_test_id("cancel-order")).to_have_count(0)
    camera(me, "order-refunded")
    assert site.orders_of(shopper.email) == 1
