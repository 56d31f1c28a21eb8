"""Drones on the database: a base at a facility with its fleet, drop zones, dispatching
orders in turn to one drone, and the sortie's steps as outbox events of the order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.delivery.drones import (
    FLIGHT,
    DroneBaseExists,
    DropZoneTooFar,
    Item,
    NoDropZone,
    Weather,
)
from baro.delivery.drones.model import DronesGrounded
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, shopper

ITEM = [Item("prd_1", 400, 20, 10, 10)]
NEAR_HOME = (SAO_PAULO[0] + 0.001, SAO_PAULO[1])


def test_a_base_dispatches_in_turn_and_records_each_step(
    platform: Platform, clock: SimulatedClock
) -> None:
    facility = add_facility(platform, "FC SP", (SAO_PAULO[0], SAO_PAULO[1] + 0.05))
    base = platform.drones.open_base(facility, drones=1)
    assert [d.battery for d in base.drones] == [1.0]
    with pytest.raises(DroneBaseExists):
        platform.drones.open_base(facility, drones=2)
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    with pytest.raises(NoDropZone):
        platform.drones.check(ana.customer_id, ITEM)
    with pytest.raises(DropZoneTooFar):  # 11 km from her address
        platform.drones.set_drop_zone(ana.customer_id, -23.45, -46.6333, address=SAO_PAULO)
    for who in (ana, bia):
        platform.drones.set_drop_zone(who.customer_id, *NEAR_HOME, address=SAO_PAULO)

    first = platform.drones.dispatch("ord_a", ana.customer_id, ITEM)
    second = platform.drones.dispatch("ord_b", bia.customer_id, ITEM)
    assert platform.drones.dispatch("ord_a", ana.customer_id, ITEM).launch_at == first.launch_at
    assert first.launch_at == clock.now()
    assert second.launch_at >= first.return_at  # one drone: the second waits its turn

    clock.advance(FLIGHT.to_drop(5.2))
    assert platform.drones.advance() == ["drone.launched", "drone.dropped"]
    clock.advance(timedelta(hours=2))
    platform.drones.advance()
    with platform.db.read() as session:
        steps = [(e.event_type, e.aggregate_id) for e in read_log(session)]
    assert [t for t, order in steps if order == "ord_a"] == [
        "drone.assigned",
        "drone.launched",
        "drone.dropped",
        "drone.returned",
    ]
    assert [t for t, order in steps if order == "ord_b"][-1] == "drone.returned"


def test_weather_grounds_a_base(platform: Platform) -> None:
    facility = add_facility(platform, "FC SP", SAO_PAULO)
    base = platform.drones.open_base(facility, drones=2)
    ana = shopper(platform)
    platform.drones.set_drop_zone(ana.customer_id, *NEAR_HOME, address=SAO_PAULO)
    platform.drones.set_weather(base.id, Weather(rain_mm_h=5))
    with pytest.raises(DronesGrounded):
        platform.drones.check(ana.customer_id, ITEM)
    platform.drones.set_weather(base.id, Weather())
    assert platform.drones.check(ana.customer_id, ITEM).best.base.id == base.id
