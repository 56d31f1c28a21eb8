"""Lockers without the API: what fits where, the parcel an order makes, and the service's
rules on SQLite (one order per compartment, arrival, release, codes)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baro.core.clock import SimulatedClock
from baro.delivery.lockers import (
    AlreadyReserved,
    Box,
    CompartmentSize,
    InvalidLocker,
    InvalidParcel,
    InvalidPickupCode,
    Item,
    Lockers,
    PickupCodeNotFound,
    ReservationNotFound,
    ReservationState,
    ReservationStateConflict,
    parcel_of,
    sizes_that_fit,
)
from baro.delivery.lockers.service import (
    PICKUP_CODE_PATTERN,
    new_pickup_code,
    normalise_code,
    show_code,
)
from baro.platform import Platform
from tests.builders import SAO_PAULO

S, M, L = CompartmentSize.S, CompartmentSize.M, CompartmentSize.L


def test_a_parcel_may_be_turned_to_fit() -> None:
    assert Box(10, 40, 30).fits_in(Box(40, 30, 10))
    assert not Box(41, 5, 5).fits_in(Box(40, 30, 10))


def test_sizes_that_fit_are_smallest_first() -> None:
    assert sizes_that_fit(Box(30, 10, 10)) == [S, M, L]
    assert sizes_that_fit(Box(30, 20, 20)) == [M, L]
    assert sizes_that_fit(Box(50, 40, 40)) == [L]
    assert sizes_that_fit(Box(61, 10, 10)) == []


def test_items_are_stacked_flat_into_one_parcel() -> None:
    parcel = parcel_of([Item(Box(30, 10, 10), 2), Item(Box(5, 35, 4), 1)])

    # Longest side 35, width 10 (the widest item), 10 + 10 + 4 high; turned: 35 × 24 × 10.
    assert parcel.sides == (35, 24, 10)


@pytest.mark.parametrize("bad", [[], [Item(Box(1, 1, 1), 0)]])
def test_an_empty_parcel_is_refused(bad: list[Item]) -> None:
    with pytest.raises(InvalidParcel):
        parcel_of(bad)


def test_a_box_needs_positive_sides() -> None:
    with pytest.raises(InvalidParcel):
        Box(10, 0, 10)


def test_codes_are_read_forgivingly_but_only_from_the_alphabet() -> None:
    assert normalise_code("abcd-efgh") == "ABCDEFGH"
    assert normalise_code("ABCD EFGH") == "ABCDEFGH"
    assert normalise_code("ABCD-EFG0") is None  # 0 is not in the alphabet
    assert normalise_code("ABC") is None


@given(st.from_regex(PICKUP_CODE_PATTERN, fullmatch=True))
def test_whatever_the_documented_pattern_allows_reads_as_a_code(typed: str) -> None:
    """The API refuses what the pattern refuses; the rest must be a code the service can
    look up, or a schema-valid request would be refused as malformed."""
    assert normalise_code(typed) is not None


def test_an_issued_code_as_shown_fits_the_documented_pattern() -> None:
    for _ in range(200):
        assert re.fullmatch(PICKUP_CODE_PATTERN, show_code(new_pickup_code()))


@pytest.fixture
def lockers(platform: Platform) -> Lockers:
    return platform.lockers


def test_a_locker_needs_compartments(lockers: Lockers) -> None:
    with pytest.raises(InvalidLocker):
        lockers.open_locker("Empty", *SAO_PAULO, {})
    with pytest.raises(InvalidLocker):
        lockers.open_locker("Nowhere", 91.0, 0.0, {S: 1})


def test_an_order_holds_one_locker_and_can_release_it_before_arrival(lockers: Lockers) -> None:
    a = lockers.open_locker("A", *SAO_PAULO, {S: 1}).id
    b = lockers.open_locker("B", *SAO_PAULO, {S: 1}).id
    held, replayed = lockers.reserve("cus_1", "ord_1", a, Box(30, 10, 10), near=SAO_PAULO)

    assert not replayed
    with pytest.raises(AlreadyReserved):
        lockers.reserve("cus_1", "ord_1", b, Box(30, 10, 10), near=SAO_PAULO)
    with pytest.raises(ReservationNotFound):  # another customer naming my order
        lockers.reserve("cus_2", "ord_1", a, Box(30, 10, 10), near=SAO_PAULO)

    released = lockers.release("cus_1", "ord_1")
    assert released.state is ReservationState.RELEASED and released.id == held.id
    moved, _ = lockers.reserve("cus_1", "ord_1", b, Box(30, 10, 10), near=SAO_PAULO)
    assert moved.locker_id == b


def test_arrival_is_idempotent_and_then_the_parcel_cannot_be_released(
    lockers: Lockers, clock: SimulatedClock
) -> None:
    a = lockers.open_locker("A", *SAO_PAULO, {M: 1}).id
    lockers.reserve("cus_1", "ord_1", a, Box(30, 20, 20), near=SAO_PAULO)

    first = lockers.mark_arrived("ord_1")
    clock.advance(timedelta(hours=1))
    again = lockers.mark_arrived("ord_1")

    assert first == again and first.collect_by == first.arrived_at + lockers.pickup_window  # type: ignore[operator]
    with pytest.raises(ReservationStateConflict):
        lockers.release("cus_1", "ord_1")


def test_a_code_opens_only_at_its_own_locker(lockers: Lockers) -> None:
    a = lockers.open_locker("A", *SAO_PAULO, {S: 1}).id
    b = lockers.open_locker("B", *SAO_PAULO, {S: 1}).id
    lockers.reserve("cus_1", "ord_1", a, Box(30, 10, 10), near=SAO_PAULO)
    lockers.mark_arrived("ord_1")
    code = lockers.issue_pickup_code("cus_1", "ord_1").code

    with pytest.raises(PickupCodeNotFound):
        lockers.pickup(b, code)
    with pytest.raises(InvalidPickupCode):  # not even shaped like a code
        lockers.pickup(a, code[:-1])
    assert lockers.pickup(a, code).reservation.state is ReservationState.COLLECTED


def test_near_lists_lockers_in_range_nearest_first(lockers: Lockers) -> None:
    far = lockers.open_locker("Far", SAO_PAULO[0] + 0.05, SAO_PAULO[1], {L: 1}).id
    near = lockers.open_locker("Near", SAO_PAULO[0] + 0.01, SAO_PAULO[1], {S: 1}).id
    lockers.open_locker("Rio", -22.9068, -43.1729, {S: 1})

    found = lockers.near(*SAO_PAULO, Box(30, 20, 20))

    assert [(o.id, o.fits) for o in found] == [(near, False), (far, True)]
    with pytest.raises(InvalidLocker):
        lockers.near(*SAO_PAULO, radius_km=500)
