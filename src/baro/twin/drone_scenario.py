"""Drones on the demo world's demand: how many drone-eligible orders reach the door within
30 minutes of the click, with queueing at the peaks, and at what demand that breaks.

The world is the demo's as ``baro demo`` builds it without Olist's files (seed 7, three
fulfilment centres in São Paulo, Rio and Belo Horizonte, 100 customers spread over eight
cities, 1,000 products) with a drone base beside each centre. Its orders are what
``baro demo --traffic`` sends (one product each, 1 unit, 2 in a quarter of them), shaped
over the day with a lunch and an evening peak (the peak hour carries 2.2x the mean hour).
Each order is checked with the platform's own eligibility (payload with packaging, bay,
drop zone, 16 km, no-fly zones around the airports, weather) and the eligible ones are flown by the
platform's dispatcher (FIFO, earliest-ready drone, battery charging while it waits) on
SimPy's clock.

The demo world has customers, products and centres but no daily volume of its own: 1x is
5,000 orders a day (a mid-size shop); ``baro demo --traffic`` at its default 0.5 orders/s
sends 43,200 a day, about 8.6x. Click to door = picking and packing at the base (6 min)
+ waiting for a drone + the flight to the drop; 40 drones a base by default.
Run with ``baro bench drones --json FILE --png FILE``.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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
    NoFlyZone,
    assign,
    check,
    zone_polygon,
)
from baro.twin.world import WorldSpec, synthetic_geography, synthetic_products

# No-fly zones: squares of ~3.3 km around the airports near the three bases (data, not
# the law's exact shapes): Congonhas (São Paulo), Galeão (Rio), Pampulha (Belo Horizonte).
AIRPORTS = (("Congonhas", -23.6273, -46.6566), ("Galeão", -22.8100, -43.2506),
            ("Pampulha", -19.8512, -43.9506))  # fmt: skip
AIRPORT_HALF_SIDE_DEG = 0.015


def airport_zones() -> list[NoFlyZone]:
    h = AIRPORT_HALF_SIDE_DEG
    return [
        NoFlyZone(f"nfz-{name.lower()}", name,
                  zone_polygon([(a - h, b - h), (a - h, b + h), (a + h, b + h), (a + h, b - h)]))
        for name, a, b in AIRPORTS
    ]  # fmt: skip


GOAL = timedelta(minutes=30)
TARGET_SHARE = 0.90
DAY_START = datetime(2026, 11, 25, tzinfo=UTC)
# Relative demand per hour of the day (0-23): quiet nights, a lunch peak, an evening peak.
HOURLY_PROFILE: Sequence[float] = (
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.5,
    1.8, 1.7, 1.3, 1.2, 1.2, 1.4, 1.8, 2.2, 2.3, 2.0, 1.3, 0.6,
)  # fmt: skip


@dataclass(frozen=True)
class DroneScenario:
    orders_per_day: int = 5_000
    multipliers: tuple[float, ...] = (1, 1.5, 2, 4, 8)
    drones_per_base: int = 40
    handling: timedelta = timedelta(minutes=6)  # pick and pack at the base
    drop_zone_share: float = 0.8  # customers who set a drop zone
    seed: int = 7
    world: WorldSpec = field(default_factory=lambda: WorldSpec(products=1_000))
    flight: FlightModel = FLIGHT


@dataclass
class Outcome:
    multiplier: float
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


@dataclass(frozen=True)
class _Customer:
    id: str
    drop_zone: tuple[float, float] | None


def _world(scenario: DroneScenario) -> tuple[list[Base], list[_Customer], list[Item]]:
    rng = random.Random(scenario.world.seed)
    products = synthetic_products(scenario.world.products, "BRL", rng)
    sites, homes = synthetic_geography(scenario.world, rng)
    bases = [Base(f"base{n}", s.name.replace("FC", "Drone base"), s.lat, s.lng)
             for n, s in enumerate(sites, 1)]  # fmt: skip
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
    return bases, customers, items


def _arrivals(rate_per_s: float, rng: random.Random) -> list[float]:
    """Click times in minutes since midnight: a Poisson process whose rate follows the
    day's profile (mean ``rate_per_s`` over the day)."""
    mean = sum(HOURLY_PROFILE) / len(HOURLY_PROFILE)
    times = []
    for hour, weight in enumerate(HOURLY_PROFILE):
        per_min = rate_per_s * 60 * weight / mean
        t = hour * 60.0
        while True:
            t += rng.expovariate(per_min)
            if t >= (hour + 1) * 60:
                break
            times.append(t)
    return times


def run_once(scenario: DroneScenario, multiplier: float) -> Outcome:
    bases, customers, items = _world(scenario)
    rng = random.Random(scenario.seed * 1_000 + int(multiplier * 100))
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

    zones = airport_zones()
    clicks = _arrivals(scenario.orders_per_day * multiplier / 86_400, rng)

    def shoppers() -> Any:
        for clicked in clicks:
            yield env.timeout(clicked - env.now)
            customer = rng.choice(customers)
            product = rng.choice(items)
            quantity = rng.choice((1, 1, 1, 2))
            line = Item(product.product_id, product.weight_g, product.length_cm,
                        product.width_cm, product.height_cm, quantity)  # fmt: skip
            try:
                found = check([line], customer.drop_zone, bases, zones, flight)
            except (DroneNotEligible, NoDropZone, DronesGrounded) as why:
                refused[why.code] = refused.get(why.code, 0) + 1
                continue
            env.process(order(clicked, found.best.base, found.best.distance_km))

    env.process(shoppers())
    env.run()
    eligible = len(click_to_door)
    within = sum(1 for m in click_to_door if m <= GOAL / timedelta(minutes=1))
    drones = len(bases) * scenario.drones_per_base
    day_min = 24 * 60.0
    return Outcome(
        multiplier=multiplier,
        orders=len(clicks),
        eligible=eligible,
        within_goal=within,
        share_within_goal=round(within / eligible, 4) if eligible else 0.0,
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
                "share_within_goal": round(
                    sum(1 for m in times if m <= GOAL / timedelta(minutes=1)) / len(times), 4
                )
                if times
                else 0.0,
            }
            for name, times in per_base.items()
        },
    )


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def run(scenario: DroneScenario | None = None) -> dict[str, Any]:
    """The scenario at each demand multiplier; JSON-ready."""
    scenario = scenario or DroneScenario()
    outcomes = [run_once(scenario, m) for m in scenario.multipliers]
    failing = [o.multiplier for o in outcomes if o.share_within_goal < TARGET_SHARE]
    base = outcomes[0] if outcomes else None
    return {
        "scenario": "drones on the demo world's demand",
        "goal_minutes": GOAL / timedelta(minutes=1),
        "target_share": TARGET_SHARE,
        "orders_per_day_at_1x": scenario.orders_per_day,
        "drones_per_base": scenario.drones_per_base,
        "bases": len(_world(scenario)[0]),
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
        "meets_target_at_1x": bool(base and base.share_within_goal >= TARGET_SHARE),
        "breaks_at_multiplier": failing[0] if failing else None,
        "outcomes": [asdict(o) for o in outcomes],
    }


def plot_png(result: dict[str, Any]) -> bytes:
    """Share within 30 minutes against the demand multiplier, with the 90 % target."""
    from matplotlib.figure import Figure

    outcomes = result["outcomes"]
    xs = [o["multiplier"] for o in outcomes]
    figure = Figure(figsize=(6, 3.6), dpi=100)
    axes = figure.add_subplot()
    axes.plot(xs, [o["share_within_goal"] * 100 for o in outcomes], marker="o", label="all bases")
    for name in outcomes[0]["by_base"] if outcomes else ():
        shares = [o["by_base"][name]["share_within_goal"] * 100 for o in outcomes]
        axes.plot(xs, shares, linestyle=":", marker=".", label=name.replace("Drone base ", ""))
    axes.axhline(result["target_share"] * 100, color="#444444", linestyle="--", label="target")
    axes.set_xscale("log", base=2)
    axes.set_xticks(xs, [f"{x:g}×" for x in xs])
    axes.set_ylim(0, 105)
    axes.set_xlabel(f"demand (1× = {result['orders_per_day_at_1x']:,} orders a day)")
    axes.set_ylabel("drone orders at the door ≤ 30 min (%)")
    axes.set_title(f"Drones: {result['drones_per_base']} per base, {result['bases']} bases")
    axes.grid(alpha=0.3)
    axes.legend(frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
