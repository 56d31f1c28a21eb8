"""Transfers on real PostgreSQL: two dispatches racing for the same units, and one plan
dispatched by two processes at once, staged at a named failpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.network import Move, NotEnoughToSend, PlanSummary, stock_level
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, add_product, stock
from tests.conftest import START
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres

ARRIVES = START + timedelta(hours=8)


def source_with(platform: Platform, units: int) -> tuple[str, str, str]:
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    product = add_product(platform, sku=new_id("SKU")).id
    stock(platform, sp, product, units)
    return sp, rio, product


def on_hand(platform: Platform, facility: str, product: str) -> int:
    with platform.db.read() as session:
        return stock_level(session, facility, product).on_hand


def test_two_dispatches_cannot_both_take_the_last_units(platform: Platform, pg_url: str) -> None:
    """The second waits on the source row the first took from, then finds too few free."""
    sp, rio, product = source_with(platform, 10)
    second = Rival(
        lambda: platform.network.dispatch(
            [Move(product, sp, rio, 6, ARRIVES)], PlanSummary("b"), idempotency_key=new_id("k")
        )
    )
    states: list[str] = []

    def start_the_second() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, second))

    with armed("transfers.taken", start_the_second):
        first = platform.network.dispatch(
            [Move(product, sp, rio, 7, ARRIVES)], PlanSummary("a"), idempotency_key=new_id("k")
        )
        second.join()

    assert states == ["blocked"]
    assert isinstance(second.error, NotEnoughToSend)
    assert [t.quantity for t in first.transfers] == [7]
    assert on_hand(platform, sp, product) == 3
    assert sum(i.units for i in platform.network.incoming([product])) == 7


def test_one_plan_sent_by_two_processes_at_once_is_sent_once(
    platform: Platform, pg_url: str
) -> None:
    """The rival with the same key waits on the plan's key, then returns the first's transfers."""
    sp, rio, product = source_with(platform, 10)
    key = new_id("plan")
    moves = [Move(product, sp, rio, 4, ARRIVES)]
    rival = Rival(lambda: platform.network.dispatch(moves, PlanSummary("x"), idempotency_key=key))
    states: list[str] = []

    def start_the_rival() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    with armed("transfers.taken", start_the_rival):
        first = platform.network.dispatch(moves, PlanSummary("x"), idempotency_key=key)
        rival.join()

    assert states == ["blocked"] and rival.error is None
    assert rival.result.replayed and rival.result.transfers == first.transfers
    assert on_hand(platform, sp, product) == 6
