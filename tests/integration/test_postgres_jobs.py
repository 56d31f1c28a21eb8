"""The platform's ticks on real PostgreSQL: one process runs a tick at a time (the others
skip theirs, said so), and a tick flies a paid drone order and refunds an uncollected
locker parcel as on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.orders import OrderStatus
from baro.core.clock import SimulatedClock
from baro.jobs import Jobs
from baro.platform import Platform
from tests.test_jobs import drone_world, events_of, locker_order_left_uncollected

pytestmark = pytest.mark.postgres

TICK_LOCK = 0x0BA21  # baro.jobs' lock: what another process running a tick holds


def test_a_second_process_skips_the_tick_another_is_running(platform: Platform) -> None:
    with platform.db.only_one(TICK_LOCK) as ours:
        assert ours
        skipped = Jobs(platform).tick()
    assert not skipped.ran and skipped.sorties_assigned == 0
    assert Jobs(platform).tick().ran


def test_a_tick_flies_drones_and_refunds_lockers(platform: Platform) -> None:
    clock = platform.clock
    assert isinstance(clock, SimulatedClock)
    item, _base, buyer = drone_world(platform)
    order = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="pg-jobs-1", delivery_option="drone"
    ).order
    left = locker_order_left_uncollected(platform, clock)
    jobs = Jobs(platform)

    done = jobs.tick()
    clock.advance(timedelta(hours=2))
    jobs.tick()

    assert (done.sorties_assigned, done.lockers_returned, done.uncollected_refunded) == (1, 1, 1)
    assert "drone.returned" in events_of(platform, order.id)
    assert platform.order_book.get(order.id).status is OrderStatus.DELIVERED
    assert platform.order_book.get(left).status is OrderStatus.REFUNDED
