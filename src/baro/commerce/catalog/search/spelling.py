"""Did-you-mean: the indexed word nearest a word the index has never seen.

Candidates come from a SymSpell dictionary (``symspellpy``: symmetric deletes, so every
vocabulary term one insert, delete, substitution or transposition away is found with a few
hash lookups) of the vocabulary that search has indexed (``search_vocabulary``). Measured on
Instacart's 49,688 products (59,587 terms): 3 s and 19 MB to build, 0.1–0.5 ms a lookup,
where ``pg_trgm``'s ``%`` took 27–100 ms on PostgreSQL (its GIN posting lists for common
trigrams are long; GiST's nearest-neighbour order was no faster).

The dictionary is built from the database the first time a word needs correcting (about
3 s for the catalogue above, once per process), again at the next correction after this
process wrote to the catalogue, and in the background when it is older than
``refresh_after_s`` (products another process added become correctable within that time).
If it cannot be built, candidates come from the trigram index (``index.similar_terms``).

Candidates are ranked by edit distance, then by how many products have the term. Korean
words are compared **jamo by jamo** (Hangul syllables decomposed into their letters): a
mistyped vowel (설턍 for 설탕) is one edit, where two syllables a letter apart would weigh
as much as two unrelated ones (잴리 is as far from 누리 as from 젤리 by syllables).
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA
from sqlalchemy.orm import Session

from baro.commerce.catalog.search.index import VocabularyTerm, similar_terms, vocabulary

if TYPE_CHECKING:
    from symspellpy import SymSpell

    from baro.core.db import Database

# One typo: an insert, a delete, a substitution or two letters swapped.
MAX_EDITS = 1
# A Korean syllable mistyped is one to three letters (jamo) off; a vowel or a final most often.
MAX_JAMO_EDITS = 2
# Shorter words are not corrected: too many words are one edit from them. Korean counts
# jamo: two syllables (머그) are four.
MIN_LETTERS = 3
MIN_JAMO = 4
REFRESH_AFTER_S = 60.0

log = logging.getLogger(__name__)


def letters(word: str) -> str:
    """``word`` with Hangul syllables decomposed into jamo (NFD); other text as it is."""
    return unicodedata.normalize("NFD", word)


def correctable(word: str) -> bool:
    spelled = letters(word)
    return len(spelled) >= (MIN_JAMO if spelled != word else MIN_LETTERS)


def edits(a: str, b: str) -> int:
    """Letters apart (optimal string alignment: a swap of neighbours is one edit)."""
    return int(OSA.distance(letters(a), letters(b)))


def best_correction(
    typed: str, term: str, candidates: Sequence[VocabularyTerm]
) -> VocabularyTerm | None:
    """The candidate fewest edits from the word as ``typed`` (against the candidate's
    written form) or from its ``term`` (against the candidate's term: a stem to a stem),
    within the bound (Korean: jamo); most products on a tie, then the first in term order;
    None when none is near enough."""
    bound = MAX_JAMO_EDITS if letters(typed) != typed else MAX_EDITS
    near = [
        (min(edits(typed, c.word), edits(term, c.term)), -c.products, c.term, c)
        for c in candidates
        if c.term != term
    ]
    near = [n for n in near if n[0] <= bound]
    return min(near, key=lambda n: n[:3])[3] if near else None


class Speller:
    """Spelling candidates from the vocabulary.

    Owner of ``_dictionary``, ``_built_at``, ``_written`` and ``_refreshing``: ``_lock``;
    ``_build_lock`` lets one thread build at a time (the others wait for its dictionary).
    """

    def __init__(
        self,
        db: Database,
        *,
        refresh_after_s: float = REFRESH_AFTER_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._refresh_after_s = refresh_after_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        # Terms and written forms, each naming its vocabulary entries.
        self._dictionary: tuple[SymSpell, dict[str, list[VocabularyTerm]]] | None = None
        self._built_at = float("-inf")
        self._written = False  # this process wrote to the catalogue since the build
        self._refreshing = False

    def written(self) -> None:
        """The catalogue changed here: the next correction reads the vocabulary again
        first, so that a product just added is correctable at once."""
        with self._lock:
            self._written = True

    def correction(self, session: Session, typed: str, term: str) -> VocabularyTerm | None:
        """The vocabulary's nearest to a word as ``typed`` and as its ``term`` (see
        ``best_correction``)."""
        return best_correction(typed, term, self.candidates(session, typed, term))

    def candidates(self, session: Session, typed: str, term: str) -> list[VocabularyTerm]:
        """Vocabulary terms whose term or written form is within one edit of ``term`` or
        ``typed`` (if the dictionary cannot be built: those sharing trigrams with ``term``)."""
        dictionary = self._current()
        if dictionary is None:
            return similar_terms(session, term)
        from symspellpy import Verbosity

        symspell, entries = dictionary
        found: dict[str, VocabularyTerm] = {}
        for text in dict.fromkeys((typed, term)):
            for suggestion in symspell.lookup(text, Verbosity.ALL, max_edit_distance=MAX_EDITS):
                for entry in entries.get(suggestion.term, ()):
                    found[entry.term] = entry
        return list(found.values())

    def build(self) -> None:
        """Build the dictionary from the vocabulary now."""
        from symspellpy import SymSpell

        with self._lock:
            self._written = False  # what is written from here on waits for the next build
        with self._db.read() as session:
            terms = vocabulary(session)
        symspell = SymSpell(max_dictionary_edit_distance=MAX_EDITS, prefix_length=7)
        entries: dict[str, list[VocabularyTerm]] = {}
        for entry in terms:
            for text in dict.fromkeys((entry.term, entry.word)):
                entries.setdefault(text, []).append(entry)
                symspell.create_dictionary_entry(text, max(entry.products, 1))
        with self._lock:
            self._dictionary = (symspell, entries)
            self._built_at = self._monotonic()

    def _current(self) -> tuple[SymSpell, dict[str, list[VocabularyTerm]]] | None:
        """The dictionary: built now when there is none or this process wrote since; when
        it is only old, refreshed in the background while this one answers."""
        with self._lock:
            missing = self._dictionary is None or self._written
            old = self._monotonic() - self._built_at > self._refresh_after_s
            refresh = old and not missing and not self._refreshing
            if refresh:
                self._refreshing = True
        if missing:
            with self._build_lock:
                with self._lock:
                    missing = self._dictionary is None or self._written
                if missing:
                    self._build_logged()
        elif refresh:
            threading.Thread(target=self._refresh, name="speller", daemon=True).start()
        with self._lock:
            return self._dictionary

    def _refresh(self) -> None:
        with self._build_lock:
            self._build_logged()
        with self._lock:
            self._refreshing = False

    def _build_logged(self) -> None:
        try:
            self.build()
        except Exception:  # the trigram lookup answers meanwhile; tried again later
            log.exception("could not build the spelling dictionary")
            with self._lock:
                self._built_at = self._monotonic()
