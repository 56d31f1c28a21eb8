"""``baro bench stow``: the space each putaway needs on a known stream, and the bench on the
Olist sample (skips without ../shared/data)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baro.bench.stow import run
from baro.cli import app
from baro.fulfillment import ClassBased, DedicatedSlots, Item, RandomStow
from baro.fulfillment.stow import VelocityClass
from baro.twin.center import CenterSettings, Inbound, build_layout
from baro.twin.center_sim import CenterOrder
from baro.twin.stow_comparison import bins_needed, replay_stock

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
T0 = datetime(2017, 5, 1, tzinfo=UTC)
LAYOUT = build_layout(CenterSettings(blocks_across=2, blocks_down=1, stations=2, robots=4))
# Eight small products, two units each: one bin holds all of them.
ITEMS = {
    f"p{i}": Item(f"p{i}", f"p{i}", weight_g=200, length_cm=10, width_cm=10, height_cm=10)
    for i in range(8)
}
INBOUND = [Inbound(T0, p, 2) for p in ITEMS]
ORDERS = [CenterOrder(f"o{i}", T0 + timedelta(hours=i + 1), ((f"p{i}", 1),)) for i in range(8)]


def test_random_stow_needs_fewer_bins_than_dedicated_slots_on_a_known_stream() -> None:
    random = bins_needed(LAYOUT.bins, lambda: RandomStow(3), INBOUND, ORDERS, ITEMS, 1)
    dedicated = bins_needed(LAYOUT.bins, DedicatedSlots, INBOUND, ORDERS, ITEMS, 1)

    assert (random, dedicated) == (1, 8)


def test_the_stream_replayed_counts_peak_stock_and_the_walk_to_each_bin() -> None:
    figures = replay_stock(LAYOUT.bins[:1], RandomStow(0), INBOUND, ORDERS, ITEMS)

    assert figures is not None
    assert figures["peak_volume_cm3"] == 16 * 1_000 and figures["units_picked"] == 8
    assert figures["pick_metres"] == 8 * 2 * LAYOUT.bins[0].station_distance
    assert replay_stock(LAYOUT.bins[:7], DedicatedSlots(), INBOUND, ORDERS, ITEMS) is None


def test_class_based_keeps_the_fast_movers_nearest() -> None:
    classes: dict[str, VelocityClass] = {"p0": "A", **{p: "C" for p in ITEMS if p != "p0"}}
    figures = replay_stock(
        LAYOUT.bins,
        ClassBased(classes),
        INBOUND,
        ORDERS[:1],
        ITEMS,
    )

    assert figures is not None
    assert figures["pick_metres"] == 2 * LAYOUT.bins[0].station_distance


def needs_olist() -> None:
    if not (SHARED_DATA / "olist" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")


@pytest.mark.data
def test_the_bench_on_olist_puts_random_beside_dedicated() -> None:
    needs_olist()

    result = run(SHARED_DATA, test_from=date(2017, 10, 28))

    strategies = result["strategies"]
    assert set(strategies) == {"random", "dedicated", "class_based"}
    assert strategies["dedicated"]["vs_dedicated"]["bins_needed"] == 1.0
    assert strategies["random"]["bins_needed"] < strategies["dedicated"]["bins_needed"]
    for row in strategies.values():
        assert row["orders_shipped"] == result["evaluated"]["orders"]
        assert 0 < row["pick_to_ship_p50_min"] <= row["pick_to_ship_p90_min"]
        assert 0 < row["space_utilisation"] <= 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--test-from", "2017-13-01"], "--test-from is YYYY-MM-DD"),
        (["--floor", "drones"], "--floor is manual or robots"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_traceback(arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["bench", "stow", *arguments])

    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_a_split_that_leaves_no_orders_to_evaluate_is_explained() -> None:
    needs_olist()
    result = CliRunner().invoke(
        app, ["bench", "stow", "--data-dir", str(SHARED_DATA), "--test-from", "2030-01-01"]
    )

    assert result.exit_code != 0
    assert "leaves no orders on one side" in result.output
