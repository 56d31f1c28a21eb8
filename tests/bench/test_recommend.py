"""``baro bench recommend``: evaluated targets never reach any method, the truth splits
repeats from explores, the command says what is missing, and (on the real data) the figures
come out for every method on both data sets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from baro.bench.recommend import (
    SELECTION_FOLDS,
    evaluate,
    fit_methods,
    methods,
    recommend_truth,
    run,
    selection_split,
)
from baro.bench.reorder import evaluation_targets
from baro.cli import app
from baro.intelligence.recommend import BlendSettings, fit_blend
from baro.intelligence.replenish import InvalidOrders, ReorderSettings
from tests.intelligence.test_recommend import frames, shoppers

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
QUICK = BlendSettings(training_targets=2, ranker=ReorderSettings(threads=1, max_rounds=40))


def poisoned(lines: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """The targets' products swapped for products nobody else buys and a popular one."""
    kept = lines.join(targets, on="order_id", how="anti")
    swapped = targets.select("order_id", product_id=pl.lit([100, 77_777, 88_888])).explode(
        "product_id"
    )
    return pl.concat([kept, swapped.cast(kept.schema)])


def test_evaluation_targets_never_reach_any_method() -> None:
    """Poisoning the evaluated customers' target orders leaves every method's lists for them
    unchanged; a blend fitted on the targets does change, so the check can see a leak."""
    orders, lines = frames(shoppers(customers=60, orders=6))
    evaluation = evaluation_targets(orders, set(range(0, 60, 5)))
    bad = poisoned(lines, evaluation)
    ids = evaluation["customer_id"].to_list()

    def lists(fit_lines: pl.DataFrame) -> dict[str, pl.DataFrame]:
        fitted, _seconds, _learned = fit_methods(orders, fit_lines, evaluation, QUICK)
        return {method: top(ids) for method, top in fitted.items()}

    clean, dirty = lists(lines), lists(bad)
    assert set(clean) == set(methods())
    for method in clean:
        assert clean[method].equals(dirty[method]), method

    def leaky(fit_lines: pl.DataFrame) -> pl.DataFrame:
        return fit_blend(orders, fit_lines, QUICK).recommend(ids, 20)

    assert not leaky(lines).equals(leaky(bad))


def test_the_selection_split_holds_no_evaluated_customer_and_no_evaluated_target() -> None:
    orders, _lines = frames(shoppers(customers=200, orders=4))
    evaluation = evaluation_targets(orders, set(range(0, 200, 5)))
    known, held = selection_split(orders, evaluation)

    assert not set(held["customer_id"]) & set(evaluation["customer_id"])
    assert known.join(evaluation, on="order_id", how="semi").is_empty()
    assert 20 < held.height < 80  # a quarter of the 160 others, by hash


def test_the_selection_folds_hold_every_other_customer_once() -> None:
    orders, _lines = frames(shoppers(customers=200, orders=4))
    evaluation = evaluation_targets(orders, set(range(0, 200, 5)))
    folds = [selection_split(orders, evaluation, fold)[1] for fold in range(SELECTION_FOLDS)]
    held = [customer for fold in folds for customer in fold["customer_id"].to_list()]

    assert sorted(held) == [c for c in range(200) if c % 5]
    assert folds[0].equals(selection_split(orders, evaluation)[1])
    with pytest.raises(InvalidOrders, match=r"fold must be in 0\.\.3"):
        selection_split(orders, evaluation, SELECTION_FOLDS)


def test_the_selection_scores_every_fold_together_and_keeps_each_folds_blend() -> None:
    orders, lines = frames(shoppers(customers=80, orders=5))
    laps: list[str] = []
    result = evaluate(
        "shoppers", orders, lines, set(range(0, 80, 5)), QUICK, laps.append, selection=True
    )

    assert result["evaluated_customers"] == 64  # every customer not evaluated, once
    assert len(result["blend"]) == SELECTION_FOLDS
    assert all(0 <= fold["explore_weight"] <= 1 for fold in result["blend"])
    assert result["baro_minus"]["tifu_knn"]["recall_10"]["customers"] == 64
    assert laps == ["load_s", "fit_s", "recommend_and_score_s"]


def test_the_truth_is_every_target_product_marked_repeat_or_explore() -> None:
    orders, lines = frames({1: [[5, 6], [7], [5, 8]], 2: [[1], [1, 2]]})
    evaluation = evaluation_targets(orders, {1, 2})
    truth = recommend_truth(orders, lines, evaluation)

    assert truth.rows() == [(1, 5, True), (1, 8, False), (2, 1, True), (2, 2, False)]


def test_the_command_says_what_is_missing_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "recommend", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "Instacart orders not found" in result.output
    assert "Traceback" not in result.output


@pytest.mark.data
def test_on_the_real_data_every_method_is_scored_with_intervals() -> None:
    if not (SHARED_DATA / "instacart" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")

    defaults = BlendSettings()
    # Two past orders teach the ranker instead of six: the bench's plumbing on the real data
    # in a third of the time (the bench itself measures the figures, with the defaults).
    settings = replace(defaults, training_targets=2, ranker=replace(defaults.ranker, threads=1))
    result = run(SHARED_DATA, settings=settings)

    for name in ("instacart", "online_retail"):
        data = result["datasets"][name]
        assert set(data["methods"]) == set(methods())
        assert data["methods"]["baro"]["recall_10"] > data["methods"]["popularity"]["recall_10"]
        for other in ("tifu_knn", "gp_topfreq"):
            interval = data["baro_minus"][other]["ndcg_10"]
            assert interval["low"] <= interval["mean"] <= interval["high"]
    assert result["targets"]["instacart"]["training_under_2_minutes"]
