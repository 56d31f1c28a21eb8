"""The order aggregate: its lines, its state machine, and the events each change records.

Plain Python, no I/O. Every status change goes through ``_move``, which rejects illegal
transitions and appends an ``OrderEvent`` that the service writes to the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
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


class EmptyReturn(InvalidRequest):
    code = "empty_return"


class DuplicateReturnLine(Conflict):
    code = "duplicate_return_line"


class ProductNotInOrder(Conflict):
    code = "product_not_in_order"


class ReturnExceedsOrder(Conflict):
    code = "return_exceeds_order"


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


def _units_data(units: Mapping[str, int]) -> list[dict[str, object]]:
    """Units per product as an event's ``lines``."""
    return [{"product_id": product, "quantity": n} for product, n in units.items()]


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
    returned: int = 0  # units the customer has sent back (partial returns)

    @property
    def amount(self) -> Money:
        return self.unit_price * self.quantity

    @property
    def left(self) -> int:
        """Units still with the customer: what a return may still send back."""
        return self.quantity - self.returned


@dataclass(frozen=True)
class Payment:
    authorization_id: str
    capture_id: str
    paid_at: datetime


@dataclass(frozen=True)
class MemberBenefit:
    """What a Prime membership did for this order's delivery (``orders.benefits``):
    ``kind`` says which benefit applied, ``absorbed`` the fee the retailer waived, which
    is the shipping cost it pays for the member (zero when the option was free anyway)."""

    membership_id: str
    kind: str  # free_delivery (a fee waived) or two_day (the promise, free for everyone)
    absorbed: Money


@dataclass(frozen=True)
class Delivery:
    """How the order reaches the customer, as promised when it was placed."""

    option: str  # standard, two_day, same_day, drone, locker, in_car
    fee: Money  # part of the order's total: charged with the items, refunded with them
    window_start: datetime
    window_end: datetime
    benefit: MemberBenefit | None = None  # the member's, when one applied


@dataclass(frozen=True)
class RefundRecord:
    id: str
    amount: Money
    refunded_at: datetime


@dataclass(frozen=True)
class PartialReturn:
    """Part of a delivered order sent back: refunded on its own, for its lines' value
    (the delivery fee goes back only with the last units), with the gateway key
    ``<order id>:refund:<number>``; ``refund`` is None until the gateway has answered."""

    number: int  # 1, 2, … in the order they were made
    amount: Money
    returned_at: datetime
    refund: RefundRecord | None = None

    def refund_key(self, order_id: str) -> str:
        return f"{order_id}:refund:{self.number}"


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
    returns: tuple[PartialReturn, ...] = ()  # while delivered: parts sent back, oldest first
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
                **(
                    {
                        "membership_id": delivery.benefit.membership_id,
                        "prime_benefit": delivery.benefit.kind,
                        "prime_absorbed_minor": delivery.benefit.absorbed.minor,
                    }
                    if delivery.benefit
                    else {}
                ),
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
    def refundable(self) -> Money:
        """What a cancel or the order's own refund gives back: the total, less what its
        partial returns refunded (or will refund: each has its own gateway key)."""
        return self.total - total(
            (r.amount for r in self.returns), self.lines[0].unit_price.currency
        )

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
        """Its parcel was not collected from the locker in time and went back, with every
        unit not yet returned; the refund (what is left of the items, and the fee) follows,
        as after a cancel."""
        lines = _units_data(self._taking_back(None))
        self._move(OrderStatus.RETURNED, at, reason="locker_uncollected", lines=lines)
        self.lines = tuple(replace(line, returned=line.quantity) for line in self.lines)
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

    def return_delivered(
        self, at: datetime, window: timedelta, lines: Sequence[Line] | None = None
    ) -> PartialReturn | None:
        """The customer sends ``lines`` of the delivered order back (None: everything not
        yet returned) inside the return window; ``order.returned`` names what came back.
        When that is the last of it the order moves to ``returned`` and its own refund
        (what is left of the items, and the fee) follows, as after a cancel; ``cancelled_at``
        is set, as for a locker return, so that the recovery sweep finishes a refund that
        died halfway. Otherwise it stays ``delivered`` and the new ``PartialReturn`` (its
        lines' value) is returned, to be refunded on its own."""
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
        back = self._taking_back(lines)
        came_back = _units_data(back)
        # A product split over two lines (two facilities) comes back from its first first.
        wanted, kept = dict(back), []
        amount = Money.zero(self.lines[0].unit_price.currency)
        for line in self.lines:
            taken = min(wanted.get(line.product_id, 0), line.left)
            if taken:
                wanted[line.product_id] -= taken
                amount += line.unit_price * taken
            kept.append(replace(line, returned=line.returned + taken))
        self.lines = tuple(kept)
        if all(ln.left == 0 for ln in self.lines):
            self._move(OrderStatus.RETURNED, at, reason="customer_return", lines=came_back)
            self.cancelled_at = at
            return None
        partial = PartialReturn(len(self.returns) + 1, amount, at)
        self.returns = (*self.returns, partial)
        # The order stays delivered: the event is recorded without a move.
        self._record(
            OrderStatus.RETURNED,
            at,
            reason="customer_return",
            lines=came_back,
            return_no=partial.number,
            amount_minor=amount.minor,
        )
        return partial

    def record_return_refund(self, number: int, refund: RefundRecord) -> None:
        """The gateway refunded partial return ``number``; recorded once (a repeat, the
        recovery's or a replay's, finds it refunded and records nothing)."""
        partial = self.returns[number - 1]
        if partial.refund is not None:
            return
        self.returns = tuple(replace(r, refund=refund) if r is partial else r for r in self.returns)
        self._record(
            OrderStatus.REFUNDED,
            refund.refunded_at,
            refund_id=refund.id,
            amount_minor=refund.amount.minor,
            return_no=number,
        )

    def _taking_back(self, lines: Sequence[Line] | None) -> dict[str, int]:
        """Units per product that the return sends back, checked against what is left."""
        left: dict[str, int] = {}
        for ln in self.lines:
            left[ln.product_id] = left.get(ln.product_id, 0) + ln.left
        if lines is None:
            return {product: units for product, units in left.items() if units}
        if not lines:
            raise EmptyReturn("a return names at least one line (or none at all: everything)")
        back: dict[str, int] = {}
        for line in lines:
            if line.product_id in back:
                raise DuplicateReturnLine(
                    f"product {line.product_id!r} is named twice; name each product once",
                    product_id=line.product_id,
                )
            if line.product_id not in left:
                raise ProductNotInOrder(
                    f"order {self.id} holds no product {line.product_id!r}",
                    product_id=line.product_id,
                )
            if line.quantity > left[line.product_id]:
                raise ReturnExceedsOrder(
                    f"order {self.id} has {left[line.product_id]} of product "
                    f"{line.product_id} left to return, not {line.quantity}",
                    product_id=line.product_id,
                    returnable=left[line.product_id],
                )
            back[line.product_id] = line.quantity
        return back

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
