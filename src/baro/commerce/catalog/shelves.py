"""Stock by facility as operators read it: each facility's totals, and what one facility
holds with the products named (the network knows product ids only; it sits below the
catalogue)."""

from __future__ import annotations

from dataclasses import dataclass

from baro.commerce.catalog import repository
from baro.commerce.catalog.domain import Product
from baro.commerce.catalog.service import MAX_PAGE, InvalidSearch
from baro.core.db import Database
from baro.network import FacilityHoldings, StockLevel, holdings, stock_at


@dataclass(frozen=True)
class Shelf:
    """One product's stock at one facility."""

    product: Product
    level: StockLevel


class Shelves:
    def __init__(self, db: Database) -> None:
        self._db = db

    def facilities(self) -> list[FacilityHoldings]:
        with self._db.read() as session:
            return holdings(session)

    def at(self, facility_id: str, *, limit: int = 50, offset: int = 0) -> list[Shelf]:
        """A page of one facility's stock, fewest units free first; FacilityNotFound if
        there is no such facility."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidSearch(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        if offset < 0:
            raise InvalidSearch(f"offset cannot be negative, got {offset}")
        with self._db.read() as session:
            levels = stock_at(session, facility_id, limit=limit, offset=offset)
            products = repository.load(session, [level.product_id for level in levels])
        return [Shelf(products[level.product_id], level) for level in levels]
