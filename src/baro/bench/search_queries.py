"""The query sets of ``baro bench search``, made from the catalogue with a seed.

- **Category queries**: each aisle's name as a shopper types it (``fresh fruits``); relevant:
  the products of that aisle.
- **Known-item queries**: a product's title as a shopper mangles it; relevant: that product.
  English (the real Instacart names): a word dropped, plural ↔ singular, one typo (insert,
  delete, substitute, transpose), two words swapped. Korean (the generated titles): a particle
  appended, spacing removed, spacing added, one jamo typo.

Each perturbation is a pure function of the title and a ``random.Random``; a product that a
perturbation cannot change (a one-word name cannot lose a word) is skipped for that kind.
The typo draws no position in a word's first letter: shoppers rarely miss that one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Aisles whose name says nothing a shopper would type.
NAMELESS_AISLES = frozenset({"missing", "other"})
LETTERS = "abcdefghijklmnopqrstuvwxyz"
PARTICLES = ("을", "를", "이", "가", "은", "는", "에서")
_WORD = re.compile(r"\S+")
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
# Vowels a finger or an ear confuses (ㅏ/ㅑ, ㅓ/ㅕ, ㅗ/ㅛ, ㅜ/ㅠ, ㅡ/ㅜ, ㅐ/ㅔ, ㅣ/ㅡ), as medial
# indexes of the Unicode Hangul syllable block.
_NEAR_VOWELS = {0: 2, 2: 0, 4: 6, 6: 4, 8: 12, 12: 8, 13: 17, 17: 13, 18: 13, 1: 5, 5: 1, 20: 18}


@dataclass(frozen=True)
class KnownItem:
    kind: str
    language: str  # "en" or "ko"
    query: str
    product_id: str


@dataclass(frozen=True)
class CategoryQuery:
    query: str
    category: str


Perturbation = Callable[[str, random.Random], str | None]


def category_queries(aisles: Sequence[tuple[str, str]]) -> list[CategoryQuery]:
    """One query per (aisle name, category code), nameless aisles left out."""
    return [
        CategoryQuery(name, category)
        for name, category in sorted(set(aisles))
        if name not in NAMELESS_AISLES
    ]


def _words(title: str) -> list[str]:
    return _WORD.findall(title)


def word_dropped(title: str, rng: random.Random) -> str | None:
    words = _words(title)
    if len(words) < 3:  # two words less one is too little to know the item by
        return None
    del words[rng.randrange(len(words))]
    return " ".join(words)


def plural_singular(title: str, rng: random.Random) -> str | None:
    words = _words(title)
    nouns = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 3]
    if not nouns:
        return None
    at = rng.choice(nouns)
    words[at] = _other_number(words[at])
    return " ".join(words)


def _other_number(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if lower.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith("ss"):
        return word[:-1]
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if lower.endswith(("ch", "sh", "x", "s")) else "s")


def _inner(word: str) -> list[int]:
    return list(range(1, len(word) - 1))


def _unlike_neighbours(word: str) -> list[int]:
    """Where swapping a letter with the next one changes the word."""
    return [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]


def _typo(
    edit: Callable[[str, int, random.Random], str],
    places: Callable[[str], list[int]] = _inner,
) -> Perturbation:
    def perturb(title: str, rng: random.Random) -> str | None:
        words = _words(title)
        typeable = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 4 and places(w)]
        if not typeable:
            return None
        at = rng.choice(typeable)
        word = words[at]
        words[at] = edit(word, rng.choice(places(word)), rng)
        return " ".join(words)

    return perturb


typo_insert = _typo(lambda w, i, rng: w[:i] + rng.choice(LETTERS) + w[i:])
typo_delete = _typo(lambda w, i, _rng: w[:i] + w[i + 1 :])
typo_substitute = _typo(
    lambda w, i, rng: w[:i] + rng.choice(LETTERS.replace(w[i].lower(), "")) + w[i + 1 :]
)
typo_transpose = _typo(lambda w, i, _rng: w[:i] + w[i + 1] + w[i] + w[i + 2 :], _unlike_neighbours)


def words_swapped(title: str, rng: random.Random) -> str | None:
    words = _words(title)
    if len(words) < 2:
        return None
    at = rng.randrange(len(words) - 1)
    words[at], words[at + 1] = words[at + 1], words[at]
    return " ".join(words)


def _is_hangul(char: str) -> bool:
    return _HANGUL_FIRST <= ord(char) <= _HANGUL_LAST


def _hangul_words(words: list[str]) -> list[int]:
    return [i for i, w in enumerate(words) if all(_is_hangul(c) for c in w)]


def particle_appended(title: str, rng: random.Random) -> str | None:
    """The grammatical particle after the last Hangul word (을 after a final consonant, 를
    after a vowel; likewise 이/가, 은/는; 에서 after either)."""
    words = _words(title)
    hangul = _hangul_words(words)
    if not hangul:
        return None
    at = hangul[-1]
    closed = (ord(words[at][-1]) - _HANGUL_FIRST) % 28 != 0
    pair = rng.randrange(4)
    particle = PARTICLES[6] if pair == 3 else PARTICLES[pair * 2 + (0 if closed else 1)]
    words[at] += particle
    return " ".join(words)


def spacing_removed(title: str, _rng: random.Random) -> str | None:
    words = _words(title)
    if not _hangul_words(words) or len(words) < 2:
        return None
    return "".join(words)


def spacing_added(title: str, rng: random.Random) -> str | None:
    words = _words(title)
    long_words = [i for i in _hangul_words(words) if len(words[i]) >= 3]
    if not long_words:
        return None
    at = rng.choice(long_words)
    cut = rng.randrange(1, len(words[at]))
    words[at] = words[at][:cut] + " " + words[at][cut:]
    return " ".join(words)


def jamo_typo(title: str, rng: random.Random) -> str | None:
    """One vowel of one syllable (of a word of two syllables or more) swapped for a near one."""
    words = _words(title)
    places = [
        (i, j)
        for i in _hangul_words(words)
        if len(words[i]) >= 2
        for j, c in enumerate(words[i])
        if ((ord(c) - _HANGUL_FIRST) // 28) % 21 in _NEAR_VOWELS
    ]
    if not places:
        return None
    i, j = rng.choice(places)
    code = ord(words[i][j]) - _HANGUL_FIRST
    initial, medial, final = code // 588, (code // 28) % 21, code % 28
    typo = chr(_HANGUL_FIRST + initial * 588 + _NEAR_VOWELS[medial] * 28 + final)
    words[i] = words[i][:j] + typo + words[i][j + 1 :]
    return " ".join(words)


ENGLISH: dict[str, Perturbation] = {
    "word_dropped": word_dropped,
    "plural_singular": plural_singular,
    "typo_insert": typo_insert,
    "typo_delete": typo_delete,
    "typo_substitute": typo_substitute,
    "typo_transpose": typo_transpose,
    "words_swapped": words_swapped,
}
KOREAN: dict[str, Perturbation] = {
    "particle": particle_appended,
    "spacing_removed": spacing_removed,
    "spacing_added": spacing_added,
    "jamo_typo": jamo_typo,
}


def known_items(
    titles: Sequence[tuple[str, str]],
    perturbations: dict[str, Perturbation],
    language: str,
    *,
    per_kind: int,
    seed: int,
) -> list[KnownItem]:
    """Up to ``per_kind`` queries per perturbation from (product id, title) pairs, each from
    a product drawn at random (a product the perturbation cannot change is passed over)."""
    found: list[KnownItem] = []
    for n, (kind, perturb) in enumerate(perturbations.items()):
        rng = random.Random(f"{seed}:{language}:{n}")
        order = list(range(len(titles)))
        rng.shuffle(order)
        made = 0
        for at in order:
            if made == per_kind:
                break
            product_id, title = titles[at]
            query = perturb(title, rng)
            if query and query != title:
                found.append(KnownItem(kind, language, query, product_id))
                made += 1
    return found
