"""Prime in the twin: who joins, how members buy, who renews. The membership itself is the
platform's (``baro.commerce.prime``): customers join through ``Prime.join`` with the
sandbox gateway and an idempotency key, renewals are charged by the platform's renewal job
(``Prime.renew``, what each tick of ``baro.jobs`` runs) on the simulated clock, and members'
orders get the free fast delivery from the order path (``baro.commerce.orders.benefits``).

What is modelled here, every number in ``PrimeModel`` (an assumption unless it names a
source):

- **Joining.** At each of their orders in the data set, a customer without a membership is
  offered Prime and joins with probability ``1 - exp(-h)``, where the hazard ``h`` rises
  with how often they bought in the last 90 days and with the delivery fees they paid so far
  (as a share of the plan's price). A customer joins once in a run.
- **Buying more often.** A member buys ``uplift`` times as often as they did before joining
  (MISSION.md, seed capability 2: "members buy 2–3x as often"; 2.5 is its middle). Their
  orders in the data set go on as they were; the difference is added as extra orders at
  ``(uplift - 1)`` times their own pre-join rate (their orders in the ``rate_window``
  before joining), each a copy of one of their own earlier baskets at that basket's time of
  day. The extra orders stop when the membership ends or the replay does.
- **Faster delivery.** Members with free fast delivery ask for it: ``fast_share`` of them
  set same-day as their preferred option on joining (the promise gives it where it holds,
  the fastest free option elsewhere) and drop it when the membership ends.
- **Renewing.** A day before each charge (the trial's end, then each period's), a member
  stays with probability ``trial_conversion`` (after the free trial) or ``renewal`` (after a
  paid period), else cancels through ``Prime.cancel`` (refunded by its rule).

The price is the platform's: the plan's price in the replay's currency in force at the
replay's start, or, for a replay before the plans' first prices (2018-05-11), that first
price brought forward to the replay's start.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import simpy

from baro.commerce.customers import Principal
from baro.commerce.orders import Order
from baro.commerce.prime import Prime, PrimeSettings
from baro.core.errors import DomainError
from baro.core.money import Money
from baro.twin.engine import TwinWorld
from baro.twin.replay import ReplayData

DAY = timedelta(days=1)
RECENT = timedelta(days=90)  # "how often they buy" for the joining hazard
SAME_DAY = "same_day"
WITH_PRIME, WITHOUT_PRIME = "(with Prime)", "(without Prime)"  # the arms' names, after the policy


@dataclass(frozen=True)
class PrimeModel:
    """The membership model's parameters (see the module). Checked on construction."""

    plan: str = "yearly"  # the seed's yearly fee (migration 0015's plans)
    # Joining hazard per order: base + per recent order + per fee paid / plan price.
    join_base: float = 0.02
    join_per_recent_order: float = 0.01
    join_per_fee_share: float = 1.0
    # MISSION.md (seed capability 2): members buy 2-3x as often; 2.5 is the middle.
    uplift: float = 2.5
    rate_window: timedelta = timedelta(days=365)  # the pre-join rate looks this far back
    fast_share: float = 0.5  # members who ask for same-day delivery (free to them)
    trial_conversion: float = 0.7  # stay after the free trial
    renewal: float = 0.9  # stay after a paid period
    # Contribution margin on goods before shipping: no data set here has a cost of goods.
    goods_margin: float = 0.30
    renew_every: timedelta = timedelta(hours=6)  # how often the renewal job runs

    def __post_init__(self) -> None:
        for name in ("fast_share", "trial_conversion", "renewal", "goods_margin"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} is a probability or share in [0, 1], got {value}")
        for name in ("join_base", "join_per_recent_order", "join_per_fee_share"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} is a hazard, never negative")
        if self.uplift < 1.0:
            raise ValueError(f"uplift is at least 1 (members buy no less), got {self.uplift}")
        if self.rate_window < DAY or self.renew_every <= timedelta(0):
            raise ValueError("rate_window is at least a day and renew_every positive")

    def join_probability(self, recent_orders: int, fee_share: float) -> float:
        hazard = (
            self.join_base
            + self.join_per_recent_order * recent_orders
            + self.join_per_fee_share * fee_share
        )
        return 1.0 - math.exp(-hazard)

    def describe(self) -> dict[str, object]:
        return {
            "plan": self.plan,
            "join_hazard": f"{self.join_base} + {self.join_per_recent_order} x orders in the "
            f"last {RECENT.days} days + {self.join_per_fee_share} x delivery fees paid / plan "
            "price, per order (probability 1 - exp(-hazard))",
            "uplift": self.uplift,
            "uplift_source": "assumption: MISSION.md seed capability 2, members buy 2-3x as often",
            "rate_window_days": self.rate_window.days,
            "fast_share": self.fast_share,
            "trial_conversion": self.trial_conversion,
            "renewal": self.renewal,
            "goods_margin": self.goods_margin,
            "renew_every_h": self.renew_every.total_seconds() / 3600,
        }


@dataclass
class _Customer:
    """One customer as the model sees them: their data set orders so far (time, basket)."""

    orders: list[tuple[datetime, str]] = field(default_factory=list)
    fees_paid: int = 0
    joined_at: datetime | None = None
    pre_join_per_day: float = 0.0
    member: bool = False


@dataclass(frozen=True)
class MemberRecord:
    """A member of the run: when they joined and how often they bought before."""

    customer_id: str
    joined_at: datetime
    pre_join_per_day: float


class PrimeArm:
    """The run with Prime: attached to ``run_twin`` as its ``behaviour`` (``TwinWorld``)."""

    def __init__(
        self, model: PrimeModel, replay: ReplayData, history: ReplayData, *, seed: int
    ) -> None:
        self.model = model
        self._rng = np.random.default_rng([seed, 7])
        self._baskets = _baskets(replay, history)
        stocked = set(replay.lines["product_id"].to_list())
        # A copy only of what the replay's world sells: a product only the history sold may
        # have no stock anywhere in the run.
        self._copyable = {
            order_id: [(p, q) for p, q in lines if p in stocked]
            for order_id, lines in self._baskets.items()
        }
        self._customers: dict[str, _Customer] = defaultdict(_Customer)
        for key, at, order_id in history.orders.select(
            "customer_key", "purchased_at", "order_id"
        ).iter_rows():
            self._customers[key].orders.append((at, order_id))
        starts = [f.orders["purchased_at"].min() for f in (history, replay) if f.orders.height]
        self._data_start: datetime = min(starts)  # type: ignore[type-var, assignment]
        self.members: list[MemberRecord] = []
        self.failed_joins: dict[str, int] = {}
        self._world: TwinWorld | None = None
        self._price: Money | None = None

    # the engine's calls ------------------------------------------------------------------

    def start(self, world: TwinWorld) -> None:
        self._world = world
        self._price = _launch_price(world, self.model.plan)
        world.env.process(self._renewal_job(world))

    def buyer(self, customer_key: str, principal: Principal) -> Principal:
        """A customer who ever joined is read again: joining, renewing and cancelling
        change the benefits their orders get."""
        if self._customers[customer_key].joined_at is None or principal.customer_id is None:
            return principal
        world = self._require_world()
        return world.platform.customers.principals_of([principal.customer_id])[
            principal.customer_id
        ]

    def placed(self, customer_key: str, order: Order, source_order_id: str | None) -> None:
        """A data set order was placed (None: one of the members' extra orders)."""
        if source_order_id is None:
            return
        customer = self._customers[customer_key]
        customer.orders.append((order.placed_at, source_order_id))
        customer.fees_paid += order.delivery_fee.minor
        if customer.joined_at is not None:
            return
        world = self._require_world()
        assert self._price is not None
        recent = sum(1 for at, _ in customer.orders if at > order.placed_at - RECENT)
        chance = self.model.join_probability(recent, customer.fees_paid / self._price.minor)
        if self._rng.random() < chance:
            self._join(world, customer_key, order.customer_id, customer)

    # the member's life -------------------------------------------------------------------

    def _join(self, world: TwinWorld, key: str, customer_id: str, customer: _Customer) -> None:
        assert self._price is not None
        now = world.clock.now()
        try:
            world.platform.prime.join(
                customer_id, self.model.plan, self._price.currency, idempotency_key=f"twin:{key}"
            )
        except DomainError as error:
            self.failed_joins[error.code] = self.failed_joins.get(error.code, 0) + 1
            return
        customer.joined_at, customer.member = now, True
        customer.pre_join_per_day = self._pre_join_rate(customer, now)
        self.members.append(MemberRecord(customer_id, now, customer.pre_join_per_day))
        if self._rng.random() < self.model.fast_share:
            world.platform.customers.set_delivery_preference(customer_id, SAME_DAY)
        world.env.process(self._renewals(world, key, customer_id, customer))
        world.env.process(self._extra_orders(world, key, customer))

    def _pre_join_rate(self, customer: _Customer, now: datetime) -> float:
        since = max(self._data_start, now - self.model.rate_window)
        days = max((now - since) / DAY, 1.0)
        return sum(1 for at, _ in customer.orders if since <= at < now) / days

    def _renewals(
        self, world: TwinWorld, key: str, customer_id: str, customer: _Customer
    ) -> simpy.events.ProcessGenerator:
        """Before each charge, stay or cancel; the charge itself is the renewal job's."""
        decided: datetime | None = None
        while True:
            view = world.platform.prime.view(customer_id)
            membership = view.membership if view else None
            if membership is None or not membership.open or membership.next_charge_at is None:
                break
            if membership.next_charge_at == decided:  # not charged yet: decided already
                return
            decided = membership.next_charge_at
            decide_at = membership.next_charge_at - DAY
            if decide_at >= world.end:
                return
            yield world.env.timeout(world.clock.seconds_until(decide_at))
            stay = self.model.trial_conversion if membership.period == 0 else self.model.renewal
            if self._rng.random() >= stay:
                world.platform.prime.cancel(customer_id)
                break
            after = membership.next_charge_at + self.model.renew_every
            yield world.env.timeout(world.clock.seconds_until(after))
            # The renewal job stops with the replay: a charge it did not take is no second
            # decision (the member decided once for this period).
            if world.clock.now() >= world.end:
                return
        customer.member = False
        world.platform.customers.set_delivery_preference(customer_id, None)

    def _extra_orders(
        self, world: TwinWorld, key: str, customer: _Customer
    ) -> simpy.events.ProcessGenerator:
        """The orders the uplift adds: at ``(uplift - 1)`` times the pre-join rate, each a
        copy of one of the customer's earlier baskets, at that basket's time of day."""
        rate = (self.model.uplift - 1.0) * customer.pre_join_per_day
        if rate <= 0:
            return
        at = world.clock.now()
        while True:
            at += DAY * float(self._rng.exponential(1.0 / rate))
            earlier = [o for o in customer.orders if self._copyable.get(o[1])]
            if not earlier:
                return
            when, basket = earlier[int(self._rng.integers(len(earlier)))]
            # Rounded to the minute: the clock's seconds since the epoch are floats.
            moment = at.replace(hour=when.hour, minute=when.minute, second=0, microsecond=0)
            if moment >= world.end:
                return
            yield world.env.timeout(world.clock.seconds_until(moment))
            if not customer.member:
                return
            world.place(key, world.clock.now(), self._copyable[basket])

    def _renewal_job(self, world: TwinWorld) -> simpy.events.ProcessGenerator:
        """The platform's renewal run, as its ticks run it, until the replay ends (the
        rest of a tick, drones and lockers, is the twin's own stages)."""
        while world.clock.now() < world.end:
            yield world.env.timeout(self.model.renew_every.total_seconds())
            world.platform.prime.renew()

    def _require_world(self) -> TwinWorld:
        if self._world is None:
            raise RuntimeError("the Prime arm is used before the twin started it")
        return self._world


def _launch_price(world: TwinWorld, plan_id: str) -> Money:
    """The plan's price in the replay's currency at the replay's start (see the module);
    announced through the platform with no notice, as a shop launching Prime would."""
    now = world.clock.now()
    currency = world.platform.settings.currency
    offer = next((o for o in world.platform.prime.plans() if o.plan.id == plan_id), None)
    if offer is None:
        raise ValueError(f"the platform has no Prime plan {plan_id!r}")
    in_force = next((p for p in offer.prices if p.currency == currency), None)
    if in_force is not None:
        return in_force
    first = next((p for p in offer.upcoming if p.amount.currency == currency), None)
    if first is None:
        raise ValueError(f"Prime plan {plan_id!r} has no price in {currency}")
    launch = Prime(
        world.platform.db,
        world.clock,
        world.platform.gateway,
        world.platform.customers,
        world.platform.notifications,
        PrimeSettings(price_notice=timedelta(0)),
    )
    launch.announce_price(plan_id, first.amount, now)
    return first.amount


def _baskets(replay: ReplayData, history: ReplayData) -> dict[str, list[tuple[str, int]]]:
    lines = pl.concat([history.lines, replay.lines]).select("order_id", "product_id", "quantity")
    baskets: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for order_id, product, quantity in lines.iter_rows():
        baskets[order_id].append((product, int(quantity)))
    return dict(baskets)


def members_frame(members: Sequence[MemberRecord]) -> pl.DataFrame:
    """customer_id, joined_at, pre_join_per_day: the run's members as they joined."""
    return pl.DataFrame(
        [(m.customer_id, m.joined_at, m.pre_join_per_day) for m in members],
        schema={
            "customer_id": pl.String,
            "joined_at": pl.Datetime("us", "UTC"),
            "pre_join_per_day": pl.Float64,
        },
        orient="row",
    )
