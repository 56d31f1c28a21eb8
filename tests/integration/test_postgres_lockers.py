"""Races on lockers and trunk codes on real PostgreSQL, each staged at a named failpoint so
that it runs the same every time: the database, not a check in Python, keeps one order per
compartment and lets a trunk code open once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.delivery.access import AccessDenied
from baro.delivery.lockers import Box, CompartmentSize, LockerFull
from baro.platform import Platform
from tests.builders import SAO_PAULO
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres

PARCEL = Box(30, 10, 10)  # fits an S compartment


def once(pg_url: str, rival: Rival, states: list[str]) -> Callable[[], None]:
    """A failpoint action that starts ``rival`` the first time only (the rival passes the
    same point on its own thread)."""
    started: list[bool] = []

    def action() -> None:
        if not started:
            started.append(True)
            states.append(run_until_done_or_blocked(pg_url, rival))

    return action


def locker(platform: Platform, small: int) -> str:
    bank = platform.lockers.open_locker(
        "Locker", SAO_PAULO[0], SAO_PAULO[1], {CompartmentSize.S: small}
    )
    return bank.id


def reserve(platform: Platform, order: str, locker_id: str):
    return platform.lockers.reserve(new_id("cus"), order, locker_id, PARCEL, near=SAO_PAULO)


def test_two_orders_for_the_last_compartment_book_it_once(platform: Platform, pg_url: str) -> None:
    """The second insert waits on the first's uncommitted row in the unique index, then
    finds the compartment taken: the locker is full for it."""
    locker_id = locker(platform, 1)
    second = Rival(lambda: reserve(platform, new_id("ord"), locker_id))
    states: list[str] = []

    with armed("lockers.reserved", once(pg_url, second, states)):
        first, _ = reserve(platform, new_id("ord"), locker_id)
        second.join()

    assert states == ["blocked"]
    assert first.compartment_label == "S01"
    assert isinstance(second.error, LockerFull)
    free = {o.id: o.free for o in platform.lockers.near(*SAO_PAULO, PARCEL)}[locker_id]
    assert free[CompartmentSize.S] == 0


def test_a_compartment_taken_after_it_was_seen_free_is_skipped(
    platform: Platform, pg_url: str
) -> None:
    """Both saw S01 free; the rival took it first, so the first takes S02."""
    locker_id = locker(platform, 2)
    rival = Rival(lambda: reserve(platform, new_id("ord"), locker_id))
    states: list[str] = []

    with armed("lockers.compartment_chosen", once(pg_url, rival, states)):
        first, _ = reserve(platform, new_id("ord"), locker_id)
        rival.join()

    assert states == ["done"]
    assert rival.error is None
    assert (rival.result[0].compartment_label, first.compartment_label) == ("S01", "S02")


def test_one_order_reserved_twice_at_once_gets_one_compartment(
    platform: Platform, pg_url: str
) -> None:
    """A double click: the repeat waits, then is handed the first reservation."""
    locker_id = locker(platform, 3)
    order = new_id("ord")
    customer = new_id("cus")
    repeat = Rival(
        lambda: platform.lockers.reserve(customer, order, locker_id, PARCEL, near=SAO_PAULO)
    )
    states: list[str] = []

    with armed("lockers.reserved", once(pg_url, repeat, states)):
        first, replayed = platform.lockers.reserve(
            customer, order, locker_id, PARCEL, near=SAO_PAULO
        )
        repeat.join()

    assert states == ["blocked"] and not replayed
    assert repeat.error is None
    assert repeat.result == (first, True)
    free = {o.id: o.free for o in platform.lockers.near(*SAO_PAULO, PARCEL)}[locker_id]
    assert free[CompartmentSize.S] == 2


def test_a_trunk_code_entered_twice_at_once_opens_once(platform: Platform, pg_url: str) -> None:
    """The second attempt waits on the delivery's row lock, then finds the code used."""
    clock = platform.clock
    customer = new_id("cus")
    car = platform.trunk.register_vehicle(
        customer, plate=new_id("P")[-7:], make="Kia", model="EV6", lat=-23.5, lng=-46.6
    ).vehicle
    now = clock.now()
    delivery, _ = platform.trunk.consent(
        customer, new_id("ord"), car.id, now, now + timedelta(hours=2)
    )
    courier = platform.trunk.add_courier("Davi").courier
    platform.trunk.assign(delivery.id, courier.id)
    code = platform.trunk.issue_code(courier.id, delivery.id).code

    def attempt() -> object:
        return platform.trunk.open_trunk(courier.id, delivery.id, car.id, code, client="test")

    second = Rival(attempt)
    states: list[str] = []
    with armed("trunk.attempt_locked", once(pg_url, second, states)):
        opened = attempt()
        second.join()

    assert states == ["blocked"]
    assert opened.state.value == "opened"  # type: ignore[attr-defined]
    assert isinstance(second.error, AccessDenied)
    assert second.error.context["reason"] == "already_used"
    outcomes = [a.outcome.value for a in platform.trunk.attempts(delivery.id)]
    assert outcomes == ["opened", "already_used"]


def test_one_consent_sent_twice_at_once_makes_one_trunk_delivery(
    platform: Platform, pg_url: str
) -> None:
    """The repeat's insert waits on the first's order_id, then is handed the first."""
    customer = new_id("cus")
    car = platform.trunk.register_vehicle(
        customer, plate=new_id("P")[-7:], make="Kia", model="EV6", lat=-23.5, lng=-46.6
    ).vehicle
    now = platform.clock.now()
    order = new_id("ord")

    def give() -> object:
        return platform.trunk.consent(customer, order, car.id, now, now + timedelta(hours=2))

    repeat = Rival(give)
    states: list[str] = []
    with armed("trunk.consent_written", once(pg_url, repeat, states)):
        first = give()
        repeat.join()

    assert states == ["blocked"]
    assert repeat.error is None
    assert repeat.result == (first[0], True)  # type: ignore[index]
