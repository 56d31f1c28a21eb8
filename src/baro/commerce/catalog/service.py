"""Catalogue use cases, one unit of work each; views and searches by visitors are recorded
as demand signals (``signals.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from baro.commerce.catalog import repository
from baro.commerce.catalog.domain import Product, ProductNotFound
from baro.commerce.catalog.signals import SignalBuffer, Visitor, searched, viewed
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.errors import InvalidRequest
from baro.core.events import record
from baro.core.idempotency import IdempotentRequest, claim, complete
from baro.core.money import Money
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
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        idempotency_ttl: timedelta,
        signals: SignalBuffer | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._idempotency_ttl = idempotency_ttl
        self._signals = signals or SignalBuffer(db)

    def close(self) -> None:
        """Write the signals still held (the platform is stopping)."""
        self._signals.close()

    def add(self, products: Iterable[Product]) -> int:
        with self._db.transaction() as session:
            return repository.insert_products(session, products)

    def set_price(self, product_id: str, price: Money) -> None:
        """A new price from now on (operators); orders already placed keep theirs."""
        with self._db.transaction() as session:
            row = session.get(repository.ProductRow, product_id, with_for_update=True)
            if row is None:
                raise ProductNotFound(f"no product {product_id!r}")
            row.price_minor, row.currency = price.minor, price.currency

    def get(self, product_id: str, *, visitor: Visitor | None = None) -> ProductWithStock:
        """A product with its stock. Shown to a signed-in ``visitor`` (the storefront's
        product page), it is a view: ``product.viewed``, held and written within a second."""
        with self._db.read() as session:
            product = repository.load(session, [product_id]).get(product_id)
            if product is None:
                raise ProductNotFound(f"no product {product_id!r}")
            levels = stock_levels(session, product_id)
        if visitor is not None and visitor.customer_id is not None:
            self._signals.add(viewed(visitor.customer_id, product_id, self._clock.now()))
        return ProductWithStock(product, sum(level.available for level in levels), levels)

    def record_view(
        self, customer_id: str, product_id: str, *, idempotency_key: str | None = None
    ) -> bool:
        """A client says its customer viewed a product (``POST /v1/events/view``):
        ``product.viewed``, written before this returns. With an ``idempotency_key`` a
        retry counts once: the key is claimed in the event's transaction, and a repeat
        returns True (replayed) and writes nothing. Unknown product: ``ProductNotFound``."""
        request = (
            IdempotentRequest.of(customer_id, idempotency_key, "view", product_id=product_id)
            if idempotency_key is not None
            else None
        )
        now = self._clock.now()
        with self._db.transaction() as session:
            if not repository.load(session, [product_id]):
                raise ProductNotFound(f"no product {product_id!r}")
            if request is not None:
                if claim(session, request, now=now, ttl=self._idempotency_ttl) is not None:
                    return True
                complete(session, request, {"product_id": product_id})
            record(session, [viewed(customer_id, product_id, now)])
        return False

    def search(
        self,
        query: str = "",
        *,
        category: str | None = None,
        limit: int = 20,
        offset: int = 0,
        visitor: Visitor | None = None,
    ) -> list[ProductWithStock]:
        """Active products matching ``query``, best first. Made by a ``visitor`` (the API's
        and the storefront's search), a first page is a ``search.performed`` signal, held
        and written within a second: a search is a read, and stays one."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidSearch(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        if offset < 0:
            raise InvalidSearch(f"offset cannot be negative, got {offset}")
        with self._db.read() as session:
            found = repository.search(session, query, category=category, limit=limit, offset=offset)
            available = available_by_product(session, [p.id for p in found])
        if visitor is not None and offset == 0:
            signal = searched(visitor, query, category, found, self._clock.now())
            if signal is not None:
                self._signals.add(signal)
        return [ProductWithStock(p, available[p.id]) for p in found]

    def flush_signals(self) -> int:
        """Write the views and searches held now (the buffer does it every second)."""
        return self._signals.flush()

    def categories(self) -> list[str]:
        with self._db.read() as session:
            return repository.categories(session)

    def product_ids(self, limit: int | None = None) -> list[str]:
        with self._db.read() as session:
            return repository.product_ids(session, limit)
