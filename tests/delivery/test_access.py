"""In-car delivery without the API: windows, vehicles, reassignment and expiry on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.delivery.access import (
    AccessDenied,
    CourierNotAuthenticated,
    InvalidVehicle,
    InvalidWindow,
    TrunkAccess,
    TrunkState,
    TrunkStateConflict,
    VehicleNotAuthenticated,
)
from baro.platform import Platform
from tests.conftest import START


@pytest.fixture
def trunk(platform: Platform) -> TrunkAccess:
    return platform.trunk


def car(trunk: TrunkAccess, plate: str = "ABC1D23") -> str:
    return trunk.register_vehicle(
        "cus_1", plate=plate, make="Kia", model="EV6", lat=-23.5, lng=-46.6
    ).vehicle.id


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (START - timedelta(hours=2), START - timedelta(hours=1)),  # in the past
        (START - timedelta(hours=1), START + timedelta(hours=1)),  # started an hour ago
        (START + timedelta(hours=2), START + timedelta(hours=1)),  # ends before it starts
        (START, START + timedelta(hours=13)),  # longer than 12 hours
        (START + timedelta(days=15), START + timedelta(days=15, hours=1)),  # too far ahead
    ],
)
def test_windows_that_cannot_hold_are_refused(trunk: TrunkAccess, start, end) -> None:
    vehicle = car(trunk)
    with pytest.raises(InvalidWindow) as refused:
        trunk.consent("cus_1", "ord_1", vehicle, start, end)
    assert refused.value.context["earliest_start"] == START


@pytest.mark.parametrize("plate", ["", "AB C!", "X" * 17, "---", "ÄB1", "²", "AB\tC"])
def test_a_plate_is_letters_digits_and_dashes(trunk: TrunkAccess, plate: str) -> None:
    with pytest.raises(InvalidVehicle):
        car(trunk, plate)


def test_reassigning_voids_the_code_already_issued(
    trunk: TrunkAccess, clock: SimulatedClock
) -> None:
    vehicle = car(trunk)
    delivery, _ = trunk.consent("cus_1", "ord_1", vehicle, START, START + timedelta(hours=2))
    first = trunk.add_courier("Ana").courier.id
    second = trunk.add_courier("Bruno").courier.id
    trunk.assign(delivery.id, first)
    code = trunk.issue_code(first, delivery.id).code

    trunk.assign(delivery.id, second)

    with pytest.raises(AccessDenied) as denied:
        trunk.open_trunk(first, delivery.id, vehicle, code, client="t")
    assert denied.value.context["reason"] == "wrong_courier"
    with pytest.raises(AccessDenied) as denied:
        trunk.open_trunk(second, delivery.id, vehicle, code, client="t")
    assert denied.value.context["reason"] == "no_code"


def test_windows_that_passed_expire_with_their_codes(
    platform: Platform, trunk: TrunkAccess, clock: SimulatedClock
) -> None:
    vehicle = car(trunk)
    delivery, _ = trunk.consent("cus_1", "ord_1", vehicle, START, START + timedelta(hours=1))
    courier = trunk.add_courier("Ana").courier.id
    trunk.assign(delivery.id, courier)
    trunk.issue_code(courier, delivery.id)
    clock.advance(timedelta(hours=1))

    (expired,) = trunk.expire_windows()

    assert expired.state is TrunkState.EXPIRED
    assert trunk.expire_windows() == []
    with pytest.raises(TrunkStateConflict):
        trunk.assign(delivery.id, courier)
    with platform.db.read() as session:
        assert "trunk.expired" in [e.event_type for e in read_log(session)]


def test_no_code_is_issued_after_the_window(trunk: TrunkAccess, clock: SimulatedClock) -> None:
    vehicle = car(trunk)
    delivery, _ = trunk.consent("cus_1", "ord_1", vehicle, START, START + timedelta(hours=1))
    courier = trunk.add_courier("Ana").courier.id
    trunk.assign(delivery.id, courier)
    clock.advance(timedelta(hours=2))

    with pytest.raises(TrunkStateConflict):
        trunk.issue_code(courier, delivery.id)
    assert trunk.for_order("cus_1", "ord_1").state is TrunkState.EXPIRED


def test_keys_of_couriers_and_cars_are_checked(trunk: TrunkAccess) -> None:
    added = trunk.add_courier("Ana")
    registered = trunk.register_vehicle(
        "cus_1", plate="XYZ", make="Kia", model="EV6", lat=0.0, lng=0.0
    )

    assert trunk.courier(added.key) == added.courier
    assert trunk.vehicle(registered.telematics_key) == registered.vehicle
    with pytest.raises(CourierNotAuthenticated):
        trunk.courier(registered.telematics_key)
    with pytest.raises(VehicleNotAuthenticated):
        trunk.vehicle(added.key)


def test_assigning_the_same_courier_again_keeps_the_code(
    trunk: TrunkAccess, clock: SimulatedClock
) -> None:
    vehicle = car(trunk)
    delivery, _ = trunk.consent("cus_1", "ord_1", vehicle, START, START + timedelta(hours=2))
    courier = trunk.add_courier("Ana").courier.id
    trunk.assign(delivery.id, courier)
    code = trunk.issue_code(courier, delivery.id).code

    trunk.assign(delivery.id, courier)

    opened = trunk.open_trunk(courier, delivery.id, vehicle, code, client="t")
    assert opened.state is TrunkState.OPENED
