"""Search-aware affinity: a customer's recent queries point at products and categories.

``searches``: customer_id, query (text), at (anything that sorts in time). ``catalog``:
product_id, text (its name, with its category's name or any words that should match). A
query's terms are matched against the catalog's words; a term weighs its inverse document
frequency (a rare word says more than "organic"), a query ``decay`` ** (queries the customer
made since), and each query's weight is shared among its terms. The data sets carry no
searches, so the bench cannot score this model; the storefront's search events can.
"""

from __future__ import annotations

from typing import Self

import polars as pl

from baro.intelligence.recommend.errors import InvalidRecommendSettings
from baro.intelligence.replenish.errors import InvalidOrders

WORD = r"[a-z0-9]+"


class SearchAffinity:
    name = "search"

    def __init__(self, decay: float = 0.7, recent: int = 20) -> None:
        if not 0 < decay <= 1 or recent < 1:
            raise InvalidRecommendSettings(
                f"decay must be in (0, 1] and recent at least 1, not {decay}, {recent}"
            )
        self.decay, self.recent = decay, recent
        self.affinity = pl.DataFrame(
            schema={"customer_id": pl.Int64, "product_id": pl.Int64, "score": pl.Float64}
        )

    def fit(self, searches: pl.DataFrame, catalog: pl.DataFrame) -> Self:
        for frame, columns, what in (
            (searches, ("customer_id", "query", "at"), "searches"),
            (catalog, ("product_id", "text"), "catalog"),
        ):
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise InvalidOrders(f"the {what} frame lacks {', '.join(missing)}")
        words = (
            catalog.select(
                pl.col("product_id").cast(pl.Int64),
                term=pl.col("text").str.to_lowercase().str.extract_all(WORD),
            )
            .explode("term")
            .drop_nulls()
            .unique()
        )
        idf = words.group_by("term").agg(
            idf=(pl.lit(catalog.height + 1) / (pl.len() + 1)).log() + 1
        )
        queries = (
            searches.select(pl.col("customer_id").cast(pl.Int64), "query", "at")
            .with_columns(
                since=pl.col("at").rank("ordinal", descending=True).over("customer_id") - 1
            )
            .filter(pl.col("since") < self.recent)
            .with_columns(term=pl.col("query").str.to_lowercase().str.extract_all(WORD))
            .with_columns(
                weight=pl.lit(self.decay).pow(pl.col("since")) / pl.col("term").list.len()
            )
            .explode("term")
            .drop_nulls("term")
        )
        self.affinity = (
            queries.join(idf, on="term")
            .join(words, on="term")
            .group_by("customer_id", "product_id")
            .agg(score=(pl.col("weight") * pl.col("idf")).sum())
            .sort("customer_id", "score", "product_id", descending=[False, True, False])
        )
        return self

    def recommend(self, customer_ids: list[int], n: int) -> pl.DataFrame:
        """customer_id, product_id, score, rank: each customer's ``n`` closest products to
        what they searched; nothing for a customer who never searched."""
        return (
            self.affinity.filter(pl.col("customer_id").is_in(list(customer_ids)))
            .group_by("customer_id", maintain_order=True)
            .head(n)
            .with_columns(rank=pl.int_range(1, pl.len() + 1).over("customer_id").cast(pl.Int32))
        )
