"""Crashes on real PostgreSQL through real server processes: a worker SIGKILLed in the middle
of a burst, and a worker killed at each step of placing and of cancelling an order.
Afterwards the orders, the stock, the event log and the gateway's ledger must agree."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import pytest
from sqlalchemy import text

from baro.bench.cpu import processes
from baro.bench.server import running_server
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.core.scratch import scratch_database
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, Shopper, add_facility, add_product, shopper, stock
from tests.integration.audit import (
    keys_with_several_orders,
    money_mismatches,
    stock_mismatches,
    unpaid_placements,
)
from tests.integration.conftest import SERVER_URL, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ABANDONED_AFTER_S = 10  # the shortest the settings allow: a killed placement resumes after it
CLIENT_PATIENCE_S = 120  # a client retries its press this long at most (guard, not a timing)
KILL_AFTER = (250, 500, 750)  # answers; a worker is SIGKILLed at each, wherever it stands


@dataclass
class World:
    url: str
    buyers: list[Shopper]
    products: list[str]
    initial: dict[tuple[str, str], int]


@pytest.fixture
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    require_postgres()
    name = f"baro_crash_{request.node.name}"[:60].lower().replace("[", "_").replace("]", "")
    with scratch_database(SERVER_URL, name) as url:
        upgrade(url)
        platform = Platform.start(Settings(database_url=url))
        try:
            yield _build(platform, url, buyers=200)
        finally:
            platform.close()


def _build(platform: Platform, url: str, *, buyers: int) -> World:
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    initial: dict[tuple[str, str], int] = {}
    products = []
    for number in range(11):
        item = add_product(platform, sku=f"CRASH-{number}")
        units = 30 if number == 0 else 400  # the first is fought over and sells out
        for facility in (sp, rio):
            stock(platform, facility, item.id, units)
            initial[(facility, item.id)] = units
        products.append(item.id)
    people = [
        # Each buyer pays with a card of their own, so the ledger tells whom it charged.
        shopper(platform, f"Crash{n}", token=f"tok_sandbox_visa_{n}")
        for n in range(buyers)
    ]
    return World(url, people, products, initial)


def _server_environment(ledger: Path, failpoints: str = "") -> dict[str, str]:
    environment = {
        "BARO_SANDBOX_LEDGER": str(ledger),
        "BARO_ABANDONED_AFTER_SECONDS": str(ABANDONED_AFTER_S),
        "BARO_LOG_LEVEL": "WARNING",
    }
    if failpoints:
        environment["BARO_FAILPOINTS"] = failpoints
    return environment


def _recover(url: str, ledger: Path) -> str:
    """``baro orders recover``, as an operator's schedule would run it; its output."""
    finished = subprocess.run(
        [sys.executable, "-m", "baro", "orders", "recover", "--db", url],
        env={**os.environ, **_server_environment(ledger)},
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def _assert_all_agree(world: World, ledger: Path) -> None:
    platform = Platform.start(Settings(database_url=world.url))
    try:
        assert keys_with_several_orders(platform.db) == []
        assert unpaid_placements(platform.db) == []
        assert money_mismatches(platform.db, ledger) == {}
        assert stock_mismatches(platform.db, world.initial) == {}
    finally:
        platform.close()


@dataclass
class Press:
    buyer: Shopper
    product: str
    key: str
    answer: tuple[int, str] | None = None  # (status, order id or error code)


async def _press_until_answered(
    client: aiohttp.ClientSession, press: Press, seen: Counter[str]
) -> None:
    """Send the press until it gets an answer that is final: a well-behaved client retries
    with the same key on a dropped connection, a 5xx, or a 409 while its key is in flight."""
    headers = {"Authorization": f"Bearer {press.buyer.api_key}", "Idempotency-Key": press.key}
    body = {"product_id": press.product, "quantity": 1}
    deadline = time.monotonic() + CLIENT_PATIENCE_S
    while time.monotonic() < deadline:
        try:
            async with client.post("/v1/orders/one-click", json=body, headers=headers) as reply:
                payload = await reply.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError):
            seen["dropped"] += 1
        else:
            code = payload.get("code", "")
            if reply.status == 201:
                press.answer = (201, payload["id"])
                return
            if reply.status < 500 and code != "idempotency_key_in_flight":
                press.answer = (reply.status, code)
                return
            seen[code or str(reply.status)] += 1
        await asyncio.sleep(0.2)


def _workers(supervisor: int) -> set[int]:
    return {
        pid
        for pid, process in processes().items()
        if process.parent == supervisor and "spawn_main" in process.command
    }


async def _burst(base: str, presses: list[Press], supervisor: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    answered = 0
    connector = aiohttp.TCPConnector(limit=len({p.buyer.api_key for p in presses}))
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        queue = iter(presses)

        async def one_client() -> None:
            nonlocal answered
            for press in queue:
                await _press_until_answered(client, press, seen)
                answered += 1
                if answered in KILL_AFTER:
                    victim = min(_workers(supervisor))
                    os.kill(victim, signal.SIGKILL)
                    seen["killed"] += 1

        await asyncio.gather(*(one_client() for _ in range(200)))
    return seen


def test_a_worker_killed_mid_burst_loses_no_order_and_charges_no_card_twice(
    world: World, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.jsonl"
    rng = random.Random(11)
    presses = [
        Press(world.buyers[n % len(world.buyers)], rng.choice(world.products), f"crash-{n}")
        for n in range(1_000)
    ]
    with running_server(world.url, workers=2, environment=_server_environment(ledger)) as server:
        seen = asyncio.run(_burst(server.base_url, presses, server.pid))
        _recover(world.url, ledger)

    assert seen["killed"] == len(KILL_AFTER) and seen["dropped"] > 0  # kills cut requests short
    assert all(press.answer is not None for press in presses)
    placed = {
        press.key: press.answer[1] for press in presses if press.answer and press.answer[0] == 201
    }
    refused = Counter(
        press.answer[1] for press in presses if press.answer and press.answer[0] != 201
    )
    assert set(refused) <= {"out_of_stock"}
    platform = Platform.start(Settings(database_url=world.url))
    try:
        with platform.db.read() as session:
            rows = session.execute(text("SELECT idempotency_key, id FROM orders")).all()
    finally:
        platform.close()
    assert {key: order for key, order in rows if key in placed} == placed
    _assert_all_agree(world, ledger)


def test_a_worker_killed_at_each_step_of_placing_and_cancelling_leaves_nothing_unfinished(
    world: World, tmp_path: Path
) -> None:
    """One server per step, each killing its worker when it gets there (BARO_FAILPOINTS):
    after writing the order, after charging the card, after cancelling, after refunding.
    ``baro orders recover`` then finishes every one, charging and refunding once."""
    ledger = tmp_path / "ledger.jsonl"
    platform = Platform.start(Settings(database_url=world.url, sandbox_ledger=ledger))
    buyers = iter(world.buyers)
    product = world.products[1]
    to_cancel = {
        step: platform.orders.place_one_click(
            next(buyers).principal, product, 1, idempotency_key=f"to-cancel-{step}"
        ).order
        for step in ("cancel.cancelled", "cancel.refunded")
    }
    platform.close()
    killed: dict[str, Shopper] = {}
    with ExitStack() as servers:
        for step in ("placement.written", "placement.charged", *to_cancel):
            environment = _server_environment(ledger, failpoints=f"{step}=kill")
            base = servers.enter_context(
                running_server(world.url, workers=1, environment=environment)
            ).base_url
            buyer = killed[step] = next(buyers)
            headers = {"Authorization": f"Bearer {buyer.api_key}", "Idempotency-Key": step}
            if step in to_cancel:
                buyer = killed[step] = _owner(world, to_cancel[step].customer_id)
                headers["Authorization"] = f"Bearer {buyer.api_key}"
                request = ("POST", f"{base}/v1/orders/{to_cancel[step].id}/cancel", None)
            else:
                request = ("POST", f"{base}/v1/orders/one-click", {"product_id": product})
            with pytest.raises(httpx.TransportError):  # the worker died mid-request
                httpx.request(request[0], request[1], json=request[2], headers=headers, timeout=30)
        killed_at = time.monotonic()

    time.sleep(max(0.0, killed_at + ABANDONED_AFTER_S + 1 - time.monotonic()))  # the rule's age
    finished = _recover(world.url, ledger)

    platform = Platform.start(Settings(database_url=world.url))
    try:
        for step in ("placement.written", "placement.charged"):
            [order] = platform.orders.list(killed[step].principal)
            assert order.status.value == "allocated" and order.id in finished
        for step, order in to_cancel.items():
            assert platform.orders.get(killed[step].principal, order.id).status.value == "refunded"
            assert order.id in finished
    finally:
        platform.close()
    _assert_all_agree(world, ledger)


def _owner(world: World, customer_id: str) -> Shopper:
    return next(buyer for buyer in world.buyers if buyer.customer_id == customer_id)
