"""Drones on the demo world's demand: how many drone-eligible orders reach the door within
30 minutes of the click, on the data set's mean day and its busiest day, with queueing at the
peaks, and at what multiple of that demand it breaks.

The world: a drone base beside each of the demo world's three fulfilment centres, in São
Paulo, Rio de Janeiro and Belo Horizonte (``baro demo`` without Olist's files; they are also
Olist's three largest cities by customers), 40 drones a base by default, no-fly zones around
the airports. Each order is checked with the platform's own eligibility (payload with
packaging, bay, drop zone, 16 km, no-fly zones, weather) and the eligible ones are flown by
the platform's dispatcher (FIFO, earliest-ready drone, battery charging while it waits) on
SimPy's clock. Click to door = picking and packing at the base (6 min) + waiting for a drone
+ the flight to the drop.

The demand (``Demand``), from data when there is data (``olist_demand``):

* **which orders:** Olist's orders whose customer lives within ``CATCHMENT_KM`` (50 km, the
  twin's van zone) of one of the world's centres: the centres' local catchment. Each
  simulated order is one of them drawn again (its customer's place, its items with their
  real weights and sizes), so the share that can fly is the data's.
* **how many:** in the period asked for (``--from``/``--to``, or the whole data set), the
  mean day (orders over calendar days, empty days included) and the busiest day. 1x is the
  mean day; the busiest day is run at its own multiple of it.
* **when:** clicks arrive as a Poisson process whose rate follows the period's orders by
  hour of the day (the data's clock hour), the same shape for the mean and the busiest day.
* **drop zones:** 80 % of customers set one (an assumption: no data set says who would).

Without the data set, the demand is an assumption, and the output says so: 1x = 5,000 orders
a day (a mid-size shop) over eight cities, shaped by ``HOURLY_PROFILE`` (lunch and evening
peaks), over the demo world's 100 generated customers and 1,000 generated products.

Where it breaks: the demand is multiplied 1, 2, 5, 10, 20, 50 … until fewer than 90 % of
the drone orders are at the door within 30 minutes, then bisected between the last multiple
that held and the first that failed. Run with ``baro bench drones --data-dir DIR --json FILE
--png FILE``.
"""

from __future__ import annotations

import io
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import simpy

from baro.delivery.drones import (
    FLIGHT,
    Base,
    DroneNotEligible,
    DronesGrounded,
    DroneState,
    FlightModel,
    Item,
    NoDropZone,
    assign,
    check,
)
from baro.twin.airports import AIRPORTS, airport_zones
from baro.twin.olist_catalogue import DEFAULT_SIZE
from baro.twin.world import WorldSpec, synthetic_geography, synthetic_products

GOAL = timedelta(minutes=30)
TARGET_SHARE = 0.90
DAY_START = datetime(2026, 11, 25, tzinfo=UTC)
CATCHMENT_KM = 50.0  # a centre's local area: the twin's van zone (delivery.RoutedSettings)
SYNTHETIC_ORDERS_PER_DAY = 5_000  # the assumption when there is no data
MAX_ORDERS_PER_DAY = 500_000  # the curve of multiples stops here, broken or not
REFINE_STEPS = 4  # bisections between the last multiple that held and the first that failed
MAX_DRONES_PER_BASE = 1_024  # the fleet search gives up beyond this
EARTH_KM = 6371.0088
OLIST_ZONE = "America/Sao_Paulo"  # Olist's clocks: its days and hours are Brazil's
# The assumed day's shape (synthetic demand only): quiet nights, a lunch and an evening peak.
HOURLY_PROFILE: Sequence[float] = (
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.5,
    1.8, 1.7, 1.3, 1.2, 1.2, 1.4, 1.8, 2.2, 2.3, 2.0, 1.3, 0.6,
)  # fmt: skip


@dataclass(frozen=True)
class DroneScenario:
    drones_per_base: int = 40
    # Demand multiples for the curve; empty: 1, 2, 5, 10, … until it breaks.
    multipliers: tuple[float, ...] = ()
    handling: timedelta = timedelta(minutes=6)  # pick and pack at the base
    drop_zone_share: float = 0.8  # customers who set a drop zone
    seed: int = 7
    world: WorldSpec = field(default_factory=lambda: WorldSpec(products=1_000))
    flight: FlightModel = FLIGHT

    def __post_init__(self) -> None:
        if self.drones_per_base < 1:
            raise ValueError("a base has at least one drone")
        if any(m <= 0 for m in self.multipliers):
            raise ValueError(f"demand multiples are above 0, got {self.multipliers}")


@dataclass(frozen=True)
class Basket:
    """One order of the data set, to be drawn again: who, where to, and what it holds."""

    customer: str
    lat: float
    lng: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Demand:
    """The world's orders a day and their shape over the day, measured or assumed.

    source: "olist" (measured, ``demand_from_orders``) or "synthetic" (assumed). hourly: 24
    relative rates (mean 1) of the clicks by hour. baskets: the orders to draw again (empty:
    the generated customers and products)."""

    source: str
    mean_per_day: float
    hourly: tuple[float, ...]
    peak_per_day: int | None = None
    peak_day: date | None = None
    first_day: date | None = None
    last_day: date | None = None
    days: int = 1
    orders: int = 0
    catchment_km: float | None = None
    all_orders: int | None = None  # the data set's orders in the period, anywhere
    baskets: tuple[Basket, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if len(self.hourly) != 24 or min(self.hourly) < 0 or sum(self.hourly) <= 0:
            raise ValueError("hourly: 24 rates, none negative, not all zero")
        if self.mean_per_day <= 0:
            raise ValueError("a demand of no orders has nothing to fly")

    @property
    def peak_multiple(self) -> float | None:
        return self.peak_per_day / self.mean_per_day if self.peak_per_day else None

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "note": self.note,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "days": self.days,
            "catchment_km": self.catchment_km,
            "orders_in_catchment": self.orders,
            "orders_anywhere": self.all_orders,
            "mean_orders_per_day": round(self.mean_per_day, 2),
            "peak_day": self.peak_day.isoformat() if self.peak_day else None,
            "peak_orders_per_day": self.peak_per_day,
            "peak_multiple_of_mean": round(self.peak_multiple, 2) if self.peak_multiple else None,
            "hourly_share": [round(h / sum(self.hourly), 4) for h in self.hourly],
        }


def synthetic_demand(
    orders_per_day: int = SYNTHETIC_ORDERS_PER_DAY, *, why: str = "a mid-size shop"
) -> Demand:
    """The assumption, for a world without data: no busiest day known."""
    return Demand(
        source="synthetic",
        mean_per_day=float(orders_per_day),
        hourly=_normalised(HOURLY_PROFILE),
        note=f"assumed, not measured ({why}): 1x = {orders_per_day:,} orders a day over the "
        "demo world's eight cities, with a lunch and an evening peak; no busiest day",
    )


def within_period(
    orders: pl.DataFrame, start: date | None, end: date | None, time_zone: str = "UTC"
) -> pl.DataFrame:
    """Orders bought in [start, end) (days on the clocks of ``time_zone``)."""
    day = pl.col("purchased_at").dt.convert_time_zone(time_zone).dt.date()
    if start is not None:
        orders = orders.filter(day >= start)
    if end is not None:
        orders = orders.filter(day < end)
    return orders


def in_catchment(
    orders: pl.DataFrame, centres: Sequence[tuple[float, float]], km: float = CATCHMENT_KM
) -> pl.DataFrame:
    """The orders (lat, lng: the customer's) within ``km`` of one of ``centres``."""
    if orders.height == 0 or not centres:
        return orders.head(0)
    lat = [math.radians(v) for v in orders["lat"].to_list()]
    lng = [math.radians(v) for v in orders["lng"].to_list()]
    near = [False] * len(lat)
    for c_lat, c_lng in centres:
        a, b = math.radians(c_lat), math.radians(c_lng)
        for i, (x, y) in enumerate(zip(lat, lng, strict=True)):
            if near[i]:
                continue
            h = math.sin((x - a) / 2) ** 2 + math.cos(x) * math.cos(a) * math.sin((y - b) / 2) ** 2
            near[i] = 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h))) <= km
    return orders.filter(pl.Series(near, dtype=pl.Boolean))


def demand_from_orders(
    orders: pl.DataFrame,
    *,
    start: date | None = None,
    end: date | None = None,
    source: str = "olist",
    catchment_km: float | None = None,
    all_orders: int | None = None,
    baskets: tuple[Basket, ...] = (),
    time_zone: str = "UTC",
) -> Demand:
    """The demand of ``orders`` (purchased_at: UTC instants; one row per order) in [start,
    end): orders over the period's calendar days (the days with no order count: from
    ``start``, or the first order's day, to the day before ``end``, or the last order's
    day), the busiest day, and the clicks' shape by hour of the day; days and hours on the
    clocks of ``time_zone`` (a shop's day is its customers')."""
    local = within_period(orders, start, end, time_zone).select(
        at=pl.col("purchased_at").dt.convert_time_zone(time_zone)
    )
    if local.height == 0:
        raise ValueError(f"no orders between {start or 'the start'} and {end or 'the end'}")
    first = start or local["at"].min().date()  # type: ignore[union-attr]
    last = (end - timedelta(days=1)) if end else local["at"].max().date()  # type: ignore[union-attr]
    days = (last - first).days + 1
    daily = (
        local.group_by(day=pl.col("at").dt.date())
        .agg(orders=pl.len())
        .sort(["orders", "day"], descending=[True, False])
    )
    peak_day, peak = daily.row(0)
    by_hour = dict(local.group_by(hour=pl.col("at").dt.hour()).agg(n=pl.len()).iter_rows())
    counts = [float(by_hour.get(h, 0)) for h in range(24)]
    where = f"within {catchment_km:g} km of the world's centres" if catchment_km else "in all"
    return Demand(
        source=source,
        mean_per_day=local.height / days,
        hourly=_normalised(counts),
        peak_per_day=int(peak),
        peak_day=peak_day,
        first_day=first,
        last_day=last,
        days=days,
        orders=local.height,
        catchment_km=catchment_km,
        all_orders=all_orders,
        baskets=baskets,
        note=f"measured: {source.title()}'s orders {where}, {first:%Y-%m-%d} to {last:%Y-%m-%d} "
        f"({days} days); 1x = the mean day, shaped by the period's orders by hour",
    )


def olist_demand(
    data_dir: Path | None,
    *,
    start: date | None = None,
    end: date | None = None,
    world: WorldSpec | None = None,
    catchment_km: float = CATCHMENT_KM,
) -> Demand:
    """Olist's orders around the world's centres as the world's demand (raises
    ``DatasetMissing`` when the files are not there)."""
    from baro.twin.replay import olist_replay

    replay = olist_replay(data_dir)
    located = replay.orders.select("order_id", "customer_key", "purchased_at").join(
        replay.customers.select("customer_key", "lat", "lng"), on="customer_key"
    )
    if located.height == 0:
        raise ValueError("the data set has no orders")
    # The period, unless asked: the data set's first to last day (not its catchment's).
    days = located["purchased_at"].dt.convert_time_zone(OLIST_ZONE).dt.date()
    first_day: date = days.min()  # type: ignore[assignment]
    last_day: date = days.max()  # type: ignore[assignment]
    start = start or first_day
    end = end or last_day + timedelta(days=1)
    sites, _ = synthetic_geography(world or WorldSpec(), random.Random(0))
    near = within_period(
        in_catchment(located, [(s.lat, s.lng) for s in sites], catchment_km),
        start,
        end,
        OLIST_ZONE,
    )
    return demand_from_orders(
        near,
        start=start,
        end=end,
        source="olist",
        catchment_km=catchment_km,
        all_orders=within_period(located, start, end, OLIST_ZONE).height,
        baskets=_baskets(near, replay.lines, replay.products),
        time_zone=OLIST_ZONE,
    )


def world_demand(
    data_dir: Path | None,
    *,
    start: date | None = None,
    end: date | None = None,
    orders_per_day: int | None = None,
) -> Demand:
    """The demand to fly: ``orders_per_day`` if given (an assumption asked for), else
    Olist's orders when its files are under ``data_dir``, else the assumption of
    ``SYNTHETIC_ORDERS_PER_DAY``; the demand's ``source`` and ``note`` say which."""
    from baro.datasets import DatasetMissing

    if orders_per_day is not None:
        return synthetic_demand(orders_per_day, why="--orders-per-day")
    try:
        return olist_demand(data_dir, start=start, end=end)
    except DatasetMissing:
        return synthetic_demand(why=f"no Olist orders under {data_dir}; a mid-size shop")


def _baskets(
    orders: pl.DataFrame, lines: pl.DataFrame, products: pl.DataFrame
) -> tuple[Basket, ...]:
    """Each order's place and items (sizes the data set lacks: ``DEFAULT_SIZE``)."""
    sizes = products.select("product_id", *DEFAULT_SIZE)
    items = (
        lines.join(orders.select("order_id"), on="order_id", how="semi")
        .join(sizes, on="product_id", how="left")
        .with_columns(**{k: pl.col(k).fill_null(v).cast(pl.Int64) for k, v in DEFAULT_SIZE.items()})
        .sort("order_id", "product_id")
    )
    held: dict[str, list[Item]] = {}
    for row in items.iter_rows(named=True):
        item = Item(row["product_id"], row["weight_g"], row["length_cm"], row["width_cm"],
                    row["height_cm"], int(row["quantity"]))  # fmt: skip
        held.setdefault(row["order_id"], []).append(item)
    return tuple(
        Basket(row["customer_key"], row["lat"], row["lng"], tuple(held[row["order_id"]]))
        for row in orders.sort("order_id").iter_rows(named=True)
        if row["order_id"] in held
    )


def _normalised(weights: Sequence[float]) -> tuple[float, ...]:
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


@dataclass
class Outcome:
    multiplier: float
    orders_per_day: float  # the rate asked for (the day's clicks are a Poisson draw of it)
    orders: int
    eligible: int
    within_goal: int
    share_within_goal: float
    click_to_door_p50_min: float
    click_to_door_p90_min: float
    click_to_door_max_min: float
    wait_p90_min: float
    wait_max_min: float
    peak_queue: int
    sorties_per_drone: float
    drone_busy_share: float
    refused: dict[str, int]
    # Per base: drone orders, and the share of them within the goal (where it breaks first).
    by_base: dict[str, dict[str, float]]

    @property
    def holds(self) -> bool:
        return self.share_within_goal >= TARGET_SHARE


@dataclass(frozen=True)
class _Customer:
    id: str
    drop_zone: tuple[float, float] | None


def _bases(scenario: DroneScenario) -> list[Base]:
    sites, _ = synthetic_geography(scenario.world, random.Random(scenario.world.seed))
    return [Base(f"base{n}", s.name.replace("FC", "Drone base"), s.lat, s.lng)
            for n, s in enumerate(sites, 1)]  # fmt: skip


def _world(scenario: DroneScenario) -> tuple[list[Base], list[_Customer], list[Item]]:
    rng = random.Random(scenario.world.seed)
    products = synthetic_products(scenario.world.products, "BRL", rng)
    _, homes = synthetic_geography(scenario.world, rng)
    zones = random.Random(scenario.seed)
    customers = [
        _Customer(f"c{n}", (h.lat, h.lng) if zones.random() < scenario.drop_zone_share else None)
        for n, h in enumerate(homes, 1)
    ]
    items = [
        Item(p.id, p.weight_g, p.dimensions.length_cm, p.dimensions.width_cm,
             p.dimensions.height_cm)
        for p in products
    ]  # fmt: skip
    return _bases(scenario), customers, items


def _arrivals(per_day: float, hourly: Sequence[float], rng: random.Random) -> list[float]:
    """Click times in minutes since midnight: a Poisson process whose rate follows the
    day's shape (``hourly``, mean 1), ``per_day`` clicks a day on average."""
    times = []
    for hour, weight in enumerate(hourly):
        per_min = per_day / (24 * 60) * weight
        if per_min <= 0:
            continue
        t = hour * 60.0
        while True:
            t += rng.expovariate(per_min)
            if t >= (hour + 1) * 60:
                break
            times.append(t)
    return times


def run_once(scenario: DroneScenario, demand: Demand, multiplier: float = 1.0) -> Outcome:
    """One day at ``multiplier`` times the demand's mean day."""
    bases, customers, items = _world(scenario) if not demand.baskets else (_bases(scenario), [], [])
    rng = random.Random(scenario.seed * 1_000 + round(multiplier * 100))
    zones = random.Random(scenario.seed)
    drop_zones = {  # a customer of the data set sets a drop zone, or not, once
        c: zones.random() < scenario.drop_zone_share
        for c in sorted({b.customer for b in demand.baskets})
    }
    flight = scenario.flight
    fleets: dict[str, dict[str, DroneState]] = {
        b.id: {
            f"{b.id}-d{k:02d}": DroneState(f"{b.id}-d{k:02d}", b.id, DAY_START)
            for k in range(scenario.drones_per_base)
        }
        for b in bases
    }
    env = simpy.Environment()
    click_to_door: list[float] = []
    waits: list[float] = []
    refused: dict[str, int] = {}
    per_base: dict[str, list[float]] = {b.name: [] for b in bases}
    queue = {"now": 0, "peak": 0}
    airborne_min = {"total": 0.0}

    def at(minutes: float) -> datetime:
        return DAY_START + timedelta(minutes=minutes)

    def minutes(moment: datetime) -> float:
        return (moment - DAY_START) / timedelta(minutes=1)

    def order(clicked: float, route_base: Base, distance_km: float) -> Any:
        yield env.timeout(scenario.handling / timedelta(minutes=1))
        fleet = fleets[route_base.id]
        sortie, after = assign(
            f"o{clicked}", distance_km, at(env.now), list(fleet.values()), flight
        )
        fleet[after.id] = after
        queue["now"] += 1
        queue["peak"] = max(queue["peak"], queue["now"])
        yield env.timeout(max(0.0, minutes(sortie.launch_at) - env.now))  # drone.launched
        queue["now"] -= 1
        yield env.timeout(max(0.0, minutes(sortie.drop_at) - env.now))  # drone.dropped
        click_to_door.append(env.now - clicked)
        waits.append(sortie.waited / timedelta(minutes=1))
        airborne_min["total"] += (sortie.return_at - sortie.launch_at) / timedelta(minutes=1)
        per_base[route_base.name].append(env.now - clicked)

    no_fly = airport_zones()
    per_day = demand.mean_per_day * multiplier
    clicks = _arrivals(per_day, demand.hourly, rng)

    def next_order() -> tuple[list[Item], tuple[float, float] | None]:
        if demand.baskets:
            basket = rng.choice(demand.baskets)
            place = (basket.lat, basket.lng) if drop_zones[basket.customer] else None
            return list(basket.items), place
        customer = rng.choice(customers)
        product = rng.choice(items)
        quantity = rng.choice((1, 1, 1, 2))
        return [replace(product, quantity=quantity)], customer.drop_zone

    def shoppers() -> Any:
        for clicked in clicks:
            yield env.timeout(clicked - env.now)
            lines, drop_zone = next_order()
            try:
                found = check(lines, drop_zone, bases, no_fly, flight)
            except (DroneNotEligible, NoDropZone, DronesGrounded) as why:
                refused[why.code] = refused.get(why.code, 0) + 1
                continue
            env.process(order(clicked, found.best.base, found.best.distance_km))

    env.process(shoppers())
    env.run()
    eligible = len(click_to_door)
    goal = GOAL / timedelta(minutes=1)
    within = sum(1 for m in click_to_door if m <= goal)
    drones = len(bases) * scenario.drones_per_base
    day_min = 24 * 60.0
    return Outcome(
        multiplier=round(multiplier, 4),
        orders_per_day=round(per_day, 1),
        orders=len(clicks),
        eligible=eligible,
        within_goal=within,
        # No drone order at all is no failure: nothing waited.
        share_within_goal=round(within / eligible, 4) if eligible else 1.0,
        click_to_door_p50_min=_quantile(click_to_door, 0.5),
        click_to_door_p90_min=_quantile(click_to_door, 0.9),
        click_to_door_max_min=round(max(click_to_door, default=0.0), 1),
        wait_p90_min=_quantile(waits, 0.9),
        wait_max_min=round(max(waits, default=0.0), 1),
        peak_queue=queue["peak"],
        sorties_per_drone=round(eligible / drones, 1),
        drone_busy_share=round(airborne_min["total"] / (drones * day_min), 3),
        refused=dict(sorted(refused.items())),
        by_base={
            name: {
                "orders": len(times),
                "share_within_goal": round(sum(1 for m in times if m <= goal) / len(times), 4)
                if times
                else 1.0,
            }
            for name, times in per_base.items()
        },
    )


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def auto_multiples() -> Iterator[float]:
    """1, 2, 5, 10, 20, 50, 100, …"""
    decade = 1.0
    while True:
        for step in (1.0, 2.0, 5.0):
            yield step * decade
        decade *= 10


def drones_needed(scenario: DroneScenario, demand: Demand, multiplier: float) -> int | None:
    """The fewest drones a base for the target at this demand (None: more than
    ``MAX_DRONES_PER_BASE``): doubled until it holds, then bisected."""

    def holds(k: int) -> bool:
        return run_once(replace(scenario, drones_per_base=k), demand, multiplier).holds

    high = 1
    while not holds(high):
        if high >= MAX_DRONES_PER_BASE:
            return None
        high *= 2
    low = high // 2  # fails (or 0)
    while high - low > 1:
        mid = (low + high) // 2
        if holds(mid):
            high = mid
        else:
            low = mid
    return high


def run(scenario: DroneScenario | None = None, demand: Demand | None = None) -> dict[str, Any]:
    """The scenario on the mean and the busiest day, the curve of multiples until it
    breaks, and the break bisected; JSON-ready."""
    scenario = scenario or DroneScenario()
    demand = demand or synthetic_demand()
    mean = run_once(scenario, demand, 1.0)
    peak = run_once(scenario, demand, demand.peak_multiple) if demand.peak_multiple else None
    curve: list[Outcome] = []
    explicit = bool(scenario.multipliers)
    for multiple in scenario.multipliers or auto_multiples():
        if demand.mean_per_day * multiple > MAX_ORDERS_PER_DAY:
            break
        outcome = mean if multiple == 1.0 else run_once(scenario, demand, multiple)
        curve.append(outcome)
        if not explicit and not outcome.holds:
            break
    if not explicit and curve and not curve[0].holds:
        curve[:0] = _below(scenario, demand)
    broken = _bisect_break(scenario, demand, curve)
    bases = len(_bases(scenario))
    return {
        "scenario": "drones on the demo world's demand",
        "goal_minutes": GOAL / timedelta(minutes=1),
        "target_share": TARGET_SHARE,
        "demand": demand.describe(),
        "orders_per_day_at_1x": round(demand.mean_per_day, 2),
        "fleet": {
            "bases": bases,
            "drones_per_base": scenario.drones_per_base,
            "drones": bases * scenario.drones_per_base,
        },
        "drones_per_base": scenario.drones_per_base,
        "bases": bases,
        "handling_minutes": scenario.handling / timedelta(minutes=1),
        "drop_zone_share": scenario.drop_zone_share,
        "no_fly_zones": [name for name, _lat, _lng in AIRPORTS],
        "flight": {
            "cruise_kmh": scenario.flight.cruise_kmh,
            "take_off_s": scenario.flight.take_off.total_seconds(),
            "drop_s": scenario.flight.drop.total_seconds(),
            "landing_s": scenario.flight.landing.total_seconds(),
            "battery_minutes": scenario.flight.battery_minutes,
            "full_charge_minutes": scenario.flight.full_charge / timedelta(minutes=1),
        },
        "mean_day": asdict(mean),
        "peak_day": asdict(peak) if peak else None,
        "meets_target_mean_day": mean.holds,
        "meets_target_peak_day": peak.holds if peak else None,
        "meets_target_at_1x": mean.holds,
        "drones_needed_per_base": {
            "mean_day": drones_needed(scenario, demand, 1.0),
            "peak_day": drones_needed(scenario, demand, demand.peak_multiple)
            if demand.peak_multiple
            else None,
        },
        "outcomes": [asdict(o) for o in curve],
        "breaks_at_multiplier": next((o.multiplier for o in curve if not o.holds), None),
        "break": broken,
        "max_orders_per_day": MAX_ORDERS_PER_DAY,
    }


def _below(scenario: DroneScenario, demand: Demand) -> list[Outcome]:
    """When even the mean day fails: 0.5, 0.2, 0.1, … of it, until a day holds (in
    increasing order; down to a thousandth)."""
    found: list[Outcome] = []
    for multiple in (0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
        outcome = run_once(scenario, demand, multiple)
        found.insert(0, outcome)
        if outcome.holds:
            break
    return found


def _bisect_break(
    scenario: DroneScenario, demand: Demand, curve: Sequence[Outcome]
) -> dict[str, Any] | None:
    """Between the last multiple of the curve that held and the next that failed: the
    demand where it breaks, to a few per cent (geometric bisection)."""
    pairs = [(a, b) for a, b in itertools.pairwise(curve) if a.holds and not b.holds]
    if not pairs:
        return None
    held, failed = pairs[0]
    for _ in range(REFINE_STEPS):
        middle = run_once(scenario, demand, math.sqrt(held.multiplier * failed.multiplier))
        if middle.holds:
            held = middle
        else:
            failed = middle
    return {
        "holds_at_multiplier": held.multiplier,
        "holds_at_orders_per_day": held.orders_per_day,
        "drone_orders_at_hold": held.eligible,
        "share_within_goal_at_hold": held.share_within_goal,
        "fails_at_multiplier": failed.multiplier,
        "fails_at_orders_per_day": failed.orders_per_day,
        "share_within_goal_at_fail": failed.share_within_goal,
        "first_base_below_target": min(
            failed.by_base.items(), key=lambda kv: kv[1]["share_within_goal"]
        )[0],
    }


def plot_png(result: dict[str, Any]) -> bytes:
    """Share within 30 minutes against the demand multiple, with the 90 % target, the mean
    and the busiest day, and where it breaks."""
    from matplotlib.figure import Figure

    outcomes = result["outcomes"]
    xs = [o["multiplier"] for o in outcomes]
    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.add_subplot()
    axes.plot(xs, [o["share_within_goal"] * 100 for o in outcomes], marker="o", label="all bases")
    for name in outcomes[0]["by_base"] if outcomes else ():
        shares = [o["by_base"][name]["share_within_goal"] * 100 for o in outcomes]
        axes.plot(xs, shares, linestyle=":", marker=".", label=name.replace("Drone base ", ""))
    peak = result.get("peak_day")
    if peak:
        axes.plot([peak["multiplier"]], [peak["share_within_goal"] * 100], marker="*",
                  markersize=12, linestyle="none", color="#d62728",
                  label=f"busiest day ({result['demand']['peak_day']})")  # fmt: skip
    broken = result.get("break")
    if broken:
        axes.axvline(
            broken["fails_at_multiplier"],
            color="#d62728",
            linestyle=":",
            alpha=0.6,
            label=f"breaks: {broken['fails_at_orders_per_day']:,.0f} orders a day",
        )
    axes.axhline(result["target_share"] * 100, color="#444444", linestyle="--", label="target")
    axes.set_xscale("log")
    if xs:
        axes.set_xticks(xs, [f"{x:g}×" for x in xs])
    axes.set_ylim(0, 105)
    demand = result["demand"]
    per_day = f"{result['orders_per_day_at_1x']:,.1f}".removesuffix(".0")
    if demand["source"] == "synthetic":
        origin = "assumed, no data"
    else:
        origin = f"the mean day of {demand['first_day']}..{demand['last_day']} ({demand['source']})"
    axes.set_xlabel(f"demand (1× = {per_day} orders a day: {origin})")
    axes.set_ylabel("drone orders at the door ≤ 30 min (%)")
    fleet = result["fleet"]
    axes.set_title(
        f"Drones: {fleet['drones_per_base']} per base, {fleet['bases']} bases "
        f"({fleet['drones']} drones)"
    )
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
