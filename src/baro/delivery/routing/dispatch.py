"""The dispatch solver: a capacitated VRP with time windows in integers, solved by PyVRP.

:func:`solve` is the one code path every route in baro goes through: the wave planner
(:mod:`baro.delivery.routing.waves`) feeds it orders and vans, ``baro bench routing`` feeds it
CVRPLIB and Solomon instances. Before PyVRP sees a problem, :func:`solve` refuses what no plan
can serve (a stop heavier than any van, a stop no van can reach in its window, more weight than
the fleet carries), and after, a plan that still breaks a constraint: the caller gets a
:mod:`~baro.delivery.routing.errors` error that names the stops, never an infeasible plan.

Node 0 is the depot; nodes 1..n the stops. Distances, durations, demands and times are
integers in whatever units the caller chose (metres and seconds for waves; the instance's own
rounding for the benchmarks). A matrix entry ``>= NO_ROAD`` means there is no way.
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyvrp import Model
from pyvrp.constants import MAX_VALUE
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from baro.delivery.routing.errors import (
    FleetTooSmall,
    InvalidWave,
    NoFeasibleRoutes,
    OverCapacityStop,
    UnreachableStop,
)

NO_ROAD = 1 << 40  # below PyVRP's MAX_VALUE (1 << 44), so sums of a few legs do not overflow
assert NO_ROAD < MAX_VALUE
OPEN = NO_ROAD  # "no time limit": a window that closes at the end of time
UNBOUNDED = np.iinfo(np.int64).max


@dataclass(frozen=True)
class VanType:
    """``count`` vans of one ``capacity`` (in the problem's demand units)."""

    count: int
    capacity: int


@dataclass(frozen=True)
class RoutingProblem:
    """Integer data of one depot and its stops (``names[0]`` is the depot's)."""

    names: Sequence[str]
    distances: np.ndarray  # (n + 1) x (n + 1)
    durations: np.ndarray  # (n + 1) x (n + 1)
    demands: Sequence[int]  # per node; the depot's is 0
    service: Sequence[int]  # per node
    windows: Sequence[tuple[int, int]]  # per node; the depot's is the vans' shift
    fleet: Sequence[VanType]
    coordinates: Sequence[tuple[float, float]] | None = None  # for PyVRP's neighbourhoods

    def __post_init__(self) -> None:
        size = len(self.names)
        if size < 1:
            raise InvalidWave("a routing problem needs its depot")
        for label, matrix in (("distances", self.distances), ("durations", self.durations)):
            if matrix.shape != (size, size):
                raise InvalidWave(f"{label} is {matrix.shape}, expected ({size}, {size})")
            if (matrix < 0).any():
                raise InvalidWave(f"{label} has negative entries")
        for label, values in (
            ("demands", self.demands),
            ("service", self.service),
            ("windows", self.windows),
        ):
            if len(values) != size:
                raise InvalidWave(f"{len(values)} {label} for {size} nodes")
        if any(d < 0 for d in self.demands) or any(s < 0 for s in self.service):
            raise InvalidWave("demands and service times cannot be negative")
        if self.demands[0] != 0:
            raise InvalidWave("the depot has no demand")
        if bad := [self.names[i] for i, (a, b) in enumerate(self.windows) if a > b]:
            raise InvalidWave(f"windows that close before they open: {', '.join(bad)}")
        if not self.fleet or any(v.count < 1 or v.capacity < 1 for v in self.fleet):
            raise InvalidWave("at least one van, each with a capacity above 0")

    @property
    def stops(self) -> range:
        return range(1, len(self.names))


@dataclass(frozen=True)
class Visit:
    node: int
    arrival: int  # when the van gets there
    start: int  # when service starts (arrival, or the window's opening if it is early)
    end: int  # when it leaves


@dataclass(frozen=True)
class PlannedRoute:
    van_type: int  # index into the problem's fleet
    visits: tuple[Visit, ...]
    departure: int
    return_: int
    distance: int
    load: int

    @property
    def nodes(self) -> list[int]:
        return [v.node for v in self.visits]


@dataclass(frozen=True)
class DispatchResult:
    routes: tuple[PlannedRoute, ...]
    cost: int  # total distance, in the problem's units
    runtime_s: float
    iterations: int
    solver: dict[str, Any] = field(default_factory=dict)


def check_servable(problem: RoutingProblem) -> None:
    """Raise if some stop cannot be served by any plan, naming each and why."""
    largest = max(v.capacity for v in problem.fleet)
    heavy = [
        {"stop": problem.names[i], "demand": problem.demands[i]}
        for i in problem.stops
        if problem.demands[i] > largest
    ]
    if heavy:
        raise OverCapacityStop(
            f"{len(heavy)} stop(s) weigh more than the largest van carries ({largest}): "
            + ", ".join(f"{h['stop']} ({h['demand']})" for h in heavy),
            stops=heavy,
            largest_van=largest,
        )
    unreachable = [
        {"stop": problem.names[i], "reason": reason}
        for i in problem.stops
        if (reason := _why_unreachable(problem, i))
    ]
    if unreachable:
        raise UnreachableStop(
            f"{len(unreachable)} stop(s) no van can serve: "
            + "; ".join(f"{u['stop']}: {u['reason']}" for u in unreachable),
            stops=unreachable,
        )
    total = sum(problem.demands)
    capacity = sum(v.count * v.capacity for v in problem.fleet)
    if total > capacity:
        raise FleetTooSmall(
            f"the stops weigh {total} together; the vans carry {capacity} in one wave",
            demand=total,
            capacity=capacity,
        )


def _why_unreachable(problem: RoutingProblem, stop: int) -> str | None:
    out, back = int(problem.distances[0, stop]), int(problem.distances[stop, 0])
    if max(out, back, int(problem.durations[0, stop]), int(problem.durations[stop, 0])) >= NO_ROAD:
        return "no road from the depot" if out >= NO_ROAD else "no road back to the depot"
    shift_opens, shift_closes = problem.windows[0]
    opens, closes = problem.windows[stop]
    earliest = shift_opens + problem.service[0] + int(problem.durations[0, stop])
    if earliest > closes:
        return f"its window closes at {closes}, the earliest a van gets there is {earliest}"
    back_at = max(earliest, opens) + problem.service[stop] + int(problem.durations[stop, 0])
    if back_at > shift_closes:
        return f"a van serving it is back at {back_at} at best; the shift ends at {shift_closes}"
    return None


def build_model(problem: RoutingProblem) -> Model:
    """The problem as a PyVRP :class:`~pyvrp.Model` (vans' shifts are the depot's window)."""
    model = Model()
    coords = problem.coordinates or [(0.0, 0.0)] * len(problem.names)
    locations = [
        model.add_location(x=float(x), y=float(y), name=str(name))
        for (x, y), name in zip(coords, problem.names, strict=True)
    ]
    depot = model.add_depot(locations[0], name=str(problem.names[0]))
    shift_opens, shift_closes = problem.windows[0]
    for van in problem.fleet:
        model.add_vehicle_type(
            num_available=van.count,
            capacity=van.capacity,
            start_depot=depot,
            end_depot=depot,
            tw_early=shift_opens,
            tw_late=_closes(shift_closes),
        )
    for i in problem.stops:
        opens, closes = problem.windows[i]
        model.add_client(
            locations[i],
            delivery=int(problem.demands[i]),
            service_duration=int(problem.service[i]),
            tw_early=int(opens),
            tw_late=_closes(closes),
            name=str(problem.names[i]),
        )
    distances = problem.distances.tolist()
    durations = problem.durations.tolist()
    for i, frm in enumerate(locations):
        row_d, row_t = distances[i], durations[i]
        for j, to in enumerate(locations):
            if i != j:
                model.add_edge(frm, to, distance=row_d[j], duration=row_t[j])
    return model


def _closes(at: int) -> int:
    """PyVRP's own "no closing time" for an open window."""
    return UNBOUNDED if at >= OPEN else int(at)


def solve(problem: RoutingProblem, *, time_limit_s: float, seed: int = 0) -> DispatchResult:
    """Routes serving every stop within capacity and windows, the shortest PyVRP finds in
    ``time_limit_s``; raises instead of returning a plan that breaks a constraint."""
    if time_limit_s <= 0:
        raise InvalidWave(f"the solver needs some time ({time_limit_s=})")
    check_servable(problem)
    started = time.perf_counter()
    model = build_model(problem)
    with warnings.catch_warnings():
        # Raised when PyVRP struggles to find a feasible plan: it ends in NoFeasibleRoutes.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = model.solve(MaxRuntime(time_limit_s), seed=seed, display=False)
    runtime = time.perf_counter() - started
    best = result.best
    if not best.is_feasible():
        raise NoFeasibleRoutes(
            f"no plan found in {time_limit_s:g} s that serves every stop within capacity and "
            f"windows (best found: {best.num_missing_clients()} stops unserved, "
            f"{best.excess_load()} over capacity, {best.time_warp()} late)",
            missing=best.num_missing_clients(),
            excess_load=list(best.excess_load()),
            time_warp=best.time_warp(),
        )
    routes = tuple(_planned(route) for route in best.routes())
    if any(_uses_missing_road(problem, route) for route in routes):
        raise NoFeasibleRoutes("the only plans found drive where there is no road")
    return DispatchResult(
        routes=routes,
        cost=int(best.distance()),
        runtime_s=runtime,
        iterations=result.num_iterations,
        solver={"name": "pyvrp", "seed": seed, "time_limit_s": time_limit_s},
    )


def _planned(route: Any) -> PlannedRoute:
    visits = []
    for activity in route.schedule():
        if not activity.is_client():
            continue
        node = activity.idx + 1  # clients follow the single depot
        start = int(activity.start_time)
        visits.append(
            Visit(
                node=node,
                arrival=start - int(activity.wait_duration),
                start=start,
                end=int(activity.end_time),
            )
        )
    return PlannedRoute(
        van_type=int(route.vehicle_type()),
        visits=tuple(visits),
        departure=int(route.start_time()),
        return_=int(route.end_time()),
        distance=int(route.distance()),
        load=int(sum(route.delivery())),
    )


def _uses_missing_road(problem: RoutingProblem, route: PlannedRoute) -> bool:
    path = [0, *route.nodes, 0]
    return any(int(problem.distances[a, b]) >= NO_ROAD for a, b in itertools.pairwise(path))
