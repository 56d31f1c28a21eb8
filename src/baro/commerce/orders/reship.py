"""Re-ship a lost parcel, trusting the customer: they say it never arrived, and a new
order with the same lines leaves at once, free of charge, placed by the same ``Placer``
as every other order (stock reserved from where it is, the promise chosen, the outbox
written). The lost order is marked ``lost`` in the same transaction as the new order is
written, so neither exists without the other.

Abuse limit (``TrustPolicy``): at most ``max_reships`` re-ships per customer in any
``period``; the customer's row is locked while counting, so two reports at once cannot
both slip under the limit. One re-ship per lost order is held three times: the request's
idempotency key is derived from the order (``reship:<order id>``), the lost order must
still be shipped or delivered under its row lock, and ``orders.reship_of`` is unique.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from baro.commerce.customers import Forbidden, Principal
from baro.commerce.customers.repository import AddressRow, CustomerRow
from baro.commerce.orders import repository
from baro.commerce.orders.domain import Order, OrderStatus
from baro.commerce.orders.placement import Attempt, Buyer, Placement, Placer
from baro.commerce.orders.repository import OrderRow
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.errors import Conflict
from baro.core.events import record
from baro.core.idempotency import IdempotencyKeyInFlight, IdempotentRequest
from baro.core.money import Money
from baro.network import Line

LOSABLE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


class NotLosable(Conflict):
    """Only a parcel on its way or delivered can be lost."""

    code = "order_not_losable"


class ReshipLimitReached(Conflict):
    code = "reship_limit_reached"


@dataclass(frozen=True)
class TrustPolicy:
    max_reships: int = 2
    period: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class ReshipFigures:
    """For the twin's report: how many re-ships, and the goods given away (the lost
    orders' value, per currency)."""

    reships: int
    cost: tuple[Money, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "reships": self.reships,
            "cost": [{"minor": m.minor, "currency": m.currency} for m in self.cost],
        }


class Reships:
    def __init__(self, db: Database, clock: Clock, placer: Placer, policy: TrustPolicy) -> None:
        self._db, self._clock, self._placer, self.policy = db, clock, placer, policy

    def report_lost(self, principal: Principal, order_id: str) -> Placement:
        """The customer's report: the re-ship (a replay if this order was already
        re-shipped), or a refusal that names the limit or the order's state."""
        customer_id = principal.customer_id
        if customer_id is None:
            raise Forbidden("a customer reports their own parcel lost")
        with self._db.read() as session:
            lost = repository.load(session, order_id, customer_id=customer_id)
            if lost.status is OrderStatus.LOST:
                return Placement(_reship_of(session, lost.id), replayed=True)
            _check_losable(lost)
            address = session.get(AddressRow, lost.address_id)
            assert address is not None, "an order's address is kept (foreign key)"
        buyer = Buyer(customer_id, address.id, address.lat, address.lng,
                      lost.payment_method_id, card_token="")  # fmt: skip
        lines = _merged(lost)
        key = IdempotentRequest.of(customer_id, f"reship:{lost.id}", "reship", order_id=lost.id)
        attempt = Attempt(
            key, buyer, lines, reship_of=lost.id, before_write=self._mark_lost(customer_id, lost.id)
        )
        self._placer.place([attempt])
        outcome = attempt.outcome
        if isinstance(outcome, IdempotencyKeyInFlight):
            raise NotLosable(
                f"order {lost.id} is being re-shipped by another request right now",
                order_status=OrderStatus.LOST.value,
            )
        if isinstance(outcome, Exception):
            raise outcome
        assert outcome is not None
        return outcome

    def _mark_lost(self, customer_id: str, lost_id: str) -> Callable[[Session, Order], None]:
        def mark(session: Session, reship: Order) -> None:
            now = self._clock.now()
            session.execute(  # the customer's lock: their re-ships are counted one at a time
                select(CustomerRow.id).where(CustomerRow.id == customer_id).with_for_update()
            ).one()
            used, oldest = self._used(session, customer_id, now)
            if used >= self.policy.max_reships:
                assert oldest is not None
                raise ReshipLimitReached(
                    f"{used} parcels re-shipped for free in the last "
                    f"{self.policy.period.days} days, the most we re-ship without a "
                    "review; contact support, or wait",
                    limit=self.policy.max_reships,
                    period_days=self.policy.period.days,
                    used=used,
                    next_allowed_at=(oldest + self.policy.period).isoformat(),
                )
            lost = repository.load(session, lost_id, customer_id=customer_id, for_update=True)
            _check_losable(lost)
            before = lost.status
            lost.mark_lost(now, reship.id)
            if not repository.save(session, lost, expected=before):
                raise NotLosable(f"order {lost_id} changed meanwhile; try again")
            record(session, lost.pull_events())

        return mark

    def _used(
        self, session: Session, customer_id: str, now: datetime
    ) -> tuple[int, datetime | None]:
        since = now - self.policy.period
        count, oldest = session.execute(
            select(func.count(), func.min(OrderRow.placed_at)).where(
                OrderRow.customer_id == customer_id,
                OrderRow.reship_of.is_not(None),
                OrderRow.placed_at > since,
            )
        ).one()
        return int(count), oldest

    def figures(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> ReshipFigures:
        """Re-ships placed in [since, until), and the value of the orders they replaced."""
        lost = aliased(OrderRow)
        query = (
            select(lost.currency, func.count(), func.coalesce(func.sum(lost.total_minor), 0))
            .select_from(OrderRow)
            .join(lost, lost.id == OrderRow.reship_of)
            .group_by(lost.currency)
            .order_by(lost.currency)
        )
        if since is not None:
            query = query.where(OrderRow.placed_at >= since)
        if until is not None:
            query = query.where(OrderRow.placed_at < until)
        with self._db.read() as session:
            rows = session.execute(query).all()
        return ReshipFigures(
            sum(int(r[1]) for r in rows), tuple(Money(int(r[2]), r[0]) for r in rows)
        )


def _check_losable(order: Order) -> None:
    if order.status not in LOSABLE:
        raise NotLosable(
            f"order {order.id} is {order.status.value}; only a shipped or delivered parcel "
            "can be reported lost",
            order_status=order.status.value,
            losable=sorted(s.value for s in LOSABLE),
        )


def _merged(order: Order) -> tuple[Line, ...]:
    quantities: dict[str, int] = {}
    for line in order.lines:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    return tuple(Line(p, q) for p, q in quantities.items())


def _reship_of(session: Session, lost_id: str) -> Order:
    row = session.execute(select(OrderRow.id).where(OrderRow.reship_of == lost_id)).first()
    if row is None:
        raise NotLosable(f"order {lost_id} is lost, and was not re-shipped by baro")
    return repository.load(session, row.id, customer_id=None)
