"""The storefront's demand signals: a signed-in shopper's product page is a view, a search's
first page is a search (the shopper's, or anonymous); the rest of browsing records nothing."""

from __future__ import annotations

from baro.core.events import read_log
from baro.platform import Platform
from tests.channels.pages.conftest import post_form

SIGNALS = ["product.viewed", "search.performed"]


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

    assert signals(platform) == [
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
