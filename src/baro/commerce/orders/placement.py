"""Placing orders, in batches: one ``Attempt`` per request travels through the steps.

    claim    the idempotency keys, one INSERT for the batch; a key already taken gives the
             stored outcome (a replay), or 409 while in flight, or 422 if reused
    plan     price the lines and choose facilities, each order on the stock the ones
             before it left (one read of the products and one of the stock, for the batch)
    write    the orders, their lines and ``order.placed`` events; the stock reserved last.
             Claim, plan and write are one transaction: a failure leaves nothing behind
    pay      authorize and capture each order at the gateway, outside any transaction,
             with gateway keys bound to the order, so paying an order twice (a retry, a
             recovery, a slow original) charges it once
    settle   record the payments (one transaction for the batch) and store each outcome
             for its key; a decline closes its order and releases its stock
    recover  finish what a process that died left between write and settle

Each attempt carries its own outcome; one attempt's failure never becomes another's. If
another process took stock the batch planned on, the batch plans again; if that keeps
happening, or the database refuses the batch, each attempt is placed on its own.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from baro.commerce.catalog import Product, products_by_id
from baro.commerce.customers import (
    NoDefaultAddress,
    NoDefaultPaymentMethod,
    NotAuthenticated,
    Principal,
    payment_token,
)
from baro.commerce.orders import metrics, repository
from baro.commerce.orders.benefits import FreeFastDelivery, MemberBenefits
from baro.commerce.orders.cart import cart_lines, remove_products
from baro.commerce.orders.delivery import DeliveryPromises, LockerCompartments, ShippedItem
from baro.commerce.orders.domain import (
    Delivery,
    EmptyCart,
    Order,
    OrderStatus,
    Payment,
    check_sellable,
)
from baro.commerce.orders.snapshot import from_snapshot, to_snapshot
from baro.commerce.payments import GatewayUnavailable, PaymentDeclined, PaymentGateway
from baro.core import idempotency
from baro.core.clock import Clock
from baro.core.db import Database, sent_together
from baro.core.errors import Conflict, DomainError, error_class_for
from baro.core.events import record
from baro.core.failpoints import failpoint
from baro.core.idempotency import IdempotencyKeyInFlight, IdempotentRequest
from baro.core.ids import new_id
from baro.network import (
    Allocation,
    AllocationChain,
    FreeStock,
    Line,
    StockChanged,
    free_stock,
    release,
    seen_from,
)
from baro.network import reserve as reserve_stock

MAX_PLACEMENT_ATTEMPTS = 3


class StockContention(Conflict):
    code = "stock_contention"


@dataclass(frozen=True)
class Placement:
    order: Order
    replayed: bool


PlacementOutcome = Placement | Exception
"""What placing one order gave: the order, a ``DomainError`` that is the caller's to act
on, or (rarely) another exception: a failure of ours, for that order alone."""


@dataclass(frozen=True)
class Buyer:
    """Who pays and where it ships: the customer's 1-Click defaults."""

    customer_id: str
    address_id: str
    lat: float
    lng: float
    payment_method_id: str
    card_token: str
    delivery_preference: str | None = None
    # Whose Prime benefits the buyer has, until when (read with the principal).
    prime_membership_id: str | None = None
    prime_until: datetime | None = None

    @classmethod
    def of(cls, principal: Principal) -> Buyer:
        if principal.customer_id is None:
            raise NotAuthenticated("orders are placed with a customer's API key, not an admin key")
        if principal.address is None:
            raise NoDefaultAddress("set a default shipping address before using 1-Click")
        if principal.payment_method is None:
            raise NoDefaultPaymentMethod("save a default payment method before using 1-Click")
        return cls(
            principal.customer_id,
            principal.address.id,
            principal.address.lat,
            principal.address.lng,
            principal.payment_method.id,
            principal.payment_method.gateway_token,
            principal.delivery_preference,
            principal.prime_membership_id,
            principal.prime_until,
        )

    def member_at(self, now: datetime) -> str | None:
        if self.prime_until is not None and now < self.prime_until:
            return self.prime_membership_id
        return None


@dataclass(eq=False)
class Attempt:
    """One request to place an order, and what each step made of it."""

    key: IdempotentRequest
    buyer: Buyer | None  # None: recovering an order whose buyer the order itself names
    lines: tuple[Line, ...] | None  # None: the buyer's cart, emptied by the order it becomes
    claimed: bool = False  # this attempt's claim took the key: its order is this one's to make
    order: Order | None = None  # written; awaiting payment
    card_token: str = ""
    resumed: bool = False  # the order was written by an earlier request with this key
    payment: Payment | DomainError | None = None
    outcome: PlacementOutcome | None = None
    delivery_option: str | None = None  # named by the request; None: preferred, or fastest
    locker_id: str | None = None  # the locker bank the request named (ships by locker)
    # A locker order: the bank whose compartment the write reserves, and the goods' boxes.
    hold_at: str | None = None
    shipped: tuple[ShippedItem, ...] = ()
    # A re-ship (reship.py): the lost order it replaces; its lines are free of charge, and
    # ``before_write`` marks the lost order in the same transaction (or refuses by raising).
    reship_of: str | None = None
    before_write: Callable[[Session, Order], None] | None = None

    @classmethod
    def recovering(cls, order: Order, card_token: str) -> Attempt:
        """An order left awaiting payment, to be finished with its own gateway keys."""
        assert order.idempotency_key is not None  # only keyed orders are left awaiting
        key = IdempotentRequest(order.customer_id, order.idempotency_key, fingerprint="")
        return cls(key, None, None, order=order, card_token=card_token, resumed=True)

    def start_over(self) -> None:
        """Forget what a rolled-back transaction made of this attempt."""
        self.claimed, self.order, self.outcome = False, None, None
        self.hold_at, self.shipped = None, ()


@dataclass
class Placer:
    """The steps above, for batches of attempts; ``place`` gives every attempt its outcome."""

    db: Database
    clock: Clock
    gateway: PaymentGateway
    cancel_window: timedelta
    idempotency_ttl: timedelta
    abandoned_after: timedelta
    allocation: AllocationChain = field(default_factory=AllocationChain)
    # A real gateway answers in hundreds of milliseconds: a batch's charges wait on it side
    # by side, up to ``gateway_calls`` at once, not one after another (1: in line).
    gateway_calls: int = 8
    # The delivery promise each order ships with (None: orders carry no promise).
    promises: DeliveryPromises | None = None
    # Locker compartments, reserved as a locker order is written (None: no lockers).
    lockers: LockerCompartments | None = None
    # What a Prime member's delivery gets (free on the two-day promise or better).
    benefits: MemberBenefits = field(default_factory=FreeFastDelivery)

    def __post_init__(self) -> None:
        self._gateway_pool = (
            ThreadPoolExecutor(self.gateway_calls, thread_name_prefix="gateway")
            if self.gateway_calls > 1
            else None
        )

    def close(self) -> None:
        if self._gateway_pool is not None:
            self._gateway_pool.shutdown(wait=True)

    def place(self, attempts: Sequence[Attempt]) -> None:
        metrics.record_batch(len(attempts))
        if self.promises is not None:  # outside the transaction: may refresh its caches
            self.promises.prepare(self.clock.now())
        self._claim_plan_write(attempts)
        failpoint("placement.written")
        self._resume_interrupted([a for a in attempts if _in_flight(a)])
        self.pay_and_settle([a for a in attempts if a.outcome is None and a.order is not None])
        metrics.record_outcomes(a.outcome for a in attempts if a.outcome is not None)

    def pay_and_settle(self, attempts: Sequence[Attempt], *, recovering: bool = False) -> None:
        """Charge each attempt's order, then record what the gateway said: the payments in
        one transaction, each failure on its own."""
        self._pay(attempts)
        failpoint("placement.charged")
        self._settle([a for a in attempts if isinstance(a.payment, Payment)])
        for attempt in attempts:
            if isinstance(attempt.payment, DomainError):
                self._payment_failed(attempt, attempt.payment, recovering=recovering)

    # claim, plan, write: one transaction ------------------------------------------------

    def _claim_plan_write(self, attempts: Sequence[Attempt]) -> None:
        for _try in range(MAX_PLACEMENT_ATTEMPTS):
            for attempt in attempts:
                attempt.start_over()
            try:
                with self.db.transaction() as session:
                    self._claim(session, attempts)
                    self._plan(session, [a for a in attempts if a.claimed])
                    self._write(session, [a for a in attempts if a.claimed])
                    failpoint("placement.before_commit")
                return
            except StockChanged:
                metrics.record_stock_contention_retry()
                continue  # another process took stock we planned on: plan again, fresh
            except (DataError, IntegrityError) as failure:
                if len(attempts) == 1:
                    attempts[0].outcome = failure
                    return
                break  # one attempt's values broke the batch: find out whose, one by one
        else:
            if len(attempts) == 1:
                attempts[0].outcome = StockContention(
                    "the stock of this product is changing fast; try again"
                )
                return
        for attempt in attempts:  # each on its own: one fought-over product holds back nobody
            self._claim_plan_write([attempt])

    def _claim(self, session: Session, attempts: Sequence[Attempt]) -> None:
        claims = idempotency.claim_all(
            session, [a.key for a in attempts], now=self.clock.now(), ttl=self.idempotency_ttl
        )
        for attempt, claim in zip(attempts, claims, strict=True):
            if claim is None:
                attempt.claimed = True
            else:
                attempt.outcome = _earlier(claim)

    def _plan(self, session: Session, attempts: Sequence[Attempt]) -> None:
        """An order, or its error, for each attempt, on one read of the products and the
        stock of them all."""
        wanted: dict[Attempt, tuple[Line, ...]] = {}
        for attempt in attempts:
            assert attempt.buyer is not None
            lines = attempt.lines
            if lines is None:
                lines = tuple(cart_lines(session, attempt.buyer.customer_id, for_update=True))
            if lines:
                wanted[attempt] = lines
            else:
                attempt.outcome = EmptyCart("the cart is empty")
        if not wanted:
            return
        product_ids = {line.product_id for lines in wanted.values() for line in lines}
        products = products_by_id(session, list(product_ids))
        stock: dict[str, list[FreeStock]] = defaultdict(list)
        for free in free_stock(session, product_ids):
            stock[free.product_id].append(free)
        taken: dict[tuple[str, str], int] = defaultdict(int)
        for attempt, lines in wanted.items():
            try:
                attempt.order = self._new_order(attempt, lines, products, stock, taken)
            except DomainError as error:
                attempt.outcome = error

    def _new_order(
        self,
        attempt: Attempt,
        lines: Sequence[Line],
        products: Mapping[str, Product],
        stock: Mapping[str, Sequence[FreeStock]],
        taken: dict[tuple[str, str], int],
    ) -> Order:
        """Price and plan one order on the batch's stock, less what was ``taken`` by the
        orders planned before it; the units it takes are added to ``taken``."""
        buyer = attempt.buyer
        assert buyer is not None
        check_sellable(lines, products)
        wanted = {line.product_id for line in lines}
        near = seen_from((s for p in wanted for s in stock.get(p, ())), buyer.lat, buyer.lng, taken)
        allocations = self.allocation.plan(lines, near)
        now = self.clock.now()
        delivery = self._promise(attempt, lines, products, stock, allocations[0], now)
        if attempt.reship_of and delivery is not None:  # a re-ship's delivery is free too
            delivery = replace(delivery, fee=delivery.fee * 0)
        elif delivery is not None:
            delivery = self.benefits.apply(delivery, buyer.member_at(now))
        for allocation in allocations:
            taken[(allocation.facility_id, allocation.product_id)] += allocation.quantity
        attempt.card_token = buyer.card_token
        return Order.place(
            order_id=new_id("ord"),
            customer_id=buyer.customer_id,
            allocations=allocations,
            unit_prices={
                p: products[p].price * 0 if attempt.reship_of else products[p].price for p in wanted
            },
            address_id=buyer.address_id,
            payment_method_id=buyer.payment_method_id,
            at=now,
            cancel_window=self.cancel_window,
            idempotency_key=attempt.key.key,
            delivery=delivery,
            reship_of=attempt.reship_of,
        )

    def _promise(
        self,
        attempt: Attempt,
        lines: Sequence[Line],
        products: Mapping[str, Product],
        stock: Mapping[str, Sequence[FreeStock]],
        first: Allocation,
        now: datetime,
    ) -> Delivery | None:
        """The delivery the order ships with, from what the batch already read (the
        products' weights, where the chosen facility stands): no statement of its own."""
        if self.promises is None:
            return None
        buyer = attempt.buyer
        assert buyer is not None
        shipped = tuple(
            ShippedItem(
                ln.product_id,
                products[ln.product_id].weight_g,
                products[ln.product_id].dimensions.length_cm,
                products[ln.product_id].dimensions.width_cm,
                products[ln.product_id].dimensions.height_cm,
                ln.quantity,
            )
            for ln in lines
        )
        facility_id = first.facility_id  # the order's facility: where its first parcel ships from
        at = next(s for s in stock[first.product_id] if s.facility_id == facility_id)
        chosen = self.promises.choose(
            items_weight_g=sum(products[ln.product_id].weight_g * ln.quantity for ln in lines),
            lat=buyer.lat,
            lng=buyer.lng,
            facility_id=facility_id,
            facility_lat=at.lat,
            facility_lng=at.lng,
            currency=products[lines[0].product_id].price.currency,
            now=now,
            preferred=buyer.delivery_preference,
            requested=attempt.delivery_option or ("locker" if attempt.locker_id else None),
            customer_id=buyer.customer_id,
            items=shipped,
            locker_id=attempt.locker_id,
        )
        if chosen.code == "locker" and self.lockers is not None:
            attempt.hold_at, attempt.shipped = chosen.via or attempt.locker_id, shipped
        return Delivery(chosen.code, chosen.fee, chosen.window_start, chosen.window_end)

    def _write(self, session: Session, attempts: Sequence[Attempt]) -> None:
        """The new orders, their events, emptied carts; the keys of attempts that failed
        are freed, so that a retry runs again. The stock is reserved last, so its rows stay
        locked for as short a time as possible. A locker order's compartment is reserved
        first: a full locker fails that attempt alone, before anything of it is written."""
        self._hold_compartments(session, [a for a in attempts if a.hold_at and a.order])
        placed = [a for a in attempts if a.order is not None]
        failed = [a.key for a in attempts if a.order is None]
        orders = [a.order for a in placed if a.order is not None]
        for attempt in placed:
            if attempt.before_write is not None and attempt.order is not None:
                attempt.before_write(session, attempt.order)
        with sent_together(session):
            idempotency.release_all(session, failed)
            repository.insert_all(session, orders)
            record(session, [event for order in orders for event in order.pull_events()])
            for attempt in placed:
                if attempt.lines is None and attempt.buyer and attempt.order:
                    ordered = [line.product_id for line in attempt.order.lines]
                    remove_products(session, attempt.buyer.customer_id, ordered)
        reserve_stock(session, [a for order in orders for a in order.allocations])

    def _hold_compartments(self, session: Session, attempts: Sequence[Attempt]) -> None:
        """Only orders that ship to a locker (no statement for any other order). The
        database refuses a second reservation of a compartment (baro.delivery.lockers), so
        two placements cannot both get the last one."""
        for attempt in attempts:
            assert self.lockers and attempt.order and attempt.buyer and attempt.hold_at
            try:
                self.lockers.hold(
                    session,
                    customer_id=attempt.buyer.customer_id,
                    order_id=attempt.order.id,
                    locker_id=attempt.hold_at,
                    items=attempt.shipped,
                    near=(attempt.buyer.lat, attempt.buyer.lng),
                )
            except DomainError as error:  # a full locker: this order is not placed
                attempt.order, attempt.outcome = None, error

    # resume, pay, settle ----------------------------------------------------------------

    def _resume_interrupted(self, attempts: Sequence[Attempt]) -> None:
        """A retry finds its key in flight: if the gateway left the first attempt's payment
        unanswered, or its process died long ago, this retry pays that same order."""
        if not attempts:
            return
        before = self.clock.now() - self.abandoned_after
        with self.db.read() as session:
            left = repository.resumable(session, [a.key.pk for a in attempts], before=before)
            for attempt in attempts:
                order = left.get(attempt.key.pk)
                token = payment_token(session, order.payment_method_id) if order else None
                if order is not None and token is not None:
                    attempt.order, attempt.card_token = order, token
                    attempt.resumed, attempt.outcome = True, None

    def _pay(self, attempts: Sequence[Attempt]) -> None:
        if self._gateway_pool is None or len(attempts) == 1:
            for attempt in attempts:
                self._charge(attempt)
        else:  # each charge in a copy of this thread's context: its log lines keep the ids
            charges = [(contextvars.copy_context(), attempt) for attempt in attempts]
            list(self._gateway_pool.map(lambda c: c[0].run(self._charge, c[1]), charges))

    def _charge(self, attempt: Attempt) -> None:
        """Owner of ``attempt.payment``: the one gateway thread charging this attempt."""
        order = attempt.order
        assert order is not None
        if order.total.minor == 0:  # a free re-ship: nothing to charge
            now = self.clock.now()
            attempt.payment = Payment(f"free:{order.id}", f"free:{order.id}", now)
            return
        try:
            authorization = self.gateway.authorize(
                attempt.card_token, order.total, idempotency_key=f"{order.id}:authorize"
            )
            capture = self.gateway.capture(
                authorization, order.total, idempotency_key=f"{order.id}:capture"
            )
        except (PaymentDeclined, GatewayUnavailable) as failure:
            attempt.payment = failure
            return
        attempt.payment = Payment(authorization.id, capture.id, capture.captured_at)

    def _settle(self, attempts: Sequence[Attempt]) -> None:
        if not attempts:
            return
        now = self.clock.now()
        orders, outcomes = [], []
        for attempt in attempts:
            assert attempt.order is not None and isinstance(attempt.payment, Payment)
            attempt.order.record_payment(attempt.payment)
            attempt.order.allocate(now)
            orders.append(attempt.order)
            outcomes.append((attempt.key, {"order": to_snapshot(attempt.order)}))
        try:
            with self.db.transaction() as session:
                if not repository.save_all(session, orders, expected=OrderStatus.PLACED):
                    raise _SettledElsewhere
                with sent_together(session):
                    record(session, [event for order in orders for event in order.pull_events()])
                    idempotency.complete_all(session, outcomes)
        except _SettledElsewhere:
            if len(attempts) > 1:  # find out which, each on its own
                for attempt in attempts:
                    self._settle_alone(attempt)
                return
            order_id = orders[0].id
            with self.db.read() as session:
                settled = repository.load(session, order_id, customer_id=None)
            attempts[0].outcome = Placement(settled, replayed=True)
            return
        for attempt in attempts:
            assert attempt.order is not None
            attempt.outcome = Placement(attempt.order, replayed=attempt.resumed)

    def _settle_alone(self, attempt: Attempt) -> None:
        assert attempt.order is not None
        with self.db.read() as session:  # the state before this batch's settle moved it
            attempt.order = repository.load(session, attempt.order.id, customer_id=None)
        if attempt.order.status is OrderStatus.PLACED:
            self._settle([attempt])
        else:
            attempt.outcome = Placement(attempt.order, replayed=True)

    def _payment_failed(self, attempt: Attempt, error: DomainError, *, recovering: bool) -> None:
        """A decline closes the order, releases its stock and is remembered for the key.
        An outage leaves the order waiting, stock held, key in flight: the client's retry
        (or the recovery sweep) pays it with the same gateway keys; only a recovery that
        meets the outage again gives up, closes it and frees the key."""
        order = attempt.order
        assert order is not None
        attempt.outcome = error
        interrupted = isinstance(error, GatewayUnavailable) and not recovering
        with self.db.transaction() as session:
            if interrupted:
                order.payment_interrupted(error.code)
            else:
                order.fail_payment(error.code, self.clock.now())
            if not repository.save(session, order, expected=OrderStatus.PLACED):
                return  # settled meanwhile by another process: nothing of ours to undo
            if interrupted:
                return
            release(session, order.allocations)
            record(session, order.pull_events())
            if isinstance(error, PaymentDeclined):
                outcome = {"error": {"code": error.code, "message": error.message}}
                idempotency.complete(session, attempt.key, outcome)
            else:
                idempotency.release(session, attempt.key)

    # recover ----------------------------------------------------------------------------

    def recover(self) -> list[Order]:
        """Finish every order left awaiting payment by a process that died (or a gateway
        that did not answer) more than ``abandoned_after`` ago: paid with the gateway keys
        of the first attempt, so a card is charged at most once."""
        before = self.clock.now() - self.abandoned_after
        with self.db.read() as session:
            attempts = [
                Attempt.recovering(order, payment_token(session, order.payment_method_id) or "")
                for order in repository.awaiting_payment(session, before=before)
            ]
        self.pay_and_settle(attempts, recovering=True)
        return [
            a.outcome.order if isinstance(a.outcome, Placement) else a.order
            for a in attempts
            if a.order is not None
        ]


class _SettledElsewhere(Exception):
    """An order of the batch was settled by another process (a recovery): roll back."""


def _in_flight(attempt: Attempt) -> bool:
    return isinstance(attempt.outcome, IdempotencyKeyInFlight)


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
