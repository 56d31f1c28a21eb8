"""An order as plain JSON: what an idempotent replay hands back, exactly as first given."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from baro.commerce.orders.domain import (
    Delivery,
    MemberBenefit,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    RefundRecord,
)
from baro.core.money import Money


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def to_snapshot(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "lines": [
            [
                ln.product_id,
                ln.facility_id,
                ln.quantity,
                ln.unit_price.minor,
                ln.unit_price.currency,
            ]
            for ln in order.lines
        ],
        "address_id": order.address_id,
        "payment_method_id": order.payment_method_id,
        "placed_at": _time(order.placed_at),
        "cancel_until": _time(order.cancel_until),
        "payment": order.payment
        and [
            order.payment.authorization_id,
            order.payment.capture_id,
            _time(order.payment.paid_at),
        ],
        "refund": order.refund
        and [order.refund.id, order.refund.amount.minor, _time(order.refund.refunded_at)],
        "cancelled_at": _time(order.cancelled_at),
        "failure_reason": order.failure_reason,
        "idempotency_key": order.idempotency_key,
        "reship_of": order.reship_of,
        "delivery": order.delivery
        and [
            order.delivery.option,
            order.delivery.fee.minor,
            _time(order.delivery.window_start),
            _time(order.delivery.window_end),
            # A fifth element only with a member's benefit: older snapshots have four.
            *(
                [[b.membership_id, b.kind, b.absorbed.minor]]
                if (b := order.delivery.benefit)
                else []
            ),
        ],
    }


def from_snapshot(data: dict[str, Any]) -> Order:
    lines = tuple(
        OrderLine(product, facility, quantity, Money(minor, currency))
        for product, facility, quantity, minor, currency in data["lines"]
    )
    payment = data["payment"]
    promised = data.get("delivery")
    refund = data["refund"]
    currency = lines[0].unit_price.currency
    placed_at = _parse(data["placed_at"])
    cancel_until = _parse(data["cancel_until"])
    assert placed_at and cancel_until
    return Order(
        id=data["id"],
        customer_id=data["customer_id"],
        status=OrderStatus(data["status"]),
        lines=lines,
        address_id=data["address_id"],
        payment_method_id=data["payment_method_id"],
        placed_at=placed_at,
        cancel_until=cancel_until,
        payment=payment and Payment(payment[0], payment[1], _parse(payment[2])),  # type: ignore[arg-type]
        refund=refund and RefundRecord(refund[0], Money(refund[1], currency), _parse(refund[2])),  # type: ignore[arg-type]
        cancelled_at=_parse(data["cancelled_at"]),
        failure_reason=data["failure_reason"],
        idempotency_key=data.get("idempotency_key"),
        delivery=_delivery(promised, currency),
        reship_of=data.get("reship_of"),
    )


def _delivery(promised: list[Any] | None, currency: str) -> Delivery | None:
    if not promised:
        return None
    option, fee_minor, start, end, *member = promised
    benefit = None
    if member:
        membership_id, kind, absorbed_minor = member[0]
        benefit = MemberBenefit(membership_id, kind, Money(absorbed_minor, currency))
    return Delivery(
        option,
        Money(fee_minor, currency),
        datetime.fromisoformat(start),
        datetime.fromisoformat(end),
        benefit,
    )
