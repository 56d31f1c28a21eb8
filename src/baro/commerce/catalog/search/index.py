"""The search index's reads and writes on SQLite (FTS5) and PostgreSQL (tsvector): a
product's analysed terms, the vocabulary of indexed terms, and the text matches of a query.

Both databases index the same terms (``products.search_terms``, made by ``analysis``); only
the full-text syntax differs, and every term put into it is letters and digits only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Row, String, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.catalog.domain import Product
from baro.commerce.catalog.search.analysis import (
    Field,
    Group,
    Query,
    document_words,
    hangul_bigrams,
)
from baro.core.db import Base, table_of
from baro.core.money import Money

# Longest term the vocabulary keeps (longer ones are still indexed, never suggested).
MAX_VOCABULARY_TERM = 64
# A misspelt word is compared with this many vocabulary terms that share trigrams with it.
TYPO_CANDIDATES = 20


class SearchTermRow(Base):
    """A term some product was indexed under, one written form of it (the did-you-mean
    shows words, not stems), and how many products were indexed with it."""

    __tablename__ = "search_vocabulary"

    term: Mapped[str] = mapped_column(String(MAX_VOCABULARY_TERM), primary_key=True)
    word: Mapped[str] = mapped_column(String(MAX_VOCABULARY_TERM))
    products: Mapped[int] = mapped_column(Integer)


def product_fields(product: Product) -> list[Field]:
    """What a product is found by: its Korean title, its English title, its category
    (Olist's codes are Portuguese: ``cama_mesa_banho``) and its SKU as typed."""
    return [
        Field(product.title_ko, "ko"),
        Field(product.title_en, "en"),
        _category_field(product.category),
        Field(product.sku, None),
    ]


@functools.lru_cache(maxsize=4_096)  # categories are few; each is analysed once
def category_terms(category: str) -> frozenset[str]:
    """The terms a category is indexed under (as ``product_fields`` has it)."""
    return frozenset(term for term, _word in document_words([_category_field(category)]))


def _category_field(category: str) -> Field:
    return Field(category.replace("_", " "), "pt")


def indexed_words(product: Product) -> list[tuple[str, str]]:
    return document_words(product_fields(product))


def search_terms(product: Product, found: Sequence[tuple[str, str]]) -> str:
    """The ``search_terms`` column: the terms (``found``: ``indexed_words``), then the
    Korean title's bigrams, space-separated. The bigrams are not in the vocabulary: a
    misspelt word is corrected to words, not to pieces of them."""
    return " ".join([term for term, _word in found] + hangul_bigrams(product.title_ko))


def add_to_vocabulary(session: Session, documents: Iterable[Sequence[tuple[str, str]]]) -> None:
    """Count each document's distinct terms into the vocabulary, in term order (two
    catalogue loads lock the same rows in the same order, so they cannot deadlock)."""
    counts: dict[str, tuple[str, int]] = {}
    for found in documents:
        for term, word in dict(found).items():
            if len(term) > MAX_VOCABULARY_TERM or len(word) > MAX_VOCABULARY_TERM:
                continue
            counts[term] = (counts.get(term, (word, 0))[0], counts.get(term, (word, 0))[1] + 1)
    if not counts:
        return
    rows = [
        {"term": term, "word": word, "products": n} for term, (word, n) in sorted(counts.items())
    ]
    table = table_of(SearchTermRow)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.term],
            set_={"products": table.c.products + insert.excluded.products},
        ),
        rows,
    )


_COUNTS = select(SearchTermRow.term, SearchTermRow.products).where(
    SearchTermRow.term.in_(bindparam("terms", expanding=True))
)


# A word on more than this share of the catalogue is common (see ``partial_matches``).
COMMON_SHARE = 0.05


def catalogue_size(session: Session) -> int:
    """About how many products there are, read without counting them: SQLite's largest
    rowid (products are never deleted), PostgreSQL's planner estimate (0 until the table is
    first analysed)."""
    if session.get_bind().dialect.name == "postgresql":
        estimate = session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'products'::regclass")
        )
    else:
        estimate = session.scalar(text("SELECT max(rowid) FROM products"))
    return max(int(estimate or 0), 0)


def term_counts(session: Session, terms: Iterable[str]) -> dict[str, int]:
    """Of ``terms``, those some product was indexed under, with how many products."""
    wanted = sorted(set(terms))
    rows = session.execute(_COUNTS, {"terms": wanted}) if wanted else ()
    return {term: products for term, products in rows}


@dataclass(frozen=True)
class VocabularyTerm:
    term: str
    word: str
    products: int


_VOCABULARY = select(SearchTermRow.term, SearchTermRow.word, SearchTermRow.products)


def vocabulary(session: Session) -> list[VocabularyTerm]:
    """Every term indexed (for the spelling dictionary)."""
    return [VocabularyTerm(*row) for row in session.execute(_VOCABULARY)]


def similar_terms(session: Session, term: str) -> list[VocabularyTerm]:
    """Vocabulary terms sharing trigrams with ``term``, most alike first (``pg_trgm``'s
    ``%`` on its index; on SQLite, FTS5's trigram index over the padded terms and BM25 over
    the padded word's trigrams). ``term`` is letters and digits: quoting it is enough."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT term, word, products FROM search_vocabulary WHERE term % :term "
                "ORDER BY similarity(term, :term) DESC, term LIMIT :n"
            ),
            {"term": term, "n": TYPO_CANDIDATES},
        )
    else:
        padded = f"  {term} "  # as pg_trgm pads a word, and as the vocabulary's are
        trigrams = sorted({padded[i : i + 3] for i in range(len(padded) - 2)})
        rows = session.execute(
            text(
                "SELECT v.term, v.word, v.products FROM products_fts_vocabulary f "
                "JOIN search_vocabulary v ON v.rowid = f.rowid "
                "WHERE products_fts_vocabulary MATCH :match ORDER BY f.rank, v.term LIMIT :n"
            ),
            {"match": " OR ".join(f'"{t}"' for t in trigrams), "n": TYPO_CANDIDATES},
        )
    return [VocabularyTerm(*row) for row in rows]


# The last word is also a prefix (the shopper may still be typing it) from this length: a
# shorter one (the "g" of "500g") would match a good part of the catalogue.
PREFIX_MIN_CHARS = 3


def _typed(query: Query) -> list[tuple[Group, bool]]:
    """Each group with whether its last term is matched as a prefix."""
    last = len(query.groups) - 1 if query.last_is_prefix else -1
    return [
        (g, n == last and len(g.surface) >= PREFIX_MIN_CHARS) for n, g in enumerate(query.groups)
    ]


@dataclass(frozen=True)
class _AllOf:
    """A full-text condition: every part holds. A part is a condition or a group with
    whether its last term is matched as a prefix (a group holds when any alternative does,
    an alternative when all its terms do)."""

    parts: tuple[_Part, ...]


@dataclass(frozen=True)
class _AnyOf:
    """A full-text condition: some part holds."""

    parts: tuple[_Part, ...]


_Part = _AllOf | _AnyOf | tuple[Group, bool]


@dataclass(frozen=True)
class _Syntax:
    """How FTS5's MATCH and PostgreSQL's ``to_tsquery`` write a condition."""

    all_of: str
    any_of: str
    prefix: str  # after a term matched as a prefix
    quoted: bool  # FTS5 quotes each term (they are letters and digits: quoting is enough)


_FTS5 = _Syntax(all_of=" AND ", any_of=" OR ", prefix="*", quoted=True)
_TSQUERY = _Syntax(all_of=" & ", any_of=" | ", prefix=":*", quoted=False)


def _written(part: _Part, syntax: _Syntax) -> str:
    if isinstance(part, _AllOf | _AnyOf):
        joint = syntax.all_of if isinstance(part, _AllOf) else syntax.any_of
        return "(" + joint.join(_written(p, syntax) for p in part.parts) + ")"
    group, prefix = part

    def term(t: str, last: bool) -> str:
        return (f'"{t}"' if syntax.quoted else t) + (syntax.prefix if prefix and last else "")

    alternatives = (
        "(" + syntax.all_of.join(term(t, n == len(a) - 1) for n, t in enumerate(a)) + ")"
        for a in group.alternatives
    )
    return "(" + syntax.any_of.join(alternatives) + ")"


# A word matched by its pieces (a Korean word's bigrams, a two-word synonym) counts as the
# share of its pieces present when at most this many are missing: one mistyped syllable
# breaks the two bigrams it is in.
MISSING_PIECES = 2


def words_matched(query: Query, terms: set[str] | frozenset[str]) -> float:
    """How much of ``query`` a product indexed under ``terms`` has: 1 per group it matches
    (a prefix where the full-text query has one), and for a group it does not, the share of
    the pieces of its longest alternative that it has, when no more than ``MISSING_PIECES``
    are missing and one is there (귝산두부 for 국산두부: 산두 and 두부 of 귝산, 산두, 두부)."""
    return Coverage(query)(terms)


class Coverage:
    """``words_matched`` for one query, its groups taken apart once: partial matching asks
    it of a few hundred products per query."""

    def __init__(self, query: Query) -> None:
        # Per group: each alternative's terms before its last and its last, whether that
        # last is a prefix, and the pieces of its longest alternative.
        self._groups = [
            (
                tuple((frozenset(a[:-1]), a[-1]) for a in group.alternatives),
                prefix,
                max(group.alternatives, key=len),
            )
            for group, prefix in _typed(query)
        ]

    def __call__(self, terms: set[str] | frozenset[str]) -> float:
        matched = 0.0
        for alternatives, prefix, pieces in self._groups:
            if any(
                (end in terms or (prefix and any(t.startswith(end) for t in terms)))
                and whole <= terms
                for whole, end in alternatives
            ):
                matched += 1.0
                continue
            there = sum(t in terms for t in pieces)
            if there and len(pieces) - there <= MISSING_PIECES:
                matched += there / len(pieces)
        return matched


def _loosened(group: Group) -> Group:
    """The group with each piece of a many-piece alternative an alternative of its own
    (in its place: all the pieces together add no product to any one of them, only terms
    for the database to score): a product with some of the pieces is a candidate for
    ``words_matched`` to weigh."""
    whole = [a for a in group.alternatives if len(a) == 1]
    singles = {(t,) for a in group.alternatives if len(a) > 1 for t in a}
    return Group(group.surface, (*whole, *sorted(singles - set(whole))))


@dataclass(frozen=True)
class Hit:
    """A product that matches the query's text, and its text relevance (higher better:
    FTS5's BM25 negated, PostgreSQL's ``ts_rank``); with its category and price, which
    the facets count, so that only a page of products is loaded whole."""

    product_id: str
    text: float
    category: str
    price: Money


@dataclass(frozen=True)
class TextFilters:
    """What a text match is narrowed to, and how many matches it returns at most (the
    bound on the work: ranking and facets see these only)."""

    category: str | None
    price_min: int | None
    price_max: int | None
    limit: int


def matches(session: Session, query: Query, filters: TextFilters) -> list[Hit]:
    """The active products matching every group of ``query``, most relevant first (ties
    by SKU), at most ``filters.limit``."""
    if query.empty:
        return []
    rows = _text_matches(session, _AllOf(tuple(_typed(query))), filters)
    return [_hit(row, float(row.score)) for row in rows]


def partial_matches(session: Session, query: Query, filters: TextFilters) -> list[Hit]:
    """Products matching at least half of ``query``'s groups (``words_matched``: a word
    mistyped beyond correction, or one the product does not have), out of the
    ``filters.limit`` most relevant by the database's text score. Each relevance is scaled
    by the share of groups matched (Lucene's classic coordination factor), so a product
    matching more of the words ranks above one matching fewer.

    A group counts for a product that has any of its pieces, and none counts for more than
    one, so a product matching half of ``n`` groups (two at least) has some two: one of the
    ``n - ceil(n / 2) + 1`` rarest (by the vocabulary's product counts) and one after it.
    The database is asked for those pairs (``_some_of``), not for any group: a common word
    (``organic``, the ``kg`` of a size) alone would make it score much of the catalogue.
    For the same reason two common words (each on more than ``COMMON_SHARE`` of the
    catalogue: the ``2`` and ``kg`` of "2kg") are not a pair: a product they alone find
    is not worth scoring thousands for, when some word of the query is rarer (Lucene's
    common-terms query). A query of common words only is matched as before."""
    wanted = len(query.groups)
    needed = -(-wanted // 2)
    counts = term_counts(session, query.terms)

    def rarity(item: tuple[Group, bool]) -> int:
        # Products the group may match (a prefix may match more than its own term: its own
        # count is the estimate; which groups are asked for changes the cost, and which are
        # common, never whether a product with rare words is found).
        return sum(min(counts.get(t, 0) for t in a) for a in item[0].alternatives)

    loosened = sorted(((_loosened(g), prefix) for g, prefix in _typed(query)), key=rarity)
    estimates = [rarity(item) for item in loosened]
    common_above = COMMON_SHARE * catalogue_size(session)
    rare = sum(e <= common_above for e in estimates)
    if not any(0 < e <= common_above for e in estimates):  # also when the size is unknown
        rare = len(loosened)
    rows = _text_matches(session, _some_of(loosened, needed, rare), filters)
    coverage = Coverage(query)
    hits = []
    for row in rows:
        matched = coverage(set(row.search_terms.split()))
        if matched >= needed:
            hits.append(_hit(row, float(row.score) * matched / wanted))
    return sorted(hits, key=lambda hit: -hit.text)


def _hit(row: Row[Any], text: float) -> Hit:
    return Hit(row.id, text, row.category, Money(row.price_minor, row.currency))


def _some_of(groups: Sequence[tuple[Group, bool]], needed: int, rare: int) -> _Part:
    """A condition every product with ``needed`` of ``groups`` (rarest first), one of them
    among the ``rare`` first, meets: one of the first ``len(groups) - needed + 1`` of those
    and, from two needed, any group after it (the product's rarest group is that one)."""
    firsts = range(min(len(groups) - needed + 1, rare))
    if needed < 2:
        return _AnyOf(tuple(groups[i] for i in firsts))
    return _AnyOf(tuple(_AllOf((groups[i], _AnyOf(tuple(groups[i + 1 :])))) for i in firsts))


# FTS5 ranks its matches (BM25) without reading the products; only the products whose text
# score reaches the best ``limit``'s are read, which is most of the cost when a word matches
# thousands (a category's name): 1.5 ms against 2.5 for "frozen meals" on Instacart's
# catalogue. The inactive products (counted on their partial index) may take places among
# the best: the cut falls that many places lower, so that the answer is the same as reading
# every match's product.
_FTS5_BEST = """
WITH ranked AS MATERIALIZED (
    SELECT rowid, -bm25(products_fts_terms) AS score
    FROM products_fts_terms WHERE products_fts_terms MATCH :fts
),
cut AS (
    SELECT score FROM ranked ORDER BY score DESC
    LIMIT 1 OFFSET :limit - 1 + (SELECT count(*) FROM products WHERE NOT active)
)
SELECT p.id, r.score, p.search_terms, p.category, p.price_minor, p.currency
FROM ranked r JOIN products p ON p.rowid = r.rowid
WHERE r.score >= coalesce((SELECT score FROM cut), -1e308) AND p.active
ORDER BY r.score DESC, p.sku LIMIT :limit
"""


def _text_matches(session: Session, text_match: _Part, filters: TextFilters) -> Sequence[Row[Any]]:
    """id, score (higher better), search_terms, category and price of the active products
    that meet ``text_match``, best ``limit`` first, ties by SKU."""
    where = ["p.active"]
    params: dict[str, object] = {"limit": filters.limit}
    for name, value, condition in (
        ("category", filters.category, "p.category = :category"),
        ("price_min", filters.price_min, "p.price_minor >= :price_min"),
        ("price_max", filters.price_max, "p.price_minor <= :price_max"),
    ):
        if value is not None:
            where.append(condition)
            params[name] = value
    if session.get_bind().dialect.name == "postgresql":
        params["tsq"] = _written(text_match, _TSQUERY)
        statement = (
            # The conditions are this function's own; every value is a parameter.
            "SELECT p.id, ts_rank(p.search_vector, q.tsq, 1) AS score, "  # noqa: S608
            "p.search_terms, p.category, p.price_minor, p.currency "
            "FROM products p, to_tsquery('simple', :tsq) AS q(tsq) "
            f"WHERE p.search_vector @@ q.tsq AND {' AND '.join(where)} "
            "ORDER BY score DESC, p.sku LIMIT :limit"
        )
    elif len(where) == 1:  # no filter but active: the best matches first
        params["fts"] = _written(text_match, _FTS5)
        statement = _FTS5_BEST
    else:
        params["fts"] = _written(text_match, _FTS5)
        statement = (
            "SELECT p.id, -bm25(products_fts_terms) AS score, p.search_terms, "  # noqa: S608
            "p.category, p.price_minor, p.currency "
            "FROM products_fts_terms JOIN products p ON p.rowid = products_fts_terms.rowid "
            f"WHERE products_fts_terms MATCH :fts AND {' AND '.join(where)} "
            "ORDER BY score DESC, p.sku LIMIT :limit"
        )
    return session.execute(text(statement), params).all()


_UNINDEXED = text("SELECT id FROM products WHERE search_terms IS NULL ORDER BY id LIMIT :n")


def unindexed(session: Session, batch: int) -> list[str]:
    """Products with no analysed terms yet (made before revision 0016)."""
    return list(session.scalars(_UNINDEXED, {"n": batch}))
