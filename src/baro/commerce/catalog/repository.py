"""Products in the database. A product is written with its analysed search terms
(``search/index.py`` reads them back)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.catalog.domain import Dimensions, Product
from baro.commerce.catalog.search import index
from baro.core.db import Base, table_of
from baro.core.money import Money
from baro.network import has_units_free


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (
        # The inactive products alone (usually none), which search counts at every query.
        Index(
            "ix_products_inactive",
            "active",
            sqlite_where=text("NOT active"),
            postgresql_where=text("NOT active"),
        ),
    )

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
    # The terms search found by analysing the titles, category and SKU (``search.analysis``);
    # NULL for products made before revision 0016 until ``baro search reindex``.
    search_terms: Mapped[str | None] = mapped_column(Text)


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
    """Insert products with their search terms, and count those terms into the vocabulary."""
    rows, documents = [], []
    for product in products:
        found = index.indexed_words(product)
        rows.append(to_row_values(product) | {"search_terms": index.search_terms(product, found)})
        documents.append(found)
    if rows:
        session.execute(table_of(ProductRow).insert(), rows)
        index.add_to_vocabulary(session, documents)
    return len(rows)


def reindex(session: Session, product_ids: Sequence[str]) -> int:
    """Analyse these products again and write their terms (``baro search reindex``)."""
    products = load(session, product_ids)
    found = {p.id: index.indexed_words(p) for p in products.values()}
    for product_id, words in sorted(found.items()):
        session.execute(
            update(ProductRow)
            .where(ProductRow.id == product_id)
            .values(search_terms=index.search_terms(products[product_id], words))
        )
    index.add_to_vocabulary(session, found.values())
    return len(found)


_BY_IDS = select(ProductRow.__table__).where(
    ProductRow.__table__.c.id.in_(bindparam("ids", expanding=True))
)


def load(session: Session, product_ids: Sequence[str]) -> dict[str, Product]:
    rows = session.execute(_BY_IDS, {"ids": list(product_ids)})
    return {row.id: to_domain(row) for row in rows}


def browse(
    session: Session,
    *,
    category: str | None,
    limit: int,
    offset: int,
    price_min: int | None = None,
    price_max: int | None = None,
    in_stock: bool = False,
) -> list[Product]:
    """Active products with no words to match, by category then SKU (a category page),
    within the price range given (minor units), only those with units free if asked."""
    statement = select(ProductRow).where(ProductRow.active.is_(True))
    if category:
        statement = statement.where(ProductRow.category == category)
    if price_min is not None:
        statement = statement.where(ProductRow.price_minor >= price_min)
    if price_max is not None:
        statement = statement.where(ProductRow.price_minor <= price_max)
    if in_stock:
        statement = statement.where(has_units_free(ProductRow.id))
    statement = statement.order_by(ProductRow.category, ProductRow.sku)
    return [to_domain(row) for row in session.scalars(statement.limit(limit).offset(offset))]


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
