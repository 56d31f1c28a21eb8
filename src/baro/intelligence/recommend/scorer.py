"""The Protocol every recommender satisfies, and the frame it answers with.

A scorer is fitted on a ``History`` and then scores customers by matrix row: one sparse row
of product scores per customer asked for (an empty row for a customer it does not know).
``recommend`` turns that into the frame callers use: customer_id, product_id, score, rank.
"""

from __future__ import annotations

from typing import Protocol, Self

import numpy as np
import polars as pl
from scipy import sparse

from baro.intelligence.recommend.history import History


class Scorer(Protocol):
    """One way of scoring products for customers; parameters in the constructor."""

    name: str

    def fit(self, history: History) -> Self: ...

    def scores(self, rows: np.ndarray) -> sparse.csr_matrix:
        """len(rows) x products; a row of -1 (an unknown customer) scores nothing."""
        ...


def known_rows(matrix: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
    """``matrix``'s rows, an empty row where ``rows`` is -1."""
    rows = np.asarray(rows, dtype=np.int64)
    picked = matrix[np.where(rows >= 0, rows, 0)].tocsr()
    if (rows < 0).any():
        keep = sparse.diags((rows >= 0).astype(np.float64))
        picked = (keep @ picked).tocsr()
        picked.eliminate_zeros()
    return picked


def top_n(matrix: sparse.csr_matrix, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, score) of each row's ``n`` best columns, best first (ties: lower column)."""
    matrix = matrix.tocsr()
    rows, cols, values = [], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if start == end:
            continue
        data, index = matrix.data[start:end], matrix.indices[start:end]
        order = np.lexsort((index, -data))[:n]
        rows.append(np.full(len(order), row))
        cols.append(index[order])
        values.append(data[order])
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)


def recommend(
    scorer: Scorer, history: History, customer_ids: list[int] | np.ndarray, n: int
) -> pl.DataFrame:
    """customer_id, product_id, score, rank (1 = best): each customer's ``n`` best products."""
    ids = np.asarray(customer_ids, dtype=np.int64)
    row, col, score = top_n(scorer.scores(history.rows(ids)), n)
    return ranked(ids[row], history.products[col], score)


def ranked(customer: np.ndarray, product: np.ndarray, score: np.ndarray) -> pl.DataFrame:
    """The frame of ``recommend`` from arrays already in rank order within each customer."""
    frame = pl.DataFrame(
        {
            "customer_id": np.asarray(customer, dtype=np.int64),
            "product_id": np.asarray(product, dtype=np.int64),
            "score": np.asarray(score, dtype=np.float64),
        }
    )
    return frame.with_columns(rank=pl.int_range(1, pl.len() + 1).over("customer_id").cast(pl.Int32))
