"""Tables of in-car delivery. Codes and credentials are stored only as SHA-256 hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baro.core.db import Base, UTCDateTime

from .domain import Courier, Outcome, TrunkDelivery, TrunkState, Vehicle


class VehicleRow(Base):
    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("customer_id", "plate"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    plate: Mapped[str] = mapped_column(String(16))
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    telematics_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CourierRow(Base):
    __tablename__ = "couriers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrunkDeliveryRow(Base):
    __tablename__ = "trunk_deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), unique=True)  # one consent per order
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id"), index=True)
    courier_id: Mapped[str | None] = mapped_column(ForeignKey("couriers.id"), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))
    # SHA-256 of "<delivery id>:<code>" while the code may still open the trunk.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    failed_attempts: Mapped[int] = mapped_column(Integer)
    code_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrunkAttemptRow(Base):
    """The audit log: every attempt to open a trunk, good or bad. Ids as presented (an
    attempt on an unknown delivery is logged too), so no foreign keys."""

    __tablename__ = "trunk_access_attempts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(40), index=True)
    courier_id: Mapped[str | None] = mapped_column(String(40), index=True)
    vehicle_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


def vehicle_of(row: VehicleRow) -> Vehicle:
    return Vehicle(
        row.id, row.customer_id, row.plate, row.make, row.model, row.lat, row.lng, row.registered_at
    )


def courier_of(row: CourierRow) -> Courier:
    return Courier(row.id, row.name)


def delivery_of(row: TrunkDeliveryRow) -> TrunkDelivery:
    return TrunkDelivery(
        id=row.id,
        order_id=row.order_id,
        customer_id=row.customer_id,
        vehicle_id=row.vehicle_id,
        courier_id=row.courier_id,
        window_start=row.window_start,
        window_end=row.window_end,
        state=TrunkState(row.state),
        failed_attempts=row.failed_attempts,
        code_issued_at=row.code_issued_at,
        opened_at=row.opened_at,
        ended_at=row.ended_at,
    )


def outcome_of(value: str) -> Outcome:
    return Outcome(value)
