"""The storefront's home page for a signed-in shopper: their own rows first (what they buy
again, with why), then the rows every visitor sees without repeating a product; a visitor
who is not signed in gets only those."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

pytest.importorskip("polars")

from baro.core.clock import SimulatedClock
from baro.platform import Platform
from baro.recommendations import train
from tests.channels.pages.conftest import Shop, post_form
from tests.channels.pages.test_storefront_orders import one_click_form


def test_a_shopper_sees_buy_again_first_with_why(
    platform: Platform, shopper, shop: Shop, clock: SimulatedClock
) -> None:
    for _ in range(2):
        post_form(
            shopper,
            f"/products/{shop.product}/buy",
            one_click_form(shopper, shop.product),
            page=f"/products/{shop.product}",
        )
        clock.advance(timedelta(days=2))
    train(platform)

    page = shopper.get("/").text

    rows = re.findall(r'data-testid="row-([a-z_]+)"', page)
    assert rows[0] == "buy_again"
    assert "best_sellers" not in rows  # its one product is in the row above: not twice
    assert "Buy again" in page and "the most recent orders count most" in page
    buy_again = page[page.index('data-testid="row-buy_again"') :]
    assert f"/products/{shop.product}" in buy_again.split("</section>")[0]


def test_a_visitor_gets_only_the_rows_everyone_sees(
    browser, shop: Shop, platform: Platform
) -> None:
    train(platform)
    page = browser.get("/").text
    assert 'data-testid="row-buy_again"' not in page and 'data-testid="row-new_arrivals"' in page
