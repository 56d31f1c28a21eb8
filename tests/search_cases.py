"""A small catalogue with known answers for search, shared by the SQLite tests
(``tests/commerce/test_search.py``) and the PostgreSQL ones
(``tests/integration/test_postgres_search.py``): both databases must give the same answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from baro.commerce.catalog import Dimensions, Product
from baro.core.ids import new_id
from baro.core.money import Money
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, stock


def item(sku: str, title_ko: str, title_en: str, category: str, price: int = 1990) -> Product:
    return Product(
        id=new_id("prd"),
        sku=sku,
        title_ko=title_ko,
        title_en=title_en,
        category=category,
        price=Money(price, "BRL"),
        weight_g=500,
        dimensions=Dimensions(20, 10, 10),
    )


@dataclass(frozen=True)
class SearchWorld:
    mug: Product
    tissue: Product
    television: Product
    laptop: Product
    bottle_out: Product  # the same text as bottle_in, no stock, and the lower SKU
    bottle_in: Product


def search_world(platform: Platform, run: str = "") -> SearchWorld:
    """The catalogue, every item stocked but ``bottle_out``. ``run`` makes SKUs unique when
    a database is shared by several tests."""
    world = SearchWorld(
        mug=item(
            f"MUG{run}", "프리미엄 머그컵 350ml", "Premium coffee mug", "utilidades_domesticas"
        ),
        tissue=item(f"TISSUE{run}", "화장지 30롤", "Toilet paper, 30 rolls", "casa", 2990),
        television=item(
            f"TV{run}", "스마트 텔레비전 55인치", "Smart television 55 inch", "eletronicos", 299_000
        ),
        laptop=item(f"LAPTOP{run}", "노트북 컴퓨터", "Laptop computer", "informatica", 450_000),
        bottle_out=item(f"BOTTLE-A{run}", "강철 물병", "Steel water bottle", "casa", 3990),
        bottle_in=item(f"BOTTLE-B{run}", "강철 물병", "Steel water bottle", "casa", 3990),
    )
    platform.catalog.add(
        [world.mug, world.tissue, world.television, world.laptop, world.bottle_out, world.bottle_in]
    )
    facility = add_facility(platform, f"FC{run}", SAO_PAULO)
    for product in (world.mug, world.tissue, world.television, world.laptop, world.bottle_in):
        stock(platform, facility, product.id, 5)
    return world


# (query, the product it must find first, did-you-mean or None)
KNOWN_ANSWERS = [
    ("머그컵", "mug", None),
    ("머그컵을", "mug", None),  # a particle
    ("머그컵에서", "mug", None),
    ("프리미엄머그컵", "mug", None),  # no spacing
    ("mugs", "mug", None),  # plural
    ("MUGS", "mug", None),  # case
    ("mug", "mug", None),
    ("cup", "mug", None),  # synonym
    ("휴지", "tissue", None),  # synonym
    ("tv", "television", None),  # synonym
    ("televisions", "television", None),
    ("텔레비전을", "television", None),
    ("laptpo", "laptop", "laptop"),  # a transposition
    ("televison", "television", "television"),  # a letter dropped
    ("mugg", "mug", "mug"),  # a letter added
    ("muug", "mug", "mug"),  # a letter substituted in a short word (padded trigrams)
    ("텔레비젼", "television", "텔레비전"),  # a Korean misspelling, a syllable off
    ("utilidade", "mug", None),  # a Portuguese category's stem
    ("노트븍", "laptop", "노트북"),  # a jamo typo: one vowel, one letter off
    ("머구", "mug", "머그"),  # the same in a word of two syllables
    ("강철 뭄병", "bottle_in", "강철 물병"),
    ("프리미엄 머구컵", "mug", None),  # a typo inside a compound: most of its bigrams
    ("프리 미엄 머그컵", "mug", "프리미엄머그컵"),  # a space typed inside a word
    ("프리미엄 머그컵 블루", "mug", None),  # a word it lacks: the most of the words
    ("steel water bottle qzxj", "bottle_in", None),  # a word no product has, nor one alike
]

# Queries that answer 200 with results or none; those whose only word is "mug" among
# operators must still find the mug (the operators are dropped, the word kept).
BAD_INPUT = [
    "",
    "   \t ",
    "x" * 10_000,
    "머그컵 " * 2_000,
    "😀🔥🎉",
    '"',
    '"mug',
    "*",
    "mug*",
    "NEAR(mug cup)",
    "mug NEAR cup",
    "-mug",
    "title_en:mug",
    "mug:*",
    "' OR 1=1; DROP TABLE products; --",
    "!@#$%^&()[]{}|\\",
    "mug & | ! <->",
]
FINDS_THE_MUG = {'"mug', "mug*", "-mug", "mug:*", "mug & | ! <->"}


def common_words_world(platform: Platform, run: str = "") -> tuple[list[Product], Product]:
    """Twenty flours of "2 kg" (words on most of the catalogue) and one jasmine rice."""
    flours = [
        item(f"FLOUR{n}{run}", f"밀가루 {n}호 2kg", f"Flour no {n} 2 kg", "mercearia")
        for n in range(20)
    ]
    jasmine = item(f"JASMINE{run}", "향미 쌀 1kg", "Jasmine rice 1 kg", "mercearia")
    platform.catalog.add([*flours, jasmine])
    return flours, jasmine


# What one search may cost at most, whatever is typed: a statement to look the words up,
# the match, one typo lookup per word (8 words at most), the corrected, respaced and
# partial matches with the partial's word counts and the catalogue's size, stock and the
# page (docs/search.md, "Bounded work"); and no parameter the database is sent longer than
# the bounds let a query grow (8 words, 4 alternatives each, 40 characters a term).
MAX_STATEMENTS = 16
MAX_PARAMETER_CHARS = 4_000


@dataclass
class Statements:
    """The statements a block of work sent to the database, with their parameters."""

    sent: list[tuple[str, Any]] = field(default_factory=list)

    def longest_parameter(self) -> int:
        return max((len(str(v)) for _s, p in self.sent for v in _values(p)), default=0)


def _values(parameters: Any) -> Sequence[Any]:
    if isinstance(parameters, dict):
        return list(parameters.values())
    return list(parameters) if isinstance(parameters, list | tuple) else [parameters]


@contextmanager
def statements_sent(platform: Platform) -> Iterator[Statements]:
    seen = Statements()

    def remember(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object):
        seen.sent.append((statement, parameters))

    listener: Callable[..., None] = remember
    event.listen(platform.db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", listener)
