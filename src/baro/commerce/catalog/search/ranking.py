"""How search orders what matches: text relevance, what sells, and whether it can be sold.

    final = (text_weight * text + sales_weight * sales + category_weight * category) * stock

- ``text``: the database's relevance (FTS5 BM25; PostgreSQL ``ts_rank`` divided by one plus
  the log of the length) divided by the best match's, so 1.0 for the best and comparable
  across the two databases' scales;
- ``sales``: units sold in the last ``sales_days`` days, saturating: ``u / (u + half)``, 0.5
  at ``sales_half_units`` units, never above 1 (a best seller cannot bury a better match);
- ``category``: how well the query names the product's category, the share of the query's
  words the category has times the share of the category's words the query has (``soap``:
  1 for the aisle ``soap``, 1/3 for ``body_lotions_soap``): a product of the category asked
  for ranks above one with the words in its title only (Sour Cream for ``cream``);
- ``stock``: 1 when a facility has units free, ``out_of_stock`` otherwise (it sinks, and
  stays findable: a shopper may wait for it). For a shopper whose default address is known,
  1 only when the units are within ``near_km`` of it; ``only_far`` when they are all
  farther (it comes, later).

All the weights are ``RankingWeights``; ``baro search explain`` prints each part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from baro.commerce.catalog.search.index import Hit


class UnitsSold(Protocol):
    """Units of each product sold since a moment (orders' best sellers implement it;
    ``platform.py`` hands it to the catalogue)."""

    def __call__(
        self, session: Session, product_ids: Sequence[str], since: datetime
    ) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class RankingWeights:
    text: float = 0.75
    sales: float = 0.25
    category: float = 0.25
    sales_days: int = 30
    sales_half_units: int = 20
    out_of_stock: float = 0.3
    near_km: float = 100.0  # a van's reach in a day from a fulfilment center
    only_far: float = 0.7
    # Matches ranked per query at most: bounds the work, the facets and the total.
    candidates: int = 200

    def __post_init__(self) -> None:
        if min(self.text, self.sales, self.category) < 0 or self.text + self.sales <= 0:
            raise ValueError(
                "text, sales and category weights must be >= 0, text and sales not both 0"
            )
        if not 0 <= self.out_of_stock <= self.only_far <= 1:
            raise ValueError(
                "0 <= out_of_stock <= only_far <= 1 must hold, got "
                f"{self.out_of_stock} and {self.only_far}"
            )
        if not self.near_km > 0:
            raise ValueError(f"near_km must be positive, got {self.near_km}")
        if self.sales_days < 1 or self.sales_half_units < 1 or self.candidates < 1:
            raise ValueError("sales_days, sales_half_units and candidates must be >= 1")


@dataclass(frozen=True)
class Scored:
    """One match's score, part by part (what ``explain`` shows)."""

    product_id: str
    relevance: float  # the database's own figure
    text: float
    units_sold: int
    sales: float
    category: float
    available: int
    stock: float
    final: float
    near: int | None = None  # units free near the shopper (None: where they are is unknown)


def rank(
    hits: Sequence[Hit],
    units_sold: Mapping[str, int],
    available: Mapping[str, int],
    weights: RankingWeights,
    category_share: Mapping[str, float] | None = None,
    near: Mapping[str, int] | None = None,
) -> list[Scored]:
    """``hits`` scored and sorted, best first; equal scores keep the database's order.
    ``near``: units free near the shopper, when where they are is known."""
    best = max((hit.text for hit in hits), default=0.0)
    scored = []
    for hit in hits:
        text = hit.text / best if best > 0 else 0.0
        units = units_sold.get(hit.product_id, 0)
        sales = units / (units + weights.sales_half_units)
        free = available.get(hit.product_id, 0)
        close = None if near is None else near.get(hit.product_id, 0)
        stock = _stock(free, close, weights)
        category = (category_share or {}).get(hit.product_id, 0.0)
        final = (weights.text * text + weights.sales * sales + weights.category * category) * stock
        scored.append(
            Scored(
                hit.product_id, hit.text, text, units, sales, category, free, stock, final, close
            )
        )
    return sorted(scored, key=lambda s: -s.final)


def _stock(free: int, near: int | None, weights: RankingWeights) -> float:
    if free <= 0:
        return weights.out_of_stock
    return 1.0 if near is None or near > 0 else weights.only_far
