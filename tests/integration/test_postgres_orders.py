"""Exactly-once orders and no oversell on real PostgreSQL, through real server processes."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from baro.bench.server import running_server
from baro.commerce.orders import CancelWindowClosed, OrderNotFound, OrderStatus
from baro.core.clock import SimulatedClock
from baro.core.db import Base, make_engine
from baro.core.idempotency import IdempotencyKeyReused
from baro.network import stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server(pg_url: str) -> Iterator[str]:
    with running_server(pg_url, workers=2) as server:
        yield server.base_url


def post_order(
    base: str, api_key: str, product: str, key: str, quantity: int = 1
) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/orders/one-click",
        json={"product_id": product, "quantity": quantity},
        headers={"Authorization": f"Bearer {api_key}", "Idempotency-Key": key},
        timeout=30,
    )


def test_fifty_buyers_of_ten_units_make_exactly_ten_orders(platform: Platform, server: str) -> None:
    item = add_product(platform, sku="LAST-10")
    facility = add_facility(platform, "FC SP", SAO_PAULO)
    stock(platform, facility, item.id, 10)
    buyers = [shopper(platform, f"Buyer{n}") for n in range(50)]

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(lambda b: post_order(server, b.api_key, item.id, "last"), buyers))

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 10, 409: 40}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"out_of_stock"}
    with platform.db.transaction() as session:
        assert stock_level(session, facility, item.id).reserved == 10


def test_twenty_requests_with_one_key_make_one_order(platform: Platform, server: str) -> None:
    item = add_product(platform, sku="ONE-KEY")
    stock(platform, add_facility(platform, "FC SP 2", SAO_PAULO), item.id, 100)
    buyer = shopper(platform, "Impatient")

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(lambda _n: post_order(server, buyer.api_key, item.id, "same"), range(20))
        )

    assert all(r.status_code in (201, 409) for r in responses)
    in_flight = [r.json()["code"] for r in responses if r.status_code == 409]
    assert set(in_flight) <= {"idempotency_key_in_flight"}
    placed = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(placed) == 1
    assert len(platform.orders.list(buyer.principal)) == 1
    replay = post_order(server, buyer.api_key, item.id, "same")
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["id"] in placed


def test_key_reuse_with_other_parameters_is_422(platform: Platform, server: str) -> None:
    item = add_product(platform, sku="REUSE")
    stock(platform, add_facility(platform, "FC SP 3", SAO_PAULO), item.id, 5)
    buyer = shopper(platform, "Reuser")
    assert post_order(server, buyer.api_key, item.id, "k", 1).status_code == 201
    reused = post_order(server, buyer.api_key, item.id, "k", 2)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    with pytest.raises(IdempotencyKeyReused):
        platform.orders.place_one_click(buyer.principal, item.id, 3, idempotency_key="k")


def test_cancel_inside_the_window_refunds_and_after_it_is_refused(platform: Platform) -> None:
    clock = platform.clock
    assert isinstance(clock, SimulatedClock)
    item = add_product(platform, sku="CANCEL")
    facility = add_facility(platform, "FC SP 4", SAO_PAULO)
    stock(platform, facility, item.id, 5)
    buyer = shopper(platform, "Changer")
    kept = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="a").order
    dropped = platform.orders.place_one_click(
        buyer.principal, item.id, 2, idempotency_key="b"
    ).order

    clock.advance(timedelta(minutes=5))
    refunded = platform.orders.cancel(buyer.principal, dropped.id)
    clock.advance(timedelta(minutes=30))

    assert refunded.status is OrderStatus.REFUNDED and refunded.refund is not None
    assert refunded.refund.amount == dropped.total
    with pytest.raises(CancelWindowClosed):
        platform.orders.cancel(buyer.principal, kept.id)
    with platform.db.transaction() as session:
        assert stock_level(session, facility, item.id).reserved == 1


def test_another_customers_order_is_404(platform: Platform, server: str) -> None:
    item = add_product(platform, sku="MINE")
    stock(platform, add_facility(platform, "FC SP 5", SAO_PAULO), item.id, 5)
    owner, other = shopper(platform, "Owner"), shopper(platform, "Other")
    order = post_order(server, owner.api_key, item.id, "mine").json()

    response = httpx.get(
        f"{server}/v1/orders/{order['id']}", headers={"Authorization": f"Bearer {other.api_key}"}
    )
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    with pytest.raises(OrderNotFound):
        platform.orders.cancel(other.principal, order["id"])


def test_full_text_search_uses_tsvector(platform: Platform) -> None:
    add_product(platform, sku="SEARCH-1", title="Chaleira elétrica")
    found = platform.catalog.search("chaleira")
    assert [f.product.sku for f in found] == ["SEARCH-1"]
    assert {f.product.sku for f in platform.catalog.search("보온병 search")} == {"SEARCH-1"}


def test_the_same_migrations_build_the_declared_schema(pg_url: str) -> None:
    # Some tables are declared by modules the platform does not import (the device channel,
    # the home page's rows): import every module that declares one, so that this test holds
    # whatever ran before it.
    for module in ("baro.channels.devices", "baro.channels.web.app", "baro.recommendations"):
        importlib.import_module(module)
    engine = make_engine(pg_url)
    search_only = {"search_vector", "ix_products_search", "ix_search_vocabulary_trigrams"}
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": lambda name, _kind, _parent: name not in search_only}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
