"""The dispatcher: which drone flies which order, and when. Plain Python, shared by the
platform (on the drones' rows) and the twin (on its simulated clock).

Rule: orders are served first come, first served (FIFO), each by the drone of its base
that can launch it soonest: back from its last sortie and charged enough for this one
(the battery charges while the drone waits). Ties go to the lower drone id.

Why this rule: the goal is click-to-door within 30 minutes for *every* order, so no order
may be overtaken indefinitely (a shortest-flight-first queue would lift the share at a
peak a little, but leave far drop zones waiting for as long as the peak lasts); and given
the orders before it, taking the drone that is ready soonest is the earliest this order
can leave. One order per sortie, so there is nothing to batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from baro.core.errors import Conflict
from baro.delivery.drones.model import FLIGHT, FlightModel


class NoDroneAvailable(Conflict):
    """The base has no drone (all retired), or none could ever carry this sortie."""

    code = "no_drone_available"


@dataclass(frozen=True)
class DroneState:
    """A drone as the dispatcher plans with it: free (landed) at ``free_at`` with
    ``battery`` (share of full) at that moment."""

    id: str
    base_id: str
    free_at: datetime
    battery: float = 1.0

    def battery_at(self, at: datetime, flight: FlightModel) -> float:
        charged = max(timedelta(0), at - self.free_at) / flight.full_charge
        return min(1.0, self.battery + charged)

    def ready_for(self, needed: float, not_before: datetime, flight: FlightModel) -> datetime:
        """The earliest launch at or after ``not_before`` with ``needed`` battery aboard
        (plus the reserve)."""
        start = max(self.free_at, not_before)
        missing = needed + flight.reserve_share - self.battery_at(start, flight)
        return start + flight.full_charge * max(0.0, missing)


@dataclass(frozen=True)
class Sortie:
    order_id: str
    drone_id: str
    base_id: str
    ready_at: datetime  # the parcel was packed and waiting at the base
    launch_at: datetime
    drop_at: datetime
    return_at: datetime
    battery_at_launch: float
    battery_after: float

    @property
    def waited(self) -> timedelta:
        return self.launch_at - self.ready_at


def assign(
    order_id: str,
    distance_km: float,
    ready_at: datetime,
    fleet: Sequence[DroneState],
    flight: FlightModel = FLIGHT,
) -> tuple[Sortie, DroneState]:
    """The sortie for the next order in the queue, and the drone's state after it."""
    needed = flight.battery_used(distance_km)
    if not fleet or needed > flight.usable:
        raise NoDroneAvailable(
            f"no drone can fly {distance_km:.1f} km and back"
            if fleet
            else "this base has no drones",
            distance_km=round(distance_km, 2),
        )
    launch, drone = min(
        ((d.ready_for(needed, ready_at, flight), d) for d in fleet), key=lambda p: (p[0], p[1].id)
    )
    at_launch = drone.battery_at(launch, flight)
    after = at_launch - needed
    drop = launch + flight.to_drop(distance_km)
    back = launch + flight.sortie(distance_km)
    sortie = Sortie(
        order_id,
        drone.id,
        drone.base_id,
        ready_at,
        launch,
        drop,
        back,
        round(at_launch, 4),
        round(after, 4),
    )
    return sortie, replace(drone, free_at=back, battery=after)


def assign_all(
    queue: Sequence[tuple[str, float, datetime]],
    fleet: Sequence[DroneState],
    flight: FlightModel = FLIGHT,
) -> list[Sortie]:
    """Sorties for a queue of (order id, distance km, ready at), served in that order."""
    drones = {d.id: d for d in fleet}
    sorties = []
    for order_id, distance_km, ready_at in queue:
        sortie, after = assign(order_id, distance_km, ready_at, list(drones.values()), flight)
        drones[after.id] = after
        sorties.append(sortie)
    return sorties
