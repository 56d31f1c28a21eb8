"""What a shopper and an operator do in the browser, step by step, each step photographed.

Elements are found by their ``data-testid`` (the pages' contract with this suite) or by the
form field's name, never by their words: the same steps run in English and in Korean.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from playwright.sync_api import Page, expect

from tests.browser.conftest import Camera

HANGUL = re.compile("[가-힣]")
ORDER_PAGE = re.compile(r"/orders/(ord_[A-Za-z0-9_-]+)$")


@dataclass(frozen=True)
class NewShopper:
    name: str
    email: str
    password: str

    @classmethod
    def invent(cls, name: str = "Ana Souza") -> NewShopper:
        return cls(name, f"shopper-{uuid.uuid4().hex[:10]}@example.com", "a long enough password")


def sign_up(page: Page, camera: Camera, shopper: NewShopper) -> None:
    page.goto("/signup")
    camera(page, "sign-up")
    form = page.get_by_test_id("signup-form")
    form.locator("[name=name]").fill(shopper.name)
    form.locator("[name=email]").fill(shopper.email)
    form.locator("[name=password]").fill(shopper.password)
    form.locator("[name=password_again]").fill(shopper.password)
    with page.expect_navigation():
        page.get_by_test_id("signup-submit").click()
    expect(page.get_by_test_id("nav-account")).to_be_visible()


def search_and_open(page: Page, camera: Camera, title: str, product_id: str) -> None:
    page.goto("/")
    camera(page, "home")
    page.get_by_test_id("search-input").fill(title)
    with page.expect_navigation():
        page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("results")).to_be_visible()
    camera(page, "search")
    with page.expect_navigation():
        # The link carries the search's id and the place (?sr=…&pos=…) after the path.
        page.locator(f"[data-testid=results] a[href^='/products/{product_id}']").click()
    expect(page.get_by_test_id("product")).to_have_attribute("data-product-id", product_id)


def set_card_and_address(page: Page, camera: Camera, product_id: str) -> None:
    """From a product page that cannot offer 1-Click yet: to the account page, save an
    address and a card there, and be taken back to the product."""
    expect(page.get_by_test_id("one-click-needs-defaults")).to_be_visible()
    camera(page, "product-needs-defaults")
    with page.expect_navigation():
        page.get_by_test_id("set-defaults").click()
    expect(page.get_by_test_id("defaults-needed")).to_be_visible()
    address = page.get_by_test_id("address-form")
    address.locator("[name=line1]").fill("Rua Augusta 1500")
    address.locator("[name=place]").select_option("sao-paulo")
    address.locator("[name=postcode]").fill("01304-001")
    camera(page, "account-address")
    with page.expect_navigation():
        page.get_by_test_id("address-submit").click()
    card = page.get_by_test_id("card-form")
    card.locator("[name=number]").fill("4242 4242 4242 4242")
    card.locator("[name=exp_month]").fill("12")
    # Next year: the sandbox refuses an expired card and one too far ahead.
    card.locator("[name=exp_year]").fill(str(date.today().year + 1))
    card.locator("[name=cvc]").fill("123")
    camera(page, "account-card")
    with page.expect_navigation():
        page.get_by_test_id("card-submit").click()
    expect(page.get_by_test_id("product")).to_have_attribute("data-product-id", product_id)


def buy_with_one_click(page: Page, camera: Camera) -> str:
    """Press 1-Click on the product page; the order's id, from the page it lands on."""
    expect(page.get_by_test_id("one-click-card")).to_contain_text("4242")
    expect(page.get_by_test_id("one-click-address")).to_contain_text("Rua Augusta 1500")
    camera(page, "product-one-click")
    with page.expect_navigation():
        page.get_by_test_id("one-click").click()
    found = ORDER_PAGE.search(page.url)
    assert found, f"1-Click did not land on an order page but on {page.url}"
    return found.group(1)


def sign_in(page: Page, camera: Camera, email: str, password: str) -> None:
    page.goto("/signin")
    camera(page, "sign-in")
    form = page.get_by_test_id("signin-form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(password)
    with page.expect_navigation():
        page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("nav-account")).to_be_visible()


def sign_in_operator(page: Page, camera: Camera, email: str, password: str) -> None:
    page.goto("/ops")
    expect(page.get_by_test_id("ops-signin-form")).to_be_visible()
    camera(page, "ops-sign-in")
    page.locator("[data-testid=ops-signin-form] [name=email]").fill(email)
    page.locator("[data-testid=ops-signin-form] [name=password]").fill(password)
    with page.expect_navigation():
        page.get_by_test_id("ops-signin-submit").click()
    expect(page.get_by_test_id("order-feed")).to_be_visible()


def repost(
    page: Page, form_selector: str, *, times: int, drop: tuple[str, ...] = ()
) -> list[tuple[int, str]]:
    """Post a form's current fields ``times`` at once from the page (as a double click or a
    browser's resubmit would, without the page's script to stop it), leaving out the fields
    in ``drop``; each answer's status and the address it ended at, redirects followed."""
    answers: list[tuple[int, str]] = page.evaluate(
        """async ([selector, times, drop]) => {
            const form = document.querySelector(selector);
            const fields = new URLSearchParams(new FormData(form));
            for (const name of drop) fields.delete(name);
            const post = () => fetch(form.action, {method: "POST", body: fields});
            const answers = await Promise.all(Array.from({length: times}, post));
            return answers.map(answer => [answer.status, answer.url]);
        }""",
        [form_selector, times, list(drop)],
    )
    return [(status, url) for status, url in answers]
