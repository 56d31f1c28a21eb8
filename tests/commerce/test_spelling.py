"""Did-you-mean candidates (``search.spelling``): the nearest indexed word by edits (Korean by
jamo), the dictionary rebuilt when this process writes or when it is old, and the trigram
index when it cannot be built."""

from __future__ import annotations

import threading

import pytest

from baro.commerce.catalog.search import spelling
from baro.commerce.catalog.search.index import VocabularyTerm
from baro.commerce.catalog.search.spelling import Speller, best_correction, correctable, edits
from baro.platform import Platform
from tests.search_cases import item


def term(text: str, products: int = 1, word: str | None = None) -> VocabularyTerm:
    return VocabularyTerm(text, word or text, products)


def test_korean_words_are_compared_jamo_by_jamo() -> None:
    assert edits("설턍", "설탕") == 1  # one vowel
    assert edits("잴리", "젤리") == 1
    assert edits("잴리", "누리") == 3
    assert best_correction("잴리", "잴리", [term("누리", 2901), term("젤리", 856)]).term == "젤리"  # type: ignore[union-attr]


def test_the_fewest_edits_win_then_the_most_products() -> None:
    candidates = [term("mlk", 2), term("milk", 1146), term("clik", 1)]
    assert best_correction("mlik", "mlik", candidates).term == "milk"  # type: ignore[union-attr]
    # A stem is compared with a stem, the word as typed with the written form.
    tv = term("televis", 5, word="television")
    assert best_correction("televison", "televison", [tv]) == tv
    assert best_correction("mug", "mug", [term("mug")]) is None  # itself is no correction
    assert best_correction("xyzzy", "xyzzy", [term("milk")]) is None  # too far


def test_short_words_are_not_corrected() -> None:
    assert [correctable(w) for w in ("tv", "mug", "컵", "머그", "머")] == [
        False,
        True,
        False,
        True,
        False,
    ]


def test_a_product_added_here_is_correctable_at_once(platform: Platform) -> None:
    platform.catalog.add([item("S-1", "보온병", "Thermos", "casa")])
    assert platform.catalog.find("thermoss").did_you_mean == "thermos"

    platform.catalog.add([item("S-2", "스테이플러", "Stapler", "casa")])

    assert platform.catalog.find("staplr").did_you_mean == "stapler"


def test_an_old_dictionary_answers_while_a_new_one_is_built(platform: Platform) -> None:
    now = [0.0]
    speller = Speller(platform.db, refresh_after_s=60, monotonic=lambda: now[0])
    platform.catalog.add([item("S-1", "보온병", "Thermos", "casa")])
    with platform.db.read() as session:
        assert [c.term for c in speller.candidates(session, "thermoss", "thermoss")] == ["thermo"]
    # Another process (here: the platform's catalogue, not this speller's) adds a product:
    # this speller sees it once its dictionary is old.
    platform.catalog.add([item("S-2", "스테이플러", "Stapler", "casa")])
    with platform.db.read() as session:
        assert speller.candidates(session, "staplr", "staplr") == []  # not old yet
        now[0] = 61.0
        # The refresh waits on the build lock, held here: a pause point, so that this
        # answer comes from the old dictionary whatever the threads' timing.
        with speller._build_lock:
            assert speller.candidates(session, "staplr", "staplr") == []  # old: refreshing
    for thread in threading.enumerate():
        if thread.name == "speller":
            thread.join()
    with platform.db.read() as session:
        assert [c.term for c in speller.candidates(session, "staplr", "staplr")] == ["stapler"]


def test_without_a_dictionary_the_trigram_index_answers(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform.catalog.add([item("S-1", "보온병", "Thermos", "casa")])

    def broken(_session: object) -> list[VocabularyTerm]:
        raise RuntimeError("the vocabulary cannot be read")

    monkeypatch.setattr(spelling, "vocabulary", broken)

    assert platform.catalog.find("thermoss").did_you_mean == "thermos"
