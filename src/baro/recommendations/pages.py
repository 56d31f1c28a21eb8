"""The personalised home page, served from the active model (``store``) and what the
customer did since it was built: the rows are read in one transaction, and the
"bought together" row is anchored on the customer's latest order at request time, so a
purchase just made changes the page on the next request.

Rows, in order, each with a title and why it is there:

    bought_together   "Bought together with <product>": neighbours of the latest order
    searched          "Because you searched <words>": what the latest search (of the last
                      two weeks) found, read from its event at request time
    buy_again         "Buy again": the customer's own products, recent orders first
    picked            "Picked for you": the blend of buy-again, neighbours and trending
    trending          "Trending": what customers bought lately (the cold start)

A product shows once, in the first row that holds it; products no longer sold or out of
stock everywhere are left out.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baro.commerce.catalog import ProductWithStock, products_by_id
from baro.commerce.orders import LATEST_ORDER_ID, last_purchase
from baro.core.events import LATEST_SEQ_ABOUT, StoredEvent, latest_about
from baro.core.geo import region_at
from baro.network import available_by_product
from baro.platform import Platform

from . import store
from .store import EVERYONE
from .train import BUY_AGAIN, PICKED, REGION, TRENDING

BOUGHT_TOGETHER = "bought_together"
SEARCHED = "searched"
SEARCH_EVENT = "search.performed"
SEARCH_FRESH_FOR = timedelta(days=14)  # an older search says little about today
ROW_SIZE = 12


# Each row's title and why it is on the page, in English: pages translate them, with the
# product the row is anchored on as ``name``.
TITLES = {
    BOUGHT_TOGETHER: "Bought together with %(name)s",
    SEARCHED: "Because you searched “%(name)s”",
    BUY_AGAIN: "Buy again",
    PICKED: "Picked for you",
    TRENDING: "Trending near you",
}
REASONS = {
    BOUGHT_TOGETHER: "Often in the same orders as what you just bought",
    SEARCHED: "What your latest search found",
    BUY_AGAIN: "You bought these before; the most recent orders count most",
    PICKED: "From what you buy and what customers like you buy",
    TRENDING: "What customers around you bought lately (or everywhere, where few have)",
}


@dataclass(frozen=True)
class HomeRow:
    kind: str
    anchor: str | None  # what the row is about: the product bought, the words searched
    products: tuple[ProductWithStock, ...]

    @property
    def title(self) -> str:
        return TITLES[self.kind] % {"name": self.anchor}

    @property
    def reason(self) -> str:
        return REASONS[self.kind]


@dataclass(frozen=True)
class HomePage:
    customer_id: str
    model_version: int | None  # None: no model trained yet (trending from sales alone)
    built_at: datetime | None
    rows: tuple[HomeRow, ...]


# A page is built again when its model, the customer's latest order or latest search
# changes; otherwise it is served from memory for this long, so its prices and stock are
# at most this old (the best-sellers row of the storefront keeps its products a minute).
PAGE_FRESH_S = 5.0
MODEL_FRESH_S = 1.0  # a newly trained model is served within this long
MAX_CACHED = 20_000  # pages kept per process, least recently used dropped first


# What a kept page is checked against, read in one statement.
_LATEST_ORDER_AND_SEARCH = select(LATEST_ORDER_ID, LATEST_SEQ_ABOUT)


@dataclass(frozen=True)
class _Marks:
    """What a cached page was built from; when any differs, the page is built again."""

    model_version: int | None
    last_order_id: str | None
    last_search_seq: int | None
    region: str | None


@dataclass
class _Kept:
    """A page kept in memory, what it was built from, until when it is served, and its
    rendered form once asked for (the API's JSON), so a kept page is rendered once."""

    marks: _Marks
    fresh_until: float
    page: HomePage
    rendered: bytes | None = None


class HomePages:
    """One per process (the web app keeps it in ``app.state``): it keeps the pages it
    built. Owner of ``_pages`` and ``_model``: ``_lock`` (request threads share them).

    ``render`` turns a page into what a channel sends (the API's JSON): ``rendered`` gives
    that, computed once per kept page."""

    def __init__(
        self,
        platform: Platform,
        *,
        fresh_s: float = PAGE_FRESH_S,
        render: Callable[[HomePage], bytes] | None = None,
    ) -> None:
        self._platform = platform
        self._fresh_s = fresh_s
        self._render = render
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, _Kept] = OrderedDict()
        self._model: tuple[float, store.HomeModel | None] = (-math.inf, None)

    def model(self) -> store.HomeModel | None:
        """The model pages are served from now (None: none trained yet)."""
        with self._platform.db.read() as session:
            return store.active_model(session)

    def page(self, customer_id: str, home: tuple[float, float] | None = None) -> HomePage:
        """``home``: where the customer lives (their default address), for what trends
        near them; without it, what trends everywhere."""
        return self._kept(customer_id, home).page

    def rendered(self, customer_id: str, home: tuple[float, float] | None = None) -> bytes:
        """The page as ``render`` gives it; a kept page is not rendered again."""
        if self._render is None:
            raise RuntimeError("HomePages was made without a render function")
        kept = self._kept(customer_id, home)
        if kept.rendered is None:  # two threads may both render it: the same bytes
            kept.rendered = self._render(kept.page)
        return kept.rendered

    def _kept(self, customer_id: str, home: tuple[float, float] | None) -> _Kept:
        region = region_at(*home) if home else None
        with self._platform.db.read() as session:
            model = self._active(session)
            whose = {"customer_id": customer_id, "aggregate_id": customer_id}
            # On the connection: a Core statement needs none of the ORM session's work.
            latest = session.connection().execute(
                _LATEST_ORDER_AND_SEARCH, {**whose, "event_type": SEARCH_EVENT}
            )
            order_id, search_seq = latest.one()
            marks = _Marks(model.version if model else None, order_id, search_seq, region)
            now = time.monotonic()
            with self._lock:
                kept = self._pages.get(customer_id)
                if kept is not None and kept.marks == marks and now < kept.fresh_until:
                    self._pages.move_to_end(customer_id)
                    return kept
            built = self._build(session, customer_id, model, region)
            kept = _Kept(marks, now + self._fresh_s, built)
        with self._lock:
            self._pages[customer_id] = kept
            self._pages.move_to_end(customer_id)
            while len(self._pages) > MAX_CACHED:
                self._pages.popitem(last=False)
        return kept

    def _active(self, session: Session) -> store.HomeModel | None:
        now = time.monotonic()
        with self._lock:
            read_at, model = self._model
        if now - read_at < MODEL_FRESH_S:
            return model
        model = store.active_model(session)
        with self._lock:
            self._model = (now, model)
        return model

    def _build(
        self,
        session: Session,
        customer_id: str,
        model: store.HomeModel | None,
        region: str | None,
    ) -> HomePage:
        platform = self._platform
        owners = [customer_id, *([REGION + region] if region else []), EVERYONE]
        ranked = store.rows_of(session, model.version, owners) if model else {}
        just_bought = last_purchase(session, customer_id)
        together = (
            store.pairs_of(session, model.version, just_bought) if model and just_bought else []
        )
        searches = latest_about(session, customer_id, SEARCH_EVENT)
        search = searches[0] if searches else None
        if search and search.occurred_at < platform.clock.now() - SEARCH_FRESH_FOR:
            search = None
        found = list(search.data.get("product_ids") or []) if search else []
        wanted = [
            (BOUGHT_TOGETHER, [r.product_id for r in together]),
            (SEARCHED, found),
            (BUY_AGAIN, [r.product_id for r in ranked.get(BUY_AGAIN, [])]),
            (PICKED, [r.product_id for r in ranked.get(PICKED, [])]),
            (TRENDING, [r.product_id for r in ranked.get(TRENDING, [])]),
        ]
        if model is None:
            # Before the first training: the last month's best sellers; before any sale,
            # the newest products (a shop's first visitors still see something to buy).
            month_ago = platform.clock.now() - timedelta(days=30)
            sold = platform.best_sellers.since(month_ago, limit=ROW_SIZE)
            newest = [] if sold else [c.product.id for c in platform.showcase.newest(ROW_SIZE)]
            wanted[-1] = (TRENDING, sold or newest)
        ids = list(dict.fromkeys(p for _, products in wanted for p in products))
        cards = _cards(session, [*ids, *just_bought[:1]])
        anchor = cards.get(just_bought[0]) if just_bought else None
        shown: set[str] = set()
        rows = []
        for kind, products in wanted:
            picked = [
                cards[p] for p in products if p in cards and p not in shown and cards[p].available
            ][:ROW_SIZE]
            if not picked:
                continue
            shown.update(c.product.id for c in picked)
            rows.append(HomeRow(kind, _anchor(kind, anchor, search), tuple(picked)))
        return HomePage(
            customer_id,
            model.version if model else None,
            model.built_at if model else None,
            tuple(rows),
        )


def _cards(session: Session, product_ids: list[str]) -> dict[str, ProductWithStock]:
    """The products still sold, with the units free to sell, in the page's own read."""
    if not product_ids:
        return {}
    products = products_by_id(session, product_ids)
    available = available_by_product(session, list(products))
    return {
        i: ProductWithStock(product, available[i])
        for i, product in products.items()
        if product.active
    }


def _anchor(kind: str, bought: ProductWithStock | None, search: StoredEvent | None) -> str | None:
    if kind == BOUGHT_TOGETHER and bought is not None:
        return bought.product.title_en or bought.product.title_ko
    if kind == SEARCHED and search is not None:
        return str(search.data.get("query") or search.data.get("category") or "")
    return None
