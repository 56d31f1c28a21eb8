"""Stock per facility and product: on hand, and reserved for orders not yet shipped.

The database keeps the invariant ``0 <= reserved <= on_hand`` (CHECK constraints), and
a reservation is one conditional UPDATE, so two buyers of the last unit cannot both win,
in any number of processes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Integer,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from baro.core.db import Base, execute_many, insert_or_ignore, insert_or_ignore_all, table_of
from baro.core.errors import Conflict, InvalidRequest, NotFound
from baro.core.geo import haversine_km
from baro.network.allocation import Allocation, StockAt
from baro.network.facilities import FacilityRow, get_facility

# on_hand and reserved are INTEGER columns: 32 bits on PostgreSQL (SQLite's hold 64; the
# same limit applies on both).
MAX_UNITS = 2**31 - 1


class InvalidStockChange(InvalidRequest):
    code = "invalid_stock_change"


class UnknownProduct(NotFound):
    """Stock of a product the catalogue does not have (the network cannot raise the
    catalogue's ProductNotFound: it sits below the catalogue)."""

    code = "unknown_product"


class StockChanged(Conflict):
    """Stock moved between reading it and reserving it; plan again on fresh numbers."""

    code = "stock_changed"


class InventoryRow(Base):
    __tablename__ = "inventory"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("on_hand >= reserved", name="reserved_within_on_hand"),
    )

    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class StockLevel:
    facility_id: str
    product_id: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def receive(session: Session, facility_id: str, product_id: str, quantity: int) -> StockLevel:
    """Goods arrived at a facility (inbound): on_hand grows by ``quantity``, up to
    ``MAX_UNITS``. Raises FacilityNotFound, UnknownProduct or InvalidStockChange; after
    UnknownProduct the transaction must be rolled back (PostgreSQL aborted it)."""
    if not 0 < quantity <= MAX_UNITS:
        raise InvalidStockChange(
            f"received quantity must be between 1 and {MAX_UNITS:,}, got {quantity}"
        )
    get_facility(session, facility_id)
    try:
        insert_or_ignore(
            session,
            InventoryRow.__table__,
            {"facility_id": facility_id, "product_id": product_id, "on_hand": 0, "reserved": 0},
        )
    except IntegrityError as error:  # the products foreign key: the facility was found above
        raise UnknownProduct(f"no product {product_id!r}") from error
    # Guarded in the statement, so that two deliveries at once cannot both pass a check.
    row = session.execute(
        update(InventoryRow)
        .where(
            InventoryRow.facility_id == facility_id,
            InventoryRow.product_id == product_id,
            InventoryRow.on_hand <= MAX_UNITS - quantity,
        )
        .values(on_hand=InventoryRow.on_hand + quantity)
        .returning(InventoryRow.on_hand, InventoryRow.reserved)
    ).one_or_none()
    if row is None:
        held = stock_level(session, facility_id, product_id).on_hand
        raise InvalidStockChange(
            f"{facility_id} holds {held:,} units of {product_id}; {quantity:,} more would "
            f"pass the most one count can hold ({MAX_UNITS:,})"
        )
    return StockLevel(facility_id, product_id, row.on_hand, row.reserved)


_ADD = (
    update(table_of(InventoryRow))
    .where(InventoryRow.facility_id == bindparam("f"), InventoryRow.product_id == bindparam("p"))
    .values(on_hand=InventoryRow.on_hand + bindparam("q"))
)


def receive_all(session: Session, arrivals: Iterable[tuple[str, str, int]]) -> None:
    """Units that came back into the network (facility, product, units: a transfer landed or
    called back), which left a count of it before: opens the stock lines they need, then
    adds to them in one global order (facility, product), as ``reserve`` takes rows."""
    wanted: dict[tuple[str, str], int] = defaultdict(int)
    for facility_id, product_id, units in arrivals:
        wanted[(facility_id, product_id)] += units
    pairs = sorted(wanted)
    insert_or_ignore_all(
        session,
        table_of(InventoryRow),
        [{"facility_id": f, "product_id": p, "on_hand": 0, "reserved": 0} for f, p in pairs],
    )
    execute_many(session, _ADD, [{"f": f, "p": p, "q": wanted[(f, p)]} for f, p in pairs])


def open_stock(session: Session, levels: Sequence[StockLevel]) -> None:
    """First stock of new facility/product pairs, in one statement (world building, imports).
    Fails with IntegrityError if a pair already holds stock: use ``receive`` for that."""
    rows = [
        {
            "facility_id": lv.facility_id,
            "product_id": lv.product_id,
            "on_hand": lv.on_hand,
            "reserved": 0,
        }
        for lv in levels
    ]
    if rows:
        session.execute(InventoryRow.__table__.insert(), rows)


def adjust(session: Session, facility_id: str, product_id: str, delta: int) -> StockLevel:
    """A count correction (damage, cycle count). Cannot take on_hand below what is reserved."""
    level = stock_level(session, facility_id, product_id)
    if level.on_hand + delta < level.reserved:
        raise InvalidStockChange(
            f"adjusting by {delta} would leave {level.on_hand + delta} on hand at "
            f"{facility_id}, below the {level.reserved} reserved for orders"
        )
    return _change_on_hand(session, facility_id, product_id, delta)


def _change_on_hand(session: Session, facility_id: str, product_id: str, delta: int) -> StockLevel:
    row = session.execute(
        update(InventoryRow)
        .where(InventoryRow.facility_id == facility_id, InventoryRow.product_id == product_id)
        .values(on_hand=InventoryRow.on_hand + delta)
        .returning(InventoryRow.on_hand, InventoryRow.reserved)
    ).one()
    return StockLevel(facility_id, product_id, row.on_hand, row.reserved)


def stock_level(session: Session, facility_id: str, product_id: str) -> StockLevel:
    row = session.get(InventoryRow, (facility_id, product_id), populate_existing=True)
    if row is None:
        return StockLevel(facility_id, product_id, 0, 0)
    return StockLevel(facility_id, product_id, row.on_hand, row.reserved)


def stock_levels(session: Session, product_id: str) -> list[StockLevel]:
    rows = session.execute(
        select(InventoryRow.facility_id, InventoryRow.on_hand, InventoryRow.reserved)
        .where(InventoryRow.product_id == product_id)
        .order_by(InventoryRow.facility_id)
    )
    return [StockLevel(r.facility_id, product_id, r.on_hand, r.reserved) for r in rows]


# Built once: product pages, search and the home page ask it on every request.
_AVAILABLE = (
    select(InventoryRow.product_id, func.sum(InventoryRow.on_hand - InventoryRow.reserved))
    .join(FacilityRow, FacilityRow.id == InventoryRow.facility_id)
    .where(
        InventoryRow.product_id.in_(bindparam("ids", expanding=True)),
        FacilityRow.active.is_(True),
    )
    .group_by(InventoryRow.product_id)
)


def has_units_free(
    product_id: ColumnElement[str] | InstrumentedAttribute[str],
) -> ColumnElement[bool]:
    """True where the product has units free to sell (summed as ``available_by_product``
    sums them), as a condition to put in a statement of one's own: a listing of what is in
    stock is then one query, however much of the catalogue is sold out."""
    return (
        select(func.sum(InventoryRow.on_hand - InventoryRow.reserved))
        .join(FacilityRow, FacilityRow.id == InventoryRow.facility_id)
        .where(InventoryRow.product_id == product_id, FacilityRow.active.is_(True))
        .scalar_subquery()
        > 0
    )


def available_by_product(session: Session, product_ids: Sequence[str]) -> dict[str, int]:
    """Units free to sell per product, over all active facilities."""
    rows = session.execute(_AVAILABLE, {"ids": list(product_ids)})
    found = {product_id: int(units or 0) for product_id, units in rows}
    return {product_id: found.get(product_id, 0) for product_id in product_ids}


_inventory = table_of(InventoryRow)
_facilities = FacilityRow.__table__

_STOCK_NEAR = (
    select(
        _inventory.c.facility_id,
        _inventory.c.product_id,
        (_inventory.c.on_hand - _inventory.c.reserved).label("available"),
        _facilities.c.lat,
        _facilities.c.lng,
    )
    .join(_facilities, _facilities.c.id == _inventory.c.facility_id)
    .where(
        _inventory.c.product_id.in_(bindparam("product_ids", expanding=True)),
        _inventory.c.on_hand > _inventory.c.reserved,
        _facilities.c.active.is_(True),
    )
)

_RESERVE = (
    update(_inventory)
    .where(
        _inventory.c.facility_id == bindparam("f"),
        _inventory.c.product_id == bindparam("p"),
        _inventory.c.on_hand - _inventory.c.reserved >= bindparam("q"),
    )
    .values(reserved=_inventory.c.reserved + bindparam("q"))
)


@dataclass(frozen=True)
class FreeStock:
    """Units of a product free to sell at a facility, and where the facility stands."""

    facility_id: str
    product_id: str
    available: int
    lat: float
    lng: float


def free_stock(session: Session, product_ids: Iterable[str]) -> list[FreeStock]:
    """Free stock of the products at every active facility, in one query."""
    rows = session.execute(_STOCK_NEAR, {"product_ids": sorted(set(product_ids))})
    return [FreeStock(r.facility_id, r.product_id, r.available, r.lat, r.lng) for r in rows]


def seen_from(
    stock: Iterable[FreeStock],
    lat: float,
    lng: float,
    taken: Mapping[tuple[str, str], int] | None = None,
) -> dict[str, list[StockAt]]:
    """Free stock per product as seen from (lat, lng), less the units ``taken`` (by
    facility and product) by orders planned before this one on the same numbers."""
    taken = taken or {}
    near: dict[str, list[StockAt]] = defaultdict(list)
    for s in stock:
        left = s.available - taken.get((s.facility_id, s.product_id), 0)
        distance = haversine_km(lat, lng, s.lat, s.lng)
        near[s.product_id].append(StockAt(s.facility_id, s.product_id, left, distance))
    return near


def reserve(session: Session, allocations: Sequence[Allocation]) -> None:
    """Hold stock for allocations (of one order or many), or raise StockChanged: the
    caller rolls back and plans again.

    One conditional UPDATE per facility and product, sent together; rows go in one global
    order (facility, product), so two transactions that need the same rows cannot
    deadlock each other.
    """
    wanted: dict[tuple[str, str], int] = defaultdict(int)
    for allocation in allocations:
        wanted[(allocation.facility_id, allocation.product_id)] += allocation.quantity
    rows = [{"f": f, "p": p, "q": q} for (f, p), q in sorted(wanted.items())]
    held = execute_many(session, _RESERVE, rows)
    if held != len(rows):
        raise StockChanged(f"stock changed at {len(rows) - held} of {len(rows)} facility/products")


def release(session: Session, allocations: Sequence[Allocation]) -> None:
    """Give reserved stock back (cancelled order, failed payment)."""
    _take_reserved(session, allocations, leaves_building=False)


def consume(session: Session, allocations: Sequence[Allocation]) -> None:
    """Reserved stock left the building (shipped): it is no longer on hand."""
    _take_reserved(session, allocations, leaves_building=True)


_TAKE_RESERVED = (
    update(_inventory)
    .where(_inventory.c.facility_id == bindparam("f"), _inventory.c.product_id == bindparam("p"))
    .values(
        reserved=_inventory.c.reserved - bindparam("q"),
        on_hand=_inventory.c.on_hand - bindparam("shipped"),
    )
)


def _take_reserved(
    session: Session, allocations: Sequence[Allocation], *, leaves_building: bool
) -> None:
    for allocation in sorted(allocations, key=lambda a: (a.facility_id, a.product_id)):
        session.execute(
            _TAKE_RESERVED,
            {
                "f": allocation.facility_id,
                "p": allocation.product_id,
                "q": allocation.quantity,
                "shipped": allocation.quantity if leaves_building else 0,
            },
        )
