"""Text analysis for product search: the same terms at index time and at query time, made
here in Python so that SQLite and PostgreSQL index and match identical tokens.

- **Korean**: morphological analysis with Kiwi (``kiwipiepy``). Nouns, roots, numbers and the
  stems of verbs and adjectives are kept; particles (을, 에서), endings and suffixes are
  dropped; compounds come out as their parts (프리미엄머그컵 → 프리미엄 머그 컵), so a query
  written without spaces meets a title written with them.
- **Korean bigrams**: every two neighbouring syllables of a product's Korean text (spaces
  left out) are indexed too, and a query's Korean word of three syllables or more may match
  by all of its own (Lucene's CJK bigrams): so a word Kiwi does not know, and so keeps whole
  or splits otherwise (무향밀가루, 향후무스), still meets the title it came from.
- **Latin script**: case and accent folding, then Snowball stemming (``PyStemmer``): English
  for titles, Portuguese for categories (Olist's are Portuguese). A query word does not say
  its language, so it matches either stem (``Group``).
- **Bounds**: a query is cut to ``MAX_QUERY_CHARS`` before analysis and to
  ``MAX_QUERY_TERMS`` words after it, and each term to ``MAX_TERM_CHARS``, so any input costs
  the same small work.

Terms are runs of letters and digits only (``[^\\W_]+``): no character that either
database's query syntax gives a meaning to can reach it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

Language = Literal["en", "pt", "ko"]

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
MAX_TERM_CHARS = 40
# Synonyms may widen a word into this many alternatives at most (bounded OR per word).
MAX_ALTERNATIVES = 4

# Kiwi's tags that carry meaning for a search: common and proper nouns, numerals, roots,
# Latin/Hanja/other-script words, numbers and the stems of verbs and adjectives. Particles
# (J*), endings (E*), affixes (X* but roots) and punctuation (S* but the scripts) are dropped.
_KEPT_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "XR", "SL", "SH", "SN", "SW", "VV", "VA"})
_LATIN_TAGS = frozenset({"SL", "SW"})
_ALNUM = re.compile(r"[^\W_]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_SYLLABLES = re.compile(r"[\uac00-\ud7a3]{2,}")
# A Korean query word this long or longer may also match by its bigrams (two syllables is
# one bigram, the word itself).
BIGRAM_MIN_SYLLABLES = 3
_BETWEEN_HANGUL = re.compile(r"(?<=[\uac00-\ud7a3])\s+(?=[\uac00-\ud7a3])")
# Words that carry nothing alone; dropped on both sides so "mug for coffee" needs no "for".
_STOPWORDS = frozenset(
    {
        "a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "or", "by",
        "de", "da", "do", "das", "dos", "e", "com", "para", "em",
    }
)  # fmt: skip

_kiwi_lock = threading.Lock()
_kiwi: Kiwi | None = None


def kiwi() -> Kiwi:
    """The one Kiwi of this process, built on first use (its model takes about 2 s and
    500 MB to load), under a lock so that two first searches do not load it twice."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                built = Kiwi()
                built.tokenize("머그컵을")  # its first call sets up lazily: pay it here, once
                _kiwi = built
    return _kiwi


@cache
def _stemmer(language: str):  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer({"en": "english", "pt": "portuguese"}[language])


def fold(text: str) -> str:
    """Case and accent folding (É → e, ß → ss); Hangul syllables are kept whole (NFD would
    split them into jamo; they are recomposed)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)


def stem(word: str, language: Language) -> str:
    """A Latin-script word's Snowball stem in ``language`` (Korean words are not stemmed
    here: Kiwi has already made them stems)."""
    if language == "ko" or not word.isascii() or not word.isalpha():
        return word
    return str(_stemmer(language).stemWord(word))


@dataclass(frozen=True)
class Word:
    """One word of a text as analysed: ``surface`` as written (folded), ``latin`` when it is
    Latin script and so gets a stem per language."""

    surface: str
    latin: bool


def words(text: str) -> list[Word]:
    """The words of ``text`` that a search keeps, in order (see the module's rules)."""
    folded = fold(text)
    if not folded.strip():
        return []
    found: list[Word] = []
    if _HANGUL.search(folded):
        tokens: Iterable[tuple[str, str]] = ((t.form, t.tag) for t in kiwi().tokenize(folded))
    else:
        # No Hangul: Kiwi would only split on script and punctuation, which this does too
        # (and without loading its model for a shop that sells in English or Portuguese).
        tokens = ((w, "SL") for w in _ALNUM.findall(folded))
    for form, tag in tokens:
        if tag not in _KEPT_TAGS:
            continue
        for part in _ALNUM.findall(form):
            if part in _STOPWORDS:
                continue
            part = part[:MAX_TERM_CHARS]
            found.append(Word(part, tag in _LATIN_TAGS or part.isascii()))
    return found


@dataclass(frozen=True)
class Field:
    """A product's text to index and the language its Latin words are stemmed in; ``None``
    keeps words as they are (a SKU)."""

    text: str
    language: Language | None


def document_words(fields: Sequence[Field]) -> list[tuple[str, str]]:
    """(term, word as written) for each word a product is indexed under, in order."""
    found: list[tuple[str, str]] = []
    for field in fields:
        for word in words(field.text):
            if word.latin and field.language is not None:
                found.append((stem(word.surface, field.language), word.surface))
            else:
                found.append((word.surface, word.surface))
    return found


def hangul_bigrams(text: str) -> list[str]:
    """Each two neighbouring Hangul syllables of ``text``, spaces between them left out,
    once each, in order: 다온 무향두유 → 다온 온무 무향 향두 두유."""
    joined = _BETWEEN_HANGUL.sub("", fold(text))
    return list(
        dict.fromkeys(
            run[i : i + 2] for run in _SYLLABLES.findall(joined) for i in range(len(run) - 1)
        )
    )


def document_terms(fields: Sequence[Field]) -> list[str]:
    """The terms a product is indexed under, in order, repeats kept (they weigh in BM25)."""
    return [term for term, _word in document_words(fields)]


@dataclass(frozen=True)
class Group:
    """One query word: a product matches it by any of ``alternatives``, each a run of terms
    that must all be present (a synonym may be two words: toilet paper)."""

    surface: str
    alternatives: tuple[tuple[str, ...], ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t for alternative in self.alternatives for t in alternative)


@dataclass(frozen=True)
class Query:
    """A query as the index sees it: every group must match (AND); ``truncated`` when the
    text or its words were cut to the bounds; ``last_is_prefix`` while its last word may be
    the start of a longer one (the shopper may still be typing it)."""

    text: str
    groups: tuple[Group, ...]
    truncated: bool = False
    last_is_prefix: bool = True

    @property
    def empty(self) -> bool:
        return not self.groups

    @cached_property
    def terms(self) -> frozenset[str]:
        """Every term of every group."""
        return frozenset(t for group in self.groups for t in group.terms)

    def respaced(self) -> Query | None:
        """The query with the spaces between Korean words taken out (Kiwi then splits the
        run where its words meet: 햄통 조림 → 햄통조림 → 햄 통조림), or None when it has
        none: a space typed inside a word, or a compound spaced otherwise than the title."""
        joined = _BETWEEN_HANGUL.sub("", self.text)
        return analyse_query(joined) if joined != self.text else None

    def with_last_word_whole(self) -> Query:
        """The query with its last word taken as typed (a word the index has: ``vine``
        is vine, not the start of vinegar)."""
        return replace(self, last_is_prefix=False)

    def corrected(self, corrections: dict[str, str]) -> Query:
        """The query with misspelt words replaced (surface → surface): the did-you-mean."""
        return analyse_query(" ".join(corrections.get(g.surface, g.surface) for g in self.groups))


def word_alternatives(word: Word) -> tuple[tuple[str, ...], ...]:
    """The terms one query word matches alone: a Latin word either language's stem (titles
    are stemmed in English, categories in Portuguese), a Korean word itself or, from three
    syllables, all of its bigrams; any other word itself."""
    if not word.latin:
        bigrams = hangul_bigrams(word.surface)
        if len(bigrams) >= BIGRAM_MIN_SYLLABLES - 1 and len(word.surface) == len(bigrams) + 1:
            return ((word.surface,), tuple(bigrams))
        return ((word.surface,),)
    stems = dict.fromkeys((stem(word.surface, "en"), stem(word.surface, "pt")))
    return tuple((s,) for s in stems)


def analyse_query(text: str) -> Query:
    """``text`` as groups of terms, with synonyms (``synonyms.json``), within the bounds."""
    from baro.commerce.catalog.search.synonyms import synonyms_of

    cut = text[:MAX_QUERY_CHARS]
    found = words(cut)
    groups: list[Group] = []
    for word in found[:MAX_QUERY_TERMS]:
        alternatives = list(word_alternatives(word))
        for synonym in synonyms_of(word.surface):
            if len(alternatives) >= MAX_ALTERNATIVES:
                break
            if synonym not in alternatives:
                alternatives.append(synonym)
        groups.append(Group(word.surface, tuple(alternatives)))
    truncated = len(text) > MAX_QUERY_CHARS or len(found) > MAX_QUERY_TERMS
    return Query(cut, tuple(groups), truncated)
