"""Trending: what customers bought lately, the same for everyone (the cold-start row).

The data sets carry no region (Instacart none, Online Retail only a country) and Instacart no
calendar date, so recency is counted in each customer's own orders: a line weighs
``decay`` ** (orders the customer placed since). A region column would make this a
per-region score; the frames do not have one yet.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import polars as pl
from scipy import sparse

from baro.intelligence.recommend.errors import InvalidRecommendSettings
from baro.intelligence.recommend.history import History


class Trending:
    """score(p) = sum over every line of p of ``decay`` ** (orders since), normalised to 1.

    ``popularity`` holds every product's score; ``scores`` gives each customer the ``keep``
    best (a row per customer of every product would be customers x catalogue)."""

    name = "trending"

    def __init__(self, decay: float = 0.8, keep: int = 200) -> None:
        if not 0 < decay <= 1:
            raise InvalidRecommendSettings(f"decay must be in (0, 1], not {decay}")
        if keep < 1:
            raise InvalidRecommendSettings(f"keep must be at least 1, not {keep}")
        self.decay, self.keep = decay, keep
        self.popularity = np.zeros(0)
        self.best = np.zeros(0, dtype=np.int64)

    def fit(self, history: History) -> Self:
        weights = history.matrix(pl.lit(self.decay).pow(pl.col("back")))
        totals = np.asarray(weights.sum(axis=0)).ravel()
        self.popularity = totals / totals.max() if totals.size and totals.max() > 0 else totals
        self.best = np.sort(np.argsort(-self.popularity, kind="stable")[: self.keep])
        return self

    def scores(self, rows: np.ndarray) -> sparse.csr_matrix:
        """Every customer, known or not, gets the same row."""
        n, k = len(rows), len(self.best)
        return sparse.csr_matrix(
            (np.tile(self.popularity[self.best], n), np.tile(self.best, n), np.arange(n + 1) * k),
            shape=(n, len(self.popularity)),
        )
