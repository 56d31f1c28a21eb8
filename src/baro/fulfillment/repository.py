"""The floor's tables. Rows never leave this module: callers get domain objects.

Counts the database keeps honest: a bin never holds more than its volume and weight allow,
no count goes below zero, and units promised to pick lists never exceed the units in a bin
(CHECK constraints), whatever the processes do at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import Base, UTCDateTime, insert_or_ignore, insert_or_ignore_all, table_of
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
