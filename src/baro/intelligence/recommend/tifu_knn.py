"""TIFU-KNN (Hu, He, Gao, Zhang: "Modeling Personalized Item Frequency Information for
Next-basket Recommendation", SIGIR 2020), as in the authors' code.

A customer's vector: their baskets, oldest first, are split into ``groups`` groups of nearly
equal size (the later groups take one basket more when the count does not divide); a basket
weighs ``within_decay`` ** (baskets after it in the whole history); a group is the mean of
its baskets and weighs ``group_decay`` ** (groups - 1 - its index); the vector is the sum of
the groups over the number of groups. A customer with fewer baskets than ``groups`` has one
group per basket (and the exponent still counts from ``groups``, as the authors' code does).
The prediction is ``alpha`` x the customer's vector + (1 - ``alpha``) x the mean of the
vectors of the ``neighbours`` customers nearest by Euclidean distance. With ``shares``,
``scores_and_shares`` also gives the share of those neighbours who ever bought each product
(their vectors made 0/1), from the same neighbour search: a view for the blend rather than
the paper's method.

Defaults: the paper's Instacart hyper-parameters (k = 900, r_b = 0.9, r_g = 0.7, alpha = 0.9,
3 groups; in the authors' code the argument called group size is the number of groups).
"""

from __future__ import annotations

from typing import Self

import numpy as np
import polars as pl
from scipy import sparse

from baro.intelligence.recommend.errors import InvalidRecommendSettings
from baro.intelligence.recommend.history import History
from baro.intelligence.recommend.scorer import known_rows

CHUNK = 256


class TifuKnn:
    name = "tifu_knn"

    def __init__(
        self,
        neighbours: int = 900,
        within_decay: float = 0.9,
        group_decay: float = 0.7,
        alpha: float = 0.9,
        groups: int = 3,
        shares: bool = False,
    ) -> None:
        if neighbours < 1 or groups < 1:
            raise InvalidRecommendSettings(
                f"neighbours and groups must be at least 1, not {neighbours}, {groups}"
            )
        for name, value in (("within_decay", within_decay), ("group_decay", group_decay)):
            if not 0 < value <= 1:
                raise InvalidRecommendSettings(f"{name} must be in (0, 1], not {value}")
        if not 0 <= alpha <= 1:
            raise InvalidRecommendSettings(f"alpha must be in [0, 1], not {alpha}")
        self.neighbours, self.groups, self.alpha = neighbours, groups, alpha
        self.within_decay, self.group_decay = within_decay, group_decay
        self.shares = shares
        self.vectors = sparse.csr_matrix((0, 0))
        self.bought = sparse.csr_matrix((0, 0))  # with ``shares``: the vectors made 0/1
        self.norms = np.zeros(0)

    def fit(self, history: History) -> Self:
        self.vectors = history.matrix(self.line_weights(history.lines))
        self.norms = np.asarray(self.vectors.multiply(self.vectors).sum(axis=1)).ravel()
        if self.shares:
            self.bought = (self.vectors > 0).astype(np.float64)
        return self

    def line_weights(self, lines: pl.DataFrame) -> pl.Expr:
        """Each line's weight in its customer's vector (an expression over History.lines)."""
        g = self.groups
        n = pl.col("n_orders")
        index = n - 1 - pl.col("back")  # the basket's position, oldest = 0
        base = n // g
        extra = n % g  # groups that take base + 1 baskets: the last ones
        plain = (g - extra) * base  # baskets in the groups of base baskets
        group = (
            pl.when(n < g)
            .then(index)
            .when(index < plain)
            .then(index // base)
            .otherwise((g - extra) + (index - plain) // (base + 1))
        )
        size = pl.when(n < g).then(1).when(index < plain).then(base).otherwise(base + 1)
        real_groups = pl.when(n < g).then(n).otherwise(g)
        return (
            pl.lit(self.within_decay).pow(pl.col("back"))
            / size
            * pl.lit(self.group_decay).pow(g - 1 - group)
            / real_groups
        )

    def scores(self, rows: np.ndarray) -> sparse.csr_matrix:
        return self._chunked(rows, shares=False)[0]

    def scores_and_shares(self, rows: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """``scores``, and the share of each customer's ``neighbours`` nearest who ever
        bought each product, from one neighbour search (the model made with ``shares``)."""
        if not self.shares:
            raise InvalidRecommendSettings("shares need a TifuKnn made with shares=True")
        scores, shares = self._chunked(rows, shares=True)
        return scores, shares

    def _chunked(self, rows: np.ndarray, *, shares: bool) -> tuple[sparse.csr_matrix, ...]:
        """``CHUNK`` customers at a time: each needs a dense row of distances to everyone."""
        rows = np.asarray(rows, dtype=np.int64)
        parts = [
            self._scores(rows[at : at + CHUNK], shares=shares)
            for at in range(0, max(len(rows), 1), CHUNK)
        ]
        if len(parts) == 1:
            return parts[0]
        return tuple(sparse.vstack(matrices, format="csr") for matrices in zip(*parts, strict=True))

    def _scores(self, rows: np.ndarray, *, shares: bool) -> tuple[sparse.csr_matrix, ...]:
        own = known_rows(self.vectors, rows)
        total = self.vectors.shape[0]
        k = min(self.neighbours, total - 1)
        if k < 1 or not len(rows):
            alone = (own * self.alpha).tocsr()
            return (alone, sparse.csr_matrix(alone.shape)) if shares else (alone,)
        dots = (own @ self.vectors.T).toarray()
        distance = self.norms[None, :] - 2 * dots  # + |own|^2, the same along a row
        known = rows >= 0
        distance[np.flatnonzero(known), rows[known]] = np.inf  # never one's own neighbour
        nearest = np.argpartition(distance, k - 1, axis=1)[:, :k]
        weights = sparse.csr_matrix(
            (
                np.full(nearest.size, 1.0 / k),
                nearest.ravel(),
                np.arange(0, nearest.size + 1, k),
            ),
            shape=(len(rows), total),
        )
        weights = sparse.diags(known.astype(np.float64)) @ weights
        blended = (own * self.alpha + (weights @ self.vectors) * (1 - self.alpha)).tocsr()
        return (blended, (weights @ self.bought).tocsr()) if shares else (blended,)
