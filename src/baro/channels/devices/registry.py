"""Device tables. A slot's reorder guard is the database's: a press takes the slot by a
conditional UPDATE of ``open_press_id`` (compare and set), so two presses that both saw the
slot free cannot both order, whatever the code above them checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.customers import Role, principal_query
from baro.core.db import Base, UTCDateTime
from baro.core.money import Money

from .consumption import SlotState, run_out_at
from .domain import Device, DeviceKind, Slot


class DeviceRow(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(80))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # HMAC key for MQTT messages, derived from the secret (see protocol.signing_key): the
    # secret itself is never stored; the key signs telemetry only, it cannot press or claim.
    signing_key: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the claim code until the device is claimed; NULL after (a code works once).
    claim_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SlotRow(Base):
    __tablename__ = "device_slots"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    slot: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[float] = mapped_column(Float)
    level: Mapped[float | None] = mapped_column(Float)
    level_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rate_per_day: Mapped[float | None] = mapped_column(Float)
    use_variance: Mapped[float | None] = mapped_column(Float)
    reading_days: Mapped[float | None] = mapped_column(Float)
    observed_days: Mapped[float] = mapped_column(Float)
    guard: Mapped[bool] = mapped_column(Boolean)
    max_price_rise_pct: Mapped[int] = mapped_column(Integer)
    reference_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    # The press that holds the slot (its order is being placed, or is undelivered).
    open_press_id: Mapped[str | None] = mapped_column(String(80))
    open_order_id: Mapped[str | None] = mapped_column(String(40))
    open_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_press_id: Mapped[str | None] = mapped_column(String(80))
    held_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    # The last promise's window, in days from placing: it arrives in [from, lead].
    lead_days: Mapped[float] = mapped_column(Float)
    lead_from_days: Mapped[float | None] = mapped_column(Float)
    cycle: Mapped[int] = mapped_column(Integer)
    reordered_cycle: Mapped[int | None] = mapped_column(Integer)


# A device's secret is a bearer credential like an API key: one query finds the device's
# owner with their 1-Click defaults (the query the API keys use; a device acts for a
# customer, so its role is the customer's).
_bearers = select(DeviceRow.__table__, literal(Role.CUSTOMER.value).label("role")).subquery(
    "device_bearers"
)
_PRINCIPAL = principal_query(_bearers, _bearers.c.secret_hash).add_columns(  # type: ignore[arg-type]
    _bearers.c.id.label("device_id")
)
# The same for the bridge, which knows a device by its id (its messages are signed).
_PRINCIPAL_BY_ID = principal_query(_bearers, _bearers.c.id).add_columns(  # type: ignore[arg-type]
    _bearers.c.id.label("device_id")
)


def principal_rows(session: Session, secret_hashes: list[str]) -> dict[str, Any]:
    """Each known secret hash's row: ``device_id`` and the owner's principal columns."""
    rows = session.execute(_PRINCIPAL, {"hashes": secret_hashes}).mappings()
    return {row["key_hash"]: row for row in rows}


def principal_rows_by_id(session: Session, device_ids: list[str]) -> dict[str, Any]:
    rows = session.execute(_PRINCIPAL_BY_ID, {"hashes": device_ids}).mappings()
    return {row["device_id"]: row for row in rows}


def state_of(row: SlotRow) -> SlotState:
    return SlotState(
        row.level,
        row.level_at,
        row.rate_per_day,
        row.cycle,
        row.use_variance,
        row.reading_days,
        row.observed_days,
    )


def device_of(row: DeviceRow, slots: list[SlotRow]) -> Device:
    return Device(
        row.id,
        DeviceKind(row.kind),
        row.label,
        row.customer_id,
        row.created_at,
        row.claimed_at,
        tuple(slot_of(s) for s in sorted(slots, key=lambda s: s.slot)),
    )


def slot_of(row: SlotRow) -> Slot:
    def money(minor: int | None) -> Money | None:
        return None if minor is None or row.currency is None else Money(minor, row.currency)

    run_out = None
    if row.level is not None and row.level_at is not None and row.rate_per_day:
        run_out = run_out_at(row.level, row.rate_per_day, row.level_at)
    return Slot(
        row.device_id,
        row.slot,
        row.product_id,
        row.quantity,
        row.capacity,
        row.level,
        row.level_at,
        row.rate_per_day,
        run_out,
        row.guard,
        row.max_price_rise_pct,
        money(row.reference_price_minor),
        row.open_order_id,
        money(row.held_price_minor),
        row.lead_days,
        row.cycle,
        row.reordered_cycle,
    )


def slots_of(session: Session, device_ids: list[str]) -> list[SlotRow]:
    return list(session.scalars(select(SlotRow).where(SlotRow.device_id.in_(device_ids))))


def take_slot(
    session: Session, device_id: str, slot: str, press_id: str, expected: str | None, now: datetime
) -> bool:
    """Compare and set: the slot becomes ``press_id``'s if it is still held by
    ``expected`` (None: free). False when another press got there first."""
    held = SlotRow.open_press_id
    result = session.execute(
        update(SlotRow)
        .where(
            SlotRow.device_id == device_id,
            SlotRow.slot == slot,
            held.is_(None) if expected is None else held == expected,
        )
        .values(open_press_id=press_id, open_order_id=None, open_since=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
