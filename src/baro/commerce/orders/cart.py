"""The cart: products a customer has put aside; checkout turns it into one order.

Concurrency: two puts of one product both succeed (the later quantity wins): a put locks
the product's row, or inserts it, or, when another put inserted it first, waits for that one
and then updates it. A checkout locks the cart rows it reads (``for_update``) and deletes
exactly those rows: a put of another product meanwhile stays in the cart, a put of a product
being ordered waits for the checkout and then lands in the emptied cart, and a second
checkout of the same cart waits and then finds it empty. Nothing is lost, nothing is ordered
twice.

Signals: each change is an outbox event in the change's own transaction, on the customer
(``aggregate_id``): ``cart.item_added`` or ``cart.item_removed`` with ``customer_id``,
``product_id``, ``quantity`` (the units added or taken out, always positive) and
``cart_quantity`` (what the cart holds of the product afterwards). A put that changes
nothing records nothing. Checkout records none of them: the cart's rows leave as the order's
lines, which ``order.placed`` already carries; counting them again as removals would read as
a shopper who changed their mind.
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
from baro.core.db import Base, Database, UTCDateTime, insert_or_ignore, table_of, upsert
from baro.core.events import DomainEvent, record
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


@dataclass(frozen=True, kw_only=True)
class CartEvent(DomainEvent):
    """``cart.item_added`` or ``cart.item_removed``; ``aggregate_id`` is the customer."""

    what: str

    @property
    def event_type(self) -> str:
        return f"cart.{self.what}"


def change(
    customer_id: str, product_id: str, before: int, after: int, at: datetime
) -> list[CartEvent]:
    """The event of a product's quantity in a cart going from ``before`` to ``after``."""
    if before == after:
        return []
    return [
        CartEvent(
            aggregate_id=customer_id,
            occurred_at=at,
            what="item_added" if after > before else "item_removed",
            data={
                "customer_id": customer_id,
                "product_id": product_id,
                "quantity": abs(after - before),
                "cart_quantity": after,
            },
        )
    ]


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
_ONE = (_items.c.customer_id == bindparam("customer_id")) & (
    _items.c.product_id == bindparam("product_id")
)
_HELD = select(_items.c.quantity).where(_ONE).with_for_update()
_TAKE_OUT = delete(_items).where(_ONE).returning(_items.c.quantity)


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
        """Set how many of a product are in the cart (adding it if needed); the change is
        recorded (``cart.item_added`` / ``cart.item_removed``) in the same transaction."""
        check_quantity(quantity, self._max_quantity)
        now = self._clock.now()
        with self._db.transaction() as session:
            check_sellable([Line(product_id, quantity)], products_by_id(session, [product_id]))
            row = {
                "customer_id": customer_id,
                "product_id": product_id,
                "quantity": quantity,
                "added_at": now,
            }
            before = _set(session, row)
            record(session, change(customer_id, product_id, before, quantity, now))
            failpoint("cart.put")
            return self._items(session, customer_id)

    def remove(self, customer_id: str, product_id: str) -> list[CartItem]:
        """Take a product out of the cart (``cart.item_removed``, if it was there)."""
        key = {"customer_id": customer_id, "product_id": product_id}
        with self._db.transaction() as session:
            before = session.execute(_TAKE_OUT, key).scalar()
            record(session, change(customer_id, product_id, before or 0, 0, self._clock.now()))
            return self._items(session, customer_id)

    def items(self, customer_id: str) -> list[CartItem]:
        with self._db.read() as session:
            return self._items(session, customer_id)

    @staticmethod
    def _items(session: Session, customer_id: str) -> list[CartItem]:
        lines = cart_lines(session, customer_id)
        products = products_by_id(session, [line.product_id for line in lines])
        return [CartItem(products[line.product_id], line.quantity) for line in lines]


def _set(session: Session, row: dict[str, object]) -> int:
    """Put ``row``'s quantity of its product in the cart; the quantity it held before (0:
    none). The row is locked first, so the change recorded is this put's alone: when
    another put inserted the product between our read and our insert, our insert waits for
    it, and we then read (and lock) what it left."""
    key = {"customer_id": row["customer_id"], "product_id": row["product_id"]}
    before = session.execute(_HELD, key).scalar()
    if before is None:
        if insert_or_ignore(session, _items, row):
            return 0
        before = session.execute(_HELD, key).scalar()
    # An upsert, not an update: a checkout may have taken the row in the meantime.
    upsert(session, _items, row, update=["quantity"])
    return before or 0
