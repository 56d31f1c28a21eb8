"""Rows of products for a storefront's home page: the newest, or any list of ids in the
order a ranking chose (best sellers are ranked by ``baro.commerce.orders.best_sellers``,
which knows the sales; this module knows the products)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from baro.commerce.catalog import repository
from baro.commerce.catalog.repository import ProductRow
from baro.commerce.catalog.service import MAX_PAGE, InvalidSearch, ProductWithStock
from baro.core.db import Database
from baro.network import available_by_product


class Showcase:
    def __init__(self, db: Database) -> None:
        self._db = db

    def newest(self, limit: int = 8) -> list[ProductWithStock]:
        """The products added last, still sold (ids sort by creation time)."""
        _check(limit)
        with self._db.read() as session:
            rows = session.scalars(
                select(ProductRow)
                .where(ProductRow.active.is_(True))
                .order_by(ProductRow.id.desc())
                .limit(limit)
            )
            found = [repository.to_domain(row) for row in rows]
            available = available_by_product(session, [p.id for p in found])
        return [ProductWithStock(p, available[p.id]) for p in found]

    def these(self, product_ids: Sequence[str]) -> list[ProductWithStock]:
        """These products in this order, leaving out the unknown and those no longer sold."""
        _check(len(product_ids) or 1)
        with self._db.read() as session:
            products = repository.load(session, product_ids)
            available = available_by_product(session, list(products))
        return [
            ProductWithStock(products[i], available[i])
            for i in product_ids
            if i in products and products[i].active
        ]


def _check(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidSearch(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
