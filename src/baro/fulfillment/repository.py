"""The floor's tables. Rows never leave this module: callers get domain objects.

Counts the database keeps honest: a bin never holds more than its volume and weight allow,
no count goes below zero, and units promised to pick lists never exceed the units in a bin
(CHECK constraints), whatever the processes do at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import (
    Base,
    UTCDateTime,
    execute_many,
    insert_or_ignore,
    insert_or_ignore_all,
    table_of,
)
from baro.core.events import OutboxRow

from .domain import Bin, Item, OrderStage

# Where units wait in the building outside the bins (``StagedRow.area``).
DOCK = "dock"  # landed with a transfer, counted by the spine, not checked in yet
RECEIVING = "receiving"  # checked in, not stowed
PACKING = "packing"  # picked, not handed to delivery


class ItemRow(Base):
    """The floor's item master: a product's barcode (its id or SKU), size and weight, copied
    from the catalogue when it first comes in, so a scan resolves without asking it."""

    __tablename__ = "fulfillment_items"

    product_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    weight_g: Mapped[int] = mapped_column(Integer)
    length_cm: Mapped[int] = mapped_column(Integer)
    width_cm: Mapped[int] = mapped_column(Integer)
    height_cm: Mapped[int] = mapped_column(Integer)


class BinRow(Base):
    __tablename__ = "fulfillment_bins"
    __table_args__ = (
        CheckConstraint("used_volume_cm3 >= 0 AND used_volume_cm3 <= volume_cm3", name="volume"),
        CheckConstraint("used_weight_g >= 0 AND used_weight_g <= max_weight_g", name="weight"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    zone: Mapped[str] = mapped_column(String(40))
    volume_cm3: Mapped[int] = mapped_column(Integer)
    max_weight_g: Mapped[int] = mapped_column(Integer)
    station_distance: Mapped[int] = mapped_column(Integer)
    pod: Mapped[str | None] = mapped_column(String(40))
    shelf: Mapped[int | None] = mapped_column(Integer)
    dedicated_to: Mapped[str | None] = mapped_column(String(40))
    used_volume_cm3: Mapped[int] = mapped_column(Integer)
    used_weight_g: Mapped[int] = mapped_column(Integer)


class BinStockRow(Base):
    __tablename__ = "fulfillment_bin_stock"
    __table_args__ = (
        CheckConstraint("allocated >= 0 AND allocated <= units", name="allocated_within_units"),
    )

    bin_id: Mapped[str] = mapped_column(ForeignKey("fulfillment_bins.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    units: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer)  # promised to open pick tasks


class StagedRow(Base):
    """Units in the building but in no bin, per area: ``DOCK``, ``RECEIVING``, ``PACKING``."""

    __tablename__ = "fulfillment_staged"
    __table_args__ = (CheckConstraint("units >= 0", name="units_not_negative"),)

    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    area: Mapped[str] = mapped_column(String(16), primary_key=True)
    units: Mapped[int] = mapped_column(Integer)


class InboundRow(Base):
    __tablename__ = "fulfillment_inbounds"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    source: Mapped[str] = mapped_column(String(80))  # a transfer id, a seller, a supplier
    # Its units were on the spine's on_hand before check-in (a transfer that landed).
    landed: Mapped[bool] = mapped_column()
    closed: Mapped[bool] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundLineRow(Base):
    __tablename__ = "fulfillment_inbound_lines"

    inbound_id: Mapped[str] = mapped_column(ForeignKey("fulfillment_inbounds.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    expected: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer)


class FloorOrderRow(Base):
    """An order on the floor: released to a pick list, then picked, packed, handed off."""

    __tablename__ = "fulfillment_orders"
    # The floor view and the stations' load read a facility's orders still being picked.
    __table_args__ = (Index("ix_fulfillment_orders_facility_stage", "facility_id", "stage"),)

    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    pick_list_id: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())
    box: Mapped[str | None] = mapped_column(String(16))
    weight_g: Mapped[int | None] = mapped_column(Integer)


class PickTaskRow(Base):
    __tablename__ = "fulfillment_pick_tasks"
    __table_args__ = (
        CheckConstraint("picked >= 0 AND picked <= units", name="picked_within_units"),
        Index("ix_fulfillment_pick_tasks_list_seq", "pick_list_id", "seq"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pick_list_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)  # the picker's walk: nearest bins first
    order_id: Mapped[str] = mapped_column(ForeignKey("fulfillment_orders.order_id"), index=True)
    bin_id: Mapped[str] = mapped_column(ForeignKey("fulfillment_bins.id"))
    product_id: Mapped[str] = mapped_column(String(40))
    units: Mapped[int] = mapped_column(Integer)
    picked: Mapped[int] = mapped_column(Integer)


class FloorRow(Base):
    """A facility's robot floor: a grid of cells that its pods and stations stand on."""

    __tablename__ = "fulfillment_floors"
    __table_args__ = (CheckConstraint("grid_rows > 0 AND grid_cols > 0", name="grid_not_empty"),)

    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    grid_rows: Mapped[int] = mapped_column(Integer)
    grid_cols: Mapped[int] = mapped_column(Integer)


class PodRow(Base):
    """A pod's home cell; its bins name it (``BinRow.pod``). Two pods never share a cell."""

    __tablename__ = "fulfillment_pods"
    __table_args__ = (
        UniqueConstraint("facility_id", "grid_row", "grid_col"),
        CheckConstraint("grid_row >= 0 AND grid_col >= 0", name="cell_on_grid"),
    )

    facility_id: Mapped[str] = mapped_column(
        ForeignKey("fulfillment_floors.facility_id"), primary_key=True
    )
    pod: Mapped[str] = mapped_column(String(40), primary_key=True)
    grid_row: Mapped[int] = mapped_column(Integer)
    grid_col: Mapped[int] = mapped_column(Integer)


class StationRow(Base):
    """A pick station's cell. No unique cell here, unlike pods: a station keeps its row when
    a new layout moves it, so two stations may swap cells within one layout (each layout is
    checked whole before it is written)."""

    __tablename__ = "fulfillment_stations"
    __table_args__ = (CheckConstraint("grid_row >= 0 AND grid_col >= 0", name="cell_on_grid"),)

    facility_id: Mapped[str] = mapped_column(
        ForeignKey("fulfillment_floors.facility_id"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    grid_row: Mapped[int] = mapped_column(Integer)
    grid_col: Mapped[int] = mapped_column(Integer)


class PickListRow(Base):
    """A pick list made by a release, and the station it was sent to (None on a floor
    without stations). Its tasks are ``PickTaskRow``; its orders ``FloorOrderRow``."""

    __tablename__ = "fulfillment_pick_lists"
    __table_args__ = (
        ForeignKeyConstraint(
            ["facility_id", "station_id"],
            ["fulfillment_stations.facility_id", "fulfillment_stations.id"],
        ),
        Index("ix_fulfillment_pick_lists_station", "facility_id", "station_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    station_id: Mapped[str | None] = mapped_column(String(40))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScanErrorRow(Base):
    """Bad scans per facility and kind (wrong item, wrong bin, unknown barcode)."""

    __tablename__ = "fulfillment_scan_errors"

    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


def item_of(row: ItemRow) -> Item:
    return Item(row.product_id, row.sku, row.weight_g, row.length_cm, row.width_cm, row.height_cm)


def bin_of(row: BinRow) -> Bin:
    return Bin(
        id=row.id,
        facility_id=row.facility_id,
        zone=row.zone,
        volume_cm3=row.volume_cm3,
        max_weight_g=row.max_weight_g,
        station_distance=row.station_distance,
        pod=row.pod,
        shelf=row.shelf,
        dedicated_to=row.dedicated_to,
        used_volume_cm3=row.used_volume_cm3,
        used_weight_g=row.used_weight_g,
    )


def bin_values(b: Bin) -> dict[str, object]:
    return {
        "id": b.id,
        "facility_id": b.facility_id,
        "zone": b.zone,
        "volume_cm3": b.volume_cm3,
        "max_weight_g": b.max_weight_g,
        "station_distance": b.station_distance,
        "pod": b.pod,
        "shelf": b.shelf,
        "dedicated_to": b.dedicated_to,
        "used_volume_cm3": 0,
        "used_weight_g": 0,
    }


def resolve(session: Session, barcode: str) -> Item | None:
    """The item a scanned barcode names: its product id or its SKU."""
    row = session.scalars(
        select(ItemRow).where(or_(ItemRow.product_id == barcode, ItemRow.sku == barcode))
    ).first()
    return item_of(row) if row else None


def items(session: Session, product_ids: Iterable[str]) -> dict[str, Item]:
    rows = session.scalars(select(ItemRow).where(ItemRow.product_id.in_(sorted(set(product_ids)))))
    return {row.product_id: item_of(row) for row in rows}


def add_items(session: Session, new: Iterable[Item]) -> None:
    insert_or_ignore_all(
        session,
        table_of(ItemRow),
        [
            {
                "product_id": i.product_id,
                "sku": i.sku,
                "weight_g": i.weight_g,
                "length_cm": i.length_cm,
                "width_cm": i.width_cm,
                "height_cm": i.height_cm,
            }
            for i in new
        ],
    )


def staged(session: Session, facility_id: str, product_id: str, area: str) -> int:
    row = session.get(StagedRow, (facility_id, product_id, area), populate_existing=True)
    return row.units if row else 0


def add_staged(session: Session, facility_id: str, product_id: str, area: str, delta: int) -> None:
    key = {"facility_id": facility_id, "product_id": product_id, "area": area}
    insert_or_ignore(session, table_of(StagedRow), key | {"units": 0})
    session.execute(
        update(StagedRow)
        .where(
            StagedRow.facility_id == facility_id,
            StagedRow.product_id == product_id,
            StagedRow.area == area,
        )
        .values(units=StagedRow.units + delta)
    )


def put_in_bin(session: Session, bin_id: str, item: Item, units: int) -> None:
    """``units`` of ``item`` into the bin (negative: out of it); its room follows."""
    insert_or_ignore(
        session,
        table_of(BinStockRow),
        {"bin_id": bin_id, "product_id": item.product_id, "units": 0, "allocated": 0},
    )
    session.execute(
        update(BinStockRow)
        .where(BinStockRow.bin_id == bin_id, BinStockRow.product_id == item.product_id)
        .values(units=BinStockRow.units + units)
    )
    session.execute(
        update(BinRow)
        .where(BinRow.id == bin_id)
        .values(
            used_volume_cm3=BinRow.used_volume_cm3 + item.volume_cm3 * units,
            used_weight_g=BinRow.used_weight_g + item.weight_g * units,
        )
    )


def put_many_in_bins(session: Session, moves: Sequence[tuple[str, Item, int]]) -> None:
    """``put_in_bin`` for many (bin, item, units) at once: three statements in all. A
    (bin, product) appears once."""
    ordered = sorted(moves, key=lambda m: (m[0], m[1].product_id))
    insert_or_ignore_all(
        session,
        table_of(BinStockRow),
        [
            {"bin_id": b, "product_id": item.product_id, "units": 0, "allocated": 0}
            for b, item, _ in ordered
        ],
    )
    stock = table_of(BinStockRow)
    execute_many(
        session,
        update(stock)
        .where(stock.c.bin_id == bindparam("b_bin"), stock.c.product_id == bindparam("b_product"))
        .values(units=stock.c.units + bindparam("b_units")),
        [{"b_bin": b, "b_product": item.product_id, "b_units": n} for b, item, n in ordered],
    )
    room: dict[str, tuple[int, int]] = {}
    for b, item, n in ordered:
        volume, weight = room.get(b, (0, 0))
        room[b] = (volume + item.volume_cm3 * n, weight + item.weight_g * n)
    bins = table_of(BinRow)
    execute_many(
        session,
        update(bins)
        .where(bins.c.id == bindparam("b_bin"))
        .values(
            used_volume_cm3=bins.c.used_volume_cm3 + bindparam("b_volume"),
            used_weight_g=bins.c.used_weight_g + bindparam("b_weight"),
        ),
        [{"b_bin": b, "b_volume": v, "b_weight": w} for b, (v, w) in sorted(room.items())],
    )


def add_many_staged(
    session: Session, facility_id: str, area: str, delta: Mapping[str, int]
) -> None:
    """``add_staged`` for many products of one area at once."""
    ordered = sorted(delta.items())
    insert_or_ignore_all(
        session,
        table_of(StagedRow),
        [
            {"facility_id": facility_id, "product_id": p, "area": area, "units": 0}
            for p, _ in ordered
        ],
    )
    staged = table_of(StagedRow)
    execute_many(
        session,
        update(staged)
        .where(
            staged.c.facility_id == facility_id,
            staged.c.product_id == bindparam("b_product"),
            staged.c.area == area,
        )
        .values(units=staged.c.units + bindparam("b_units")),
        [{"b_product": p, "b_units": n} for p, n in ordered],
    )


def staged_in(session: Session, facility_id: str, area: str) -> dict[str, int]:
    """Units per product waiting in ``area``."""
    rows = session.execute(
        select(StagedRow.product_id, StagedRow.units).where(
            StagedRow.facility_id == facility_id, StagedRow.area == area, StagedRow.units > 0
        )
    )
    return {product_id: int(units) for product_id, units in rows}


def count_bad_scan(session: Session, facility_id: str, kind: str) -> None:
    key = {"facility_id": facility_id, "kind": kind}
    insert_or_ignore(session, table_of(ScanErrorRow), key | {"count": 0})
    session.execute(
        update(ScanErrorRow)
        .where(ScanErrorRow.facility_id == facility_id, ScanErrorRow.kind == kind)
        .values(count=ScanErrorRow.count + 1)
    )


def units_on_floor(session: Session, facility_id: str) -> dict[str, int]:
    """Per product, every unit the floor accounts for: in bins, on the dock, in receiving
    and packing, and in parcels handed to delivery whose order has not shipped yet (the spine takes
    them off ``on_hand`` only when the order ships: ``order.shipped`` in the outbox)."""
    found: dict[str, int] = defaultdict(int)
    in_bins = (
        select(BinStockRow.product_id, func.sum(BinStockRow.units))
        .join(BinRow, BinRow.id == BinStockRow.bin_id)
        .where(BinRow.facility_id == facility_id)
        .group_by(BinStockRow.product_id)
    )
    in_areas = (
        select(StagedRow.product_id, func.sum(StagedRow.units))
        .where(StagedRow.facility_id == facility_id)
        .group_by(StagedRow.product_id)
    )
    shipped = (
        select(OutboxRow.seq)
        .where(
            OutboxRow.aggregate_id == FloorOrderRow.order_id,
            OutboxRow.event_type == "order.shipped",
        )
        .exists()
    )
    handed_off = (
        select(PickTaskRow.product_id, func.sum(PickTaskRow.picked))
        .join(FloorOrderRow, FloorOrderRow.order_id == PickTaskRow.order_id)
        .where(
            FloorOrderRow.facility_id == facility_id,
            FloorOrderRow.stage == OrderStage.HANDED_OFF.value,
            ~shipped,
        )
        .group_by(PickTaskRow.product_id)
    )
    for query in (in_bins, in_areas, handed_off):
        for product_id, units in session.execute(query):
            found[product_id] += int(units or 0)
    return {p: n for p, n in found.items() if n}
