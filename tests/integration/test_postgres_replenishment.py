"""Two replenishment runs at once on real PostgreSQL place one order per cycle."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from baro.commerce.replenishment import Result
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres


def once(pg_url: str, rival: Rival, states: list[str]) -> Callable[[], None]:
    """A failpoint action that starts ``rival`` the first time only."""

    def action() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    return action


def due_subscription(platform: Platform) -> tuple[Shopper, str]:
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 10)
    who = shopper(platform)
    sub = platform.replenishment.subscribe(
        who.customer_id, item.id, quantity=1, interval_days=1, idempotency_key=new_id("k")
    ).subscription
    return who, sub.id


def test_a_second_run_waits_on_the_claim_then_skips_the_cycle(
    platform: Platform, pg_url: str
) -> None:
    """The first run has claimed the cycle and not committed; the second waits on the
    subscription's row, then finds it claimed: it skips, and one order is placed."""
    who, sub_id = due_subscription(platform)
    now = platform.clock.now() + timedelta(days=1)
    rival = Rival(lambda: platform.replenishment.run(now))
    states: list[str] = []

    with armed("replenishment.claimed", once(pg_url, rival, states)):
        first = platform.replenishment.run(now)
    second = rival.join()

    assert states == ["blocked"]
    assert [o.result for o in first.outcomes if o.subscription.id == sub_id] == [Result.PLACED]
    assert [o.result for o in second.outcomes if o.subscription.id == sub_id] == [Result.SKIPPED]
    assert len(platform.orders.list(who.principal)) == 1
    assert platform.replenishment.get(who.customer_id, sub_id).cycle == 2


def test_eight_runs_at_once_place_one_order_per_cycle(platform: Platform) -> None:
    who, sub_id = due_subscription(platform)
    now = platform.clock.now() + timedelta(days=1)

    with ThreadPoolExecutor(8) as pool:
        reports = list(pool.map(lambda _: platform.replenishment.run(now), range(8)))

    results = [o.result for r in reports for o in r.outcomes if o.subscription.id == sub_id]
    assert results.count(Result.PLACED) == 1
    assert set(results) <= {Result.PLACED, Result.SKIPPED}
    assert len(platform.orders.list(who.principal)) == 1
    placed = platform.replenishment.placed_for(who.customer_id)
    assert [p.cycle for p in placed] == [1]
    notes = platform.notifications.of(who.customer_id)
    assert [n.kind for n in notes] == ["replenishment_order"]
