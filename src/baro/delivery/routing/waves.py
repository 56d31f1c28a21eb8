"""Van waves: per facility and wave, the orders due become routes for the vans.

The caller (platform, the twin) says which orders are due (:func:`due_in` helps), where each
goes, what it weighs and the window promised; which vans the facility has. The planner asks
its :class:`~baro.delivery.routing.distances.DistanceMatrix` for legs, hands the problem to
the dispatch solver (:func:`baro.delivery.routing.dispatch.solve`), and returns each van's
stops in order with their ETAs, and the :class:`RouteEvent` s that publish them: the caller
records those in the outbox (``baro.core.events.record``) in the transaction that keeps the
plan, so tracking sees every ETA the plan has and no other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from baro.core.clock import Clock, ensure_utc
from baro.core.events import DomainEvent
from baro.core.ids import new_id
from baro.delivery.routing.dispatch import (
    NO_ROAD,
    DispatchResult,
    RoutingProblem,
    VanType,
    solve,
)
from baro.delivery.routing.distances import DistanceMatrix, HaversineRoadMatrix, Point
from baro.delivery.routing.errors import InvalidWave, UnreachableStop

DEFAULT_SERVICE = timedelta(minutes=3)  # park, walk to the door, hand over


@dataclass(frozen=True)
class Wave:
    """Vans leave ``facility_id`` (at ``lat``, ``lng``) from ``starts_at`` and must be back
    by ``ends_at``."""

    facility_id: str
    lat: float
    lng: float
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts_at", ensure_utc(self.starts_at))
        object.__setattr__(self, "ends_at", ensure_utc(self.ends_at))
        if self.ends_at <= self.starts_at:
            raise InvalidWave(f"the wave ends ({self.ends_at}) before it starts ({self.starts_at})")


@dataclass(frozen=True)
class Drop:
    """One order to deliver: where, how heavy (grams), in which promised window."""

    order_id: str
    lat: float
    lng: float
    weight_g: int
    window_start: datetime
    window_end: datetime
    service: timedelta = DEFAULT_SERVICE

    def __post_init__(self) -> None:
        object.__setattr__(self, "window_start", ensure_utc(self.window_start))
        object.__setattr__(self, "window_end", ensure_utc(self.window_end))
        if self.weight_g < 0:
            raise InvalidWave(f"order {self.order_id} weighs {self.weight_g} g")
        if self.window_end < self.window_start:
            raise InvalidWave(f"order {self.order_id}'s window closes before it opens")


@dataclass(frozen=True)
class Van:
    id: str
    capacity_g: int


@dataclass(frozen=True)
class PlannedStop:
    order_id: str
    sequence: int  # 1 for the van's first stop
    eta: datetime  # arrival
    service_starts_at: datetime  # later than eta when the van is early for the window
    departs_at: datetime


@dataclass(frozen=True)
class VanRoute:
    route_id: str
    van_id: str
    stops: tuple[PlannedStop, ...]
    departs_at: datetime
    returns_at: datetime
    distance_m: int
    load_g: int


@dataclass(frozen=True, kw_only=True)
class RouteEvent(DomainEvent):
    """``route.planned`` (aggregate: the route) and ``route.stop_eta`` (aggregate: the order)."""

    kind: str

    @property
    def event_type(self) -> str:
        return f"route.{self.kind}"


@dataclass(frozen=True)
class WavePlan:
    wave: Wave
    routes: tuple[VanRoute, ...]
    planned_at: datetime
    solver: DispatchResult

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    def events(self) -> list[RouteEvent]:
        """What the caller records in the outbox with the plan: one ``route.planned`` per
        van, then one ``route.stop_eta`` per stop."""
        events: list[RouteEvent] = []
        for route in self.routes:
            events.append(
                RouteEvent(
                    kind="planned",
                    aggregate_id=route.route_id,
                    occurred_at=self.planned_at,
                    data={
                        "facility_id": self.wave.facility_id,
                        "van_id": route.van_id,
                        "departs_at": route.departs_at.isoformat(),
                        "returns_at": route.returns_at.isoformat(),
                        "distance_m": route.distance_m,
                        "load_g": route.load_g,
                        "order_ids": [s.order_id for s in route.stops],
                    },
                )
            )
            events.extend(
                RouteEvent(
                    kind="stop_eta",
                    aggregate_id=stop.order_id,
                    occurred_at=self.planned_at,
                    data={
                        "route_id": route.route_id,
                        "van_id": route.van_id,
                        "facility_id": self.wave.facility_id,
                        "sequence": stop.sequence,
                        "eta": stop.eta.isoformat(),
                        "service_starts_at": stop.service_starts_at.isoformat(),
                    },
                )
                for stop in route.stops
            )
        return events


def due_in(wave: Wave, drops: Iterable[Drop]) -> list[Drop]:
    """The drops whose window overlaps the wave (the others belong to another wave)."""
    return [d for d in drops if d.window_start < wave.ends_at and d.window_end > wave.starts_at]


class RoutePlanner:
    """Routes one wave at a time with the dispatch solver."""

    def __init__(
        self,
        clock: Clock,
        matrix: DistanceMatrix | None = None,
        *,
        time_limit_s: float = 5.0,
        seed: int = 0,
    ) -> None:
        if time_limit_s <= 0:
            raise ValueError(f"the solver needs some time ({time_limit_s=})")
        self.clock = clock
        self.matrix = matrix or HaversineRoadMatrix()
        self.time_limit_s = time_limit_s
        self.seed = seed

    def plan(self, wave: Wave, drops: Sequence[Drop], vans: Sequence[Van]) -> WavePlan:
        """Each van's stops in order with ETAs; raises (never a broken plan) when an order is
        heavier than any van, cannot be reached in its window, or the vans cannot carry all."""
        if not vans:
            raise InvalidWave(f"no vans at {wave.facility_id} for this wave")
        if len({d.order_id for d in drops}) != len(drops):
            raise InvalidWave("an order appears twice in the wave")
        if len({v.id for v in vans}) != len(vans):
            raise InvalidWave("a van appears twice in the wave")
        if past := [d.order_id for d in drops if d.window_end <= wave.starts_at]:
            raise UnreachableStop(
                f"{len(past)} order(s) have a window that closed before the wave starts: "
                + ", ".join(past),
                stops=[{"stop": o, "reason": "window closed before the wave"} for o in past],
            )
        if late := [d.order_id for d in drops if d.window_start >= wave.ends_at]:
            raise UnreachableStop(
                f"{len(late)} order(s) have a window that opens after the wave ends: "
                + ", ".join(late),
                stops=[{"stop": o, "reason": "window opens after the wave"} for o in late],
            )
        planned_at = self.clock.now()
        if not drops:
            empty = DispatchResult(routes=(), cost=0, runtime_s=0.0, iterations=0)
            return WavePlan(wave, (), planned_at, empty)
        problem, fleet = self._problem(wave, drops, vans)
        result = solve(problem, time_limit_s=self.time_limit_s, seed=self.seed)
        return WavePlan(wave, self._routes(wave, drops, fleet, result), planned_at, result)

    def _problem(
        self, wave: Wave, drops: Sequence[Drop], vans: Sequence[Van]
    ) -> tuple[RoutingProblem, list[list[Van]]]:
        points = [Point(wave.lat, wave.lng), *(Point(d.lat, d.lng) for d in drops)]
        legs = self.matrix.legs(points)
        by_capacity: dict[int, list[Van]] = {}
        for van in vans:
            by_capacity.setdefault(van.capacity_g, []).append(van)
        fleet = list(by_capacity.values())
        shift = _seconds(wave.ends_at - wave.starts_at)
        problem = RoutingProblem(
            names=[wave.facility_id, *(d.order_id for d in drops)],
            distances=_integers(legs.metres),
            durations=_integers(legs.seconds),
            demands=[0, *(d.weight_g for d in drops)],
            service=[0, *(_seconds(d.service) for d in drops)],
            windows=[
                (0, shift),
                *(
                    (
                        max(0, _seconds(d.window_start - wave.starts_at)),
                        min(shift, _seconds(d.window_end - wave.starts_at)),
                    )
                    for d in drops
                ),
            ],
            fleet=[VanType(len(group), group[0].capacity_g) for group in fleet],
            coordinates=[(p.lng, p.lat) for p in points],
        )
        return problem, fleet

    def _routes(
        self,
        wave: Wave,
        drops: Sequence[Drop],
        fleet: list[list[Van]],
        result: DispatchResult,
    ) -> tuple[VanRoute, ...]:
        free = [list(group) for group in fleet]
        at = wave.starts_at
        routes = []
        for route in result.routes:
            van = free[route.van_type].pop(0)
            stops = tuple(
                PlannedStop(
                    order_id=drops[visit.node - 1].order_id,
                    sequence=n,
                    eta=at + timedelta(seconds=visit.arrival),
                    service_starts_at=at + timedelta(seconds=visit.start),
                    departs_at=at + timedelta(seconds=visit.end),
                )
                for n, visit in enumerate(route.visits, start=1)
            )
            routes.append(
                VanRoute(
                    route_id=new_id("route"),
                    van_id=van.id,
                    stops=stops,
                    departs_at=at + timedelta(seconds=route.departure),
                    returns_at=at + timedelta(seconds=route.return_),
                    distance_m=route.distance,
                    load_g=route.load,
                )
            )
        return tuple(routes)


def _seconds(delta: timedelta) -> int:
    return math.floor(delta.total_seconds())


def _integers(matrix: np.ndarray) -> np.ndarray:
    """Round up to whole metres or seconds (an ETA a second late beats one early); no road
    stays no road."""
    rounded = np.where(np.isfinite(matrix), np.ceil(np.minimum(matrix, NO_ROAD)), NO_ROAD)
    return rounded.astype(np.int64)
