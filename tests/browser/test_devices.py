"""A shopper's devices in a real browser: claim a Dash button with the code in its box,
press its virtual button (twice: the second answers that the first is on its way), read the
price notice; and an operator finds the button's slot and its order in the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from baro.channels.devices import DeviceKind, Devices, SlotSpec
from baro.core.config import Settings
from baro.platform import Platform
from tests.browser import flows
from tests.browser.conftest import Camera, Site, WindowOpener

pytestmark = pytest.mark.browser


def new_button(site: Site) -> tuple[str, str]:
    """A button the maker registered: its id and the claim code in its box."""
    platform = Platform.start(Settings(database_url=site.database_url))
    try:
        new = Devices.of(platform).register(
            DeviceKind.BUTTON, "Kitchen button", [SlotSpec("main", site.product_id)]
        )
    finally:
        platform.close()
    return new.device.id, new.claim_code


def test_a_shopper_claims_a_button_and_orders_with_it(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: the demo shopper, and a new button's claim code
    device_id, code = new_button(site)
    me = open_window().page
    flows.sign_in(me, camera, site.people.shopper_email, site.people.shopper_password)
    me.goto("/account")
    with me.expect_navigation():
        me.get_by_test_id("account-devices").click()

    # when: they claim it, then press its virtual button twice
    me.locator("[data-testid=claim-form] [name=claim_code]").fill(code)
    with me.expect_navigation():
        me.get_by_test_id("claim-submit").click()
    button = me.locator(f"[data-device-id={device_id}]")
    expect(button).to_contain_text("Kitchen button")
    before = site.orders_of(site.people.shopper_email)
    with me.expect_navigation():
        button.get_by_test_id("press").click()
    expect(me.get_by_test_id("notice")).to_contain_text("Ordered")
    camera(me, "device-ordered")
    with me.expect_navigation():
        me.locator(f"[data-device-id={device_id}]").get_by_test_id("press").click()

    # then: one order, the guard's answer, and the price notice with its cancel link
    expect(me.get_by_test_id("notice")).to_contain_text("Already on its way")
    assert site.orders_of(site.people.shopper_email) == before + 1
    notice = me.get_by_test_id("notification").first
    expect(notice).to_contain_text("Your device ordered")
    with me.expect_navigation():
        notice.get_by_role("link").click()
    assert flows.ORDER_PAGE.search(me.url), me.url
    camera(me, "device-order-page")
