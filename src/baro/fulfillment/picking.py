"""Picking, packing and the hand-off, each a step inside the caller's transaction.

A release turns orders into one pick list per facility: each order's units are promised
from the bins nearest the pick stations (``allocated`` on the bin's stock, so two lists
cannot promise the same unit), and the list's tasks are ordered as the picker walks:
nearest bin first. On a floor with stations the list goes to the least loaded one. A pick
is one unit, scanned at the bin."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from baro.core.events import record
from baro.core.failpoints import failpoint
from baro.core.ids import new_id

from . import repository as repo
from .domain import OrderStage, PickRequest, PickTask, Release, event
from .errors import NotInFulfillment, UnknownBarcode, WrongBin, WrongItem, WrongStep
from .layout import least_loaded_station
from .packing import Box, Tolerance, check_weight, choose_box
from .repository import (
    PACKING,
    RECEIVING,
    BinRow,
    BinStockRow,
    FloorOrderRow,
    PickListRow,
    PickTaskRow,
    StagedRow,
)


def release(session: Session, requests: Sequence[PickRequest], at: datetime) -> list[Release]:
    releases = [Release(r) for r in requests]
    by_facility: dict[str, list[Release]] = defaultdict(list)
    for item in releases:
        by_facility[item.request.facility_id].append(item)
    for facility_id in sorted(by_facility):
        _release_at(session, facility_id, by_facility[facility_id], at)
    return releases


def _release_at(session: Session, facility_id: str, releases: list[Release], at: datetime) -> None:
    wanted = sorted({p for r in releases for p, _ in r.request.lines})
    # Locked in (bin, product) order, as every release takes them.
    rows = session.execute(
        select(
            BinStockRow.bin_id,
            BinStockRow.product_id,
            BinStockRow.units,
            BinStockRow.allocated,
            BinRow.station_distance,
        )
        .join(BinRow, BinRow.id == BinStockRow.bin_id)
        .where(BinRow.facility_id == facility_id, BinStockRow.product_id.in_(wanted))
        .order_by(BinStockRow.bin_id, BinStockRow.product_id)
        .with_for_update()
    ).all()
    distance = {row.bin_id: row.station_distance for row in rows}
    free: dict[str, list[Slot]] = defaultdict(list)  # per product, nearest bin first
    for row in sorted(rows, key=lambda r: (r.station_distance, r.bin_id)):
        if row.units > row.allocated:
            free[row.product_id].append(Slot(row.bin_id, row.units - row.allocated))
    already = set(
        session.scalars(
            select(FloorOrderRow.order_id).where(
                FloorOrderRow.order_id.in_([r.request.order_id for r in releases])
            )
        )
    )
    pick_list_id = new_id("pkl")
    for item in releases:
        if item.request.order_id in already:
            item.waiting = "already released"
            continue
        promise(item, free)
        if item.waiting is None:
            item.pick_list_id = pick_list_id
    going = [r for r in releases if r.pick_list_id]
    if not going:
        return
    station_id = least_loaded_station(session, facility_id)
    session.add(
        PickListRow(id=pick_list_id, facility_id=facility_id, station_id=station_id, released_at=at)
    )
    for r in going:
        r.station_id = station_id
    session.add_all(
        FloorOrderRow(
            order_id=r.request.order_id,
            facility_id=facility_id,
            pick_list_id=pick_list_id,
            stage=OrderStage.RELEASED.value,
            released_at=at,
        )
        for r in going
    )
    session.flush()
    walk = sorted(
        ((distance[b], b, r.request.order_id, p, n) for r in going for b, p, n in r.tasks)
    )
    session.add_all(
        PickTaskRow(
            id=new_id("pck"),
            pick_list_id=pick_list_id,
            seq=seq,
            order_id=order_id,
            bin_id=bin_id,
            product_id=product_id,
            units=n,
            picked=0,
        )
        for seq, (_, bin_id, order_id, product_id, n) in enumerate(walk)
    )
    promised: dict[tuple[str, str], int] = defaultdict(int)
    for r in going:
        for b, p, n in r.tasks:
            promised[(b, p)] += n
    for (bin_id, product_id), n in sorted(promised.items()):
        session.execute(
            update(BinStockRow)
            .where(BinStockRow.bin_id == bin_id, BinStockRow.product_id == product_id)
            .values(allocated=BinStockRow.allocated + n)
        )
    failpoint("fulfillment.promised")  # tests: a rival release starts here
    record(
        session,
        [
            event(
                "released",
                r.request.order_id,
                at,
                facility_id=facility_id,
                pick_list_id=pick_list_id,
                station_id=station_id,
            )
            for r in going
        ],
    )


@dataclass
class Slot:
    """Units of one product in one bin not yet promised to a pick list."""

    bin_id: str
    free: int


def promise(item: Release, free: dict[str, list[Slot]]) -> None:
    """Take the order's units from the nearest bins, all or none: ``free`` lists each
    product's slots nearest first and loses what is taken; ``item`` gains its tasks, or
    says why it waits. Pure, so the twin's simulated floor promises as the WMS does."""
    taken: list[tuple[Slot, str, int]] = []
    for product_id, units in item.request.lines:
        need = units
        for slot in free.get(product_id, []):
            n = min(slot.free, need)
            if n:
                slot.free -= n
                taken.append((slot, product_id, n))
                need -= n
            if not need:
                break
        if need:
            for slot, _, n in taken:  # give back what this order took
                slot.free += n
            item.waiting = f"{units - need} of {units} units of {product_id} are in bins"
            return
    item.tasks = [(slot.bin_id, product_id, n) for slot, product_id, n in taken]


def next_task(session: Session, pick_list_id: str) -> PickTask | None:
    row = session.execute(
        select(PickTaskRow, BinRow.pod, BinRow.shelf)
        .join(BinRow, BinRow.id == PickTaskRow.bin_id)
        .where(PickTaskRow.pick_list_id == pick_list_id, PickTaskRow.picked < PickTaskRow.units)
        .order_by(PickTaskRow.seq)
        .limit(1)
    ).first()
    if row is None:
        return None
    task = row[0]
    return PickTask(
        task.pick_list_id,
        task.seq,
        task.order_id,
        task.bin_id,
        row.pod,
        row.shelf,
        task.product_id,
        task.units,
        task.picked,
    )


def tasks_of(session: Session, pick_list_id: str) -> list[PickTask]:
    rows = session.execute(
        select(PickTaskRow, BinRow.pod, BinRow.shelf)
        .join(BinRow, BinRow.id == PickTaskRow.bin_id)
        .where(PickTaskRow.pick_list_id == pick_list_id)
        .order_by(PickTaskRow.seq)
    )
    return [
        PickTask(
            t.pick_list_id, t.seq, t.order_id, t.bin_id, pod, shelf, t.product_id, t.units, t.picked
        )
        for t, pod, shelf in rows
    ]


def facility_of_list(session: Session, pick_list_id: str) -> str:
    facility_id = session.scalar(
        select(FloorOrderRow.facility_id).where(FloorOrderRow.pick_list_id == pick_list_id).limit(1)
    )
    if facility_id is None:
        raise NotInFulfillment(f"no pick list {pick_list_id}")
    return facility_id


def pick(
    session: Session, pick_list_id: str, bin_barcode: str, item_barcode: str, at: datetime
) -> PickTask:
    # Two scanners on one list take turns: the second then sees the first's unit picked.
    session.execute(
        select(PickTaskRow.id)
        .where(PickTaskRow.pick_list_id == pick_list_id)
        .order_by(PickTaskRow.id)
        .with_for_update()
    ).all()
    failpoint("fulfillment.picking")  # tests: a rival scanner starts here
    task = next_task(session, pick_list_id)
    if task is None:
        raise WrongStep(f"pick list {pick_list_id} is picked")
    where = f" (pod {task.pod}, shelf {task.shelf})" if task.pod else ""
    if bin_barcode != task.bin_id:
        raise WrongBin(f"scanned bin {bin_barcode!r}; this pick is from bin {task.bin_id}{where}")
    item = repo.resolve(session, item_barcode)
    if item is None:
        raise UnknownBarcode(f"no product has the barcode {item_barcode!r}")
    if item.product_id != task.product_id:
        raise WrongItem(
            f"scanned {item.sku} ({item.product_id}); bin {task.bin_id} task wants "
            f"{task.product_id}, {task.left} more"
        )
    session.execute(
        update(PickTaskRow)
        .where(PickTaskRow.pick_list_id == pick_list_id, PickTaskRow.seq == task.seq)
        .values(picked=PickTaskRow.picked + 1)
    )
    # The promise first: CHECK (allocated <= units) holds after each statement.
    session.execute(
        update(BinStockRow)
        .where(BinStockRow.bin_id == task.bin_id, BinStockRow.product_id == item.product_id)
        .values(allocated=BinStockRow.allocated - 1)
    )
    repo.put_in_bin(session, task.bin_id, item, -1)
    order = _order(session, task.order_id)
    repo.add_staged(session, order.facility_id, item.product_id, PACKING, 1)
    left = session.scalar(
        select(func.coalesce(func.sum(PickTaskRow.units - PickTaskRow.picked), 0)).where(
            PickTaskRow.order_id == task.order_id
        )
    )
    if not left:
        order.stage = OrderStage.PICKED.value
        record(session, [event("picked", order.order_id, at, facility_id=order.facility_id)])
    return PickTask(
        task.pick_list_id,
        task.seq,
        task.order_id,
        task.bin_id,
        task.pod,
        task.shelf,
        task.product_id,
        task.units,
        task.picked + 1,
    )


def _order(session: Session, order_id: str) -> FloorOrderRow:
    row = session.get(FloorOrderRow, order_id, populate_existing=True, with_for_update=True)
    if row is None:
        raise NotInFulfillment(f"order {order_id} was not released to the floor")
    return row


def _lines(session: Session, order_id: str) -> dict[str, int]:
    rows = session.execute(
        select(PickTaskRow.product_id, func.sum(PickTaskRow.picked))
        .where(PickTaskRow.order_id == order_id)
        .group_by(PickTaskRow.product_id)
        .order_by(PickTaskRow.product_id)
    )
    return {p: int(n) for p, n in rows}


def pack(
    session: Session,
    order_id: str,
    measured_weight_g: int,
    boxes: Sequence[Box],
    tolerance: Tolerance,
    at: datetime,
) -> Box:
    order = _order(session, order_id)
    if order.stage != OrderStage.PICKED.value:
        raise WrongStep(f"order {order_id} is {order.stage}; only a picked order is packed")
    lines = _lines(session, order_id)
    known = repo.items(session, lines)
    contents = [(known[p], n) for p, n in lines.items()]
    box = choose_box(contents, boxes)
    expected = box.tare_g + sum(item.weight_g * n for item, n in contents)
    check_weight(expected, measured_weight_g, tolerance)
    order.stage, order.box, order.weight_g = OrderStage.PACKED.value, box.name, measured_weight_g
    record(
        session,
        [
            event(
                "packed",
                order_id,
                at,
                facility_id=order.facility_id,
                box=box.name,
                weight_g=measured_weight_g,
                expected_weight_g=expected,
            )
        ],
    )
    return box


def hand_off(session: Session, order_id: str, at: datetime) -> None:
    order = _order(session, order_id)
    if order.stage != OrderStage.PACKED.value:
        raise WrongStep(f"order {order_id} is {order.stage}; only a packed order is handed off")
    lines = _lines(session, order_id)
    for product_id, units in lines.items():
        repo.add_staged(session, order.facility_id, product_id, PACKING, -units)
    order.stage = OrderStage.HANDED_OFF.value
    record(
        session,
        [
            event(
                "handed_off",
                order_id,
                at,
                facility_id=order.facility_id,
                box=order.box,
                weight_g=order.weight_g,
                lines=[{"product_id": p, "quantity": n} for p, n in lines.items()],
            )
        ],
    )


def cancel(session: Session, order_id: str, at: datetime) -> bool:
    """The order was cancelled: its units still to pick are no longer promised, and those
    picked go back to receiving to be stowed again. False when it is not on the floor or
    was cancelled already; a parcel handed off is delivery's to bring back."""
    order = session.get(FloorOrderRow, order_id, populate_existing=True, with_for_update=True)
    if order is None or order.stage == OrderStage.CANCELLED.value:
        return False
    if order.stage == OrderStage.HANDED_OFF.value:
        raise WrongStep(f"order {order_id} was handed to delivery; it comes back as a return")
    tasks = session.scalars(
        select(PickTaskRow).where(PickTaskRow.order_id == order_id).order_by(PickTaskRow.id)
    ).all()
    for task in sorted(tasks, key=lambda t: (t.bin_id, t.product_id)):
        if task.units > task.picked:
            session.execute(
                update(BinStockRow)
                .where(BinStockRow.bin_id == task.bin_id, BinStockRow.product_id == task.product_id)
                .values(allocated=BinStockRow.allocated - (task.units - task.picked))
            )
            task.units = task.picked  # nothing left to pick: the picker is not sent there
        if task.picked:
            repo.add_staged(session, order.facility_id, task.product_id, PACKING, -task.picked)
            repo.add_staged(session, order.facility_id, task.product_id, RECEIVING, task.picked)
    order.stage = OrderStage.CANCELLED.value
    record(session, [event("cancelled", order_id, at, facility_id=order.facility_id)])
    return True


def staged_by_area(session: Session, facility_id: str) -> dict[str, int]:
    rows = session.execute(
        select(StagedRow.area, func.sum(StagedRow.units))
        .where(StagedRow.facility_id == facility_id)
        .group_by(StagedRow.area)
    )
    return {area: int(n or 0) for area, n in rows}
