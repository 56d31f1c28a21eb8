"""GET /v1/products: bad input is answered 200 (results or none), and the page carries the
ranking's total, facets and did-you-mean beside the fields clients already read."""

from __future__ import annotations

import pytest

from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, shopper, stock
from tests.channels.support import bearer
from tests.search_cases import BAD_INPUT, FINDS_THE_MUG, search_world


@pytest.mark.parametrize("query", BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_bad_input_is_answered_200(client, platform: Platform, query: str) -> None:
    world = search_world(platform)

    response = client.get("/v1/products", params={"q": query})

    assert response.status_code == 200
    ids = {p["id"] for p in response.json()["items"]}
    if query in FINDS_THE_MUG:
        assert world.mug.id in ids


def test_a_misspelt_search_says_what_it_searched_for(client, platform: Platform) -> None:
    world = search_world(platform)

    page = client.get("/v1/products", params={"q": "televison"}).json()

    assert [p["id"] for p in page["items"]] == [world.television.id]
    assert page["did_you_mean"] == "television"
    assert page["total"] == 1 and (page["limit"], page["offset"]) == (20, 0)
    assert page["facets"]["categories"] == [{"category": "eletronicos", "count": 1}]


def test_filters_narrow_the_matches(client, platform: Platform) -> None:
    world = search_world(platform)

    stocked = client.get("/v1/products", params={"q": "steel bottle", "in_stock": True}).json()
    cheap = client.get("/v1/products", params={"q": "casa", "price_max": 3000}).json()
    listing = client.get("/v1/products", params={"category": "casa", "in_stock": True})
    backwards = client.get("/v1/products", params={"q": "casa", "price_min": 10, "price_max": 5})

    assert [p["id"] for p in stocked["items"]] == [world.bottle_in.id]
    assert [p["id"] for p in cheap["items"]] == [world.tissue.id]
    assert listing.status_code == 200  # without words, the listing is filtered alike
    listed = {p["id"] for p in listing.json()["items"]}
    assert listed == {world.tissue.id, world.bottle_in.id}
    assert backwards.status_code == 200 and backwards.json()["items"] == []


def test_a_listing_without_words_keeps_its_old_shape(client, platform: Platform) -> None:
    search_world(platform)

    page = client.get("/v1/products", params={"category": "casa"}).json()

    assert len(page["items"]) == 3
    assert page["total"] is None and page["facets"] is None and page["did_you_mean"] is None


def test_a_signed_in_customers_search_ranks_stock_near_their_home_first(
    client, platform: Platform
) -> None:
    """Both bottles are in stock, bottle_out's in Rio only: anonymous, the tie keeps its
    lower SKU first; a customer living in São Paulo gets the bottle stocked there first."""
    world = search_world(platform)
    stock(platform, add_facility(platform, "FC Rio", RIO), world.bottle_out.id, 5)
    ana = shopper(platform, "Ana", at=SAO_PAULO)

    def first(headers: dict[str, str] | None = None) -> str:
        page = client.get("/v1/products", params={"q": "steel bottle"}, headers=headers)
        assert page.status_code == 200
        return str(page.json()["items"][0]["id"])

    assert first() == world.bottle_out.id
    assert first(bearer(ana.api_key)) == world.bottle_in.id


def test_a_signed_in_customer_sees_by_when_the_matches_can_arrive(
    client, platform: Platform
) -> None:
    search_world(platform)
    ana = shopper(platform, "Ana", at=SAO_PAULO)
    platform.promises.refresh(platform.clock.now())

    anonymous = client.get("/v1/products", params={"q": "steel bottle"}).json()
    signed_in = client.get(
        "/v1/products", params={"q": "steel bottle"}, headers=bearer(ana.api_key)
    ).json()

    assert anonymous["facets"]["arrives_by"] == []
    arrives_by = signed_in["facets"]["arrives_by"]
    assert arrives_by and arrives_by[-1]["count"] == signed_in["facets"]["in_stock"] == 1
    assert arrives_by[0]["by"] >= platform.clock.now().date().isoformat()


def test_a_signed_in_search_checks_the_key_once(client, platform: Platform, monkeypatch) -> None:
    """The customer (for the signal) and their home (for stock near it) come from one check."""
    search_world(platform)
    ana = shopper(platform, "Ana", at=SAO_PAULO)
    checks = []
    authenticate = platform.customers.authenticate

    def counted(api_key: str):  # type: ignore[no-untyped-def]
        checks.append(api_key)
        return authenticate(api_key)

    monkeypatch.setattr(platform.customers, "authenticate", counted)

    page = client.get("/v1/products", params={"q": "steel bottle"}, headers=bearer(ana.api_key))

    assert page.status_code == 200 and checks == [ana.api_key]
