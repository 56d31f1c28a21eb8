"""Acting on the forecast (baro.anticipation) on a small world: São Paulo's centre holds the
stock, Rio's customers buy it. With a certain forecast (a toy model: each product sells in
each region what it sold per day before), the run sends Rio what it will sell; a second run
sees those units on their way and sends nothing more; without history it says so."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from baro.anticipation import AnticipationSettings, demand_frame, plan_key, run_once
from baro.commerce.orders import sold_lines
from baro.core.clock import SimulatedClock
from baro.intelligence.forecast import ForecastSettings
from baro.network import Move, TransferStatus, stock_level
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, add_product, shopper, stock
from tests.conftest import START

DAYS = 21


def certain_forecast(
    demand: pl.DataFrame, cutoff: date, settings: ForecastSettings
) -> pl.DataFrame:
    """forecast_demand's item rows, each product's own series: its mean units per day before
    the cut-off, every day of the horizon, with no spread."""
    per_day = demand.group_by("product_id", "category", "region").agg(
        mean=pl.col("units").sum() / DAYS
    )
    periods = pl.DataFrame(
        {"period": [cutoff + timedelta(days=d) for d in range(settings.horizon)]}
    )
    return per_day.join(periods, how="cross").with_columns(
        level=pl.lit("item"),
        pool_size=pl.lit(None, pl.Int64),
        lo_80=pl.col("mean"),
        hi_80=pl.col("mean"),
    )


@pytest.fixture
def world(platform: Platform, clock: SimulatedClock) -> tuple[str, str, str]:
    """20 units at São Paulo; a Rio customer bought one a day for three weeks (from São
    Paulo: Rio held none). The clock ends at START + 21 days."""
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    item = add_product(platform).id
    stock(platform, sp, item, 20 + DAYS)
    buyer = shopper(platform, "Rita", at=RIO)
    for day in range(DAYS):
        platform.orders.place_one_click(buyer.principal, item, 1, idempotency_key=f"d{day}")
        clock.advance(timedelta(days=1))
    return sp, rio, item


def test_the_run_sends_stock_toward_the_region_that_buys(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    sp, rio, item = world
    steps: list[str] = []

    run = run_once(
        platform, AnticipationSettings(), forecaster=certain_forecast, progress=steps.append
    )

    assert run.demand_lines == DAYS
    (transfer,) = run.dispatch.transfers
    assert (transfer.product_id, transfer.from_facility, transfer.to_facility) == (item, sp, rio)
    assert transfer.quantity == 7  # a week of Rio's certain demand
    assert transfer.status is TransferStatus.IN_TRANSIT
    plan = run.dispatch.plan.summary
    assert plan.expected_fill_before == pytest.approx(0.0)
    assert plan.expected_fill_after == pytest.approx(1.0)
    with platform.db.read() as session:
        level = stock_level(session, sp, item)
    assert (level.on_hand, level.reserved) == (34, 21)  # Rio's orders still hold theirs
    assert steps == [
        "landing transfers due",
        "reading demand",
        "forecasting",
        "planning and sending",
    ]
    assert "7 units in 1 transfer(s)" in run.summary()


def test_a_second_run_sees_the_units_on_their_way(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str, str]
) -> None:
    settings = AnticipationSettings()
    run_once(platform, settings, forecaster=certain_forecast)

    again = run_once(platform, settings, forecaster=certain_forecast)
    clock.advance(timedelta(hours=12))  # São Paulo to Rio: 4 h handling + ~6 h on the road
    landed = run_once(platform, settings, forecaster=certain_forecast)

    assert again.dispatch.transfers == () and not again.dispatch.replayed
    assert [t.quantity for t in landed.arrived] == [7]
    assert landed.dispatch.transfers == ()
    assert len(platform.network.plans(10)) == 3


def test_without_history_the_run_says_so_and_sends_nothing(
    platform: Platform, clock: SimulatedClock
) -> None:
    add_facility(platform, "FC SP", SAO_PAULO)

    run = run_once(platform, AnticipationSettings())  # the real forecast: nothing to learn

    assert run.dispatch.transfers == () and run.plan is None
    (note,) = run.dispatch.plan.summary.notes
    assert note.startswith("no forecast: ") and note.endswith("; no transfers")
    assert "no transfers" in run.summary()


def test_customers_belong_to_their_nearest_centre(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    _sp, rio, _item = world
    with platform.db.read() as session:
        lines = sold_lines(session, since=START, until=START + timedelta(days=DAYS))
    demand = demand_frame(lines, platform.network.facilities())
    assert demand.select("region").unique()["region"].to_list() == [rio]
    assert demand["units"].sum() == DAYS


def test_the_same_moves_for_the_same_deadline_make_the_same_key() -> None:
    need_by = START + timedelta(days=2)
    moves = [Move("p", "a", "b", 3, START + timedelta(hours=5))]
    later = [Move("p", "a", "b", 3, START + timedelta(hours=9))]
    assert plan_key(need_by, moves) == plan_key(need_by, later)
    assert plan_key(need_by, moves) != plan_key(need_by + timedelta(days=1), moves)
    assert plan_key(need_by, moves) != plan_key(need_by, [Move("p", "a", "b", 4, START)])


def test_settings_that_cannot_work_are_refused() -> None:
    with pytest.raises(ValueError, match="horizon_days"):
        AnticipationSettings(horizon_days=0)
    with pytest.raises(ValueError, match="period"):
        AnticipationSettings(period="month")  # type: ignore[arg-type]
