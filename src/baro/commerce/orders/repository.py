"""Orders and their lines in the database; rows never leave this module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    bindparam,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.orders.domain import (
    Delivery,
    MemberBenefit,
    Order,
    OrderLine,
    OrderNotFound,
    OrderStatus,
    PartialReturn,
    Payment,
    RefundRecord,
)
from baro.core.db import Base, UTCDateTime, execute_many, table_of
from baro.core.money import Money


class OrderRow(Base):
    __tablename__ = "orders"
    # A membership's orders in a period: its benefits used (the refund rule on cancelling).
    __table_args__ = (
        Index("ix_orders_prime_membership_placed", "prime_membership_id", "placed_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    address_id: Mapped[str] = mapped_column(ForeignKey("addresses.id"))
    payment_method_id: Mapped[str] = mapped_column(ForeignKey("payment_methods.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    cancel_until: Mapped[datetime] = mapped_column(UTCDateTime())
    authorization_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    capture_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refund_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    refund_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # When it was delivered: a return is accepted for the return window after it.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The delivery promised at placement (baro.delivery.promise): option, fee, window.
    delivery_option: Mapped[str | None] = mapped_column(String(16), nullable=True)
    delivery_fee_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    delivery_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivery_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The Prime benefit the delivery got (orders.benefits): whose membership, which benefit,
    # and the fee waived, which the retailer pays as the member's shipping.
    prime_membership_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    prime_benefit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    prime_absorbed_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The lost order this one re-ships (reship.py); unique: one re-ship per lost order.
    reship_of: Mapped[str | None] = mapped_column(
        ForeignKey("orders.id"), nullable=True, unique=True
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    # Units the customer sent back so far (partial returns; all of them once returned).
    returned: Mapped[int] = mapped_column(Integer, server_default="0")


class OrderReturnRow(Base):
    """A partial return of a delivered order, and its own refund (key
    ``<order id>:refund:<number>``), null until the gateway answered. The return that
    brings the last units back is the order's: its refund is on the order's row."""

    __tablename__ = "order_returns"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    refund_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        # The recovery sweep's question: returns whose refund was never recorded.
        Index("ix_order_returns_unrefunded", "refund_id", "returned_at"),
    )


def _mutable_columns(order: Order) -> dict[str, object]:
    payment, refund = order.payment, order.refund
    return {
        "status": order.status.value,
        "authorization_id": payment.authorization_id if payment else None,
        "capture_id": payment.capture_id if payment else None,
        "paid_at": payment.paid_at if payment else None,
        "cancelled_at": order.cancelled_at,
        "refund_id": refund.id if refund else None,
        "refund_minor": refund.amount.minor if refund else None,
        "refunded_at": refund.refunded_at if refund else None,
        "failure_reason": order.failure_reason,
        "delivered_at": order.delivered_at,
    }


def _delivery_columns(delivery: Delivery | None) -> dict[str, object]:
    benefit = delivery.benefit if delivery else None
    return {
        "delivery_option": delivery.option if delivery else None,
        "delivery_fee_minor": delivery.fee.minor if delivery else None,
        "delivery_from": delivery.window_start if delivery else None,
        "delivery_until": delivery.window_end if delivery else None,
        "prime_membership_id": benefit.membership_id if benefit else None,
        "prime_benefit": benefit.kind if benefit else None,
        "prime_absorbed_minor": benefit.absorbed.minor if benefit else None,
    }


def _delivery(row: Any) -> Delivery | None:
    if row.delivery_option is None or row.delivery_from is None or row.delivery_until is None:
        return None
    fee = Money(row.delivery_fee_minor or 0, row.currency)
    benefit = None
    if row.prime_membership_id is not None and row.prime_benefit is not None:
        absorbed = Money(row.prime_absorbed_minor or 0, row.currency)
        benefit = MemberBenefit(row.prime_membership_id, row.prime_benefit, absorbed)
    return Delivery(row.delivery_option, fee, row.delivery_from, row.delivery_until, benefit)


_INSERT_ORDER = table_of(OrderRow).insert()
_INSERT_LINES = table_of(OrderLineRow).insert()


def insert_all(session: Session, orders: Sequence[Order]) -> None:
    """Orders and all their lines: two statements, whatever the number of orders and lines."""
    heads = [
        {
            "id": order.id,
            "customer_id": order.customer_id,
            "currency": order.total.currency,
            "total_minor": order.total.minor,
            "facility_id": order.facility_id,
            "address_id": order.address_id,
            "payment_method_id": order.payment_method_id,
            "placed_at": order.placed_at,
            "cancel_until": order.cancel_until,
            "idempotency_key": order.idempotency_key,
            "reship_of": order.reship_of,
            **_delivery_columns(order.delivery),
            **_mutable_columns(order),
        }
        for order in orders
    ]
    lines = [
        {
            "order_id": order.id,
            "line_no": number,
            "product_id": line.product_id,
            "facility_id": line.facility_id,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price.minor,
        }
        for order in orders
        for number, line in enumerate(order.lines, start=1)
    ]
    execute_many(session, _INSERT_ORDER, heads)
    execute_many(session, _INSERT_LINES, lines)


_MUTABLE = (
    "status",
    "authorization_id",
    "capture_id",
    "paid_at",
    "cancelled_at",
    "refund_id",
    "refund_minor",
    "refunded_at",
    "failure_reason",
    "delivered_at",
)
_orders = table_of(OrderRow)
_SAVE = (
    update(_orders)
    .where(_orders.c.id == bindparam("order_id"))
    .values({name: bindparam(name) for name in _MUTABLE})
)


_SAVE_IF = _SAVE.where(_orders.c.status == bindparam("expected"))


def save(session: Session, order: Order, *, expected: OrderStatus | None = None) -> bool:
    """Write the order's changed state (one prebuilt statement). With ``expected``, only if
    the stored order is still in that status; False when another process moved it first."""
    return save_all(session, [order], expected=expected)


_lines = table_of(OrderLineRow)
_returns = table_of(OrderReturnRow)
_SAVE_RETURNED = (
    update(_lines)
    .where(_lines.c.order_id == bindparam("b_order_id"), _lines.c.line_no == bindparam("b_line"))
    .values(returned=bindparam("b_returned"))
)
_SAVE_RETURN_REFUND = (
    update(_returns)
    .where(
        _returns.c.order_id == bindparam("b_order_id"), _returns.c.number == bindparam("b_number")
    )
    .values(refund_id=bindparam("b_refund_id"), refunded_at=bindparam("b_refunded_at"))
)


def save_returns(session: Session, order: Order, new: PartialReturn | None) -> None:
    """After a return: the units each line has sent back, and the new partial return."""
    execute_many(
        session,
        _SAVE_RETURNED,
        [
            {"b_order_id": order.id, "b_line": number, "b_returned": line.returned}
            for number, line in enumerate(order.lines, start=1)
        ],
    )
    if new is not None:
        session.execute(
            _returns.insert(),
            {
                "order_id": order.id,
                "number": new.number,
                "returned_at": new.returned_at,
                "amount_minor": new.amount.minor,
            },
        )


def save_return_refund(session: Session, order: Order, number: int) -> None:
    refund = order.returns[number - 1].refund
    assert refund is not None, "only a refunded return is saved as refunded"
    session.execute(
        _SAVE_RETURN_REFUND,
        {
            "b_order_id": order.id,
            "b_number": number,
            "b_refund_id": refund.id,
            "b_refunded_at": refund.refunded_at,
        },
    )


def save_all(session: Session, orders: Sequence[Order], *, expected: OrderStatus | None) -> bool:
    """Write the changed state of many orders in one statement. With ``expected``, only
    those still in that status; False when another process moved one of them first (the
    caller rolls back: it cannot tell which)."""
    rows = [{"order_id": order.id, **_mutable_columns(order)} for order in orders]
    if expected is None:
        execute_many(session, _SAVE, rows)
        return True
    rows = [{**row, "expected": expected.value} for row in rows]
    return execute_many(session, _SAVE_IF, rows) == len(rows)


def _to_domain(row: Any, lines: Sequence[Any], returns: Sequence[Any]) -> Order:
    """An order from its row, line rows and partial return rows (ORM objects or Core
    rows: same attribute names)."""
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        status=OrderStatus(row.status),
        lines=tuple(
            OrderLine(
                ln.product_id,
                ln.facility_id,
                ln.quantity,
                Money(ln.unit_price_minor, row.currency),
                ln.returned,
            )
            for ln in sorted(lines, key=lambda ln: ln.line_no)
        ),
        address_id=row.address_id,
        payment_method_id=row.payment_method_id,
        placed_at=row.placed_at,
        cancel_until=row.cancel_until,
        payment=Payment(row.authorization_id, row.capture_id, row.paid_at)
        if row.capture_id and row.authorization_id and row.paid_at
        else None,
        refund=RefundRecord(row.refund_id, Money(row.refund_minor, row.currency), row.refunded_at)
        if row.refund_id and row.refund_minor is not None and row.refunded_at
        else None,
        cancelled_at=row.cancelled_at,
        failure_reason=row.failure_reason,
        idempotency_key=row.idempotency_key,
        delivery=_delivery(row),
        reship_of=row.reship_of,
        delivered_at=row.delivered_at,
        returns=tuple(
            PartialReturn(
                r.number,
                Money(r.amount_minor, row.currency),
                r.returned_at,
                RefundRecord(r.refund_id, Money(r.amount_minor, row.currency), r.refunded_at)
                if r.refund_id and r.refunded_at
                else None,
            )
            for r in sorted(returns, key=lambda r: r.number)
        ),
    )


_BY_ID = select(_orders).where(_orders.c.id == bindparam("order_id"))
_OWN_BY_ID = _BY_ID.where(_orders.c.customer_id == bindparam("customer_id"))
_LINES = select(_lines).where(_lines.c.order_id == bindparam("order_id"))
_RETURNS = select(_returns).where(_returns.c.order_id == bindparam("order_id"))


def load(
    session: Session, order_id: str, *, customer_id: str | None, for_update: bool = False
) -> Order:
    """One order; with ``customer_id`` only if it is theirs (otherwise: not found)."""
    query = _BY_ID if customer_id is None else _OWN_BY_ID
    if for_update:
        query = query.with_for_update()
    params = {"order_id": order_id, "customer_id": customer_id}
    row = session.execute(query, params).first()
    if row is None:
        raise OrderNotFound(f"no order {order_id!r}")
    return _to_domain(
        row, session.execute(_LINES, params).all(), session.execute(_RETURNS, params).all()
    )


def statuses(session: Session, order_ids: Sequence[str]) -> dict[str, OrderStatus]:
    """Where each order stands, with one query; unknown ids are missing."""
    rows = session.execute(
        select(OrderRow.id, OrderRow.status).where(OrderRow.id.in_(list(order_ids)))
    )
    return {order_id: OrderStatus(status) for order_id, status in rows}


def list_orders(
    session: Session,
    *,
    customer_id: str | None,
    before: str | None,
    limit: int,
    status: OrderStatus | None = None,
    placed_from: datetime | None = None,
    placed_until: datetime | None = None,
) -> list[Order]:
    """Newest first; ``before`` is the last id of the previous page (ids sort by time).
    A filter left None does not filter; ``placed_from`` is inclusive, ``placed_until`` not."""
    query = select(OrderRow).order_by(OrderRow.id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(OrderRow.customer_id == customer_id)
    if status is not None:
        query = query.where(OrderRow.status == status.value)
    if placed_from is not None:
        query = query.where(OrderRow.placed_at >= placed_from)
    if placed_until is not None:
        query = query.where(OrderRow.placed_at < placed_until)
    if before:
        query = query.where(OrderRow.id < before)
    rows = session.scalars(query).all()
    lines: dict[str, list[OrderLineRow]] = defaultdict(list)
    returns: dict[str, list[OrderReturnRow]] = defaultdict(list)
    if rows:
        ids = [r.id for r in rows]
        for line in session.scalars(select(OrderLineRow).where(OrderLineRow.order_id.in_(ids))):
            lines[line.order_id].append(line)
        for back in session.scalars(select(OrderReturnRow).where(OrderReturnRow.order_id.in_(ids))):
            returns[back.order_id].append(back)
    return [_to_domain(row, lines[row.id], returns[row.id]) for row in rows]


_AWAITING_PAYMENT = (
    select(_orders)
    .where(
        _orders.c.status == OrderStatus.PLACED.value,
        _orders.c.idempotency_key.is_not(None),
    )
    .order_by(_orders.c.placed_at)
)


def awaiting_payment(session: Session, *, before: datetime) -> list[Order]:
    """Orders still waiting for payment that were placed before ``before``: the process
    that placed them died between reserving the stock and paying (or the gateway did not
    answer it)."""
    query = _AWAITING_PAYMENT.where(_orders.c.placed_at < bindparam("before"))
    return _with_lines(session, session.execute(query, {"before": before}).all())


_RESUMABLE = _AWAITING_PAYMENT.where(
    tuple_(_orders.c.customer_id, _orders.c.idempotency_key).in_(bindparam("keys", expanding=True)),
    or_(_orders.c.placed_at < bindparam("before"), _orders.c.failure_reason.is_not(None)),
)


def resumable(
    session: Session, keys: Sequence[tuple[str, str]], *, before: datetime
) -> dict[tuple[str, str], Order]:
    """By (customer, idempotency key), with one query: the orders of these keys still
    waiting for payment that a retry may finish: placed before ``before`` (their process
    died), or whose payment the gateway left unanswered (``failure_reason`` set)."""
    rows = session.execute(_RESUMABLE, {"keys": list(keys), "before": before}).all()
    return {
        (order.customer_id, order.idempotency_key or ""): order
        for order in _with_lines(session, rows)
    }


_UNREFUNDED = (
    select(_orders)
    .where(
        _orders.c.status.in_([OrderStatus.CANCELLED.value, OrderStatus.RETURNED.value]),
        _orders.c.capture_id.is_not(None),
        _orders.c.cancelled_at < bindparam("before"),
    )
    .order_by(_orders.c.cancelled_at)
)


def unrefunded(session: Session, *, before: datetime) -> list[Order]:
    """Paid orders cancelled or returned (by the customer, or from a locker) before
    ``before`` whose refund was never recorded (the process died, or the gateway failed,
    before refunding). A return sets ``cancelled_at`` as a cancel does."""
    return _with_lines(session, session.execute(_UNREFUNDED, {"before": before}).all())


_UNREFUNDED_RETURNS = (
    select(_orders)
    .where(
        _orders.c.id.in_(
            select(_returns.c.order_id).where(
                _returns.c.refund_id.is_(None), _returns.c.returned_at < bindparam("before")
            )
        )
    )
    .order_by(_orders.c.id)
)


def unrefunded_returns(session: Session, *, before: datetime) -> list[Order]:
    """Orders with a partial return made before ``before`` whose refund was never recorded
    (the process died, or the gateway failed, before refunding it)."""
    return _with_lines(session, session.execute(_UNREFUNDED_RETURNS, {"before": before}).all())


def _with_lines(session: Session, rows: Sequence[Any]) -> list[Order]:
    return [
        _to_domain(
            row,
            session.execute(_LINES, {"order_id": row.id}).all(),
            session.execute(_RETURNS, {"order_id": row.id}).all(),
        )
        for row in rows
    ]


_PROMISED = (
    select(
        _orders.c.facility_id,
        _orders.c.delivery_option,
        _orders.c.delivery_from,
        func.count().label("orders"),
    )
    .where(
        _orders.c.delivery_from >= bindparam("since"),
        _orders.c.status.not_in(
            [
                s.value
                for s in (
                    OrderStatus.PAYMENT_FAILED,
                    OrderStatus.CANCELLED,
                    OrderStatus.REFUNDED,
                    OrderStatus.RETURNED,
                )
            ]
        ),
    )
    .group_by(_orders.c.facility_id, _orders.c.delivery_option, _orders.c.delivery_from)
)


def promised_per_day(session: Session, since: datetime) -> list[tuple[str, str, date, int]]:
    """Orders still to be delivered whose window starts at or after ``since``, per
    facility, delivery option and day: what a drone base or van fleet has promised."""
    per_day: dict[tuple[str, str, date], int] = defaultdict(int)
    for row in session.execute(_PROMISED, {"since": since}):
        if row.delivery_option is not None and row.delivery_from is not None:
            per_day[(row.facility_id, row.delivery_option, row.delivery_from.date())] += row.orders
    return [(f, m, d, n) for (f, m, d), n in sorted(per_day.items())]


# Orders that never reached the customer used no benefit: called off, or never paid.
_NOT_USED = (OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def benefits_used(session: Session, membership_id: str, since: datetime) -> int:
    """How many orders got the membership's delivery benefit since ``since`` (its owner's
    and its household's), not counting orders cancelled or never paid."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(_orders)
            .where(
                _orders.c.prime_membership_id == membership_id,
                _orders.c.placed_at >= since,
                _orders.c.status.not_in([s.value for s in _NOT_USED]),
            )
        )
        or 0
    )
