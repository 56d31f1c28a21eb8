"""The storefront's demand signals: a signed-in shopper's product page is a view, a search's
first page is a search (the shopper's, or anonymous); the rest of browsing records nothing."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from baro.core.events import read_log
from baro.platform import Platform
from tests.channels.pages.conftest import post_form

SIGNALS = ["product.viewed", "search.performed", "search.clicked"]


def signals(platform: Platform) -> list[tuple[str, dict]]:
    platform.catalog.flush_signals()
    with platform.db.read() as session:
        return [(e.event_type, dict(e.data)) for e in read_log(session, event_types=SIGNALS)]


def customer_of(platform: Platform, client) -> str:
    who = platform.accounts.session(client.cookies["baro_session"])
    assert who.principal.customer_id is not None
    return who.principal.customer_id


def test_a_signed_in_shoppers_product_page_is_a_view(platform, shopper, shop) -> None:
    assert shopper.get(f"/products/{shop.product}").status_code == 200

    assert signals(platform) == [
        (
            "product.viewed",
            {"customer_id": customer_of(platform, shopper), "product_id": shop.product},
        )
    ]


def test_a_visitors_product_page_is_no_view(platform, browser, shop) -> None:
    assert browser.get(f"/products/{shop.product}").status_code == 200
    assert signals(platform) == []


def test_a_refused_1_click_shows_the_page_again_without_another_view(
    platform, shopper, shop
) -> None:
    shopper.get(f"/products/{shop.product}")
    refused = post_form(
        shopper,
        f"/products/{shop.product}/buy",
        {"idempotency_key": "", "quantity": "1"},  # an expired form
        page="/cart",
    )

    assert refused.status_code == 422
    assert [kind for kind, _ in signals(platform)] == ["product.viewed"]


def test_a_search_is_the_shoppers_and_its_next_page_is_not_logged(platform, shopper, shop) -> None:
    assert shopper.get("/search", params={"q": "garrafa"}).status_code == 200
    assert shopper.get("/search", params={"q": "garrafa", "page": 2}).status_code == 200

    logged = signals(platform)
    assert logged[0][1].pop("search_id").startswith("srch_")
    assert logged == [
        (
            "search.performed",
            {
                "customer_id": customer_of(platform, shopper),
                "query": "garrafa",
                "category": None,
                "product_ids": [shop.product],
                "categories": ["casa"],
            },
        )
    ]


def test_a_visitors_search_by_category_is_anonymous(platform, browser, shop) -> None:
    assert browser.get("/search", params={"category": "casa"}).status_code == 200

    ((kind, data),) = signals(platform)
    assert kind == "search.performed"
    assert (data["customer_id"], data["query"], data["category"]) == (None, "", "casa")
    assert data["product_ids"] == [shop.product]


def search_links(page: str) -> list[str]:
    return re.findall(r'href="(/products/[^"]+)"', page)


def test_a_result_opened_from_a_search_is_that_searchs_click(platform, shopper, shop) -> None:
    results = shopper.get("/search", params={"q": "garrafa"})
    (link,) = search_links(results.text)
    search_id = parse_qs(urlsplit(html.unescape(link)).query)["sr"][0]

    assert shopper.get(html.unescape(link)).status_code == 200

    kinds = {kind: data for kind, data in signals(platform)}
    assert kinds["search.performed"]["search_id"] == search_id
    assert kinds["search.clicked"] == {
        "customer_id": customer_of(platform, shopper),
        "search_id": search_id,
        "product_id": shop.product,
        "position": 1,
    }


def test_a_visitors_click_is_anonymous_and_the_next_page_keeps_the_search(
    platform, browser, shop
) -> None:
    first = browser.get("/search", params={"q": "garrafa"})
    (link,) = search_links(first.text)
    search_id = parse_qs(urlsplit(html.unescape(link)).query)["sr"][0]

    browser.get(html.unescape(link))
    later = browser.get("/search", params={"q": "garrafa", "page": 2, "sr": search_id})

    clicks = [data for kind, data in signals(platform) if kind == "search.clicked"]
    assert clicks == [
        {"customer_id": None, "search_id": search_id, "product_id": shop.product, "position": 1}
    ]
    assert f"sr={search_id}" in later.text  # its page links go on naming the search


def test_a_link_that_names_no_search_counts_no_click(platform, browser, shop) -> None:
    for params in (
        {"sr": "srch_nope", "pos": "1"},
        {"sr": "srch_" + "0" * 26, "pos": "0"},
        {"sr": "srch_" + "0" * 26, "pos": "１"},  # a full-width digit
        {"sr": "srch_" + "0" * 26, "pos": "x"},
        {"sr": "", "pos": "3"},
    ):
        assert browser.get(f"/products/{shop.product}", params=params).status_code == 200

    assert signals(platform) == []


def test_a_signed_in_shoppers_search_says_by_when_its_matches_can_arrive(
    platform, shopper, shop
) -> None:
    """The delivery-promise facet (docs/search.md): the shopper has a default address, the
    bottle is stocked in São Paulo; a visitor, with no address, gets no such list."""
    platform.promises.refresh(platform.clock.now())

    page = shopper.get("/search", params={"q": "garrafa"}).text

    listed = re.search(r'data-testid="arrives-by">(.*?)</p>', page, re.S)
    assert listed is not None and "(1)" in listed.group(1)


def test_a_visitors_search_lists_no_arrival_days(browser, shop) -> None:
    assert 'data-testid="arrives-by"' not in browser.get("/search", params={"q": "garrafa"}).text
