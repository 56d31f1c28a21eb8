"""What the pages refuse: a second order from one press, a post forged without the CSRF
token, and a look at someone else's order."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.conftest import Camera, Site, WindowOpener

pytestmark = pytest.mark.browser


def test_a_double_submitted_one_click_form_makes_one_order(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: the demo shopper (card and address saved) on a product page
    me = open_window().page
    flows.sign_in(me, camera, site.people.shopper_email, site.people.shopper_password)
    me.goto(f"/products/{site.product_id}")
    before = site.orders_of(site.people.shopper_email)

    # when: the same 1-Click form is posted three times at once, then double-clicked
    answers = flows.repost(me, "#one-click-form", times=3)
    with me.expect_navigation():
        me.get_by_test_id("one-click").dblclick()

    # then: every answer is the same one order, and the database holds one more order
    order_pages = {url for _status, url in answers} | {me.url}
    assert [status for status, _url in answers] == [200, 200, 200], answers
    assert len(order_pages) == 1 and flows.ORDER_PAGE.search(order_pages.pop()), answers
    camera(me, "one-order-after-four-posts")
    assert site.orders_of(site.people.shopper_email) == before + 1


def test_a_form_posted_without_its_csrf_token_is_rejected(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: the demo shopper on a product page
    me = open_window().page
    flows.sign_in(me, camera, site.people.shopper_email, site.people.shopper_password)
    me.goto(f"/products/{site.product_id}")
    before = site.orders_of(site.people.shopper_email)

    # when: the 1-Click form is posted without its token, by script and by the button
    answers = flows.repost(me, "#one-click-form", times=1, drop=("csrf_token",))
    me.locator("#one-click-form [name=csrf_token]").evaluate("field => field.remove()")
    with me.expect_response(lambda response: response.request.method == "POST") as posted:
        me.get_by_test_id("one-click").click()

    # then: 403 both times, a page that says so, and no order
    assert [status for status, _url in answers] == [403], answers
    assert posted.value.status == 403
    camera(me, "csrf-rejected")
    assert site.orders_of(site.people.shopper_email) == before


def test_a_shopper_cannot_open_or_cancel_another_shoppers_order(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: a new shopper, and the demo shopper's order id
    me = open_window().page
    flows.sign_up(me, camera, flows.NewShopper.invent())
    status = site.order_status(site.others_order_id)

    # when: they open it, and post its cancel form with a valid token of their own
    opened = me.goto(f"/orders/{site.others_order_id}")
    camera(me, "someone-elses-order")
    cancelled = me.evaluate(
        """async (orderId) => {
            const token = document.querySelector("meta[name=csrf-token]").content;
            const body = new URLSearchParams({csrf_token: token});
            const answer = await fetch(`/orders/${orderId}/cancel`, {method: "POST", body});
            return answer.status;
        }""",
        site.others_order_id,
    )

    # then: as if it did not exist, and it is not cancelled
    assert opened is not None and opened.status == 404
    expect(me.get_by_test_id("order-id")).to_have_count(0)
    assert cancelled == 404
    assert site.order_status(site.others_order_id) == status
