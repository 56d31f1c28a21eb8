"""The anticipate policy's weekly re-plan on the twin's clock: the stock left in the centres
moves through the network's transfers toward the weeks of forecast demand still to come."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from baro.core.clock import SimulatedClock
from baro.network import TransferStatus, stock_level
from baro.platform import Platform
from baro.twin.anticipation import WeeklyRebalance
from tests.builders import RIO, SAO_PAULO, add_facility, add_product, stock
from tests.conftest import START


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

    moved = rebalance.replan(platform, {"sp": sp, "rio": rio}, {"p": item}, clock.now())

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
    )

    assert moved == 0 and platform.network.incoming([item]) == []
