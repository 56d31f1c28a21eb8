"""The rest of a shopper's pages: the cart's checkout, their own API keys, the language
switch, a form sent back with its mistakes, and a session that ended elsewhere."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.conftest import Camera, Site, WindowOpener

pytestmark = pytest.mark.browser


def test_a_shopper_checks_out_a_cart(site: Site, open_window: WindowOpener, camera: Camera) -> None:
    # given: the demo shopper with a product in the cart
    me = open_window().page
    flows.sign_in(me, camera, site.people.shopper_email, site.people.shopper_password)
    me.goto(f"/products/{site.product_id}")
    with me.expect_navigation():
        me.get_by_test_id("add-to-cart").click()
    expect(me.get_by_test_id("cart-item")).to_have_count(1)
    expect(me.get_by_test_id("cart-item")).to_contain_text(site.product_title)
    camera(me, "cart")
    before = site.orders_of(site.people.shopper_email)

    # when: they place the order
    with me.expect_navigation():
        me.get_by_test_id("checkout").click()

    # then: its page, one order more, and an empty cart
    assert flows.ORDER_PAGE.search(me.url), me.url
    camera(me, "cart-order")
    assert site.orders_of(site.people.shopper_email) == before + 1
    me.goto("/cart")
    expect(me.get_by_test_id("cart-empty")).to_be_visible()


def test_a_shopper_creates_an_api_key_that_the_api_takes_until_revoked(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: a new shopper on their account page
    me = open_window().page
    flows.sign_up(me, camera, flows.NewShopper.invent())
    me.goto("/account")

    # when: they create a key
    me.locator("[data-testid=api-key-form] [name=label]").fill("my script")
    with me.expect_navigation():
        me.get_by_test_id("api-key-submit").click()

    # then: it is shown once, and the API answers to it
    key = me.get_by_test_id("new-api-key").inner_text().strip()
    camera(me, "api-key-created")
    bearer = {"Authorization": f"Bearer {key}"}
    assert me.request.get("/v1/orders", headers=bearer).status == 200
    me.goto("/account")
    expect(me.get_by_test_id("new-api-key")).to_have_count(0)
    expect(me.get_by_test_id("api-key")).to_have_count(1)

    # when: they revoke it, the API no longer does
    with me.expect_navigation():
        me.locator("[data-testid=api-key]", has_text="my script").get_by_test_id(
            "revoke-key"
        ).click()
    expect(me.get_by_test_id("api-key")).to_have_count(0)
    assert me.request.get("/v1/orders", headers=bearer).status == 401


def test_the_language_switch_wins_over_the_browser_and_is_remembered(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: a browser that asks for English
    window = open_window("en-US")
    me = window.page
    me.goto("/")
    assert me.locator("html").get_attribute("lang") == "en"

    # when: they pick Korean
    with me.expect_navigation():
        me.get_by_test_id("lang-ko").click()

    # then: this page, the next one and a new tab speak Korean
    assert me.locator("html").get_attribute("lang") == "ko"
    me.goto(f"/products/{site.product_id}")
    assert me.locator("html").get_attribute("lang") == "ko"
    assert flows.HANGUL.search(me.get_by_test_id("signin-to-buy").inner_text())
    camera(me, "korean-by-choice")
    tab = window.context.new_page()
    tab.goto("/search")
    assert tab.locator("html").get_attribute("lang") == "ko"
    tab.close()


def test_a_refused_sign_up_keeps_what_was_typed_and_says_what_is_wrong(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: the sign-up form
    me = open_window().page
    me.goto("/signup")
    form = me.get_by_test_id("signup-form")

    # when: it is sent with an e-mail address already taken and a mismatched password
    form.locator("[name=name]").fill("Ana Souza")
    form.locator("[name=email]").fill(site.people.shopper_email)
    form.locator("[name=password]").fill("a long enough password")
    form.locator("[name=password_again]").fill("another long password")
    with me.expect_response(lambda response: response.request.method == "POST") as posted:
        me.get_by_test_id("signup-submit").click()

    # then: 422, the form again with the name and e-mail kept and a message by a field
    assert posted.value.status == 422
    expect(form.locator("[name=name]")).to_have_value("Ana Souza")
    expect(form.locator("[name=email]")).to_have_value(site.people.shopper_email)
    messages = [me.get_by_test_id(f"error-{name}") for name in ("email", "password_again")]
    assert any(message.inner_text().strip() for message in messages)
    camera(me, "sign-up-refused")


def test_a_session_ended_elsewhere_sends_to_sign_in_and_back(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: a shopper signed in, and the same session in another browser that signs out
    window = open_window()
    me = window.page
    flows.sign_in(me, camera, site.people.shopper_email, site.people.shopper_password)
    elsewhere = open_window(same_session_as=window)
    elsewhere.page.goto("/account")
    with elsewhere.page.expect_navigation():
        elsewhere.page.get_by_test_id("sign-out").click()

    # when: the first browser opens a page that needs the session
    me.goto("/orders")

    # then: sign-in, and back to that page after it
    assert re.search(r"/signin\?next=/orders$", me.url), me.url
    camera(me, "session-ended")
    form = me.get_by_test_id("signin-form")
    form.locator("[name=email]").fill(site.people.shopper_email)
    form.locator("[name=password]").fill(site.people.shopper_password)
    with me.expect_navigation():
        me.get_by_test_id("signin-submit").click()
    assert me.url.endswith("/orders"), me.url
