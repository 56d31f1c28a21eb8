"""Drones, pure: eligibility (weight, size, range, no-fly, weather), flight time, battery,
and the dispatcher's queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baro.delivery.drones import (
    FLIGHT,
    Base,
    DronesGrounded,
    DroneState,
    InNoFlyZone,
    Item,
    NoDropZone,
    NoFlyZone,
    OutOfDroneRange,
    TooBigForDrone,
    TooHeavyForDrone,
    Weather,
    assign_all,
    check,
    payload_g,
    zone_polygon,
)

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BASE = Base("b1", "Base Sé", -23.5505, -46.6333)
NEAR = (-23.5505, -46.5533)  # ~8.2 km east of the base
FAR = (-23.5505, -46.4333)  # ~20.4 km east


def item(weight_g: int = 500, quantity: int = 1, side: int = 20) -> Item:
    return Item("prd_1", weight_g, side, side // 2, side // 2, quantity)


def test_a_light_parcel_near_a_base_flies_from_it() -> None:
    found = check([item()], NEAR, [BASE])
    assert found.best.base.id == "b1"
    assert found.best.distance_km == pytest.approx(8.16, abs=0.05)
    assert found.payload_g == payload_g([item()]) > 500  # packaging counts


def test_the_payload_limit_counts_the_packaging() -> None:
    packaging = payload_g([item(weight_g=1)]) - 1
    check([item(weight_g=2_300 - packaging)], NEAR, [BASE])
    with pytest.raises(TooHeavyForDrone) as refused:
        check([item(weight_g=2_301 - packaging)], NEAR, [BASE])
    assert refused.value.context["max_payload_g"] == 2_300
    assert refused.value.context["holds"] == []


def test_too_many_of_a_light_item_names_the_quantity_that_flies() -> None:
    with pytest.raises(TooHeavyForDrone) as refused:
        check([item(weight_g=600, quantity=4)], NEAR, [BASE])
    fits = refused.value.context["max_quantity_that_flies"]["prd_1"]
    assert 1 <= fits < 4
    check([item(weight_g=600, quantity=fits)], NEAR, [BASE])


def test_a_box_bigger_than_the_bay_does_not_fly() -> None:
    with pytest.raises(TooBigForDrone):
        check([Item("p", 300, 60, 10, 5)], NEAR, [BASE])


def test_no_drop_zone_no_drone() -> None:
    with pytest.raises(NoDropZone) as refused:
        check([item()], None, [BASE])
    assert refused.value.context["holds"] == ["payload", "size"]


def test_sixteen_km_is_the_range() -> None:
    with pytest.raises(OutOfDroneRange) as refused:
        check([item()], FAR, [BASE])
    assert refused.value.context["nearest_base_km"] == pytest.approx(20.4, abs=0.1)
    assert refused.value.context["holds"] == ["payload", "size", "drop_zone"]
    second = Base("b2", "Base Leste", -23.5505, -46.50)
    assert check([item()], FAR, [BASE, second]).best.base.id == "b2"


def test_a_drop_zone_inside_a_no_fly_polygon_is_refused() -> None:
    box = zone_polygon([(-23.56, -46.56), (-23.56, -46.54), (-23.54, -46.54), (-23.54, -46.56)])
    with pytest.raises(InNoFlyZone):
        check([item()], NEAR, [BASE], [NoFlyZone("z1", "Airport", box)])


def test_a_no_fly_zone_on_the_way_rules_out_that_base_only() -> None:
    # A wall between the base and the drop zone, north-south.
    wall = zone_polygon([(-23.60, -46.60), (-23.60, -46.59), (-23.50, -46.59), (-23.50, -46.60)])
    zones = [NoFlyZone("z2", "Stadium", wall)]
    with pytest.raises(InNoFlyZone):
        check([item()], NEAR, [BASE], zones)
    beyond = Base("b3", "Base Leste", -23.5505, -46.52)  # on the drop zone's side
    assert check([item()], NEAR, [BASE, beyond], zones).best.base.id == "b3"


def test_wind_grounds_a_base() -> None:
    stormy = Base("b1", "Base Sé", BASE.lat, BASE.lng, Weather(wind_ms=15))
    with pytest.raises(DronesGrounded) as refused:
        check([item()], NEAR, [stormy])
    assert "wind" in refused.value.context["bases"][0]["grounded_because"][0]


def test_flight_time_at_80_kmh_plus_take_off_drop_and_landing() -> None:
    assert FLIGHT.to_drop(16) == timedelta(seconds=75 + 12 * 60 + 45)
    assert FLIGHT.sortie(16) == timedelta(seconds=75 + 24 * 60 + 45 + 60)
    assert FLIGHT.battery_used(16) < FLIGHT.usable  # the longest sortie fits the battery


def test_fifo_earliest_available_drone_and_queueing() -> None:
    fleet = [DroneState("d1", "b1", T0), DroneState("d2", "b1", T0)]
    queue = [(f"o{n}", 8.0, T0) for n in range(3)]
    first, second, third = assign_all(queue, fleet)
    assert (first.drone_id, second.drone_id) == ("d1", "d2")
    assert first.launch_at == second.launch_at == T0
    # The third waits for the first drone back, then for enough charge.
    assert third.drone_id == "d1"
    assert third.launch_at >= first.return_at
    assert third.waited > timedelta(0)
    assert first.drop_at - first.launch_at == FLIGHT.to_drop(8.0)


def test_the_battery_charges_while_the_drone_waits() -> None:
    tired = DroneState("d1", "b1", T0, battery=0.3)
    needed = FLIGHT.battery_used(10)
    (sortie,) = assign_all([("o1", 10.0, T0)], [tired])
    expected = T0 + FLIGHT.full_charge * (needed + FLIGHT.reserve_share - 0.3)
    assert sortie.launch_at == expected
    assert sortie.battery_after == pytest.approx(FLIGHT.reserve_share, abs=1e-3)
    (later,) = assign_all([("o1", 10.0, T0 + timedelta(hours=1))], [tired])
    assert later.launch_at == T0 + timedelta(hours=1)  # charged meanwhile
