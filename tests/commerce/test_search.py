"""Search with known answers on SQLite: analysis (particles, spacing, plurals, typos,
synonyms), ranking (stock, sales), facets and paging, and bad input. The same cases run on
PostgreSQL in ``tests/integration/test_postgres_search.py``."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from baro.commerce.catalog import Catalog
from baro.commerce.catalog.search import index
from baro.commerce.catalog.search.analysis import analyse_query
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, stock
from tests.search_cases import (
    BAD_INPUT,
    FINDS_THE_MUG,
    KNOWN_ANSWERS,
    MAX_PARAMETER_CHARS,
    MAX_STATEMENTS,
    common_words_world,
    item,
    search_world,
    statements_sent,
)


@pytest.mark.parametrize(("query", "expected", "did_you_mean"), KNOWN_ANSWERS)
def test_a_shoppers_query_finds_the_product(
    platform: Platform, query: str, expected: str, did_you_mean: str | None
) -> None:
    """Each query finds its product first, and says did-you-mean only when it corrected."""
    world = search_world(platform)

    found = platform.catalog.find(query)

    assert found.items and found.items[0].product.id == getattr(world, expected).id
    assert found.did_you_mean == did_you_mean


def test_words_as_typed_find_nothing_unrelated(platform: Platform) -> None:
    """The analysis widens matches, not into noise: a word no product has finds none."""
    search_world(platform)

    assert platform.catalog.find("helicopter").items == []


def test_when_no_product_has_every_word_those_with_most_of_them_are_found(
    platform: Platform,
) -> None:
    """No product is both a mug and a notebook: the mugs match two of the three words
    (머그, 컵, 노트북) and are found; nothing that matches fewer is."""
    search_world(platform)

    found = platform.catalog.find("머그컵 노트북", limit=50).items

    assert found
    assert all("머그" in item.product.title_ko for item in found)


def test_two_common_words_alone_do_not_make_a_partial_match(platform: Platform) -> None:
    """The "2" and "kg" of a size are on most of this catalogue: a product with only those
    two of four words is not a partial match while a rarer word of the query is there
    (jasmine), and is when the query has no rarer word than them."""
    flours, jasmine = common_words_world(platform)

    with_a_rare_word = platform.catalog.find("jasmine qqqq 2 kg", limit=50).items
    common_words_only = platform.catalog.find("qqqq 2 kg", limit=50).items

    assert [i.product.id for i in with_a_rare_word] == [jasmine.id]
    assert {i.product.id for i in common_words_only} == {f.id for f in flours}


def test_the_best_text_matches_are_the_best_active_ones_ties_by_sku(platform: Platform) -> None:
    """The two best matches for "zorb" are inactive: the best three are the active ones
    after them, equal texts in SKU order, as when a filter makes the database read every
    match's product (SQLite ranks the text first when nothing but activity filters)."""
    zorbs = [
        replace(item(f"{sku}", ko, en, "casa"), active=sku[0] != "I")
        for sku, ko, en in [
            ("I1", "조브", "Zorb"),
            ("I2", "조브", "Zorb"),
            ("A1", "조브 공", "Zorb ball"),
            ("B3", "조브 공 파란 대형", "Zorb ball blue large"),
            ("B1", "조브 공 파란 대형", "Zorb ball blue large"),
            ("B2", "조브 공 파란 대형", "Zorb ball blue large"),
        ]
    ]
    platform.catalog.add(zorbs)
    query = analyse_query("zorb")

    with platform.db.read() as session:
        best = index.matches(session, query, index.TextFilters(None, None, None, limit=3))
        filtered = index.matches(session, query, index.TextFilters("casa", None, None, limit=3))

    by_id = {z.id: z.sku for z in zorbs}
    assert [by_id[hit.product_id] for hit in best] == ["A1", "B1", "B2"]
    assert best == filtered


def test_an_out_of_stock_item_ranks_below_an_in_stock_one_with_equal_text(
    platform: Platform,
) -> None:
    """The two bottles have the same text; the one without stock has the lower SKU (the
    database's tie order), and still comes second."""
    world = search_world(platform)

    found = platform.catalog.find("steel bottle")

    assert [i.product.id for i in found.items] == [world.bottle_in.id, world.bottle_out.id]
    assert [s.stock for s in found.scores] == [1.0, 0.3]
    assert platform.catalog.find("물병을", in_stock=True).total == 1


def test_stock_near_the_shoppers_home_ranks_above_stock_far_away(platform: Platform) -> None:
    """bottle_out gets units in Rio, 360 km from the São Paulo center that has bottle_in's:
    from each city its own bottle comes first; with no home, either is in stock and the
    tie keeps the database's order (bottle_out's lower SKU)."""
    world = search_world(platform)
    stock(platform, add_facility(platform, "FC Rio", RIO), world.bottle_out.id, 5)

    def order(home: tuple[float, float] | None) -> list[tuple[str, float, int | None]]:
        found = platform.catalog.find("steel bottle", home=home)
        return [(s.product_id, s.stock, s.near) for s in found.scores]

    assert order(SAO_PAULO) == [(world.bottle_in.id, 1.0, 5), (world.bottle_out.id, 0.7, 0)]
    assert order(RIO) == [(world.bottle_out.id, 1.0, 5), (world.bottle_in.id, 0.7, 0)]
    assert order(None) == [(world.bottle_out.id, 1.0, None), (world.bottle_in.id, 1.0, None)]


def test_what_sells_ranks_first_among_equal_text(platform: Platform, clock) -> None:
    """With both bottles stocked, the one sold more in the last 30 days comes first; units
    sold before the window do not count."""
    world = search_world(platform)
    asked: list[datetime] = []

    def units_sold(_s: Session, ids: Sequence[str], since: datetime) -> Mapping[str, int]:
        asked.append(since)
        return {world.bottle_out.id: 40} if world.bottle_out.id in ids else {}

    catalog = Catalog(platform.db, clock, idempotency_ttl=timedelta(hours=1), units_sold=units_sold)
    with platform.db.transaction() as session:
        session.execute(text("DELETE FROM inventory"))  # both out: only sales differ

    found = catalog.find("steel water bottle")

    assert [i.product.id for i in found.items] == [world.bottle_out.id, world.bottle_in.id]
    assert found.scores[0].units_sold == 40 and found.scores[0].sales == pytest.approx(40 / 60)
    assert asked == [clock.now() - timedelta(days=30)]


def test_facets_and_paging_cover_every_match(platform: Platform) -> None:
    world = search_world(platform)

    first = platform.catalog.find("casa", limit=2)
    second = platform.catalog.find("casa", limit=2, offset=2)

    assert first.total == 3 and len(first.items) == 2 and len(second.items) == 1
    ids = {i.product.id for i in first.items + second.items}
    assert ids == {world.tissue.id, world.bottle_in.id, world.bottle_out.id}
    assert first.facets is not None
    assert [(c.category, c.count) for c in first.facets.categories] == [("casa", 3)]
    assert first.facets.in_stock == 2
    assert sum(b.count for b in first.facets.price_bands) == 3
    cheap = platform.catalog.find("casa", price_max=3000)
    assert [i.product.id for i in cheap.items] == [world.tissue.id]


def test_filters_apply_to_a_listing_without_words_and_an_empty_range_finds_nothing(
    platform: Platform,
) -> None:
    world = search_world(platform)
    everything = {i.product.id for i in platform.catalog.find("", limit=100).items}
    in_stock = platform.catalog.find("", in_stock=True, limit=100).items
    cheap = platform.catalog.find("", price_max=3000, limit=100).items

    assert in_stock and all(i.available > 0 for i in in_stock)
    assert world.bottle_out.id in everything
    assert world.bottle_out.id not in {i.product.id for i in in_stock}
    assert cheap and all(i.product.price.minor <= 3000 for i in cheap)
    assert {i.product.id for i in cheap} < everything
    assert platform.catalog.find("mug", price_min=10, price_max=5).items == []
    assert platform.catalog.find("", price_min=10, price_max=5).total == 0


@pytest.mark.parametrize("query", BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_bad_input_costs_bounded_work(platform: Platform, query: str) -> None:
    """Operators are words or nothing, long input is cut: no error, bounded work."""
    world = search_world(platform)
    platform.catalog.find("warm-up")  # the analyser's model loads once per process

    with statements_sent(platform) as work:
        found = platform.catalog.find(query)

    assert len(work.sent) <= MAX_STATEMENTS
    assert work.longest_parameter() <= MAX_PARAMETER_CHARS
    if query in FINDS_THE_MUG:
        assert world.mug.id in {i.product.id for i in found.items}


def test_products_made_before_the_terms_are_found_after_reindex(platform: Platform) -> None:
    """Revision 0016 leaves older rows without terms; ``reindex`` analyses them once."""
    world = search_world(platform)
    with platform.db.transaction() as session:
        session.execute(text("UPDATE products SET search_terms = NULL"))
    assert platform.catalog.find("mug").items == []

    assert platform.catalog.reindex(batch=4) == 6
    assert platform.catalog.reindex() == 0
    assert [i.product.id for i in platform.catalog.find("mugs").items] == [world.mug.id]


def check_the_full_text_index(platform: Platform) -> None:
    """FTS5's own check of its external-content index against the rows (raises if not)."""
    with platform.db.transaction() as session:
        session.execute(
            text("INSERT INTO products_fts_terms(products_fts_terms) VALUES ('integrity-check')")
        )


def database_with_an_old_product(
    folder: Path, revision: str, title_ko: str, terms: str | None = None
) -> str:
    """A SQLite database with one product written at ``revision`` (with the search
    ``terms`` it had then, and those terms in the vocabulary once), upgraded to the head."""
    path = folder / "old.db"
    url = f"sqlite:///{path}"
    upgrade(url, revision)
    columns = "id, sku, title_ko, title_en, category, price_minor, currency, weight_g, " + (
        "length_cm, width_cm, height_cm, active" + (", search_terms" if terms else "")
    )
    values = ["prd_old", "OLD-1", title_ko, "Old", "casa", 100, "BRL", 1, 1, 1, 1, 1]
    values += [terms] if terms else []
    marks = ", ".join("?" * len(values))
    with sqlite3.connect(path) as old:
        old.execute(f"INSERT INTO products ({columns}) VALUES ({marks})", values)
        for term in (terms or "").split():
            old.execute("INSERT INTO search_vocabulary VALUES (?, ?, 1)", (term, term))
    upgrade(url)
    return url


def test_products_from_before_0016_are_indexed_by_reindex(tmp_path, clock) -> None:
    """A product written at 0015 is in the new index (with no terms) after the upgrade, so
    reindex's update keeps FTS5's external-content index sound, and then finds it."""
    url = database_with_an_old_product(tmp_path, "0015", "머그컵")
    platform = Platform.start(Settings(database_url=url), clock=clock)
    try:
        assert platform.catalog.reindex() == 1
        found = platform.catalog.find("머그컵을")
        check_the_full_text_index(platform)
    finally:
        platform.close()
    assert [i.product.id for i in found.items] == ["prd_old"]


def test_0018_analyses_products_again_with_their_bigrams(tmp_path, clock) -> None:
    """A product indexed at 0017 has no bigrams; after the upgrade and reindex it has, is
    found by them, and the vocabulary counts it once."""
    url = database_with_an_old_product(tmp_path, "0017", "무향밀가루", "무향밀가루 old")
    platform = Platform.start(Settings(database_url=url), clock=clock)
    try:
        assert platform.catalog.reindex() == 1
        found = platform.catalog.find("밀가루")  # Kiwi kept the title whole: its bigrams
        check_the_full_text_index(platform)
        with platform.db.read() as session:
            counted = session.execute(
                text("SELECT products FROM search_vocabulary WHERE term = 'old'")
            ).scalar_one()
    finally:
        platform.close()
    assert [i.product.id for i in found.items] == ["prd_old"]
    assert counted == 1  # counted again from the new analysis, not on top of the old count


def test_a_last_word_the_index_has_is_taken_whole_and_an_unknown_one_as_a_start(
    platform: Platform,
) -> None:
    """``vine`` is a word of the catalogue: it does not find vinegar; ``vineg`` is not, so
    the shopper may still be typing it, and it finds vinegar."""
    tomato = item("T-1", "토마토", "Tomato on the vine", "casa")
    vinegar = item("T-2", "식초", "White vinegar", "casa")
    platform.catalog.add([tomato, vinegar])

    assert [i.product.id for i in platform.catalog.find("vine").items] == [tomato.id]
    assert vinegar.id in {i.product.id for i in platform.catalog.find("vineg").items}
