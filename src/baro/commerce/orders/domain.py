"""The order aggregate: its lines, its state machine, and the events each change records.

Plain Python, no I/O. Every status change goes through ``_move``, which rejects illegal
transitions and appends an ``OrderEvent`` that the service writes to the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from baro.commerce.catalog import Product, ProductNotFound, ProductUnavailable
from baro.core.errors import Conflict, InvalidRequest, NotFound
from baro.core.events import DomainEvent
from baro.core.money import Money, total
from baro.network import Allocation, Line


class OrderNotFound(NotFound):
    code = "order_not_found"


class IllegalTransition(Conflict):
    code = "illegal_order_transition"


class CancelWindowClosed(Conflict):
    code = "cancel_window_closed"


class AlreadyShipped(Conflict):
    code = "order_already_shipped"


class NotReturnable(Conflict):
    code = "order_not_returnable"


class ReturnWindowClosed(Conflict):
    code = "return_window_closed"


class InvalidQuantity(InvalidRequest):
    code = "invalid_quantity"


class EmptyCart(InvalidRequest):
    code = "empty_cart"


def check_quantity(quantity: int, maximum: int) -> None:
    """One line asks for at least one unit and at most the shop's per-order limit."""
    if not 1 <= quantity <= maximum:
        raise InvalidQuantity(
            f"quantity must be between 1 and {maximum}, got {quantity}",
            minimum=1,
            maximum=maximum,
        )


def check_sellable(lines: Sequence[Line], products: Mapping[str, Product]) -> None:
    """Every line names a product that exists and is still sold."""
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            raise ProductNotFound(f"no product {line.product_id!r}")
        if not product.active:
            raise ProductUnavailable(f"product {line.product_id} is no longer sold")


class OrderStatus(StrEnum):
    PLACED = "placed"  # stock reserved, payment not yet taken
    PAID = "paid"
    ALLOCATED = "allocated"  # reserved stock confirmed for this order at its facilities
    PICKING = "picking"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    LOST = "lost"  # the customer reported the parcel lost; a re-ship replaced it
    RETURNED = "returned"  # sent back (by the customer, or uncollected from its locker)


_CANCELLABLE = {OrderStatus.PAID, OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.PACKED}
# A parcel left uncollected in its locker comes back (``locker.uncollected``). It was shipped,
# but the order's own fulfilment steps may not have been recorded yet: any of these returns.
RETURNABLE = frozenset(
    {
        OrderStatus.ALLOCATED,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    }
)
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.PAYMENT_FAILED}),
    OrderStatus.PAID: frozenset({OrderStatus.ALLOCATED, OrderStatus.CANCELLED}),
    OrderStatus.ALLOCATED: frozenset(
        {OrderStatus.PICKING, OrderStatus.CANCELLED, OrderStatus.RETURNED}
    ),
    OrderStatus.PICKING: frozenset(
        {OrderStatus.PACKED, OrderStatus.CANCELLED, OrderStatus.RETURNED}
    ),
    OrderStatus.PACKED: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.RETURNED}
    ),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.LOST, OrderStatus.RETURNED}),
    OrderStatus.CANCELLED: frozenset({OrderStatus.REFUNDED}),
    # "it never reached me": trusted; or its locker's deadline passed
    OrderStatus.DELIVERED: frozenset({OrderStatus.LOST, OrderStatus.RETURNED}),
    OrderStatus.RETURNED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.PAYMENT_FAILED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.LOST: frozenset(),
}


@dataclass(frozen=True, kw_only=True)
class OrderEvent(DomainEvent):
    status: OrderStatus

    @property
    def event_type(self) -> str:
        return f"order.{self.status.value}"


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    facility_id: str
    quantity: int
    unit_price: Money

    @property
    def amount(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Payment:
    authorization_id: str
    capture_id: str
    paid_at: datetime


@dataclass(frozen=True)
class Delivery:
    """How the order reaches the customer, as promised when it was placed."""

    option: str  # standard, two_day, same_day, drone, locker, in_car
    fee: Money  # part of the order's total: charged with the items, refunded with them
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True)
class RefundRecord:
    id: str
    amount: Money
    refunded_at: datetime


@dataclass
class Order:
    id: str
    customer_id: str
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    address_id: str
    payment_method_id: str
    placed_at: datetime
    cancel_until: datetime
    payment: Payment | None = None
    refund: RefundRecord | None = None
    cancelled_at: datetime | None = None  # when it was called off: cancelled, or returned
    failure_reason: str | None = None
    idempotency_key: str | None = None  # the client's key: lets a crashed placement resume
    delivery: Delivery | None = None  # None: placed without a promise (older orders)
    reship_of: str | None = None  # the lost order this one replaces, free of charge
    delivered_at: datetime | None = None  # when it reached the customer: the return window
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        customer_id: str,
        allocations: Sequence[Allocation],
        unit_prices: Mapping[str, Money],
        address_id: str,
        payment_method_id: str,
        at: datetime,
        cancel_window: timedelta,
        idempotency_key: str | None = None,
        delivery: Delivery | None = None,
        reship_of: str | None = None,
    ) -> Order:
        lines = tuple(
            OrderLine(a.product_id, a.facility_id, a.quantity, unit_prices[a.product_id])
            for a in allocations
        )
        order = cls(
            id=order_id,
            customer_id=customer_id,
            status=OrderStatus.PLACED,
            lines=lines,
            address_id=address_id,
            payment_method_id=payment_method_id,
            placed_at=at,
            cancel_until=at + cancel_window,
            idempotency_key=idempotency_key,
            delivery=delivery,
            reship_of=reship_of,
        )
        promised = (
            {
                "delivery_option": delivery.option,
                "delivery_fee_minor": delivery.fee.minor,
                "delivery_window": [
                    delivery.window_start.isoformat(),
                    delivery.window_end.isoformat(),
                ],
            }
            if delivery
            else {}
        )
        order._record(
            OrderStatus.PLACED,
            at,
            total_minor=order.total.minor,
            currency=order.total.currency,
            lines=[
                {
                    "product_id": line.product_id,
                    "facility_id": line.facility_id,
                    "quantity": line.quantity,
                    "unit_price_minor": line.unit_price.minor,
                }
                for line in lines
            ],
            **promised,
            **({"reship_of": reship_of} if reship_of else {}),
        )
        return order

    @property
    def items_total(self) -> Money:
        return total((line.amount for line in self.lines), self.lines[0].unit_price.currency)

    @property
    def delivery_fee(self) -> Money:
        fee = self.delivery.fee if self.delivery else None
        return fee if fee is not None else Money.zero(self.lines[0].unit_price.currency)

    @property
    def total(self) -> Money:
        """What the card is charged (and a refund returns): the items and the delivery fee."""
        return self.items_total + self.delivery_fee

    @property
    def facility_id(self) -> str:
        """Where the first parcel ships from (orders split only when no facility can fill them)."""
        return self.lines[0].facility_id

    @property
    def allocations(self) -> list[Allocation]:
        return [Allocation(ln.product_id, ln.facility_id, ln.quantity) for ln in self.lines]

    def record_payment(self, payment: Payment) -> None:
        self._move(OrderStatus.PAID, payment.paid_at, capture_id=payment.capture_id)
        self.payment = payment

    def allocate(self, at: datetime) -> None:
        self._move(OrderStatus.ALLOCATED, at, facility_id=self.facility_id)

    def payment_interrupted(self, reason: str) -> None:
        """The gateway did not answer: the order keeps its stock and waits for the payment
        to be tried again, with the same gateway keys (the client's retry, or recovery)."""
        if self.status is not OrderStatus.PLACED:
            raise IllegalTransition(f"order {self.id} is {self.status.value}, not awaiting payment")
        self.failure_reason = reason

    def fail_payment(self, reason: str, at: datetime) -> None:
        self._move(OrderStatus.PAYMENT_FAILED, at, reason=reason)
        self.failure_reason = reason

    def can_cancel(self, at: datetime) -> bool:
        return self.status in _CANCELLABLE and at <= self.cancel_until

    def cancel(self, at: datetime) -> None:
        if self.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            raise AlreadyShipped(f"order {self.id} has already shipped; it can be returned instead")
        if self.status in _CANCELLABLE and at > self.cancel_until:
            raise CancelWindowClosed(
                f"order {self.id} could be cancelled until {self.cancel_until.isoformat()}; "
                f"it is now {at.isoformat()}"
            )
        self._move(OrderStatus.CANCELLED, at)
        self.cancelled_at = at

    def record_refund(self, refund: RefundRecord) -> None:
        self._move(
            OrderStatus.REFUNDED,
            refund.refunded_at,
            refund_id=refund.id,
            amount_minor=refund.amount.minor,
        )
        self.refund = refund

    def mark_returned(self, at: datetime) -> None:
        """Its parcel was not collected from the locker in time and went back; the
        refund (items and fee) follows, as after a cancel."""
        self._move(OrderStatus.RETURNED, at, reason="locker_uncollected")
        self.cancelled_at = at

    def returnable_until(self, window: timedelta) -> datetime | None:
        """The last moment the customer may send it back: ``window`` after its delivery.
        None unless it is delivered (a parcel still on its way is cancelled, not returned)."""
        if self.status is not OrderStatus.DELIVERED or self.delivered_at is None:
            return None
        return self.delivered_at + window

    def can_return(self, at: datetime, window: timedelta) -> bool:
        until = self.returnable_until(window)
        return until is not None and at <= until

    def return_delivered(self, at: datetime, window: timedelta) -> None:
        """The customer sends the delivered order back inside the return window; the
        refund (items and fee) follows, as after a cancel. ``cancelled_at`` is set, as for
        a locker return, so that the recovery sweep finishes a refund that died halfway."""
        if self.status is not OrderStatus.DELIVERED:
            raise NotReturnable(
                f"order {self.id} is {self.status.value}; only a delivered order can be returned",
                current=self.status.value,
            )
        until = self.returnable_until(window)
        assert until is not None, "a delivered order knows when (migration 0009 filled it in)"
        if at > until:
            raise ReturnWindowClosed(
                f"order {self.id} could be returned until {until.isoformat()}; "
                f"it is now {at.isoformat()}",
                returnable_until=until.isoformat(),
            )
        self._move(OrderStatus.RETURNED, at, reason="customer_return")
        self.cancelled_at = at

    def mark_lost(self, at: datetime, reship_id: str) -> None:
        """The customer reported the parcel lost; ``reship_id`` is the free order that
        replaces it."""
        self._move(OrderStatus.LOST, at, reshipped_as=reship_id)

    def advance(self, status: OrderStatus, at: datetime) -> None:
        """Fulfilment and delivery steps (picking … delivered)."""
        self._move(status, at)
        if status is OrderStatus.DELIVERED:
            self.delivered_at = at

    def pull_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events

    def _move(self, to: OrderStatus, at: datetime, **data: Any) -> None:
        if to not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                f"order {self.id} cannot go from {self.status.value} to {to.value}",
                current=self.status.value,
                requested=to.value,
            )
        self.status = to
        self._record(to, at, **data)

    def _record(self, status: OrderStatus, at: datetime, **data: Any) -> None:
        self.events.append(
            OrderEvent(
                aggregate_id=self.id,
                occurred_at=at,
                status=status,
                data={"customer_id": self.customer_id, **data},
            )
        )
