"""What sells: products ranked by the units of their recent orders that stood (placed and
paid, not cancelled or failed), a read for storefront rows, not an accounting figure; and
those orders' lines with where they went and when (``sold_lines``), the demand history a
forecast learns from; and each customer's own purchases (``purchases_of``), the history a
purchase cycle is read from. Units a customer sent back (a partial return) were not sold: each
line counts what the customer kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from baro.commerce.catalog.repository import ProductRow
from baro.commerce.customers.repository import AddressRow
from baro.commerce.orders.domain import OrderStatus
from baro.commerce.orders.repository import OrderLineRow, OrderRow
from baro.core.db import Database

# Units of a line the customer kept: partial returns are not sales.
_KEPT = OrderLineRow.quantity - OrderLineRow.returned
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
        units = func.sum(_KEPT)
        with self._db.read() as session:
            return list(
                session.scalars(
                    select(OrderLineRow.product_id)
                    .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
                    .where(
                        OrderRow.placed_at >= moment,
                        OrderRow.status.in_(_SOLD),
                        OrderRow.reship_of.is_(None),  # a free re-ship replaces a sale
                        _KEPT > 0,
                    )
                    .group_by(OrderLineRow.product_id)
                    .order_by(units.desc(), OrderLineRow.product_id)
                    .limit(limit)
                )
            )


def units_sold(session: Session, product_ids: Sequence[str], since: datetime) -> dict[str, int]:
    """Units of each of ``product_ids`` sold since ``since``, as ``BestSellers`` counts them
    (search ranks by it: ``catalog.search.ranking.UnitsSold``); products with none are absent."""
    if not product_ids:
        return {}
    rows = session.execute(
        select(OrderLineRow.product_id, func.sum(_KEPT))
        .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
        .where(
            OrderLineRow.product_id.in_(bindparam("ids", expanding=True)),
            OrderRow.placed_at >= since,
            OrderRow.status.in_(_SOLD),
            OrderRow.reship_of.is_(None),
            _KEPT > 0,
        )
        .group_by(OrderLineRow.product_id),
        {"ids": sorted(set(product_ids))},
    )
    return {product_id: int(units) for product_id, units in rows}


@dataclass(frozen=True)
class SoldLine:
    """Units of a product sold in one order line: its category, the point it was sent to
    (the order's address) and when the order was placed."""

    product_id: str
    category: str
    lat: float
    lng: float
    placed_at: datetime
    units: int


def sold_lines(session: Session, *, since: datetime, until: datetime) -> list[SoldLine]:
    """The lines of orders that stood (as best sellers count them), placed in [since, until),
    oldest first."""
    rows = session.execute(
        select(
            OrderLineRow.product_id,
            ProductRow.category,
            AddressRow.lat,
            AddressRow.lng,
            OrderRow.placed_at,
            _KEPT,
        )
        .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
        .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
        .join(AddressRow, AddressRow.id == OrderRow.address_id)
        .where(
            OrderRow.placed_at >= since,
            OrderRow.placed_at < until,
            OrderRow.status.in_(_SOLD),
            OrderRow.reship_of.is_(None),
            _KEPT > 0,
        )
        .order_by(OrderRow.placed_at, OrderLineRow.order_id, OrderLineRow.line_no)
    )
    return [SoldLine(*row) for row in rows]


@dataclass(frozen=True)
class Purchase:
    """A product a customer bought in one order that stood, and when the order was placed."""

    customer_id: str
    order_id: str
    product_id: str
    placed_at: datetime


def purchases_of(
    session: Session, customer_ids: Sequence[str] | None, *, until: datetime
) -> list[Purchase]:
    """The customers' purchases (None: every customer's) in orders that stood, placed
    before ``until``, oldest first (a product on two lines of one order is one purchase; a
    re-ship is not a purchase)."""
    if customer_ids is not None and not customer_ids:
        return []
    query = (
        select(OrderRow.customer_id, OrderRow.id, OrderLineRow.product_id, OrderRow.placed_at)
        .join(OrderLineRow, OrderLineRow.order_id == OrderRow.id)
        .where(
            OrderRow.placed_at < until,
            OrderRow.status.in_(_SOLD),
            OrderRow.reship_of.is_(None),
            _KEPT > 0,
        )
        .distinct()
        .order_by(OrderRow.placed_at, OrderRow.id, OrderLineRow.product_id)
    )
    if customer_ids is not None:
        query = query.where(OrderRow.customer_id.in_(sorted(set(customer_ids))))
    return [Purchase(*row) for row in session.execute(query)]


# The customer's latest order that stood (bind ``customer_id``), as a scalar to put in a
# statement of one's own: the home page reads it with other marks in one round trip.
LATEST_ORDER_ID = (
    select(OrderRow.id)
    .where(
        OrderRow.customer_id == bindparam("customer_id"),
        OrderRow.status.in_(_SOLD),
        OrderRow.reship_of.is_(None),
    )
    .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
    .limit(1)
    .scalar_subquery()
)
# Built once: the home page asks it on every request.
_LAST_PURCHASE = (
    select(OrderLineRow.product_id)
    .where(OrderLineRow.order_id == LATEST_ORDER_ID)
    .order_by(OrderLineRow.line_no)
)


def last_purchase(session: Session, customer_id: str) -> list[str]:
    """The products of the customer's latest order that stood (what they just bought)."""
    rows = session.execute(_LAST_PURCHASE, {"customer_id": customer_id})
    return list(dict.fromkeys(product_id for (product_id,) in rows))
