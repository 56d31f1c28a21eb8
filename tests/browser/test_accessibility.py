"""Accessibility a browser can check: every control labelled and every link and button
named, text at WCAG AA contrast, and the keyboard alone able to reach and press 1-Click
with the focus visible on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import flows
from tests.browser.conftest import Camera, Site, WindowOpener

pytestmark = pytest.mark.browser

AUDIT = Path(__file__).with_name("audit.js").read_text()


def audit(page: Page, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        page.goto(path)
        problems: list[str] = page.evaluate(AUDIT)
        if problems:
            found[path] = problems
    return found


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"], ids=["english", "korean"])
def test_storefront_pages_are_labelled_named_and_legible(
    site: Site, open_window: WindowOpener, camera: Camera, locale: str
) -> None:
    me = open_window(locale).page
    signed_out = ["/", "/signin", "/signup", f"/products/{site.product_id}", "/no-such-page"]
    problems = audit(me, signed_out)
    flows.sign_in(me, camera, site.people.shopper_email, site.people.shopper_password)
    signed_in = [
        "/",
        "/search?q=mug",
        f"/products/{site.product_id}",
        "/cart",
        "/orders",
        f"/orders/{site.others_order_id}",
        "/account",
        "/account/devices",
        "/account/replenishment",
        "/account/prime",
    ]
    problems |= {f"{path} (signed in)": found for path, found in audit(me, signed_in).items()}
    assert not problems, problems


def test_console_pages_are_labelled_named_and_legible(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    me = open_window().page
    problems = audit(me, ["/ops/signin"])
    flows.sign_in_operator(me, camera, site.people.operator_email, site.people.operator_password)
    console = [
        "/ops",
        "/ops/orders",
        f"/ops/orders/{site.others_order_id}",
        "/ops/inventory",
        "/ops/fulfillment",
        "/ops/customers",
        "/ops/delivery",
        "/ops/anticipation",
        "/ops/devices",
        "/ops/replenishment",
        "/ops/home-pages",
        "/ops/prime",
    ]
    problems |= audit(me, console)
    assert not problems, problems


def test_the_keyboard_alone_reaches_and_presses_one_click_with_the_focus_visible(
    site: Site, open_window: WindowOpener, camera: Camera
) -> None:
    # given: the demo shopper on a product page, nothing focused
    me = open_window().page
    flows.sign_in(me, camera, site.people.shopper_email, site.people.shopper_password)
    me.goto(f"/products/{site.product_id}")
    before = site.orders_of(site.people.shopper_email)

    # when: they press Tab until 1-Click has the focus
    me.keyboard.press("Tab")
    assert me.evaluate("document.activeElement.getAttribute('href')") == "#main", "skip link first"
    unmarked = []
    for _ in range(60):
        if me.evaluate("document.activeElement.dataset.testid") == "one-click":
            break
        marked = me.evaluate(
            """() => {
                const style = getComputedStyle(document.activeElement);
                return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
                    || style.boxShadow !== "none";
            }"""
        )
        if not marked:
            unmarked.append(me.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
        me.keyboard.press("Tab")
    expect(me.get_by_test_id("one-click")).to_be_focused()
    camera(me, "one-click-focused")

    # then: every stop on the way showed where the focus was, and Enter buys
    assert not unmarked, unmarked
    with me.expect_navigation():
        me.keyboard.press("Enter")
    assert flows.ORDER_PAGE.search(me.url), me.url
    assert site.orders_of(site.people.shopper_email) == before + 1


def test_the_audit_finds_an_unlabelled_field_a_nameless_button_and_pale_text(
    open_window: WindowOpener,
) -> None:
    me = open_window().page
    me.set_content(
        """<main style="background: #fff">
             <label for="named">Name</label><input id="named">
             <input name="nameless">
             <button><svg width="10" height="10"></svg></button>
             <p style="color: #999">pale on white, 2.8:1</p>
             <p style="color: #767676">just dark enough, 4.54:1</p>
             <h1 style="color: #949494; font-size: 32px">large text needs 3:1</h1>
           </main>"""
    )

    problems = me.evaluate(AUDIT)

    assert [problem.split(":")[0] for problem in problems] == [
        "no label",
        "no name",
        "contrast 2.85",
    ]
    assert "pale on white" in problems[2]
