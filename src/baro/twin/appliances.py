"""Appliances that reorder their own consumables, for a simulated year: does the consumable
arrive before the appliance runs dry, and not long before?

The world: households with one appliance each (a washing machine's detergent, a fridge's
water filter, a printer's toner), claimed by a customer of a seeded world with a default
address and card. Each household uses its consumable at its own pace (``days_per_unit``:
how long one lasts on average, drawn per household), day by day with noise: a day's use is
Gamma-distributed around the household's mean (``daily_cv``), heavier at weekends, and some
days nobody is home. A delivered consumable waits on the shelf and goes in when the one in
use runs dry.

Every simulated morning each appliance reports its level; the scenario hands the readings
to an ``ApplianceLink`` (``baro simulate --scenario appliances`` wires the real one: signed
MQTT messages through the broker to the platform's bridge, which reorders through the
spine's 1-Click path). An order arrives at a moment drawn inside its promised delivery
window; it is marked delivered on the platform at the next morning, which frees the slot's
in-progress guard. Time is SimPy's (``SimPyClock``), shared with the platform, so the
bridge's checks see the simulated time.

Measured per appliance: days without the consumable (dry: used up, none on the shelf), the
orders placed for it; per consumable that went in: how many days before it was needed it
arrived (negative: it came after the appliance ran dry).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import simpy

from baro.commerce.catalog import Dimensions, Product
from baro.commerce.orders import OrderStatus
from baro.core.ids import new_id
from baro.core.money import Money
from baro.network import list_facilities, receive
from baro.platform import Platform
from baro.twin.clock import SimPyClock

DAY = 86_400.0
STOCKED = 1_000_000  # units of each consumable at each centre: the scenario is about timing
MORNING = timedelta(hours=8)
TO_DOOR = (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class Consumable:
    sku: str
    title: str
    price_minor: int
    days_per_unit: tuple[float, float]  # how long one lasts, drawn per household in this range


CONSUMABLES = (
    Consumable("DET-2L", "Laundry detergent 2 L", 3_990, (20.0, 45.0)),
    Consumable("FILTER-W", "Fridge water filter", 8_990, (45.0, 90.0)),
    Consumable("TONER-K", "Printer toner, black", 12_990, (30.0, 75.0)),
)


@dataclass(frozen=True)
class ApplianceScenario:
    devices: int = 500
    days: int = 365
    seed: int = 7
    daily_cv: float = 0.5  # a day's use: its standard deviation over its mean
    away_share: float = 0.05  # days nobody uses the appliance
    weekend_factor: float = 1.3  # more washing, more printing at weekends

    def __post_init__(self) -> None:
        if not 1 <= self.devices <= 100_000:
            raise ValueError(f"devices must be between 1 and 100,000, got {self.devices}")
        if not 1 <= self.days <= 3_650:
            raise ValueError(f"days must be between 1 and 3,650, got {self.days}")
        if not 0 <= self.daily_cv <= 3 or not 0 <= self.away_share < 1:
            raise ValueError("daily_cv is in [0, 3] and away_share in [0, 1)")


@dataclass(frozen=True)
class Enrolled:
    device_id: str
    customer_id: str
    product_id: str


class ApplianceLink(Protocol):
    """How the scenario's appliances reach the platform."""

    def enrol(self, homes: Sequence[tuple[str, str]]) -> list[str]:
        """A claimed appliance with one slot (``main``, capacity 1) for each (customer,
        product); their device ids, in order."""
        ...

    def report(self, readings: Sequence[tuple[str, float, datetime]]) -> None:
        """Each (device, level, time) sent as telemetry; returns once the platform acted."""
        ...

    def open_orders(self, device_ids: Sequence[str]) -> dict[str, str]:
        """Each device's open order (the last its slot placed, until delivered)."""
        ...


@dataclass
class Household:
    device_id: str
    days_per_unit: float
    level: float
    shelf: list[float] = field(default_factory=list)  # arrival times (s) of spares
    dry_since: float | None = None
    dry_days: float = 0.0
    orders: int = 0
    earliness: list[float] = field(default_factory=list)  # days, one per consumable used

    def use(self, start: float, end: float, amount: float) -> None:
        """Use ``amount`` evenly over [start, end] (seconds), taking spares off the shelf
        as the one in use runs dry."""
        rate = amount / (end - start) if amount > 0 else 0.0
        now = start
        while now < end:
            if self.dry_since is not None:
                arrived = next((t for t in self.shelf if t <= end), None)
                if arrived is None:
                    self.dry_days += (end - now) / DAY
                    return
                fitted = max(arrived, now)
                self.dry_days += (fitted - now) / DAY
                self.earliness.append(-(fitted - self.dry_since) / DAY)
                self.shelf.remove(arrived)
                self.level, self.dry_since, now = 1.0, None, fitted
                continue
            if rate == 0 or now + self.level / rate >= end:
                self.level -= rate * (end - now)
                return
            now += self.level / rate
            self.level = 0.0
            spare = next((t for t in self.shelf if t <= now), None)
            if spare is None:
                self.dry_since = now
            else:
                self.shelf.remove(spare)
                self.earliness.append((now - spare) / DAY)
                self.level = 1.0


@dataclass(frozen=True)
class ApplianceResult:
    households: list[Household]
    days: int
    orders: int
    telemetry_messages: int

    def metrics(self) -> dict[str, Any]:
        dry = [h.dry_days for h in self.households]
        early = [e for h in self.households for e in h.earliness]
        never_dry = sum(d == 0 for d in dry) / len(dry)
        more_than_week = sum(e > 7 for e in early) / len(early) if early else 0.0
        late = sum(e < 0 for e in early) / len(early) if early else 0.0
        return {
            "devices": len(self.households),
            "days": self.days,
            "telemetry_messages": self.telemetry_messages,
            "orders": self.orders,
            "orders_per_device": round(self.orders / len(self.households), 2),
            "never_dry_share": round(never_dry, 4),
            "dry_days_per_appliance": _summary(dry),
            "consumables_used": len(early),
            "arrived_days_before_needed": _summary(early),
            "arrived_more_than_7_days_early_share": round(more_than_week, 4),
            "arrived_late_share": round(late, 4),
            "targets": {
                "never_dry_share": {"target": ">= 0.95", "met": never_dry >= 0.95},
                "arrived_more_than_7_days_early_share": {
                    "target": "<= 0.05",
                    "met": more_than_week <= 0.05,
                },
            },
        }


def _summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "mean": round(sum(ordered) / len(ordered), 3),
        "p05": at(0.05),
        "p50": at(0.5),
        "p95": at(0.95),
        "max": round(ordered[-1], 3),
    }


def seed_consumables(platform: Platform) -> list[str]:
    """The consumables in the catalogue, stocked for a year at every centre."""
    products = [
        Product(
            id=new_id("prd"),
            sku=c.sku,
            title_ko=c.title,
            title_en=c.title,
            category="consumables",
            price=Money(c.price_minor, platform.settings.currency),
            weight_g=1_200,
            dimensions=Dimensions(25, 15, 10),
        )
        for c in CONSUMABLES
    ]
    platform.catalog.add(products)
    with platform.db.transaction() as session:
        for facility in list_facilities(session):
            for product in products:
                receive(session, facility.id, product.id, STOCKED)
    return [p.id for p in products]


def run_appliances(
    platform: Platform,
    env: simpy.Environment,
    link: ApplianceLink,
    scenario: ApplianceScenario,
    customers: Sequence[str],
    products: Sequence[str],
    *,
    progress: Callable[[int], None] = lambda _day: None,
) -> ApplianceResult:
    """The year, on ``env`` (whose clock the platform uses)."""
    assert isinstance(platform.clock, SimPyClock), "the platform runs on the scenario's clock"
    rng = random.Random(scenario.seed)
    kinds = [rng.randrange(len(products)) for _ in range(scenario.devices)]
    homes = [(customers[i % len(customers)], products[k]) for i, k in enumerate(kinds)]
    device_ids = link.enrol(homes)
    households = [
        Household(device, rng.uniform(*CONSUMABLES[k].days_per_unit), rng.uniform(0.3, 1.0))
        for device, k in zip(device_ids, kinds, strict=True)
    ]
    epoch = platform.clock.now() - timedelta(seconds=float(env.now))
    seen: set[str] = set()  # every order the appliances placed
    arriving: dict[str, float] = {}  # order id -> when it reaches the door (s)
    counts = {"orders": 0, "messages": 0}

    def morning() -> None:
        end = float(env.now)
        start = end - DAY
        for home in households:
            home.use(start, end, _day_use(rng, scenario, home, epoch, start))
        at = platform.clock.now()
        link.report([(h.device_id, round(h.level, 6), at) for h in households])
        counts["messages"] += len(households)
        for device, order_id in link.open_orders(device_ids).items():
            if order_id not in seen:
                seen.add(order_id)
                arriving[order_id] = _arrival(platform, order_id, rng, epoch)
                counts["orders"] += 1
                home = by_device[device]
                home.orders += 1
                home.shelf.append(arriving[order_id])
        _deliver_arrived(platform, arriving, end)

    by_device = {h.device_id: h for h in households}

    def days() -> Any:
        yield env.timeout(MORNING.total_seconds())
        for day in range(1, scenario.days + 1):
            yield env.timeout(DAY)
            morning()
            progress(day)

    env.process(days())
    env.run()
    return ApplianceResult(households, scenario.days, counts["orders"], counts["messages"])


def _day_use(
    rng: random.Random, scenario: ApplianceScenario, home: Household, epoch: datetime, at: float
) -> float:
    if rng.random() < scenario.away_share:
        return 0.0
    weekend = (epoch + timedelta(seconds=at)).weekday() >= 5
    # Weekdays a little lighter, so that a week's mean stays the household's.
    weekly = (5 + 2 * scenario.weekend_factor) / 7
    mean = (scenario.weekend_factor if weekend else 1.0) / weekly / home.days_per_unit
    mean /= 1 - scenario.away_share
    if scenario.daily_cv == 0:
        return mean
    shape = 1 / scenario.daily_cv**2
    return rng.gammavariate(shape, mean / shape)


def _arrival(platform: Platform, order_id: str, rng: random.Random, epoch: datetime) -> float:
    """When the order reaches the door: a moment inside its promised window."""
    order = platform.order_book.get(order_id)
    now = platform.clock.now()
    if order.delivery is None:
        start = end = now + timedelta(days=3)
    else:
        start, end = max(order.delivery.window_start, now), max(order.delivery.window_end, now)
    moment = start + (end - start) * rng.random()
    return (moment - epoch).total_seconds()


def _deliver_arrived(platform: Platform, arrivals: dict[str, float], until: float) -> None:
    """Orders whose parcel arrived since the last morning are delivered on the platform."""
    for order_id, at in list(arrivals.items()):
        if at <= until:
            platform.orders.advance(order_id, *TO_DOOR)
            del arrivals[order_id]
