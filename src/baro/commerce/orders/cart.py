"""The cart: products a customer has put aside; checkout turns it into one order.

Concurrency: a put is one upsert, so two puts of one product both succeed (the later
quantity wins). A checkout locks the cart rows it reads (``for_update``) and deletes exactly
those rows: a put of another product meanwhile stays in the cart, a put of a product being
ordered waits for the checkout and then lands in the emptied cart, and a second checkout
of the same cart waits and then finds it empty. Nothing is lost, nothing is ordered twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, bindparam, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.catalog import Product, products_by_id
from baro.commerce.orders.domain import check_quantity, check_sellable
from baro.core.clock import Clock
from baro.core.db import Base, Database, UTCDateTime, table_of, upsert
from baro.core.failpoints import failpoint
from baro.network import Line


class CartItemRow(Base):
    __tablename__ = "cart_items"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class CartItem:
    product: Product
    quantity: int


_items = table_of(CartItemRow)
_LINES = (
    select(_items.c.product_id, _items.c.quantity)
    .where(_items.c.customer_id == bindparam("customer_id"))
    .order_by(_items.c.product_id)
)
_REMOVE = delete(_items).where(
    _items.c.customer_id == bindparam("customer_id"),
    _items.c.product_id.in_(bindparam("product_ids", expanding=True)),
)


def cart_lines(session: Session, customer_id: str, *, for_update: bool = False) -> list[Line]:
    """The cart's lines by product id; ``for_update`` locks them until the transaction ends
    (a checkout), in product order, so that two lockers of one cart cannot deadlock."""
    query = _LINES.with_for_update() if for_update else _LINES
    rows = session.execute(query, {"customer_id": customer_id})
    return [Line(row.product_id, row.quantity) for row in rows]


def remove_products(session: Session, customer_id: str, product_ids: Sequence[str]) -> None:
    """Take these products out of the cart (after checkout: exactly those ordered)."""
    session.execute(_REMOVE, {"customer_id": customer_id, "product_ids": list(product_ids)})


class Cart:
    def __init__(self, db: Database, clock: Clock, max_quantity: int) -> None:
        self._db = db
        self._clock = clock
        self._max_quantity = max_quantity

    def put(self, customer_id: str, product_id: str, quantity: int) -> list[CartItem]:
        """Set how many of a product are in the cart (adding it if needed)."""
        check_quantity(quantity, self._max_quantity)
        with self._db.transaction() as session:
            check_sellable([Line(product_id, quantity)], products_by_id(session, [product_id]))
            row = {
                "customer_id": customer_id,
                "product_id": product_id,
                "quantity": quantity,
                "added_at": self._clock.now(),
            }
            upsert(session, _items, row, update=["quantity"])
            failpoint("cart.put")
            return self._items(session, customer_id)

    def remove(self, customer_id: str, product_id: str) -> list[CartItem]:
        with self._db.transaction() as session:
            remove_products(session, customer_id, [product_id])
            return self._items(session, customer_id)

    def items(self, customer_id: str) -> list[CartItem]:
        with self._db.read() as session:
            return self._items(session, customer_id)

    @staticmethod
    def _items(session: Session, customer_id: str) -> list[CartItem]:
        lines = cart_lines(session, customer_id)
        products = products_by_id(session, [line.product_id for line in lines])
        return [CartItem(products[line.product_id], line.quantity) for line in lines]
