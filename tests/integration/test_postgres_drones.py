"""Drone dispatch races on real PostgreSQL, staged at a failpoint: the fleet's row locks
keep one drone from being booked twice for the same minutes, and an order from getting
two sorties."""

from __future__ import annotations

import threading

import pytest

from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.delivery.drones import Item
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, shopper
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres

ITEM = [Item("prd_1", 400, 20, 10, 10)]


@pytest.fixture
def customer(platform: Platform) -> str:
    """A customer beside a fresh one-drone base (far from the other tests' bases)."""
    at = (SAO_PAULO[0] - 1.0 - len(platform.drones.bases()) * 0.5, SAO_PAULO[1] - 1.0)
    platform.drones.open_base(add_facility(platform, "FC", at), drones=1)
    who = shopper(platform, new_id("n"), at=at)
    platform.drones.set_drop_zone(who.customer_id, at[0] + 0.002, at[1], address=at)
    return who.customer_id


def dispatch_while(pg_url: str, first: object, rival: Rival) -> list[str]:
    states: list[str] = []
    ours = threading.get_ident()

    def start_the_rival() -> None:
        if not states and threading.get_ident() == ours:
            states.append(run_until_done_or_blocked(pg_url, rival))

    with armed("drones.dispatched", start_the_rival):
        result = first()  # type: ignore[operator]
    rival.join()
    return [*states, result]


def test_two_orders_at_once_on_one_drone_queue_one_after_the_other(
    platform: Platform, pg_url: str, customer: str
) -> None:
    rival = Rival(lambda: platform.drones.dispatch("ord_b", customer, ITEM))

    state, first = dispatch_while(
        pg_url, lambda: platform.drones.dispatch("ord_a", customer, ITEM), rival
    )

    assert state == "blocked"  # on the drone's row
    assert rival.error is None
    assert rival.result.drone_id == first.drone_id
    assert rival.result.launch_at >= first.return_at


def test_one_order_dispatched_twice_at_once_gets_one_sortie(
    platform: Platform, pg_url: str, customer: str
) -> None:
    order = new_id("ord")
    rival = Rival(lambda: platform.drones.dispatch(order, customer, ITEM))

    state, first = dispatch_while(
        pg_url, lambda: platform.drones.dispatch(order, customer, ITEM), rival
    )

    assert state == "blocked"
    assert rival.error is None, rival.error
    assert (rival.result.drone_id, rival.result.launch_at) == (first.drone_id, first.launch_at)
    with platform.db.read() as session:
        from baro.delivery.drones.store import SortieRow

        assert len(session.query(SortieRow).filter_by(order_id=order).all()) == 1
