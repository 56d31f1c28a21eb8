"""``baro bench orders``: 1-Click orders over HTTP against a real server, with retries that
reuse idempotency keys and a hot product fought over, then checked in the database.

Metrics: orders_per_s, latency percentiles, SQL statements per order (measured in-process
on the same database), CPU per order of the server, the database and the load client,
duplicate_orders, oversold_units, errors_5xx, and on PostgreSQL pgbench's simple-update
TPS on the same server in the same run, as a yardstick.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy import bindparam, text
from sqlalchemy.engine import make_url

from baro.bench.cpu import CpuMeter, postgres_group, server_group
from baro.bench.server import running_server
from baro.channels.web import create_app
from baro.commerce.catalog import Dimensions, Product
from baro.core.config import Settings
from baro.core.db import StatementCounter, upgrade
from baro.core.ids import new_id
from baro.core.money import Money
from baro.core.scratch import libpq_dsn, scratch_database
from baro.platform import Platform
from baro.twin.world import WorldManifest, WorldSpec, seed_world

Progress = Callable[[int, int], None]
LIVE_STATUSES = ("placed", "paid", "allocated", "picking", "packed", "shipped", "delivered")


@dataclass(frozen=True)
class OrdersBenchConfig:
    db: str | None = None  # a PostgreSQL server URL, or None / sqlite for a temp SQLite file
    concurrency: int = 32
    orders: int = 2_000
    # One server process: on a 2-core machine that PostgreSQL and the load client share,
    # one process's batches are bigger and no press meets its twin in another process
    # (docs/benchmarks.md, five runs of each).
    workers: int = 1
    replay_share: float = 0.2
    hot_share: float = 0.1
    hot_stock: int = 50
    statement_sample: int = 200
    seed: int = 7

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.orders < 1 or self.workers < 1:
            raise ValueError("concurrency, orders and workers must be at least 1")
        if not (0 <= self.replay_share <= 1 and 0 <= self.hot_share <= 1):
            raise ValueError("replay_share and hot_share are fractions between 0 and 1")


@dataclass(frozen=True)
class Job:
    api_key: str
    product_id: str
    key: str
    resend: bool


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    orders_by_key: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    replays: int = 0


def run(config: OrdersBenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    with scratch_database(config.db, "baro_bench_orders") as url:
        upgrade(url)
        manifest, hot = _seed(url, config)
        jobs = _jobs(manifest, hot, config)
        on_postgres = url.startswith("postgresql")
        with running_server(url, workers=config.workers) as server:
            groups = server_group(server.pid) | (postgres_group() if on_postgres else {})
            with CpuMeter(groups).measuring() as cpu, _no_collector_pauses():
                started = time.perf_counter()
                tally = asyncio.run(_drive(server.base_url, jobs, config.concurrency, progress))
                wall_s = time.perf_counter() - started
        checks = _check_database(url)
        statements = _statements_per_order(url, manifest, hot, config.statement_sample)
        yardstick = _pgbench(url, config.concurrency) if on_postgres else {}
    created = sum(len(ids) for ids in tally.orders_by_key.values())
    latencies = sorted(tally.latencies_ms)
    result: dict[str, Any] = {
        "db": make_url(url).get_backend_name(),
        "concurrency": config.concurrency,
        "workers": config.workers,
        "orders": config.orders,
        "orders_created": created,
        "orders_per_s": round(created / wall_s, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / wall_s, 1),
        "wall_s": round(wall_s, 2),
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "p99_ms": _percentile(latencies, 99),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "replayed_responses": tally.replays,
        "status_counts": {str(k): v for k, v in sorted(tally.statuses.items())},
        "errors_5xx": sum(v for k, v in tally.statuses.items() if k >= 500),
        "duplicate_orders": max(
            sum(len(ids) - 1 for ids in tally.orders_by_key.values()),
            checks["orders_in_db"] - created,
        ),
        "sql_statements_per_order": statements,
        # CPU ms per created order, by who spent it: on a small machine the server, the
        # database and this load client share the same cores.
        "cpu_ms_per_order": cpu.per_unit_ms(created),
        "cpu_utilisation": cpu.utilisation(wall_s),
        "cores": os.cpu_count(),
        **checks,
        **yardstick,
    }
    if "pgbench_tps" in result:
        result["ratio_to_pgbench"] = round(result["orders_per_s"] / result["pgbench_tps"], 3)
    return result


@contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """The load client's garbage collector off while it measures (as ``timeit`` does): a
    full pass over the client's heap stops its event loop, and every response waiting to be
    timestamped would count that pause as the server's latency."""
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def _seed(url: str, config: OrdersBenchConfig) -> tuple[WorldManifest, str]:
    platform = Platform.start(Settings(database_url=url))
    try:
        spec = WorldSpec(customers=max(100, config.concurrency * 4), seed=config.seed)
        manifest = seed_world(platform, spec)
        hot = Product(
            id=new_id("prd"),
            sku="HOT-1",
            title_ko="한정판",
            title_en="Limited edition",
            category="electronics",
            price=Money(9_990, platform.settings.currency),
            weight_g=300,
            dimensions=Dimensions(20, 10, 5),
        )
        platform.catalog.add([hot])
        facility = str(manifest.facilities[0]["id"])
        platform.network.receive(facility, hot.id, config.hot_stock, idempotency_key="hot")
        return manifest, hot.id
    finally:
        platform.close()


def _jobs(manifest: WorldManifest, hot: str, config: OrdersBenchConfig) -> list[Job]:
    rng = random.Random(config.seed)
    keys = [str(c["api_key"]) for c in manifest.customers]
    products = [str(p["id"]) for p in manifest.products]
    return [
        Job(
            api_key=keys[number % len(keys)],
            product_id=hot if rng.random() < config.hot_share else rng.choice(products),
            key=f"bench-{number}",
            resend=rng.random() < config.replay_share,
        )
        for number in range(config.orders)
    ]


async def _drive(base: str, jobs: list[Job], concurrency: int, progress: Progress | None) -> Tally:
    # aiohttp, not httpx: its C parser keeps the load generator from being the bottleneck
    # on a small machine (httpx's pure-Python h11 tops out near 350 requests/s here).
    tally = Tally()
    pending = iter(jobs)
    done = 0
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:

        async def worker() -> None:
            nonlocal done
            for job in pending:
                if job.resend:
                    # The client timed out and sends again while the first is still running.
                    await asyncio.gather(_order(client, job, tally), _order(client, job, tally))
                else:
                    await _order(client, job, tally)
                done += 1
                if progress:
                    progress(done, len(jobs))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally


async def _order(client: aiohttp.ClientSession, job: Job, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {job.api_key}", "Idempotency-Key": job.key}
    body = {"product_id": job.product_id, "quantity": 1}
    for _attempt in range(100):
        started = time.perf_counter()
        async with client.post("/v1/orders/one-click", json=body, headers=headers) as response:
            payload = await response.json(content_type=None)
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        tally.statuses[response.status] += 1
        if response.status == 201:
            tally.orders_by_key[job.key].add(payload["id"])
            tally.replays += response.headers.get("Idempotent-Replayed") == "true"
            return
        if response.status == 409 and payload.get("code") == "idempotency_key_in_flight":
            await asyncio.sleep(0.02)  # as a well-behaved client: wait, same key, again
            continue
        return


_LIVE_ORDERS = text("SELECT count(*) FROM orders WHERE status IN :live").bindparams(
    bindparam("live", expanding=True)
)
_STOCK_AGAINST_ORDERS = text(
    "SELECT i.on_hand, i.reserved, COALESCE(sold.units, 0) AS units FROM inventory i "
    "LEFT JOIN (SELECT l.facility_id, l.product_id, SUM(l.quantity) AS units "
    "FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status IN :live "
    "GROUP BY l.facility_id, l.product_id) sold "
    "ON sold.facility_id = i.facility_id AND sold.product_id = i.product_id"
).bindparams(bindparam("live", expanding=True))


def _check_database(url: str) -> dict[str, int]:
    """Oversold units and stock that disagrees with the orders, straight from the tables."""
    platform = Platform.start(Settings(database_url=url))
    live = {"live": list(LIVE_STATUSES)}
    try:
        with platform.db.read() as session:
            orders = session.execute(_LIVE_ORDERS, live).scalar_one()
            rows = session.execute(_STOCK_AGAINST_ORDERS, live).all()
    finally:
        platform.close()
    return {
        "orders_in_db": int(orders),
        "oversold_units": sum(max(0, units - on_hand) for on_hand, _, units in rows),
        "reserved_mismatch_units": sum(abs(reserved - units) for _, reserved, units in rows),
    }


def _statements_per_order(url: str, manifest: WorldManifest, hot: str, sample: int) -> float:
    """Place ``sample`` orders through the full app in-process and count SQL statements."""
    with warnings.catch_warnings():  # starlette nags about its httpx transport; harmless here
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    platform = Platform.start(Settings(database_url=url))
    counter = StatementCounter().attach(platform.db.engine)
    products = [str(p["id"]) for p in manifest.products if p["id"] != hot]
    customers = manifest.customers
    app = create_app(platform)
    logging.disable(logging.INFO)  # not 200 access lines of a count in the bench's output
    try:
        with TestClient(app) as client:
            placed = 0
            counter.statements = 0
            for number in range(sample):
                customer = customers[number % len(customers)]
                response = client.post(
                    "/v1/orders/one-click",
                    json={"product_id": products[number % len(products)], "quantity": 1},
                    headers={
                        "Authorization": f"Bearer {customer['api_key']}",
                        "Idempotency-Key": f"count-{number}",
                    },
                )
                placed += response.status_code == 201
            return round(counter.statements / max(placed, 1), 2)
    finally:
        logging.disable(logging.NOTSET)
        platform.close()


def _pgbench(url: str, concurrency: int, seconds: int = 10) -> dict[str, float]:
    """pgbench's simple-update transaction on the same server (a scratch database)."""
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        return {}
    server = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with scratch_database(server, "baro_bench_pgbench") as scratch:
        dsn = libpq_dsn(make_url(scratch))
        subprocess.run([pgbench, "-i", "-q", "-s", "10", dsn], check=True, capture_output=True)  # noqa: S603
        load = ["-n", "-b", "simple-update", "-c", str(concurrency), "-j", "2", "-T", str(seconds)]
        finished = subprocess.run(  # noqa: S603
            [pgbench, *load, dsn], check=True, capture_output=True, text=True
        )
    match = re.search(r"tps = ([0-9.]+)", finished.stdout)
    return {"pgbench_tps": round(float(match.group(1)), 1)} if match else {}


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))
    return round(values[index], 2)
