"""Facilities: fulfillment centers, seller warehouses, lockers, drone bases, stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Boolean, Float, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import Base
from baro.core.errors import InvalidRequest, NotFound
from baro.core.geo import check_coordinates, h3_cell
from baro.core.ids import new_id


class FacilityKind(StrEnum):
    FULFILLMENT_CENTER = "fulfillment_center"
    SELLER_WAREHOUSE = "seller_warehouse"
    LOCKER = "locker"
    DRONE_BASE = "drone_base"
    STORE = "store"


class FacilityNotFound(NotFound):
    code = "facility_not_found"


class InvalidFacility(InvalidRequest):
    code = "invalid_facility"


@dataclass(frozen=True)
class Facility:
    id: str
    name: str
    kind: FacilityKind
    lat: float
    lng: float
    h3_cell: str
    capacity_units: int
    active: bool


class FacilityRow(Base):
    __tablename__ = "facilities"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    h3_cell: Mapped[str] = mapped_column(String(16), index=True)
    capacity_units: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def _to_domain(row: FacilityRow) -> Facility:
    return Facility(
        row.id,
        row.name,
        FacilityKind(row.kind),
        row.lat,
        row.lng,
        row.h3_cell,
        row.capacity_units,
        row.active,
    )


def open_facility(
    session: Session,
    *,
    name: str,
    kind: FacilityKind,
    lat: float,
    lng: float,
    capacity_units: int,
    facility_id: str | None = None,
) -> Facility:
    try:
        check_coordinates(lat, lng)
    except ValueError as error:
        raise InvalidFacility(str(error)) from error
    if capacity_units <= 0:
        raise InvalidFacility(f"capacity must be positive, got {capacity_units} units")
    row = FacilityRow(
        id=facility_id or new_id("fac"),
        name=name,
        kind=kind.value,
        lat=lat,
        lng=lng,
        h3_cell=h3_cell(lat, lng),
        capacity_units=capacity_units,
        active=True,
    )
    session.add(row)
    session.flush()
    return _to_domain(row)


def get_facility(session: Session, facility_id: str) -> Facility:
    row = session.get(FacilityRow, facility_id)
    if row is None:
        raise FacilityNotFound(f"no facility {facility_id!r}")
    return _to_domain(row)


def list_facilities(session: Session, kinds: Sequence[FacilityKind] = ()) -> list[Facility]:
    query = select(FacilityRow).order_by(FacilityRow.id)
    if kinds:
        query = query.where(FacilityRow.kind.in_([k.value for k in kinds]))
    return [_to_domain(row) for row in session.scalars(query)]
