"""Catalogue use cases, one unit of work each; views and searches by visitors are recorded
as demand signals (``signals.py``). Search: analysis, index and ranking are in ``search/``;
``find`` puts them together (docs/search.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy.orm import Session

from baro.commerce.catalog import repository
from baro.commerce.catalog.arrival import ArrivalCount, ArrivalEstimates, arrival_facet, soonest
from baro.commerce.catalog.domain import Product, ProductNotFound
from baro.commerce.catalog.search import index
from baro.commerce.catalog.search.analysis import Query, analyse_query
from baro.commerce.catalog.search.ranking import RankingWeights, Scored, UnitsSold, rank
from baro.commerce.catalog.search.spelling import Speller, correctable
from baro.commerce.catalog.signals import (
    SearchClick,
    SignalBuffer,
    Visitor,
    clicked,
    searched,
    viewed,
)
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.errors import InvalidRequest
from baro.core.events import record
from baro.core.idempotency import IdempotentRequest, claim, complete
from baro.core.money import Money
from baro.core.turns import FirstComeGate
from baro.network import StockLevel, available_by_product, free_stock, seen_from, stock_levels

MAX_PAGE = 100
# Fewer exact matches than this, and misspelt words are corrected (did you mean).
TOO_FEW_MATCHES = 3
# Price bands: the matches' prices cut at these quantiles.
PRICE_QUANTILES = (0.25, 0.5, 0.75)
# Reindexing works through products this many at a time, one transaction each.
REINDEX_BATCH = 500
# Searches worked on at once in a process; the others queue in arrival order (core/turns.py).
# Two: one can wait on the database while the other holds the interpreter.
SEARCHES_AT_ONCE = 2


class InvalidSearch(InvalidRequest):
    code = "invalid_search"


@dataclass(frozen=True)
class ProductWithStock:
    product: Product
    available: int
    by_facility: Sequence[StockLevel] = ()


@dataclass(frozen=True)
class CategoryCount:
    category: str
    count: int


@dataclass(frozen=True)
class PriceBand:
    """Matches priced in [``min_minor``, ``max_minor``) (no upper end for the last band)."""

    currency: str
    min_minor: int
    max_minor: int | None
    count: int


@dataclass(frozen=True)
class Facets:
    """What the ranked matches hold: their categories, price bands (in the currency most
    of them are priced in), how many can be sold now and, for a shopper whose home is
    known, how many can arrive by each day (``arrival.py``)."""

    categories: tuple[CategoryCount, ...]
    price_bands: tuple[PriceBand, ...]
    in_stock: int
    arrives_by: tuple[ArrivalCount, ...] = ()


@dataclass(frozen=True)
class SearchResults:
    """A page of a search. With words: ``total`` matches ranked (at most the weights'
    ``candidates``), their ``facets``, each item's ``scores`` and, when words were
    corrected, ``did_you_mean``. Without words (a category listing) only ``items``. A
    first page a visitor searched has the ``search_id`` it was logged as."""

    items: list[ProductWithStock]
    total: int | None = None
    facets: Facets | None = None
    did_you_mean: str | None = None
    scores: list[Scored] = field(default_factory=list)
    truncated: bool = False
    search_id: str | None = None  # the ``search.performed`` this page was logged as


class Catalog:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        idempotency_ttl: timedelta,
        signals: SignalBuffer | None = None,
        units_sold: UnitsSold | None = None,
        arrivals: ArrivalEstimates | None = None,
        weights: RankingWeights | None = None,
        searches_at_once: int = SEARCHES_AT_ONCE,
    ) -> None:
        self._db = db
        self._search_turns = FirstComeGate(searches_at_once)
        self._units_sold = units_sold
        self._arrivals = arrivals
        self._weights = weights or RankingWeights()
        self._clock = clock
        self._idempotency_ttl = idempotency_ttl
        self._signals = signals or SignalBuffer(db)
        self._speller = Speller(db)

    def close(self) -> None:
        """Write the signals still held (the platform is stopping)."""
        self._signals.close()

    def build_spelling(self) -> None:
        """Build the did-you-mean dictionary now, from the vocabulary indexed so far (it is
        otherwise built by the first search with a misspelt word): a warm-up."""
        self._speller.build()

    def add(self, products: Iterable[Product]) -> int:
        with self._db.transaction() as session:
            added = repository.insert_products(session, products)
        self._speller.written()
        return added

    def set_price(self, product_id: str, price: Money) -> None:
        """A new price from now on (operators); orders already placed keep theirs."""
        with self._db.transaction() as session:
            row = session.get(repository.ProductRow, product_id, with_for_update=True)
            if row is None:
                raise ProductNotFound(f"no product {product_id!r}")
            row.price_minor, row.currency = price.minor, price.currency

    def get(
        self,
        product_id: str,
        *,
        visitor: Visitor | None = None,
        from_search: SearchClick | None = None,
    ) -> ProductWithStock:
        """A product with its stock. Shown to a signed-in ``visitor`` (the storefront's
        product page), it is a view: ``product.viewed``; opened from a search's results
        (``from_search``), signed in or not, a ``search.clicked``; both held and written
        within a second."""
        with self._db.read() as session:
            product = repository.load(session, [product_id]).get(product_id)
            if product is None:
                raise ProductNotFound(f"no product {product_id!r}")
            levels = stock_levels(session, product_id)
        if visitor is not None and visitor.customer_id is not None:
            self._signals.add(viewed(visitor.customer_id, product_id, self._clock.now()))
        if visitor is not None and from_search is not None:
            self._signals.add(clicked(visitor, from_search, product_id, self._clock.now()))
        return ProductWithStock(product, sum(level.available for level in levels), levels)

    def record_view(
        self, customer_id: str, product_id: str, *, idempotency_key: str | None = None
    ) -> bool:
        """A client says its customer viewed a product (``POST /v1/events/view``):
        ``product.viewed``, written before this returns. With an ``idempotency_key`` a
        retry counts once: the key is claimed in the event's transaction, and a repeat
        returns True (replayed) and writes nothing. Unknown product: ``ProductNotFound``."""
        request = (
            IdempotentRequest.of(customer_id, idempotency_key, "view", product_id=product_id)
            if idempotency_key is not None
            else None
        )
        now = self._clock.now()
        with self._db.transaction() as session:
            if not repository.load(session, [product_id]):
                raise ProductNotFound(f"no product {product_id!r}")
            if request is not None:
                if claim(session, request, now=now, ttl=self._idempotency_ttl) is not None:
                    return True
                complete(session, request, {"product_id": product_id})
            record(session, [viewed(customer_id, product_id, now)])
        return False

    def search(
        self,
        query: str = "",
        *,
        category: str | None = None,
        limit: int = 20,
        offset: int = 0,
        visitor: Visitor | None = None,
    ) -> list[ProductWithStock]:
        """The items of ``find``: active products matching ``query``, best first."""
        return self.find(
            query, category=category, limit=limit, offset=offset, visitor=visitor
        ).items

    def find(
        self,
        query: str = "",
        *,
        category: str | None = None,
        in_stock: bool = False,
        price_min: int | None = None,
        price_max: int | None = None,
        limit: int = 20,
        offset: int = 0,
        visitor: Visitor | None = None,
        home: tuple[float, float] | None = None,
    ) -> SearchResults:
        """Active products matching ``query`` (analysed: ``search/analysis.py``), ranked by
        text, sales and stock (``search/ranking.py``: with the shopper's ``home``, stock
        near it ranks above stock far away); misspelt words corrected when the
        words as typed find too little. A query of no words lists the category instead.
        Made by a ``visitor`` (the API's and the storefront's search), a first page is a
        ``search.performed`` signal, held and written within a second: a search is a read,
        and stays one."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidSearch(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        if offset < 0:
            raise InvalidSearch(f"offset cannot be negative, got {offset}")
        if price_min is not None and price_max is not None and price_min > price_max:
            results = SearchResults([], total=0)  # an empty price range holds nothing
        elif not query.strip():
            with self._search_turns.turn():
                results = self._browse(category, in_stock, price_min, price_max, limit, offset)
        else:
            with self._search_turns.turn():
                results = self._find(
                    analyse_query(query),
                    category,
                    in_stock,
                    price_min,
                    price_max,
                    limit,
                    offset,
                    home,
                )
        if visitor is not None and offset == 0:
            signal = searched(
                visitor, query, category, [i.product for i in results.items], self._clock.now()
            )
            if signal is not None:
                self._signals.add(signal)
                results = replace(results, search_id=signal.data["search_id"])
        return results

    def _browse(
        self,
        category: str | None,
        in_stock: bool,
        price_min: int | None,
        price_max: int | None,
        limit: int,
        offset: int,
    ) -> SearchResults:
        with self._db.read() as session:
            found = repository.browse(
                session,
                category=category,
                price_min=price_min,
                price_max=price_max,
                in_stock=in_stock,
                limit=limit,
                offset=offset,
            )
            available = available_by_product(session, [p.id for p in found])
        return SearchResults([ProductWithStock(p, available[p.id]) for p in found])

    def _find(
        self,
        query: Query,
        category: str | None,
        in_stock: bool,
        price_min: int | None,
        price_max: int | None,
        limit: int,
        offset: int,
        home: tuple[float, float] | None,
    ) -> SearchResults:
        weights = self._weights
        with self._db.read() as session:
            filters = index.TextFilters(category, price_min, price_max, weights.candidates)
            known = set(index.term_counts(session, query.terms))
            if query.groups and known.intersection(query.groups[-1].terms):
                query = query.with_last_word_whole()
            hits = index.matches(session, query, filters)
            did_you_mean = None
            if len(hits) < TOO_FEW_MATCHES:
                corrected = _corrected(session, query, known, self._speller)
                if corrected is not None:
                    more = index.matches(session, corrected, filters)
                    if _unseen(hits, more):
                        did_you_mean = corrected.text
                        hits = _joined(hits, more, weights.candidates)
                # None has all the words: the Korean words run together may have them (a
                # space typed inside a word); else those with most of the words (a word
                # mistyped past correction, or one they do not have).
                respaced = query.respaced() if not hits else None
                if respaced is not None:
                    hits = index.matches(session, respaced, filters)
                    did_you_mean = respaced.text if hits else None
                if not hits and len(query.groups) > 1:
                    partial = index.partial_matches(session, corrected or query, filters)
                    hits = _joined(hits, partial, weights.candidates)
            ids = [hit.product_id for hit in hits]
            since = self._clock.now() - timedelta(days=weights.sales_days)
            units = self._units_sold(session, ids, since) if self._units_sold and ids else {}
            stock = _stock_seen(session, ids, home, weights.near_km)
            named = {c: _category_share(query, c) for c in {hit.category for hit in hits}}
            shares = {hit.product_id: named[hit.category] for hit in hits}
            scored = rank(hits, units, stock.available, weights, shares, stock.near)
            if in_stock:
                scored = [s for s in scored if s.available > 0]
            page = scored[offset : offset + limit]
            products = repository.load(session, [s.product_id for s in page])
        by_id = {hit.product_id: hit for hit in hits}
        facets = _facets([by_id[s.product_id] for s in scored], [s.available for s in scored])
        if home is not None and self._arrivals is not None and stock.facilities:
            arrivals = self._arrivals(home, stock.facilities)
            arrives = [soonest(stock.holders.get(s.product_id, ()), arrivals) for s in scored]
            facets = replace(facets, arrives_by=arrival_facet(arrives))
        return SearchResults(
            items=[ProductWithStock(products[s.product_id], s.available) for s in page],
            total=len(scored),
            facets=facets,
            did_you_mean=did_you_mean,
            scores=page,
            truncated=query.truncated,
        )

    def reindex(self, *, batch: int = REINDEX_BATCH) -> int:
        """Analyse the products that have no search terms (made before revision 0016), a
        batch per transaction; returns how many. Safe to run again: it finds none."""
        done = 0
        while True:
            with self._db.transaction() as session:
                ids = index.unindexed(session, batch)
                if not ids:
                    return done
                done += repository.reindex(session, ids)
            self._speller.written()

    def flush_signals(self) -> int:
        """Write the views and searches held now (the buffer does it every second)."""
        return self._signals.flush()

    def categories(self) -> list[str]:
        with self._db.read() as session:
            return repository.categories(session)

    def product_ids(self, limit: int | None = None) -> list[str]:
        with self._db.read() as session:
            return repository.product_ids(session, limit)


@dataclass(frozen=True)
class _Stock:
    """Units free per product anywhere and, seen from the shopper's home: near it, and at
    which facilities (id: lat, lng) each is held."""

    available: dict[str, int]
    near: dict[str, int] | None = None
    holders: dict[str, list[str]] = field(default_factory=dict)
    facilities: dict[str, tuple[float, float]] = field(default_factory=dict)


def _stock_seen(
    session: Session, ids: Sequence[str], home: tuple[float, float] | None, near_km: float
) -> _Stock:
    """The matches' stock: summed in the database without a home, per facility with one."""
    if home is None:
        return _Stock(available_by_product(session, ids))
    rows = free_stock(session, ids)
    seen = seen_from(rows, *home)
    return _Stock(
        {i: sum(s.available for s in seen.get(i, ())) for i in ids},
        {i: sum(s.available for s in seen.get(i, ()) if s.distance_km <= near_km) for i in ids},
        {i: [s.facility_id for s in at] for i, at in seen.items()},
        {row.facility_id: (row.lat, row.lng) for row in rows},
    )


def _category_share(query: Query, category: str) -> float:
    """How well ``query`` names ``category``: the share of the query's words the category
    has times the share of the category's words the query has (``soap`` names the aisle
    ``soap`` fully, ``body_lotions_soap`` a third)."""
    terms = index.category_terms(category)
    named = len(terms & query.terms)
    if not named:  # most categories of the matches: no need to weigh the words
        return 0.0
    return index.words_matched(query, terms) / len(query.groups) * named / len(terms)


def _unseen(hits: Sequence[index.Hit], more: Sequence[index.Hit]) -> bool:
    seen = {hit.product_id for hit in hits}
    return any(hit.product_id not in seen for hit in more)


def _joined(hits: list[index.Hit], more: Sequence[index.Hit], limit: int) -> list[index.Hit]:
    """``hits``, then those of ``more`` not among them, at most ``limit``."""
    seen = {hit.product_id for hit in hits}
    return (hits + [hit for hit in more if hit.product_id not in seen])[:limit]


def _corrected(session: Session, query: Query, known: set[str], speller: Speller) -> Query | None:
    """``query`` with each word the index has never seen (not in ``known``) replaced by the
    nearest word it has (``search.spelling``; one lookup per word, at most
    ``MAX_QUERY_TERMS``), or None when none is near enough."""
    corrections: dict[str, str] = {}
    for group in query.groups:
        if known.intersection(group.terms) or not correctable(group.surface):
            continue
        nearest = speller.correction(session, group.surface, group.alternatives[0][0])
        if nearest is not None:
            corrections[group.surface] = nearest.word
    return query.corrected(corrections) if corrections else None


def _facets(hits: Sequence[index.Hit], available: Sequence[int]) -> Facets:
    categories = Counter(hit.category for hit in hits)
    prices = [hit.price for hit in hits]
    currencies = Counter(price.currency for price in prices)
    bands: list[PriceBand] = []
    if currencies:
        currency = currencies.most_common(1)[0][0]
        minors = sorted(price.minor for price in prices if price.currency == currency)
        edges = sorted({_round2(minors[int(q * (len(minors) - 1))]) for q in PRICE_QUANTILES})
        edges = [0, *(e for e in edges if e > 0)]
        for low, high in zip(edges, [*edges[1:], None], strict=True):
            count = sum(1 for x in minors if x >= low and (high is None or x < high))
            if count:
                bands.append(PriceBand(currency, low, high, count))
    return Facets(
        categories=tuple(
            CategoryCount(c, n) for c, n in sorted(categories.items(), key=lambda i: (-i[1], i[0]))
        ),
        price_bands=tuple(bands),
        in_stock=sum(1 for a in available if a > 0),
    )


def _round2(minor: int) -> int:
    """A price rounded down to two significant digits (12,345 → 12,000): bands a shopper
    reads at a glance."""
    if minor < 100:
        return minor
    scale: int = 10 ** (len(str(minor)) - 2)
    return minor // scale * scale
