"""The orders service: what channels call. Placing an order is ``placement.Placer``'s work
(claim, plan, write, pay, settle, recover); this module turns each kind of request (a
1-Click press, lines from a device or a replay, a cart checkout) into an ``Attempt`` for
it, and holds the rest of an order's life: cancel and refund, reads, fulfilment steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from baro.commerce.customers import Forbidden, Principal
from baro.commerce.orders import repository
from baro.commerce.orders.delivery import DeliveryPromises, LockerCompartments
from baro.commerce.orders.domain import (
    RETURNABLE,
    EmptyCart,
    InvalidQuantity,
    Order,
    OrderStatus,
    RefundRecord,
    check_quantity,
)
from baro.commerce.orders.placement import Attempt, Buyer, Placement, PlacementOutcome, Placer
from baro.commerce.orders.reship import Reships, TrustPolicy
from baro.commerce.payments import GatewayUnavailable, PaymentGateway
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.errors import DomainError, InvalidRequest
from baro.core.events import StoredEvent, first_delivery, record
from baro.core.failpoints import failpoint
from baro.core.idempotency import IdempotentRequest, claim, complete
from baro.network import AllocationChain, Line, consume, release

MAX_PAGE = 100


class InvalidPage(InvalidRequest):
    code = "invalid_page"


@dataclass(frozen=True)
class OneClick:
    """One press of the button: who pressed, for what, how many, with which key."""

    principal: Principal
    product_id: str
    quantity: int
    idempotency_key: str | None
    delivery_option: str | None = None  # None: the customer's preferred, else the fastest
    locker_id: str | None = None  # ship to this locker bank (the option is then locker)


class LockerNeedsLockerOption(InvalidRequest):
    code = "locker_needs_locker_option"


UNCOLLECTED_CONSUMER = "orders.refund_uncollected"


@dataclass(frozen=True)
class Returned:
    """A customer's return: the order as it is now, and whether the request repeated an
    earlier one with the same Idempotency-Key (``replayed``)."""

    order: Order
    replayed: bool


class Orders:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        gateway: PaymentGateway,
        *,
        cancel_window: timedelta,
        idempotency_ttl: timedelta,
        max_quantity: int,
        return_window: timedelta = timedelta(days=30),
        abandoned_after: timedelta = timedelta(minutes=2),
        allocation: AllocationChain | None = None,
        gateway_calls: int = 8,
        promises: DeliveryPromises | None = None,
        trust: TrustPolicy | None = None,
        lockers: LockerCompartments | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._max_quantity = max_quantity
        self._abandoned_after = abandoned_after
        self._idempotency_ttl = idempotency_ttl
        self.return_window = return_window
        self._placer = Placer(
            db,
            clock,
            gateway,
            cancel_window=cancel_window,
            idempotency_ttl=idempotency_ttl,
            abandoned_after=abandoned_after,
            allocation=allocation or AllocationChain(),
            gateway_calls=gateway_calls,
            promises=promises,
            lockers=lockers,
        )
        self._lockers = lockers
        # Free re-ships of lost parcels, placed by the same placer (reship.py).
        self.reships = Reships(db, clock, self._placer, trust or TrustPolicy())

    def close(self) -> None:
        self._placer.close()

    # placing ----------------------------------------------------------------------------

    def place_one_click(
        self,
        principal: Principal,
        product_id: str,
        quantity: int,
        *,
        idempotency_key: str | None,
        delivery_option: str | None = None,
        locker_id: str | None = None,
    ) -> Placement:
        """One press: the default card is charged and the order ships to the default address,
        by ``delivery_option`` if named, else the preferred option or the fastest free one
        that holds; with ``locker_id``, to that locker bank (a compartment is reserved)."""
        press = OneClick(
            principal, product_id, quantity, idempotency_key, delivery_option, locker_id
        )
        (outcome,) = self.place_one_click_all([press])
        return _unwrap(outcome)

    def place_one_click_all(self, presses: Sequence[OneClick]) -> list[PlacementOutcome]:
        """Many presses, by any buyers, placed together; one outcome per press, in order."""
        attempts = [self._one_click(press) for press in presses]
        self._placer.place([a for a in attempts if isinstance(a, Attempt)])
        return [_outcome(a) if isinstance(a, Attempt) else a for a in attempts]

    def place(
        self, principal: Principal, lines: Sequence[Line], *, idempotency_key: str | None
    ) -> Placement:
        """Several lines as one order (devices, the twin's replay of real orders)."""
        buyer = Buyer.of(principal)
        if not lines:
            raise EmptyCart("an order needs at least one line")
        key = IdempotentRequest.of(
            buyer.customer_id,
            idempotency_key,
            "lines",
            lines=sorted((line.product_id, line.quantity) for line in lines),
        )
        for line in lines:
            check_quantity(line.quantity, self._max_quantity)
        return self._place_one(Attempt(key, buyer, tuple(lines)))

    def checkout_cart(self, principal: Principal, *, idempotency_key: str | None) -> Placement:
        """The whole cart as one order; the cart is emptied in the same transaction."""
        buyer = Buyer.of(principal)
        # The key alone names the checkout: a retry after success finds the cart empty.
        key = IdempotentRequest.of(buyer.customer_id, idempotency_key, "checkout")
        return self._place_one(Attempt(key, buyer, None))

    def recover_abandoned(self) -> list[Order]:
        """Finish what died halfway (``baro orders recover``, on a schedule): orders left
        awaiting payment, cancelled or returned orders (by the customer, or from a
        locker) whose refund was never recorded, and partial returns whose own refund was
        not. The gateway keys are the first attempt's,
        so nothing is charged or refunded twice."""
        placed = self._placer.recover()
        before = self._clock.now() - self._abandoned_after
        with self._db.read() as session:
            cancelled = repository.unrefunded(session, before=before)
            partly = repository.unrefunded_returns(session, before=before)
        refunded = []
        for order in cancelled:
            try:
                refunded.append(self._refund(order))
            except GatewayUnavailable:
                continue  # still down: the next sweep tries again
        for order in partly:
            try:
                for back in order.returns:
                    if back.refund is None and back.returned_at < before:
                        order = self._refund_return(order, back.number)
            except GatewayUnavailable:
                continue
            refunded.append(order)
        return placed + refunded

    def _one_click(self, press: OneClick) -> Attempt | DomainError:
        try:
            buyer = Buyer.of(press.principal)
            key = IdempotentRequest.of(
                buyer.customer_id,
                press.idempotency_key,
                "one_click",
                product_id=press.product_id,
                quantity=press.quantity,
                # Only when named: keys of presses without one keep their fingerprint.
                **({"delivery_option": press.delivery_option} if press.delivery_option else {}),
                **({"locker_id": press.locker_id} if press.locker_id else {}),
            )
            check_quantity(press.quantity, self._max_quantity)
            if press.locker_id and press.delivery_option not in (None, "locker"):
                raise LockerNeedsLockerOption(
                    f"a locker is for locker delivery, not {press.delivery_option}; "
                    "leave delivery_option out or name locker",
                    options=["locker"],
                )
        except DomainError as error:
            return error
        lines = (Line(press.product_id, press.quantity),)
        return Attempt(
            key, buyer, lines, delivery_option=press.delivery_option, locker_id=press.locker_id
        )

    def _place_one(self, attempt: Attempt) -> Placement:
        self._placer.place([attempt])
        return _unwrap(_outcome(attempt))

    # after placing ----------------------------------------------------------------------

    def cancel(self, principal: Principal, order_id: str) -> Order:
        """Cancel inside the window and refund. Repeating it is harmless: a cancelled order
        whose refund failed is refunded now; a refunded one is returned as it is."""
        with self._db.transaction() as session:
            order = repository.load(
                session, order_id, customer_id=_customer_of(principal), for_update=True
            )
            if order.status is OrderStatus.REFUNDED:
                return order
            if order.status is not OrderStatus.CANCELLED:
                order.cancel(self._clock.now())
                release(session, order.allocations)
                if self._lockers and order.delivery and order.delivery.option == "locker":
                    self._lockers.let_go(session, order.id)  # its compartment, with it
                repository.save(session, order)
                record(session, order.pull_events())
        failpoint("cancel.cancelled")
        return self._refund(order)

    def return_order(
        self,
        principal: Principal,
        order_id: str,
        *,
        idempotency_key: str | None,
        lines: Sequence[tuple[str, int]] | None = None,
    ) -> Returned:
        """The customer sends a delivered order back inside the return window: ``lines``
        (product id, units), or everything not yet returned (None). ``order.returned``
        (reason ``customer_return``) names what came back.

        Some of it: the order stays ``delivered``, and this partial return is refunded its
        lines' value (unit price × units) with a gateway key of its own
        (``<order id>:refund:<n>``, n counting the order's partial returns). The rest (or
        all of it at once): the order moves to ``returned`` and is refunded what is left,
        items and delivery fee, with the order's own key (``<order id>:refund``), as a
        cancel is. The Idempotency-Key is claimed in the return's transaction: a repeat
        with the key is a replay, and finishes a refund the first request could not make
        (the gateway was down). The order row is locked, so a second return of the same
        order with another key waits and then sees what the first took back (409:
        ``return_exceeds_order``, or ``order_not_returnable`` once all is back): each
        unit is refunded once. If the process dies between the return and the refund,
        the recovery sweep refunds it."""
        customer_id = _customer_of(principal)
        # Only when named: a whole return's key keeps the fingerprint it had before.
        named = {} if lines is None else {"lines": [list(line) for line in lines]}
        request = IdempotentRequest.of(
            customer_id, idempotency_key, "return", order_id=order_id, **named
        )
        # At least a unit each; no upper bound of its own: the order refuses more than is
        # left (409), whatever the shop's per-order limit.
        if any(units < 1 for _product, units in lines or ()):
            raise InvalidQuantity("each returned line sends back at least one unit", minimum=1)
        asked = None if lines is None else [Line(product, units) for product, units in lines]
        now = self._clock.now()
        with self._db.transaction() as session:
            earlier = claim(session, request, now=now, ttl=self._idempotency_ttl)
            order = repository.load(session, order_id, customer_id=customer_id, for_update=True)
            if earlier is None:
                partial = order.return_delivered(now, self.return_window, asked)
                number = partial.number if partial else None
                repository.save(session, order)
                repository.save_returns(session, order, partial)
                record(session, order.pull_events())
                complete(session, request, {"order_id": order.id, "return_no": number})
                failpoint("return.before_commit")
            else:
                number = earlier.get("return_no")
        failpoint("return.returned")
        if number is not None:
            order = self._refund_return(order, number)
        elif order.status is OrderStatus.RETURNED:
            order = self._refund(order)
        return Returned(order, replayed=earlier is not None)

    def _refund(self, order: Order) -> Order:
        """Refund a cancelled or returned order's payment, less what its partial returns
        refunded (the gateway key is the order's: a repeat returns the same refund), and
        record it."""
        assert order.payment is not None, "only paid orders can be cancelled or returned"
        if order.total.minor == 0:  # a free re-ship: nothing was charged
            refunded = RefundRecord(f"free:{order.id}", order.total, self._clock.now())
        else:
            refund = self._gateway.refund(
                order.payment.capture_id, order.refundable, idempotency_key=f"{order.id}:refund"
            )
            refunded = RefundRecord(refund.id, refund.amount, refund.refunded_at)
        failpoint("cancel.refunded")
        with self._db.transaction() as session:
            order = repository.load(session, order.id, customer_id=None, for_update=True)
            if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
                order.record_refund(refunded)
                repository.save(session, order)
                record(session, order.pull_events())
        return order

    def _refund_return(self, order: Order, number: int) -> Order:
        """Refund partial return ``number`` of ``order`` with its own gateway key (a repeat
        returns the same refund) and record it, once."""
        partial = order.returns[number - 1]
        if partial.refund is not None:
            return order
        assert order.payment is not None, "only a paid order is delivered"
        refund = self._gateway.refund(
            order.payment.capture_id, partial.amount, idempotency_key=partial.refund_key(order.id)
        )
        failpoint("return.refunded")
        with self._db.transaction() as session:
            order = repository.load(session, order.id, customer_id=None, for_update=True)
            order.record_return_refund(
                number, RefundRecord(refund.id, refund.amount, refund.refunded_at)
            )
            repository.save_return_refund(session, order, number)
            record(session, order.pull_events())
        return order

    def consume(self, event: StoredEvent) -> Order | None:
        """What orders do with an outbox event another capability recorded (the relay's
        ``deliver``, at least once): ``locker.uncollected`` refunds its order; any other
        event is not the orders' business. The order it changed, or None."""
        if event.event_type == "locker.uncollected":
            return self.refund_uncollected(event.event_id, str(event.data["order_id"]))
        return None

    def refund_uncollected(self, event_id: str, order_id: str) -> Order | None:
        """Consume ``locker.uncollected`` (the parcel sat in its locker past the deadline
        and went back): the order is returned and refunded in full, items and fee, with
        the order's own gateway key (as cancel does). Once per event (the consumer inbox):
        a redelivery refunds nothing more and returns None; so does an order already
        closed (cancelled and refunded: nothing left to give back)."""
        with self._db.transaction() as session:
            if not first_delivery(session, UNCOLLECTED_CONSUMER, event_id):
                return None
            order = repository.load(session, order_id, customer_id=None, for_update=True)
            if order.payment is None or order.status not in RETURNABLE:
                return None
            order.mark_returned(self._clock.now())
            repository.save(session, order)
            repository.save_returns(session, order, None)
            record(session, order.pull_events())
            failpoint("uncollected.before_commit")
        failpoint("uncollected.returned")
        return self._refund(order)

    def get(self, principal: Principal, order_id: str) -> Order:
        with self._db.read() as session:
            return repository.load(session, order_id, customer_id=_customer_of(principal))

    def statuses(self, order_ids: Sequence[str]) -> dict[str, OrderStatus]:
        """Where each order stands (devices ask whether their last order arrived)."""
        if not order_ids:
            return {}
        with self._db.read() as session:
            return repository.statuses(session, order_ids)

    def list(
        self, principal: Principal, *, limit: int = 20, before: str | None = None
    ) -> list[Order]:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidPage(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        with self._db.read() as session:
            return repository.list_orders(
                session, customer_id=_customer_of(principal), before=before, limit=limit
            )

    def advance(self, order_id: str, *steps: OrderStatus) -> Order:
        """Move an order along fulfilment and delivery (operators, the twin), one or more
        steps in one transaction; each step is checked and recorded as its own event."""
        with self._db.transaction() as session:
            order = repository.load(session, order_id, customer_id=None, for_update=True)
            for status in steps:
                order.advance(status, self._clock.now())
                if status is OrderStatus.SHIPPED:
                    consume(session, order.allocations)
            repository.save(session, order)
            record(session, order.pull_events())
        return order


def _customer_of(principal: Principal) -> str:
    """Customers see and cancel only their own orders; operators act through /v1/admin."""
    if principal.customer_id is None:
        raise Forbidden("this is a customer's operation; operators act through /v1/admin")
    return principal.customer_id


def _unwrap(outcome: PlacementOutcome) -> Placement:
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _outcome(attempt: Attempt) -> PlacementOutcome:
    assert attempt.outcome is not None, "the placer gives every attempt its outcome"
    return attempt.outcome
