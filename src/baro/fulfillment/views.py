"""Reads of a facility's floor as it is now: its counts (``status_of``), what the console
draws (``floor_view``: the grid, pods, stations and open pick lists) and the orders at a
stage. Each aggregates in the database: a handful of statements, whatever the floor's size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from baro.network import get_facility

from .domain import (
    Cell,
    FloorStatus,
    FloorView,
    OrderStage,
    PickTask,
    PodOnFloor,
    StationAtWork,
    Wave,
)
from .layout import open_lists
from .picking import staged_by_area
from .repository import (
    PACKING,
    RECEIVING,
    BinRow,
    BinStockRow,
    FloorOrderRow,
    FloorRow,
    InboundRow,
    PickListRow,
    PickTaskRow,
    PodRow,
    ScanErrorRow,
    StationRow,
)


def status_of(session: Session, facility_id: str) -> FloorStatus:
    get_facility(session, facility_id)
    bins = session.scalar(
        select(func.count()).select_from(BinRow).where(BinRow.facility_id == facility_id)
    )
    in_bins = session.scalar(
        select(func.coalesce(func.sum(BinStockRow.units), 0))
        .join(BinRow, BinRow.id == BinStockRow.bin_id)
        .where(BinRow.facility_id == facility_id)
    )
    areas = staged_by_area(session, facility_id)
    open_inbounds = session.scalar(
        select(func.count())
        .select_from(InboundRow)
        .where(InboundRow.facility_id == facility_id, InboundRow.closed.is_(False))
    )
    stages = session.execute(
        select(FloorOrderRow.stage, func.count())
        .where(FloorOrderRow.facility_id == facility_id)
        .group_by(FloorOrderRow.stage)
    )
    scans = session.execute(
        select(ScanErrorRow.kind, ScanErrorRow.count).where(ScanErrorRow.facility_id == facility_id)
    )
    return FloorStatus(
        facility_id=facility_id,
        bins=int(bins or 0),
        units_in_bins=int(in_bins or 0),
        receiving=areas.get(RECEIVING, 0),
        packing=areas.get(PACKING, 0),
        open_inbounds=int(open_inbounds or 0),
        orders={stage: int(n) for stage, n in stages},
        bad_scans={kind: int(n) for kind, n in scans},
    )


def facilities_with_bins(session: Session) -> list[str]:
    return list(session.scalars(select(BinRow.facility_id).distinct().order_by(BinRow.facility_id)))


def floor_view(session: Session, facility_id: str, *, waves: int) -> FloorView:
    status = status_of(session, facility_id)  # unknown facility: FacilityNotFound
    floor = session.get(FloorRow, facility_id)
    oldest_first = sorted(
        _open_waves(session, facility_id), key=lambda w: (w.released_at, w.pick_list_id)
    )
    by_station: dict[str, list[Wave]] = defaultdict(list)
    for wave in oldest_first:
        if wave.station_id is not None:
            by_station[wave.station_id].append(wave)
    current = [queue[0].pick_list_id for queue in by_station.values()]
    next_tasks = _next_tasks(session, current)
    stations = tuple(
        _station(station, (row, col), by_station.get(station, []), next_tasks)
        for station, row, col in session.execute(
            select(StationRow.id, StationRow.grid_row, StationRow.grid_col)
            .where(StationRow.facility_id == facility_id)
            .order_by(StationRow.id)
        )
    )
    awaited = {task.pod for task in next_tasks.values() if task.pod is not None}
    return FloorView(
        facility_id=facility_id,
        rows=floor.grid_rows if floor else 0,
        cols=floor.grid_cols if floor else 0,
        pods=_pods(session, facility_id, awaited),
        stations=stations,
        waves=tuple(reversed(oldest_first))[:waves],
        open_lists=len(oldest_first),
        status=status,
    )


def _station(
    station_id: str, cell: Cell, queue: list[Wave], next_tasks: dict[str, PickTask]
) -> StationAtWork:
    """A station picks its oldest open list; the others wait behind it."""
    current, waiting = (queue[0], queue[1:]) if queue else (None, [])
    return StationAtWork(
        station_id=station_id,
        cell=cell,
        current=current,
        next_task=next_tasks.get(current.pick_list_id) if current else None,
        queued_lists=len(waiting),
        queued_units=sum(w.units - w.picked for w in waiting),
    )


def _open_waves(session: Session, facility_id: str) -> list[Wave]:
    """Every open pick list with its orders and units; a cancelled order's are left out
    (its units went back)."""
    rows = session.execute(
        select(
            PickListRow.id,
            PickListRow.released_at,
            PickListRow.station_id,
            func.count(func.distinct(PickTaskRow.order_id)),
            func.sum(PickTaskRow.units),
            func.sum(PickTaskRow.picked),
        )
        .join(PickTaskRow, PickTaskRow.pick_list_id == PickListRow.id)
        .join(FloorOrderRow, FloorOrderRow.order_id == PickTaskRow.order_id)
        .where(
            PickListRow.id.in_(open_lists(facility_id)),
            FloorOrderRow.stage != OrderStage.CANCELLED.value,
        )
        .group_by(PickListRow.id, PickListRow.released_at, PickListRow.station_id)
    )
    return [
        Wave(list_id, released_at, station_id, int(orders), int(units), int(picked))
        for list_id, released_at, station_id, orders, units, picked in rows
    ]


def _next_tasks(session: Session, pick_list_ids: Sequence[str]) -> dict[str, PickTask]:
    """Each list's next task (its lowest ``seq`` still to pick), in one statement."""
    if not pick_list_ids:
        return {}
    later = aliased(PickTaskRow)
    first_open = (
        select(func.min(later.seq))
        .where(later.pick_list_id == PickTaskRow.pick_list_id, later.picked < later.units)
        .scalar_subquery()
    )
    rows = session.execute(
        select(PickTaskRow, BinRow.pod, BinRow.shelf)
        .join(BinRow, BinRow.id == PickTaskRow.bin_id)
        .where(PickTaskRow.pick_list_id.in_(sorted(pick_list_ids)), PickTaskRow.seq == first_open)
    )
    return {
        t.pick_list_id: PickTask(
            t.pick_list_id, t.seq, t.order_id, t.bin_id, pod, shelf, t.product_id, t.units, t.picked
        )
        for t, pod, shelf in rows
    }


def _pods(session: Session, facility_id: str, awaited: set[str]) -> tuple[PodOnFloor, ...]:
    room = (
        select(
            BinRow.pod.label("pod"),
            func.sum(BinRow.volume_cm3).label("volume"),
            func.sum(BinRow.used_volume_cm3).label("used"),
        )
        .where(BinRow.facility_id == facility_id, BinRow.pod.is_not(None))
        .group_by(BinRow.pod)
        .subquery()
    )
    wanted = (
        select(
            BinRow.pod.label("pod"),
            func.sum(PickTaskRow.units - PickTaskRow.picked).label("units"),
        )
        .join(BinRow, BinRow.id == PickTaskRow.bin_id)
        .join(FloorOrderRow, FloorOrderRow.order_id == PickTaskRow.order_id)
        .where(
            FloorOrderRow.facility_id == facility_id,
            FloorOrderRow.stage == OrderStage.RELEASED.value,
            BinRow.pod.is_not(None),
        )
        .group_by(BinRow.pod)
        .subquery()
    )
    rows = session.execute(
        select(
            PodRow.pod,
            PodRow.grid_row,
            PodRow.grid_col,
            func.coalesce(room.c.used, 0),
            func.coalesce(room.c.volume, 0),
            func.coalesce(wanted.c.units, 0),
        )
        .outerjoin(room, room.c.pod == PodRow.pod)
        .outerjoin(wanted, wanted.c.pod == PodRow.pod)
        .where(PodRow.facility_id == facility_id)
        .order_by(PodRow.grid_row, PodRow.grid_col)
    )
    return tuple(
        PodOnFloor(pod, (row, col), int(used), int(volume), int(units), pod in awaited)
        for pod, row, col, used, volume, units in rows
    )


def orders_at(session: Session, facility_id: str, stage: OrderStage, limit: int) -> list[str]:
    """The facility's orders at ``stage``, released earliest first."""
    return list(
        session.scalars(
            select(FloorOrderRow.order_id)
            .where(FloorOrderRow.facility_id == facility_id, FloorOrderRow.stage == stage.value)
            .order_by(FloorOrderRow.released_at, FloorOrderRow.order_id)
            .limit(limit)
        )
    )
