"""The drone scenario: the demand measured from a data set's orders (or assumed, and said
so), all on time when the fleet is idle, queueing when demand outgrows it, and the break
found between the multiples."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from baro.twin.drone_scenario import (
    OLIST_ZONE,
    DroneScenario,
    demand_from_orders,
    in_catchment,
    olist_demand,
    plot_png,
    run,
    synthetic_demand,
    world_demand,
)
from tests.twin.test_simulate import needs_olist
from tests.twin.test_twin import SHARED_DATA

SP = (-23.55, -46.63)


def bought(*moments: datetime) -> pl.DataFrame:
    return pl.DataFrame(
        {"purchased_at": list(moments)}, schema={"purchased_at": pl.Datetime("us", "UTC")}
    )


def test_the_demand_is_orders_over_calendar_days_with_the_busiest_day_and_the_hours() -> None:
    """Two orders on the 1st, none on the 2nd, four on the 3rd: 2 a day on average (the
    empty day counts), 4 on the busiest; the hours are the clicks' shape."""
    day = datetime(2017, 5, 1, tzinfo=UTC)
    orders = bought(
        day + timedelta(hours=10),
        day + timedelta(hours=10, minutes=30),
        day + timedelta(days=2, hours=10),
        day + timedelta(days=2, hours=20),
        day + timedelta(days=2, hours=20, minutes=5),
        day + timedelta(days=2, hours=20, minutes=9),
    )

    demand = demand_from_orders(orders)

    assert (demand.first_day, demand.last_day, demand.days) == (
        date(2017, 5, 1),
        date(2017, 5, 3),
        3,
    )
    assert demand.mean_per_day == 2.0 and demand.orders == 6
    assert (demand.peak_day, demand.peak_per_day, demand.peak_multiple) == (
        date(2017, 5, 3),
        4,
        2.0,
    )
    shares = demand.describe()["hourly_share"]
    assert shares[10] == pytest.approx(3 / 6) and shares[20] == pytest.approx(3 / 6)
    assert sum(demand.hourly) == pytest.approx(24.0)  # rates of mean 1
    # A period asked for: its days, empty or not, and only its orders.
    week = demand_from_orders(orders, start=date(2017, 5, 2), end=date(2017, 5, 9))
    assert (week.days, week.orders, week.mean_per_day) == (7, 4, 4 / 7)
    with pytest.raises(ValueError, match="no orders"):
        demand_from_orders(orders, start=date(2017, 6, 1))


def test_days_and_hours_are_the_shops_own() -> None:
    """01:30 UTC on the 2nd is 22:30 on the 1st in São Paulo: that day, that hour."""
    demand = demand_from_orders(
        bought(datetime(2017, 5, 2, 1, 30, tzinfo=UTC)), time_zone=OLIST_ZONE
    )

    assert demand.peak_day == date(2017, 5, 1)
    assert demand.describe()["hourly_share"][22] == 1.0


def test_the_catchment_is_the_orders_near_a_centre() -> None:
    orders = pl.DataFrame(
        {"order_id": ["near", "far"], "lat": [SP[0] + 10 / 111.2, SP[0] + 80 / 111.2],
         "lng": [SP[1], SP[1]]}
    )  # fmt: skip

    assert in_catchment(orders, [SP], km=50)["order_id"].to_list() == ["near"]
    assert in_catchment(orders, [SP], km=100).height == 2
    assert in_catchment(orders, [], km=50).height == 0


def test_without_the_data_the_demand_is_the_assumption_and_says_so(tmp_path: Path) -> None:
    demand = world_demand(tmp_path)

    assert demand.source == "synthetic" and demand.mean_per_day == 5_000
    assert "assumed" in demand.note and str(tmp_path) in demand.note
    assert demand.peak_day is None and demand.baskets == ()
    asked = world_demand(tmp_path, orders_per_day=300)
    assert asked.mean_per_day == 300 and "--orders-per-day" in asked.note


def test_share_within_30_minutes_falls_as_demand_outgrows_the_fleet() -> None:
    result = run(DroneScenario(multipliers=(1, 40), drones_per_base=3), synthetic_demand(400))
    calm, swamped = result["outcomes"]
    assert calm["eligible"] > 0 and calm["refused"]  # some orders do not fly
    assert calm["share_within_goal"] >= 0.9 and calm["wait_max_min"] < 30
    assert swamped["share_within_goal"] < 0.5 and swamped["peak_queue"] > calm["peak_queue"]
    assert result["breaks_at_multiplier"] == 40
    assert (
        len(calm["by_base"]) == 3
        and sum(b["orders"] for b in calm["by_base"].values()) == (calm["eligible"])
    )
    assert result["demand"]["source"] == "synthetic" and result["peak_day"] is None
    assert plot_png(result).startswith(b"\x89PNG")


def test_the_curve_runs_until_it_breaks_and_the_break_is_bisected() -> None:
    result = run(DroneScenario(drones_per_base=2), synthetic_demand(300))

    multiples = [o["multiplier"] for o in result["outcomes"]]
    assert multiples == [1, 2, 5, 10, 20][: len(multiples)]  # 1, 2, 5, … and no further
    *held, failed = result["outcomes"]
    assert all(o["share_within_goal"] >= 0.9 for o in held)
    assert failed["share_within_goal"] < 0.9
    broken = result["break"]
    assert held[-1]["multiplier"] <= broken["holds_at_multiplier"]
    assert broken["holds_at_multiplier"] < broken["fails_at_multiplier"] <= failed["multiplier"]
    assert broken["share_within_goal_at_hold"] >= 0.9 > broken["share_within_goal_at_fail"]
    needed = result["drones_needed_per_base"]["mean_day"]
    assert needed is not None and 1 <= needed <= 2


@pytest.mark.data
def test_olists_orders_give_the_worlds_demand() -> None:
    needs_olist()
    demand = olist_demand(SHARED_DATA)

    assert demand.source == "olist" and demand.catchment_km == 50
    assert 0 < demand.orders < (demand.all_orders or 0)  # the centres' catchment only
    assert demand.peak_per_day is not None and demand.peak_per_day > demand.mean_per_day > 0
    assert len(demand.baskets) == demand.orders
    june = olist_demand(SHARED_DATA, start=date(2017, 6, 1), end=date(2017, 7, 1))
    assert june.days == 30 and june.peak_day is not None and june.peak_day.month == 6


@pytest.mark.data
def test_at_the_datas_demand_the_drones_meet_the_target_on_the_mean_and_busiest_day() -> None:
    needs_olist()
    result = run(DroneScenario(multipliers=(1,)), olist_demand(SHARED_DATA))

    assert result["meets_target_mean_day"] and result["meets_target_peak_day"]
    assert result["peak_day"]["orders_per_day"] == result["demand"]["peak_orders_per_day"]


def test_the_command_says_which_demand_it_flew(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from baro.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["bench", "drones", "--data-dir", str(tmp_path), "--orders-per-day", "300",
         "--drones-per-base", "2", "--json", str(out / "d.json"), "--png", str(out / "d.png")],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "demand (synthetic): assumed" in result.output and "--orders-per-day" in result.output
    assert "breaks between" in result.output
    assert (out / "d.png").read_bytes().startswith(b"\x89PNG")
    assert '"source": "synthetic"' in (out / "d.json").read_text()
    refused = CliRunner().invoke(
        app, ["bench", "drones", "--data-dir", str(tmp_path), "--from", "2017-02-01",
              "--to", "2017-01-01"]
    )  # fmt: skip
    assert refused.exit_code == 1 and "must be before" in refused.output
