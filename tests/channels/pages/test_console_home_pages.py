"""The console's Home pages section: the model in service, and a customer's page with why
each row is there; an unknown id is said so; a customer's session cannot open it."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytest.importorskip("polars")

from baro.core.clock import SimulatedClock
from baro.platform import Platform
from baro.recommendations import train
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.channels.pages.test_console import OPERATOR, sign_in
from tests.channels.support import api


def test_operators_see_a_customers_rows_and_why(platform: Platform, clock: SimulatedClock) -> None:
    item = add_product(platform, sku="TEA", title="Green tea")
    stock(platform, add_facility(platform, "FC SP", SAO_PAULO), item.id, 50)
    ana = shopper(platform, "Ana")
    for number in range(2):
        platform.orders.place_one_click(ana.principal, item.id, 1, idempotency_key=f"k{number}")
        clock.advance(timedelta(days=3))
    train(platform)
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        empty = client.get("/ops/home-pages")
        page = client.get("/ops/home-pages", params={"customer": ana.customer_id})
        unknown = client.get("/ops/home-pages", params={"customer": "cus_nobody"})
    assert "Model 1, trained" in empty.text and 'data-testid="home-row"' not in empty.text
    assert 'data-kind="buy_again"' in page.text and "Green tea" in page.text
    assert "the most recent orders count most" in page.text
    assert 'data-testid="home-unknown"' in unknown.text
