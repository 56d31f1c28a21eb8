"""Next-basket metrics per customer, and a bootstrap interval for a difference of two methods.

For a customer with target basket T and ranked list L: Recall@K = |T ∩ L[:K]| / |T|;
NDCG@K = sum over hits at rank r <= K of 1 / log2(r + 1), over the same sum for
min(|T|, K) hits at the top; PHR@K = 1 when L[:K] holds any of T. Repeat and explore
recall@10 split T into the products the customer had bought before and the others, and are
null for a customer without any of that kind (the means skip them), as in Li et al.,
"A Next Basket Recommendation Reality Check" (TOIS 2023).
"""

from __future__ import annotations

import numpy as np
import polars as pl

MEASURES = (
    "recall_10",
    "recall_20",
    "ndcg_10",
    "ndcg_20",
    "phr_10",
    "repeat_recall_10",
    "explore_recall_10",
)


def _ideal(k: int) -> pl.Expr:
    """IDCG@k for a basket of ``size`` products."""
    discounts = [1 / np.log2(r + 1) for r in range(1, k + 1)]
    cumulative = np.cumsum(discounts).tolist()
    return (
        pl.col("size")
        .clip(1, k)
        .replace_strict(list(range(1, k + 1)), cumulative, return_dtype=pl.Float64)
    )


def basket_metrics(recommended: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """recommended (customer_id, product_id, rank) and truth (customer_id, product_id, repeat)
    -> customer_id and ``MEASURES``, one row per customer in ``truth``."""
    hits = truth.join(
        recommended.select("customer_id", "product_id", "rank"),
        on=["customer_id", "product_id"],
        how="left",
    ).with_columns(pl.col("rank").fill_null(10**9))
    gain = 1 / (pl.col("rank") + 1).cast(pl.Float64).log(2)

    def within(k: int) -> pl.Expr:
        return pl.col("rank") <= k

    per = hits.group_by("customer_id").agg(
        size=pl.len(),
        hit_10=within(10).sum(),
        hit_20=within(20).sum(),
        dcg_10=pl.when(within(10)).then(gain).otherwise(0.0).sum(),
        dcg_20=pl.when(within(20)).then(gain).otherwise(0.0).sum(),
        repeats=pl.col("repeat").sum(),
        repeat_hits=(within(10) & pl.col("repeat")).sum(),
        explore_hits=(within(10) & ~pl.col("repeat")).sum(),
    )
    return per.select(
        "customer_id",
        recall_10=pl.col("hit_10") / pl.col("size"),
        recall_20=pl.col("hit_20") / pl.col("size"),
        ndcg_10=pl.col("dcg_10") / _ideal(10),
        ndcg_20=pl.col("dcg_20") / _ideal(20),
        phr_10=(pl.col("hit_10") > 0).cast(pl.Float64),
        repeat_recall_10=pl.when(pl.col("repeats") > 0).then(
            pl.col("repeat_hits") / pl.col("repeats")
        ),
        explore_recall_10=pl.when(pl.col("size") > pl.col("repeats")).then(
            pl.col("explore_hits") / (pl.col("size") - pl.col("repeats"))
        ),
    ).sort("customer_id")


def mean_metrics(per_customer: pl.DataFrame) -> dict[str, float]:
    """The mean of each measure over the customers that have it."""
    means = {}
    for name in MEASURES:
        values = per_customer[name].drop_nulls().to_numpy()
        means[name] = round(float(values.mean()), 4) if values.size else 0.0
    return means


def bootstrap_difference(
    a: pl.DataFrame, b: pl.DataFrame, measure: str, *, resamples: int = 2000, seed: int = 7
) -> dict[str, float | bool]:
    """mean(a - b) over the customers both score on ``measure``, and its 95 % percentile
    bootstrap interval (customers resampled with replacement); ``excludes_zero`` says
    whether the interval lies wholly on one side of zero."""
    paired = (
        a.select("customer_id", x=pl.col(measure))
        .join(b.select("customer_id", y=pl.col(measure)), on="customer_id")
        .drop_nulls()
    )
    diff = (paired["x"] - paired["y"]).to_numpy()
    if diff.size == 0:
        return {"mean": 0.0, "low": 0.0, "high": 0.0, "customers": 0, "excludes_zero": False}
    draws = np.random.default_rng(seed).integers(0, diff.size, size=(resamples, diff.size))
    means = diff[draws].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {
        "mean": round(float(diff.mean()), 4),
        "low": round(float(low), 4),
        "high": round(float(high), 4),
        "customers": int(diff.size),
        "excludes_zero": bool(low > 0 or high < 0),
    }
