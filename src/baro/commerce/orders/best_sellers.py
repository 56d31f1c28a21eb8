"""What sells: products ranked by the units of their recent orders that stood (placed and
paid, not cancelled or failed). A read for storefront rows, not an accounting figure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from baro.commerce.orders.domain import OrderStatus
from baro.commerce.orders.repository import OrderLineRow, OrderRow
from baro.core.db import Database

# Orders that were sold, whatever happened to them since (lost too), and not given back.
_SOLD = [
    status.value
    for status in OrderStatus
    if status
    not in (
        OrderStatus.PLACED,
        OrderStatus.PAYMENT_FAILED,
        OrderStatus.CANCELLED,
        OrderStatus.REFUNDED,
        OrderStatus.RETURNED,
    )
]


class BestSellers:
    def __init__(self, db: Database) -> None:
        self._db = db

    def since(self, moment: datetime, *, limit: int = 8) -> list[str]:
        """Product ids, most units sold since ``moment`` first (ties by id)."""
        units = func.sum(OrderLineRow.quantity)
        with self._db.read() as session:
            return list(
                session.scalars(
                    select(OrderLineRow.product_id)
                    .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
                    .where(
                        OrderRow.placed_at >= moment,
                        OrderRow.status.in_(_SOLD),
                        OrderRow.reship_of.is_(None),  # a free re-ship replaces a sale
                    )
                    .group_by(OrderLineRow.product_id)
                    .order_by(units.desc(), OrderLineRow.product_id)
                    .limit(limit)
                )
            )
