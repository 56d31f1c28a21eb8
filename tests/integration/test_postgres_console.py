"""The operations console's reads on real PostgreSQL, and its live feed answered by any of
a server's worker processes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from baro.bench.server import running_server
from baro.commerce.catalog import Shelves
from baro.commerce.customers import CustomerDirectory
from baro.commerce.orders import OrderBook, OrderFilter, OrderStatus
from baro.core.clock import SimulatedClock
from baro.core.event_log import EventLog
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

pytestmark = pytest.mark.postgres


def test_operator_reads_filter_page_and_mask_on_postgresql(platform: Platform) -> None:
    """Given two buyers' orders a day apart (one refunded) at a new facility."""
    clock = platform.clock
    assert isinstance(clock, SimulatedClock)
    item = add_product(platform, sku=new_id("SKU"))
    facility = add_facility(platform, "FC Console", SAO_PAULO)
    stock(platform, facility, item.id, 10)
    ana, bia = shopper(platform, "Ana Souza"), shopper(platform, "Bia Lima")
    first = platform.orders.place_one_click(ana.principal, item.id, 1, idempotency_key="a1")
    platform.orders.cancel(ana.principal, first.order.id)
    clock.advance(timedelta(days=1))
    day_two = clock.now()
    second = platform.orders.place_one_click(bia.principal, item.id, 2, idempotency_key="b1")
    book = OrderBook(platform.db)

    refunded_of_ana = book.page(
        OrderFilter(status=OrderStatus.REFUNDED, customer_id=ana.customer_id)
    )
    bias_since_day_two = book.page(OrderFilter(customer_id=bia.customer_id, placed_from=day_two))
    bias_before_day_two = book.page(OrderFilter(customer_id=bia.customer_id, placed_until=day_two))
    (totals,) = [h for h in Shelves(platform.db).facilities() if h.facility.id == facility]
    listed = {c.id: c for c in CustomerDirectory(platform.db).page(limit=100)}
    history = EventLog(platform.db).history(first.order.id)

    assert [o.id for o in refunded_of_ana] == [first.order.id]
    assert [o.id for o in bias_since_day_two] == [second.order.id]
    assert bias_before_day_two == []
    assert (totals.products, totals.on_hand, totals.reserved) == (1, 10, 2)
    assert listed[ana.customer_id].email.startswith("a***@")
    assert (listed[bia.customer_id].name, listed[bia.customer_id].city) == ("Bia L.", "São Paulo")
    assert [e.event_type for e in history] == [
        "order.placed",
        "order.paid",
        "order.allocated",
        "order.cancelled",
        "order.refunded",
    ]


@pytest.fixture(scope="module")
def server(pg_url: str) -> Iterator[str]:
    with running_server(pg_url, workers=2) as server:
        yield server.base_url


def test_any_worker_answers_the_feed_poll_with_what_is_new(platform: Platform, server: str) -> None:
    """The poll carries the newest seq the page shows, so a worker that never served the
    page answers it the same: nothing new (204), then the new order."""
    email, password = f"ops-{new_id('e')}@baro.example", "correct horse battery"
    platform.accounts.add_operator(name="Olga Ops", email=email, password=password)
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC Feed", SAO_PAULO), item.id, 5)
    buyer = shopper(platform, "Caio")
    with httpx.Client(base_url=server, timeout=30) as browser:
        page = browser.get("/ops/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        signed_in = browser.post(
            "/ops/signin",
            data={"email": email, "password": password, "next": "/ops", "csrf_token": token[1]},
        )
        assert signed_in.status_code == 303
        feed = browser.get("/ops")
        newest = re.search(r'data-newest="(\d+)"', feed.text)
        assert newest
        cookies = dict(browser.cookies)

    def poll() -> httpx.Response:
        # A new connection each time: the kernel spreads them over the workers.
        return httpx.get(f"{server}/ops/feed/rows?after={newest[1]}", cookies=cookies, timeout=30)

    quiet = [poll().status_code for _ in range(6)]
    placed = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="c1")
    news = [poll() for _ in range(6)]

    assert quiet == [204] * 6
    assert all(r.status_code == 200 and placed.order.id in r.text for r in news)
