"""``baro bench recommend``: the next basket as a ranked list — baro's blend against the
published next-basket baselines, on Instacart and on UCI Online Retail, scored on customers
whose target orders no model sees.

The data, the targets and the evaluated customers are those of ``baro bench reorder``
(``instacart_frames``, ``online_retail_frames``, ``evaluation_targets``): the target is each
evaluated customer's last order with known products (Instacart: last prior order; Online
Retail: last invoice, merchandise lines), the truth all of its products, repeats (bought
before) and explores (new to the customer). Every method is fitted on
``orders_before(orders, evaluation)``: the evaluated customers' earlier orders and every
other customer's whole history, never a target's lines.

Methods, side by side: ``popularity`` (G-TopFreq), ``gp_topfreq`` (the customer's most
frequent products, ties to the most recent, padded with popular ones), ``tifu_knn`` (the
paper's Instacart hyper-parameters), ``implicit_als`` (when ``implicit`` is installed) and
``baro`` (``fit_blend``). Metrics per customer (``basket_metrics``) and, for baro against
tifu_knn and gp_topfreq, a bootstrap 95 % interval of each difference over customers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from baro.bench.laps import Laps
from baro.bench.reorder import (
    EVAL_SHARE,
    evaluation_targets,
    instacart_frames,
    online_retail_frames,
)
from baro.intelligence.recommend import (
    MEASURES,
    BlendSettings,
    BuyAgain,
    History,
    TifuKnn,
    Trending,
    basket_metrics,
    bootstrap_difference,
    fit_blend,
    mean_metrics,
    ranked,
    recommend,
)
from baro.intelligence.replenish import (
    InvalidOrders,
    ReorderSettings,
    hash_share,
    last_orders,
    orders_before,
)

DATASETS = ("instacart", "online_retail")
STEPS = ("load", "fit", "recommend and score")
LIST_LENGTH = 20
COMPARED = ("tifu_knn", "gp_topfreq")
DIFFERENCES = ("recall_10", "ndcg_10", "explore_recall_10")
TRAINING_BUDGET_S = 120.0
SERVE_SAMPLE = 200
SELECTION_FOLDS = 4

Progress = Callable[[str, int, int], None]
Recommend = Callable[[list[int]], pl.DataFrame]


def methods() -> tuple[str, ...]:
    """The methods this installation can run: implicit_als only with ``implicit``."""
    names = ["popularity", "gp_topfreq", "tifu_knn"]
    if _implicit_available():
        names.append("implicit_als")
    return (*names, "baro")


def recommend_truth(
    orders: pl.DataFrame, lines: pl.DataFrame, evaluation: pl.DataFrame
) -> pl.DataFrame:
    """customer_id, product_id, repeat: every product of each evaluated target, and whether
    the customer had bought it before the target."""
    goal = orders.join(evaluation, on=["customer_id", "order_id"], how="semi").select(
        "customer_id", "order_id", target=pl.col("order_number")
    )
    earlier = (
        orders.join(goal.select("customer_id", "target"), on="customer_id")
        .filter(pl.col("order_number") < pl.col("target"))
        .join(lines, on="order_id")
        .select("customer_id", "product_id")
        .unique()
        .with_columns(repeat=pl.lit(True))
    )
    return (
        goal.join(lines, on="order_id")
        .select("customer_id", "product_id")
        .unique()
        .join(earlier, on=["customer_id", "product_id"], how="left")
        .with_columns(pl.col("repeat").fill_null(False))
        .with_columns(pl.col("customer_id").cast(pl.Int64), pl.col("product_id").cast(pl.Int64))
        .sort("customer_id", "product_id")
    )


def selection_split(
    orders: pl.DataFrame, evaluation: pl.DataFrame, fold: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(orders, targets) for choosing settings without the evaluated customers: the orders
    before the evaluation targets, and the last of those orders of the other customers in
    ``fold`` of ``SELECTION_FOLDS`` (disjoint ranges of a stable hash, salt
    ``model-selection``; fold 0 is the first quarter, the split scored before folds)."""
    if not 0 <= fold < SELECTION_FOLDS:
        raise InvalidOrders(f"fold must be in 0..{SELECTION_FOLDS - 1}, not {fold}")
    known = orders_before(orders, evaluation)
    others = last_orders(known).join(evaluation, on="customer_id", how="anti")
    ids = others["customer_id"].to_list()
    width = 1 / SELECTION_FOLDS
    held = hash_share(ids, width * (fold + 1), salt="model-selection") - hash_share(
        ids, width * fold, salt="model-selection"
    )
    return known, others.filter(pl.col("customer_id").is_in(list(held)))


def fit_methods(
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    evaluation: pl.DataFrame,
    settings: BlendSettings,
) -> tuple[dict[str, Recommend], dict[str, float], dict[str, Any]]:
    """Every method fitted on the orders before the evaluation targets: a function from
    customer ids to their top ``LIST_LENGTH``, the seconds each took to fit, and what the
    blend learned on."""
    known = orders_before(orders, evaluation)
    fitted: dict[str, Recommend] = {}
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    history = History.build(known, lines)
    popular = Trending(decay=1.0).fit(history)
    fitted["popularity"] = lambda ids: recommend(popular, history, ids, LIST_LENGTH)
    seconds["popularity"] = time.perf_counter() - started

    started = time.perf_counter()
    frequency, recent = BuyAgain(1.0).fit(history), BuyAgain(0.9).fit(history)
    fitted["gp_topfreq"] = lambda ids: _gp_topfreq(history, frequency, recent, popular, ids)
    seconds["gp_topfreq"] = time.perf_counter() - started + seconds["popularity"]

    started = time.perf_counter()
    tifu = TifuKnn(**settings.tifu).fit(history)  # type: ignore[arg-type]
    fitted["tifu_knn"] = lambda ids: recommend(tifu, history, ids, LIST_LENGTH)
    seconds["tifu_knn"] = time.perf_counter() - started

    if _implicit_available():
        started = time.perf_counter()
        fitted["implicit_als"] = _fit_als(history, frequency, settings.ranker)
        seconds["implicit_als"] = time.perf_counter() - started

    # The days from each evaluated customer's last order to the target: when the page is
    # asked for, the time since the last order is known (the target's products are not).
    gap_of = dict(
        evaluation.join(orders, on=["customer_id", "order_id"])
        .select("customer_id", pl.col("days_since_prior").cast(pl.Float64))
        .iter_rows()
    )
    started = time.perf_counter()
    blend = fit_blend(known, lines, settings)
    fitted["baro"] = lambda ids: blend.recommend(ids, LIST_LENGTH, [gap_of.get(i) for i in ids])
    seconds["baro"] = time.perf_counter() - started
    learned = {
        "training_rows": blend.training_rows,
        "validation_rows": blend.validation_rows,
        "rounds": blend.rounds,
        "explore_weight": blend.explore_weight,
        "training_targets_per_customer": settings.training_targets,
    }
    return fitted, seconds, learned


def evaluate(
    name: str,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    evaluated: set[int] | None,
    settings: BlendSettings,
    lap: Callable[[str], float],
    *,
    selection: bool = False,
) -> dict[str, Any]:
    """Fit, recommend and score every method on one data set's evaluated customers (or,
    with ``selection``, on each fold of the model-selection split of the other customers,
    fitted fold by fold and scored together)."""
    evaluation = evaluation_targets(orders, evaluated)
    splits = (
        [selection_split(orders, evaluation, fold) for fold in range(SELECTION_FOLDS)]
        if selection
        else [(orders, evaluation)]
    )
    if any(split.is_empty() for _, split in splits):
        raise InvalidOrders(f"{name}: no evaluated customer has an order before their last")
    truths = [recommend_truth(known, lines, split) for known, split in splits]
    lap("load_s")
    fits = [fit_methods(known, lines, split, settings) for known, split in splits]
    lap("fit_s")
    per_customer: dict[str, pl.DataFrame] = {}
    for (fitted, _, _), (_, split), truth in zip(fits, splits, truths, strict=True):
        ids = split["customer_id"].cast(pl.Int64).to_list()
        for method, top in fitted.items():
            scores = basket_metrics(top(ids), truth)
            per_customer[method] = pl.concat([per_customer.get(method, scores.clear()), scores])
    first_ids = splits[0][1]["customer_id"].cast(pl.Int64).to_list()
    serve = {method: _serve_p95_ms(top, first_ids) for method, top in fits[0][0].items()}
    lap("recommend_and_score_s")
    train_s = {method: max(fit[1][method] for fit in fits) for method in fits[0][1]}
    return {
        "customers": orders["customer_id"].n_unique(),
        "evaluated_customers": sum(split.height for _, split in splits),
        "target_products": sum(truth.height for truth in truths),
        "target_repeat_share": round(
            float(pl.concat([truth["repeat"] for truth in truths]).to_numpy().mean()), 4
        ),
        "methods": {
            method: mean_metrics(scores)
            | {"train_s": round(train_s[method], 2), "serve_p95_ms": serve[method]}
            for method, scores in per_customer.items()
        },
        "baro_minus": {
            other: {
                measure: bootstrap_difference(per_customer["baro"], per_customer[other], measure)
                for measure in DIFFERENCES
            }
            for other in COMPARED
        },
        "blend": fits[0][2] if len(fits) == 1 else [learned for _, _, learned in fits],
        "search_affinity": "not scored: the data set has no search events",
    }


def run(
    data_dir: Path | None,
    *,
    eval_users: set[int] | None = None,
    settings: BlendSettings | None = None,
    progress: Progress | None = None,
    selection: bool = False,
) -> dict[str, Any]:
    """Both data sets, every method; ``eval_users`` picks Instacart's evaluated users;
    ``selection`` scores the model-selection split instead (``selection_split``)."""
    settings = settings or BlendSettings()
    step = progress or (lambda _name, _done, _total: None)
    total = len(DATASETS) * len(STEPS)
    timings: dict[str, dict[str, float]] = {}
    results: dict[str, Any] = {}
    frames = {"instacart": instacart_frames, "online_retail": online_retail_frames}
    for index, name in enumerate(DATASETS):
        laps = Laps(name, STEPS, index * len(STEPS), total, step)
        orders, lines = frames[name](data_dir)
        chosen = eval_users if name == "instacart" else None
        results[name] = evaluate(name, orders, lines, chosen, settings, laps, selection=selection)
        timings[name] = laps.seconds
    step("done", total, total)
    tifu = TifuKnn(**settings.tifu)  # type: ignore[arg-type]
    return {
        "datasets": results,
        "methods": list(methods()),
        "measures": list(MEASURES),
        "eval_users": (
            f"model-selection split: the customers not evaluated, in {SELECTION_FOLDS} folds"
            if selection
            else "listed"
            if eval_users is not None
            else f"{EVAL_SHARE:.0%} by hash"
        ),
        "threads": settings.ranker.threads,
        "targets": _targets(results),
        "timings_s": timings,
        "rules": {
            "target": "each evaluated customer's last order with known products (Instacart: "
            "last prior order; Online Retail: last invoice); truth = all its products",
            "repeat_explore": "repeat = bought by the customer before the target; explore = "
            "not; their recall@10 is averaged over the customers who have such products",
            "evaluated": f"{EVAL_SHARE:.0%} of customers by a stable hash of the id "
            "(Instacart: or --eval-users); their targets are cut off before fitting",
            "list_length": LIST_LENGTH,
            "tifu_knn": {
                "neighbours": tifu.neighbours,
                "within_decay": tifu.within_decay,
                "group_decay": tifu.group_decay,
                "alpha": tifu.alpha,
                "groups": tifu.groups,
                "source": "Hu et al., SIGIR 2020, Instacart hyper-parameters; neighbours are "
                "capped at the customers there are",
            },
            "gp_topfreq": "the customer's products by number of orders holding them (ties: "
            "the more recent first), then the most popular products they have not bought",
            "implicit_als": "implicit's ALS, 64 factors, 15 iterations, BM25-weighted counts"
            if _implicit_available()
            else "skipped: implicit is not installed",
            "baro": f"LightGBM ({settings.objective}) over the candidates of buy-again, "
            "frequency, TIFU-KNN, the 100 closest customers, bought-together and trending; "
            f"trained on the customers' own earlier orders (last {settings.training_targets} "
            "per customer before any evaluated target), early stopping on "
            f"{settings.ranker.validation_share:.0%} of customers by hash; settings chosen on "
            "a split of training customers, never on the evaluated ones; products new to the "
            "customer weighed up by the explore weight the blend chose on its validation "
            f"customers (best explore recall@10 giving up at most "
            f"{settings.recall_for_explore:.0%} of recall@10; blend.explore_weight)",
            "gap": "baro alone reads the days between the customer's last order and the "
            "target (the page is asked for when the time since the last order is known; "
            "the target's products are not)",
            "interval": "bootstrap 95 % percentile interval over customers, 2,000 resamples, "
            "of baro's per-customer measure minus the other's",
            "train_s": "seconds to fit the method (baro: every scorer once per training "
            "target level and once to serve, plus the ranker)",
            "serve_p95_ms": f"95th percentile over up to {SERVE_SAMPLE} evaluated customers "
            "of the time to produce one customer's top 20 from the fitted method",
        },
        "data_dir": str(data_dir) if data_dir else None,
    }


def _gp_topfreq(
    history: History,
    frequency: BuyAgain,
    recent: BuyAgain,
    popular: Trending,
    ids: list[int],
) -> pl.DataFrame:
    rows = history.rows(np.asarray(ids, dtype=np.int64))
    own = frequency.scores(rows) + recent.scores(rows) * 1e-3  # recency only breaks ties
    best_popular = np.argsort(-popular.popularity, kind="stable")[:LIST_LENGTH]
    customers, products, scores = [], [], []
    own = own.tocsr()
    for i, customer in enumerate(ids):
        start, end = own.indptr[i], own.indptr[i + 1]
        data, cols = own.data[start:end], own.indices[start:end]
        order = np.lexsort((cols, -data))[:LIST_LENGTH]
        chosen = list(cols[order])
        values = list(data[order])
        for col in best_popular:
            if len(chosen) >= LIST_LENGTH:
                break
            if col not in chosen:
                chosen.append(col)
                values.append(popular.popularity[col] * 1e-6)
        customers.extend([customer] * len(chosen))
        products.extend(history.products[chosen].tolist())
        scores.extend(values)
    return ranked(np.asarray(customers), np.asarray(products), np.asarray(scores))


def _implicit_available() -> bool:
    try:
        import implicit  # noqa: F401
    except ImportError:
        return False
    return True


def _fit_als(history: History, frequency: BuyAgain, ranker: ReorderSettings) -> Recommend:
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import bm25_weight
    from threadpoolctl import threadpool_limits

    user_items = bm25_weight(frequency.matrix, K1=100, B=0.8).tocsr().astype(np.float32)
    # implicit's own threads do the work: BLAS's pool would fight them (implicit's advice).
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=64,
            regularization=0.05,
            iterations=15,
            random_state=ranker.seed,
            num_threads=ranker.threads,
            calculate_training_loss=False,
        )
        model.fit(user_items, show_progress=False)

    def top(ids: list[int]) -> pl.DataFrame:
        rows = history.rows(np.asarray(ids, dtype=np.int64))
        known = np.flatnonzero(rows >= 0)
        if not len(known):
            return ranked(np.empty(0), np.empty(0), np.empty(0))
        cols, scores = model.recommend(
            rows[known],
            user_items[rows[known]],
            N=LIST_LENGTH,
            filter_already_liked_items=False,
        )
        cols, scores = np.atleast_2d(cols), np.atleast_2d(scores)
        customers = np.repeat(np.asarray(ids)[known], cols.shape[1])
        return ranked(customers, history.products[cols.ravel()], scores.ravel())

    return top


def _serve_p95_ms(top: Recommend, ids: list[int]) -> float:
    times = []
    for customer in ids[:SERVE_SAMPLE]:
        started = time.perf_counter()
        top([customer])
        times.append((time.perf_counter() - started) * 1000)
    return round(float(np.percentile(times, 95)), 2) if times else 0.0


def _targets(results: dict[str, Any]) -> dict[str, Any]:
    def beats(result: dict[str, Any], measure: str) -> bool:
        return all(result["baro_minus"][other][measure]["low"] > 0 for other in COMPARED)

    return {
        name: {
            f"baro_beats_tifu_knn_and_gp_topfreq_on_{measure}": beats(result, measure)
            for measure in DIFFERENCES
        }
        | {"training_under_2_minutes": result["methods"]["baro"]["train_s"] < TRAINING_BUDGET_S}
        for name, result in results.items()
    }
