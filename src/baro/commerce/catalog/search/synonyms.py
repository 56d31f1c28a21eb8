"""Synonyms as data (``synonyms.json``): groups of words per language that find each other,
applied to a query's words, never to the index (a new synonym needs no re-index)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from baro.commerce.catalog.search.analysis import Field, document_terms, words


@cache
def _table() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each word (as the query side analyses it) → the analysed terms of its group's others.
    A word of one analysed term is keyed by that term; a multi-word entry (toilet paper) is
    found by none of its words alone, only found as the alternative of the others."""
    raw = json.loads(files(__package__).joinpath("synonyms.json").read_text("utf-8"))
    table: dict[str, list[tuple[str, ...]]] = {}
    for language, groups in raw.items():
        if language.startswith("_"):
            continue
        for group in groups:
            analysed = {entry: _terms(entry) for entry in group}
            for entry in analysed:
                keys = [w.surface for w in words(entry)]
                if len(keys) != 1:
                    continue
                others = table.setdefault(keys[0], [])
                for other, other_terms in analysed.items():
                    if other != entry and other_terms and other_terms not in others:
                        others.append(other_terms)
    return {key: tuple(value) for key, value in table.items()}


def _terms(entry: str) -> tuple[str, ...]:
    """An entry's terms as the index holds a title's (Latin words stemmed in English)."""
    return tuple(document_terms([Field(entry, "en")]))


def synonyms_of(surface: str) -> tuple[tuple[str, ...], ...]:
    """The alternatives a query word gains from its synonym group, if it has one."""
    return _table().get(surface, ())
