"""What the API tests share: a small world, bearer headers, and problem+json assertions."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from baro.channels.web import create_app
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@dataclass(frozen=True)
class World:
    product: str
    facility: str
    buyer: Shopper
    admin_key: str


def build_world(platform: Platform, units: int = 5) -> World:
    # A fresh SKU each time: on PostgreSQL the tests of a module share one database.
    item = add_product(platform, sku=new_id("SKU"), title="Garrafa térmica inox")
    facility = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, facility, item.id, units)
    return World(item.id, facility, shopper(platform), platform.customers.issue_admin_key())


def bearer(api_key: str, idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {api_key}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


@contextmanager
def api(
    platform: Platform, client: tuple[str, int] = ("203.0.113.10", 50000)
) -> Iterator[TestClient]:
    """The app in process; requests come from ``client`` (host, port)."""
    with TestClient(create_app(platform), client=client) as test_client:
        yield test_client


def same_app_from(client: TestClient, host: str) -> TestClient:
    """Another client of ``client``'s app (its lifespan already running), from ``host``."""
    return TestClient(client.app, client=(host, 4000))


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status, body
    assert {"type", "title", "detail"} <= body.keys()
    assert "Traceback" not in response.text
    return body
