"""Catalogue use cases, one unit of work each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from baro.commerce.catalog import repository
from baro.commerce.catalog.domain import Product, ProductNotFound
from baro.core.db import Database
from baro.core.errors import InvalidRequest
from baro.network import StockLevel, available_by_product, stock_levels

MAX_PAGE = 100


class InvalidSearch(InvalidRequest):
    code = "invalid_search"


@dataclass(frozen=True)
class ProductWithStock:
    product: Product
    available: int
    by_facility: Sequence[StockLevel] = ()


class Catalog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, products: Iterable[Product]) -> int:
        with self._db.transaction() as session:
            return repository.insert_products(session, products)

    def get(self, product_id: str) -> ProductWithStock:
        with self._db.read() as session:
            product = repository.load(session, [product_id]).get(product_id)
            if product is None:
                raise ProductNotFound(f"no product {product_id!r}")
            levels = stock_levels(session, product_id)
        return ProductWithStock(product, sum(level.available for level in levels), levels)

    def search(
        self, query: str = "", *, category: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[ProductWithStock]:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidSearch(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        if offset < 0:
            raise InvalidSearch(f"offset cannot be negative, got {offset}")
        with self._db.read() as session:
            found = repository.search(session, query, category=category, limit=limit, offset=offset)
            available = available_by_product(session, [p.id for p in found])
        return [ProductWithStock(p, available[p.id]) for p in found]

    def categories(self) -> list[str]:
        with self._db.read() as session:
            return repository.categories(session)

    def product_ids(self, limit: int | None = None) -> list[str]:
        with self._db.read() as session:
            return repository.product_ids(session, limit)
