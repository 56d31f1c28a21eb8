"""Demand signals from the catalogue: product views and searches, as outbox events.

Events (each ``data`` holds ids, the normalised query and counts: never a name, an address
or a key):

- ``product.viewed`` (aggregate: the product): ``customer_id``, ``product_id``. From
  ``POST /v1/events/view`` (written before the answer, once per Idempotency-Key) and from the
  storefront's product page for a signed-in shopper (each render is a view).
- ``search.performed`` (aggregate: the signed-in customer, so that their latest searches
  are one indexed lookup away for the home page; an anonymous search is its own aggregate,
  ``srch_…``): ``customer_id`` (null when anonymous), ``query`` (the words searched for, as
  matched: lower case, at most ``MAX_QUERY_TERMS``), ``category`` (the filter, or null),
  ``product_ids`` (the first page's matches in rank order, at most ``LOGGED_MATCHES``) and
  ``categories`` (theirs, sorted), and ``search_id`` (``srch_…``), which the storefront puts
  on the links of the results so that a click can name its search. Only a first page is a
  search: the next pages of it are not logged again, and a listing with neither words nor a
  category is not a search.
- ``search.clicked`` (aggregate: the signed-in customer, else the search): ``customer_id``
  (or null), ``search_id``, ``product_id`` and ``position`` (1 = the first result): a shopper
  opened a product from a search's results (the storefront's product page, reached by a
  result's link). Recommendations and anticipation read which results were taken.

Searches and page views happen on read paths, so they are not written by the request that
made them: ``SignalBuffer`` holds them and writes them from a thread of its own, all of a
second's in one statement. Measured on SQLite (the demo world, ``/tmp``), a write
transaction of its own for each search cost 0.6 ms at the median and 5 ms at the 95th
percentile (WAL checkpoints, and waits for the write lock behind other writers), on a
search that itself takes 6.5 ms: a tail that would land on shoppers' searches, for a signal
nobody reads within the second. The price is that a process killed outright loses its last
second of searches and page views; a clean stop writes them (``close``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy.exc import SQLAlchemyError

from baro.commerce.catalog.domain import Product
from baro.commerce.catalog.search.analysis import MAX_QUERY_CHARS, MAX_QUERY_TERMS
from baro.core.db import Database
from baro.core.events import DomainEvent, record
from baro.core.ids import new_id

log = logging.getLogger(__name__)

LOGGED_MATCHES = 24  # a storefront page: what a shopper sees, and ~1 KB of ids at most

SIGNALS_WRITTEN = Counter(
    "baro_signals_written", "Demand signals (searches, page views) written from the buffer"
)
SIGNALS_DROPPED = Counter(
    "baro_signals_dropped",
    "Demand signals dropped: the buffer was full because the database kept failing",
)


@dataclass(frozen=True)
class Visitor:
    """Who browses the catalogue: a customer, or someone anonymous (``customer_id`` None).
    A search or a view with a visitor is a demand signal; without one (the home page's
    rows, an operator, a bench) it is only a read."""

    customer_id: str | None = None


ANONYMOUS = Visitor()


@dataclass(frozen=True, kw_only=True)
class CatalogSignal(DomainEvent):
    """``product.viewed`` or ``search.performed``."""

    kind: str

    @property
    def event_type(self) -> str:
        return self.kind


def viewed(customer_id: str, product_id: str, at: datetime) -> CatalogSignal:
    return CatalogSignal(
        kind="product.viewed",
        aggregate_id=product_id,
        occurred_at=at,
        data={"customer_id": customer_id, "product_id": product_id},
    )


SEARCH_ID = re.compile(r"srch_[0-9a-v]{26}")  # as ``new_id("srch")`` makes them


@dataclass(frozen=True)
class SearchClick:
    """A product opened from a search's results: which search, and at which place."""

    search_id: str
    position: int

    def __post_init__(self) -> None:
        if not SEARCH_ID.fullmatch(self.search_id) or self.position < 1:
            raise ValueError(f"not a search result: {self.search_id!r} at {self.position}")


def searched(
    visitor: Visitor,
    query: str,
    category: str | None,
    first_page: Sequence[Product],
    at: datetime,
) -> CatalogSignal | None:
    """The search as a signal, or None when it is not one (no words and no category)."""
    terms = _words(query)
    if not terms and not category:
        return None
    shown = first_page[:LOGGED_MATCHES]
    search_id = new_id("srch")
    return CatalogSignal(
        kind="search.performed",
        aggregate_id=visitor.customer_id or search_id,
        occurred_at=at,
        data={
            "search_id": search_id,
            "customer_id": visitor.customer_id,
            "query": " ".join(terms),
            "category": category or None,
            "product_ids": [product.id for product in shown],
            "categories": sorted({product.category for product in shown}),
        },
    )


def clicked(visitor: Visitor, click: SearchClick, product_id: str, at: datetime) -> CatalogSignal:
    return CatalogSignal(
        kind="search.clicked",
        aggregate_id=visitor.customer_id or click.search_id,
        occurred_at=at,
        data={
            "customer_id": visitor.customer_id,
            "search_id": click.search_id,
            "product_id": product_id,
            "position": click.position,
        },
    )


class SignalBuffer:
    """Events written a little later, many in one statement, from a thread of its own.

    ``add`` costs a list append under a lock. The thread (started by the first ``add``, so
    never in a process that only forks workers) writes what is held every ``flush_every``
    seconds, or at once when ``max_batch`` are waiting. If the database fails, the events
    are kept and written with the next batch; past ``max_held`` (a database down for
    minutes) the oldest are dropped and counted (``baro_signals_dropped``), so that a
    server's memory does not grow without bound.

    Owner of ``_held``: whoever holds ``_lock``; the thread takes the whole list at once.
    """

    def __init__(
        self,
        db: Database,
        *,
        flush_every: float = 1.0,
        max_batch: int = 500,
        max_held: int = 50_000,
    ) -> None:
        if flush_every <= 0 or not 1 <= max_batch <= max_held:
            raise ValueError(
                f"need flush_every > 0 and 1 <= max_batch <= max_held, got {flush_every}, "
                f"{max_batch}, {max_held}"
            )
        self._db = db
        self._flush_every = flush_every
        self._max_batch = max_batch
        self._max_held = max_held
        self._lock = threading.Lock()
        self._held: list[DomainEvent] = []
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    def add(self, event: DomainEvent) -> None:
        with self._lock:
            self._held.append(event)
            dropped = self._trim()
            full = len(self._held) >= self._max_batch
            closed = self._closed
            if not closed and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="signals", daemon=True)
                self._thread.start()
        if dropped:
            SIGNALS_DROPPED.inc(dropped)
        if closed:  # the platform is stopping and its thread is gone: write it now
            self.flush()
        elif full:
            self._wake.set()

    def flush(self) -> int:
        """Write everything held now, in one transaction; how many events. If the write
        fails, the events are held again (ahead of newer ones) and the error raised."""
        with self._lock:
            events, self._held = self._held, []
        if not events:
            return 0
        try:
            with self._db.transaction() as session:
                record(session, events)
        except SQLAlchemyError:
            with self._lock:
                self._held[:0] = events
                dropped = self._trim()
            if dropped:
                SIGNALS_DROPPED.inc(dropped)
            raise
        SIGNALS_WRITTEN.inc(len(events))
        return len(events)

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._held)

    def close(self) -> None:
        """Stop the thread and write what is left (a clean stop loses nothing)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()
        self.flush()

    def _trim(self) -> int:
        """Drop the oldest events past ``max_held``; how many (call holding ``_lock``)."""
        over = len(self._held) - self._max_held
        if over <= 0:
            return 0
        del self._held[:over]
        return over

    def _run(self) -> None:
        while True:
            self._wake.wait(self._flush_every)
            self._wake.clear()
            with self._lock:
                closed = self._closed
            if closed:
                return  # close() writes the rest on its own thread
            try:
                self.flush()
            except SQLAlchemyError as error:
                log.warning(
                    "could not write %d demand signals, kept for the next try: %s",
                    self.held,
                    error,
                )


_WORD = re.compile(r"\w+")


def _words(query: str) -> list[str]:
    """The words as the shopper typed them (lower case, within search's bounds): a signal
    keeps what was asked, not the stems it was matched by."""
    return _WORD.findall(query[:MAX_QUERY_CHARS].lower())[:MAX_QUERY_TERMS]
