"""``baro bench search``: product search judged on Instacart's 49,688 real product names,
on SQLite and on PostgreSQL, side by side with two baselines in the same run.

Systems:

- ``baro``: ``Catalog.find`` as the API and the storefront call it (analysis, typo
  correction, ranking by text, sales and stock). Sales are Instacart's prior orders of each
  product: Instacart's orders have no dates, so the whole history stands in for the ranking's
  recent window (``HistoricUnitsSold``).
- ``plain``: the full-text search baro had before issue 30, rebuilt beside it in the same
  database: FTS5 ``unicode61`` over title, category and SKU on SQLite, ``to_tsvector('simple')``
  with a GIN index on PostgreSQL; every query word as a prefix (AND), ranked by BM25 /
  ``ts_rank``. Its build includes no spelling dictionary and no ``ANALYZE`` (baro's does).
- ``tantivy``: Tantivy (in memory), BM25, its English stemming tokenizer (``en_stem``) on
  the English title and the category, its default tokenizer on the Korean title; the
  query's words parsed leniently (any of them, as Tantivy's query parser does).

Per system and database: NDCG@10 and Recall@50 of the category queries (Recall@50 out of
``min(50, relevant)``: an aisle holds hundreds), Recall@10 of the known-item queries per
perturbation and language, latency p50/p95 at ``concurrency`` threads over a mixed sample,
and the index build time.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from baro.bench.search_queries import (
    ENGLISH,
    KOREAN,
    CategoryQuery,
    KnownItem,
    category_queries,
    known_items,
)
from baro.commerce.catalog import Catalog, Product
from baro.core.clock import SystemClock
from baro.core.db import Database, upgrade
from baro.core.scratch import scratch_database
from baro.twin.instacart_catalogue import InstacartProduct, instacart_products

Progress = Callable[[str, int, int], None]
TARGET_RECALL_AT_10 = 0.9
TARGET_P95_MS = 30.0
BATCH = 2_000  # products per insert transaction while building
_WORD = re.compile(r"[^\W_]+")
_PLAIN_TERMS = 8  # the old search's bound on words


@dataclass(frozen=True)
class SearchBenchConfig:
    data_dir: Path | None = None
    postgres: str | None = None  # a server URL; a scratch database is made on it
    products: int | None = None  # all of Instacart's by default
    per_kind: int = 100  # known-item queries per perturbation and language
    latency_queries: int = 400
    concurrency: int = 8
    seed: int = 7
    systems: tuple[str, ...] = ("baro", "plain", "tantivy")

    def __post_init__(self) -> None:
        if min(self.per_kind, self.latency_queries, self.concurrency) < 1:
            raise ValueError("per_kind, latency_queries and concurrency must be at least 1")
        if self.products is not None and self.products < 1:
            raise ValueError("products must be at least 1")
        unknown = set(self.systems) - {"baro", "plain", "tantivy"}
        if unknown or not self.systems:
            raise ValueError(f"systems are baro, plain and tantivy; got {sorted(unknown)}")


class SearchSystem(Protocol):
    name: str

    def search(self, query: str, limit: int) -> list[str]:
        """Product ids, best first."""
        ...


@dataclass(frozen=True)
class HistoricUnitsSold:
    """Units sold per product from an order history without dates (Instacart's): every
    window sees the whole history."""

    orders: Mapping[str, int]

    def __call__(
        self, session: Session, product_ids: Sequence[str], since: datetime
    ) -> Mapping[str, int]:
        return {i: self.orders[i] for i in product_ids if self.orders.get(i)}


class BaroSearch:
    name = "baro"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def search(self, query: str, limit: int) -> list[str]:
        return [item.product.id for item in self._catalog.find(query, limit=limit).items]


class PlainFullText:
    """The pre-issue-30 search, in tables of its own in the bench's database."""

    name = "plain"

    def __init__(self, db: Database) -> None:
        self._db = db
        self._postgres = db.dialect == "postgresql"

    def build(self, products: Iterable[Product]) -> None:
        rows = [
            {
                "id": p.id,
                "title_en": p.title_en,
                "title_ko": p.title_ko,
                "category": p.category.replace("_", " "),
                "sku": p.sku,
            }
            for p in products
        ]
        with self._db.transaction() as session:
            if self._postgres:
                session.execute(
                    text("CREATE TABLE plain_search (product_id text PRIMARY KEY, doc tsvector)")
                )
                session.execute(
                    text(
                        "INSERT INTO plain_search VALUES (:id, to_tsvector('simple', "
                        ":title_en || ' ' || :title_ko || ' ' || :category || ' ' || :sku))"
                    ),
                    rows,
                )
                session.execute(text("CREATE INDEX ON plain_search USING gin (doc)"))
            else:
                session.execute(
                    text(
                        "CREATE VIRTUAL TABLE plain_search USING fts5(product_id UNINDEXED, "
                        "title_en, title_ko, category, sku, "
                        "tokenize='unicode61 remove_diacritics 2')"
                    )
                )
                session.execute(
                    text(
                        "INSERT INTO plain_search VALUES "
                        "(:id, :title_en, :title_ko, :category, :sku)"
                    ),
                    rows,
                )

    def search(self, query: str, limit: int) -> list[str]:
        terms = _WORD.findall(query.lower())[:_PLAIN_TERMS]
        if not terms:
            return []
        if self._postgres:
            statement = text(
                "SELECT product_id FROM plain_search WHERE doc @@ to_tsquery('simple', :q) "
                "ORDER BY ts_rank(doc, to_tsquery('simple', :q)) DESC, product_id LIMIT :n"
            )
            match = " & ".join(f"{t}:*" for t in terms)
        else:
            statement = text(
                "SELECT product_id FROM plain_search WHERE plain_search MATCH :q "
                "ORDER BY bm25(plain_search), product_id LIMIT :n"
            )
            match = " AND ".join(f'"{t}"*' for t in terms)
        with self._db.read() as session:
            return list(session.scalars(statement, {"q": match, "n": limit}))


class TantivySearch:
    name = "tantivy"

    def __init__(self, products: Sequence[Product]) -> None:
        import tantivy

        schema = (
            tantivy.SchemaBuilder()
            .add_text_field("product_id", stored=True, tokenizer_name="raw")
            .add_text_field("title_en", tokenizer_name="en_stem")
            .add_text_field("title_ko")
            .add_text_field("category", tokenizer_name="en_stem")
            .build()
        )
        self._index = tantivy.Index(schema)
        writer = self._index.writer()
        for p in products:
            writer.add_document(
                tantivy.Document(
                    product_id=p.id,
                    title_en=p.title_en,
                    title_ko=p.title_ko,
                    category=p.category.replace("_", " "),
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()

    def search(self, query: str, limit: int) -> list[str]:
        words = " ".join(_WORD.findall(query.lower()))
        if not words:
            return []
        parsed, _errors = self._index.parse_query_lenient(
            words, ["title_en", "title_ko", "category"]
        )
        searcher = self._index.searcher()
        hits = searcher.search(parsed, limit).hits
        return [searcher.doc(address)["product_id"][0] for _score, address in hits]


@dataclass
class QuerySets:
    categories: list[CategoryQuery]
    known: list[KnownItem]
    members: dict[str, set[str]] = field(default_factory=dict)  # category → product ids

    def mixed(self, count: int, seed: int) -> list[str]:
        """A sample of every kind of query, for the latency run."""
        every = [q.query for q in self.categories] + [q.query for q in self.known]
        rng = random.Random(seed)
        return [rng.choice(every) for _ in range(count)]


def query_sets(catalogue: Sequence[InstacartProduct], config: SearchBenchConfig) -> QuerySets:
    members: dict[str, set[str]] = {}
    for found in catalogue:
        members.setdefault(found.product.category, set()).add(found.product.id)
    categories = category_queries([(f.aisle, f.product.category) for f in catalogue])
    english = [(f.product.id, f.product.title_en) for f in catalogue]
    korean = [(f.product.id, f.product.title_ko) for f in catalogue]
    known = known_items(english, ENGLISH, "en", per_kind=config.per_kind, seed=config.seed)
    known += known_items(korean, KOREAN, "ko", per_kind=config.per_kind, seed=config.seed)
    return QuerySets(categories, known, members)


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    gain = sum(1 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def capped_recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / min(k, len(relevant))


def judge(system: SearchSystem, sets: QuerySets, progress: Callable[[], None]) -> dict[str, Any]:
    """Relevance figures of one system over every query set."""
    ndcg, recall50 = [], []
    for query in sets.categories:
        ranked = system.search(query.query, 50)
        relevant = sets.members.get(query.category, set())
        ndcg.append(ndcg_at(ranked, relevant, 10))
        recall50.append(capped_recall_at(ranked, relevant, 50))
        progress()
    hits: dict[str, list[bool]] = {}
    for item in sets.known:
        found = item.product_id in system.search(item.query, 10)
        hits.setdefault(f"{item.language}:{item.kind}", []).append(found)
        progress()
    return {
        "category_queries": len(sets.categories),
        "ndcg_at_10": round(float(np.mean(ndcg)), 4) if ndcg else None,
        "recall_at_50": round(float(np.mean(recall50)), 4) if recall50 else None,
        "known_item_recall_at_10": {
            kind: {"queries": len(found), "recall": round(sum(found) / len(found), 4)}
            for kind, found in sorted(hits.items())
        },
    }


def latency(system: SearchSystem, queries: Sequence[str], concurrency: int) -> dict[str, Any]:
    """Each query's own time (ms), ``concurrency`` at once."""

    def timed(query: str) -> float:
        start = time.perf_counter()
        system.search(query, 20)
        return (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        started = time.perf_counter()
        times = np.array(list(pool.map(timed, queries)))
        wall = time.perf_counter() - started
    return {
        "queries": len(queries),
        "concurrency": concurrency,
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "queries_per_s": round(len(queries) / wall, 1),
    }


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return round(time.perf_counter() - start, 2)


def _database_run(
    url: str,
    catalogue: Sequence[InstacartProduct],
    sets: QuerySets,
    config: SearchBenchConfig,
    progress: Progress,
    label: str,
) -> dict[str, Any]:
    upgrade(url)
    db = Database.connect(url, pool_size=config.concurrency)
    products = [f.product for f in catalogue]
    catalog = Catalog(
        db,
        SystemClock(),
        idempotency_ttl=timedelta(hours=24),
        units_sold=HistoricUnitsSold({f.product.id: f.orders for f in catalogue}),
    )
    try:
        built = 0

        def add_all() -> None:
            nonlocal built
            for start in range(0, len(products), BATCH):
                built += catalog.add(products[start : start + BATCH])
                progress(f"{label}: index", built, len(products))
            catalog.build_spelling()  # else the first misspelt query pays for it
            with db.transaction() as session:  # statistics, as autovacuum would gather
                session.execute(text("ANALYZE"))

        systems: dict[str, tuple[SearchSystem, float]] = {}
        if "baro" in config.systems:  # its index is made as the catalogue is written
            systems["baro"] = (BaroSearch(catalog), _timed(add_all))
        if "plain" in config.systems:
            plain = PlainFullText(db)
            systems["plain"] = (plain, _timed(lambda: plain.build(products)))
        results = {}
        for name in config.systems:
            if name in systems:
                system, build_s = systems[name]
                results[name] = _measure(system, build_s, sets, config, progress, label)
        return {"database": db.dialect, "systems": results}
    finally:
        catalog.close()
        db.dispose()


def _measure(
    system: SearchSystem,
    build_s: float,
    sets: QuerySets,
    config: SearchBenchConfig,
    progress: Progress,
    label: str,
) -> dict[str, Any]:
    total = len(sets.categories) + len(sets.known)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if done % 25 == 0 or done == total:
            progress(f"{label}: {system.name}", done, total)

    figures = {"index_build_s": build_s} | judge(system, sets, step)
    figures["latency"] = latency(
        system, sets.mixed(config.latency_queries, config.seed), config.concurrency
    )
    return figures


def run(config: SearchBenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    report = progress or (lambda _what, _done, _total: None)
    catalogue = instacart_products(config.data_dir, limit=config.products, seed=config.seed)
    sets = query_sets(catalogue, config)
    result: dict[str, Any] = {
        "bench": "search",
        "catalogue": {"source": "instacart", "products": len(catalogue)},
        "queries": {
            "category": len(sets.categories),
            "known_item": len(sets.known),
            "per_kind": config.per_kind,
            "seed": config.seed,
        },
        "targets": {
            "known_item_recall_at_10": TARGET_RECALL_AT_10,
            "p95_ms": TARGET_P95_MS,
            "ndcg_at_10": "above both baselines",
        },
        "databases": {},
    }
    with scratch_database(None, "baro_bench_search") as url:
        result["databases"]["sqlite"] = _database_run(
            url, catalogue, sets, config, report, "sqlite"
        )
    if config.postgres:
        with scratch_database(config.postgres, "baro_bench_search") as url:
            result["databases"]["postgresql"] = _database_run(
                url, catalogue, sets, config, report, "postgresql"
            )
    else:
        result["databases"]["postgresql"] = {"skipped": "no --postgres server given"}
    if "tantivy" in config.systems:
        products = [f.product for f in catalogue]
        holder: list[TantivySearch] = []
        build_s = _timed(lambda: holder.append(TantivySearch(products)))
        result["tantivy"] = _measure(holder[0], build_s, sets, config, report, "tantivy")
    result["verdict"] = verdict(result)
    return result


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """Each target, held or not, per database."""
    tantivy = result.get("tantivy", {})
    held: dict[str, Any] = {}
    for database, run_ in result["databases"].items():
        systems = run_.get("systems", {})
        ours = systems.get("baro")
        if not ours:
            continue
        baselines = [s["ndcg_at_10"] for s in (systems.get("plain"), tantivy) if s]
        recalls = [k["recall"] for k in ours["known_item_recall_at_10"].values()]
        held[database] = {
            "known_item_recall_at_10_min": min(recalls) if recalls else None,
            "known_item_recall_holds": bool(recalls) and min(recalls) >= TARGET_RECALL_AT_10,
            "ndcg_above_baselines": all(ours["ndcg_at_10"] > b for b in baselines),
            "p95_holds": ours["latency"]["p95_ms"] <= TARGET_P95_MS,
        }
    return held
