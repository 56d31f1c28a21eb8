"""Mean per-customer F1, precision and recall with the Kaggle rules: None is a token."""

from __future__ import annotations

import polars as pl

NONE = "None"


def basket_scores(baskets: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """baskets (customer_id, order_id, products, none) and truth (customer_id, order_id,
    products: the reorders) -> customer_id, order_id, f1, precision, recall per target.

    The truth is {None} when nothing was reordered; the prediction holds None when ``none`` is
    set. A target without a basket is predicted None.
    """
    joined = truth.join(
        baskets.select("customer_id", "order_id", "products", "none"),
        on=["customer_id", "order_id"],
        how="left",
        suffix="_predicted",
    )
    rows = []
    for customer, order, actual, predicted, none in joined.select(
        "customer_id", "order_id", "products", "products_predicted", "none"
    ).iter_rows():
        truth_set = set(actual) if actual else {NONE}
        guess = set(predicted or [])
        if none or none is None:
            guess.add(NONE)
        hits = len(truth_set & guess)
        precision = hits / len(guess) if guess else 0.0
        recall = hits / len(truth_set)
        f1 = 2 * hits / (len(guess) + len(truth_set))
        rows.append((customer, order, f1, precision, recall))
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": truth.schema["customer_id"],
            "order_id": truth.schema["order_id"],
            "f1": pl.Float64(),
            "precision": pl.Float64(),
            "recall": pl.Float64(),
        },
        orient="row",
    )


def mean_scores(scores: pl.DataFrame) -> dict[str, float]:
    """{"f1", "precision", "recall"}: the means over targets (0.0 for none)."""
    if scores.is_empty():
        return {"f1": 0.0, "precision": 0.0, "recall": 0.0}
    return {name: float(scores[name].mean()) for name in ("f1", "precision", "recall")}
