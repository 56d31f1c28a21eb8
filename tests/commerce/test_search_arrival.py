"""The delivery-promise facet of search: how many matches can arrive at the shopper's home
by each day, a match arriving as soon as the soonest facility holding it can deliver."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from baro.commerce.catalog import ArrivalCount, Catalog
from baro.commerce.catalog.arrival import arrival_facet, soonest
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, stock
from tests.search_cases import search_world

MONDAY = datetime(2026, 11, 30, 18, tzinfo=UTC)


def test_each_day_counts_the_matches_arriving_by_its_end() -> None:
    arrives = [MONDAY, MONDAY + timedelta(days=2), None, MONDAY + timedelta(hours=1)]

    assert arrival_facet(arrives) == (
        ArrivalCount(date(2026, 11, 30), 2),
        ArrivalCount(date(2026, 12, 2), 3),
    )
    assert arrival_facet([None]) == ()


def test_a_match_arrives_from_the_soonest_facility_that_holds_it() -> None:
    arrivals = {"fc-sp": MONDAY, "fc-rio": MONDAY + timedelta(days=1)}

    assert soonest(["fc-rio", "fc-sp"], arrivals) == MONDAY
    assert soonest(["fc-rio", "fc-far"], arrivals) == MONDAY + timedelta(days=1)
    assert soonest(["fc-far"], arrivals) is None


def test_the_facet_asks_for_the_facilities_holding_matches_only_with_a_home(
    platform: Platform,
) -> None:
    """An estimate that says a day per 100 km: bottle_in is held in São Paulo (home), the
    bottle_out in Rio. Without a home nothing is asked and the facet is empty."""
    world = search_world(platform)
    rio = add_facility(platform, "FC Rio", RIO)
    stock(platform, rio, world.bottle_out.id, 5)
    asked: list[Mapping[str, tuple[float, float]]] = []

    def by_distance(
        home: tuple[float, float], facilities: Mapping[str, tuple[float, float]]
    ) -> Mapping[str, datetime]:
        asked.append(dict(facilities))
        return {
            f: MONDAY if at == SAO_PAULO else MONDAY + timedelta(days=3)
            for f, at in facilities.items()
        }

    catalog = Catalog(
        platform.db, platform.clock, idempotency_ttl=timedelta(hours=1), arrivals=by_distance
    )
    try:
        anonymous = catalog.find("steel bottle")
        from_home = catalog.find("steel bottle", home=SAO_PAULO)
    finally:
        catalog.close()

    assert anonymous.facets is not None and anonymous.facets.arrives_by == ()
    assert from_home.facets is not None
    assert from_home.facets.arrives_by == (
        ArrivalCount(date(2026, 11, 30), 1),
        ArrivalCount(date(2026, 12, 3), 2),
    )
    assert len(asked) == 1 and set(asked[0].values()) == {SAO_PAULO, RIO}


def test_the_platforms_promise_engine_gives_the_facet(platform: Platform) -> None:
    """The real estimates: from São Paulo, bottle_in (held there) arrives no later than
    bottle_out (held in Rio, 360 km away); every stocked match is counted by the last day."""
    world = search_world(platform)
    stock(platform, add_facility(platform, "FC Rio", RIO), world.bottle_out.id, 5)
    platform.promises.refresh(platform.clock.now())

    facets = platform.catalog.find("steel bottle", home=SAO_PAULO).facets

    assert facets is not None and facets.arrives_by
    assert facets.arrives_by[-1].count == 2
    assert facets.arrives_by[0].by >= platform.clock.now().date()
    near_and_far = platform.promises.earliest_arrivals(
        lat=SAO_PAULO[0],
        lng=SAO_PAULO[1],
        facilities={"here": SAO_PAULO, "rio": RIO},
        items_weight_g=1_000,
        currency="BRL",
        now=platform.clock.now(),
    )
    assert near_and_far["here"] <= near_and_far["rio"]
