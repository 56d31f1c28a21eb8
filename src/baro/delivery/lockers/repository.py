"""Locker tables. No double booking is the database's job: a reservation holds its
compartment in ``active_compartment_id`` (unique; NULL once it ends), so two reservations of
one compartment cannot both commit, whatever the code above them checked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baro.core.db import Base, UTCDateTime

from .domain import Box, Compartment, CompartmentSize, Reservation, ReservationState


class CompartmentRow(Base):
    __tablename__ = "locker_compartments"
    __table_args__ = (UniqueConstraint("locker_id", "label"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    locker_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    label: Mapped[str] = mapped_column(String(8))
    size: Mapped[str] = mapped_column(String(1))
    length_cm: Mapped[int] = mapped_column(Integer)
    width_cm: Mapped[int] = mapped_column(Integer)
    height_cm: Mapped[int] = mapped_column(Integer)


class ReservationRow(Base):
    __tablename__ = "locker_reservations"
    __table_args__ = (Index("ix_locker_reservations_state_collect_by", "state", "collect_by"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), index=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    locker_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    compartment_id: Mapped[str] = mapped_column(ForeignKey("locker_compartments.id"))
    # Set while the reservation is active (reserved or arrived), NULL after: the unique
    # indexes allow one active reservation per compartment and one per order.
    active_compartment_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    active_order_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    # SHA-256 of "<locker id>:<code>" while a pickup code is valid; NULL otherwise.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    collect_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def compartment_of(row: CompartmentRow) -> Compartment:
    return Compartment(
        row.id,
        row.locker_id,
        row.label,
        CompartmentSize(row.size),
        Box(row.length_cm, row.width_cm, row.height_cm),
    )


def reservation_of(row: ReservationRow, compartment: CompartmentRow) -> Reservation:
    return Reservation(
        id=row.id,
        order_id=row.order_id,
        customer_id=row.customer_id,
        locker_id=row.locker_id,
        compartment_id=row.compartment_id,
        compartment_label=compartment.label,
        size=CompartmentSize(compartment.size),
        state=ReservationState(row.state),
        reserved_at=row.reserved_at,
        arrived_at=row.arrived_at,
        collect_by=row.collect_by,
        ended_at=row.ended_at,
    )
