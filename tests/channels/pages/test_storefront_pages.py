"""What every page shares: the language (Accept-Language until the shopper picks one,
then the pick), money in each currency's own way, styled 404 and 500 pages (API paths keep
problem+json), and the home, search and product pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from baro.channels.web.pages import rendering
from baro.channels.web.pages.home_rows import (
    ROW_LENGTH,
    BestSellersRow,
    HomeRows,
    NewArrivalsRow,
)
from baro.commerce.catalog import Dimensions, Product
from baro.core.ids import new_id
from baro.core.money import Money
from tests.builders import add_product, stock
from tests.channels.pages.conftest import csrf_token, post_form
from tests.channels.pages.test_storefront_orders import one_click_form
from tests.channels.support import assert_problem


def formatted(lang: str, amount: Money) -> str:
    template = rendering.ENVIRONMENT.from_string("{{ amount|money }}")
    return template.render(lang=lang, amount=amount)


@pytest.mark.parametrize(
    ("amount", "lang", "shown"),
    [
        (Money(1190, "KRW"), "en", "₩1,190"),
        (Money(1190, "KRW"), "ko", "₩1,190"),
        (Money(1_234_500, "KRW"), "ko", "₩1,234,500"),
        (Money(1190, "BRL"), "en", "R$11.90"),
        (Money(1190, "BRL"), "ko", "R$11.90"),
        (Money(1190, "USD"), "en", "$11.90"),
        (Money(100, "USD"), "en", "$1.00"),
    ],
)
def test_money_has_the_decimals_of_its_currency(amount: Money, lang: str, shown: str) -> None:
    assert formatted(lang, amount) == shown


def test_a_korean_won_price_is_shown_without_decimals(platform, browser) -> None:
    item = Product(
        id=new_id("prd"),
        sku=new_id("SKU"),
        title_ko="보온병",
        title_en="Flask",
        category="casa",
        price=Money(25_900, "KRW"),
        weight_g=500,
        dimensions=Dimensions(30, 10, 10),
    )
    platform.catalog.add([item])

    page = browser.get(f"/products/{item.id}")

    assert 'data-testid="product-price">₩25,900<' in page.text


def test_the_page_follows_accept_language_until_the_shopper_picks(browser, shop) -> None:
    korean = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}

    first = browser.get("/", headers=korean)
    picked = post_form(browser, "/language", {"lang": "en", "next": "/search?q=x"})
    after = browser.get("/", headers=korean)

    assert '<html lang="ko">' in first.text and "상품 검색" in first.text
    assert picked.status_code == 303 and picked.headers["location"] == "/search?q=x"
    assert "baro_lang=en" in picked.headers["set-cookie"]
    assert '<html lang="en">' in after.text and "Search products" in after.text


def test_english_is_the_default_and_unknown_languages_fall_back_to_it(browser) -> None:
    page = browser.get("/", headers={"Accept-Language": "fr-FR,de;q=0.8"})

    assert '<html lang="en">' in page.text


def test_the_korean_product_page_uses_the_korean_title(browser, shop) -> None:
    post_form(browser, "/language", {"lang": "ko"})

    page = browser.get(f"/products/{shop.product}")

    assert 'data-testid="product-title">보온병 ' in page.text
    assert "장바구니에 담기" in page.text or "로그인" in page.text


def test_the_language_switch_never_redirects_elsewhere(browser) -> None:
    response = post_form(browser, "/language", {"lang": "ko", "next": "//evil.example"})

    assert response.headers["location"] == "/"


def test_an_unknown_page_is_a_styled_404(browser) -> None:
    response = browser.get("/no-such-page", headers={"Accept-Language": "ko"})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert (
        'data-testid="error-404"' in response.text and "페이지를 찾을 수 없습니다" in response.text
    )


def test_a_404_page_still_knows_who_is_signed_in(shopper) -> None:
    response = shopper.get("/no-such-page")

    assert response.status_code == 404 and 'data-testid="nav-account"' in response.text


def test_a_403_page_still_knows_who_is_signed_in(shopper) -> None:
    """A form without its token is refused with the 403 page, whose header greets the
    shopper signed in, like the 404's (not the signed-out header)."""
    response = shopper.post("/cart/items", data={"product_id": "prd_x", "quantity": "1"})

    assert response.status_code == 403 and 'data-testid="error-403"' in response.text
    assert 'data-testid="nav-account"' in response.text


def test_only_the_search_sidebar_stacks_its_categories_and_home_rows_fill_their_rows(
    shopper, shop
) -> None:
    """The home page's category pills stay in rows at any width (only the search page's
    sidebar stacks them), and a home row's columns divide its eight products."""
    css = shopper.get("/static/baro.css").text
    stacking = [
        line for line in css.splitlines() if "flex-direction: column" in line and "facets" in line
    ]
    assert stacking and all(".columns > .facets ul" in line for line in stacking)
    assert "columns" in shopper.get("/search").text.split('class="facets"')[0].rsplit("<div", 1)[1]
    assert ROW_LENGTH % 4 == 0 and ROW_LENGTH % 2 == 0
    assert "repeat(4, minmax(0, 1fr))" in css and "repeat(2, minmax(0, 1fr))" in css
    home = shopper.get("/").text
    assert 'class="grid row-grid"' in home


def test_an_unknown_product_is_a_styled_404(browser) -> None:
    response = browser.get("/products/prd_nothing")

    assert response.status_code == 404 and 'data-testid="error-404"' in response.text


def test_api_paths_keep_problem_json(browser) -> None:
    assert_problem(browser.get("/v1/no-such-thing"), 404, "not_found")
    assert_problem(browser.get("/v1/products/prd_nothing"), 404, "product_not_found")


def test_a_server_error_is_a_styled_500_with_the_request_id_and_no_traceback(
    platform, browser, shop, monkeypatch
) -> None:
    def broken(product_id: str) -> None:
        raise RuntimeError("disk on fire at /srv/secret/path")

    monkeypatch.setattr(platform.catalog, "get", broken)

    response = browser.get(f"/products/{shop.product}", headers={"X-Request-ID": "req-7f3a"})

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-reference">req-7f3a<' in response.text
    assert "disk on fire" not in response.text and "Traceback" not in response.text


def test_pages_forbid_framing_and_foreign_scripts(browser) -> None:
    page = browser.get("/")

    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy


def test_the_home_page_shows_best_sellers_and_new_arrivals(platform, shopper, shop) -> None:
    # Uncached rows: the app's own keep their products for a minute.
    shopper.app.state.home_rows = HomeRows(
        [BestSellersRow(platform, cache_seconds=0), NewArrivalsRow(platform, cache_seconds=0)]
    )
    newest = add_product(platform, sku=new_id("SKU"), title="Caneca nova")
    stock(platform, shop.facility, newest.id, 3)

    post_form(shopper, f"/products/{shop.product}/buy", one_click_form(shopper, shop.product))

    page = shopper.get("/").text

    best = page.split('data-testid="row-best_sellers"')[1].split("</section>")[0]
    new = page.split('data-testid="row-new_arrivals"')[1].split("</section>")[0]
    assert shop.product in best and newest.id not in best
    assert new.index(newest.id) < new.index(shop.product)


def test_search_pages_through_results_and_filters_by_category(platform, browser, shop) -> None:
    for n in range(25):
        add_product(platform, sku=f"MUG-{n:02}", title=f"Caneca {n}")

    first = browser.get("/search?q=caneca")
    second = browser.get("/search?q=caneca&page=2")
    casa = browser.get("/search?category=casa")
    none = browser.get("/search?category=nothing")

    assert first.text.count('data-testid="product-card"') == 24
    # The next page's link names the search it continues (its clicks count for it).
    assert re.search(r'href="/search\?q=caneca&amp;page=2&amp;sr=srch_[0-9a-v]{26}"', first.text)
    assert second.text.count('data-testid="product-card"') == 1
    assert 'data-testid="page-prev"' in second.text and 'data-testid="page-next"' not in second.text
    assert 'data-testid="facet-casa" aria-current="true"' in casa.text
    assert 'data-testid="no-results"' in none.text


def test_a_search_with_markup_is_shown_as_text(browser) -> None:
    page = browser.get("/search", params={"q": '<script>alert("x")</script>'})

    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text


def test_dates_are_said_in_the_page_language() -> None:
    at = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    template = rendering.ENVIRONMENT.from_string("{{ at|datetime }}")

    assert template.render(lang="en", at=at) == "Nov 25, 2026, 9:30:00\u202fAM UTC"
    assert template.render(lang="ko", at=at).startswith("2026. 11. 25.")


def test_a_form_token_is_bound_to_the_visitor(browser) -> None:
    assert csrf_token(browser) == csrf_token(browser, "/signin")


@pytest.mark.parametrize(
    ("left", "shown"),
    [
        (timedelta(minutes=30), "30:00"),
        (timedelta(minutes=29, seconds=58), "29:58"),
        (timedelta(seconds=59), "0:59"),
        (timedelta(hours=1, minutes=5, seconds=9), "1:05:09"),
        (timedelta(seconds=-3), "0:00"),
    ],
)
def test_the_cancel_window_left_reads_like_a_clock(left: timedelta, shown: str) -> None:
    assert rendering.duration(left) == shown


def test_a_misspelt_search_shows_what_it_found_and_the_corrected_words(browser, shop) -> None:
    """One typo still finds the bottle, and the page offers the corrected words (in Korean
    for a Korean shopper); a long paste is answered, not refused."""
    page = browser.get("/search", params={"q": "garrafs termica"})
    korean = browser.get(
        "/search", params={"q": "garrafs termica"}, headers={"Accept-Language": "ko"}
    )
    pasted = browser.get("/search", params={"q": "garrafa " * 1000})

    assert page.text.count('data-testid="product-card"') == 1
    assert 'data-testid="did-you-mean"' in page.text
    assert 'href="/search?q=garrafa+termica">garrafa termica</a>' in page.text
    assert "이것을 찾으셨나요:" in korean.text
    assert pasted.status_code == 200 and 'data-testid="product-card"' in pasted.text
