"""Subscriptions to a product that arrives when needed: what they are, how they change, what
a run made of each one, and the errors a customer or a run may meet. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from baro.core.errors import Conflict, InvalidRequest, NotFound, Unavailable
from baro.core.money import Money

MAX_INTERVAL_DAYS = 366
MAX_QUANTITY = 99
INTELLIGENCE_HINT = "pip install 'baro[intelligence]'"


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class InvalidSubscription(InvalidRequest):
    code = "invalid_subscription"


class AlreadySubscribed(Conflict):
    code = "already_subscribed"


class SubscriptionClosed(Conflict):
    """A cancelled subscription does not come back: subscribe again instead."""

    code = "subscription_closed"


class NoPurchaseCycle(Conflict):
    """ "From my purchase cycle" needs a cycle: the product bought at least twice."""

    code = "no_purchase_cycle"


class CycleModelUnavailable(Unavailable):
    """Purchase cycles are computed by ``baro.intelligence`` (Polars), an optional extra."""

    code = "cycle_model_unavailable"


class Status(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"


# Which status each customer action leads to, from which (a literal table, tested as such).
MOVES: dict[str, dict[Status, Status]] = {
    "pause": {Status.ACTIVE: Status.PAUSED, Status.PAUSED: Status.PAUSED},
    "resume": {Status.PAUSED: Status.ACTIVE, Status.ACTIVE: Status.ACTIVE},
    "cancel": {
        Status.ACTIVE: Status.CANCELLED,
        Status.PAUSED: Status.CANCELLED,
        Status.CANCELLED: Status.CANCELLED,
    },
}


def moved(status: Status, action: str) -> Status:
    """The status after ``action``; ``SubscriptionClosed`` where the table has no move."""
    after = MOVES[action].get(status)
    if after is None:
        raise SubscriptionClosed(f"the subscription is {status.value}: it cannot {action}")
    return after


@dataclass(frozen=True)
class Subscription:
    """A product ordered for the customer every ``interval_days`` (or, with None, when their
    own purchase cycle says it is due). ``cycle`` numbers the order it waits for, from 1."""

    id: str
    customer_id: str
    product_id: str
    quantity: int
    interval_days: int | None
    status: Status
    cycle: int
    next_due_at: datetime
    created_at: datetime
    last_order_id: str | None = None
    last_failure: str | None = None
    last_attempt_at: datetime | None = None

    @property
    def from_cycle(self) -> bool:
        return self.interval_days is None


def check_terms(quantity: int, interval_days: int | None) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidSubscription(
            f"a subscription orders 1 to {MAX_QUANTITY} units, got {quantity}", field="quantity"
        )
    if interval_days is not None and not 1 <= interval_days <= MAX_INTERVAL_DAYS:
        raise InvalidSubscription(
            f"the interval is 1 to {MAX_INTERVAL_DAYS} days, got {interval_days}",
            field="interval_days",
        )


@dataclass(frozen=True)
class Cycle:
    """When a customer buys a product again, read from their history: the median interval
    and the expected next day with its 80 % range."""

    customer_id: str
    product_id: str
    purchases: int
    last_bought: date
    interval_days: float
    expected_next: date
    earliest: date
    latest: date

    @property
    def regular(self) -> bool:
        """Bought at least three times, and the 80 % range no wider than one interval: a
        cycle worth suggesting (a product bought at random is not)."""
        spread = (self.latest - self.earliest).days
        return self.purchases >= 3 and spread <= max(self.interval_days, 1.0)


@dataclass(frozen=True)
class Suggestion:
    """A product the customer buys on a regular cycle and does not subscribe to yet: shown,
    never ordered without their opt-in."""

    product_id: str
    title: str
    price: Money
    cycle: Cycle


class Result(StrEnum):
    PLACED = "placed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """What one run made of one due subscription."""

    subscription: Subscription
    result: Result
    reason: str = ""  # skipped or failed: why, for a person
    code: str = ""  # failed: the error's stable code
    order_id: str | None = None
    total: Money | None = None
    next_due_at: datetime | None = None


@dataclass(frozen=True)
class RunReport:
    at: datetime
    outcomes: tuple[Outcome, ...]

    def of(self, result: Result) -> list[Outcome]:
        return [o for o in self.outcomes if o.result is result]


@dataclass(frozen=True)
class PlacedForYou:
    """An order a subscription placed: which one, for which cycle, when."""

    subscription_id: str
    cycle: int
    order_id: str
    customer_id: str
    product_id: str
    placed_at: datetime
