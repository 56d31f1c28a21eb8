"""Operators' reads of every customer's orders: filtered pages and any one order.

``Orders.get`` and ``Orders.list`` answer a customer about their own orders and refuse an
operator; an operator (the operations console) looks across customers, so those reads
live here, behind the operator check the channel makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from baro.commerce.orders import repository
from baro.commerce.orders.domain import Order, OrderStatus
from baro.commerce.orders.service import MAX_PAGE, InvalidPage
from baro.core.db import Database


@dataclass(frozen=True)
class OrderFilter:
    """Which orders to show; a field left None does not filter. ``placed_from`` is
    inclusive and ``placed_until`` exclusive, so consecutive days do not overlap."""

    status: OrderStatus | None = None
    customer_id: str | None = None
    placed_from: datetime | None = None
    placed_until: datetime | None = None


class OrderBook:
    def __init__(self, db: Database) -> None:
        self._db = db

    def page(
        self, which: OrderFilter, *, limit: int = 25, before: str | None = None
    ) -> list[Order]:
        """Newest first; ``before`` is the last id of the previous page (ids sort by time)."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidPage(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        with self._db.read() as session:
            return repository.list_orders(
                session,
                customer_id=which.customer_id,
                before=before,
                limit=limit,
                status=which.status,
                placed_from=which.placed_from,
                placed_until=which.placed_until,
            )

    def get(self, order_id: str) -> Order:
        """Any customer's order; OrderNotFound if there is none."""
        with self._db.read() as session:
            return repository.load(session, order_id, customer_id=None)
