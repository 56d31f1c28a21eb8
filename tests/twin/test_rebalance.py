"""The anticipate policy's weekly re-plan on the twin's clock: the stock left in the centres
moves through the network's transfers toward the weeks of forecast demand still to come, and
speculative units go toward recent buyers likely to buy again, settled a week later."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from baro.core.clock import SimulatedClock
from baro.network import TransferStatus, list_facilities, stock_level
from baro.platform import Platform
from baro.twin.anticipation import REBALANCE, WeeklyRebalance
from baro.twin.speculation import Settled, Speculation, weekly_repeat_rate
from tests.builders import RIO, SAO_PAULO, add_facility, add_product, shopper, stock
from tests.conftest import START
from tests.twin.test_policies import regional_replay


def forecast(weeks: list[date], per_week: float) -> pl.DataFrame:
    """Certain demand for 'p' in Rio's region ('rio'), ``per_week`` units each week."""
    return pl.DataFrame(
        {
            "product_id": ["p"] * len(weeks),
            "category": ["mugs"] * len(weeks),
            "region": ["rio"] * len(weeks),
            "period": weeks,
            "source": ["product"] * len(weeks),
            "mean": [per_week] * len(weeks),
            "lo_80": [per_week] * len(weeks),
            "hi_80": [per_week] * len(weeks),
        }
    )


def test_a_replan_moves_what_the_weeks_to_come_need_and_the_units_land(
    platform: Platform, clock: SimulatedClock
) -> None:
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    item = add_product(platform).id
    stock(platform, sp, item, 30)
    monday = START.date() - timedelta(days=START.weekday())
    past, *coming = [monday + timedelta(weeks=w) for w in range(-1, 3)]
    rebalance = WeeklyRebalance(forecast([past, *coming], per_week=4.0))

    moved = rebalance.replan(platform, {"sp": sp, "rio": rio}, {"p": item}, clock.now())[
        "replan_units"
    ]

    # The weeks still to come when the units land (this one and the next two), not the past.
    assert moved == 12
    (transfer,) = platform.network.incoming([item])
    assert (transfer.facility_id, transfer.units) == (rio, 12)
    clock.advance(timedelta(days=3))
    (landed,) = platform.network.arrive_due()
    assert landed.status is TransferStatus.ARRIVED
    with platform.db.read() as session:
        assert stock_level(session, rio, item).on_hand == 12
        assert stock_level(session, sp, item).on_hand == 18


def test_a_replan_with_nothing_left_to_forecast_moves_nothing(
    platform: Platform, clock: SimulatedClock
) -> None:
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    item = add_product(platform).id
    stock(platform, sp, item, 30)
    long_ago = START.date() - timedelta(weeks=10)

    moved = WeeklyRebalance(forecast([long_ago], per_week=4.0)).replan(
        platform, {"sp": sp, "rio": rio}, {"p": item}, clock.now()
    )["replan_units"]

    assert moved == 0 and platform.network.incoming([item]) == []


def test_repeat_rate_counts_purchases_followed_by_the_same_one_within_a_week() -> None:
    replay = regional_replay(weeks=2)  # every customer buys its city's product every day

    rate = weekly_repeat_rate(replay)

    # All but each (customer, product)'s last purchase are followed by one a day later.
    bought = replay.lines.join(replay.orders, on="order_id").select(
        "customer_key", "product_id", "purchased_at"
    )
    pairs = bought.select("customer_key", "product_id").unique().height
    assert rate == pytest.approx((bought.height - pairs) / bought.height)
    assert weekly_repeat_rate(replay.between(None, date(2000, 1, 1))) == 0.0


def test_speculative_units_go_toward_likely_buyers_and_are_settled_a_week_later(
    platform: Platform, clock: SimulatedClock
) -> None:
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    item = add_product(platform).id
    stock(platform, sp, item, 10)
    buyers = [shopper(platform, f"Rita {n}", at=RIO) for n in range(3)]
    for n, buyer in enumerate(buyers):
        platform.orders.place_one_click(buyer.principal, item, 1, idempotency_key=f"b{n}")
    clock.advance(timedelta(hours=1))
    with platform.db.read() as session:
        centres = [f for f in list_facilities(session) if f.id in (sp, rio)]
    speculation = Speculation(0.9, clock.now() + timedelta(weeks=4), REBALANCE)

    sent = speculation.send(platform, centres, clock.now())

    assert sent >= 1  # Rio's three buyers each buy again with 0.9: worth a unit or more
    assert {i.facility_id for i in platform.network.incoming([item])} == {rio}
    clock.advance(timedelta(days=3))
    platform.network.arrive_due()
    platform.orders.place_one_click(buyers[0].principal, item, 1, idempotency_key="again")
    clock.advance(timedelta(days=4))
    settled = speculation.settle(platform, centres, clock.now())
    assert (settled.sent, settled.assigned, settled.wasted) == (sent, 1, sent - 1)
    assert speculation.settle(platform, centres, clock.now()) == Settled(0, 0, 0)


def test_nothing_is_sent_in_the_tests_last_week_or_without_repeat_buyers(
    platform: Platform, clock: SimulatedClock
) -> None:
    sp = add_facility(platform, "FC SP", SAO_PAULO)
    with platform.db.read() as session:
        centres = [f for f in list_facilities(session) if f.id == sp]
    late = Speculation(0.9, clock.now() + timedelta(days=3), REBALANCE)
    never = Speculation(0.0, clock.now() + timedelta(weeks=4), REBALANCE)

    assert late.send(platform, centres, clock.now()) == 0
    assert never.send(platform, centres, clock.now()) == 0
