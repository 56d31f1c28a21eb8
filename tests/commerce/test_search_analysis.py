"""The analysis rules with known answers, without a database: the terms a product is
indexed under and the groups a query asks for."""

from __future__ import annotations

import threading

import pytest

from baro.commerce.catalog.search import analysis
from baro.commerce.catalog.search.analysis import (
    MAX_QUERY_TERMS,
    MAX_TERM_CHARS,
    Field,
    analyse_query,
    document_terms,
    fold,
    hangul_bigrams,
)
from baro.commerce.catalog.search.index import Hit
from baro.commerce.catalog.search.ranking import RankingWeights, rank
from baro.core.money import Money


def terms_of(query: str) -> list[set[str]]:
    return [set(group.terms) for group in analyse_query(query).groups]


def test_particles_and_endings_are_dropped_and_compounds_split() -> None:
    assert terms_of("머그컵을") == [{"머그"}, {"컵", "잔"}]
    assert terms_of("머그컵을") == terms_of("머그컵에서") == terms_of("머그 컵")
    assert terms_of("프리미엄머그컵") == terms_of("프리미엄 머그컵")
    assert document_terms([Field("세탁기를 돌렸다", "ko")]) == ["세탁기", "돌리"]


def test_english_is_stemmed_and_folded_and_portuguese_categories_too() -> None:
    assert document_terms([Field("Coffee MUGS", "en")]) == ["coffe", "mug"]
    assert document_terms([Field("utilidades domésticas", "pt")]) == ["util", "domest"]
    assert fold("ÉLÉTRICA Straße") == "eletrica strasse"
    assert fold("머그컵") == "머그컵"  # Hangul is recomposed, not left as jamo
    # A query word matches either language's stem: titles are English, categories Portuguese.
    assert terms_of("utilidade") == [{"utilidad", "util"}]


def test_korean_text_is_indexed_by_its_bigrams_too_spaces_left_out() -> None:
    assert hangul_bigrams("다온 무향두유 200g") == ["다온", "온무", "무향", "향두", "두유"]
    assert hangul_bigrams("물 mug 컵") == []  # a syllable alone has none; Latin is no bigram
    # A word of three syllables or more may match by all of its bigrams; two is itself.
    assert analyse_query("밀가루").groups[0].alternatives == (("밀가루",), ("밀가", "가루"))
    assert analyse_query("두유").groups[0].alternatives == (("두유",),)


def test_synonyms_widen_a_word_both_ways() -> None:
    assert terms_of("휴지") == [{"휴지", "화장지"}]
    assert terms_of("화장지") == [{"화장지", "화장", "장지", "휴지"}]  # its bigrams too
    assert {"televis"} <= terms_of("tv")[0]
    assert ("toilet", "paper") in analyse_query("tissue").groups[0].alternatives


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR", "-", ":", "😀😀", "   ", "'; DROP TABLE x; --"]
)
def test_operators_and_symbols_never_reach_the_index(query: str) -> None:
    """Terms are letters and digits only, whatever was typed."""
    for group in analyse_query(query).groups:
        assert all(term.isalnum() for term in group.terms)
    assert analyse_query("😀😀").empty and analyse_query("  \t").empty


def test_long_queries_are_bounded_before_and_after_analysis() -> None:
    many = analyse_query(" ".join(f"word{n}" for n in range(100)))
    long_word = analyse_query("x" * 10_000)

    assert len(many.groups) == MAX_QUERY_TERMS and many.truncated
    assert long_word.truncated and len(long_word.groups[0].surface) == MAX_TERM_CHARS


def test_the_model_loads_once_under_concurrent_first_use(monkeypatch) -> None:
    """Two first searches at once share one Kiwi."""
    monkeypatch.setattr(analysis, "_kiwi", None)
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(analysis.kiwi())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(seen) == 4 and all(k is seen[0] for k in seen)


def test_ranking_normalises_text_saturates_sales_and_sinks_stock_outs() -> None:
    weights = RankingWeights()
    price = Money(100, "BRL")
    hits = [
        Hit("a", 8.0, "casa", price),
        Hit("b", 4.0, "casa", price),
        Hit("c", 8.0, "casa", price),
    ]

    scored = rank(hits, {"b": 20}, {"a": 1, "b": 1}, weights)

    by_id = {s.product_id: s for s in scored}
    assert by_id["a"].final == pytest.approx(0.75)
    assert by_id["b"].final == pytest.approx(0.75 * 0.5 + 0.25 * 0.5)
    assert by_id["c"].final == pytest.approx(0.75 * 0.3)
    assert [s.product_id for s in scored] == ["a", "b", "c"]


def test_weights_are_checked_on_construction() -> None:
    with pytest.raises(ValueError):
        RankingWeights(out_of_stock=1.5)
    with pytest.raises(ValueError):
        RankingWeights(text=0, sales=0)
