"""The home page from a trained model: a customer who buys milk every order gets milk first
in "Buy again", what they just bought anchors "Bought together", a new customer gets the
trending row, and a page before any training falls back to the best sellers."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytest.importorskip("polars")

from baro.commerce.catalog import Visitor
from baro.core.clock import SimulatedClock
from baro.core.money import Money
from baro.network import Line
from baro.platform import Platform
from baro.recommendations import (
    BOUGHT_TOGETHER,
    BUY_AGAIN,
    SEARCHED,
    TRENDING,
    HomePages,
    train,
)
from tests.builders import RIO, SAO_PAULO, Shopper, add_facility, add_product, shopper, stock
from tests.channels.support import api, assert_problem, bearer


def buy(platform: Platform, clock: SimulatedClock, who: Shopper, *product_ids: str) -> None:
    clock.advance(timedelta(days=3))
    for product_id in product_ids:
        platform.orders.place_one_click(
            who.principal,
            product_id,
            1,
            idempotency_key=f"{who.customer_id}-{clock.now()}-{product_id}",
        )


@pytest.fixture
def shop(platform: Platform) -> dict[str, str]:
    facility = add_facility(platform, "FC SP", SAO_PAULO)
    items = {}
    for name in ("milk", "bread", "eggs", "rice", "tea"):
        item = add_product(platform, sku=name.upper(), title=name)
        stock(platform, facility, item.id, 500)
        items[name] = item.id
    return items


def kinds(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {row.kind: [card.product.title_en for card in row.products] for row in page.rows}


def test_milk_every_order_is_bought_again_first(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    for _ in range(4):
        buy(platform, clock, ana, shop["milk"])
        buy(platform, clock, bia, shop["rice"], shop["tea"])
    buy(platform, clock, ana, shop["bread"])
    clock.advance(timedelta(hours=1))
    model = train(platform)
    assert model.customers == 2 and model.products == 4

    page = HomePages(platform).page(ana.customer_id)

    assert page.model_version == model.version
    assert kinds(page)[BUY_AGAIN][0] in {"milk", "bread"}
    assert "milk" in kinds(page)[BUY_AGAIN]


def test_what_was_just_bought_anchors_bought_together(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    for _ in range(3):
        clock.advance(timedelta(days=3))
        platform.orders.place(
            bia.principal,
            [Line(shop["rice"], 1), Line(shop["tea"], 1)],
            idempotency_key=f"bia-{clock.now()}",
        )
    buy(platform, clock, ana, shop["milk"])
    train(platform)
    pages = HomePages(platform)
    assert BOUGHT_TOGETHER not in kinds(pages.page(ana.customer_id))

    buy(platform, clock, ana, shop["rice"])  # after training: the next page reacts

    row = next(r for r in pages.page(ana.customer_id).rows if r.kind == BOUGHT_TOGETHER)
    assert row.title == "Bought together with rice"
    assert row.products[0].product.title_en == "tea"


def test_a_new_customer_gets_trending_and_no_personal_rows(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana = shopper(platform, "Ana")
    for _ in range(3):
        buy(platform, clock, ana, shop["eggs"])
    train(platform)
    newcomer = shopper(platform, "Cid")

    page = HomePages(platform).page(newcomer.customer_id)

    assert list(kinds(page)) == [TRENDING]
    assert kinds(page)[TRENDING][0] == "eggs"


def test_before_any_training_the_best_sellers_trend(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana = shopper(platform, "Ana")
    buy(platform, clock, ana, shop["tea"])
    page = HomePages(platform).page(shopper(platform, "Cid").customer_id)
    assert page.model_version is None
    assert kinds(page) == {TRENDING: ["tea"]}


def test_a_second_training_replaces_the_first_whole(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana = shopper(platform, "Ana")
    buy(platform, clock, ana, shop["tea"])
    first = train(platform)
    buy(platform, clock, ana, shop["milk"])
    second = train(platform)
    assert second.version == first.version + 1
    assert HomePages(platform).page(ana.customer_id).model_version == second.version


def test_the_api_serves_each_customer_their_own_page(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    for _ in range(3):
        buy(platform, clock, ana, shop["milk"])
        buy(platform, clock, bia, shop["tea"])
    clock.advance(timedelta(hours=1))
    train(platform)
    with api(platform) as client:
        mine = client.get("/v1/home", headers=bearer(ana.api_key))
        theirs = client.get("/v1/home", headers=bearer(bia.api_key))
        anonymous = client.get("/v1/home")
        operator = client.get("/v1/home", headers=bearer(platform.customers.issue_admin_key()))
    assert mine.status_code == 200 and theirs.status_code == 200
    again = {r["kind"]: [p["title_en"] for p in r["products"]] for r in mine.json()["rows"]}
    assert again[BUY_AGAIN] == ["milk"] and "tea" not in again[BUY_AGAIN]
    their_rows = {r["kind"]: r for r in theirs.json()["rows"]}
    assert [p["title_en"] for p in their_rows[BUY_AGAIN]["products"]] == ["tea"]
    assert their_rows[BUY_AGAIN]["reason"]
    assert_problem(anonymous, 401, "not_authenticated")
    assert operator.status_code == 403


def test_a_search_just_made_has_its_row_on_the_next_page(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana = shopper(platform, "Ana")
    buy(platform, clock, ana, shop["milk"])
    train(platform)
    platform.catalog.search("rice", visitor=Visitor(ana.customer_id))
    platform.catalog.flush_signals()  # what the signal buffer does within the second

    page = HomePages(platform).page(ana.customer_id)

    row = next(r for r in page.rows if r.kind == SEARCHED)
    assert row.title == "Because you searched “rice”"
    assert [c.product.title_en for c in row.products] == ["rice"]


def test_the_api_answers_a_search_just_made_though_the_page_before_it_was_kept(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana = shopper(platform, "Ana")
    buy(platform, clock, ana, shop["milk"])
    train(platform)
    with api(platform) as client:
        first = client.get("/v1/home", headers=bearer(ana.api_key))
        kept = client.get("/v1/home", headers=bearer(ana.api_key))
        platform.catalog.search("rice", visitor=Visitor(ana.customer_id))
        platform.catalog.flush_signals()
        after = client.get("/v1/home", headers=bearer(ana.api_key))

    assert kept.content == first.content
    assert SEARCHED not in [r["kind"] for r in first.json()["rows"]]
    searched = next(r for r in after.json()["rows"] if r["kind"] == SEARCHED)
    assert [p["title_en"] for p in searched["products"]] == ["rice"]


def test_trending_is_what_the_customers_own_region_buys(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    # Rio's customers buy tea, São Paulo's rice (from the one centre: where the goods
    # ship from does not matter, where the customers live does).
    for number in range(5):
        carioca = shopper(platform, f"Rio{number}", at=RIO)
        paulista = shopper(platform, f"Sp{number}", at=SAO_PAULO)
        buy(platform, clock, carioca, shop["tea"])
        buy(platform, clock, paulista, shop["rice"])
    clock.advance(timedelta(hours=1))
    train(platform)
    newcomer = shopper(platform, "Nova", at=RIO)

    pages = HomePages(platform)

    assert kinds(pages.page(newcomer.customer_id, RIO))[TRENDING] == ["tea", "rice"]
    assert kinds(pages.page(newcomer.customer_id, SAO_PAULO))[TRENDING] == ["rice", "tea"]


def test_a_kept_page_is_built_again_once_it_is_older_than_its_freshness(
    platform: Platform, clock: SimulatedClock, shop: dict[str, str]
) -> None:
    ana = shopper(platform, "Ana")
    buy(platform, clock, ana, shop["milk"])
    clock.advance(timedelta(hours=1))
    train(platform)
    kept, fresh = HomePages(platform), HomePages(platform, fresh_s=0)
    before = kept.page(ana.customer_id)
    fresh.page(ana.customer_id)

    platform.catalog.set_price(shop["milk"], Money(2500, "BRL"))

    assert kept.page(ana.customer_id) is before  # nothing it is built from changed
    price = fresh.page(ana.customer_id).rows[0].products[0].product.price
    assert price == Money(2500, "BRL")


def test_a_shop_that_has_sold_nothing_yet_shows_its_newest_products(
    platform: Platform, shop: dict[str, str]
) -> None:
    page = HomePages(platform).page(shopper(platform, "Ana").customer_id)
    assert list(kinds(page)) == [TRENDING]
    assert sorted(kinds(page)[TRENDING]) == sorted(shop)
