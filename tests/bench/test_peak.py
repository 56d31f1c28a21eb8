"""The emulated peak: the month before moves into the peak month, each day's orders drawn
to the profile's multiple, with their lines and new ids; bad options are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

pytest.importorskip("polars")

import polars as pl

from baro.bench.peak import PeakBenchConfig, emulated_peak
from baro.twin.replay import ReplayData


def october(orders_per_day: dict[int, int]) -> ReplayData:
    rows, lines = [], []
    for day, count in orders_per_day.items():
        for n in range(count):
            at = datetime(2017, 10, day, 12, n, tzinfo=UTC)
            rows.append(
                {
                    "order_id": f"o{day}-{n}",
                    "purchased_at": at,
                    "delivered_at": at + timedelta(days=9),
                }
            )
            lines.append({"order_id": f"o{day}-{n}", "product_id": f"p{n}", "quantity": 1})
    return ReplayData(
        name="olist",
        currency="BRL",
        orders=pl.DataFrame(rows),
        lines=pl.DataFrame(lines),
        customers=pl.DataFrame(),
        sellers=pl.DataFrame(),
        products=pl.DataFrame(),
    )


def test_each_day_is_drawn_to_its_multiple_a_month_later_with_its_lines() -> None:
    replay = october({1: 10, 23: 10, 24: 10, 31: 10})  # the 31st has no November day
    config = PeakBenchConfig(profile=((1, 23, 1.5), (24, 24, 8.0)))

    peak = emulated_peak(replay, config)

    per_day = dict(
        peak.orders.group_by(pl.col("purchased_at").dt.date()).len().sort("purchased_at").rows()
    )
    assert per_day == {date(2017, 11, 1): 15, date(2017, 11, 23): 15, date(2017, 11, 24): 80}
    assert peak.orders["order_id"].n_unique() == peak.orders.height == 110
    lag = peak.orders.select(pl.col("delivered_at") - pl.col("purchased_at")).to_series()
    assert lag.unique().to_list() == [timedelta(days=9)]  # every time moved alike
    assert sorted(peak.lines["order_id"]) == sorted(peak.orders["order_id"])
    assert peak.returns is None


def test_the_same_draw_seed_draws_the_same_orders() -> None:
    replay = october({5: 20})
    config = PeakBenchConfig(profile=((1, 30, 3.0),))

    first, again = emulated_peak(replay, config), emulated_peak(replay, config)

    assert first.orders.equals(again.orders)


@pytest.mark.parametrize(
    "bad",
    [
        {"peak_month": date(2017, 11, 2)},
        {"seeds": ()},
        {"profile": ((0, 3, 1.0),)},
        {"profile": ((1, 3, 0.0),)},
    ],
)
def test_bad_options_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PeakBenchConfig(**bad)  # type: ignore[arg-type]


def test_a_month_with_no_orders_before_it_is_an_error() -> None:
    with pytest.raises(ValueError, match="no orders"):
        emulated_peak(october({5: 3}), PeakBenchConfig(peak_month=date(2018, 3, 1)))
