"""The twin's fulfillment center on small handmade worlds: the floor it draws, the stock the
WMS keeps, the lift as a limited resource, and orders picked, packed and shipped on the
clock by robots and by walking pickers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import simpy
from typer.testing import CliRunner

from baro.cli import app
from baro.fulfillment import DedicatedSlots, Item, RandomStow
from baro.fulfillment.robots import BaroPlanner, Floor
from baro.twin.center import (
    CenterSettings,
    Inbound,
    Stock,
    build_layout,
    floor_rows,
    parking_bays,
    replenishment,
)
from baro.twin.center_sim import (
    CenterOrder,
    CenterRun,
    FloorMode,
    FloorStuck,
    RobotFloor,
    run_center,
)
from baro.twin.center_stage import LABELS, busiest_window, simulate_center_stage
from baro.twin.replay import ReplayData
from baro.twin.report import render_report
from baro.twin.stages import assumed_stages
from tests.twin.test_report import empty_run

T0 = datetime(2017, 3, 6, 8, tzinfo=UTC)
# Two pod blocks, two stations, four robots: a floor a test plans in well under a second.
SMALL = CenterSettings(blocks_across=2, blocks_down=1, stations=2, robots=4, packers=2)
MUG = Item("mug", "mug", weight_g=400, length_cm=12, width_cm=10, height_cm=10)
LAMP = Item("lamp", "lamp", weight_g=1_500, length_cm=40, width_cm=20, height_cm=20)
ITEMS = {"mug": MUG, "lamp": LAMP}


def test_the_floor_has_its_stations_pods_and_a_bay_per_robot() -> None:
    floor = Floor.from_rows(floor_rows(SMALL))
    layout = build_layout(SMALL)

    assert floor.stations.size == SMALL.stations
    assert floor.pods.size == 2 * SMALL.block_rows * SMALL.block_columns
    assert len(parking_bays(floor)) >= SMALL.robots
    assert len(layout.bins) == floor.pods.size * SMALL.shelves_per_pod * SMALL.bins_per_shelf
    distances = [b.station_distance for b in layout.bins]
    assert distances == sorted(distances) and distances[0] > 0


def test_a_center_with_more_robots_than_bays_is_refused() -> None:
    with pytest.raises(ValueError, match="parking bays"):
        CenterSettings(blocks_across=2, blocks_down=1, stations=2, robots=50)


def test_stock_promises_from_the_nearest_bin_and_takes_the_units_out() -> None:
    layout = build_layout(SMALL)
    stock = Stock.empty(layout.bins, RandomStow(seed=1))
    for _ in range(4):
        stock.stow(MUG, 1)
    nearest = min(stock.units["mug"], key=lambda b: (stock.bins[b].station_distance, b))

    release = stock.promise("o1", [("mug", 1)])
    stock.take(release.tasks)

    assert release.tasks == [(nearest, "mug", 1)]
    assert sum(stock.units["mug"].values()) == 3
    assert stock.promise("o2", [("mug", 4)]).waiting == "3 of 4 units of mug are in bins"


def test_a_dedicated_bin_goes_back_to_the_pool_once_empty() -> None:
    layout = build_layout(SMALL)
    stock = Stock.empty(layout.bins, DedicatedSlots())
    (bin_id, _), *_ = stock.stow(LAMP, 2)
    assert stock.bins[bin_id].dedicated_to == "lamp" and stock.bins_used == 1

    stock.take(stock.promise("o1", [("lamp", 2)]).tasks)

    assert stock.bins[bin_id].dedicated_to is None and stock.bins_used == 0


def test_replenishment_brings_each_cycles_units_before_it_opens() -> None:
    lines = pl.DataFrame(
        {
            "purchased_at": [T0 + timedelta(days=d) for d in (0, 1, 8)],
            "product_id": ["mug", "mug", "lamp"],
            "quantity": [1, 2, 1],
        }
    )

    inbound = replenishment(lines, T0, cycle_days=7, lead=timedelta(hours=6))

    assert inbound == [
        Inbound(T0 - timedelta(hours=6), "mug", 3),
        Inbound(T0 + timedelta(days=7, hours=-6), "lamp", 1),
    ]


def _orders(count: int, at: datetime, every: timedelta = timedelta(0)) -> list[CenterOrder]:
    return [
        CenterOrder(f"o{i}", at + every * i, (("mug", 1),) if i % 2 else (("lamp", 1),))
        for i in range(count)
    ]


def _stocked(at: datetime, units: int = 20) -> list[Inbound]:
    return [Inbound(at, "mug", units), Inbound(at, "lamp", units)]


@pytest.mark.parametrize("mode", ["robots", "manual"])
def test_every_order_ships_with_positive_ordered_pick_to_ship(mode: FloorMode) -> None:
    orders = _orders(12, T0, timedelta(minutes=3))

    run = run_center(
        orders, _stocked(T0 - timedelta(hours=2)), ITEMS, build_layout(SMALL), RandomStow(0), mode
    )

    figures = run.metrics()
    assert run.shipped == len(orders) and run.units_picked == len(orders)
    assert min(run.pick_to_ship_s) > SMALL.pack_s
    assert 0 < figures["pick_to_ship_p50_min"] <= figures["pick_to_ship_p90_min"]
    assert sum(figures["boxes"].values()) == len(orders)
    if mode == "robots":
        assert figures["collisions"] == 0 and figures["rejected_steps"] == 0
        assert 0 < figures["robot_utilisation"] < 1


def test_an_order_whose_stock_never_comes_is_not_shipped() -> None:
    orders = [CenterOrder("o1", T0, (("mug", 1),)), CenterOrder("o2", T0, (("lamp", 5),))]

    run = run_center(
        orders, [Inbound(T0, "mug", 1)], ITEMS, build_layout(SMALL), RandomStow(0), "manual"
    )

    assert run.shipped == 1 and run.metrics()["orders"] == 2


def test_a_saturated_lift_delays_the_pallets_and_the_orders_behind_them() -> None:
    # A pallet holds one lamp: ten lamps arriving at once are ten lift trips.
    one_lamp_a_pallet = dict(pallet_volume_cm3=LAMP.volume_cm3, lift_trip_s=300.0)
    inbound = [Inbound(T0, "lamp", 10)]
    orders = [CenterOrder(f"o{i}", T0, (("lamp", 1),)) for i in range(10)]

    def run(lifts: int) -> list[float]:
        settings = CenterSettings(**{**SMALL.__dict__, **one_lamp_a_pallet, "lifts": lifts})
        done = run_center(orders, inbound, ITEMS, build_layout(settings), RandomStow(0), "manual")
        assert done.pallets == 10 and done.shipped == 10
        return [max(done.lift_waits_s), float(np.quantile(done.pick_to_ship_s, 0.9))]

    (wait_one, p90_one), (wait_many, p90_many) = run(1), run(10)

    assert wait_many == 0 and wait_one == pytest.approx(9 * 300.0)
    assert p90_one > p90_many + 30 * 60


def test_at_a_backlog_a_robot_station_outpicks_a_walking_picker() -> None:
    orders = _orders(60, T0)
    layout = build_layout(SMALL)
    stocked = _stocked(T0 - timedelta(hours=2), units=60)

    robots = run_center(orders, stocked, ITEMS, layout, RandomStow(0), "robots").metrics()
    manual = run_center(orders, stocked, ITEMS, layout, RandomStow(0), "manual").metrics()

    assert robots["units_per_station_hour"] > manual["units_per_station_hour"]


def test_the_busiest_window_is_the_week_with_most_orders() -> None:
    days = [T0 + timedelta(days=d) for d in (0, 10, 11, 12, 12, 30)]
    orders = pl.DataFrame({"purchased_at": days})

    start, end = busiest_window(orders, 3)

    assert (start, end) == (datetime(2017, 3, 16, tzinfo=UTC), datetime(2017, 3, 19, tzinfo=UTC))


def test_an_unknown_fulfillment_is_a_clear_error_not_a_traceback() -> None:
    result = CliRunner().invoke(app, ["simulate", "--fulfillment", "drones"])

    assert result.exit_code != 0
    assert "unknown fulfillment 'drones'" in result.output
    assert "Traceback" not in result.output


def _handmade_replay(days: tuple[int, ...] = (0, 5, 5, 6)) -> ReplayData:
    """Two orders (a mug, a lamp) on each of ``days`` after T0."""
    moments = [T0 + timedelta(days=d, hours=h) for d in days for h in (1, 3)]
    orders = pl.DataFrame(
        {"order_id": [f"o{i}" for i in range(len(moments))], "purchased_at": moments}
    )
    lines = pl.DataFrame(
        {
            "order_id": orders["order_id"],
            "product_id": ["mug", "lamp"] * (len(moments) // 2),
            "quantity": [1] * len(moments),
        }
    )
    products = pl.DataFrame(
        {
            "product_id": ["mug", "lamp"],
            "weight_g": [400, None],  # a size the data set lacks: the default parcel
            "length_cm": [12, 40],
            "width_cm": [10, 20],
            "height_cm": [10, 20],
        }
    )
    return ReplayData("handmade", "EUR", orders, lines, pl.DataFrame(), pl.DataFrame(), products)


def test_the_stage_simulates_the_busiest_window_and_draws_the_twins_fulfilment() -> None:
    replay = _handmade_replay()

    stage = simulate_center_stage(
        replay, "robots", seed=1, settings=SMALL, window_days=2, peak_units=40
    )

    assert stage.window == (
        T0.replace(hour=0) + timedelta(days=5),
        T0.replace(hour=0) + timedelta(days=7),
    )
    assert stage.at_order_times.shipped == 6
    assert stage.peak["robots"].units_picked == stage.peak["manual"].units_picked >= 40
    section = stage.section()
    assert section.heatmap_png.startswith(b"\x89PNG") and len(section.rows) == len(LABELS)
    drawn = stage.fulfilment(assumed_stages()).fulfilment.sample(np.random.default_rng(0))
    # Each replayed order's fulfilment is one of the times simulated on the floor.
    simulated = stage.at_order_times.pick_to_ship_s
    assert min(abs(drawn.total_seconds() - s) for s in simulated) < 1e-3


def test_the_report_shows_the_stow_comparison_on_the_windows_orders(tmp_path: Path) -> None:
    stage = simulate_center_stage(
        _handmade_replay(), "manual", seed=1, settings=SMALL, window_days=2, peak_units=40
    )

    comparison = stage.metrics()["stow_comparison"]
    # The classes learn from the two orders of day 0, before the window; the window's six
    # orders are the stream.
    assert comparison["history"]["orders"] == 2 and comparison["evaluated"]["orders"] == 6
    strategies = comparison["strategies"]
    assert list(strategies) == ["random", "dedicated", "class_based"]
    assert strategies["dedicated"]["vs_dedicated"]["space_utilisation"] == 1.0
    for row in strategies.values():
        assert row["orders_shipped"] == 6
        assert 0 < row["pick_to_ship_p50_min"] <= row["pick_to_ship_p90_min"]
    html = render_report(
        [empty_run("idle")], tmp_path, title="Center", center=stage.section()
    ).read_text(encoding="utf-8")
    assert "Stow comparison" in html and "before 2017-03-11" in html
    dedicated = strategies["dedicated"]
    assert (
        f'<tr><th scope="row">dedicated</th><td>{dedicated["bins_needed"]}</td>'
        f"<td>{dedicated['space_utilisation']:.1%}</td><td>1.00</td>"
    ) in html


def test_a_window_with_no_orders_before_it_says_the_stow_comparison_was_not_run(
    tmp_path: Path,
) -> None:
    stage = simulate_center_stage(
        _handmade_replay((0, 0, 1)), "manual", seed=1, settings=SMALL, window_days=2, peak_units=4
    )

    assert stage.metrics()["stow_comparison"] is None
    html = render_report(
        [empty_run("idle")], tmp_path, title="Center", center=stage.section()
    ).read_text(encoding="utf-8")
    assert "Stow comparison: not run, no order before 2017-03-06" in html


def test_a_robot_that_cannot_arrive_stops_the_run_instead_of_stepping_forever() -> None:
    # The bottom-right cell is free but walled in: no robot can reach it.
    rows = ["@.@.@@@", "E.S...@", "@.....@", "@@@@@@."]
    settings = CenterSettings(**{**SMALL.__dict__, "robots": 2, "stuck_steps": 50})
    layout = build_layout(settings, Floor.from_rows(rows))
    env = simpy.Environment()
    floor = RobotFloor(env, layout, BaroPlanner(), CenterRun("robots", 0.0, 0))

    floor.send(0, 3 * 7 + 6)

    with pytest.raises(FloorStuck, match="robot 0 has not reached cell 27 in 50 steps"):
        env.run()
