"""``baro bench reorder``: evaluated targets never reach training, the evaluation users file is
read or refused in words, and (on the real data) baro beats both baselines."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from baro.bench.reorder import (
    evaluation_targets,
    fit_without,
    instacart_frames,
    read_eval_users,
    run,
)
from baro.cli import app
from baro.datasets import load_instacart_order_products_prior
from baro.intelligence.replenish import (
    InvalidOrders,
    ReorderSettings,
    fit_reorders,
    last_orders,
    predict_reorders,
    reorder_truth,
)
from tests.intelligence.test_replenish import synthetic

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
QUICK = ReorderSettings(threads=1, max_rounds=40)


def poisoned(lines: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """The targets' products swapped for the customer's most bought product and a new one."""
    kept = lines.join(targets, on="order_id", how="anti")
    swapped = targets.select("order_id", product_id=pl.lit([0, 77_777])).explode("product_id")
    return pl.concat([kept, swapped.cast(kept.schema)])


def test_evaluation_targets_never_reach_training() -> None:
    """Poisoning the evaluated customers' target orders leaves their predictions unchanged;
    a model that trains on those targets does change, so the check can see a leak."""
    orders, lines = synthetic(customers=60)
    evaluation = evaluation_targets(orders, set(range(0, 60, 5)))
    bad = poisoned(lines, evaluation)

    def predictions(fit_lines: pl.DataFrame) -> pl.DataFrame:
        model = fit_without(orders, fit_lines, evaluation, QUICK)
        return predict_reorders(model, orders, fit_lines, evaluation)

    assert predictions(lines).equals(predictions(bad))

    def leaky(fit_lines: pl.DataFrame) -> pl.DataFrame:
        model = fit_reorders(orders, fit_lines, last_orders(orders), QUICK)
        return predict_reorders(model, orders, fit_lines, evaluation)

    assert not leaky(lines).equals(leaky(bad))


def test_the_evaluation_users_file_is_read_and_bad_lines_are_named(tmp_path: Path) -> None:
    listed = tmp_path / "users.txt"
    listed.write_text("# held out\n7\n\n12  # a comment\n7\n")
    assert read_eval_users(listed) == {7, 12}
    listed.write_text("7\nuser-8\n")
    with pytest.raises(InvalidOrders, match=r"users.txt:2: 'user-8' is not a user id"):
        read_eval_users(listed)
    with pytest.raises(InvalidOrders, match="cannot read"):
        read_eval_users(tmp_path / "absent.txt")


def test_the_command_says_what_is_missing_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "reorder", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "Instacart orders not found" in result.output
    assert "Traceback" not in result.output


@pytest.mark.data
def test_on_the_real_data_baro_beats_both_baselines_on_both_data_sets() -> None:
    if not (SHARED_DATA / "instacart" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    orders, _lines = instacart_frames(SHARED_DATA)

    # One thread: under a busy test run two spinning OpenMP threads crawl (see the CLI).
    result = run(SHARED_DATA, settings=ReorderSettings(threads=1))

    assert result["targets"]["baro_beats_both_baselines"] == {
        "instacart": True,
        "online_retail": True,
    }
    assert result["datasets"]["instacart"]["customers"] == orders["customer_id"].n_unique()


@pytest.mark.data
def test_on_instacart_the_truth_is_exactly_the_reordered_flag() -> None:
    if not (SHARED_DATA / "instacart" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    orders, lines = instacart_frames(SHARED_DATA)
    targets = last_orders(orders)
    flagged = (
        load_instacart_order_products_prior(SHARED_DATA)
        .join(targets, on="order_id")
        .filter(pl.col("reordered"))
        .group_by("order_id")
        .agg(flagged=pl.col("product_id").sort())
    )
    truth = reorder_truth(orders, lines, targets).join(flagged, on="order_id", how="left")

    assert truth.filter(
        pl.col("products") != pl.col("flagged").fill_null(pl.lit([], pl.List(pl.Int32)))
    ).is_empty()
