"""``baro bench pages``: every storefront and console page under load on a demo world.

A real server (``baro serve`` in a child process) on the world ``baro demo`` builds, a
shopper with an address, a card, a cart and an order, and an operator. Each page is asked
``requests`` times by ``concurrency`` clients at once, one page after the other, signed in
by its session cookie. Per page: p50/p95 of the server's own time when the responses carry
a ``Server-Timing`` header, else of the latency the client measured (``timing`` says which),
and the count of each status. Redirects are not followed: a page that sends the visitor to
sign in shows up as 303s, not as the sign-in page's timing.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
from sqlalchemy.engine import make_url

from baro.bench.server import running_server
from baro.channels.web.pages.security import OPERATOR, SHOPPER
from baro.commerce.customers import Role
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.core.scratch import scratch_database
from baro.platform import Platform
from baro.twin.demo import add_demo_accounts
from baro.twin.world import WorldManifest, WorldSpec, seed_world

Progress = Callable[[str, int, int], None]  # page name, requests done, of how many
TARGET_P95_MS: Final = 100.0
_DURATION = re.compile(r"(?:^|;)\s*dur=([0-9.]+)")


@dataclass(frozen=True)
class PagesBenchConfig:
    db: str | None = None  # a PostgreSQL server URL, or None for a temporary SQLite file
    concurrency: int = 8
    requests: int = 200  # per page
    workers: int = 1  # as ``baro demo`` serves
    seed: int = 7

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.requests < 1 or self.workers < 1:
            raise ValueError("concurrency, requests and workers must be at least 1")


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    cookie: str  # "name=token" of the session it is asked with


@dataclass
class PageTally:
    """What one page answered: each response's latency, its server time when it said one."""

    page: Page
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def record(self, status: int, client_ms: float, server_timing: str | None) -> None:
        self.statuses[status] += 1
        self.client_ms.append(client_ms)
        server = server_time_ms(server_timing)
        if server is not None:
            self.server_ms.append(server)


def server_time_ms(header: str | None) -> float | None:
    """The longest ``dur`` in a ``Server-Timing`` header (``app;dur=12.5, db;dur=3``): the
    metrics may nest (a total and its database part), so they are not added up."""
    if not header:
        return None
    durations = [float(match) for match in _DURATION.findall(header)]
    return max(durations) if durations else None


def percentile(values: Sequence[float], q: int) -> float | None:
    """The ``q``th percentile, interpolated between the nearest samples."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 2)


def summarise(tally: PageTally) -> dict[str, Any]:
    """One page's figures. The server's time only when every response gave it: a mix would
    compare the fast answers' server time with the others' round trips."""
    answered = sum(tally.statuses.values())
    by_server = answered > 0 and len(tally.server_ms) == answered
    timed = tally.server_ms if by_server else tally.client_ms
    p95 = percentile(timed, 95)
    return {
        "path": tally.page.path,
        "requests": answered,
        "timing": "server-timing" if by_server else "client",
        "p50_ms": percentile(timed, 50),
        "p95_ms": p95,
        "client_p95_ms": percentile(tally.client_ms, 95),
        "status_counts": {str(status): n for status, n in sorted(tally.statuses.items())},
        "errors_5xx": sum(n for status, n in tally.statuses.items() if status >= 500),
        "meets_target": p95 is not None and p95 < TARGET_P95_MS,
    }


def report(tallies: Sequence[PageTally], config: PagesBenchConfig, db: str) -> dict[str, Any]:
    pages = {tally.page.name: summarise(tally) for tally in tallies}
    return {
        "db": db,
        "concurrency": config.concurrency,
        "requests_per_page": config.requests,
        "workers": config.workers,
        "target_p95_ms": TARGET_P95_MS,
        "pages": pages,
        "errors_5xx": sum(page["errors_5xx"] for page in pages.values()),
        "pages_over_target": [name for name, page in pages.items() if not page["meets_target"]],
        "pages_without_200": [
            name for name, page in pages.items() if not page["status_counts"].get("200")
        ],
    }


def run(config: PagesBenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    with scratch_database(config.db, "baro_bench_pages") as url:
        upgrade(url)
        pages = _seed(url, config)
        with running_server(url, workers=config.workers) as server:
            tallies = asyncio.run(_drive(server.base_url, pages, config, progress))
        return report(tallies, config, make_url(url).get_backend_name())


def _seed(url: str, config: PagesBenchConfig) -> list[Page]:
    """The demo world with ``baro demo``'s shopper and operator, their sessions opened as
    the sign-in forms open them; the shopper with something in the cart and one order."""
    platform = Platform.start(Settings(database_url=url))
    try:
        manifest = seed_world(platform, WorldSpec(seed=config.seed))
        people = add_demo_accounts(platform, manifest)
        shopper_token = platform.accounts.sign_in(
            email=people.shopper_email, password=people.shopper_password, role=Role.CUSTOMER
        )
        operator_token = platform.accounts.sign_in(
            email=people.operator_email, password=people.operator_password, role=Role.ADMIN
        )
        principal = platform.accounts.session(shopper_token).principal
        assert principal.customer_id is not None, "a shopper's session names the customer"
        placed = platform.orders.place_one_click(
            principal, str(manifest.products[0]["id"]), 1, idempotency_key="bench-pages"
        )
        platform.cart.put(principal.customer_id, str(manifest.products[1]["id"]), 1)
        return page_list(
            manifest,
            order_id=placed.order.id,
            shopper_cookie=f"{SHOPPER.name}={shopper_token}",
            operator_cookie=f"{OPERATOR.name}={operator_token}",
        )
    finally:
        platform.close()


def page_list(
    manifest: WorldManifest, *, order_id: str, shopper_cookie: str, operator_cookie: str
) -> list[Page]:
    product = manifest.products[0]
    word = str(product["title_en"]).split()[0]
    shop = [
        ("storefront home", "/"),
        ("search", f"/search?q={word}"),
        ("product", f"/products/{product['id']}"),
        ("cart", "/cart"),
        ("orders", "/orders"),
        ("order", f"/orders/{order_id}"),
        ("account", "/account"),
    ]
    console = [
        ("console home", "/ops"),
        # What each open feed asks every few seconds; from 0, the answer with every row.
        ("console feed poll", "/ops/feed/rows?after=0"),
        ("console orders", "/ops/orders"),
        ("console order", f"/ops/orders/{order_id}"),
        ("console inventory", "/ops/inventory"),
        ("console customers", "/ops/customers"),
    ]
    return [Page(name, path, shopper_cookie) for name, path in shop] + [
        Page(name, path, operator_cookie) for name, path in console
    ]


async def _drive(
    base: str, pages: Sequence[Page], config: PagesBenchConfig, progress: Progress | None
) -> list[PageTally]:
    # aiohttp for the load, as in the orders bench: its C parser keeps the client from
    # being what is measured on a small machine.
    connector = aiohttp.TCPConnector(limit=config.concurrency * 2)
    timeout = aiohttp.ClientTimeout(total=30)
    tallies = []
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        for page in pages:
            # One untimed round first: the first request of a page compiles its templates.
            await asyncio.gather(*(_ask(client, page) for _ in range(config.concurrency)))
            tallies.append(await _load(client, page, config, progress))
    return tallies


async def _load(
    client: aiohttp.ClientSession, page: Page, config: PagesBenchConfig, progress: Progress | None
) -> PageTally:
    tally = PageTally(page)
    left = iter(range(config.requests))

    async def visitor() -> None:
        for _ in left:
            started = time.perf_counter()
            status, timing = await _ask(client, page)
            tally.record(status, (time.perf_counter() - started) * 1000, timing)
            if progress:
                progress(page.name, sum(tally.statuses.values()), config.requests)

    await asyncio.gather(*(visitor() for _ in range(config.concurrency)))
    return tally


async def _ask(client: aiohttp.ClientSession, page: Page) -> tuple[int, str | None]:
    headers = {"Cookie": page.cookie, "Accept-Language": "en"}
    async with client.get(page.path, headers=headers, allow_redirects=False) as response:
        await response.read()
        return response.status, response.headers.get("Server-Timing")
