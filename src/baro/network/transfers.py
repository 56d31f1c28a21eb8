"""Stock on the move between facilities: dispatched from one, in transit, landed at another.

A **dispatch** is one plan's transfers, written together: the plan's record
(``transfer_plans``: when, why, what it expects) and one ``transfers`` row per move. The
units leave the source at once (on hand goes down, only from what is free: on hand less
reserved) and travel until ``arrives_at``; :func:`arrive_due` lands them in the destination's
on hand. Orders reserve only stock on hand; :func:`incoming` is what planners and operators
see coming.

Exactly once: a dispatch with moves carries an idempotency key, unique on its plan row, so a
repeat (or a rival process with the same plan) returns the first dispatch's transfers and
takes nothing. Two dispatches that need the same units cannot both take them: each source
row is one conditional UPDATE (as ``reserve``), rows in one global order (facility,
product). A dispatch that cannot take all it needs raises ``NotEnoughToSend`` and the
caller's transaction writes nothing. Landing is a conditional UPDATE of the transfer's
status, so two processes landing at once count each transfer once.

Events (outbox): ``transfer.dispatched``, ``transfer.arrived``, ``transfer.cancelled``, each
with the transfer's id as aggregate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Update,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import Base, UTCDateTime, execute_many, insert_or_ignore, table_of
from baro.core.errors import Conflict, InvalidRequest, NotFound
from baro.core.events import DomainEvent, JSONType, record
from baro.core.failpoints import failpoint
from baro.core.idempotency import IdempotencyKeyReused, check_key
from baro.core.ids import new_id
from baro.network.facilities import FacilityNotFound, FacilityRow
from baro.network.inventory import MAX_UNITS, InventoryRow, receive_all


class TransferStatus(StrEnum):
    IN_TRANSIT = "in_transit"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"  # called back before it arrived: the units are at the source again


class InvalidTransfer(InvalidRequest):
    code = "invalid_transfer"


class NotEnoughToSend(Conflict):
    """A source does not hold the free units a dispatch would take (orders hold them, or a
    rival dispatch took them since the plan read the stock); plan again on fresh numbers."""

    code = "not_enough_to_send"


class TransferNotFound(NotFound):
    code = "transfer_not_found"


class TransferNotInTransit(Conflict):
    code = "transfer_not_in_transit"


@dataclass(frozen=True)
class Move:
    """Send ``quantity`` units of a product from one facility to another, landing at
    ``arrives_at``."""

    product_id: str
    from_facility: str
    to_facility: str
    quantity: int
    arrives_at: datetime


@dataclass(frozen=True)
class PlanSummary:
    """Why the moves are what they are, as the planner said it (all optional but ``status``).

    ``expected_fill_before``/``after``: the expected share of forecast demand filled by the
    facility serving its region, before and after the moves (0 to 1)."""

    status: str
    notes: tuple[str, ...] = ()
    need_by: datetime | None = None
    cost_minor: int = 0
    expected_demand: float | None = None
    expected_fill_before: float | None = None
    expected_fill_after: float | None = None


@dataclass(frozen=True)
class TransferPlanRecord:
    id: str
    made_at: datetime
    summary: PlanSummary
    units: int
    transfers: int


@dataclass(frozen=True)
class Transfer:
    id: str
    product_id: str
    from_facility: str
    to_facility: str
    quantity: int
    status: TransferStatus
    shipped_at: datetime
    arrives_at: datetime
    plan_id: str
    ended_at: datetime | None  # when it arrived or was called back


@dataclass(frozen=True)
class Dispatch:
    plan: TransferPlanRecord
    transfers: tuple[Transfer, ...]
    replayed: bool  # True: the key's first dispatch, returned again; nothing was taken now


@dataclass(frozen=True)
class Incoming:
    """Units of a product on their way to a facility, landing at ``arrives_at``."""

    facility_id: str
    product_id: str
    units: int
    arrives_at: datetime


@dataclass(frozen=True, kw_only=True)
class TransferEvent(DomainEvent):
    step: str

    @property
    def event_type(self) -> str:
        return f"transfer.{self.step}"


class TransferPlanRow(Base):
    __tablename__ = "transfer_plans"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Null for a plan that moves nothing: there is nothing to do twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    need_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(64))
    notes: Mapped[list[str]] = mapped_column(JSONType)
    units: Mapped[int] = mapped_column(BigInteger)
    transfers: Mapped[int] = mapped_column(Integer)
    cost_minor: Mapped[int] = mapped_column(BigInteger)
    expected_demand: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_fill_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_fill_after: Mapped[float | None] = mapped_column(Float, nullable=True)


class TransferRow(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("plan_id", "line"),
        # What lands next, and what is on its way (arrive_due, incoming).
        Index("ix_transfers_status_arrives_at", "status", "arrives_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("transfer_plans.id"))
    line: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    from_facility: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    to_facility: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    arrives_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


_inventory = table_of(InventoryRow)
_plans = table_of(TransferPlanRow)
_transfers = table_of(TransferRow)

# Units leave the building only from what no order holds.
_TAKE_FREE = (
    update(_inventory)
    .where(
        _inventory.c.facility_id == bindparam("f"),
        _inventory.c.product_id == bindparam("p"),
        _inventory.c.on_hand - _inventory.c.reserved >= bindparam("q"),
    )
    .values(on_hand=_inventory.c.on_hand - bindparam("q"))
)


def dispatch(
    session: Session,
    moves: Sequence[Move],
    *,
    now: datetime,
    idempotency_key: str | None,
    summary: PlanSummary,
) -> Dispatch:
    """Record the plan and send its moves, in the caller's transaction. A plan without moves
    is recorded (why nothing moved) and needs no key; one with moves needs one. Raises
    InvalidTransfer, FacilityNotFound, NotEnoughToSend (roll back: nothing must be kept), or
    IdempotencyKeyReused when the key's first dispatch sent other moves."""
    _check(moves, now)
    if moves:
        check_key(idempotency_key)
    else:
        idempotency_key = None
    plan = TransferPlanRecord(
        new_id("tpl"), now, summary, sum(m.quantity for m in moves), len(moves)
    )
    # The key's row decides between rivals: the second waits for the first, then replays.
    if not insert_or_ignore(session, _plans, _plan_values(plan, idempotency_key)):
        return _replay(session, idempotency_key, moves)
    _known_facilities(session, {f for m in moves for f in (m.from_facility, m.to_facility)})
    _take(session, moves)
    failpoint("transfers.taken")
    transfers = tuple(
        Transfer(
            new_id("trf"),
            m.product_id,
            m.from_facility,
            m.to_facility,
            m.quantity,
            TransferStatus.IN_TRANSIT,
            now,
            m.arrives_at,
            plan.id,
            None,
        )
        for m in moves
    )
    execute_many(
        session,
        _transfers.insert(),
        [_transfer_values(t) | {"line": n} for n, t in enumerate(transfers)],
    )
    record(session, [_event(t, "dispatched", now) for t in transfers])
    return Dispatch(plan, transfers, replayed=False)


def _check(moves: Sequence[Move], now: datetime) -> None:
    if now.tzinfo is None:
        raise InvalidTransfer("now must be timezone-aware")
    for n, m in enumerate(moves):
        if not 0 < m.quantity <= MAX_UNITS:
            raise InvalidTransfer(
                f"move {n}: quantity must be between 1 and {MAX_UNITS:,}, got {m.quantity}"
            )
        if m.from_facility == m.to_facility:
            raise InvalidTransfer(f"move {n}: {m.from_facility} cannot send to itself")
        if m.arrives_at.tzinfo is None or m.arrives_at < now:
            raise InvalidTransfer(
                f"move {n}: arrives_at must be timezone-aware and not before now "
                f"({m.arrives_at.isoformat()} < {now.isoformat()})"
            )


def _known_facilities(session: Session, facility_ids: set[str]) -> None:
    found = set(session.scalars(select(FacilityRow.id).where(FacilityRow.id.in_(facility_ids))))
    unknown = sorted(facility_ids - found)
    if unknown:
        raise FacilityNotFound(f"no facility {', '.join(map(repr, unknown))}")


def _take(session: Session, moves: Sequence[Move]) -> None:
    wanted: dict[tuple[str, str], int] = defaultdict(int)
    for m in moves:
        wanted[(m.from_facility, m.product_id)] += m.quantity
    rows = [{"f": f, "p": p, "q": q} for (f, p), q in sorted(wanted.items())]
    if execute_many(session, _TAKE_FREE, rows) == len(rows):
        return
    free = {
        (r.facility_id, r.product_id): r.free
        for r in session.execute(
            select(
                InventoryRow.facility_id,
                InventoryRow.product_id,
                (InventoryRow.on_hand - InventoryRow.reserved).label("free"),
            ).where(InventoryRow.product_id.in_({p for _, p in wanted}))
        )
    }
    short = [
        f"{p} at {f}: {q:,} to send, {free.get((f, p), 0):,} free"
        for (f, p), q in sorted(wanted.items())
        if free.get((f, p), 0) < q
    ]
    raise NotEnoughToSend(
        "not enough free stock to send: " + "; ".join(short or ["stock changed while sending"])
    )


def _replay(session: Session, key: str | None, moves: Sequence[Move]) -> Dispatch:
    row = session.scalars(select(TransferPlanRow).where(TransferPlanRow.idempotency_key == key))
    plan = _plan(row.one())
    transfers = _transfers_of(session, [plan.id])
    sent = [(t.product_id, t.from_facility, t.to_facility, t.quantity) for t in transfers]
    asked = [(m.product_id, m.from_facility, m.to_facility, m.quantity) for m in moves]
    if sent != asked:
        raise IdempotencyKeyReused(
            f"idempotency key {key!r} was used by plan {plan.id} for other transfers"
        )
    return Dispatch(plan, tuple(transfers), replayed=True)


def _ending(status: TransferStatus) -> Update:
    """Ends a transfer still in transit (the status is in the condition, so of two rivals
    ending it, the second matches nothing)."""
    return (
        update(_transfers)
        .where(
            _transfers.c.id == bindparam("transfer_id"),
            _transfers.c.status == TransferStatus.IN_TRANSIT.value,
        )
        .values(status=status.value, ended_at=bindparam("now"))
    )


_LAND = _ending(TransferStatus.ARRIVED)
_CALL_BACK = _ending(TransferStatus.CANCELLED)


def arrive_due(session: Session, now: datetime, *, limit: int = 500) -> list[Transfer]:
    """Land every transfer in transit whose ``arrives_at`` has come (up to ``limit``, oldest
    first): its units join the destination's on hand (a first unit there opens the stock
    line). Returns the transfers this call landed; one a rival landed first is not counted."""
    due = list(
        session.scalars(
            select(TransferRow)
            .where(
                TransferRow.status == TransferStatus.IN_TRANSIT.value, TransferRow.arrives_at <= now
            )
            .order_by(TransferRow.id)
            .limit(limit)
        )
    )
    landed = []
    # One at a time, in id order: a rival landing the same transfers waits on the first row,
    # then finds it arrived (the status is in the UPDATE's condition).
    for row in due:
        if execute_many(session, _LAND, [{"transfer_id": row.id, "now": now}]):
            landed.append(_transfer(row, TransferStatus.ARRIVED, now))
    if landed:
        receive_all(session, [(t.to_facility, t.product_id, t.quantity) for t in landed])
        record(session, [_event(t, "arrived", now) for t in landed])
    return landed


def cancel_transfer(session: Session, transfer_id: str, now: datetime) -> Transfer:
    """Call a transfer back before it arrives: its units are free at the source again.
    Raises TransferNotFound, or TransferNotInTransit once it has arrived or was cancelled."""
    row = session.get(TransferRow, transfer_id)
    if row is None:
        raise TransferNotFound(f"no transfer {transfer_id!r}")
    if not execute_many(session, _CALL_BACK, [{"transfer_id": transfer_id, "now": now}]):
        session.refresh(row)
        raise TransferNotInTransit(f"transfer {transfer_id} is {row.status}, not in transit")
    receive_all(session, [(row.from_facility, row.product_id, row.quantity)])
    cancelled = _transfer(row, TransferStatus.CANCELLED, now)
    record(session, [_event(cancelled, "cancelled", now)])
    return cancelled


def incoming(session: Session, product_ids: Iterable[str] | None = None) -> list[Incoming]:
    """Units in transit per destination, product and arrival time (all products when
    ``product_ids`` is None), by facility, product and arrival."""
    query = (
        select(
            TransferRow.to_facility,
            TransferRow.product_id,
            func.sum(TransferRow.quantity).label("units"),
            TransferRow.arrives_at,
        )
        .where(TransferRow.status == TransferStatus.IN_TRANSIT.value)
        .group_by(TransferRow.to_facility, TransferRow.product_id, TransferRow.arrives_at)
        .order_by(TransferRow.to_facility, TransferRow.product_id, TransferRow.arrives_at)
    )
    if product_ids is not None:
        query = query.where(TransferRow.product_id.in_(sorted(set(product_ids))))
    return [
        Incoming(r.to_facility, r.product_id, int(r.units), r.arrives_at)
        for r in session.execute(query)
    ]


def incoming_by_facility(session: Session) -> dict[str, int]:
    """Units in transit toward each facility (those with none are absent)."""
    rows = session.execute(
        select(TransferRow.to_facility, func.sum(TransferRow.quantity))
        .where(TransferRow.status == TransferStatus.IN_TRANSIT.value)
        .group_by(TransferRow.to_facility)
    )
    return {facility_id: int(units) for facility_id, units in rows}


def latest_plans(session: Session, limit: int) -> list[TransferPlanRecord]:
    rows = session.scalars(
        select(TransferPlanRow)
        .order_by(TransferPlanRow.made_at.desc(), TransferPlanRow.id.desc())
        .limit(limit)
    )
    return [_plan(row) for row in rows]


def latest_transfers(session: Session, limit: int) -> list[Transfer]:
    """The most recently dispatched transfers first (those in transit, then landed, alike)."""
    rows = session.scalars(
        select(TransferRow)
        .order_by(TransferRow.shipped_at.desc(), TransferRow.plan_id, TransferRow.line)
        .limit(limit)
    )
    return [_transfer(row) for row in rows]


def _transfers_of(session: Session, plan_ids: Sequence[str]) -> list[Transfer]:
    rows = session.scalars(
        select(TransferRow).where(TransferRow.plan_id.in_(plan_ids)).order_by(TransferRow.line)
    )
    return [_transfer(row) for row in rows]


def _plan_values(plan: TransferPlanRecord, key: str | None) -> dict[str, Any]:
    s = plan.summary
    return {
        "id": plan.id,
        "idempotency_key": key,
        "made_at": plan.made_at,
        "need_by": s.need_by,
        "status": s.status,
        "notes": list(s.notes),
        "units": plan.units,
        "transfers": plan.transfers,
        "cost_minor": s.cost_minor,
        "expected_demand": s.expected_demand,
        "expected_fill_before": s.expected_fill_before,
        "expected_fill_after": s.expected_fill_after,
    }


def _plan(row: TransferPlanRow) -> TransferPlanRecord:
    summary = PlanSummary(
        row.status,
        tuple(row.notes),
        row.need_by,
        row.cost_minor,
        row.expected_demand,
        row.expected_fill_before,
        row.expected_fill_after,
    )
    return TransferPlanRecord(row.id, row.made_at, summary, row.units, row.transfers)


def _transfer_values(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.id,
        "plan_id": t.plan_id,
        "product_id": t.product_id,
        "from_facility": t.from_facility,
        "to_facility": t.to_facility,
        "quantity": t.quantity,
        "status": t.status.value,
        "shipped_at": t.shipped_at,
        "arrives_at": t.arrives_at,
        "ended_at": t.ended_at,
    }


def _transfer(
    row: TransferRow, status: TransferStatus | None = None, ended_at: datetime | None = None
) -> Transfer:
    return Transfer(
        row.id,
        row.product_id,
        row.from_facility,
        row.to_facility,
        row.quantity,
        status or TransferStatus(row.status),
        row.shipped_at,
        row.arrives_at,
        row.plan_id,
        ended_at or row.ended_at,
    )


def _event(t: Transfer, step: str, at: datetime) -> TransferEvent:
    return TransferEvent(
        aggregate_id=t.id,
        occurred_at=at,
        step=step,
        data={
            "product_id": t.product_id,
            "from_facility": t.from_facility,
            "to_facility": t.to_facility,
            "quantity": t.quantity,
            "arrives_at": t.arrives_at.isoformat(),
            "plan_id": t.plan_id,
        },
    )
