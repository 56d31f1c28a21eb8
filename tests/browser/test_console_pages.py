"""The console's other pages: orders filtered, stock received on the inventory page, and
customers with their personal data masked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.conftest import Camera, Site, WindowOpener

pytestmark = pytest.mark.browser


def test_an_operator_filters_orders_receives_stock_and_sees_customers_masked(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: an operator signed in to the console
    me = open_window().page
    flows.sign_in_operator(me, camera, site.people.operator_email, site.people.operator_password)

    # when: they list orders of one customer, the demo shopper's order among them
    me.goto("/ops/orders")
    expect(me.get_by_test_id("orders-table")).to_be_visible()
    camera(me, "ops-orders")
    with me.expect_navigation():
        me.locator(f"[data-testid=order-row] a[href='/ops/orders/{site.others_order_id}']").click()
    expect(me.get_by_test_id("history-row").first).to_be_visible()

    # when: they open a facility on the map and receive 7 units of a product there
    me.goto("/ops/inventory")
    expect(me.get_by_test_id("facility-map").locator("svg")).to_be_visible()
    camera(me, "ops-inventory")
    with me.expect_navigation():
        me.get_by_test_id("map-facility").first.click()
    row = me.get_by_test_id("stock-row").first
    product_id = row.get_attribute("data-product-id")
    on_hand = int(row.get_by_test_id("stock-on-hand").inner_text().replace(",", ""))
    receive = me.get_by_test_id("receive-form")
    receive.locator("[name=product]").fill(str(product_id))
    receive.locator("[name=quantity]").fill("7")
    with me.expect_navigation():
        me.get_by_test_id("receive-submit").click()

    # then: the stock shows 7 more
    expect(me.get_by_test_id("received")).to_be_visible()
    received = me.locator(f"[data-testid=stock-row][data-product-id='{product_id}']")
    expect(received.get_by_test_id("stock-on-hand")).to_have_text(f"{on_hand + 7:,}")
    camera(me, "ops-stock-received")

    # when: they list customers
    me.goto("/ops/customers")

    # then: they are listed, and nobody's e-mail address is shown whole (the world's
    # customers are customer<n>.<seed>@example.com)
    expect(me.get_by_test_id("customer-email").first).to_be_visible()
    shown = me.locator("main").inner_text()
    assert site.people.shopper_email not in shown
    assert not re.search(r"customer\d+\.\d+@example\.com", shown), shown
    camera(me, "ops-customers")
