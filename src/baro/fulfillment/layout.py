"""The robot floor's layout (grid, pods' home cells, pick stations) and which station a new
pick list goes to; each step inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from baro.core.db import execute_many, insert_or_ignore, table_of
from baro.network import get_facility

from .domain import FloorLayout, OrderStage
from .errors import StationInUse
from .repository import FloorOrderRow, FloorRow, PickListRow, PickTaskRow, PodRow, StationRow


def lay_out(session: Session, facility_id: str, layout: FloorLayout) -> None:
    """The facility's floor becomes ``layout``: its grid, exactly its pods and stations.
    Laying out the same floor again changes nothing. A station that pick lists were sent
    to may move, not go (``StationInUse``): the lists keep their station."""
    get_facility(session, facility_id)
    values = {"facility_id": facility_id, "grid_rows": layout.rows, "grid_cols": layout.cols}
    insert_or_ignore(session, table_of(FloorRow), values)
    # The floor's row, locked: two layouts of one floor are written one after the other.
    session.execute(
        select(FloorRow.facility_id).where(FloorRow.facility_id == facility_id).with_for_update()
    ).one()
    session.execute(update(FloorRow).where(FloorRow.facility_id == facility_id).values(values))
    _place_stations(session, facility_id, layout)
    # Pods are named by their bins, not by rows of other tables: replaced whole, so that two
    # pods swapping cells never meet on one (a unique cell per pod, in the database).
    session.execute(delete(PodRow).where(PodRow.facility_id == facility_id))
    execute_many(
        session,
        table_of(PodRow).insert(),
        [
            {"facility_id": facility_id, "pod": pod, "grid_row": row, "grid_col": col}
            for pod, (row, col) in sorted(layout.pods.items())
        ],
    )


def _place_stations(session: Session, facility_id: str, layout: FloorLayout) -> None:
    placed = set(
        session.scalars(select(StationRow.id).where(StationRow.facility_id == facility_id))
    )
    leaving = sorted(placed - set(layout.stations))
    if leaving:
        used = session.execute(
            select(PickListRow.station_id, func.count())
            .where(PickListRow.facility_id == facility_id, PickListRow.station_id.in_(leaving))
            .group_by(PickListRow.station_id)
            .order_by(PickListRow.station_id)
        ).all()
        if used:
            named = ", ".join(f"{station} ({n} pick lists)" for station, n in used)
            raise StationInUse(
                f"pick lists were sent to {named} at {facility_id}: a station can move, "
                "not leave the floor"
            )
        session.execute(
            delete(StationRow).where(
                StationRow.facility_id == facility_id, StationRow.id.in_(leaving)
            )
        )
    for station, (row, col) in sorted(layout.stations.items()):
        cell = {"grid_row": row, "grid_col": col}
        if station in placed:
            session.execute(
                update(StationRow)
                .where(StationRow.facility_id == facility_id, StationRow.id == station)
                .values(cell)
            )
        else:
            session.add(StationRow(facility_id=facility_id, id=station, **cell))
    session.flush()


def open_lists(facility_id: str) -> Select[str]:
    """The facility's pick lists with units still to pick: those with an order on them
    still being picked (an order is ``released`` until its last unit is picked)."""
    return (
        select(FloorOrderRow.pick_list_id)
        .where(
            FloorOrderRow.facility_id == facility_id,
            FloorOrderRow.stage == OrderStage.RELEASED.value,
        )
        .distinct()
    )


def least_loaded_station(session: Session, facility_id: str) -> str | None:
    """The station with the fewest units still to pick on its lists (ties: the smallest
    id), or None on a floor without stations. Two releases at once may both choose the
    same station: a station's load is a hint for balance, not a limit."""
    load = func.coalesce(func.sum(PickTaskRow.units - PickTaskRow.picked), 0)
    return session.scalar(
        select(StationRow.id)
        .outerjoin(
            PickListRow,
            (PickListRow.facility_id == StationRow.facility_id)
            & (PickListRow.station_id == StationRow.id)
            & PickListRow.id.in_(open_lists(facility_id)),
        )
        .outerjoin(PickTaskRow, PickTaskRow.pick_list_id == PickListRow.id)
        .where(StationRow.facility_id == facility_id)
        .group_by(StationRow.id)
        .order_by(load, StationRow.id)
        .limit(1)
    )
