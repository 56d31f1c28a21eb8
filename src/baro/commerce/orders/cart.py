"""The cart: products a customer has put aside; checkout turns it into one order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.catalog import Product, ProductNotFound, ProductUnavailable, products_by_id
from baro.commerce.orders.domain import InvalidQuantity
from baro.core.clock import Clock
from baro.core.db import Base, Database, UTCDateTime
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


def cart_lines(session: Session, customer_id: str) -> list[Line]:
    rows = session.scalars(
        select(CartItemRow)
        .where(CartItemRow.customer_id == customer_id)
        .order_by(CartItemRow.product_id)
    )
    return [Line(row.product_id, row.quantity) for row in rows]


def empty_cart(session: Session, customer_id: str) -> None:
    session.execute(delete(CartItemRow).where(CartItemRow.customer_id == customer_id))


def check_quantity(quantity: int, maximum: int) -> None:
    if not 1 <= quantity <= maximum:
        raise InvalidQuantity(
            f"quantity must be between 1 and {maximum}, got {quantity}",
            minimum=1,
            maximum=maximum,
        )


class Cart:
    def __init__(self, db: Database, clock: Clock, max_quantity: int) -> None:
        self._db = db
        self._clock = clock
        self._max_quantity = max_quantity

    def put(self, customer_id: str, product_id: str, quantity: int) -> list[CartItem]:
        """Set how many of a product are in the cart (adding it if needed)."""
        check_quantity(quantity, self._max_quantity)
        with self._db.transaction() as session:
            product = products_by_id(session, [product_id]).get(product_id)
            if product is None:
                raise ProductNotFound(f"no product {product_id!r}")
            if not product.active:
                raise ProductUnavailable(f"product {product_id} is no longer sold")
            row = session.get(CartItemRow, (customer_id, product_id))
            if row is None:
                session.add(
                    CartItemRow(
                        customer_id=customer_id,
                        product_id=product_id,
                        quantity=quantity,
                        added_at=self._clock.now(),
                    )
                )
            else:
                row.quantity = quantity
            session.flush()
            return self._items(session, customer_id)

    def remove(self, customer_id: str, product_id: str) -> list[CartItem]:
        with self._db.transaction() as session:
            session.execute(
                delete(CartItemRow).where(
                    CartItemRow.customer_id == customer_id, CartItemRow.product_id == product_id
                )
            )
            return self._items(session, customer_id)

    def items(self, customer_id: str) -> list[CartItem]:
        with self._db.read() as session:
            return self._items(session, customer_id)

    @staticmethod
    def _items(session: Session, customer_id: str) -> list[CartItem]:
        lines: Sequence[Line] = cart_lines(session, customer_id)
        products = products_by_id(session, [line.product_id for line in lines])
        return [CartItem(products[line.product_id], line.quantity) for line in lines]
