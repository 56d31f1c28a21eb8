"""Replenishment: the customer opts in, the platform orders when the product is due.

A run (``baro replenish run``, ``Replenishment.run``) handles every active subscription due
by ``now`` as one batch, one ``_Item`` per subscription carried through the steps:

    claim     each subscription's cycle, by compare and set (a second run at the same
              moment skips it: "another run is placing it")
    cycle     for "from my purchase cycle" subscriptions, the customer's interval for the
              product (``baro.intelligence.replenish``, from their order history)
    place     every order through the batched 1-Click path, with the idempotency key
              ``replenish:<subscription>:<cycle>``: a run that died after placing, rerun,
              finds its order instead of making another
    record    one transaction: the cycle advances and the next due date is set, the order is
              listed for the customer and they are told (price, and the link to cancel); a
              failure (out of stock, a declined card) is written on its subscription, which
              stays due for the next run

A declined card stores its 402 for the key, so the retry of that cycle takes a key of its
own (``…:<cycle>:<attempt>``); other failures keep the key (out of stock freed it; a
gateway outage left the order in flight, and the next run resumes that order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from baro.commerce.catalog import Product, ProductNotFound, products_by_id
from baro.commerce.customers import Customers, Notification, Notifications, Principal, notify
from baro.commerce.orders import OneClick, Order, Orders, Placement, purchases_of
from baro.commerce.payments import PaymentDeclined
from baro.core import idempotency
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.errors import DomainError
from baro.core.failpoints import failpoint
from baro.core.idempotency import IdempotencyKeyInFlight, IdempotentRequest
from baro.core.ids import new_id

from . import cycles
from .domain import (
    AlreadySubscribed,
    Cycle,
    NoPurchaseCycle,
    Outcome,
    PlacedForYou,
    Result,
    RunReport,
    Status,
    Subscription,
    SubscriptionNotFound,
    Suggestion,
    check_terms,
    moved,
)
from .repository import ReplenishmentOrderRow, SubscriptionRow, placed_of, subscription_of

DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReplenishmentSettings:
    # The storefront's order page: the order is cancelled there in its cancel window.
    cancel_link: str = "/orders/{order_id}"
    # A claim this old lost its run (the process died): the next run takes the cycle over,
    # with the same key, so the order the dead run may have placed is found, not doubled.
    abandoned_after: timedelta = timedelta(minutes=10)
    batch: int = 500  # subscriptions per run; the rest wait for the next one
    idempotency_ttl: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    replayed: bool


@dataclass
class _Item:
    """One due subscription through a run: what each step made of it, and its outcome."""

    subscription: Subscription
    attempt: int
    principal: Principal | None = None
    interval_days: float | None = None
    placement: Placement | None = None
    error: Exception | None = None
    outcome: Outcome | None = field(default=None)

    @property
    def key(self) -> str:
        sub = self.subscription
        base = f"replenish:{sub.id}:{sub.cycle}"
        return base if self.attempt == 0 else f"{base}:{self.attempt}"

    def skip(self, reason: str) -> None:
        self.outcome = Outcome(self.subscription, Result.SKIPPED, reason)

    def fail(self, error: Exception) -> None:
        code = error.code if isinstance(error, DomainError) else "internal_error"
        message = error.message if isinstance(error, DomainError) else type(error).__name__
        self.outcome = Outcome(self.subscription, Result.FAILED, message, code)


class Replenishment:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        orders: Orders,
        customers: Customers,
        notifications: Notifications,
        settings: ReplenishmentSettings | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._orders = orders
        self._customers = customers
        self._notifications = notifications
        self.settings = settings or ReplenishmentSettings()

    # the customer's side ---------------------------------------------------------------------

    def subscribe(
        self,
        customer_id: str,
        product_id: str,
        *,
        quantity: int,
        interval_days: int | None,
        idempotency_key: str | None,
    ) -> Subscribed:
        """Opt in: ``quantity`` units every ``interval_days`` (the first order that many days
        from now), or with None when the customer's own cycle says (the first on the
        expected next date). A repeated key returns the first subscription."""
        check_terms(quantity, interval_days)
        request = IdempotentRequest.of(
            f"subscribe:{customer_id}",
            idempotency_key,
            "subscribe",
            product_id=product_id,
            quantity=quantity,
            interval_days=interval_days,
        )
        now = self._clock.now()
        self._product(product_id)
        due = now + (interval_days or 0) * DAY
        if interval_days is None:
            due = max(now, _midnight(self._cycle_of(customer_id, product_id, now).expected_next))
        row = SubscriptionRow(
            id=new_id("sub"),
            customer_id=customer_id,
            product_id=product_id,
            open_product_id=product_id,
            quantity=quantity,
            interval_days=interval_days,
            status=Status.ACTIVE.value,
            cycle=1,
            attempt=0,
            next_due_at=due,
            created_at=now,
        )
        try:
            with self._db.transaction() as session:
                earlier = idempotency.claim(
                    session, request, now=now, ttl=self.settings.idempotency_ttl
                )
                if earlier is not None:
                    return Subscribed(self._owned(session, customer_id, earlier["id"]), True)
                session.add(row)
                session.flush()
                idempotency.complete(session, request, {"id": row.id})
                return Subscribed(subscription_of(row), False)
        except IntegrityError as error:
            raise AlreadySubscribed(
                f"you already subscribe to {product_id}: pause, resume or cancel that one",
                product_id=product_id,
            ) from error

    def subscriptions_of(self, customer_id: str, *, cancelled: bool = False) -> list[Subscription]:
        """The customer's subscriptions, next due first (cancelled ones only when asked)."""
        with self._db.read() as session:
            query = select(SubscriptionRow).where(SubscriptionRow.customer_id == customer_id)
            if not cancelled:
                query = query.where(SubscriptionRow.status != Status.CANCELLED.value)
            rows = session.scalars(query.order_by(SubscriptionRow.next_due_at, SubscriptionRow.id))
            return [subscription_of(row) for row in rows]

    def get(self, customer_id: str, subscription_id: str) -> Subscription:
        """One of the customer's subscriptions; anyone else's is not found."""
        with self._db.read() as session:
            return self._owned(session, customer_id, subscription_id)

    def pause(self, customer_id: str, subscription_id: str) -> Subscription:
        return self._move(customer_id, subscription_id, "pause")

    def resume(self, customer_id: str, subscription_id: str) -> Subscription:
        """Active again; a date missed while paused makes it due at the next run."""
        return self._move(customer_id, subscription_id, "resume")

    def cancel(self, customer_id: str, subscription_id: str) -> Subscription:
        """Nothing more is ordered; orders already placed keep their own cancel window."""
        return self._move(customer_id, subscription_id, "cancel")

    def _move(self, customer_id: str, subscription_id: str, action: str) -> Subscription:
        with self._db.transaction() as session:
            row = session.get(SubscriptionRow, subscription_id, with_for_update=True)
            if row is None or row.customer_id != customer_id:
                raise SubscriptionNotFound(f"you have no subscription {subscription_id!r}")
            row.status = moved(Status(row.status), action).value
            if row.status == Status.CANCELLED.value:
                row.open_product_id = None  # the product may be subscribed to again
            return subscription_of(row)

    def placed_for(self, customer_id: str, *, limit: int = 50) -> list[PlacedForYou]:
        """The orders the customer's subscriptions placed, newest first."""
        with self._db.read() as session:
            rows = session.scalars(
                select(ReplenishmentOrderRow)
                .where(ReplenishmentOrderRow.customer_id == customer_id)
                .order_by(ReplenishmentOrderRow.placed_at.desc(), ReplenishmentOrderRow.order_id)
                .limit(limit)
            )
            return [placed_of(row) for row in rows]

    def suggestions(self, customer_id: str) -> list[Suggestion]:
        """Products the customer buys on a regular cycle and does not subscribe to, soonest
        due first. Needs the intelligence extra (``CycleModelUnavailable`` otherwise)."""
        now = self._clock.now()
        with self._db.read() as session:
            purchases = purchases_of(session, [customer_id], until=now)
            subscribed = set(
                session.scalars(
                    select(SubscriptionRow.product_id).where(
                        SubscriptionRow.customer_id == customer_id,
                        SubscriptionRow.status != Status.CANCELLED.value,
                    )
                )
            )
            found = [
                c
                for c in cycles.purchase_cycles(purchases, until=now).values()
                if c.regular and c.product_id not in subscribed
            ]
            products = products_by_id(session, sorted({c.product_id for c in found}))
        return sorted(
            (
                Suggestion(c.product_id, _title(p), p.price, c)
                for c in found
                if (p := products.get(c.product_id)) is not None and p.active
            ),
            key=lambda s: (s.cycle.expected_next, s.product_id),
        )

    # operators -------------------------------------------------------------------------------

    def due(self, now: datetime | None = None, *, limit: int = 100) -> list[Subscription]:
        """Active subscriptions due by ``now`` (default: the clock's), longest overdue first."""
        with self._db.read() as session:
            return [
                subscription_of(row)
                for row in session.scalars(self._due_query(now or self._clock.now(), limit))
            ]

    def recent_orders(self, *, limit: int = 50) -> list[PlacedForYou]:
        """The orders subscriptions placed, newest first (every customer's)."""
        with self._db.read() as session:
            rows = session.scalars(
                select(ReplenishmentOrderRow)
                .order_by(ReplenishmentOrderRow.placed_at.desc(), ReplenishmentOrderRow.order_id)
                .limit(limit)
            )
            return [placed_of(row) for row in rows]

    # the run ---------------------------------------------------------------------------------

    def run(self, now: datetime | None = None) -> RunReport:
        """Order every active subscription due by ``now``, once per cycle (see the module)."""
        now = now or self._clock.now()
        run_id = new_id("rrun")
        with self._db.read() as session:
            rows = list(session.scalars(self._due_query(now, self.settings.batch)))
            items = [_Item(subscription_of(row), row.attempt) for row in rows]
        self._claim(items, run_id, now)
        self._prepare([i for i in items if i.outcome is None], now)
        placing = [i for i in items if i.outcome is None and i.error is None]
        clicks = [self._click(i) for i in placing]
        outcomes = self._orders.place_one_click_all(clicks) if clicks else []
        for item, outcome in zip(placing, outcomes, strict=True):
            if isinstance(outcome, Placement):
                item.placement = outcome
            else:
                item.error = outcome
        self._record([i for i in items if i.outcome is None], run_id, now)
        return RunReport(now, tuple(i.outcome for i in items if i.outcome is not None))

    @staticmethod
    def _due_query(now: datetime, limit: int) -> Select[Any]:
        return (
            select(SubscriptionRow)
            .where(
                SubscriptionRow.status == Status.ACTIVE.value,
                SubscriptionRow.next_due_at <= now,
            )
            .order_by(SubscriptionRow.next_due_at, SubscriptionRow.id)
            .limit(limit)
        )

    def _claim(self, items: Sequence[_Item], run_id: str, now: datetime) -> None:
        """Take each item's cycle for this run, or mark it skipped: another run has it."""
        claimed_at = self._clock.now()
        with self._db.transaction() as session:
            for item in sorted(items, key=lambda i: i.subscription.id):  # one lock order
                sub = item.subscription
                taken = session.execute(
                    update(SubscriptionRow)
                    .where(
                        SubscriptionRow.id == sub.id,
                        SubscriptionRow.cycle == sub.cycle,
                        SubscriptionRow.status == Status.ACTIVE.value,
                        SubscriptionRow.next_due_at <= now,
                        SubscriptionRow.claimed_by.is_(None)
                        | (SubscriptionRow.claimed_at < claimed_at - self.settings.abandoned_after),
                    )
                    .values(claimed_by=run_id, claimed_at=claimed_at)
                )
                if not taken.rowcount:  # type: ignore[attr-defined]
                    item.skip("another run is placing this cycle, or placed it")
            failpoint("replenishment.claimed")  # claimed, not committed: races stop here

    def _prepare(self, items: Sequence[_Item], now: datetime) -> None:
        """Each item's buyer (1-Click defaults) and, for cycle subscriptions, its interval."""
        principals = self._customers.principals_of([i.subscription.customer_id for i in items])
        by_cycle = [i for i in items if i.subscription.from_cycle]
        found: dict[tuple[str, str], Cycle] = {}
        if by_cycle:
            try:
                with self._db.read() as session:
                    purchases = purchases_of(
                        session, [i.subscription.customer_id for i in by_cycle], until=now
                    )
                found = cycles.purchase_cycles(purchases, until=now)
            except DomainError as error:  # the intelligence extra is not installed
                for item in by_cycle:
                    item.error = error
        for item in items:
            sub = item.subscription
            item.principal = principals.get(sub.customer_id)
            if item.principal is None:
                item.error = SubscriptionNotFound(f"customer {sub.customer_id} is gone")
            elif sub.interval_days is not None:
                item.interval_days = float(sub.interval_days)
            elif item.error is None:
                cycle = found.get((sub.customer_id, sub.product_id))
                if cycle is None:
                    item.error = NoPurchaseCycle(
                        f"no purchase cycle for {sub.product_id} in the order history any more"
                    )
                else:
                    item.interval_days = max(cycle.interval_days, 1.0)

    @staticmethod
    def _click(item: _Item) -> OneClick:
        assert item.principal is not None
        sub = item.subscription
        return OneClick(item.principal, sub.product_id, sub.quantity, item.key)

    def _record(self, items: Sequence[_Item], run_id: str, now: datetime) -> None:
        with self._db.transaction() as session:
            products = products_by_id(session, sorted({i.subscription.product_id for i in items}))
            for item in items:
                if item.placement is not None:
                    self._placed(
                        session, item, run_id, now, products.get(item.subscription.product_id)
                    )
                else:
                    assert item.error is not None
                    self._failed(session, item, run_id, now)

    def _placed(
        self, session: Session, item: _Item, run_id: str, now: datetime, product: Product | None
    ) -> None:
        sub, placement = item.subscription, item.placement
        assert placement is not None and item.interval_days is not None
        order = placement.order
        next_due = now + item.interval_days * DAY
        advanced = session.execute(
            update(SubscriptionRow)
            .where(
                SubscriptionRow.id == sub.id,
                SubscriptionRow.cycle == sub.cycle,
                SubscriptionRow.claimed_by == run_id,
            )
            .values(
                cycle=sub.cycle + 1,
                attempt=0,
                next_due_at=next_due,
                last_order_id=order.id,
                last_failure=None,
                last_attempt_at=now,
                claimed_by=None,
                claimed_at=None,
            )
        )
        if not advanced.rowcount:  # type: ignore[attr-defined]
            item.skip("another run took this cycle over and recorded it")
            return
        session.add(
            ReplenishmentOrderRow(
                subscription_id=sub.id,
                cycle=sub.cycle,
                order_id=order.id,
                customer_id=sub.customer_id,
                product_id=sub.product_id,
                placed_at=order.placed_at,
            )
        )
        notify(session, self._notice(sub, order, product, next_due))
        item.outcome = Outcome(
            sub, Result.PLACED, order_id=order.id, total=order.total, next_due_at=next_due
        )

    def _failed(self, session: Session, item: _Item, run_id: str, now: datetime) -> None:
        sub, error = item.subscription, item.error
        assert error is not None
        if isinstance(error, IdempotencyKeyInFlight):
            item.skip("its order is still being placed (a run that died); the next run resumes it")
        else:
            item.fail(error)
        session.execute(
            update(SubscriptionRow)
            .where(SubscriptionRow.id == sub.id, SubscriptionRow.claimed_by == run_id)
            .values(
                # A declined key replays its decline: the retry needs a key of its own.
                attempt=SubscriptionRow.attempt + (1 if isinstance(error, PaymentDeclined) else 0),
                last_failure=_failure(item.outcome),
                last_attempt_at=now,
                claimed_by=None,
                claimed_at=None,
            )
        )

    def _notice(
        self, sub: Subscription, order: Order, product: Product | None, next_due: datetime
    ) -> Notification:
        title = _title(product) if product else sub.product_id
        return self._notifications.new(
            sub.customer_id,
            "replenishment_order",
            f"We ordered {sub.quantity} × {title} for you",
            f"Charged {order.total} (items {order.items_total}, delivery {order.delivery_fee}). "
            f"You can cancel until {order.cancel_until:%Y-%m-%d %H:%M} UTC. "
            f"The next one is due on {next_due:%Y-%m-%d}.",
            link=self.settings.cancel_link.format(order_id=order.id),
            order_id=order.id,
        )

    # helpers ---------------------------------------------------------------------------------

    def _product(self, product_id: str) -> Product:
        with self._db.read() as session:
            product = products_by_id(session, [product_id]).get(product_id)
        if product is None or not product.active:
            raise ProductNotFound(f"no product {product_id!r} for sale")
        return product

    def _cycle_of(self, customer_id: str, product_id: str, now: datetime) -> Cycle:
        with self._db.read() as session:
            purchases = purchases_of(session, [customer_id], until=now)
        cycle = cycles.purchase_cycles(purchases, until=now).get((customer_id, product_id))
        if cycle is None:
            raise NoPurchaseCycle(
                f"you have not bought {product_id} twice yet: choose an interval in days",
                product_id=product_id,
            )
        return cycle

    @staticmethod
    def _owned(session: Session, customer_id: str, subscription_id: str) -> Subscription:
        row = session.get(SubscriptionRow, subscription_id)
        if row is None or row.customer_id != customer_id:
            raise SubscriptionNotFound(f"you have no subscription {subscription_id!r}")
        return subscription_of(row)


def _failure(outcome: Outcome | None) -> str | None:
    if outcome is None or outcome.result is not Result.FAILED:
        return None
    return f"{outcome.code}: {outcome.reason}"[:300]


def _title(product: Product) -> str:
    return product.title_en or product.title_ko


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
