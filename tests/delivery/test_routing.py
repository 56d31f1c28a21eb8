"""Van waves: orders due become routes with ETAs and events; what cannot be served is refused,
by name, instead of a plan that breaks a constraint. Solver runs are ≤ 0.3 s each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from baro.core.clock import SimulatedClock
from baro.core.geo import haversine_km
from baro.delivery.routing import (
    Drop,
    FleetTooSmall,
    HaversineRoadMatrix,
    InvalidWave,
    Legs,
    NoFeasibleRoutes,
    OverCapacityStop,
    Point,
    RoutePlanner,
    UnreachableStop,
    Van,
    Wave,
    due_in,
)

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEPOT = (-23.55, -46.63)  # São Paulo, Sé


def wave(hours: float = 8) -> Wave:
    return Wave("fc-sp", *DEPOT, NINE, NINE + timedelta(hours=hours))


def drop(n: int, *, km_east: float = 2.0, km_north: float = 0.0, **kwargs: object) -> Drop:
    lat = DEPOT[0] + km_north / 111.0
    lng = DEPOT[1] + km_east / (111.0 * np.cos(np.radians(DEPOT[0])))
    fields: dict[str, object] = {
        "weight_g": 2_000,
        "window_start": NINE,
        "window_end": NINE + timedelta(hours=8),
    }
    fields.update(kwargs)
    return Drop(f"ord-{n}", lat, lng, **fields)  # type: ignore[arg-type]


def planner(matrix: object = None, seconds: float = 0.2) -> RoutePlanner:
    return RoutePlanner(SimulatedClock(NINE - timedelta(hours=1)), matrix, time_limit_s=seconds)  # type: ignore[arg-type]


def test_a_wave_becomes_routes_that_serve_every_order_once_within_capacity_and_windows() -> None:
    """Twelve orders around the depot, three 10 kg vans: each order on one route, in
    sequence, arriving inside its window, vans back before the wave ends."""
    rng = np.random.default_rng(3)
    drops = [
        drop(
            n,
            km_east=float(rng.uniform(-8, 8)),
            km_north=float(rng.uniform(-8, 8)),
            window_start=NINE + timedelta(hours=n % 3),
            window_end=NINE + timedelta(hours=n % 3 + 3),
        )
        for n in range(12)
    ]
    vans = [Van("van-a", 10_000), Van("van-b", 10_000), Van("van-c", 10_000)]

    plan = planner().plan(wave(), drops, vans)

    served = [s.order_id for r in plan.routes for s in r.stops]
    assert sorted(served) == sorted(d.order_id for d in drops)
    by_id = {d.order_id: d for d in drops}
    for route in plan.routes:
        assert route.van_id in {"van-a", "van-b", "van-c"}
        assert route.load_g == sum(by_id[s.order_id].weight_g for s in route.stops) <= 10_000
        assert [s.sequence for s in route.stops] == list(range(1, len(route.stops) + 1))
        assert wave().starts_at <= route.departs_at <= route.stops[0].eta
        assert route.returns_at <= wave().ends_at
        for stop in route.stops:
            window = by_id[stop.order_id]
            assert stop.eta <= stop.service_starts_at < stop.departs_at
            assert window.window_start <= stop.service_starts_at <= window.window_end
    assert len({r.van_id for r in plan.routes}) == len(plan.routes)
    assert plan.distance_m == sum(r.distance_m for r in plan.routes) > 0


def test_the_plan_publishes_a_route_event_per_van_and_an_eta_per_stop() -> None:
    drops = [drop(n, km_east=n + 1.0) for n in range(4)]

    plan = planner().plan(wave(), drops, [Van("van-a", 50_000)])

    events = plan.events()
    assert [e.event_type for e in events] == ["route.planned"] + ["route.stop_eta"] * 4
    (route,) = plan.routes
    assert events[0].aggregate_id == route.route_id
    assert events[0].data["order_ids"] == [s.order_id for s in route.stops]
    etas = {e.aggregate_id: e.data["eta"] for e in events[1:]}
    assert etas == {s.order_id: s.eta.isoformat() for s in route.stops}
    assert all(e.occurred_at == NINE - timedelta(hours=1) for e in events)


def test_an_order_heavier_than_any_van_is_refused_by_name() -> None:
    drops = [drop(1), drop(2, weight_g=12_000)]

    with pytest.raises(OverCapacityStop) as caught:
        planner().plan(wave(), drops, [Van("van-a", 10_000), Van("van-b", 8_000)])

    assert caught.value.code == "over_capacity_stop"
    assert caught.value.context["stops"] == [{"stop": "ord-2", "demand": 12_000}]
    assert caught.value.context["largest_van"] == 10_000


def test_a_window_no_van_can_reach_in_time_is_refused_with_the_earliest_arrival() -> None:
    """30 km at 30 km/h × 1.3: over an hour away, but the window closes 20 minutes in."""
    far = drop(2, km_east=30.0, window_end=NINE + timedelta(minutes=20))

    with pytest.raises(UnreachableStop) as caught:
        planner().plan(wave(), [drop(1), far], [Van("van-a", 10_000)])

    assert caught.value.code == "unreachable_stop"
    (stop,) = caught.value.context["stops"]
    assert stop["stop"] == "ord-2" and "earliest a van gets there" in stop["reason"]


def test_a_window_already_closed_or_opening_after_the_wave_is_refused() -> None:
    past = drop(1, window_start=NINE - timedelta(hours=3), window_end=NINE - timedelta(hours=1))
    later = drop(2, window_start=NINE + timedelta(hours=9), window_end=NINE + timedelta(hours=10))

    for bad in (past, later):
        with pytest.raises(UnreachableStop):
            planner().plan(wave(), [bad], [Van("van-a", 10_000)])
    assert due_in(wave(), [past, later, drop(3)]) == [drop(3)]


def test_a_stop_the_distance_provider_marks_unreachable_is_refused() -> None:
    """A road-network provider says no road leads to the island: the planner says so."""

    class Island:
        def legs(self, points: Sequence[Point]) -> Legs:
            legs = HaversineRoadMatrix().legs(points)
            legs.metres[:, 2] = legs.metres[2, :] = np.inf
            legs.seconds[:, 2] = legs.seconds[2, :] = np.inf
            legs.metres[2, 2] = legs.seconds[2, 2] = 0.0
            return legs

    with pytest.raises(UnreachableStop) as caught:
        planner(Island()).plan(wave(), [drop(1), drop(2)], [Van("van-a", 10_000)])

    assert caught.value.context["stops"] == [{"stop": "ord-2", "reason": "no road from the depot"}]


def test_more_weight_than_the_fleet_carries_is_refused_before_solving() -> None:
    drops = [drop(n, weight_g=6_000) for n in range(4)]

    with pytest.raises(FleetTooSmall) as caught:
        planner().plan(wave(), drops, [Van("van-a", 10_000), Van("van-b", 10_000)])

    assert caught.value.context == {"demand": 24_000, "capacity": 20_000}


def test_stops_reachable_alone_but_not_together_get_no_infeasible_plan() -> None:
    """One van, two orders 10 km apart in opposite directions, both due in the first
    35 minutes: each alone is fine, both together are not."""
    soon = NINE + timedelta(minutes=35)
    drops = [drop(1, km_east=10.0, window_end=soon), drop(2, km_east=-10.0, window_end=soon)]

    with pytest.raises(NoFeasibleRoutes) as caught:
        planner(seconds=0.1).plan(wave(), drops, [Van("van-a", 10_000)])

    assert caught.value.code == "no_feasible_routes"


def test_bad_waves_are_refused() -> None:
    with pytest.raises(InvalidWave):
        Wave("fc-sp", *DEPOT, NINE, NINE)
    with pytest.raises(InvalidWave):
        planner().plan(wave(), [drop(1)], [])
    with pytest.raises(InvalidWave):
        planner().plan(wave(), [drop(1), drop(1)], [Van("van-a", 10_000)])
    assert planner().plan(wave(), [], [Van("van-a", 10_000)]).routes == ()


def test_haversine_roads_are_the_great_circle_times_the_road_factor() -> None:
    """São Paulo → Rio de Janeiro, ~357 km as the crow flies; 1.3 × that on the road."""
    rio = Point(-22.91, -43.17)
    legs = HaversineRoadMatrix(road_factor=1.3, speed_kmh=60).legs([Point(*DEPOT), rio])

    crow = haversine_km(*DEPOT, rio.lat, rio.lng)
    assert legs.metres[0, 1] == pytest.approx(crow * 1300, rel=1e-9)
    assert legs.seconds[0, 1] == pytest.approx(crow * 1.3 * 60, rel=1e-9)
    assert legs.metres[0, 0] == 0 and legs.metres[1, 0] == legs.metres[0, 1]
