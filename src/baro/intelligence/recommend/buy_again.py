"""Buy again: the customer's own products, each order's weight decaying with its age."""

from __future__ import annotations

from typing import Self

import numpy as np
import polars as pl
from scipy import sparse

from baro.intelligence.recommend.errors import InvalidRecommendSettings
from baro.intelligence.recommend.history import History
from baro.intelligence.recommend.scorer import known_rows


class BuyAgain:
    """score(c, p) = sum over c's orders holding p of ``decay`` ** (orders since that one).

    ``decay`` = 1 is plain personal frequency (the P-TopFreq of the next-basket literature).
    """

    name = "buy_again"

    def __init__(self, decay: float = 0.9) -> None:
        if not 0 < decay <= 1:
            raise InvalidRecommendSettings(f"decay must be in (0, 1], not {decay}")
        self.decay = decay
        self.matrix = sparse.csr_matrix((0, 0))

    def fit(self, history: History) -> Self:
        self.matrix = history.matrix(pl.lit(self.decay).pow(pl.col("back")))
        return self

    def scores(self, rows: np.ndarray) -> sparse.csr_matrix:
        return known_rows(self.matrix, rows)
