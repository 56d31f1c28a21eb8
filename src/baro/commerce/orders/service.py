"""Placing, paying for, cancelling and reading orders.

The path of one order (``place_one_click`` or ``checkout_cart`` → ``_place``):

1. one transaction: claim the idempotency key, price the lines, choose facilities,
   write the order and its ``order.placed`` event, reserve the stock (last, so the stock
   rows stay locked for as short a time as possible), commit;
2. the payment gateway, outside any transaction or lock;
3. one transaction: record the payment and allocation (or the failure, releasing the
   stock), their events, and the outcome that a repeat of the key will be given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.orm import Session

from baro.commerce.catalog import ProductNotFound, ProductUnavailable, products_by_id
from baro.commerce.customers import (
    NoDefaultAddress,
    NoDefaultPaymentMethod,
    NotAuthenticated,
    Principal,
    payment_token,
)
from baro.commerce.orders import repository
from baro.commerce.orders.cart import cart_lines, check_quantity, empty_cart
from baro.commerce.orders.domain import EmptyCart, Order, OrderStatus, Payment, RefundRecord
from baro.commerce.orders.snapshot import from_snapshot, to_snapshot
from baro.commerce.payments import GatewayUnavailable, PaymentDeclined, PaymentGateway
from baro.core import idempotency
from baro.core.clock import Clock
from baro.core.db import Database, sent_together
from baro.core.errors import Conflict, DomainError, InvalidRequest, error_class_for
from baro.core.events import record
from baro.core.idempotency import IdempotencyKeyInFlight, IdempotentRequest
from baro.core.ids import new_id
from baro.network import (
    AllocationChain,
    Line,
    StockChanged,
    consume,
    release,
    reserve,
    stock_near,
)

_LinesSource = Callable[[Session], list[Line]]

MAX_PLACEMENT_ATTEMPTS = 3
MAX_PAGE = 100


class StockContention(Conflict):
    code = "stock_contention"


class InvalidPage(InvalidRequest):
    code = "invalid_page"


@dataclass(frozen=True)
class Placement:
    order: Order
    replayed: bool


@dataclass(frozen=True)
class _Buyer:
    customer_id: str
    address_id: str
    lat: float
    lng: float
    payment_method_id: str
    gateway_token: str


def _buyer(principal: Principal) -> _Buyer:
    if principal.customer_id is None:
        raise NotAuthenticated("orders are placed with a customer's API key, not an admin key")
    if principal.address is None:
        raise NoDefaultAddress("set a default shipping address before using 1-Click")
    if principal.payment_method is None:
        raise NoDefaultPaymentMethod("save a default payment method before using 1-Click")
    return _Buyer(
        principal.customer_id,
        principal.address.id,
        principal.address.lat,
        principal.address.lng,
        principal.payment_method.id,
        principal.payment_method.gateway_token,
    )


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
        abandoned_after: timedelta = timedelta(minutes=2),
        allocation: AllocationChain | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._cancel_window = cancel_window
        self._ttl = idempotency_ttl
        self._max_quantity = max_quantity
        self._abandoned_after = abandoned_after
        self._allocation = allocation or AllocationChain()

    def place_one_click(
        self, principal: Principal, product_id: str, quantity: int, *, idempotency_key: str | None
    ) -> Placement:
        """One press: the default card is charged and the order ships to the default address."""
        buyer = _buyer(principal)
        request = IdempotentRequest.of(
            buyer.customer_id,
            idempotency_key,
            "one_click",
            product_id=product_id,
            quantity=quantity,
        )
        check_quantity(quantity, self._max_quantity)
        return self._place(buyer, request, lambda _session: [Line(product_id, quantity)])

    def place(
        self, principal: Principal, lines: Sequence[Line], *, idempotency_key: str | None
    ) -> Placement:
        """Several lines as one order (devices, the twin's replay of real orders)."""
        buyer = _buyer(principal)
        if not lines:
            raise EmptyCart("an order needs at least one line")
        request = IdempotentRequest.of(
            buyer.customer_id,
            idempotency_key,
            "lines",
            lines=sorted((line.product_id, line.quantity) for line in lines),
        )
        for line in lines:
            check_quantity(line.quantity, self._max_quantity)
        return self._place(buyer, request, lambda _session: list(lines))

    def checkout_cart(self, principal: Principal, *, idempotency_key: str | None) -> Placement:
        """The whole cart as one order; the cart is emptied in the same transaction."""
        buyer = _buyer(principal)
        # The key alone names the checkout: a retry after success finds the cart empty.
        request = IdempotentRequest.of(buyer.customer_id, idempotency_key, "checkout")

        def lines_from_cart(session: Session) -> list[Line]:
            lines = cart_lines(session, buyer.customer_id)
            if not lines:
                raise EmptyCart("the cart is empty")
            empty_cart(session, buyer.customer_id)
            return lines

        return self._place(buyer, request, lines_from_cart)

    def _place(
        self, buyer: _Buyer, request: IdempotentRequest, lines_of: _LinesSource
    ) -> Placement:
        for _attempt in range(MAX_PLACEMENT_ATTEMPTS):
            try:
                with self._db.transaction() as session:
                    now = self._clock.now()
                    previous = idempotency.claim(session, request, now=now, ttl=self._ttl)
                    if previous is not None:
                        return _replay(previous)
                    order = self._new_order(session, buyer, lines_of(session), request.key)
                    with sent_together(session):
                        repository.insert(session, order)
                        record(session, order.pull_events())
                    reserve(session, order.allocations)
                return self._pay(order, buyer.gateway_token, request)
            except StockChanged:
                continue  # another buyer took the stock we planned on: plan again
            except IdempotencyKeyInFlight:
                resumed = self._resume_abandoned(request)
                if resumed is None:
                    raise
                return resumed
        raise StockContention("the stock of this product is changing fast; please try again")

    def _resume_abandoned(self, request: IdempotentRequest) -> Placement | None:
        """A retry finds its key still in flight long after the first attempt: that process
        died between reserving the stock and paying. Finish the order it left."""
        before = self._clock.now() - self._abandoned_after
        with self._db.read() as session:
            left = repository.abandoned(
                session, before=before, customer_id=request.scope, key=request.key
            )
            token = payment_token(session, left[0].payment_method_id) if left else None
        if not left or token is None:
            return None
        return replace(self._pay(left[0], token, request), replayed=True)

    def recover_abandoned(self) -> list[Order]:
        """Finish every order left between stock reservation and payment by a process that
        died (``baro orders recover``, on a schedule). The payment is taken with the gateway
        keys of the first attempt, so a card is charged at most once; a decline or an outage
        closes the order and frees its stock."""
        before = self._clock.now() - self._abandoned_after
        with self._db.read() as session:
            left = [
                (order, payment_token(session, order.payment_method_id))
                for order in repository.abandoned(session, before=before)
            ]
        finished = []
        for order, token in left:
            assert order.idempotency_key is not None  # abandoned() only returns keyed orders
            request = IdempotentRequest(order.customer_id, order.idempotency_key, fingerprint="")
            try:
                finished.append(self._pay(order, token or "", request).order)
            except (PaymentDeclined, GatewayUnavailable):
                finished.append(order)
        return finished

    def _new_order(self, session: Session, buyer: _Buyer, lines: Sequence[Line], key: str) -> Order:
        product_ids = [line.product_id for line in lines]
        products = products_by_id(session, product_ids)
        for product_id in product_ids:
            product = products.get(product_id)
            if product is None:
                raise ProductNotFound(f"no product {product_id!r}")
            if not product.active:
                raise ProductUnavailable(f"product {product_id} is no longer sold")
        stock = stock_near(session, product_ids, buyer.lat, buyer.lng)
        return Order.place(
            order_id=new_id("ord"),
            customer_id=buyer.customer_id,
            allocations=self._allocation.plan(lines, stock),
            unit_prices={pid: products[pid].price for pid in product_ids},
            address_id=buyer.address_id,
            payment_method_id=buyer.payment_method_id,
            at=self._clock.now(),
            cancel_window=self._cancel_window,
            idempotency_key=key,
        )

    def _pay(self, order: Order, token: str, request: IdempotentRequest) -> Placement:
        # The gateway's keys derive from the client's key: a retried request (even one that
        # became a new order after a timeout) can never be charged twice.
        gateway_key = f"{request.scope}:{request.key}"
        try:
            authorization = self._gateway.authorize(
                token, order.total, idempotency_key=f"{gateway_key}:authorize"
            )
            capture = self._gateway.capture(
                authorization, order.total, idempotency_key=f"{gateway_key}:capture"
            )
        except PaymentDeclined as declined:
            self._payment_failed(order, request, declined, remember=True)
            raise
        except GatewayUnavailable as unavailable:
            self._payment_failed(order, request, unavailable, remember=False)
            raise
        with self._db.transaction() as session:
            order.record_payment(Payment(authorization.id, capture.id, capture.captured_at))
            order.allocate(self._clock.now())
            settled_here = repository.save(session, order, expected=OrderStatus.PLACED)
            if settled_here:
                with sent_together(session):
                    record(session, order.pull_events())
                    idempotency.complete(session, request, {"order": to_snapshot(order)})
        if not settled_here:  # another process (a recovery, a slow first try) settled it
            return Placement(self._settled(order.id), replayed=True)
        return Placement(order, replayed=False)

    def _payment_failed(
        self, order: Order, request: IdempotentRequest, error: DomainError, *, remember: bool
    ) -> None:
        """Release the stock and close the order. A decline is remembered for the key; after
        a gateway outage the key is freed so that the client's retry runs again."""
        with self._db.transaction() as session:
            order.fail_payment(error.code, self._clock.now())
            if not repository.save(session, order, expected=OrderStatus.PLACED):
                return  # settled meanwhile by another process: nothing of ours to undo
            release(session, order.allocations)
            record(session, order.pull_events())
            if remember:
                outcome = {"error": {"code": error.code, "message": error.message}}
                idempotency.complete(session, request, outcome)
            else:
                idempotency.release(session, request)

    def _settled(self, order_id: str) -> Order:
        with self._db.read() as session:
            return repository.load(session, order_id, customer_id=None)

    def cancel(self, principal: Principal, order_id: str) -> Order:
        """Cancel inside the window and refund. Repeating it is harmless: a cancelled order
        whose refund failed is refunded now; a refunded one is returned as it is."""
        with self._db.transaction() as session:
            order = repository.load(
                session, order_id, customer_id=_owner(principal), for_update=True
            )
            if order.status is OrderStatus.REFUNDED:
                return order
            if order.status is not OrderStatus.CANCELLED:
                order.cancel(self._clock.now())
                release(session, order.allocations)
                repository.save(session, order)
                record(session, order.pull_events())
        assert order.payment is not None, "only paid orders can be cancelled"
        refund = self._gateway.refund(
            order.payment.capture_id, order.total, idempotency_key=f"{order.id}:refund"
        )
        with self._db.transaction() as session:
            order = repository.load(session, order_id, customer_id=None, for_update=True)
            if order.status is OrderStatus.CANCELLED:
                order.record_refund(RefundRecord(refund.id, refund.amount, refund.refunded_at))
                repository.save(session, order)
                record(session, order.pull_events())
        return order

    def get(self, principal: Principal, order_id: str) -> Order:
        with self._db.read() as session:
            return repository.load(session, order_id, customer_id=_owner(principal))

    def list(
        self, principal: Principal, *, limit: int = 20, before: str | None = None
    ) -> list[Order]:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidPage(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        with self._db.read() as session:
            return repository.list_orders(
                session, customer_id=_owner(principal), before=before, limit=limit
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


def _owner(principal: Principal) -> str | None:
    """Customers see only their own orders; operators (admin) see all."""
    if principal.is_admin:
        return None
    if principal.customer_id is None:
        raise NotAuthenticated("this key belongs to no customer")
    return principal.customer_id


def _replay(previous: dict[str, object]) -> Placement:
    if "order" in previous:
        snapshot = previous["order"]
        assert isinstance(snapshot, dict)
        return Placement(from_snapshot(snapshot), replayed=True)
    error = previous["error"]
    assert isinstance(error, dict)
    replayed = error_class_for(str(error["code"]))(str(error["message"]))
    replayed.context["replayed"] = True
    raise replayed
