"""``baro bench reorder``: which products a customer buys again in their next order — baro's
reorder model and expected-F1 basket against repeat-last-order and frequent-items, on
Instacart and on UCI Online Retail, scored on customers whose target orders no model sees.

The target of each customer is their last order with known products: Instacart's last
``prior`` order (its ``test`` orders carry no products), Online Retail's last invoice. The
truth is the target's products the customer had bought before (on Instacart exactly those
with ``reordered == 1``), or None when there are none; the score is the mean per-customer F1
with the Kaggle rules (None is a token), with precision and recall beside it.

The evaluated customers are a deterministic 20 % by a stable hash of the id (Instacart: or
the ids listed in ``--eval-users``). Their target orders are cut off before anything is
fitted (``orders_before``); every other customer's history, targets included, trains the
model, with the two orders before each target as extra training targets. Ids, days and
products all come from the data, so another directory of the same layout runs unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from baro.bench.forecast import MERCHANDISE
from baro.bench.laps import Laps
from baro.datasets import (
    load_instacart_order_products_prior,
    load_instacart_orders,
    load_online_retail,
)
from baro.intelligence.replenish import (
    BASELINES,
    FREQUENT_SHARE,
    InvalidOrders,
    ReorderModel,
    ReorderSettings,
    basket_scores,
    choose_baskets,
    fit_reorders,
    hash_share,
    last_orders,
    mean_scores,
    orders_before,
    predict_reorders,
    reorder_truth,
)

EVAL_SHARE = 0.2
# Training targets per training customer: the last order and the ones before it.
TRAINING_TARGETS = 3
METHODS = (*BASELINES, "baro")
DATASETS = ("instacart", "online_retail")
STEPS = ("load", "fit", "predict and score")
TARGET_F1 = 0.40
TRAINING_BUDGET_S = 120.0

Progress = Callable[[str, int, int], None]


def instacart_frames(data_dir: Path | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Instacart's prior orders and their products as (orders, lines)."""
    orders = load_instacart_orders(data_dir).filter(pl.col("eval_set") == "prior")
    lines = load_instacart_order_products_prior(data_dir)
    return (
        orders.select(
            customer_id="user_id",
            order_id="order_id",
            order_number="order_number",
            days_since_prior="days_since_prior_order",
        ),
        lines.select("order_id", "product_id"),
    )


def online_retail_frames(data_dir: Path | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Online Retail's invoices of known customers as (orders, lines): merchandise lines with a
    positive quantity, not cancellations; a stock code becomes an integer product id."""
    bought = load_online_retail(data_dir).filter(
        pl.col("customer_id").is_not_null(),
        ~pl.col("is_cancellation"),
        pl.col("quantity") > 0,
        pl.col("stock_code").str.contains(MERCHANDISE),
    )
    invoices = (
        bought.group_by("invoice_no")
        .agg(pl.col("customer_id").first(), at=pl.col("invoice_date").min())
        .sort("customer_id", "at", "invoice_no")
        .with_columns(order_id=pl.col("invoice_no").cast(pl.Int64))
    )
    orders = invoices.select(
        "customer_id",
        "order_id",
        order_number=pl.col("at").rank("ordinal").over("customer_id").cast(pl.Int32),
        days_since_prior=pl.col("at").diff().over("customer_id").dt.total_seconds() / 86_400,
    )
    codes = bought["stock_code"].unique().sort()
    lines = bought.select(
        order_id=pl.col("invoice_no").cast(pl.Int64),
        product_id=pl.col("stock_code").replace_strict(codes, pl.int_range(codes.len())),
    )
    return orders, lines


def evaluation_targets(orders: pl.DataFrame, evaluated: set[int] | None) -> pl.DataFrame:
    """The last order of each evaluated customer (default: ``EVAL_SHARE`` by stable hash)."""
    last = last_orders(orders)
    if evaluated is None:
        evaluated = hash_share(last["customer_id"].to_list(), EVAL_SHARE)
    return last.filter(pl.col("customer_id").is_in(list(evaluated)))


def fit_without(
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    evaluation: pl.DataFrame,
    settings: ReorderSettings,
) -> ReorderModel:
    """The model trained on everything but the evaluation targets (and what follows them)."""
    known = orders_before(orders, evaluation)
    training = pl.concat([last_orders(known, back=back) for back in range(TRAINING_TARGETS)]).join(
        evaluation, on="customer_id", how="anti"
    )
    return fit_reorders(known, lines, training, settings)


def evaluate(
    name: str,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    evaluated: set[int] | None,
    settings: ReorderSettings,
    lap: Callable[[str], float],
) -> dict[str, Any]:
    """Fit, predict and score every method on one data set's evaluation customers."""
    evaluation = evaluation_targets(orders, evaluated)
    if evaluation.is_empty():
        raise InvalidOrders(f"{name}: no evaluated customer has an order before their last")
    truth = reorder_truth(orders, lines, evaluation)
    lap("load_s")
    model = fit_without(orders, lines, evaluation, settings)
    training_s = lap("fit_s")
    baskets = {name: baseline(orders, lines, evaluation) for name, baseline in BASELINES.items()}
    baskets["baro"] = choose_baskets(predict_reorders(model, orders, lines, evaluation))
    lap("predict_and_score_s")
    scores = {
        method: {
            key: round(value, 4) for key, value in mean_scores(basket_scores(b, truth)).items()
        }
        | {"none_predicted_share": round(float(b["none"].mean()), 4)}
        for method, b in baskets.items()
    }
    return {
        "customers": orders["customer_id"].n_unique(),
        "evaluated_customers": evaluation.height,
        "truth_none_share": round(float((truth["products"].list.len() == 0).mean()), 4),
        "methods": scores,
        "model": {
            "training_rows": model.training_rows,
            "validation_rows": model.validation_rows,
            "rounds": model.rounds,
            "training_s": round(training_s, 1),
        },
    }


def run(
    data_dir: Path | None,
    *,
    eval_users: set[int] | None = None,
    settings: ReorderSettings | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Both data sets, every method; ``eval_users`` picks Instacart's evaluated users."""
    settings = settings or ReorderSettings()
    step = progress or (lambda _name, _done, _total: None)
    total = len(DATASETS) * len(STEPS)
    timings: dict[str, dict[str, float]] = {}
    results: dict[str, Any] = {}
    frames = {"instacart": instacart_frames, "online_retail": online_retail_frames}
    for index, name in enumerate(DATASETS):
        laps = Laps(name, STEPS, index * len(STEPS), total, step)
        orders, lines = frames[name](data_dir)
        chosen = eval_users if name == "instacart" else None
        results[name] = evaluate(name, orders, lines, chosen, settings, laps)
        timings[name] = laps.seconds
    step("done", total, total)
    return {
        "datasets": results,
        "methods": list(METHODS),
        "eval_users": "listed" if eval_users is not None else f"{EVAL_SHARE:.0%} by hash",
        "threads": settings.threads,
        "targets": _targets(results),
        "timings_s": timings,
        "rules": {
            "target": "each customer's last order with known products (Instacart: last prior "
            "order; Online Retail: last invoice)",
            "truth": "the target's products the customer had bought before, or None",
            "score": "mean per-customer F1, precision and recall; None is a token (Kaggle)",
            "evaluated": f"{EVAL_SHARE:.0%} of customers by a stable hash of the id "
            "(Instacart: or --eval-users); their targets are cut off before fitting",
            "training": f"every other customer's last {TRAINING_TARGETS} orders as targets, "
            "early stopping on 10 % of the training customers",
            "frequent_items": f"products in at least {FREQUENT_SHARE:.0%} of the customer's orders",
            "online_retail": "merchandise lines (stock code of five digits) with a positive "
            "quantity, not cancelled, of known customers; one invoice = one order",
        },
        "data_dir": str(data_dir) if data_dir else None,
    }


def read_eval_users(path: Path) -> set[int]:
    """The user ids listed in ``path``, one per line (blank lines and ``#`` comments skipped)."""
    try:
        text = path.read_text()
    except OSError as error:
        raise InvalidOrders(f"cannot read the evaluation users {path}: {error.strerror}") from error
    ids = set()
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not value.isdigit():
            raise InvalidOrders(f"{path}:{number}: {value!r} is not a user id (a whole number)")
        ids.add(int(value))
    if not ids:
        raise InvalidOrders(f"{path} lists no user id")
    return ids


def _targets(results: dict[str, Any]) -> dict[str, Any]:
    instacart = results["instacart"]
    f1 = {name: result["methods"] for name, result in results.items()}
    return {
        "instacart_baro_f1_at_least_0_40": instacart["methods"]["baro"]["f1"] >= TARGET_F1,
        "training_under_2_minutes": all(
            result["model"]["training_s"] < TRAINING_BUDGET_S for result in results.values()
        ),
        "baro_beats_both_baselines": {
            name: all(methods["baro"]["f1"] > methods[b]["f1"] for b in BASELINES)
            for name, methods in f1.items()
        },
    }
