"""The operator's side: the console's live feed shows an order as a shopper places it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.conftest import Camera, Site, WindowOpener

pytestmark = pytest.mark.browser


def test_an_operator_sees_a_new_order_arrive_in_the_feed(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: an operator watching the feed, and the demo shopper in another browser
    operator = open_window().page
    flows.sign_in_operator(
        operator, camera, site.people.operator_email, site.people.operator_password
    )
    shopper = open_window().page
    flows.sign_in(shopper, camera, site.people.shopper_email, site.people.shopper_password)
    shopper.goto(f"/products/{site.product_id}")

    # when: the shopper presses 1-Click
    with shopper.expect_navigation():
        shopper.get_by_test_id("one-click").click()
    order_id = flows.ORDER_PAGE.search(shopper.url)
    assert order_id, shopper.url

    # then: the operator's feed shows it without a reload, and its page tells its history
    row = operator.locator(f"[data-testid=feed-row][data-order-id='{order_id.group(1)}']")
    expect(row.first).to_be_visible(timeout=15_000)
    camera(operator, "console-feed")
    with operator.expect_navigation():
        row.first.locator("a").first.click()
    expect(operator.get_by_text(order_id.group(1)).first).to_be_visible()
    camera(operator, "console-order")
