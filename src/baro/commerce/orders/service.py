"""Placing, paying for, cancelling and reading orders.

Orders are placed in batches (``place_one_click_all``; a single order is a batch of one),
so that the fixed cost of each transaction and round trip is shared:

1. one transaction for the batch: claim the idempotency keys, price the lines, choose
   facilities (each order planned on the stock the ones before it left), write the orders
   and their ``order.placed`` events, reserve the stock (last, so the stock rows stay
   locked for as short a time as possible), commit;
2. the payment gateway, for each order, outside any transaction or lock;
3. one transaction: record the payments and allocations, their events, and the outcomes
   that repeats of the keys will be given. A failed payment is closed on its own,
   releasing its stock.

Each order gets its own outcome: one buyer's error (unknown product, out of stock, key
reused) is not another's. If another process took stock that a batch planned on, the
batch is rolled back and planned again; after a few such losses, each of its orders is
placed on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.orm import Session

from baro.commerce.catalog import Product, ProductNotFound, ProductUnavailable, products_by_id
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
    FreeStock,
    Line,
    StockChanged,
    consume,
    free_stock,
    release,
    reserve,
    seen_from,
)

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


PlacementOutcome = Placement | DomainError
"""What placing one order of a batch gave: the order, or the error for that order alone."""


@dataclass(frozen=True)
class OneClick:
    """One press of the button: who pressed, for what, how many, with which key."""

    principal: Principal
    product_id: str
    quantity: int
    idempotency_key: str | None


@dataclass(frozen=True)
class _Buyer:
    customer_id: str
    address_id: str
    lat: float
    lng: float
    payment_method_id: str
    gateway_token: str


@dataclass(frozen=True)
class _Request:
    buyer: _Buyer
    idempotent: IdempotentRequest
    lines: tuple[Line, ...] | None  # None: the buyer's cart, emptied by the order it becomes


_Reserved = Order | PlacementOutcome  # after step 1: an order awaiting payment, or an outcome
_Charge = tuple[Order, str, IdempotentRequest]  # an order, its card's token, the key it is under


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


class _SettledElsewhere(Exception):
    """An order of the batch was settled by another process (a recovery): roll back."""


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
        gateway_calls: int = 8,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._cancel_window = cancel_window
        self._ttl = idempotency_ttl
        self._max_quantity = max_quantity
        self._abandoned_after = abandoned_after
        self._allocation = allocation or AllocationChain()
        # A real gateway answers in hundreds of milliseconds: a batch's charges wait on it
        # side by side, up to ``gateway_calls`` at once, not one after another.
        self._gateway_calls = ThreadPoolExecutor(gateway_calls, thread_name_prefix="gateway")

    def close(self) -> None:
        self._gateway_calls.shutdown(wait=True)

    def place_one_click(
        self, principal: Principal, product_id: str, quantity: int, *, idempotency_key: str | None
    ) -> Placement:
        """One press: the default card is charged and the order ships to the default address."""
        press = OneClick(principal, product_id, quantity, idempotency_key)
        (outcome,) = self.place_one_click_all([press])
        return _unwrap(outcome)

    def place_one_click_all(self, presses: Sequence[OneClick]) -> list[PlacementOutcome]:
        """Many presses, by any buyers, placed together; one outcome per press, in order."""
        made: list[_Request | DomainError] = []
        for press in presses:
            try:
                buyer = _buyer(press.principal)
                request = IdempotentRequest.of(
                    buyer.customer_id,
                    press.idempotency_key,
                    "one_click",
                    product_id=press.product_id,
                    quantity=press.quantity,
                )
                check_quantity(press.quantity, self._max_quantity)
                made.append(_Request(buyer, request, (Line(press.product_id, press.quantity),)))
            except DomainError as error:
                made.append(error)
        placed = iter(self._place_all([r for r in made if isinstance(r, _Request)]))
        return [next(placed) if isinstance(r, _Request) else r for r in made]

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
        (outcome,) = self._place_all([_Request(buyer, request, tuple(lines))])
        return _unwrap(outcome)

    def checkout_cart(self, principal: Principal, *, idempotency_key: str | None) -> Placement:
        """The whole cart as one order; the cart is emptied in the same transaction."""
        buyer = _buyer(principal)
        # The key alone names the checkout: a retry after success finds the cart empty.
        request = IdempotentRequest.of(buyer.customer_id, idempotency_key, "checkout")
        (outcome,) = self._place_all([_Request(buyer, request, None)])
        return _unwrap(outcome)

    def _place_all(self, requests: Sequence[_Request]) -> list[PlacementOutcome]:
        if not requests:
            return []
        for _attempt in range(MAX_PLACEMENT_ATTEMPTS):
            try:
                reserved = self._reserve_all(requests)
                break
            except StockChanged:
                continue  # another process took stock we planned on: plan again, on fresh numbers
        else:
            if len(requests) > 1:
                # Still losing the race: each order on its own, so that one fought-over
                # product holds back nobody else.
                return [self._place_all([request])[0] for request in requests]
            return [StockContention("the stock of this product is changing fast; try again")]
        charges = [
            (order, request.buyer.gateway_token, request.idempotent)
            for request, order in zip(requests, reserved, strict=True)
            if isinstance(order, Order)
        ]
        paid = iter(self._pay_all(charges))
        outcomes: list[PlacementOutcome] = []
        for request, result in zip(requests, reserved, strict=True):
            if isinstance(result, Order):
                outcomes.append(next(paid))
            elif isinstance(result, IdempotencyKeyInFlight):
                outcomes.append(self._resume_abandoned(request.idempotent) or result)
            else:
                outcomes.append(result)
        return outcomes

    def _reserve_all(self, requests: Sequence[_Request]) -> list[_Reserved]:
        """Step 1 for the whole batch, in one transaction (see the module's docstring)."""
        with self._db.transaction() as session:
            now = self._clock.now()
            keys = [request.idempotent for request in requests]
            claims = idempotency.claim_all(session, keys, now=now, ttl=self._ttl)
            results: list[_Reserved | None] = [
                None if claim is None else _earlier(claim) for claim in claims
            ]
            lines = self._lines_of_claimed(session, requests, results)
            if lines:
                self._plan_all(session, requests, lines, results)
            self._write_placed(session, requests, results, claims)
        return [result for result in results if result is not None]  # each is set by now

    def _plan_all(
        self,
        session: Session,
        requests: Sequence[_Request],
        lines: Mapping[int, Sequence[Line]],
        results: list[_Reserved | None],
    ) -> None:
        """An order, or its error, for each request with ``lines``, on one read of the
        products and the stock of them all."""
        product_ids = {line.product_id for order_lines in lines.values() for line in order_lines}
        products = products_by_id(session, list(product_ids))
        stock: dict[str, list[FreeStock]] = defaultdict(list)
        for free in free_stock(session, product_ids):
            stock[free.product_id].append(free)
        taken: dict[tuple[str, str], int] = defaultdict(int)
        for index, order_lines in lines.items():
            try:
                results[index] = self._new_order(
                    requests[index], order_lines, products, stock, taken
                )
            except DomainError as error:
                results[index] = error

    @staticmethod
    def _lines_of_claimed(
        session: Session, requests: Sequence[_Request], results: list[_Reserved | None]
    ) -> dict[int, Sequence[Line]]:
        """The lines of each request whose key this batch claimed, by position; a checkout
        of an empty cart gets its error instead."""
        lines: dict[int, Sequence[Line]] = {}
        for index, (request, result) in enumerate(zip(requests, results, strict=True)):
            if result is not None:
                continue
            order_lines = request.lines
            if order_lines is None:
                order_lines = tuple(cart_lines(session, request.buyer.customer_id))
            if order_lines:
                lines[index] = order_lines
            else:
                results[index] = EmptyCart("the cart is empty")
        return lines

    def _write_placed(
        self,
        session: Session,
        requests: Sequence[_Request],
        results: Sequence[_Reserved | None],
        claims: Sequence[idempotency.Claim],
    ) -> None:
        """The new orders, their events and emptied carts; the keys of requests that
        failed are freed, so that a retry runs again. The stock is reserved last."""
        orders = [result for result in results if isinstance(result, Order)]
        failed = [
            request.idempotent
            for request, result, claim in zip(requests, results, claims, strict=True)
            if claim is None and not isinstance(result, Order)
        ]
        if not orders and not failed:
            return  # replays only: nothing to write
        carts = [
            request.buyer.customer_id
            for request, result in zip(requests, results, strict=True)
            if request.lines is None and isinstance(result, Order)
        ]
        with sent_together(session):
            idempotency.release_all(session, failed)
            repository.insert_all(session, orders)
            record(session, [event for order in orders for event in order.pull_events()])
            for customer_id in carts:
                empty_cart(session, customer_id)
        reserve(session, [allocation for order in orders for allocation in order.allocations])

    def _new_order(
        self,
        request: _Request,
        lines: Sequence[Line],
        products: Mapping[str, Product],
        stock: Mapping[str, Sequence[FreeStock]],
        taken: dict[tuple[str, str], int],
    ) -> Order:
        """Price and plan one order on the batch's stock, less what was ``taken`` by the
        orders planned before it; the units it takes are added to ``taken``."""
        product_ids = [line.product_id for line in lines]
        for product_id in product_ids:
            product = products.get(product_id)
            if product is None:
                raise ProductNotFound(f"no product {product_id!r}")
            if not product.active:
                raise ProductUnavailable(f"product {product_id} is no longer sold")
        buyer = request.buyer
        wanted = (free for product_id in set(product_ids) for free in stock.get(product_id, ()))
        allocations = self._allocation.plan(lines, seen_from(wanted, buyer.lat, buyer.lng, taken))
        for allocation in allocations:
            taken[(allocation.facility_id, allocation.product_id)] += allocation.quantity
        return Order.place(
            order_id=new_id("ord"),
            customer_id=buyer.customer_id,
            allocations=allocations,
            unit_prices={pid: products[pid].price for pid in product_ids},
            address_id=buyer.address_id,
            payment_method_id=buyer.payment_method_id,
            at=self._clock.now(),
            cancel_window=self._cancel_window,
            idempotency_key=request.idempotent.key,
        )

    def _resume_abandoned(self, request: IdempotentRequest) -> PlacementOutcome | None:
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
        (outcome,) = self._pay_all([(left[0], token, request)])
        return replace(outcome, replayed=True) if isinstance(outcome, Placement) else outcome

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
        charges: list[_Charge] = []
        for order, token in left:
            assert order.idempotency_key is not None  # abandoned() only returns keyed orders
            key = IdempotentRequest(order.customer_id, order.idempotency_key, fingerprint="")
            charges.append((order, token or "", key))
        outcomes = self._pay_all(charges)
        return [
            outcome.order if isinstance(outcome, Placement) else order
            for (order, _, _), outcome in zip(charges, outcomes, strict=True)
        ]

    def _pay_all(self, charges: Sequence[_Charge]) -> list[PlacementOutcome]:
        """Steps 2 and 3: charge each card, then record every payment that went through
        in one transaction; a failed payment closes its order on its own."""
        outcomes: list[PlacementOutcome | None] = []
        paid: list[tuple[Order, IdempotentRequest]] = []
        payments = (
            [self._charge(*charges[0])]
            if len(charges) == 1
            else list(self._gateway_calls.map(lambda charge: self._charge(*charge), charges))
        )
        for (order, _, request), payment in zip(charges, payments, strict=True):
            if isinstance(payment, Payment):
                order.record_payment(payment)
                order.allocate(self._clock.now())
                paid.append((order, request))
                outcomes.append(None)
            else:
                declined = isinstance(payment, PaymentDeclined)
                self._payment_failed(order, request, payment, remember=declined)
                outcomes.append(payment)
        settled = iter(self._settle_all(paid))
        return [next(settled) if outcome is None else outcome for outcome in outcomes]

    def _charge(
        self, order: Order, token: str, request: IdempotentRequest
    ) -> Payment | PaymentDeclined | GatewayUnavailable:
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
        except (PaymentDeclined, GatewayUnavailable) as failure:
            return failure
        return Payment(authorization.id, capture.id, capture.captured_at)

    def _settle_all(self, paid: Sequence[tuple[Order, IdempotentRequest]]) -> list[Placement]:
        if not paid:
            return []
        try:
            with self._db.transaction() as session:
                orders = [order for order, _ in paid]
                if not repository.save_all(session, orders, expected=OrderStatus.PLACED):
                    raise _SettledElsewhere
                with sent_together(session):
                    record(session, [event for order in orders for event in order.pull_events()])
                    outcomes = [(request, {"order": to_snapshot(order)}) for order, request in paid]
                    idempotency.complete_all(session, outcomes)
            return [Placement(order, replayed=False) for order in orders]
        except _SettledElsewhere:
            if len(paid) > 1:  # find out which, each on its own
                return [self._settle_all([one])[0] for one in paid]
            return [Placement(self._settled(paid[0][0].id), replayed=True)]

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


def _unwrap(outcome: PlacementOutcome) -> Placement:
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def _earlier(claim: idempotency.Claim) -> PlacementOutcome:
    """What a request whose key was taken gets: the earlier outcome, replayed, or the
    claim's own error (key in flight, key reused)."""
    if isinstance(claim, DomainError):
        return claim
    assert claim is not None
    if "order" in claim:
        snapshot = claim["order"]
        assert isinstance(snapshot, dict)
        return Placement(from_snapshot(snapshot), replayed=True)
    error = claim["error"]
    assert isinstance(error, dict)
    replayed = error_class_for(str(error["code"]))(str(error["message"]))
    replayed.context["replayed"] = True
    return replayed
