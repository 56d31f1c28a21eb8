"""Bought together: products that share orders with what the customer buys.

Co-occurrence counts are divided by the popularity of both products (cosine: c(i, j) /
sqrt(n_i n_j)), so that bananas, in every other basket, do not top every list. Each product
keeps its ``neighbours`` closest; a customer's score is their decayed buy-again vector times
that matrix.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import polars as pl
from scipy import sparse

from baro.intelligence.recommend.errors import InvalidRecommendSettings
from baro.intelligence.recommend.history import History
from baro.intelligence.recommend.scorer import known_rows


class CoPurchase:
    """score(c, p) = sum over q of buy_again(c, q) * similarity(q, p)."""

    name = "copurchase"

    def __init__(self, neighbours: int = 50, decay: float = 0.9, max_basket: int = 60) -> None:
        if neighbours < 1 or max_basket < 2:
            raise InvalidRecommendSettings(
                f"neighbours must be at least 1 and max_basket 2, not {neighbours}, {max_basket}"
            )
        if not 0 < decay <= 1:
            raise InvalidRecommendSettings(f"decay must be in (0, 1], not {decay}")
        self.neighbours, self.decay, self.max_basket = neighbours, decay, max_basket
        self.similarity = sparse.csr_matrix((0, 0))
        self.profile = sparse.csr_matrix((0, 0))

    def fit(self, history: History) -> Self:
        baskets = history.orders_matrix(self.max_basket)
        counts = (baskets.T @ baskets).tocsr()
        counts.setdiag(0)
        counts.eliminate_zeros()
        popularity = np.asarray(baskets.sum(axis=0)).ravel()
        norm = 1.0 / np.sqrt(np.maximum(popularity, 1.0))
        cosine = sparse.diags(norm) @ counts @ sparse.diags(norm)
        self.similarity = _keep_best(cosine.tocsr(), self.neighbours)
        self.profile = history.matrix(pl.lit(self.decay).pow(pl.col("back")))
        return self

    def scores(self, rows: np.ndarray) -> sparse.csr_matrix:
        return (known_rows(self.profile, rows) @ self.similarity).tocsr()


def _keep_best(matrix: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Each row's ``k`` largest entries."""
    data, indices, indptr = [], [], [0]
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values, cols = matrix.data[start:end], matrix.indices[start:end]
        if len(values) > k:
            best = np.argpartition(-values, k - 1)[:k]
            values, cols = values[best], cols[best]
        data.append(values)
        indices.append(cols)
        indptr.append(indptr[-1] + len(values))
    return sparse.csr_matrix(
        (np.concatenate(data or [[]]), np.concatenate(indices or [[]]).astype(np.int32), indptr),
        shape=matrix.shape,
    )
