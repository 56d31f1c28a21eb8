"""The twin's routed delivery stage: door times from van routes' ETAs and drone sorties,
what does not fit waits for the next wave, and the KPIs by mode read it all from the log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import simpy

from baro.core.events import DomainEvent, StoredEvent
from baro.delivery.drones import Item
from baro.network import FacilityKind
from baro.twin import kpis
from baro.twin.clock import SimPyClock
from baro.twin.delivery import DeliveryCosts, Parcel, RoutedDelivery, RoutedSettings, VanFleet
from baro.twin.delivery_kpis import delivery_kpis, order_modes
from baro.twin.engine import run_twin
from baro.twin.policies import SellerShipsBaseline
from baro.twin.simulate import SimulationRequest, simulate
from tests.twin.test_simulate import needs_olist
from tests.twin.test_twin import SHARED_DATA, fixed_stages, tiny_replay

SP = (-23.55, -46.63)
T0 = datetime(2017, 3, 1, 6, tzinfo=UTC)
FAST = RoutedSettings(time_limit_s=1.0, time_per_stop_s=0.01, min_time_s=0.02)


def stored(events: list[DomainEvent]) -> list[StoredEvent]:
    return [
        StoredEvent(n, f"e{n}", e.event_type, e.aggregate_id, e.occurred_at, dict(e.data))
        for n, e in enumerate(events, 1)
    ]


def world(
    settings: RoutedSettings, drone_bases: tuple[str, ...] = ()
) -> tuple[simpy.Environment, SimPyClock, RoutedDelivery, list[DomainEvent]]:
    env = simpy.Environment()
    clock = SimPyClock(env, T0)
    log: list[DomainEvent] = []
    stage = RoutedDelivery(
        env,
        clock,
        {"fc": (SP[0], SP[1], FacilityKind.FULFILLMENT_CENTER)},
        log.extend,
        settings,
        drone_bases=drone_bases,
    )
    return env, clock, stage, log


def parcel(n: int, km_north: float, option: str = "two_day", grams: int = 1_000) -> Parcel:
    box = (Item(f"p{n}", grams, 20, 10, 5),)
    return Parcel(f"o{n}", "fc", SP[0] + km_north / 111.0, SP[1], grams, option, box)


def deliver(
    env: simpy.Environment,
    clock: SimPyClock,
    stage: RoutedDelivery,
    parcels: list[Parcel],
    at: datetime,
) -> dict[str, datetime | None]:
    """Hand each parcel over at ``at``; returns order id -> door time (None: carrier)."""
    doors: dict[str, datetime | None] = {}

    def one(p: Parcel) -> simpy.events.ProcessGenerator:
        yield env.timeout(clock.seconds_until(at))
        ticket = stage.hand_over(p)
        doors[p.order_id] = None if ticket is None else (yield ticket)

    for p in parcels:
        env.process(one(p))
    env.run()
    return doors


def test_door_times_are_the_routes_etas_and_far_parcels_stay_with_the_carrier() -> None:
    env, clock, stage, log = world(FAST)
    parcels = [parcel(1, 3), parcel(2, 6), parcel(3, -4), parcel(4, 400)]  # o4: 400 km away

    doors = deliver(env, clock, stage, parcels, T0 + timedelta(hours=1))

    assert doors["o4"] is None  # beyond the vans' zone: the sampled carrier time applies
    etas = {e.aggregate_id: e.data["eta"] for e in log if e.event_type == "route.stop_eta"}
    assert set(etas) == {"o1", "o2", "o3"}
    served = {o: d for o, d in doors.items() if d is not None}
    assert {o: served[o].isoformat() for o in etas} == etas
    wave = T0.replace(hour=9)  # handed over at 07:00: today's 09:00 wave
    assert all(wave < served[o] < wave + timedelta(hours=3) for o in etas)
    assert stage.log.waves == 1 and stage.log.stops == 3


def test_what_does_not_fit_goes_on_the_next_days_wave() -> None:
    one_van = RoutedSettings(
        fleets={FacilityKind.FULFILLMENT_CENTER: VanFleet(1, 800_000)},
        max_stops_per_van=2,
        time_limit_s=1.0,
        min_time_s=0.02,
    )
    env, clock, stage, _ = world(one_van)

    doors = deliver(env, clock, stage, [parcel(n, n) for n in range(1, 4)], T0)

    days = sorted(d.date() for d in doors.values() if d is not None)
    assert days == [T0.date(), T0.date(), T0.date() + timedelta(days=1)]
    assert stage.log.waves == 2 and stage.log.carried_over == 1
    newest = doors["o3"]
    assert newest is not None and newest.date() == days[-1]  # the newest waits


def test_drone_orders_fly_with_the_dispatchers_timing() -> None:
    env, clock, stage, log = world(FAST, drone_bases=("fc",))
    handed = T0 + timedelta(hours=2)

    doors = deliver(
        env,
        clock,
        stage,
        [parcel(1, 8, "drone"), parcel(2, 8, "drone", grams=5_000), parcel(3, 30, "drone")],
        handed,
    )

    (sortie,) = [e for e in log if e.event_type == "drone.assigned"]
    assert sortie.aggregate_id == "o1"
    assert doors["o1"] == datetime.fromisoformat(sortie.data["drop_at"])
    # 8 km at 80 km/h (6 min) + 75 s take-off + 45 s drop, launched at once.
    flown = doors["o1"] - handed
    assert abs(flown - timedelta(minutes=8)) < timedelta(seconds=2)
    # Too heavy to fly: a van; beyond the drones' 16 km: a van too (within the vans' 50 km).
    assert {e.aggregate_id for e in log if e.event_type == "route.stop_eta"} == {"o2", "o3"}


def test_kpis_by_mode_share_route_km_among_stops_and_count_sorties() -> None:
    env, clock, stage, log = world(FAST, drone_bases=("fc",))
    placed = [
        StoredEvent(
            0,
            f"p{n}",
            "order.placed",
            f"o{n}",
            T0,
            {"customer_id": "c", "total_minor": 1, "lines": [], "delivery_option": option},
        )
        for n, option in ((1, "two_day"), (2, "two_day"), (3, "drone"))
    ]
    parcels = [parcel(1, 3), parcel(2, 6), parcel(3, 8, "drone")]
    deliver(env, clock, stage, parcels, T0 + timedelta(hours=1))
    costs = DeliveryCosts(Decimal("1.00"), Decimal("10.00"), Decimal("5.00"))
    events = placed + stored(log)

    modes = order_modes(events, costs).sort("order_id")

    assert modes["mode"].to_list() == ["van", "van", "drone"]
    (route,) = [e for e in log if e.event_type == "route.planned"]
    route_km = route.data["distance_m"] / 1000
    assert modes["km"][0] == modes["km"][1] == pytest.approx(route_km / 2)
    assert modes["km"][2] == pytest.approx(2 * 8.0, rel=0.02)  # there and back
    assert modes["cost"][2] == 5.0
    hours = (
        datetime.fromisoformat(route.data["returns_at"])
        - datetime.fromisoformat(route.data["departs_at"])
    ).total_seconds() / 3600
    assert modes["cost"][0] == pytest.approx((route_km * 1.0 + hours * 10.0) / 2)


def test_a_routed_replay_delivers_at_the_etas_and_reports_by_mode(database_url: str) -> None:
    replay = tiny_replay(12)
    run = run_twin(
        replay,
        SellerShipsBaseline(),
        fixed_stages(20, 48),
        database_url=database_url,
        seed=7,
        routed=FAST,
    )

    orders, parcels = kpis.order_frames(run.events)
    etas = {
        e.aggregate_id: datetime.fromisoformat(e.data["eta"])
        for e in run.events
        if e.event_type == "route.stop_eta"
    }
    assert etas and run.delivery == "routed"
    delivered = dict(orders.drop_nulls("delivered_at").select("order_id", "delivered_at").rows())
    assert all(delivered[o] == eta for o, eta in etas.items())  # door time = the stop's ETA
    values = delivery_kpis(
        run.events,
        orders,
        parcels,
        run.facilities,
        run.customers,
        kpis.promised_dates(run.order_keys, replay.orders),
        kpis.baro_promises(run.events),
        DeliveryCosts(),
    )
    by_mode = values["delivery_by_mode"]
    assert by_mode["van"]["orders"] == len(etas)
    assert by_mode["van"]["orders"] + by_mode["carrier"]["orders"] == len(delivered)
    assert by_mode["van"]["click_to_door_p50_h"] < by_mode["carrier"]["click_to_door_p50_h"]
    van_km = sum(e.data["distance_m"] for e in run.events if e.event_type == "route.planned")
    assert values["van_route_km"] == pytest.approx(van_km / 1000, abs=0.1)
    assert by_mode["van"]["km_per_order"] == pytest.approx(van_km / 1000 / len(etas), rel=0.05)
    assert run.waves and run.waves["waves"] >= 1
    assert isinstance(pl.DataFrame(by_mode), pl.DataFrame)


@pytest.mark.data
def test_a_week_of_olist_routed_beside_the_sampled_baseline(tmp_path: Path) -> None:
    needs_olist()
    request = SimulationRequest(
        dataset="olist",
        data_dir=SHARED_DATA,
        out_dir=tmp_path,
        policies=("oracle",),
        start=date(2017, 6, 1),
        end=date(2017, 6, 8),
        delivery="routed",
        routed=RoutedSettings(time_limit_s=0.2, time_per_stop_s=0.005, min_time_s=0.02),
        losses=False,  # every stop a replayed order's (lost parcels: test_reships.py)
    )

    result = simulate(request)

    runs = result.metrics["policies"]
    sampled, routed = runs["oracle (sampled)"], runs["oracle (routed)"]
    assert sampled["orders"] == routed["orders"] == result.metrics["orders_in_period"]
    assert set(routed["delivery_by_mode"]) >= {"van", "carrier"}
    for mode, values in routed["delivery_by_mode"].items():  # the same orders in each mode
        assert sampled["delivery_by_mode"][mode]["orders"] == values["orders"]
    van = routed["delivery_by_mode"]["van"]
    assert (
        van["handover_to_door_p50_h"] < sampled["delivery_by_mode"]["van"]["handover_to_door_p50_h"]
    )
    assert routed["van_route_km"] > 0 and routed["wave_stops"] == van["orders"]
    assert sampled["van_route_km"] == 0 and routed["drone_sorties"] >= 0
    html = result.report.read_text()
    assert "Delivery by mode" in html and "oracle (routed)" in html and "https://" not in html


def test_locker_orders_go_to_the_banks_route_stop() -> None:
    env = simpy.Environment()
    clock = SimPyClock(env, T0)
    log: list[DomainEvent] = []
    bank = (SP[0] + 5 / 111.0, SP[1])
    stage = RoutedDelivery(
        env,
        clock,
        {"fc": (SP[0], SP[1], FacilityKind.FULFILLMENT_CENTER)},
        log.extend,
        FAST,
        lockers={"bank": bank},
    )
    near_bank = [  # two customers ~1 km either side of the bank
        Parcel("o1", "fc", bank[0] + 1 / 111.0, bank[1], 500, "locker"),
        Parcel("o2", "fc", bank[0] - 1 / 111.0, bank[1], 500, "locker"),
    ]

    doors = deliver(env, clock, stage, near_bank, T0)

    (route,) = [e for e in log if e.event_type == "route.planned"]
    # One place for both: out 5 km and back, × the road factor, nothing between the stops.
    assert route.data["distance_m"] == pytest.approx(2 * 5_000 * 1.3, rel=0.01)
    assert doors["o1"] is not None and doors["o2"] is not None
    placed = [
        StoredEvent(n, f"p{n}", "order.placed", o, T0, {"delivery_option": "locker"})
        for n, o in enumerate(("o1", "o2"))
    ]
    modes = order_modes(placed + stored(log), DeliveryCosts())
    assert set(modes["mode"]) == {"locker"}
    assert modes["km"].to_list() == pytest.approx([route.data["distance_m"] / 2000] * 2)
