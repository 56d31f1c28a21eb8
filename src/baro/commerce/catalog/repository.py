"""Products in the database, and full-text search (SQLite FTS5 / PostgreSQL tsvector)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    String,
    bindparam,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.catalog.domain import Dimensions, Product
from baro.core.db import Base
from baro.core.money import Money

MAX_SEARCH_TERMS = 8
_WORD = re.compile(r"\w+", re.UNICODE)


class ProductRow(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(100), index=True)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    weight_g: Mapped[int] = mapped_column(Integer)
    length_cm: Mapped[int] = mapped_column(Integer)
    width_cm: Mapped[int] = mapped_column(Integer)
    height_cm: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def to_domain(row: ProductRow | Row[Any]) -> Product:
    return Product(
        id=row.id,
        sku=row.sku,
        title_ko=row.title_ko,
        title_en=row.title_en,
        category=row.category,
        price=Money(row.price_minor, row.currency),
        weight_g=row.weight_g,
        dimensions=Dimensions(row.length_cm, row.width_cm, row.height_cm),
        active=row.active,
    )


def to_row_values(product: Product) -> dict[str, object]:
    return {
        "id": product.id,
        "sku": product.sku,
        "title_ko": product.title_ko,
        "title_en": product.title_en,
        "category": product.category,
        "price_minor": product.price.minor,
        "currency": product.price.currency,
        "weight_g": product.weight_g,
        "length_cm": product.dimensions.length_cm,
        "width_cm": product.dimensions.width_cm,
        "height_cm": product.dimensions.height_cm,
        "active": product.active,
    }


def insert_products(session: Session, products: Iterable[Product]) -> int:
    rows = [to_row_values(p) for p in products]
    if rows:
        session.execute(ProductRow.__table__.insert(), rows)
    return len(rows)


_BY_IDS = select(ProductRow.__table__).where(
    ProductRow.__table__.c.id.in_(bindparam("ids", expanding=True))
)


def load(session: Session, product_ids: Sequence[str]) -> dict[str, Product]:
    rows = session.execute(_BY_IDS, {"ids": list(product_ids)})
    return {row.id: to_domain(row) for row in rows}


def search_terms(query: str) -> list[str]:
    """Words of a user's query; everything else (quotes, operators) is dropped, so no
    query can break out of the full-text syntax."""
    return _WORD.findall(query.lower())[:MAX_SEARCH_TERMS]


def search(
    session: Session,
    query: str,
    *,
    category: str | None,
    limit: int,
    offset: int,
) -> list[Product]:
    """Active products matching every word of ``query`` (as a prefix), best match first."""
    terms = search_terms(query)
    statement = select(ProductRow).where(ProductRow.active.is_(True))
    if category:
        statement = statement.where(ProductRow.category == category)
    if not terms:
        statement = statement.order_by(ProductRow.category, ProductRow.sku)
    elif session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)
        match = text("products.search_vector @@ to_tsquery('simple', :tsq)")
        rank = text("ts_rank(products.search_vector, to_tsquery('simple', :tsq)) DESC")
        statement = statement.where(match).order_by(rank, ProductRow.sku).params(tsq=tsquery)
    else:
        fts = " AND ".join(f'"{term}"*' for term in terms)
        hits = (
            text(
                "SELECT rowid, bm25(products_fts) AS score FROM products_fts "
                "WHERE products_fts MATCH :fts"
            )
            .bindparams(fts=fts)
            .columns(rowid=Integer, score=Float)
            .subquery("hits")
        )
        statement = statement.join(hits, literal_column("products.rowid") == hits.c.rowid)
        statement = statement.order_by(hits.c.score, ProductRow.sku)
    rows = session.scalars(statement.limit(limit).offset(offset))
    return [to_domain(row) for row in rows]


def categories(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(ProductRow.category)
            .where(ProductRow.active.is_(True))
            .distinct()
            .order_by(ProductRow.category)
        )
    )


def product_ids(session: Session, limit: int | None) -> list[str]:
    statement = select(ProductRow.id).order_by(ProductRow.id)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))
