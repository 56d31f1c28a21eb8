"""The search index's reads and writes on SQLite (FTS5) and PostgreSQL (tsvector): a
product's analysed terms, the vocabulary of indexed terms, and the text matches of a query.

Both databases index the same terms (``products.search_terms``, made by ``analysis``); only
the full-text syntax differs, and every term put into it is letters and digits only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.catalog.domain import Product
from baro.commerce.catalog.search.analysis import Field, Query, document_words
from baro.core.db import Base, table_of

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
        Field(product.category.replace("_", " "), "pt"),
        Field(product.sku, None),
    ]


def indexed_words(product: Product) -> list[tuple[str, str]]:
    return document_words(product_fields(product))


def search_terms(found: Sequence[tuple[str, str]]) -> str:
    """The ``search_terms`` column: the terms, space-separated."""
    return " ".join(term for term, _word in found)


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


_KNOWN = select(SearchTermRow.term).where(
    SearchTermRow.term.in_(bindparam("terms", expanding=True))
)


def known_terms(session: Session, terms: Iterable[str]) -> set[str]:
    wanted = sorted(set(terms))
    return set(session.scalars(_KNOWN, {"terms": wanted})) if wanted else set()


@dataclass(frozen=True)
class VocabularyTerm:
    term: str
    word: str
    products: int


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


def _fts5(query: Query) -> str:
    """FTS5 MATCH text: groups ANDed, alternatives ORed, the last word a prefix (the
    shopper may still be typing it). Terms are letters and digits, each quoted."""

    def alternative(terms: tuple[str, ...], prefix: bool) -> str:
        last = len(terms) - 1
        quoted = [f'"{t}"' + ("*" if prefix and n == last else "") for n, t in enumerate(terms)]
        return quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")"

    last = len(query.groups) - 1
    return " AND ".join(
        "(" + " OR ".join(alternative(a, n == last) for a in g.alternatives) + ")"
        for n, g in enumerate(query.groups)
    )


def _tsquery(query: Query) -> str:
    """The same as ``_fts5`` in ``to_tsquery`` syntax."""

    def alternative(terms: tuple[str, ...], prefix: bool) -> str:
        parts = [t + (":*" if prefix and n == len(terms) - 1 else "") for n, t in enumerate(terms)]
        return "(" + " & ".join(parts) + ")"

    last = len(query.groups) - 1
    return " & ".join(
        "(" + " | ".join(alternative(a, n == last) for a in g.alternatives) + ")"
        for n, g in enumerate(query.groups)
    )


@dataclass(frozen=True)
class Hit:
    """A product that matches the query's text, and its text relevance (higher better:
    FTS5's BM25 negated, PostgreSQL's ``ts_rank_cd``)."""

    product_id: str
    text: float


def matches(
    session: Session,
    query: Query,
    *,
    category: str | None,
    price_min: int | None,
    price_max: int | None,
    limit: int,
) -> list[Hit]:
    """The ``limit`` active products matching every group of ``query``, most relevant
    first (ties by SKU). ``limit`` bounds the work: ranking and facets see these only."""
    if query.empty:
        return []
    where = ["p.active"]
    params: dict[str, object] = {"limit": limit}
    for name, value, condition in (
        ("category", category, "p.category = :category"),
        ("price_min", price_min, "p.price_minor >= :price_min"),
        ("price_max", price_max, "p.price_minor <= :price_max"),
    ):
        if value is not None:
            where.append(condition)
            params[name] = value
    if session.get_bind().dialect.name == "postgresql":
        params["tsq"] = _tsquery(query)
        statement = (
            # The conditions are this function's own; every value is a parameter.
            "SELECT p.id, ts_rank_cd(p.search_vector, q.tsq) AS score "  # noqa: S608
            "FROM products p, to_tsquery('simple', :tsq) AS q(tsq) "
            f"WHERE p.search_vector @@ q.tsq AND {' AND '.join(where)} "
            "ORDER BY score DESC, p.sku LIMIT :limit"
        )
    else:
        params["fts"] = _fts5(query)
        statement = (
            "SELECT p.id, -bm25(products_fts_terms) AS score FROM products_fts_terms "  # noqa: S608
            "JOIN products p ON p.rowid = products_fts_terms.rowid "
            f"WHERE products_fts_terms MATCH :fts AND {' AND '.join(where)} "
            "ORDER BY score DESC, p.sku LIMIT :limit"
        )
    return [Hit(row.id, float(row.score)) for row in session.execute(text(statement), params)]


_UNINDEXED = text("SELECT id FROM products WHERE search_terms IS NULL ORDER BY id LIMIT :n")


def unindexed(session: Session, batch: int) -> list[str]:
    """Products with no analysed terms yet (made before revision 0016)."""
    return list(session.scalars(_UNINDEXED, {"n": batch}))
