"""The rows of the home page, as a list anyone can change: best sellers and new arrivals
today; a recommender later adds or replaces rows (``HomeRows.replace("best_sellers", …)``)
without touching the page. A row is any object with a key, a title and ``products()``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Protocol

from baro.commerce.catalog import ProductWithStock
from baro.platform import Platform

ROW_LENGTH = 8


class HomeRow(Protocol):
    key: str  # stable: the page's anchor and test id
    title: str  # in English; the page translates it

    def products(self) -> Sequence[ProductWithStock]: ...


class Cached:
    """A row's products kept for ``seconds``: rankings move slowly, and the home page is
    the most visited page there is."""

    def __init__(self, load: Callable[[], list[ProductWithStock]], seconds: float) -> None:
        self._load = load
        self._seconds = seconds
        self._value: list[ProductWithStock] = []
        self._until = 0.0

    def __call__(self) -> list[ProductWithStock]:
        now = time.monotonic()
        if now >= self._until:
            self._value, self._until = self._load(), now + self._seconds
        return self._value


class BestSellersRow:
    key = "best_sellers"
    title = "Best sellers"

    def __init__(self, platform: Platform, *, days: int = 30, cache_seconds: float = 60) -> None:
        ranking, showcase = platform.best_sellers, platform.showcase

        def load() -> list[ProductWithStock]:
            since = platform.clock.now() - timedelta(days=days)
            return showcase.these(ranking.since(since, limit=ROW_LENGTH))

        self._cached = Cached(load, cache_seconds)

    def products(self) -> Sequence[ProductWithStock]:
        return self._cached()


class NewArrivalsRow:
    key = "new_arrivals"
    title = "New arrivals"

    def __init__(self, platform: Platform, *, cache_seconds: float = 60) -> None:
        showcase = platform.showcase
        self._cached = Cached(lambda: showcase.newest(ROW_LENGTH), cache_seconds)

    def products(self) -> Sequence[ProductWithStock]:
        return self._cached()


class HomeRows:
    """The rows, top to bottom."""

    def __init__(self, rows: Sequence[HomeRow]) -> None:
        self._rows = list(rows)

    @classmethod
    def default(cls, platform: Platform) -> HomeRows:
        return cls([BestSellersRow(platform), NewArrivalsRow(platform)])

    def add(self, row: HomeRow) -> None:
        self._rows.append(row)

    def replace(self, key: str, row: HomeRow) -> None:
        """Put ``row`` where the row ``key`` was (KeyError if there is none)."""
        for index, existing in enumerate(self._rows):
            if existing.key == key:
                self._rows[index] = row
                return
        raise KeyError(f"no home row {key!r}")

    def __iter__(self) -> Iterator[HomeRow]:
        return iter(self._rows)
