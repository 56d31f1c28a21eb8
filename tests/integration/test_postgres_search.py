"""Search on PostgreSQL gives SQLite's known answers (``tests/search_cases.py``): the same
analysed terms in a 'simple' tsvector, typos corrected through ``pg_trgm``, the same
ranking, and bad input answered without error or delay."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from baro.platform import Platform
from tests.search_cases import (
    BAD_INPUT,
    FINDS_THE_MUG,
    KNOWN_ANSWERS,
    MAX_PARAMETER_CHARS,
    MAX_STATEMENTS,
    SearchWorld,
    common_words_world,
    search_world,
    statements_sent,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def world(platform: Platform) -> SearchWorld:
    made = search_world(platform)
    platform.catalog.find("warm-up 머그컵")  # the analyser's model loads once per process
    return made


@pytest.mark.parametrize(("query", "expected", "did_you_mean"), KNOWN_ANSWERS)
def test_a_shoppers_query_finds_the_product(
    platform: Platform, world: SearchWorld, query: str, expected: str, did_you_mean: str | None
) -> None:
    found = platform.catalog.find(query)

    assert found.items and found.items[0].product.id == getattr(world, expected).id
    assert found.did_you_mean == did_you_mean


def test_pg_trgm_is_installed_and_indexes_the_vocabulary(platform: Platform, world) -> None:
    with platform.db.read() as session:
        similar = session.execute(
            text("SELECT term FROM search_vocabulary WHERE term % 'laptpo'")
        ).scalars()
        assert "laptop" in set(similar)


def test_an_out_of_stock_item_ranks_below_an_in_stock_one_with_equal_text(
    platform: Platform, world: SearchWorld
) -> None:
    found = platform.catalog.find("steel bottle")

    assert [i.product.id for i in found.items] == [world.bottle_in.id, world.bottle_out.id]
    assert [s.stock for s in found.scores] == [1.0, 0.3]


def test_facets_and_paging(platform: Platform, world: SearchWorld) -> None:
    first = platform.catalog.find("casa", limit=2)
    second = platform.catalog.find("casa", limit=2, offset=2)

    assert first.total == 3 and len(first.items) == 2 and len(second.items) == 1
    assert first.facets is not None and first.facets.in_stock == 2


@pytest.mark.parametrize("query", BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_bad_input_costs_bounded_work(platform: Platform, world: SearchWorld, query: str) -> None:
    with statements_sent(platform) as work:
        found = platform.catalog.find(query)

    assert len(work.sent) <= MAX_STATEMENTS
    assert work.longest_parameter() <= MAX_PARAMETER_CHARS
    if query in FINDS_THE_MUG:
        assert world.mug.id in {i.product.id for i in found.items}


def test_a_product_without_terms_is_found_after_reindex(
    platform: Platform, world: SearchWorld
) -> None:
    with platform.db.transaction() as session:
        session.execute(
            text("UPDATE products SET search_terms = NULL WHERE id = :id"), {"id": world.mug.id}
        )
    assert world.mug.id not in {i.product.id for i in platform.catalog.find("mug").items}

    assert platform.catalog.reindex() == 1
    assert platform.catalog.find("머그컵을").items[0].product.id == world.mug.id


def test_two_common_words_alone_do_not_make_a_partial_match(
    platform: Platform, world: SearchWorld
) -> None:
    """As on SQLite; the catalogue's size is the planner's estimate, known once analysed."""
    flours, jasmine = common_words_world(platform, run="-pg")
    with platform.db.transaction() as session:
        session.execute(text("ANALYZE products"))

    with_a_rare_word = platform.catalog.find("jasmine qqqq 2 kg", limit=50).items
    common_words_only = platform.catalog.find("qqqq 2 kg", limit=50).items

    assert [i.product.id for i in with_a_rare_word] == [jasmine.id]
    assert {i.product.id for i in common_words_only} == {f.id for f in flours}
