"""P(a product is reordered in the target order | the customer's history): LightGBM, binary.

Trained on targets whose products are known (for the bench: the other customers' last orders
and the orders before them), with early stopping on a slice of the training customers held
out by a stable hash. Product features are computed once, on the training history before every
training target, and carried by the model to prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import polars as pl

from baro.intelligence.replenish.errors import NoTrainingData
from baro.intelligence.replenish.features import FEATURES, candidates, product_features
from baro.intelligence.replenish.frames import LINE_COLUMNS, checked, hash_share, orders_before
from baro.intelligence.replenish.settings import ReorderSettings


@dataclass(frozen=True)
class ReorderModel:
    """The fitted booster, the product features it was trained with, and what it learned on."""

    booster: lgb.Booster
    products: pl.DataFrame
    settings: ReorderSettings
    training_rows: int
    validation_rows: int

    @property
    def rounds(self) -> int:
        return self.booster.best_iteration or self.booster.current_iteration()


def fit_reorders(
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    targets: pl.DataFrame,
    settings: ReorderSettings | None = None,
) -> ReorderModel:
    """Learn P(reorder) from ``targets``: the label is whether the product is in the target.

    Every order given may be read; a caller that evaluates other targets passes
    ``orders_before(orders, evaluation_targets)``, so that none of them reaches training.
    """
    settings = settings or ReorderSettings()
    lines = checked(lines, LINE_COLUMNS, "lines")
    products = product_features(orders_before(orders, targets), lines)
    rows = (
        candidates(orders, lines, targets, products)
        .join(
            lines.unique().with_columns(label=pl.lit(1, pl.Int8)),
            on=["order_id", "product_id"],
            how="left",
        )
        .with_columns(pl.col("label").fill_null(0))
    )
    if rows.is_empty() or rows["label"].n_unique() < 2:
        raise NoTrainingData(
            f"{targets.height} training targets give {rows.height} candidates with "
            f"{int(rows['label'].sum()) if rows.height else 0} reorders: nothing to learn"
        )
    held = hash_share(
        rows["customer_id"].unique().to_list(), settings.validation_share, salt="validation"
    )
    is_validation = rows["customer_id"].is_in(list(held))
    train, valid = rows.filter(~is_validation), rows.filter(is_validation)
    parameters = settings.lightgbm()
    data = lgb.Dataset(_matrix(train), label=train["label"].to_numpy(), free_raw_data=True)
    callbacks = []
    valid_sets = []
    if valid.height and valid["label"].n_unique() == 2:
        valid_sets = [lgb.Dataset(_matrix(valid), label=valid["label"].to_numpy(), reference=data)]
        callbacks = [lgb.early_stopping(settings.early_stopping_rounds, verbose=False)]
    booster = lgb.train(
        parameters,
        data,
        num_boost_round=settings.max_rounds,
        valid_sets=valid_sets,
        callbacks=callbacks,
    )
    return ReorderModel(booster, products, settings, train.height, valid.height)


def predict_reorders(
    model: ReorderModel, orders: pl.DataFrame, lines: pl.DataFrame, targets: pl.DataFrame
) -> pl.DataFrame:
    """customer_id, order_id (the target), product_id, p_reorder: every product each customer
    bought before its target. Reads only the orders before each target, never its lines."""
    rows = candidates(orders, lines, targets, model.products)
    p = model.booster.predict(_matrix(rows), num_iteration=model.rounds) if rows.height else []
    return rows.select("customer_id", "order_id", "product_id").with_columns(
        p_reorder=pl.Series(np.asarray(p, dtype=np.float64))
    )


def _matrix(rows: pl.DataFrame) -> np.ndarray:
    return rows.select(pl.col(FEATURES).cast(pl.Float64)).to_numpy()
