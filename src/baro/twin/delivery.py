"""The twin's routed delivery stage (``baro simulate --delivery routed``): baro's own vans and
drones carry the parcels, instead of Olist's historical carrier-to-door times.

When a parcel is handed over (shipped), it goes one of three ways:

* **drone**: the order was promised by drone (``baro.delivery.promise``: a drone base holds
  the stock, ≤ 2.3 kg with packaging, ≤ 16 km), its facility has a drone base in the twin's
  world, and the drones' own eligibility (``baro.delivery.drones.check``: bay size, range,
  the airports' no-fly zones) holds. The dispatcher (``assign``: FIFO, the earliest-ready
  drone, battery charging while it waits) gives the sortie; the door time is its drop.
* **van** (or **locker**): the customer (or, for a locker order, the nearest locker bank) is
  within ``van_zone_km`` of the shipping facility. Each facility runs one van wave a day:
  at ``wave_start`` the parcels handed over before it and not yet delivered become a wave
  for ``RoutePlanner`` (PyVRP) with the facility's van fleet (``fleets``, by facility kind);
  the door time is the stop's ETA. What does not fit (more weight or stops than the fleet
  takes, or no plan found) waits for the next day's wave, oldest hand-overs first.
* **carrier**: anything else (an address beyond the vans' zone: another city, another
  state). Baro runs no line haul in the twin yet, so these keep the sampled stage's time
  (Olist's carrier-to-door by distance) and its daily capacity.

Every wave's routes and ETAs (``route.planned``, ``route.stop_eta``) and every sortie
(``drone.assigned``) go to the outbox, and the KPIs read them from there (``kpis``).

Solver time per wave. PyVRP's stop criterion is a fixed run time, spent in full however
small the wave is, so the limit grows with the wave: ``time_per_stop_s`` (10 ms) a stop,
at least ``min_time_s`` (0.05 s), at most ``time_limit_s`` (1 s, reached at 100 stops). A
replay plans one wave per facility per day it has parcels: October 2017 of the Olist sample
under the five-centre world was 70 waves of 3.4 stops on average, 4.1 s of solving in all
(``docs/benchmarks.md``). Waves that small have few plans to choose from, and a
shift-wide window on every stop; a replay needs many plans fast, not one plan perfect (the
solver's quality at 30 s is ``baro bench routing``'s subject). A full-scale world (a
hundred stops a wave) reaches the 1 s cap: a facility-day a second.

Costs (``DeliveryCosts``, in the data set's currency, illustrative, documented in
``docs/benchmarks.md``): a van costs ``van_per_km`` per route kilometre (fuel, tyres,
upkeep) and ``van_per_hour`` per hour from leaving the facility to being back (driver and
lease); a drone ``drone_per_sortie`` (battery wear, upkeep, the remote pilot's share); a
carrier parcel what the sampled model charges (``kpis.PARCEL_HANDLING`` + ``kpis.PER_KM``
per facility-to-customer km).

Windows: every stop of a wave may be served at any time of its shift (a parcel on the van
goes out today, early or late against its promise); on-time is measured against the
promise, not planned towards it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import simpy

from baro.core.clock import Clock
from baro.core.events import DomainEvent
from baro.core.geo import haversine_km
from baro.delivery.drones import (
    FLIGHT,
    Base,
    DroneNotEligible,
    DronesGrounded,
    DroneState,
    FlightModel,
    Item,
    NoDroneAvailable,
    NoDropZone,
    NoFlyZone,
    assign,
    check,
)
from baro.delivery.routing import (
    Drop,
    FleetTooSmall,
    HaversineRoadMatrix,
    NoFeasibleRoutes,
    OverCapacityStop,
    RoutePlanner,
    UnreachableStop,
    Van,
    Wave,
)
from baro.network import FacilityKind

DELIVERY_MODES = ("sampled", "routed")


@dataclass(frozen=True)
class VanFleet:
    vans: int
    capacity_g: int

    def __post_init__(self) -> None:
        if self.vans < 1 or self.capacity_g < 1:
            raise ValueError(f"a fleet has at least one van that carries something: {self}")


@dataclass(frozen=True)
class DeliveryCosts:
    van_per_km: Decimal = Decimal("1.20")
    van_per_hour: Decimal = Decimal("45.00")
    drone_per_sortie: Decimal = Decimal("7.00")

    def describe(self) -> str:
        return (
            f"vans {self.van_per_km} per route km + {self.van_per_hour} per van hour; "
            f"drones {self.drone_per_sortie} per sortie"
        )


DEFAULT_FLEETS: Mapping[FacilityKind, VanFleet] = {
    FacilityKind.FULFILLMENT_CENTER: VanFleet(20, 800_000),
    FacilityKind.STORE: VanFleet(4, 800_000),
    FacilityKind.SELLER_WAREHOUSE: VanFleet(1, 800_000),
}


@dataclass(frozen=True)
class RoutedSettings:
    """Everything the routed stage reads; the defaults are the twin's world."""

    fleets: Mapping[FacilityKind, VanFleet] = field(default_factory=lambda: DEFAULT_FLEETS)
    van_zone_km: float = 50.0  # straight line from the facility to the stop
    wave_start: time = time(9)  # UTC: vans leave; parcels handed over before it go along
    wave_end: time = time(21)  # UTC: vans are back
    max_stops_per_van: int = 40
    time_limit_s: float = 1.0
    time_per_stop_s: float = 0.01
    min_time_s: float = 0.05
    road_factor: float = 1.3
    van_speed_kmh: float = 30.0
    drone_base_kinds: frozenset[FacilityKind] = frozenset({FacilityKind.FULFILLMENT_CENTER})
    drones_per_base: int = 40
    # Of the customers within a drone's range of a base, those who set a drop zone (and
    # prefer drones): the drone scenario's 80 % (twin/drone_scenario.py).
    drop_zone_share: float = 0.8
    costs: DeliveryCosts = field(default_factory=DeliveryCosts)
    seed: int = 0

    def solver_seconds(self, stops: int) -> float:
        return min(self.time_limit_s, max(self.min_time_s, self.time_per_stop_s * stops))


@dataclass(frozen=True)
class Parcel:
    """An order handed over at ``facility_id``, to (lat, lng), promised ``option``."""

    order_id: str
    facility_id: str
    lat: float
    lng: float
    weight_g: int
    option: str | None
    items: Sequence[Item] = ()


@dataclass(frozen=True, kw_only=True)
class SortieEvent(DomainEvent):
    """``drone.assigned`` on the order: the sortie the twin's dispatcher gave it."""

    @property
    def event_type(self) -> str:
        return "drone.assigned"


@dataclass
class _Waiting:
    parcel: Parcel
    handed_over_at: datetime
    door: simpy.Event


@dataclass
class WaveLog:
    """What the stage did, for the metrics: waves planned, solver seconds, spill-overs."""

    waves: int = 0
    solver_s: float = 0.0
    stops: int = 0
    carried_over: int = 0  # parcel-days waiting for a later wave
    to_carrier: int = 0  # parcels no wave could serve, handed to the carrier

    def as_dict(self) -> dict[str, Any]:
        return {
            "waves": self.waves,
            "solver_s": round(self.solver_s, 1),
            "stops": self.stops,
            "carried_over": self.carried_over,
            "to_carrier": self.to_carrier,
        }


Recorder = Callable[[Sequence[DomainEvent]], None]


class RoutedDelivery:
    """The stage on SimPy's clock: ``hand_over`` at shipping, a wave process per day."""

    def __init__(
        self,
        env: simpy.Environment,
        clock: Clock,
        facilities: Mapping[str, tuple[float, float, FacilityKind]],
        record: Recorder,
        settings: RoutedSettings | None = None,
        *,
        drone_bases: Sequence[str] = (),
        lockers: Mapping[str, tuple[float, float]] | None = None,
        no_fly: Sequence[NoFlyZone] = (),
        flight: FlightModel = FLIGHT,
        locker_km: float = 3.0,
    ) -> None:
        self.env, self.clock, self.record = env, clock, record
        self.settings = settings or RoutedSettings()
        self.facilities = facilities
        self.lockers = dict(lockers or {})
        self.locker_km = locker_km
        self.no_fly = list(no_fly)
        self.flight = flight
        self.planner = RoutePlanner(
            clock,
            HaversineRoadMatrix(self.settings.road_factor, self.settings.van_speed_kmh),
            time_limit_s=self.settings.time_limit_s,
            seed=self.settings.seed,
        )
        self.bases = {
            fid: Base(fid, f"Drone base {fid}", facilities[fid][0], facilities[fid][1])
            for fid in drone_bases
        }
        start = clock.now()
        self.drones: dict[str, dict[str, DroneState]] = {
            fid: {
                f"{fid}-d{k:03d}": DroneState(f"{fid}-d{k:03d}", fid, start)
                for k in range(1, self.settings.drones_per_base + 1)
            }
            for fid in drone_bases
        }
        self.pending: dict[str, list[_Waiting]] = {}
        self.log = WaveLog()
        self._waves_running = False

    # hand-over --------------------------------------------------------------------------

    def hand_over(self, parcel: Parcel) -> simpy.Event | None:
        """An event that fires with the door time (a datetime), or with None when no van
        can take the parcel after all; None at once when baro's fleet does not carry it
        (the carrier's sampled time applies)."""
        now = self.clock.now()
        if parcel.option == "drone" and (door := self._fly(parcel, now)) is not None:
            event = self.env.event()
            event.succeed(door)
            return event
        stop = self._stop(parcel)
        if stop is None:
            return None
        origin = self.facilities[parcel.facility_id]
        if haversine_km(origin[0], origin[1], stop[0], stop[1]) > self.settings.van_zone_km:
            return None
        if origin[2] not in self.settings.fleets:
            return None
        waiting = _Waiting(
            Parcel(
                parcel.order_id,
                parcel.facility_id,
                stop[0],
                stop[1],
                parcel.weight_g,
                parcel.option,
            ),
            now,
            self.env.event(),
        )
        self.pending.setdefault(parcel.facility_id, []).append(waiting)
        if not self._waves_running:
            self._waves_running = True
            self.env.process(self._waves())
        return waiting.door

    def _stop(self, parcel: Parcel) -> tuple[float, float] | None:
        if parcel.option != "locker":
            return parcel.lat, parcel.lng
        near = min(
            (
                (haversine_km(parcel.lat, parcel.lng, lat, lng), (lat, lng))
                for lat, lng in self.lockers.values()
            ),
            default=None,
        )
        if near is None or near[0] > self.locker_km:
            return parcel.lat, parcel.lng  # no bank near: to the door
        return near[1]

    def _fly(self, parcel: Parcel, now: datetime) -> datetime | None:
        base = self.bases.get(parcel.facility_id)
        if base is None:
            return None
        try:
            found = check(parcel.items, (parcel.lat, parcel.lng), [base], self.no_fly, self.flight)
        except (DroneNotEligible, NoDropZone, DronesGrounded):
            return None
        fleet = self.drones[parcel.facility_id]
        try:
            sortie, after = assign(
                parcel.order_id, found.best.distance_km, now, list(fleet.values()), self.flight
            )
        except NoDroneAvailable:
            return None
        fleet[after.id] = after
        self.record(
            [
                SortieEvent(
                    aggregate_id=parcel.order_id,
                    occurred_at=now,
                    data={
                        "drone_id": sortie.drone_id,
                        "facility_id": parcel.facility_id,
                        "distance_km": round(found.best.distance_km, 2),
                        "launch_at": sortie.launch_at.isoformat(),
                        "drop_at": sortie.drop_at.isoformat(),
                        "return_at": sortie.return_at.isoformat(),
                    },
                )
            ]
        )
        return sortie.drop_at

    # waves ------------------------------------------------------------------------------

    def next_wave(self, after: datetime) -> datetime:
        """The first wave start strictly after ``after``."""
        today = datetime.combine(after.date(), self.settings.wave_start, tzinfo=after.tzinfo)
        return today if today > after else today + timedelta(days=1)

    def _waves(self) -> simpy.events.ProcessGenerator:
        while any(self.pending.values()):
            start = self.next_wave(self.clock.now())
            yield self.env.timeout(max(0.0, (start - self.clock.now()).total_seconds()))
            for facility_id in sorted(self.pending):
                waiting = self.pending[facility_id]
                if waiting:
                    self.pending[facility_id] = self._run_wave(facility_id, waiting, start)
        self._waves_running = False

    def _run_wave(
        self, facility_id: str, waiting: list[_Waiting], start: datetime
    ) -> list[_Waiting]:
        """Route what fits today; returns what waits for tomorrow."""
        lat, lng, kind = self.facilities[facility_id]
        fleet = self.settings.fleets[kind]
        end = datetime.combine(start.date(), self.settings.wave_end, tzinfo=start.tzinfo)
        wave = Wave(facility_id, lat, lng, start, end)
        ordered = sorted(waiting, key=lambda w: (w.handed_over_at, w.parcel.order_id))
        take: list[_Waiting] = []
        weight = 0
        for item in ordered:
            if len(take) >= fleet.vans * self.settings.max_stops_per_van:
                break
            if weight + item.parcel.weight_g > fleet.vans * fleet.capacity_g:
                break
            take.append(item)
            weight += item.parcel.weight_g
        vans = [Van(f"{facility_id}-van{k:02d}", fleet.capacity_g) for k in range(fleet.vans)]
        while take:
            drops = [
                Drop(w.parcel.order_id, w.parcel.lat, w.parcel.lng, w.parcel.weight_g, start, end)
                for w in take
            ]
            self.planner.time_limit_s = self.settings.solver_seconds(len(drops))
            try:
                plan = self.planner.plan(wave, drops, vans)
            except (NoFeasibleRoutes, FleetTooSmall):
                take = take[: (len(take) * 3) // 4]  # the newest quarter waits for tomorrow
                continue
            except (UnreachableStop, OverCapacityStop) as error:
                refused = {s["stop"] for s in error.context.get("stops", [])}
                for w in take:
                    if w.parcel.order_id in refused:
                        self.log.to_carrier += 1
                        w.door.succeed(None)
                waiting = [w for w in waiting if w.parcel.order_id not in refused]
                take = [w for w in take if w.parcel.order_id not in refused]
                continue
            self.log.waves += 1
            self.log.solver_s += plan.solver.runtime_s
            self.log.stops += len(drops)
            self.record(plan.events())
            by_order = {w.parcel.order_id: w for w in take}
            for route in plan.routes:
                for stop in route.stops:
                    by_order[stop.order_id].door.succeed(stop.eta)
            served = set(by_order)
            left = [w for w in waiting if w.parcel.order_id not in served]
            self.log.carried_over += len(left)
            return left
        self.log.carried_over += len(waiting)
        return waiting


def mode_of(option: str | None, van: bool, drone: bool) -> str:
    """How a parcel travelled: drone, locker (a van to the bank), van, or carrier."""
    if drone:
        return "drone"
    if van:
        return "locker" if option == "locker" else "van"
    return "carrier"
