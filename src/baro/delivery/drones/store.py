"""Drone bases, fleets, sorties, drop zones and no-fly zones in the database, and the
service channels call (``Drones``).

A base stands at a facility (its position is the facility's). A sortie is keyed by its
order (unique): dispatching an order twice gives the first sortie back. The dispatcher
locks the base's drone rows while it picks one, so two dispatches at once cannot both
book the same drone's time. Each sortie's steps are outbox events of its order (the
parcel): drone.assigned when it is queued, then drone.launched, drone.dropped and
drone.returned as the clock passes them (``advance``), so tracking reads them with the
order's own events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.clock import Clock
from baro.core.db import Base as Table
from baro.core.db import Database, UTCDateTime
from baro.core.errors import Conflict, InvalidRequest, NotFound
from baro.core.events import DomainEvent, JSONType, record
from baro.core.failpoints import failpoint
from baro.core.geo import check_coordinates, haversine_km
from baro.core.ids import new_id
from baro.delivery.drones.dispatch import DroneState, Sortie, assign
from baro.delivery.drones.model import (
    FLIGHT,
    Base,
    Eligibility,
    FlightModel,
    Item,
    NoFlyZone,
    Weather,
    check,
    zone_polygon,
)
from baro.network import get_facility

MAX_FLEET = 200
DROP_ZONE_MAX_FROM_ADDRESS_KM = 0.5


class DroneBaseRow(Table):
    __tablename__ = "drone_bases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), unique=True)
    wind_ms: Mapped[float] = mapped_column(Float, default=0.0)
    rain_mm_h: Mapped[float] = mapped_column(Float, default=0.0)
    visibility_km: Mapped[float] = mapped_column(Float, default=10.0)


class DroneRow(Table):
    __tablename__ = "drones"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    base_id: Mapped[str] = mapped_column(ForeignKey("drone_bases.id"), index=True)
    free_at: Mapped[datetime] = mapped_column(UTCDateTime())
    battery: Mapped[float] = mapped_column(Float)


class SortieRow(Table):
    __tablename__ = "drone_sorties"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), unique=True)
    drone_id: Mapped[str] = mapped_column(ForeignKey("drones.id"), index=True)
    base_id: Mapped[str] = mapped_column(ForeignKey("drone_bases.id"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    distance_km: Mapped[float] = mapped_column(Float)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime())
    launch_at: Mapped[datetime] = mapped_column(UTCDateTime())
    drop_at: Mapped[datetime] = mapped_column(UTCDateTime())
    return_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DropZoneRow(Table):
    __tablename__ = "drone_drop_zones"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoFlyZoneRow(Table):
    __tablename__ = "drone_no_fly_zones"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    vertices: Mapped[list[Any]] = mapped_column(JSONType)  # [[lat, lng], ...]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DroneBaseNotFound(NotFound):
    code = "drone_base_not_found"


class DroneBaseExists(Conflict):
    code = "drone_base_exists"


class InvalidDropZone(InvalidRequest):
    code = "invalid_drop_zone"


class DropZoneTooFar(Conflict):
    """The spot is fine, but not beside the customer's default address (or there is none);
    ``max_km`` and ``address`` say where it may be."""

    code = "drop_zone_too_far"


class InvalidFleet(InvalidRequest):
    code = "invalid_drone_fleet"


@dataclass(frozen=True, kw_only=True)
class DroneEvent(DomainEvent):
    """A sortie's step, on its order (the parcel): drone.assigned … drone.returned."""

    step: str

    @property
    def event_type(self) -> str:
        return f"drone.{self.step}"


@dataclass(frozen=True)
class DroneView:
    id: str
    free_at: datetime
    battery: float


@dataclass(frozen=True)
class BaseView:
    id: str
    facility_id: str
    name: str
    lat: float
    lng: float
    weather: Weather
    grounded_because: tuple[str, ...]
    drones: tuple[DroneView, ...]


@dataclass(frozen=True)
class SortieView:
    """A sortie as operators follow it."""

    order_id: str
    drone_id: str
    base_id: str
    state: str  # assigned, launched, dropped, returned; or cancelled
    distance_km: float
    ready_at: datetime
    launch_at: datetime
    drop_at: datetime
    return_at: datetime


# Sortie states, in order; ``advance`` moves a sortie through them as its times pass.
STEPS = ("assigned", "launched", "dropped", "returned")
CANCELLED = "cancelled"  # its order was cancelled before take-off: it never flies


class Drones:
    def __init__(self, db: Database, clock: Clock, flight: FlightModel = FLIGHT) -> None:
        self._db, self._clock, self._flight = db, clock, flight

    # operators --------------------------------------------------------------------------

    def open_base(self, facility_id: str, drones: int) -> BaseView:
        if not 1 <= drones <= MAX_FLEET:
            raise InvalidFleet(f"a base holds 1 to {MAX_FLEET} drones, not {drones}")
        now = self._clock.now()
        with self._db.transaction() as session:
            get_facility(session, facility_id)  # 404 for an unknown facility
            if session.scalar(select(DroneBaseRow).where(DroneBaseRow.facility_id == facility_id)):
                raise DroneBaseExists(f"facility {facility_id} already has a drone base")
            base = DroneBaseRow(
                id=new_id("dbs"),
                facility_id=facility_id,
                wind_ms=0.0,
                rain_mm_h=0.0,
                visibility_km=10.0,
            )
            session.add(base)
            session.flush()
            session.add_all(
                DroneRow(id=f"{base.id}-d{n:03d}", base_id=base.id, free_at=now, battery=1.0)
                for n in range(1, drones + 1)
            )
            session.flush()
            return _view(session, base)

    def bases(self) -> list[BaseView]:
        with self._db.read() as session:
            rows = session.scalars(select(DroneBaseRow).order_by(DroneBaseRow.id)).all()
            return [_view(session, row) for row in rows]

    def set_weather(self, base_id: str, weather: Weather) -> BaseView:
        with self._db.transaction() as session:
            row = _base_row(session, base_id)
            row.wind_ms = weather.wind_ms
            row.rain_mm_h = weather.rain_mm_h
            row.visibility_km = weather.visibility_km
            session.flush()
            return _view(session, row)

    def add_no_fly_zone(self, name: str, vertices: Sequence[Sequence[float]]) -> NoFlyZone:
        polygon = zone_polygon(vertices)
        with self._db.transaction() as session:
            row = NoFlyZoneRow(
                id=new_id("nfz"),
                name=name,
                vertices=[[float(a), float(b)] for a, b in vertices],
                active=True,
            )
            session.add(row)
        return NoFlyZone(row.id, name, polygon)

    # customers --------------------------------------------------------------------------

    def set_drop_zone(
        self, customer_id: str, lat: float, lng: float, *, address: tuple[float, float] | None
    ) -> tuple[float, float]:
        """Where the drone lowers the customer's parcels: a spot within 500 m of their
        default address (a yard, a terrace)."""
        try:
            check_coordinates(lat, lng)
        except ValueError as error:
            raise InvalidDropZone(str(error)) from error
        if address is None:
            raise DropZoneTooFar("set a default address first: the drop zone is beside it")
        away = haversine_km(address[0], address[1], lat, lng)
        if away > DROP_ZONE_MAX_FROM_ADDRESS_KM:
            raise DropZoneTooFar(
                f"the drop zone is {away:.2f} km from your default address; it must be "
                f"within {DROP_ZONE_MAX_FROM_ADDRESS_KM} km of it",
                max_km=DROP_ZONE_MAX_FROM_ADDRESS_KM,
                address=list(address),
            )
        with self._db.transaction() as session:
            row = session.get(DropZoneRow, customer_id)
            if row is None:
                session.add(
                    DropZoneRow(customer_id=customer_id, lat=lat, lng=lng, set_at=self._clock.now())
                )
            else:
                row.lat, row.lng, row.set_at = lat, lng, self._clock.now()
        return (lat, lng)

    def view(
        self,
    ) -> tuple[list[tuple[str, Base]], list[NoFlyZone], dict[str, tuple[float, float]]]:
        """Everything eligibility reads, for a per-process view (the delivery promise's):
        each base with the facility it stands at, the active no-fly zones, and every
        customer's drop zone (a few queries: one per base for its facility)."""
        with self._db.read() as session:
            rows = session.scalars(select(DroneBaseRow).order_by(DroneBaseRow.id)).all()
            bases = [(row.facility_id, _base(session, row)) for row in rows]
            zones = [
                NoFlyZone(z.id, z.name, zone_polygon(z.vertices))
                for z in session.scalars(select(NoFlyZoneRow).where(NoFlyZoneRow.active))
            ]
            drops = {z.customer_id: (z.lat, z.lng) for z in session.scalars(select(DropZoneRow))}
        return bases, zones, drops

    def drop_zone(self, customer_id: str) -> tuple[float, float] | None:
        with self._db.read() as session:
            row = session.get(DropZoneRow, customer_id)
            return (row.lat, row.lng) if row else None

    def check(self, customer_id: str, items: Sequence[Item]) -> Eligibility:
        with self._db.read() as session:
            return self._check(session, customer_id, items)

    # dispatching ------------------------------------------------------------------------

    def dispatch(
        self,
        order_id: str,
        customer_id: str,
        items: Sequence[Item],
        ready_at: datetime | None = None,
        drop_from: datetime | None = None,
    ) -> Sortie:
        """Queue the order for the drone of its nearest flyable base that can launch it
        soonest (FIFO: each dispatch takes what is left after the ones before it), not
        before ``ready_at`` (default now) nor so early that the parcel lands before
        ``drop_from`` (the promised window's start: the parcel is being picked and packed
        until then). A repeat gives the order's sortie back, also when both ran at once:
        the second waits on the fleet's row locks, then finds the first's sortie."""
        sortie_of = select(SortieRow).where(SortieRow.order_id == order_id)
        with self._db.transaction() as session:
            existing = session.scalar(sortie_of)
            if existing is not None:
                return _sortie(existing)
            route = self._check(session, customer_id, items).best
            drones = session.scalars(
                select(DroneRow)
                .where(DroneRow.base_id == route.base.id)
                .order_by(DroneRow.id)
                .with_for_update()
            ).all()
            existing = session.scalar(sortie_of)  # committed while this one waited
            if existing is not None:
                return _sortie(existing)
            fleet = [DroneState(d.id, d.base_id, d.free_at, d.battery) for d in drones]
            ready = ready_at or self._clock.now()
            if drop_from is not None:
                ready = max(ready, drop_from - self._flight.to_drop(route.distance_km))
            sortie, after = assign(order_id, route.distance_km, ready, fleet, self._flight)
            drone = next(d for d in drones if d.id == after.id)
            drone.free_at, drone.battery = after.free_at, after.battery
            session.add(
                SortieRow(
                    id=new_id("srt"),
                    order_id=order_id,
                    drone_id=sortie.drone_id,
                    base_id=sortie.base_id,
                    state="assigned",
                    distance_km=route.distance_km,
                    ready_at=sortie.ready_at,
                    launch_at=sortie.launch_at,
                    drop_at=sortie.drop_at,
                    return_at=sortie.return_at,
                )
            )
            record(session, [_event(sortie, "assigned", self._clock.now(), route.distance_km)])
            failpoint("drones.dispatched")
            return sortie

    def advance(self) -> list[str]:
        """Move every sortie whose step's time has come (launched, dropped, returned),
        each step an outbox event at its own time; the event types written, in order."""
        now = self._clock.now()
        written: list[str] = []
        with self._db.transaction() as session:
            open_sorties = session.scalars(
                select(SortieRow)
                .where(SortieRow.state.in_(STEPS[:-1]), SortieRow.launch_at <= now)
                .order_by(SortieRow.launch_at)
                .with_for_update()
            ).all()
            events = []
            for row in open_sorties:
                times = {
                    "launched": row.launch_at,
                    "dropped": row.drop_at,
                    "returned": row.return_at,
                }
                for step in STEPS[STEPS.index(row.state) + 1 :]:
                    if times[step] > now:
                        break
                    row.state = step
                    events.append(_event(_sortie(row), step, times[step], row.distance_km))
                    written.append(f"drone.{step}")
            record(session, events)
        return written

    def sorties(self, limit: int = 50) -> list[SortieView]:
        """The latest sorties, by take-off time, latest first."""
        with self._db.read() as session:
            rows = session.scalars(
                select(SortieRow).order_by(SortieRow.launch_at.desc()).limit(limit)
            )
            return [
                SortieView(
                    r.order_id,
                    r.drone_id,
                    r.base_id,
                    r.state,
                    r.distance_km,
                    r.ready_at,
                    r.launch_at,
                    r.drop_at,
                    r.return_at,
                )
                for r in rows
            ]

    def cancel(self, order_id: str) -> bool:
        """The order was cancelled: its sortie, if it has not taken off, never will
        (``drone.cancelled``). True when one was stopped. The drone keeps the slot booked
        (the sorties queued after it were planned on it): it only waits, never double-books."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row = session.scalar(
                select(SortieRow).where(SortieRow.order_id == order_id).with_for_update()
            )
            if row is None or row.state != STEPS[0] or row.launch_at <= now:
                return False
            row.state = CANCELLED
            record(session, [_event(_sortie(row), CANCELLED, now, row.distance_km)])
            return True

    def _check(self, session: Session, customer_id: str, items: Sequence[Item]) -> Eligibility:
        zone = session.get(DropZoneRow, customer_id)
        bases = [_base(session, row) for row in session.scalars(select(DroneBaseRow))]
        zones = [
            NoFlyZone(z.id, z.name, zone_polygon(z.vertices))
            for z in session.scalars(select(NoFlyZoneRow).where(NoFlyZoneRow.active))
        ]
        return check(items, (zone.lat, zone.lng) if zone else None, bases, zones, self._flight)


def _event(sortie: Sortie, step: str, at: datetime, distance_km: float) -> DroneEvent:
    return DroneEvent(
        aggregate_id=sortie.order_id,
        occurred_at=at,
        step=step,
        data={
            "drone_id": sortie.drone_id,
            "base_id": sortie.base_id,
            "distance_km": round(distance_km, 2),
            "drop_at": sortie.drop_at.isoformat(),
            "eta": sortie.drop_at.isoformat(),
        },
    )


def _sortie(row: SortieRow) -> Sortie:
    return Sortie(
        row.order_id,
        row.drone_id,
        row.base_id,
        row.ready_at,
        row.launch_at,
        row.drop_at,
        row.return_at,
        0.0,
        0.0,
    )


def _base_row(session: Session, base_id: str) -> DroneBaseRow:
    row = session.get(DroneBaseRow, base_id)
    if row is None:
        raise DroneBaseNotFound(f"no drone base {base_id!r}")
    return row


def _base(session: Session, row: DroneBaseRow) -> Base:
    facility = get_facility(session, row.facility_id)
    weather = Weather(row.wind_ms, row.rain_mm_h, row.visibility_km)
    return Base(row.id, facility.name, facility.lat, facility.lng, weather)


def _view(session: Session, row: DroneBaseRow) -> BaseView:
    base = _base(session, row)
    drones = session.scalars(
        select(DroneRow).where(DroneRow.base_id == row.id).order_by(DroneRow.id)
    ).all()
    return BaseView(
        base.id,
        row.facility_id,
        base.name,
        base.lat,
        base.lng,
        base.weather,
        tuple(base.weather.grounded_because()),
        tuple(DroneView(d.id, d.free_at, round(d.battery, 3)) for d in drones),
    )
